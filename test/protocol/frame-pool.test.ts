// §5.3 masked frames built in the reusable frame pool (frame-pool.ts): exact bytes for every
// length and key, memory never handed out twice before it is released, a full pool falling back
// to a Buffer of the frame's own, every unit back once every frame is released, and the
// scratch-page kernel still exact after the pool grew the WebAssembly memory.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isPooledFrame, pooledUnitsFree, releasePooledFrame } from '../../src/protocol/frame-pool.js';
import { encodeFrame, frameHeaderLength } from '../../src/protocol/frame-writer.js';
import { unmask } from '../../src/protocol/mask.js';
import { Opcode } from '../../src/protocol/opcodes.js';

const keyArbitrary = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => Buffer.from(bytes));

/** Frames this file holds; released after each test so that tests do not starve each other. */
const held: Buffer[] = [];
afterEach(() => {
  for (const frame of held.splice(0)) releasePooledFrame(frame);
});

function encodeMasked(payload: Buffer, key: Buffer): Buffer {
  const list = encodeFrame(payload, { opcode: Opcode.Binary, mask: key });
  expect(list).toHaveLength(1);
  held.push(list[0]!);
  return list[0]!;
}

function payloadOf(size: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + seed * 7) & 0xff;
  return bytes;
}

/** The frame as §5.2 and §5.3 define it, built byte by byte. */
function expectFrame(frame: Buffer, payload: Buffer, key: Buffer): void {
  const headerLength = frameHeaderLength(payload.length, true);
  expect(frame.length).toBe(headerLength + payload.length);
  expect(frame[0]).toBe(0x80 | Opcode.Binary);
  expect(frame[1]! & 0x80).toBe(0x80);
  expect(frame.subarray(headerLength - 4, headerLength).equals(key)).toBe(true);
  const masked = frame.subarray(headerLength);
  for (let i = 0; i < payload.length; i++) {
    if (masked[i] !== (payload[i]! ^ key[i & 3]!)) throw new Error(`byte ${i} of ${payload.length} is wrong`);
  }
}

describe('§5.3 masked frames from the frame pool', () => {
  it('large masked frames are built in the pool', () => {
    const frame = encodeMasked(payloadOf(65_536, 1), Buffer.from([1, 2, 3, 4]));
    expect(isPooledFrame(frame)).toBe(true);
  });

  it('every length and key: header and masked payload exact, the caller\'s payload untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4000, max: 140_000 }), fc.nat(255), keyArbitrary, (size, seed, key) => {
        const payload = payloadOf(size, seed);
        const frame = encodeMasked(payload, key);
        expectFrame(frame, payload, key);
        expect(payload.equals(payloadOf(size, seed))).toBe(true);
        releasePooledFrame(held.pop()!);
      }),
      { numRuns: 60 },
    );
  });

  it('payloads masked in several blocks keep the key phase across blocks (1 MiB + 3)', () => {
    const payload = payloadOf(1024 * 1024 + 3, 9);
    const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
    const frame = encodeMasked(payload, key);
    expect(isPooledFrame(frame)).toBe(true);
    expectFrame(frame, payload, key);
  });

  it('a frame is never rewritten by later frames while it is held', () => {
    const key = Buffer.from([9, 8, 7, 6]);
    const first = payloadOf(70_000, 1);
    const firstFrame = encodeMasked(first, key);
    const snapshot = Buffer.from(firstFrame);
    for (let i = 0; i < 20; i++) {
      const other = encodeMasked(payloadOf(5000 + i * 3001, i + 2), key);
      const overlaps = other.byteOffset < firstFrame.byteOffset + firstFrame.length && firstFrame.byteOffset < other.byteOffset + other.length;
      expect(overlaps).toBe(false);
    }
    expect(firstFrame.equals(snapshot)).toBe(true);
  });

  it('released memory is used again, and every unit comes back', () => {
    const before = pooledUnitsFree();
    expect(before.free).toBe(before.total);
    const frame = encodeMasked(payloadOf(65_536, 3), Buffer.from([1, 1, 1, 1]));
    expect(pooledUnitsFree().free).toBeLessThan(before.total);
    releasePooledFrame(held.pop()!);
    const again = encodeMasked(payloadOf(65_536, 4), Buffer.from([2, 2, 2, 2]));
    expect(again.byteOffset).toBe(frame.byteOffset);
    releasePooledFrame(held.pop()!);
    expect(pooledUnitsFree()).toEqual(before);
  });

  it('a second release of the same frame changes nothing', () => {
    const a = encodeMasked(payloadOf(10_000, 5), Buffer.from([1, 2, 3, 4]));
    const b = encodeMasked(payloadOf(10_000, 6), Buffer.from([1, 2, 3, 4]));
    releasePooledFrame(a);
    releasePooledFrame(a);
    const c = encodeMasked(payloadOf(10_000, 7), Buffer.from([1, 2, 3, 4]));
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(b.byteOffset).not.toBe(c.byteOffset);
  });

  it('a full pool: frames get a Buffer of their own, still exact', () => {
    const key = Buffer.from([5, 6, 7, 8]);
    for (const size of [1024 * 1024, 5000]) {
      const filler = payloadOf(size, 11);
      while (isPooledFrame(encodeMasked(filler, key)));
    }
    const payload = payloadOf(300_000, 12);
    const frame = encodeMasked(payload, key);
    expect(isPooledFrame(frame)).toBe(false);
    expectFrame(frame, payload, key);
  });

  it('unmasking through the scratch page stays exact once the pool has grown the memory', () => {
    encodeMasked(payloadOf(8000, 1), Buffer.from([1, 2, 3, 4]));
    const key = Buffer.from([0xa1, 0xb2, 0xc3, 0xd4]);
    for (const size of [300, 70_001]) {
      const original = payloadOf(size, 2);
      const buffer = Buffer.from(original);
      unmask(buffer, key);
      for (let i = 0; i < size; i++) if (buffer[i] !== (original[i]! ^ key[i & 3]!)) throw new Error(`byte ${i} of ${size}`);
    }
  });

  it('small masked frames and unmasked frames stay out of the pool', () => {
    const small = encodeFrame(payloadOf(1000, 1), { opcode: Opcode.Binary, mask: Buffer.from([1, 2, 3, 4]) });
    const unmasked = encodeFrame(payloadOf(70_000, 1), { opcode: Opcode.Binary });
    for (const buffer of [...small, ...unmasked]) expect(isPooledFrame(buffer)).toBe(false);
  });
});
