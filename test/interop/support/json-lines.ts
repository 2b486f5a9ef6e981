// Reads a child process's stdout as JSON lines (the protocol of the python peers in
// test/interop/python/) and lets a test wait for the first line that matches.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export type JsonEvent = Record<string, unknown> & { event: string };

export interface JsonLinesProcess {
  readonly child: ChildProcess;
  /** Every event printed so far, in order. */
  readonly events: JsonEvent[];
  /** The first event named `event` (already printed or still to come). */
  waitFor(event: string, timeoutMs?: number): Promise<JsonEvent>;
  /** Resolves with the exit code once the process has ended. */
  exited(timeoutMs?: number): Promise<number | null>;
  /** Everything the process wrote on stderr, for failure messages. */
  stderr(): string;
}

export function spawnJsonLines(file: string, args: string[]): JsonLinesProcess {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: JsonEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as JsonEvent);
    for (const listener of listeners) listener();
  });
  child.on('exit', (code) => {
    exitCode = code;
    for (const listener of listeners) listener();
  });

  function until<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${what} not seen within ${timeoutMs} ms; events: ${JSON.stringify(events)}; stderr: ${stderr}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  }

  return {
    child,
    events,
    waitFor: (event, timeoutMs = 10_000) =>
      until(() => events.find((candidate) => candidate.event === event), `event '${event}'`, timeoutMs),
    exited: (timeoutMs = 10_000) =>
      until(() => (exitCode === undefined ? undefined : { code: exitCode }), 'process exit', timeoutMs).then(
        (exit) => exit.code,
      ),
    stderr: () => stderr,
  };
}
