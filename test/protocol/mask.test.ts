// RFC 6455 §5.3 masking: byte i XOR key[i % 4], at any offset and alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMask, randomMaskKey, unmask } from '../../src/protocol/mask.js';
import { hex } from './helpers.js';

function referenceMask(source: Uint8Array, key: Uint8Array): Buffer {
  return Buffer.from(source.map((byte, i) => byte ^ key[i % 4]!));
}

const keyArbitrary = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => Buffer.from(bytes));

describe('§5.3 masking', () => {
  it('the RFC example: "Hello" with key 37 fa 21 3d', () => {
    const buffer = Buffer.from('Hello');
    unmask(buffer, hex('37 fa 21 3d'));
    expect(buffer).toEqual(hex('7f 9f 4d 51 58'));
  });

  it('masking twice is the identity (short and long buffers, any alignment)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(7), keyArbitrary, (bytes, shift, key) => {
        // Place the data at a varying offset inside a larger ArrayBuffer to exercise alignment.
        const backing = Buffer.alloc(bytes.length + shift);
        const buffer = backing.subarray(shift);
        buffer.set(bytes);
        unmask(buffer, key);
        expect(buffer.equals(referenceMask(bytes, key))).toBe(true);
        unmask(buffer, key);
        expect(buffer.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('applyMask at offsets agrees with a byte-wise reference and leaves the source intact', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.nat(700),
        fc.nat(700),
        fc.nat(9),
        keyArbitrary,
        (bytes, rawSourceOffset, rawLength, outputOffset, key) => {
          const source = Buffer.from(bytes);
          const sourceOffset = Math.min(rawSourceOffset, source.length);
          const length = Math.min(rawLength, source.length - sourceOffset);
          const output = Buffer.alloc(outputOffset + length + 3, 0xee);
          applyMask(source, key, output, outputOffset, sourceOffset, length);
          const slice = source.subarray(sourceOffset, sourceOffset + length);
          expect(output.subarray(outputOffset, outputOffset + length).equals(referenceMask(slice, key))).toBe(true);
          // Nothing written outside the target range.
          expect(output.subarray(0, outputOffset).every((byte) => byte === 0xee)).toBe(true);
          expect(output.subarray(outputOffset + length).every((byte) => byte === 0xee)).toBe(true);
          expect(source.equals(Buffer.from(bytes))).toBe(true);
        },
      ),
    );
  });
});

describe('randomMaskKey', () => {
  it('returns 4 bytes, different across calls, across a pool refill', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const key = randomMaskKey();
      expect(key.length).toBe(4);
      seen.add(key.toString('hex'));
    }
    // 5000 draws from 2^32 collide with probability ~0.3%; allow a couple.
    expect(seen.size).toBeGreaterThan(4990);
  });
});
