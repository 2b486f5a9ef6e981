#!/usr/bin/env node
// Long fuzz runs: the same properties `npm test` runs a few hundred times (test/fuzz/), run with
// FUZZ_RUNS cases each (default 100,000). Prints every target's cases/s and, on failure, the
// fast-check counterexample with the seed and path to replay it.
//
//   node scripts/fuzz.mjs                 100,000 cases per target
//   node scripts/fuzz.mjs --runs 1000000  more
//   node scripts/fuzz.mjs --seed 42       replay a reported seed
//   node scripts/fuzz.mjs --only handshake
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});

const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs <= 0) {
  console.error(`--runs must be a positive integer, got ${values.runs}`);
  process.exit(2);
}

// vitest's bin script (its package exports do not expose the file, so resolve it by path).
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const files = values.only ? [`test/fuzz/${values.only}.test.ts`] : ['test/fuzz/'];
const environment = { ...process.env, FUZZ_RUNS: String(runs) };
if (values.seed !== undefined) environment.FUZZ_SEED = values.seed;

console.log(`fuzzing ${files.join(' ')} with ${runs} cases per target${values.seed ? ` (seed ${values.seed})` : ''}`);
const started = Date.now();
// No test timeout: a long run is long on purpose. Output is passed through, so the [fuzz] rate
// lines and any "Counterexample: ... seed ... path ..." appear as vitest prints them.
const child = spawn(process.execPath, [vitest, 'run', '--testTimeout=0', '--hookTimeout=0', ...files], { stdio: 'inherit', env: environment });
child.on('exit', (code, signal) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(code === 0 ? `fuzz: no counterexample in ${seconds} s` : `fuzz: FAILED after ${seconds} s (see the counterexample above)`);
  process.exit(code ?? (signal ? 1 : 0));
});
