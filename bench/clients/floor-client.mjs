// The floor under any WebSocket client on node:net: the same echo loop as echo-client.mjs, but
// on a bare net.Socket that does no WebSocket work at all. It writes one frame masked once in
// advance (the same bytes every time: no masking, no allocation, no framing) and counts the
// echoed bytes without parsing or copying them. Its CPU per message is what Node's sockets and
// the kernel cost (the write and read syscalls, loopback TCP, wake-ups), whatever the library.
// Same JSON argument as echo-client.mjs ({ port, serverPid, connections, size, window, ... }).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { failAndExit, measureClientWindow } from '../lib/measure-window.mjs';
import { binaryPayload } from '../lib/payloads.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');

try {
  await run(config);
  process.exit(0);
} catch (error) {
  failAndExit(error);
}

async function run({ port, serverPid, connections, size, window, warmupMs, durationMs }) {
  const frame = maskedFrame(binaryPayload(size));
  // The server's frames are unmasked: 2, 4 or 10 bytes of header.
  const echoedBytes = size + (size < 126 ? 2 : size < 65536 ? 4 : 10);
  const counters = { messages: 0, bytes: 0 };
  let sending = true;
  const sockets = await Promise.all(Array.from({ length: connections }, () => upgrade(port)));
  for (const socket of sockets) {
    let pending = 0;
    socket.on('data', (chunk) => {
      pending += chunk.length;
      while (pending >= echoedBytes) {
        pending -= echoedBytes;
        counters.messages++;
        counters.bytes += size;
        if (sending) socket.write(frame);
      }
    });
    socket.on('error', (error) => {
      if (sending) failAndExit(error);
    });
    for (let i = 0; i < window; i++) socket.write(frame);
  }
  await measureClientWindow({ counters, serverPid, warmupMs, durationMs, stop: () => (sending = false) });
  for (const socket of sockets) socket.destroy();
}

function maskedFrame(payload) {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + lengthBytes + 4 + length);
  frame[0] = 0x82;
  frame[1] = 0x80 | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) frame.writeUInt16BE(length, 2);
  if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(length), 2);
  const key = randomBytes(4);
  const at = 2 + lengthBytes;
  key.copy(frame, at);
  for (let i = 0; i < length; i++) frame[at + 4 + i] = payload[i] ^ key[i & 3];
  return frame;
}

/** A raw RFC 6455 handshake; resolves with the socket once the 101 head has been read. */
function upgrade(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let head = '';
    const onData = (chunk) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.slice(0, 40)}`));
      if (end + 4 < head.length) return reject(new Error('frame bytes arrived with the 101'));
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
