// The frame parser micro-benchmark (bench/parser.mjs) is another engineer's; the runner only
// runs it when present and keeps its output verbatim in the results.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';

const PARSER_SCRIPT = 'bench/parser.mjs';
/** Where bench/parser.mjs saves its own table; copied into our results when it was refreshed. */
const PARSER_RESULTS = 'bench/results/parser.json';
const PARSER_TIMEOUT_MS = 180_000;

/** { output, table? } on success, { error } on failure, { skipped } when the script is absent. */
export function runParserBenchmark() {
  if (!existsSync(PARSER_SCRIPT)) return { skipped: `${PARSER_SCRIPT} not present` };
  const startedAt = Date.now();
  try {
    const output = execFileSync(process.execPath, [PARSER_SCRIPT], {
      encoding: 'utf8',
      timeout: PARSER_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { output: output.trim(), table: savedTable(startedAt) };
  } catch (error) {
    return { error: `${PARSER_SCRIPT} failed: ${String(error.stderr || error.message).trim().slice(0, 500)}` };
  }
}

function savedTable(startedAt) {
  if (!existsSync(PARSER_RESULTS) || statSync(PARSER_RESULTS).mtimeMs < startedAt) return undefined;
  try {
    return JSON.parse(readFileSync(PARSER_RESULTS, 'utf8'));
  } catch {
    return undefined;
  }
}
