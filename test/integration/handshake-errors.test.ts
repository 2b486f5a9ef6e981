// Refused opening handshakes on a standalone server (RFC 6455 §4.2.1-§4.2.2): the exact status
// line and headers for each broken request, the size and time limits that protect the server,
// and the one success edge case that is easy to get wrong: frames that ride in the same packet as
// the request.
import { once } from 'node:events';
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from '../../src/index.js';
import {
  LOOPBACK,
  SAMPLE_ACCEPT,
  bodyOf,
  delay,
  headersOf,
  listen,
  maskedFrame,
  rawExchange,
  rawSocket,
  readHead,
  readUntilClosed,
  startServer,
  statusLine,
  trackHttpServer,
  trackServer,
  upgradeRequest,
  within,
} from './helpers.js';

const OPCODE_TEXT = 0x1;

async function refusal(request: string, options = {}): Promise<string> {
  const { wss, port } = await startServer(options);
  let connections = 0;
  wss.on('connection', () => connections++);
  const response = await rawExchange(port, request);
  expect(connections).toBe(0);
  return response;
}

describe('400 Bad Request: the request is not a valid upgrade (§4.2.1)', () => {
  it.each([
    ['an Upgrade header that is not websocket', { Upgrade: 'h2c' }, 'Invalid Upgrade header'],
    ['a Sec-WebSocket-Key that is not 16 base64 bytes', { 'Sec-WebSocket-Key': 'c2hvcnQ=' }, 'Missing or invalid Sec-WebSocket-Key header'],
    ['no Sec-WebSocket-Key', { 'Sec-WebSocket-Key': undefined }, 'Missing or invalid Sec-WebSocket-Key header'],
    ['no Host header', { Host: undefined }, 'Missing or invalid Host header'],
  ])('%s', async (_title, headers, message) => {
    const response = await refusal(upgradeRequest({ headers }));
    expect(statusLine(response)).toBe('HTTP/1.1 400 Bad Request');
    expect(headersOf(response).connection).toBe('close');
    expect(bodyOf(response)).toBe(message);
  });

  it('accepts Upgrade and Connection tokens in any case and inside comma lists', async () => {
    const { port } = await startServer();
    const socket = await rawSocket(port);
    socket.write(upgradeRequest({ headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' } }));
    const { head } = await readHead(socket);
    expect(statusLine(head)).toBe('HTTP/1.1 101 Switching Protocols');
  });
});

describe('404 Not Found: a path the server does not serve', () => {
  it('answers 404 for another path when { path } is set', async () => {
    const response = await refusal(upgradeRequest({ path: '/nope' }), { path: '/ws' });
    expect(statusLine(response)).toBe('HTTP/1.1 404 Not Found');
  });
});

describe('405 Method Not Allowed: the handshake is a GET (§4.1)', () => {
  it('refuses POST with Allow: GET', async () => {
    const response = await refusal(upgradeRequest({ method: 'POST' }));
    expect(statusLine(response)).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(headersOf(response).allow).toBe('GET');
  });
});

// Version decision (issue 11): as ws, 13 and 8 are spoken and others get 400 with the list (RFC 6455
// §4.4's example); a request that is not an upgrade (no Upgrade, or no `upgrade` in Connection:
// node's http server routes it to 'request') gets 426 as from ws.
describe('400 / 426: the versions this server speaks (§4.2.2, §4.4)', () => {
  it('answers Sec-WebSocket-Version: 7 with 400 and Sec-WebSocket-Version: 13, 8', async () => {
    const response = await refusal(upgradeRequest({ headers: { 'Sec-WebSocket-Version': '7' } }));
    expect(statusLine(response)).toBe('HTTP/1.1 400 Bad Request');
    expect(headersOf(response)['sec-websocket-version']).toBe('13, 8');
  });

  it('answers a plain GET without Upgrade with 426 (this server only speaks WebSocket)', async () => {
    const response = await refusal(`GET / HTTP/1.1\r\nHost: ${LOOPBACK}\r\n\r\n`);
    expect(statusLine(response)).toBe('HTTP/1.1 426 Upgrade Required');
    expect(headersOf(response)['sec-websocket-version']).toBe('13, 8');
  });

  it('answers a Connection header without the upgrade token with 426', async () => {
    const response = await refusal(upgradeRequest({ headers: { Connection: 'keep-alive' } }));
    expect(statusLine(response)).toBe('HTTP/1.1 426 Upgrade Required');
  });
});

describe('431 Request Header Fields Too Large: the head size limit', () => {
  it('refuses a head over the default 16 KiB', async () => {
    const response = await refusal(upgradeRequest({ headers: { 'X-Padding': 'a'.repeat(17 * 1024) } }));
    expect(statusLine(response)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  it('accepts a head just under 16 KiB', async () => {
    const { port } = await startServer();
    const socket = await rawSocket(port);
    socket.write(upgradeRequest({ headers: { 'X-Padding': 'a'.repeat(15 * 1024) } }));
    expect(statusLine((await readHead(socket)).head)).toBe('HTTP/1.1 101 Switching Protocols');
  });

  it('applies the maxHeaderSize option: 2 KiB refused, 512 bytes accepted under 1024', async () => {
    const { port } = await startServer({ maxHeaderSize: 1024 });
    const big = await rawExchange(port, upgradeRequest({ headers: { 'X-Padding': 'a'.repeat(2048) } }));
    expect(statusLine(big)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    const socket = await rawSocket(port);
    socket.write(upgradeRequest({ headers: { 'X-Padding': 'a'.repeat(512) } }));
    expect(statusLine((await readHead(socket)).head)).toBe('HTTP/1.1 101 Switching Protocols');
  });
});

describe('handshakeTimeout: a client that never finishes its request is dropped', () => {
  it('drops a connection that sends nothing', async () => {
    const { port } = await startServer({ handshakeTimeout: 200 });
    const socket = await rawSocket(port);
    const started = Date.now();
    const response = (await readUntilClosed(socket, 3000)).toString('latin1');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    expect(response === '' || statusLine(response) === 'HTTP/1.1 408 Request Timeout').toBe(true);
  });

  it('drops a slowloris that trickles one byte of its request every 50 ms', async () => {
    const { port } = await startServer({ handshakeTimeout: 300 });
    const socket = await rawSocket(port);
    const request = Buffer.from(upgradeRequest({ headers: { 'X-Padding': 'a'.repeat(200) } }));
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < request.length - 4 && !socket.destroyed) socket.write(request.subarray(sent, ++sent));
    }, 50);
    try {
      const started = Date.now();
      const response = (await readUntilClosed(socket, 3000)).toString('latin1');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(response.startsWith('HTTP/1.1 101')).toBe(false);
    } finally {
      clearInterval(trickle);
    }
  });
});

describe('bytes after the blank line belong to the first frames (§4.2.1, DESIGN.md)', () => {
  it('standalone: a frame sent in the same write as the request arrives as the first message', async () => {
    const { wss, port } = await startServer();
    const message = new Promise<[Buffer, boolean]>((resolve) => {
      wss.on('connection', (ws: WebSocket) => ws.once('message', (data, isBinary) => resolve([data as Buffer, isBinary])));
    });
    const socket = await rawSocket(port);
    socket.write(Buffer.concat([Buffer.from(upgradeRequest()), maskedFrame(OPCODE_TEXT, 'early bird')]));
    const { head } = await readHead(socket);
    expect(headersOf(head)['sec-websocket-accept']).toBe(SAMPLE_ACCEPT);
    expect(await within(message, 2000, 'the early frame')).toEqual([Buffer.from('early bird'), false]);
  });

  it('on an http server: the upgrade head bytes are fed before later data', async () => {
    const server = http.createServer();
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    const port = await listen(server);
    const messages: string[] = [];
    const done = new Promise<void>((resolve) => {
      wss.on('connection', (ws: WebSocket) =>
        ws.on('message', (data) => {
          messages.push(String(data));
          if (messages.length === 2) resolve();
        }),
      );
    });
    const socket = await rawSocket(port);
    socket.write(Buffer.concat([Buffer.from(upgradeRequest()), maskedFrame(OPCODE_TEXT, 'first')]));
    await readHead(socket);
    await delay(10);
    socket.write(maskedFrame(OPCODE_TEXT, 'second'));
    await within(done, 2000, 'both messages').catch((error: Error) => {
      throw new Error(`${error.message}; received ${JSON.stringify(messages)}`);
    });
    expect(messages).toEqual(['first', 'second']);
  });

  it('a server close frame follows the 101 on the same connection (no stray bytes before it)', async () => {
    const { wss, port } = await startServer();
    wss.on('connection', (ws: WebSocket) => ws.close(1000, 'bye'));
    const socket = await rawSocket(port);
    const all = readUntilClosed(socket);
    socket.write(upgradeRequest());
    const [reply] = (await once(socket, 'data')) as [Buffer];
    expect(reply.toString('latin1').startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    socket.write(maskedFrame(0x8, Buffer.from([0x03, 0xe8])));
    const bytes = await all;
    const afterHead = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
    // 0x88 = FIN + close, 0x05 = unmasked 5-byte payload: 1000 (0x03e8) and "bye".
    expect([...afterHead]).toEqual([0x88, 0x05, 0x03, 0xe8, ...Buffer.from('bye')]);
  });
});
