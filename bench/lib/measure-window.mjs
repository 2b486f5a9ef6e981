// The measuring window shared by the load generator and the benchmark clients. Marks go to the
// runner over IPC as they happen, so the runner samples the server's CPU at the same moments
// this process samples its counters; the IPC delay is about the same at both ends and cancels.
import { setTimeout as sleep } from 'node:timers/promises';
import { processCpuMicros } from './process-cpu.mjs';

/** How long a child waits for the runner's `finish` before exiting on its own. */
const FINISH_TIMEOUT_MS = 30_000;

// A load process outlives no runner: if the runner dies (^C), its connections go with it.
process.once('disconnect', () => process.exit(1));

/** Tell the runner something (no-op when started by hand without IPC). */
export function report(message) {
  if (process.send) process.send(message);
  else console.log(JSON.stringify(message));
}

/**
 * Let traffic warm up (JIT, socket buffers), then measure for durationMs.
 * `readCounters()` returns plain numbers; the result holds their increase over the window.
 */
export async function measureWindow({ warmupMs, durationMs, readCounters }) {
  await sleep(warmupMs);
  const before = readCounters();
  const startedAt = process.hrtime.bigint();
  report({ type: 'mark', name: 'start' });
  await sleep(durationMs);
  const after = readCounters();
  const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const delta = { elapsedMs };
  for (const name of Object.keys(after)) delta[name] = after[name] - before[name];
  return delta;
}

/** Mark the end and wait until the runner has sampled the server and says `finish`. */
export function endWindow(result) {
  return new Promise((resolve) => {
    if (!process.send) {
      report({ type: 'mark', name: 'end', result });
      return resolve();
    }
    const timer = setTimeout(resolve, FINISH_TIMEOUT_MS);
    process.on('message', (message) => {
      if (message?.cmd !== 'finish') return;
      clearTimeout(timer);
      resolve();
    });
    report({ type: 'mark', name: 'end', result });
  });
}

/** Report a failure the runner can show, then exit non-zero. */
export function failAndExit(error) {
  report({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  setImmediate(() => process.exit(1));
}

/**
 * A benchmark client's window: its own CPU and the server's read at the same instants as its
 * counters; `stop()` is called when the window closes, before the runner is told.
 */
export async function measureClientWindow({ counters, serverPid, warmupMs, durationMs, stop }) {
  const readCounters = () => {
    const cpu = process.cpuUsage();
    return { ...counters, clientCpuMicros: cpu.user + cpu.system, serverCpuMicros: processCpuMicros(serverPid) };
  };
  const result = await measureWindow({ warmupMs, durationMs, readCounters });
  stop();
  await endWindow(result);
}
