// Hostile frames from a raw client after a valid handshake: every case gets the close code RFC 6455
// prescribes (§5-§7), the server reports it on the socket's 'error', closes TCP, and keeps serving
// with nothing left behind.
import { describe, expect, it } from 'vitest';
import type { ServerOptions } from '../../src/index.js';
import { activeResources, closePayload, expectCleanAfter, frame, RawPeer, startEchoServer, waitFor, type HostileServer } from './helpers.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;

interface ViolationCase {
  name: string;
  bytes: () => Buffer;
  closeCode: number;
  errorCode: string;
  options?: Omit<ServerOptions, 'port'>;
}

/** Open a raw connection, write `bytes`, expect the close code, the TCP close, and a clean server. */
async function expectFailure(bytes: Buffer, closeCode: number, errorCode: string, options: Omit<ServerOptions, 'port'> = {}): Promise<HostileServer> {
  const baseline = activeResources();
  const server = await startEchoServer(options);
  const peer = await RawPeer.open(server.port);
  peer.write(bytes);
  expect(await peer.readCloseCode()).toBe(closeCode);
  expect(await peer.closedWithin(1000)).toBe(true);
  expect(server.socketErrors.map((error) => [error.code, error.closeCode])).toEqual([[errorCode, closeCode]]);
  await expectCleanAfter(server, baseline, [peer]);
  return server;
}

const frameViolations: ViolationCase[] = [
  { name: 'an unmasked client frame (§5.1)', bytes: () => frame(TEXT, 'hi', { mask: false }), closeCode: 1002, errorCode: 'WS_ERR_EXPECTED_MASK' },
  { name: 'RSV1 without a negotiated extension (§5.2)', bytes: () => frame(TEXT, 'hi', { rsv: 4 }), closeCode: 1002, errorCode: 'WS_ERR_UNEXPECTED_RSV_1' },
  { name: 'RSV2 set', bytes: () => frame(TEXT, 'hi', { rsv: 2 }), closeCode: 1002, errorCode: 'WS_ERR_UNEXPECTED_RSV_2_3' },
  { name: 'RSV3 set', bytes: () => frame(TEXT, 'hi', { rsv: 1 }), closeCode: 1002, errorCode: 'WS_ERR_UNEXPECTED_RSV_2_3' },
  {
    name: 'RSV1 on a ping even with permessage-deflate (RFC 7692 §6)',
    bytes: () => frame(PING, '', { rsv: 4 }),
    closeCode: 1002,
    errorCode: 'WS_ERR_UNEXPECTED_RSV_1',
    options: { perMessageDeflate: true },
  },
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) => ({
    name: `reserved opcode 0x${opcode.toString(16)} (§5.2)`,
    bytes: () => frame(opcode, 'x'),
    closeCode: 1002,
    errorCode: 'WS_ERR_INVALID_OPCODE',
  })),
  { name: 'a ping of 126 bytes (§5.5: control payloads ≤ 125)', bytes: () => frame(PING, Buffer.alloc(126)), closeCode: 1002, errorCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' },
  { name: 'a close of 65,535 bytes', bytes: () => frame(CLOSE, Buffer.alloc(65535)), closeCode: 1002, errorCode: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' },
  { name: 'a fragmented ping (§5.5: control frames are not fragmented)', bytes: () => frame(PING, 'a', { fin: false }), closeCode: 1002, errorCode: 'WS_ERR_EXPECTED_FIN' },
  { name: 'a continuation with no message started (§5.4)', bytes: () => frame(CONTINUATION, 'x'), closeCode: 1002, errorCode: 'WS_ERR_INVALID_OPCODE' },
  {
    name: 'a new text frame inside a fragmented message (§5.4)',
    bytes: () => Buffer.concat([frame(TEXT, 'a', { fin: false }), frame(TEXT, 'b')]),
    closeCode: 1002,
    errorCode: 'WS_ERR_INVALID_OPCODE',
  },
];

describe('RFC 6455 §5: a frame that breaks a framing rule fails the connection with 1002', () => {
  for (const testCase of frameViolations) {
    it(`closes with ${testCase.closeCode} on ${testCase.name}`, async () => {
      await expectFailure(testCase.bytes(), testCase.closeCode, testCase.errorCode, testCase.options);
    });
  }
});

describe('RFC 6455 §10.4: a length over maxPayload is 1009 from the header alone, nothing allocated', () => {
  const lengths: Array<[string, bigint]> = [
    ['2^63 (top bit set, §5.2)', 1n << 63n],
    ['2^64 - 1', (1n << 64n) - 1n],
    ['2^53 (past the largest safe integer)', 1n << 53n],
    ['2 GiB', 2n ** 31n],
    ['100 MiB + 1 (the default maxPayload + 1)', 100n * 1024n * 1024n + 1n],
  ];
  for (const [name, length] of lengths) {
    it(`answers a binary header declaring ${name} bytes with 1009 before any payload arrives`, async () => {
      const before = process.memoryUsage().arrayBuffers;
      // The header and mask key only: a server waiting for the payload would never answer.
      await expectFailure(frame(BINARY, Buffer.alloc(0), { declaredLength: length }), 1009, length >= 1n << 53n ? 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH' : 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 << 20);
    });
  }

  it('sums fragments: the 11th 100-byte fragment over maxPayload 1000 is 1009 at its header', async () => {
    const fragments = Array.from({ length: 11 }, (_, index) => frame(index === 0 ? BINARY : CONTINUATION, Buffer.alloc(100), { fin: false }));
    // The 11th fragment's header only: it alone takes the message over the limit.
    const eleventhHeader = fragments[10]!.subarray(0, 6);
    await expectFailure(Buffer.concat([...fragments.slice(0, 10), eleventhHeader]), 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', { maxPayload: 1000 });
  });

  it('accepts a message of exactly maxPayload bytes in fragments', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ maxPayload: 1000 });
    const peer = await RawPeer.open(server.port);
    peer.write(Buffer.concat(Array.from({ length: 10 }, (_, index) => frame(index === 0 ? BINARY : CONTINUATION, Buffer.alloc(100, index), { fin: index === 9 }))));
    const echo = await peer.readFrame();
    expect(echo.opcode).toBe(BINARY);
    expect(echo.payload.length).toBe(1000);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('RFC 6455 §8.1: invalid UTF-8 in text is 1007', () => {
  it('fails a single text frame with an invalid byte', async () => {
    await expectFailure(frame(TEXT, Buffer.from([0x68, 0xff, 0x69])), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('fails a surrogate half encoded in UTF-8 (CESU-8)', async () => {
    await expectFailure(frame(TEXT, Buffer.from([0xed, 0xa0, 0x80])), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('fails an overlong encoding of "/"', async () => {
    await expectFailure(frame(TEXT, Buffer.from([0xc0, 0xaf])), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('fails at the first fragment that can no longer be valid, before the message ends', async () => {
    // No final fragment is ever sent: only fail-fast answers.
    await expectFailure(Buffer.concat([frame(TEXT, 'ok ', { fin: false }), frame(CONTINUATION, Buffer.from([0xf8, 0x88]), { fin: false })]), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('fails a text message that ends in the middle of a character', async () => {
    await expectFailure(Buffer.concat([frame(TEXT, Buffer.from([0xe2, 0x82]), { fin: false }), frame(CONTINUATION, '', { fin: true })]), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('accepts a character split across fragments', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    peer.write(Buffer.concat([frame(TEXT, Buffer.from([0xe2]), { fin: false }), frame(CONTINUATION, Buffer.from([0x82]), { fin: false }), frame(CONTINUATION, Buffer.from([0xac]))]));
    const echo = await peer.readFrame();
    expect(echo.payload.toString()).toBe('€');
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('RFC 6455 §5.5.1 and §7.4: close payloads', () => {
  it('fails a close reason that is not UTF-8 with 1007', async () => {
    await expectFailure(frame(CLOSE, closePayload(1000, Buffer.from([0xff, 0xfe]))), 1007, 'WS_ERR_INVALID_UTF8');
  });

  it('fails a one-byte close payload with 1002', async () => {
    await expectFailure(frame(CLOSE, Buffer.from([0x03])), 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH');
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`fails close code ${code} (not allowed on the wire) with 1002`, async () => {
      await expectFailure(frame(CLOSE, closePayload(code)), 1002, 'WS_ERR_INVALID_CLOSE_CODE');
    });
  }

  for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999]) {
    it(`echoes close code ${code} and closes TCP`, async () => {
      const baseline = activeResources();
      const server = await startEchoServer();
      const peer = await RawPeer.open(server.port);
      peer.write(frame(CLOSE, closePayload(code, 'bye')));
      expect(await peer.readCloseCode()).toBe(code);
      expect(await peer.closedWithin(1000)).toBe(true);
      await waitFor(() => server.closeCodes.length > 0, 1000, "the server socket's 'close'");
      expect(server.closeCodes).toEqual([code]);
      await expectCleanAfter(server, baseline, [peer]);
    });
  }
});

describe('RFC 6455 §5.5.1: data after a close frame is ignored', () => {
  it('answers the close and never echoes a text frame that follows it', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    peer.write(Buffer.concat([frame(CLOSE, closePayload(1000)), frame(TEXT, 'after close'), frame(PING, 'late')]));
    const first = await peer.readFrame();
    expect(first.opcode).toBe(CLOSE);
    expect(await peer.closedWithin(1000)).toBe(true);
    expect(peer.pending.length).toBe(0);
    expect(server.socketErrors).toEqual([]);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('ignores garbage (even reserved opcodes) after the close frame', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    peer.write(Buffer.concat([frame(CLOSE, closePayload(1001)), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])]));
    expect(await peer.readCloseCode()).toBe(1001);
    expect(await peer.closedWithin(1000)).toBe(true);
    expect(server.socketErrors).toEqual([]);
    await expectCleanAfter(server, baseline, [peer]);
  });
});
