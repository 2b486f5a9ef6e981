// The runner's view into a server process: it reports its port and pid, then answers memory
// queries over IPC. Memory is measured inside the server because only the server knows its own
// heap; CPU time is read from /proc by the load process instead (see bench/lib/process-cpu.mjs).

/**
 * Announce the listening port and serve queries. `describe()` adds facts about the
 * implementation (e.g. whether native addons loaded); `connectionCount()` lets the runner wait
 * until the server has really registered every connection before it reads memory.
 */
export function serveControl({ port, connectionCount, describe = () => ({}) }) {
  process.on('message', (message) => {
    if (!message || typeof message.cmd !== 'string') return;
    const reply = answer(message.cmd, connectionCount);
    process.send({ type: 'reply', id: message.id, ...reply });
  });
  // Without a runner on the other end (started by hand) there is nobody to stop us but ^C.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'listening', port, pid: process.pid, ...describe() });
  if (!process.send) console.log(`listening on 127.0.0.1:${port}`);
}

function answer(cmd, connectionCount) {
  switch (cmd) {
    case 'gc':
      collectGarbage();
      return {};
    case 'memory':
      collectGarbage();
      return { memory: process.memoryUsage(), connections: connectionCount() };
    default:
      return { error: `unknown command ${cmd}` };
  }
}

function collectGarbage() {
  if (typeof globalThis.gc !== 'function') throw new Error('start servers with --expose-gc');
  // Twice: the first pass runs finalizers whose objects only the second pass can free.
  globalThis.gc();
  globalThis.gc();
}
