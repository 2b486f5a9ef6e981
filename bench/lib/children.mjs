// Child processes of the runner: servers that answer queries, and load processes (the load
// generator or a benchmark client) that report marks. Every wait here has a deadline.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const SERVER_START_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Kept from a child's stderr for error messages. */
const STDERR_TAIL = 2000;

function spawn(script, argument, { env = {}, execArgv = [] } = {}) {
  const child = fork(BENCH_DIR + script, [JSON.stringify(argument)], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  child.stderrTail = () => stderr.trim();
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/**
 * Start a server script and wait for it to listen. Returns { port, info, request, stop }:
 * request('cpu' | 'memory' | 'gc') resolves with the server's reply.
 */
export async function startServer(script, options, env) {
  const child = spawn(script, options, { env, execArgv: ['--expose-gc'] });
  const pending = new Map();
  let nextId = 1;
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), SERVER_START_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'reply') {
        pending.get(message.id)?.(message);
        pending.delete(message.id);
      }
    });
    child.exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${child.stderrTail()}`));
    });
  });
  const request = (cmd) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${script}: no reply to ${cmd}`)), REQUEST_TIMEOUT_MS);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`${script}: ${reply.error}`));
        else resolve(reply);
      });
      child.send({ id, cmd });
    });
  const stop = async () => {
    child.kill();
    await child.exited;
  };
  return { port: info.port, info, request, stop };
}

/** Microseconds of CPU (user + system) the server spent between two 'cpu' replies. */
export function cpuMicros(start, end) {
  return end.cpu.user + end.cpu.system - (start.cpu.user + start.cpu.system);
}

/**
 * Run a load process to completion. `onStart()` and `onEnd(result)` run when it marks the
 * start and end of its measuring window (the runner samples the server there); the child is
 * told to finish only after onEnd has resolved. Resolves with { result, start, end }: the
 * child's counters and what the two hooks returned.
 */
export async function runLoad(script, argument, { onStart, onEnd, timeoutMs, env }) {
  const child = spawn(script, argument, { env });
  let startSample;
  let endSample;
  let result;
  let failure;
  child.on('message', (message) => {
    if (message.type === 'error') failure ??= message.message;
    if (message.type !== 'mark') return;
    if (message.name === 'start') {
      startSample = onStart();
      startSample.catch(() => {});
      return;
    }
    result = message.result;
    endSample = onEnd(result).finally(() => child.connected && child.send({ cmd: 'finish' }));
    endSample.catch(() => {});
  });
  const timer = setTimeout(() => {
    failure ??= `${script} timed out after ${timeoutMs} ms`;
    child.kill('SIGKILL');
  }, timeoutMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  if (failure || code !== 0 || !result) {
    throw new Error(failure ?? `${script} exited with ${code}: ${child.stderrTail() || 'no result'}`);
  }
  return { result, start: await startSample, end: await endSample };
}
