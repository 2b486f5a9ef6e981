// RFC 6455 §5.2 framing as written: minimal lengths, masking that leaves the caller's bytes
// intact, fragmentation, and the §5.7 examples byte for byte.
import { describe, expect, it } from 'vitest';
import {
  encodeCloseFrame,
  encodeFragmentedMessage,
  encodeFrame,
  encodeFrameToBuffer,
  frameHeaderLength,
  SINGLE_BUFFER_THRESHOLD,
  writeFrameHeader,
} from '../../src/protocol/frame-writer.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { hex } from './helpers.js';

const key = hex('37 fa 21 3d');

describe('§5.7 examples, written', () => {
  it('single-frame unmasked text "Hello"', () => {
    expect(encodeFrameToBuffer(Buffer.from('Hello'), { opcode: Opcode.Text })).toEqual(hex('81 05 48 65 6c 6c 6f'));
  });
  it('single-frame masked text "Hello"', () => {
    expect(encodeFrameToBuffer(Buffer.from('Hello'), { opcode: Opcode.Text, mask: key })).toEqual(
      hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
    );
  });
  it('fragmented unmasked text "Hel" + "lo"', () => {
    expect(encodeFragmentedMessage(Buffer.from('Hello'), Opcode.Text, 3)).toEqual([
      hex('01 03 48 65 6c'),
      hex('80 02 6c 6f'),
    ]);
  });
  it('unmasked ping "Hello"', () => {
    expect(encodeFrameToBuffer(Buffer.from('Hello'), { opcode: Opcode.Ping })).toEqual(hex('89 05 48 65 6c 6c 6f'));
  });
  it('masked pong "Hello"', () => {
    expect(encodeFrameToBuffer(Buffer.from('Hello'), { opcode: Opcode.Pong, mask: key })).toEqual(
      hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
    );
  });
  it('256 bytes binary: 0x82 0x7E 0x0100', () => {
    const frame = encodeFrameToBuffer(Buffer.alloc(256, 1), { opcode: Opcode.Binary });
    expect(frame.subarray(0, 4)).toEqual(hex('82 7e 01 00'));
    expect(frame.length).toBe(260);
  });
  it('64 KiB binary: 0x82 0x7F 0x0000000000010000', () => {
    const frame = encodeFrameToBuffer(Buffer.alloc(65536, 1), { opcode: Opcode.Binary });
    expect(frame.subarray(0, 10)).toEqual(hex('82 7f 00 00 00 00 00 01 00 00'));
    expect(frame.length).toBe(65546);
  });
});

describe('§5.2 every length class, minimal encoding', () => {
  it.each([
    [0, '82 00'],
    [125, '82 7d'],
    [126, '82 7e 00 7e'],
    [65535, '82 7e ff ff'],
    [65536, '82 7f 00 00 00 00 00 01 00 00'],
  ])('%i bytes → header %s', (length, header) => {
    const frame = encodeFrameToBuffer(Buffer.alloc(length, 0x5a), { opcode: Opcode.Binary });
    expect(frame.subarray(0, frame.length - length)).toEqual(hex(header));
    expect(frame.subarray(frame.length - length).every((byte) => byte === 0x5a)).toBe(true);
  });

  it('2^32 + 5 bytes → 64-bit length 00 00 00 01 00 00 00 05 (header only, no payload allocated)', () => {
    const length = 2 ** 32 + 5;
    const header = Buffer.alloc(frameHeaderLength(length, false));
    expect(writeFrameHeader(header, 0, length, Opcode.Binary, true, false, undefined)).toBe(10);
    expect(header).toEqual(hex('82 7f 00 00 00 01 00 00 00 05'));
  });

  it('Number.MAX_SAFE_INTEGER → 00 1f ff ff ff ff ff ff, masked', () => {
    const header = Buffer.alloc(frameHeaderLength(Number.MAX_SAFE_INTEGER, true));
    writeFrameHeader(header, 0, Number.MAX_SAFE_INTEGER, Opcode.Binary, false, true, key);
    expect(header).toEqual(hex('42 ff 00 1f ff ff ff ff ff ff 37 fa 21 3d'));
  });

  it.each([
    [0, false, 2],
    [125, true, 6],
    [126, false, 4],
    [65535, true, 8],
    [65536, false, 10],
    [2 ** 40, true, 14],
  ])('frameHeaderLength(%i, masked=%s) = %i', (length, masked, expected) => {
    expect(frameHeaderLength(length, masked)).toBe(expected);
  });
});

describe('header bits', () => {
  it('fin=false and rsv1=true set the bits of byte 0', () => {
    expect(encodeFrameToBuffer(Buffer.alloc(0), { opcode: Opcode.Text, fin: false, rsv1: true })).toEqual(hex('41 00'));
  });
});

describe('encodeFrame buffer layout', () => {
  it('a small unmasked payload is one buffer holding header and payload', () => {
    const list = encodeFrame(Buffer.from('Hello'), { opcode: Opcode.Text });
    expect(list).toEqual([hex('81 05 48 65 6c 6c 6f')]);
  });
  it('a large unmasked payload is [header, the caller\'s payload itself] (no copy)', () => {
    const payload = Buffer.alloc(SINGLE_BUFFER_THRESHOLD + 1, 3);
    const list = encodeFrame(payload, { opcode: Opcode.Binary });
    expect(list).toHaveLength(2);
    expect(list[0]).toEqual(Buffer.concat([hex('82 7e'), u16(payload.length)]));
    expect(list[1]).toBe(payload);
  });
  it('a large masked payload is one masked copy; the caller\'s buffer is untouched', () => {
    const payload = Buffer.alloc(SINGLE_BUFFER_THRESHOLD + 100, 0x11);
    const list = encodeFrame(payload, { opcode: Opcode.Binary, mask: key });
    expect(list).toHaveLength(1);
    expect(payload.every((byte) => byte === 0x11)).toBe(true);
    const frame = list[0]!;
    const body = frame.subarray(8);
    expect(body.every((byte, i) => byte === (0x11 ^ key[i & 3]!))).toBe(true);
  });
  it('mask: true picks a fresh key per frame and sets the MASK bit', () => {
    const a = encodeFrameToBuffer(Buffer.from('x'), { opcode: Opcode.Text, mask: true });
    const b = encodeFrameToBuffer(Buffer.from('x'), { opcode: Opcode.Text, mask: true });
    expect(a[1]).toBe(0x81);
    expect(a.subarray(2, 6).equals(b.subarray(2, 6))).toBe(false);
    expect(a[6]! ^ a[2]!).toBe(0x78);
  });
});

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

describe('§5.4 fragmentation', () => {
  it('an empty message is one frame with FIN', () => {
    expect(encodeFragmentedMessage(Buffer.alloc(0), Opcode.Binary, 10)).toEqual([hex('82 00')]);
  });
  it('a payload of exactly fragmentSize is one frame', () => {
    expect(encodeFragmentedMessage(Buffer.from('abc'), Opcode.Text, 3)).toEqual([hex('81 03 61 62 63')]);
  });
  it('rsv1 only on the first frame, continuations after, FIN only on the last', () => {
    expect(encodeFragmentedMessage(Buffer.from('abcde'), Opcode.Binary, 2, { rsv1: true })).toEqual([
      hex('42 02 61 62'),
      hex('00 02 63 64'),
      hex('80 01 65'),
    ]);
  });
  it('with a fixed key each frame is masked from the start of its own payload', () => {
    expect(encodeFragmentedMessage(Buffer.from('Hello'), Opcode.Text, 3, { mask: key })).toEqual([
      hex('01 83 37 fa 21 3d 7f 9f 4d'),
      hex('80 82 37 fa 21 3d 5b 95'),
    ]);
  });
  it('a fragment size below 1 is refused', () => {
    expect(() => encodeFragmentedMessage(Buffer.from('a'), Opcode.Text, 0)).toThrow(RangeError);
  });
});

describe('§5.5.1 close frames', () => {
  it('no code → empty payload', () => {
    expect(encodeCloseFrame(undefined, undefined, false)).toEqual(hex('88 00'));
  });
  it('1000 "bye", unmasked', () => {
    expect(encodeCloseFrame(1000, 'bye', false)).toEqual(hex('88 05 03 e8 62 79 65'));
  });
  it('1001 with a Buffer reason, masked', () => {
    const frame = encodeCloseFrame(1001, Buffer.from('x'), key);
    expect(frame).toEqual(Buffer.from([0x88, 0x83, ...key, 0x03 ^ 0x37, 0xe9 ^ 0xfa, 0x78 ^ 0x21]));
  });
});
