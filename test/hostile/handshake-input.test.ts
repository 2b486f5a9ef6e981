// Hostile opening handshakes against the standalone server (it parses HTTP itself): each request
// gets the answer RFC 6455 §4.2.1-§4.2.2 and RFC 7230/7231 prescribe, the connection is closed,
// and the server keeps serving with nothing left behind.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { activeResources, expectCleanAfter, expectServesFreshClient, LOOPBACK, RawPeer, startEchoServer, upgradeRequest } from './helpers.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const VALID_LINES = [
  'GET / HTTP/1.1',
  `Host: ${LOOPBACK}`,
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
];

/** The valid request with the line starting `prefix` replaced (or dropped when `line` is null). */
function withLine(prefix: string, line: string | null): string {
  const lines = VALID_LINES.flatMap((existing) => (existing.startsWith(prefix) ? (line === null ? [] : [line]) : [existing]));
  return request(lines);
}

interface RefusedCase {
  name: string;
  bytes: string | Buffer;
  status: number;
  headers?: Record<string, string>;
}

const refused: RefusedCase[] = [
  { name: 'a request line with one word', bytes: 'GARBAGE\r\n\r\n', status: 400 },
  { name: 'a request line without a version', bytes: request(['GET /', ...VALID_LINES.slice(1)]), status: 400 },
  { name: 'a request line with two spaces', bytes: request(['GET  / HTTP/1.1', ...VALID_LINES.slice(1)]), status: 400 },
  { name: 'a control character in the target', bytes: request(['GET /\x01 HTTP/1.1', ...VALID_LINES.slice(1)]), status: 400 },
  { name: 'POST (RFC 6455 §4.1: the method MUST be GET)', bytes: withLine('GET', 'POST / HTTP/1.1'), status: 405, headers: { allow: 'GET' } },
  { name: 'HTTP/1.0 (§4.1: HTTP/1.1 or higher)', bytes: withLine('GET', 'GET / HTTP/1.0'), status: 400 },
  { name: 'HTTP/2.0 in text form', bytes: withLine('GET', 'GET / HTTP/2.0'), status: 505 },
  { name: 'a version that is not HTTP', bytes: withLine('GET', 'GET / FTP/1.1'), status: 400 },
  { name: 'no Upgrade header (a plain HTTP request)', bytes: withLine('Upgrade', null), status: 426, headers: { 'sec-websocket-version': '13, 8' } },
  { name: 'Upgrade: h2c', bytes: withLine('Upgrade', 'Upgrade: h2c'), status: 400 },
  // Not an upgrade request for node's http server either: ws answers these 426 from its 'request' handler.
  { name: 'no Connection header', bytes: withLine('Connection', null), status: 426 },
  { name: 'Connection: keep-alive (no upgrade token)', bytes: withLine('Connection', 'Connection: keep-alive'), status: 426 },
  { name: 'no Sec-WebSocket-Key', bytes: withLine('Sec-WebSocket-Key', null), status: 400 },
  { name: 'a key of 15 bytes', bytes: withLine('Sec-WebSocket-Key', `Sec-WebSocket-Key: ${randomBytes(15).toString('base64')}`), status: 400 },
  { name: 'a key that is not base64', bytes: withLine('Sec-WebSocket-Key', 'Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=='), status: 400 },
  // §4.4 (and ws): 400 with the versions spoken; 8 (hybi drafts) is accepted as ws accepts it.
  { name: 'no Sec-WebSocket-Version (§4.4: 400 with the versions spoken)', bytes: withLine('Sec-WebSocket-Version', null), status: 400, headers: { 'sec-websocket-version': '13, 8' } },
  { name: 'Sec-WebSocket-Version: 7', bytes: withLine('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 7'), status: 400, headers: { 'sec-websocket-version': '13, 8' } },
  { name: 'no Host header', bytes: withLine('Host', null), status: 400 },
  { name: 'two Host headers', bytes: request([...VALID_LINES, 'Host: evil.example']), status: 400 },
  { name: 'a header line without a colon', bytes: request([...VALID_LINES, 'X-No-Colon value']), status: 400 },
  { name: 'whitespace before the colon (RFC 7230 §3.2.4)', bytes: request([...VALID_LINES, 'X-Space : value']), status: 400 },
  { name: 'an obs-fold continuation line', bytes: request([...VALID_LINES, 'X-Fold: a', ' b']), status: 400 },
  { name: 'a NUL inside a header value', bytes: request([...VALID_LINES, 'X-Nul: a\x00b']), status: 400 },
  { name: 'a bare CR inside a header value', bytes: request([...VALID_LINES, 'X-Cr: a\rb']), status: 400 },
  { name: 'a duplicated subprotocol', bytes: request([...VALID_LINES, 'Sec-WebSocket-Protocol: chat, chat']), status: 400 },
  { name: 'more than 100 header lines', bytes: request([...VALID_LINES, ...Array.from({ length: 101 }, (_, i) => `X-H${i}: v`)]), status: 431 },
  { name: 'binary garbage instead of HTTP', bytes: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), status: 400 },
];

describe('RFC 6455 §4.2.1: a request that is not a valid upgrade is refused with an HTTP error', () => {
  for (const testCase of refused) {
    it(`answers ${testCase.status} to ${testCase.name}, closes, and keeps serving`, async () => {
      const baseline = activeResources();
      const server = await startEchoServer();
      const peer = await RawPeer.connect(server.port);
      peer.write(testCase.bytes);
      const head = await peer.readHttpHead();
      expect(head.status).toBe(testCase.status);
      for (const [name, value] of Object.entries(testCase.headers ?? {})) expect(head.headers[name]).toBe(value);
      expect(head.headers['connection']).toBe('close');
      expect(await peer.closedWithin(1000)).toBe(true);
      expect(server.wss.clients.size).toBe(0);
      await expectCleanAfter(server, baseline, [peer]);
    });
  }

  it('stores a header named __proto__ as data: the upgrade succeeds and no prototype changes', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.connect(server.port);
    peer.write(upgradeRequest('__proto__: {"polluted":1}\r\nConstructor: x\r\n'));
    expect((await peer.readHttpHead()).status).toBe(101);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('maxHeaderSize: an oversized request head gets 431 as soon as it passes the limit', () => {
  it('accepts a head of exactly maxHeaderSize bytes and refuses one byte more', async () => {
    const baseline = activeResources();
    const limit = 4096;
    const server = await startEchoServer({ maxHeaderSize: limit });
    const base = upgradeRequest('X-Pad: \r\n');
    const padding = 'p'.repeat(limit - Buffer.byteLength(base));
    const exact = await RawPeer.connect(server.port);
    exact.write(upgradeRequest(`X-Pad: ${padding}\r\n`));
    expect((await exact.readHttpHead()).status).toBe(101);
    const over = await RawPeer.connect(server.port);
    over.write(upgradeRequest(`X-Pad: ${padding}p\r\n`));
    expect((await over.readHttpHead()).status).toBe(431);
    expect(await over.closedWithin(1000)).toBe(true);
    await expectCleanAfter(server, baseline, [exact, over]);
  });

  it('answers 431 at the default 16 KiB before the head ends, and reads no further', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.connect(server.port);
    // One endless header line: no LF, so only the byte count can stop it.
    peer.write(`GET / HTTP/1.1\r\nHost: ${LOOPBACK}\r\nX-Endless: ${'a'.repeat(16 * 1024)}`);
    const head = await peer.readHttpHead();
    expect(head.status).toBe(431);
    expect(await peer.closedWithin(1000)).toBe(true);
    // Writing more after the refusal reaches nobody: the server has closed the socket.
    expect(peer.socket.destroyed || peer.ended).toBe(true);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('counts many short header lines against the same limit', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ maxHeaderSize: 2048 });
    const peer = await RawPeer.connect(server.port);
    peer.write(upgradeRequest(Array.from({ length: 90 }, (_, i) => `X-${i}: ${'v'.repeat(20)}\r\n`).join('')));
    expect((await peer.readHttpHead()).status).toBe(431);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('handshakeTimeout drops peers that never finish a handshake', () => {
  it('closes 1,000 idle connections that send nothing, while serving a fresh client meanwhile', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ handshakeTimeout: 600 });
    const peers = await Promise.all(Array.from({ length: 1000 }, () => RawPeer.connect(server.port)));
    // The idle crowd does not starve a well-behaved client.
    await expectServesFreshClient(server.url);
    const allClosed = await Promise.all(peers.map((peer) => peer.closedWithin(8000)));
    expect(allClosed.every(Boolean)).toBe(true);
    // 408 is written to each before it is closed.
    const head = peers[0]!.pending.toString('latin1');
    expect(head.startsWith('HTTP/1.1 408')).toBe(true);
    await expectCleanAfter(server, baseline, peers);
  });

  it('drops a peer that sends half a request and stops', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ handshakeTimeout: 300 });
    const peer = await RawPeer.connect(server.port);
    peer.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpg');
    expect(await peer.closedWithin(1500)).toBe(true);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('drops a connection whose async verifyClient never calls back', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({
      handshakeTimeout: 300,
      verifyClient: (info, callback) => {
        // Stuck: only fresh clients from the helper (no X-Stuck header) are let through.
        if (info.req.headers['x-stuck'] === undefined) callback(true);
      },
    });
    const peer = await RawPeer.connect(server.port);
    peer.write(upgradeRequest('X-Stuck: 1\r\n'));
    expect(await peer.closedWithin(1500)).toBe(true);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('survives a peer that resets the connection in the middle of its request head', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.connect(server.port);
    peer.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: webs');
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer.socket.resetAndDestroy();
    await peer.closed;
    await expectCleanAfter(server, baseline, [peer]);
  });
});
