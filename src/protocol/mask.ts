// XOR masking of payloads (RFC 6455 §5.3): byte i of the payload is XORed with key[i % 4].
// This is the hot loop of every client frame sent and every frame a server receives.
import { randomFillSync } from 'node:crypto';
import { maskBytes, maskWasm, maskWordsInPlace } from './mask-kernels.js';

/**
 * Kernel choice by length, from bench/parser-mask.mjs (node 20, x86-64): the byte loop wins on
 * tiny payloads (no setup), 32-bit words from ~128 bytes, and the WebAssembly SIMD kernel from
 * ~256 bytes, where it runs 5-8x faster than words (about 16 GiB/s against 2-3 GiB/s at 64 KiB).
 */
const WORDS_FROM = 128;
const WASM_FROM = 256;

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
  if (length >= WASM_FROM) {
    maskWasm(source, sourceOffset, output, outputOffset, length, key);
  } else if (length >= WORDS_FROM) {
    if (source !== output || sourceOffset !== outputOffset) {
      source.copy(output, outputOffset, sourceOffset, sourceOffset + length);
    }
    maskWordsInPlace(output, outputOffset, length, key);
  } else {
    maskBytes(source, sourceOffset, output, outputOffset, length, key, 0);
  }
}

/** Unmask in place. */
export function unmask(buffer: Buffer, key: Buffer): void {
  applyMask(buffer, key, buffer, 0, 0, buffer.length);
}

/** One randomFillSync per 8 KiB of keys: a syscall per frame would dominate small sends. */
const KEY_POOL_SIZE = 8 * 1024;
const keyPool = Buffer.allocUnsafeSlow(KEY_POOL_SIZE);
let keyPoolOffset = KEY_POOL_SIZE;
/** The key handed out: 4 bytes copied from the pool, so that no view is made per frame. */
const currentKey = Buffer.allocUnsafeSlow(4);

/**
 * 4 random bytes for a client frame's masking key (§5.3 requires an unpredictable key per
 * frame; each key is used once, the pool is refilled from the CSPRNG). The returned buffer is
 * shared and overwritten by the next call: use it before then.
 */
export function randomMaskKey(): Buffer {
  if (keyPoolOffset === KEY_POOL_SIZE) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  const at = keyPoolOffset;
  currentKey[0] = keyPool[at]!;
  currentKey[1] = keyPool[at + 1]!;
  currentKey[2] = keyPool[at + 2]!;
  currentKey[3] = keyPool[at + 3]!;
  keyPoolOffset = at + 4;
  return currentKey;
}
