// Child processes of the runner: servers that answer queries, and load processes (the load
// generator or a benchmark client) that report their measuring window. Every wait has a deadline.
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
 * Start a server script and wait for it to listen. Returns { port, pid, info, request, isRunning, stop }:
 * request('memory' | 'gc') resolves with the server's reply.
 */
export async function startServer(script, options, env, execArgv = []) {
  const child = spawn(script, options, { env, execArgv: ['--expose-gc', ...execArgv] });
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
  /** Let it exit on its own (control.mjs exits on disconnect), so --cpu-prof writes its profile. */
  const finish = async () => {
    child.disconnect();
    await child.exited;
  };
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  return { port: info.port, pid: info.pid, info, request, isRunning, stop, finish };
}

/**
 * Run a load process to completion and resolve with its result (the counters of its measuring
 * window) and what `onEnd(result)` returned: the hook runs while the load process still holds its
 * connections open, and the process is told to finish only once the hook has settled.
 */
export async function runLoad(script, argument, { onEnd = async () => undefined, timeoutMs, env, execArgv }) {
  const child = spawn(script, argument, { env, execArgv });
  let endSample;
  let result;
  let failure;
  child.on('message', (message) => {
    if (message.type === 'error') failure ??= message.message;
    if (message.type !== 'mark' || message.name !== 'end') return;
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
  return { result, atEnd: await endSample };
}
