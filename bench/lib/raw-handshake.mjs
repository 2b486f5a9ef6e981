// The opening handshake (RFC 6455 §4.1, §4.2.2) done by hand over node:net, so the load
// generator checks the 101 itself instead of trusting any WebSocket library.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A 101 response head is a few hundred bytes; anything past this is a broken server. */
const MAX_RESPONSE_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

/** Open a TCP connection to 127.0.0.1:port; resolves with the connected socket. */
export function openTcp(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Connect and upgrade. Resolves with { socket, leftover, extensions } where leftover holds any
 * frame bytes that arrived in the same chunk as the response head (§4.2.2 allows the server to
 * send frames right after the 101).
 */
export async function openWebSocket(port, { path = '/', extensions } = {}) {
  const socket = await openTcp(port);
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (extensions) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const { head, leftover } = await readResponseHead(socket);
  const headers = checkSwitchingProtocols(head, key);
  return { socket, leftover, extensions: headers.get('sec-websocket-extensions') ?? '' };
}

function readResponseHead(socket) {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(HEAD_END);
      if (end === -1) {
        if (received.length > MAX_RESPONSE_HEAD) fail(new Error('response head too large'));
        return;
      }
      cleanup();
      resolve({ head: received.subarray(0, end).toString('latin1'), leftover: received.subarray(end + 4) });
    };
    const fail = (error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onEnd = () => fail(new Error('connection closed before the 101 response'));
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
    };
    socket.on('data', onData);
    socket.once('error', fail);
    socket.once('end', onEnd);
  });
}

function checkSwitchingProtocols(head, key) {
  const [statusLine, ...headerLines] = head.split('\r\n');
  if (!/^HTTP\/1\.1 101\b/.test(statusLine)) throw new Error(`expected 101, got "${statusLine}"`);
  const headers = new Map();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const expected = createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
  if (headers.get('sec-websocket-accept') !== expected) throw new Error('wrong Sec-WebSocket-Accept');
  return headers;
}
