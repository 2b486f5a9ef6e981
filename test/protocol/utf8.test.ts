// RFC 6455 §8.1 / RFC 3629 §4: text is UTF-8, failing at the first byte that cannot lead to a
// valid sequence, at the same position as a fatal TextDecoder.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidUtf8, Utf8Validator } from '../../src/protocol/utf8.js';
import { hex, splitAt } from './helpers.js';

/**
 * The reference: the first index k such that bytes[0..k] can no longer be a prefix of valid
 * UTF-8, found by streaming prefixes through a fatal TextDecoder (which throws exactly then).
 * -1 when every prefix is acceptable.
 */
function firstFailureByTextDecoder(bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, k + 1), { stream: true });
    } catch {
      return k;
    }
  }
  return -1;
}

function wholeIsValid(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Feed the pieces; the failing position relative to the whole input, or -1; and finish(). */
function streamThrough(pieces: Buffer[]): { failure: number; finished: boolean } {
  const validator = new Utf8Validator();
  let base = 0;
  for (const piece of pieces) {
    const at = validator.push(piece);
    if (at !== -1) return { failure: base + at, finished: false };
    base += piece.length;
  }
  return { failure: -1, finished: validator.finish() };
}

/** Bytes biased toward lead bytes, boundary continuations and the special leads E0 ED F0 F4. */
const interestingByte = fc.oneof(
  fc.integer({ min: 0x00, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
  fc.integer({ min: 0xc0, max: 0xff }),
);
const validText = fc.string({ unit: 'binary', maxLength: 40 }).map((text) => Buffer.from(text, 'utf8'));
/** Valid text with a few bytes spliced in, so failures happen mid-stream after long valid runs. */
const mostlyValid = fc
  .tuple(validText, fc.array(interestingByte, { maxLength: 4 }), validText)
  .map(([before, noise, after]) => Buffer.concat([before, Buffer.from(noise), after]));
const byteStrings = fc.oneof(
  fc.array(interestingByte, { maxLength: 48 }).map((bytes) => Buffer.from(bytes)),
  mostlyValid,
  validText,
);

describe('§8.1 the streaming validator agrees with TextDecoder', () => {
  it('same first failing position and same verdict, for any cut of the input', () => {
    fc.assert(
      fc.property(byteStrings, fc.array(fc.nat(60), { maxLength: 6 }), (bytes, cuts) => {
        const { failure, finished } = streamThrough(splitAt(bytes, cuts));
        expect(failure).toBe(firstFailureByTextDecoder(bytes));
        if (failure === -1) expect(finished).toBe(wholeIsValid(bytes));
        expect(isValidUtf8(bytes)).toBe(wholeIsValid(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('byte at a time gives the same position as whole chunks (long inputs take the native path)', () => {
    fc.assert(
      fc.property(fc.array(byteStrings, { minLength: 1, maxLength: 8 }), (parts) => {
        const bytes = Buffer.concat(parts);
        const oneByOne = streamThrough([...bytes].map((byte) => Buffer.from([byte])));
        expect(streamThrough([bytes])).toEqual(oneByOne);
        expect(oneByOne.failure).toBe(firstFailureByTextDecoder(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('RFC 3629 §4 ill-formed sequences, exact position', () => {
  it.each([
    ['overlong 2-byte NUL', 'c0 80', 0],
    ['overlong 2-byte lead C1', '41 c1 bf', 1],
    ['overlong 3-byte form', 'e0 80 80', 1],
    ['overlong 4-byte form', 'f0 80 80 80', 1],
    ['surrogate U+D800', 'ed a0 80', 1],
    ['surrogate U+DFFF', 'ed bf bf', 1],
    ['above U+10FFFF', 'f4 90 80 80', 1],
    ['lead F5', 'f5 80 80 80', 0],
    ['lead FF', 'ff', 0],
    ['stray continuation', '61 62 80', 2],
    ['lead cut by ASCII', 'e2 82 41', 2],
    ['two leads in a row', 'c3 c3', 1],
  ])('%s (%s) fails at %i', (_name, bytes, position) => {
    expect(new Utf8Validator().push(hex(bytes))).toBe(position);
    expect(firstFailureByTextDecoder(hex(bytes))).toBe(position);
  });

  it.each([
    ['U+0000', '00'],
    ['U+007F', '7f'],
    ['U+0080', 'c2 80'],
    ['U+07FF', 'df bf'],
    ['U+0800', 'e0 a0 80'],
    ['U+D7FF', 'ed 9f bf'],
    ['U+E000', 'ee 80 80'],
    ['U+FFFF', 'ef bf bf'],
    ['U+10000', 'f0 90 80 80'],
    ['U+10FFFF', 'f4 8f bf bf'],
  ])('%s (%s) is valid', (_name, bytes) => {
    const validator = new Utf8Validator();
    expect(validator.push(hex(bytes))).toBe(-1);
    expect(validator.finish()).toBe(true);
  });
});

describe('sequences split across fragments', () => {
  it('a 4-byte sequence split 1+3 is accepted; a truncated one leaves finish() false', () => {
    const validator = new Utf8Validator();
    expect(validator.push(hex('f0'))).toBe(-1);
    expect(validator.finish()).toBe(false);
    expect(validator.push(hex('9f 98 80'))).toBe(-1);
    expect(validator.finish()).toBe(true);
  });
  it('a bad continuation in the next chunk fails at index 0 of that chunk', () => {
    const validator = new Utf8Validator();
    expect(validator.push(Buffer.concat([Buffer.alloc(20, 0x61), hex('e2 82')]))).toBe(-1);
    expect(validator.push(hex('41 41'))).toBe(0);
  });
  it('reset() forgets a pending sequence and a failure', () => {
    const validator = new Utf8Validator();
    validator.push(hex('ff'));
    validator.reset();
    expect(validator.push(hex('41'))).toBe(-1);
    validator.push(hex('e2'));
    validator.reset();
    expect(validator.finish()).toBe(true);
  });
});
