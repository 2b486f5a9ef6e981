// The three ways to XOR a payload with a masking key (RFC 6455 §5.3) that bench/parser-mask.mjs
// compares; mask.ts picks between them by length from those measurements.

/**
 * Byte `sourceOffset + i` XOR key[(i + keyPhase) % 4] into output. Four bytes per iteration with
 * the key bytes in locals: twice as fast as one byte and a key lookup per iteration (125 bytes:
 * 107 vs 231 ns, 16 bytes: 22 vs 60 ns, node 20), which is what small client frames pay.
 */
export function maskBytes(
  source: Uint8Array,
  sourceOffset: number,
  output: Uint8Array,
  outputOffset: number,
  length: number,
  key: Uint8Array,
  keyPhase: number,
): void {
  const k0 = key[keyPhase & 3]!;
  const k1 = key[(keyPhase + 1) & 3]!;
  const k2 = key[(keyPhase + 2) & 3]!;
  const k3 = key[(keyPhase + 3) & 3]!;
  const whole = length & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    output[outputOffset + i] = source[sourceOffset + i]! ^ k0;
    output[outputOffset + i + 1] = source[sourceOffset + i + 1]! ^ k1;
    output[outputOffset + i + 2] = source[sourceOffset + i + 2]! ^ k2;
    output[outputOffset + i + 3] = source[sourceOffset + i + 3]! ^ k3;
  }
  if (i < length) output[outputOffset + i] = source[sourceOffset + i]! ^ k0;
  if (i + 1 < length) output[outputOffset + i + 1] = source[sourceOffset + i + 1]! ^ k1;
  if (i + 2 < length) output[outputOffset + i + 2] = source[sourceOffset + i + 2]! ^ k2;
}

// The 32-bit mask word is assembled through a typed-array view of 4 scratch bytes, so it has
// the host's byte order, the same order the Int32Array over the payload reads with.
const scratchKeyBytes = new Uint8Array(4);
const scratchKeyWord = new Int32Array(scratchKeyBytes.buffer);

/** In place, 32 bits at a time: unaligned head and tail bytes are peeled off around the words. */
export function maskWordsInPlace(buffer: Uint8Array, offset: number, length: number, key: Uint8Array): void {
  const absoluteStart = buffer.byteOffset + offset;
  const head = Math.min((4 - (absoluteStart & 3)) & 3, length);
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

/**
 * A hand-assembled WebAssembly module (SIMD, 128 bits at a time), embedded as bytes so the
 * package keeps zero dependencies. Its one function, in text format:
 *   (func (export "mask") (param $at i32) (param $end i32) (param $key i32) (local $k v128)
 *     (local.set $k (i32x4.splat (local.get $key)))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $at) (local.get $end)))
 *       (v128.store (local.get $at) (v128.xor (v128.load (local.get $at)) (local.get $k)))
 *       (local.set $at (i32.add (local.get $at) (i32.const 16)))
 *       (br 0))))
 * with one exported 64 KiB page of memory.
 */
const WASM_MASK_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type: (i32 i32 i32) -> ()
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: 1 page
  0x07, 0x11, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x04, 0x6d, 0x61, 0x73, 0x6b, 0x00, 0x00, // exports
  0x0a, 0x32, 0x01, 0x30, 0x01, 0x01, 0x7b, // code: one body of 48 bytes, one v128 local
  0x20, 0x02, 0xfd, 0x11, 0x21, 0x03, // local.set 3 (i32x4.splat (local.get 2))
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // br_if 1 (i32.ge_u at end)
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x00, 0x00, // store(at, xor(load(at), k))
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, 0x0c, 0x00, // at += 16; br 0
  0x0b, 0x0b, 0x0b, // end loop, block, function
]);

interface WasmMask {
  /** The module's first 64 KiB page: maskWasm's scratch space (replaced when the memory grows). */
  memory: Uint8Array;
  mask: (at: number, end: number, key: number) => void;
  exports: WasmExports;
}

interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  mask: WasmMask['mask'];
}

/** The slice of the WebAssembly JS API used here (lib ES2022 and @types/node 20 do not type it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: WasmExports };
}

const WASM_PAGE = 64 * 1024;

function instantiateWasmMask(): WasmMask | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const { exports } = new api.Instance(new api.Module(WASM_MASK_MODULE));
    return { memory: new Uint8Array(exports.memory.buffer, 0, WASM_PAGE), mask: exports.mask, exports };
  } catch {
    // A runtime without WebAssembly SIMD: the word loop serves instead.
    return null;
  }
}

const wasmMask = instantiateWasmMask();

/** Frames masked in place in the WebAssembly memory, past its scratch page (frame-pool.ts). */
export interface WasmFrameRegion {
  /** The whole memory; the region is [start, bytes.length). */
  bytes: Uint8Array;
  start: number;
  /** XORs every 16-byte unit from `at` while below `end`: may touch up to 15 bytes past `end`. */
  maskInPlace: (at: number, end: number, keyWord: number) => void;
}

/**
 * Pages after the scratch page for frame-pool.ts (8 MiB). The memory grows to its final size
 * once, on the first call, before any view of the region exists: growing later would detach
 * the ArrayBuffer under frames still queued for a socket. Only processes that send masked
 * frames (clients) grow it, and pages the pool never uses are never touched: address space,
 * not resident memory (V8 counts the whole memory in process.memoryUsage().external).
 */
const FRAME_REGION_PAGES = 128;
let frameRegion: WasmFrameRegion | null | undefined;

/** The frame region, grown on first use; null without WebAssembly SIMD or room to grow. */
export function wasmFrameRegion(): WasmFrameRegion | null {
  if (frameRegion !== undefined) return frameRegion;
  frameRegion = null;
  if (wasmMask === null) return null;
  try {
    wasmMask.exports.memory.grow(FRAME_REGION_PAGES);
  } catch {
    return null; // Masking goes on through the scratch page; frames get Buffers of their own.
  }
  // Growing detached the old ArrayBuffer: the scratch view is made again over the new one.
  const buffer = wasmMask.exports.memory.buffer;
  wasmMask.memory = new Uint8Array(buffer, 0, WASM_PAGE);
  frameRegion = { bytes: new Uint8Array(buffer), start: WASM_PAGE, maskInPlace: wasmMask.mask };
  return frameRegion;
}

/** The key as the little-endian 32-bit word the module splats (wasm memory is little-endian). */
export function wasmKeyWord(key: Uint8Array): number {
  return key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
}

/** Whether the SIMD kernel is available on this runtime. */
export const hasWasmMask = wasmMask !== null;

/**
 * Through the SIMD module: each 64 KiB block is copied into its memory, XORed 16 bytes at a
 * time and copied out to `output` (both copies are native memcpy). Source and output may be the
 * same bytes. Without WebAssembly SIMD it copies and uses the word loop.
 */
export function maskWasm(
  source: Uint8Array,
  sourceOffset: number,
  output: Uint8Array,
  outputOffset: number,
  length: number,
  key: Uint8Array,
): void {
  if (wasmMask === null) {
    if (source !== output || sourceOffset !== outputOffset) {
      output.set(source.subarray(sourceOffset, sourceOffset + length), outputOffset);
    }
    maskWordsInPlace(output, outputOffset, length, key);
    return;
  }
  const { memory, mask } = wasmMask;
  const keyWord = wasmKeyWord(key);
  // Whole 16-byte units keep the key phase at 0 from one block to the next.
  const simdLength = length & ~15;
  let done = 0;
  while (done < simdLength) {
    const size = Math.min(memory.length, simdLength - done);
    // A whole source needs no view of it (~100 ns a view, bench/PROFILE.md).
    const whole = sourceOffset === 0 && size === source.length;
    memory.set(whole ? source : source.subarray(sourceOffset + done, sourceOffset + done + size), 0);
    mask(0, size, keyWord);
    output.set(memory.subarray(0, size), outputOffset + done);
    done += size;
  }
  maskBytes(source, sourceOffset + done, output, outputOffset + done, length - done, key, 0);
}
