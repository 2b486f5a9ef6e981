// The frame parser micro-benchmark (bench/parser.mjs) is another engineer's; the runner only
// runs it when present and keeps its output verbatim in the results.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PARSER_SCRIPT = 'bench/parser.mjs';
const PARSER_TIMEOUT_MS = 180_000;

/** { output } on success, { error } on failure, { skipped } when the script does not exist. */
export function runParserBenchmark() {
  if (!existsSync(PARSER_SCRIPT)) return { skipped: `${PARSER_SCRIPT} not present` };
  try {
    const output = execFileSync(process.execPath, [PARSER_SCRIPT], {
      encoding: 'utf8',
      timeout: PARSER_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { output: output.trim() };
  } catch (error) {
    return { error: `${PARSER_SCRIPT} failed: ${String(error.stderr || error.message).trim().slice(0, 500)}` };
  }
}
