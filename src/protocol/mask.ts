// XOR masking of payloads (RFC 6455 §5.3): byte i of the payload is XORed with key[i % 4].
// This is the hot loop of every client frame sent and every frame a server receives.
import { randomFillSync } from 'node:crypto';

/**
 * Below this many bytes a plain byte loop wins: setting up a 32-bit view of the buffer costs
 * an allocation that only pays off past a few dozen words (measured with bench/parser-mask.mjs).
 */
const WORD_LOOP_THRESHOLD = 64;

// The 32-bit mask word is assembled through a typed-array view of 4 scratch bytes, so it has
// the host's byte order, the same order the Int32Array over the payload reads with.
const scratchKeyBytes = new Uint8Array(4);
const scratchKeyWord = new Int32Array(scratchKeyBytes.buffer);

/**
 * XOR `length` bytes of source (from sourceOffset) with the 4-byte key into output at
 * outputOffset. Byte `sourceOffset + i` is masked with `key[i % 4]`.
 * Source and output may be the same buffer at the same offset (in-place masking).
 */
export function applyMask(
  source: Buffer,
  key: Buffer,
  output: Buffer,
  outputOffset: number,
  sourceOffset: number,
  length: number,
): void {
  if (length < WORD_LOOP_THRESHOLD) {
    maskBytes(source, sourceOffset, output, outputOffset, length, key, 0);
    return;
  }
  // memcpy is native and far faster than any JS loop, and it leaves the XOR to be done in
  // place, where head and tail bytes can be peeled off so the middle is 4-byte aligned.
  if (source !== output || sourceOffset !== outputOffset) {
    source.copy(output, outputOffset, sourceOffset, sourceOffset + length);
  }
  maskInPlaceByWords(output, outputOffset, length, key);
}

/** Unmask in place. */
export function unmask(buffer: Buffer, key: Buffer): void {
  applyMask(buffer, key, buffer, 0, 0, buffer.length);
}

function maskBytes(
  source: Buffer,
  sourceOffset: number,
  output: Buffer,
  outputOffset: number,
  length: number,
  key: Buffer,
  keyPhase: number,
): void {
  for (let i = 0; i < length; i++) {
    output[outputOffset + i] = source[sourceOffset + i]! ^ key[(i + keyPhase) & 3]!;
  }
}

function maskInPlaceByWords(buffer: Buffer, offset: number, length: number, key: Buffer): void {
  const absoluteStart = buffer.byteOffset + offset;
  const head = (4 - (absoluteStart & 3)) & 3;
  maskBytes(buffer, offset, buffer, offset, head, key, 0);

  const wordCount = (length - head) >>> 2;
  scratchKeyBytes[0] = key[head & 3]!;
  scratchKeyBytes[1] = key[(head + 1) & 3]!;
  scratchKeyBytes[2] = key[(head + 2) & 3]!;
  scratchKeyBytes[3] = key[(head + 3) & 3]!;
  const maskWord = scratchKeyWord[0]!;
  const words = new Int32Array(buffer.buffer, absoluteStart + head, wordCount);
  for (let i = 0; i < wordCount; i++) words[i]! ^= maskWord;

  // Whole words keep the key phase, so the tail continues where the head left it.
  const done = head + wordCount * 4;
  maskBytes(buffer, offset + done, buffer, offset + done, length - done, key, done & 3);
}

/** One randomFillSync per 8 KiB of keys: a syscall per frame would dominate small sends. */
const KEY_POOL_SIZE = 8 * 1024;
const keyPool = Buffer.allocUnsafeSlow(KEY_POOL_SIZE);
let keyPoolOffset = KEY_POOL_SIZE;

/**
 * 4 random bytes for a client frame's masking key (§5.3 requires an unpredictable key per
 * frame). The returned buffer is a view into a shared pool: use it before the next call.
 */
export function randomMaskKey(): Buffer {
  if (keyPoolOffset === KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  const key = keyPool.subarray(keyPoolOffset, keyPoolOffset + 4);
  keyPoolOffset += 4;
  return key;
}
