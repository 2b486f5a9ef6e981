// A hostile server against our client: a raw TCP fake server answers the handshake badly, or
// completes it and then sends frames that break RFC 6455. The client must report an error, close
// with the prescribed code (masked close frame, §5.1), emit 'close' once, and leave nothing behind.
import { once } from 'node:events';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WebSocket, type ClientOptions } from '../../src/index.js';
import { activeResources, closePayload, frame, LOOPBACK, onCleanup, RawPeer, waitFor } from './helpers.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;

function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function validResponse(key: string, extraHeaders = ''): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extraHeaders}\r\n`;
}

interface FakeServer {
  url: string;
  /** The connection our client opened, once its request head was read. */
  peer: Promise<RawPeer>;
}

/**
 * A server that reads one request head, writes `respond(key)` (a valid 101 by default), and hands
 * the socket over as a RawPeer for the scenario.
 */
async function fakeServer(respond: (key: string) => string | Buffer | null = (key) => validResponse(key)): Promise<FakeServer> {
  let handOver: (peer: RawPeer) => void = () => {};
  const peer = new Promise<RawPeer>((resolve) => (handOver = resolve));
  const server = net.createServer((socket) => {
    const raw = RawPeer.wrap(socket);
    void raw.readHttpHead().then(
      (head) => {
        const answer = respond(head.headers['sec-websocket-key'] ?? '');
        if (answer !== null) raw.write(answer);
        handOver(raw);
      },
      () => {},
    );
  });
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `ws://${LOOPBACK}:${(server.address() as net.AddressInfo).port}`, peer };
}

interface ClientOutcome {
  errors: Array<Error & { code?: string; closeCode?: number }>;
  closeCode: number;
}

function watch(ws: WebSocket): Promise<ClientOutcome> {
  const errors: ClientOutcome['errors'] = [];
  ws.on('error', (error: Error) => errors.push(error));
  let closes = 0;
  return new Promise((resolve) =>
    ws.on('close', (code: number) => {
      closes++;
      expect(closes).toBe(1);
      resolve({ errors, closeCode: code });
    }),
  );
}

function connect(url: string, options: ClientOptions = {}): { ws: WebSocket; outcome: Promise<ClientOutcome> } {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  onCleanup(() => ws.terminate());
  return { ws, outcome: watch(ws) };
}

/** Nothing the client created outlives it (the fake server and its socket are closed first). */
async function expectNothingLeft(baseline: Map<string, number>, peer?: RawPeer): Promise<void> {
  peer?.socket.destroy();
  await waitFor(
    () => {
      for (const [kind, count] of activeResources()) if (count > (baseline.get(kind) ?? 0) && kind !== 'TCPServerWrap') return false;
      return true;
    },
    2000,
    'client resources released',
  );
}

describe('the client refuses a bad opening handshake response (RFC 6455 §4.1)', () => {
  const responses: Array<[string, (key: string) => string | Buffer, RegExp]> = [
    ['a wrong Sec-WebSocket-Accept', () => validResponse('AAAAAAAAAAAAAAAAAAAAAA=='), /Sec-WebSocket-Accept/],
    // As with ws (node's http client), a 101 without Upgrade is not an upgrade: an unexpected response (issue 11).
    ['a 101 without Upgrade', (key) => `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`, /Unexpected server response: 101/],
    ['a 200 instead of 101', () => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', /Unexpected server response: 200/],
    ['binary garbage instead of HTTP', () => Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]), /Invalid HTTP response/],
    ['a response head over 16 KiB', () => `HTTP/1.1 101 Switching Protocols\r\nX-Pad: ${'p'.repeat(17 * 1024)}\r\n\r\n`, /too large/],
    ['a subprotocol that was not offered', (key) => validResponse(key, 'Sec-WebSocket-Protocol: evil\r\n'), /protocol/i],
    ['an extension that was not offered', (key) => validResponse(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'), /Extensions/],
  ];
  for (const [name, respond, message] of responses) {
    it(`fails with an error and 1006 on ${name}`, async () => {
      const baseline = activeResources();
      const server = await fakeServer(respond);
      const { outcome } = connect(server.url);
      const { errors, closeCode } = await outcome;
      expect(closeCode).toBe(1006);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(message);
      await expectNothingLeft(baseline, await server.peer);
    });
  }

  it('fails with WS_ERR_HANDSHAKE_TIMEOUT when the server never answers', async () => {
    const baseline = activeResources();
    const server = await fakeServer(() => null);
    const { outcome } = connect(server.url, { handshakeTimeout: 200 });
    const { errors, closeCode } = await outcome;
    expect(closeCode).toBe(1006);
    expect(errors.map((error) => error.code)).toEqual(['WS_ERR_HANDSHAKE_TIMEOUT']);
    await expectNothingLeft(baseline, await server.peer);
  });

  it('fails when the server closes the connection instead of answering', async () => {
    const baseline = activeResources();
    const server = await fakeServer(() => null);
    const { outcome } = connect(server.url);
    (await server.peer).socket.destroy();
    const { errors, closeCode } = await outcome;
    expect(closeCode).toBe(1006);
    expect(errors).toHaveLength(1);
    await expectNothingLeft(baseline);
  });
});

interface FrameViolation {
  name: string;
  bytes: Buffer;
  closeCode: number;
  errorCode: string;
  options?: ClientOptions;
}

const deflated = deflateRawSync(Buffer.alloc(32 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
const bomb = deflated.subarray(0, deflated.length - 4);

const serverFrameViolations: FrameViolation[] = [
  { name: 'a masked server frame (§5.1)', bytes: frame(TEXT, 'hi', { mask: true }), closeCode: 1002, errorCode: 'WS_ERR_UNEXPECTED_MASK' },
  { name: 'RSV2 set', bytes: frame(TEXT, 'hi', { mask: false, rsv: 2 }), closeCode: 1002, errorCode: 'WS_ERR_UNEXPECTED_RSV_2_3' },
  { name: 'reserved opcode 0xB', bytes: frame(0xb, '', { mask: false }), closeCode: 1002, errorCode: 'WS_ERR_INVALID_OPCODE' },
  { name: 'a 126-byte ping', bytes: frame(PING, Buffer.alloc(126), { mask: false }), closeCode: 1002, errorCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' },
  { name: 'a 2^63 length header', bytes: frame(BINARY, Buffer.alloc(0), { mask: false, declaredLength: 1n << 63n }), closeCode: 1009, errorCode: 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH' },
  {
    name: 'a length over the client maxPayload',
    bytes: frame(BINARY, Buffer.alloc(0), { mask: false, declaredLength: 2n ** 31n }),
    closeCode: 1009,
    errorCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  },
  { name: 'invalid UTF-8 in a text frame', bytes: frame(TEXT, Buffer.from([0xce, 0xba, 0xe1, 0xbd]), { mask: false }), closeCode: 1007, errorCode: 'WS_ERR_INVALID_UTF8' },
  { name: 'close code 1005 on the wire', bytes: frame(CLOSE, closePayload(1005), { mask: false }), closeCode: 1002, errorCode: 'WS_ERR_INVALID_CLOSE_CODE' },
  { name: 'a close reason that is not UTF-8', bytes: frame(CLOSE, closePayload(1000, Buffer.from([0xc3])), { mask: false }), closeCode: 1007, errorCode: 'WS_ERR_INVALID_UTF8' },
  {
    name: `a deflate bomb (${bomb.length} bytes inflating to 32 MiB, maxPayload 1 MiB)`,
    bytes: frame(BINARY, bomb, { mask: false, rsv: 4 }),
    closeCode: 1009,
    errorCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
    options: { perMessageDeflate: true, maxPayload: 1 << 20 },
  },
];

describe('the client fails the connection on a server frame that breaks RFC 6455', () => {
  for (const testCase of serverFrameViolations) {
    it(`sends a masked close ${testCase.closeCode} on ${testCase.name}`, async () => {
      const baseline = activeResources();
      const deflate = testCase.options?.perMessageDeflate === true;
      const server = await fakeServer((key) => validResponse(key, deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : ''));
      const { ws, outcome } = connect(server.url, testCase.options);
      await once(ws, 'open');
      const peer = await server.peer;
      peer.write(testCase.bytes);
      const close = await peer.readFrame();
      expect(close.opcode).toBe(CLOSE);
      expect(close.masked).toBe(true);
      expect(close.payload.readUInt16BE(0)).toBe(testCase.closeCode);
      peer.socket.end();
      const { errors, closeCode } = await outcome;
      expect(errors.map((error) => [error.code, error.closeCode])).toEqual([[testCase.errorCode, testCase.closeCode]]);
      expect(closeCode).toBe(1006);
      await expectNothingLeft(baseline, peer);
    });
  }

  it('gives up after closeTimeout on a server that sends close and never closes TCP', async () => {
    const baseline = activeResources();
    const server = await fakeServer();
    const { ws, outcome } = connect(server.url, { closeTimeout: 300 });
    await once(ws, 'open');
    const peer = await server.peer;
    peer.write(frame(CLOSE, closePayload(1001, 'away'), { mask: false }));
    const echoed = await peer.readFrame();
    expect(echoed.payload.readUInt16BE(0)).toBe(1001);
    const started = Date.now();
    const { errors, closeCode } = await outcome;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(closeCode).toBe(1001);
    expect(errors).toEqual([]);
    await expectNothingLeft(baseline, peer);
  });

  it('delivers frames that arrive in the same packet as the 101', async () => {
    const baseline = activeResources();
    const server = await fakeServer((key) => Buffer.concat([Buffer.from(validResponse(key)), frame(TEXT, 'early', { mask: false })]));
    const { ws, outcome } = connect(server.url);
    const [data] = await once(ws, 'message');
    expect(String(data)).toBe('early');
    ws.close(1000);
    const peer = await server.peer;
    expect((await peer.readFrame()).payload.readUInt16BE(0)).toBe(1000);
    peer.write(frame(CLOSE, closePayload(1000), { mask: false }));
    peer.socket.end();
    expect((await outcome).closeCode).toBe(1000);
    await expectNothingLeft(baseline, peer);
  });
});
