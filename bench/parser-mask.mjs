// Masking kernels compared by payload size: byte loop, 32-bit words, WebAssembly SIMD; then the
// cost of building one masked client frame three ways. Chooses mask.ts's thresholds and
// frame-pool.ts's design.   npm run build && node bench/parser-mask.mjs
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.WS6455_DIST ?? join(here, '../dist');
const { maskBytes, maskWordsInPlace, maskWasm, hasWasmMask } = await import(join(dist, 'esm/protocol/mask-kernels.js'));
const { encodeFrame, frameHeaderLength } = await import(join(dist, 'esm/protocol/frame-writer.js'));
const { releasePooledFrame } = await import(join(dist, 'esm/protocol/frame-pool.js'));
const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const kernels = {
  bytes: (buffer) => maskBytes(buffer, 0, buffer, 0, buffer.length, key, 0),
  words: (buffer) => maskWordsInPlace(buffer, 0, buffer.length, key),
  wasm: (buffer) => maskWasm(buffer, 0, buffer, 0, buffer.length, key),
};
const SIZES = [8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 1 << 20];
const BYTES_PER_RUN = 64 * 1024 * 1024;

console.log(`WebAssembly SIMD kernel available: ${hasWasmMask}`);
const rows = [];
for (const size of SIZES) {
  // An odd offset inside a larger buffer, as a payload inside a socket chunk would be.
  const buffer = Buffer.alloc(size + 3).subarray(3);
  const iterations = Math.max(1, Math.floor(BYTES_PER_RUN / size));
  const row = { size };
  for (const [name, kernel] of Object.entries(kernels)) {
    for (let i = 0; i < Math.min(iterations, 10_000); i++) kernel(buffer); // warm-up
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) kernel(buffer);
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
    }
    row[`${name} MiB/s`] = Math.round((iterations * size) / best / (1024 * 1024));
  }
  rows.push(row);
}
console.table(rows);
console.table(frameBuilding([1024, 8192, 65536, 1 << 20]));

/**
 * One masked frame per call, as a client sends it: encodeFrame (above 4 KiB in the frame pool:
 * copy in, XOR in place, released as the send queue does after the write; up to 4 KiB in the
 * slab), a fresh Buffer through the SIMD scratch page (copy in, XOR, copy out: the path before
 * the pool, and its fallback), and a fresh Buffer with bufferutil's single pass in C (what
 * ws + addons does). The variants alternate in short rounds so that the machine's load hits all
 * alike; medians of the rounds, ns per frame.
 */
function frameBuilding(sizes) {
  const bufferutil = createRequire(import.meta.url)('bufferutil');
  return sizes.map((size) => {
    const payload = Buffer.alloc(size, 7);
    const headerLength = frameHeaderLength(size, true);
    const variants = {
      encodeFrame: () => releasePooledFrame(encodeFrame(payload, { opcode: 2, mask: key })[0]),
      'fresh Buffer + SIMD scratch': () => maskWasm(payload, 0, Buffer.allocUnsafe(headerLength + size), headerLength, size, key),
      'fresh Buffer + bufferutil': () => bufferutil.mask(payload, key, Buffer.allocUnsafe(headerLength + size), headerLength, size),
    };
    const perRound = Math.max(4, Math.floor(4e6 / size));
    const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
    for (let round = 0; round < 60; round++) {
      for (const [name, build] of Object.entries(variants)) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < perRound; i++) build();
        samples[name].push(Number(process.hrtime.bigint() - start) / perRound);
      }
    }
    const row = { 'frame bytes': size };
    for (const [name, list] of Object.entries(samples)) row[`${name} ns`] = Math.round(list.sort((a, b) => a - b)[list.length >> 1]);
    return row;
  });
}
