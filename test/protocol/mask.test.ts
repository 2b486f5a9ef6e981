// RFC 6455 §5.3 masking: byte i XOR key[i % 4], at any offset and alignment.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasWasmMask, maskBytes, maskWasm, maskWordsInPlace } from '../../src/protocol/mask-kernels.js';
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

describe('masking kernels agree with the byte-wise reference', () => {
  it('the WebAssembly SIMD kernel is available on this Node (so the tests above exercise it)', () => {
    expect(hasWasmMask).toBe(true);
  });

  it.each([
    ['words in place', (buffer: Buffer, key: Buffer) => maskWordsInPlace(buffer, 0, buffer.length, key)],
    ['wasm in place', (buffer: Buffer, key: Buffer) => maskWasm(buffer, 0, buffer, 0, buffer.length, key)],
    ['applyMask', (buffer: Buffer, key: Buffer) => unmask(buffer, key)],
  ])('%s on buffers spanning several 64 KiB wasm blocks, at every alignment', (_name, kernel) => {
    const key = hex('01 23 45 67');
    for (const [size, shift] of [
      [200_003, 1],
      [131_072, 0],
      [65_551, 3],
      [17, 2],
    ] as const) {
      const original = Buffer.alloc(size);
      for (let i = 0; i < size; i++) original[i] = (i * 31) & 0xff;
      const buffer = Buffer.alloc(size + shift).subarray(shift);
      original.copy(buffer);
      kernel(buffer, key);
      expect(buffer.equals(referenceMask(original, key)), `size ${size}`).toBe(true);
    }
  });

  it('the byte kernel at every key phase, length and offset, writing nothing outside its range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(3), fc.nat(5), fc.nat(5), keyArbitrary, (bytes, phase, sourceShift, outputShift, key) => {
        const source = Buffer.alloc(bytes.length + sourceShift);
        source.set(bytes, sourceShift);
        const output = Buffer.alloc(bytes.length + outputShift + 4, 0xee);
        maskBytes(source, sourceShift, output, outputShift, bytes.length, key, phase);
        const expected = Buffer.from(bytes.map((byte, i) => byte ^ key[(i + phase) % 4]!));
        expect(output.subarray(outputShift, outputShift + bytes.length).equals(expected)).toBe(true);
        expect(output.subarray(0, outputShift).every((byte) => byte === 0xee)).toBe(true);
        expect(output.subarray(outputShift + bytes.length).every((byte) => byte === 0xee)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('wasm kernel from one buffer into another at offsets leaves the source intact', () => {
    const key = hex('de ad be ef');
    const source = Buffer.alloc(70_000, 0x5a);
    const output = Buffer.alloc(70_010, 0);
    maskWasm(source, 5, output, 7, 69_990, key);
    expect(source.every((byte) => byte === 0x5a)).toBe(true);
    expect(output.subarray(7, 7 + 69_990).equals(referenceMask(source.subarray(5, 5 + 69_990), key))).toBe(true);
    expect(output.subarray(0, 7).every((byte) => byte === 0)).toBe(true);
    expect(output.subarray(7 + 69_990).every((byte) => byte === 0)).toBe(true);
  });
});
