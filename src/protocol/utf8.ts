// UTF-8 validation for text messages (RFC 6455 §5.6, §8.1) following the well-formed byte
// sequences of RFC 3629 §4: no overlong forms, no surrogates U+D800-DFFF, nothing above U+10FFFF.
// The streaming validator fails at the first byte after which no continuation can be valid, the
// same position at which `new TextDecoder('utf-8', { fatal: true })` gives up.
import { isUtf8 } from 'node:buffer';

/** Whole-buffer check with Node's native validator. */
export function isValidUtf8(buffer: Buffer): boolean {
  return isUtf8(buffer);
}

/**
 * Below this length a chunk goes straight to the byte loop: creating the subarray the native
 * check needs costs more than scanning a handful of bytes.
 */
const NATIVE_CHECK_THRESHOLD = 16;

const FAILED = -2;

export class Utf8Validator {
  /** Continuation bytes still expected by the current sequence; FAILED once a byte was bad. */
  private pending = 0;
  /** Allowed range of the next continuation byte (RFC 3629 §4 narrows it after E0, ED, F0, F4). */
  private lower = 0x80;
  private upper = 0xbf;

  /**
   * Feed the next slice of a message. Returns -1 while the bytes so far can still be valid
   * UTF-8, else the index within `chunk` of the first byte that can no longer lead to valid
   * UTF-8 (fail fast, RFC 6455 §8.1). After a failure every push returns 0 until reset().
   */
  push(chunk: Buffer): number {
    if (this.pending === FAILED) return 0;
    if (this.pending === 0 && chunk.length >= NATIVE_CHECK_THRESHOLD) {
      const completeEnd = endOfCompleteSequences(chunk);
      const complete = completeEnd === chunk.length ? chunk : chunk.subarray(0, completeEnd);
      if (isUtf8(complete)) return this.scan(chunk, completeEnd);
    }
    return this.scan(chunk, 0);
  }

  /** Call at end of message: true if no sequence is left incomplete. */
  finish(): boolean {
    return this.pending === 0;
  }

  reset(): void {
    this.pending = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  private scan(chunk: Buffer, start: number): number {
    let pending = this.pending;
    let lower = this.lower;
    let upper = this.upper;
    for (let i = start; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (pending === 0) {
        if (byte < 0x80) continue;
        if (byte >= 0xc2 && byte <= 0xdf) {
          pending = 1;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          pending = 2;
          if (byte === 0xe0) lower = 0xa0; // below: overlong 3-byte form
          else if (byte === 0xed) upper = 0x9f; // above: surrogates U+D800-DFFF
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          pending = 3;
          if (byte === 0xf0) lower = 0x90; // below: overlong 4-byte form
          else if (byte === 0xf4) upper = 0x8f; // above: beyond U+10FFFF
        } else {
          return this.fail(i); // 80-C1 (stray continuation, overlong 2-byte lead) or F5-FF
        }
      } else {
        if (byte < lower || byte > upper) return this.fail(i);
        lower = 0x80;
        upper = 0xbf;
        pending--;
      }
    }
    this.pending = pending;
    this.lower = lower;
    this.upper = upper;
    return -1;
  }

  private fail(index: number): number {
    this.pending = FAILED;
    return index;
  }
}

/**
 * Length of the prefix of `chunk` that ends on a sequence boundary, assuming it starts on one:
 * a sequence cut by the chunk's end is left for the byte loop, which carries it across chunks.
 */
function endOfCompleteSequences(chunk: Buffer): number {
  const end = chunk.length;
  const earliest = Math.max(0, end - 4);
  for (let i = end - 1; i >= earliest; i--) {
    const byte = chunk[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    return end - i < sequenceLength(byte) ? i : end;
  }
  return end; // no lead byte in the last 4: invalid anyway, let the whole-chunk check say so
}

function sequenceLength(leadByte: number): number {
  if (leadByte < 0xc0) return 1;
  if (leadByte < 0xe0) return 2;
  if (leadByte < 0xf0) return 3;
  return 4;
}
