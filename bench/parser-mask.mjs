// Masking kernels compared by payload size: byte loop, 32-bit words, WebAssembly SIMD.
// Chooses mask.ts's thresholds.   npm run build && node bench/parser-mask.mjs
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { maskBytes, maskWordsInPlace, maskWasm, hasWasmMask } = await import(
  join(here, '../dist/esm/protocol/mask-kernels.js')
);
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
