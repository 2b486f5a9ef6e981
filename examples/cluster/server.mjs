// Chat on every core: node:cluster forks one worker per CPU (or WORKERS), the workers share one
// port, and the Redis adapter joins them so a message sent to any worker reaches the clients of
// all of them. Start more copies on other machines with the same REDIS_URL and they join too.
//
//   npm run build && redis-server &
//   PORT=8080 WORKERS=4 REDIS_URL=redis://127.0.0.1:6379 node examples/cluster/server.mjs
//
// The primary only supervises: it forks the workers, replaces one that crashes, and on SIGINT or
// SIGTERM lets each worker close its clients (1001, going away) before the process exits.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const workerCount = Number(process.env.WORKERS ?? availableParallelism());
const restartDelayMs = 1000;
let shuttingDown = false;

cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.mjs', import.meta.url)) });

for (let i = 0; i < workerCount; i++) cluster.fork();

cluster.on('exit', (worker, code, signal) => {
  if (shuttingDown) {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    return;
  }
  console.error(`worker ${worker.process.pid} died (${signal ?? code}); starting another in ${restartDelayMs} ms`);
  // A delay, so a worker that dies at start-up (e.g. Redis unreachable) does not fork in a loop.
  setTimeout(() => cluster.fork(), restartDelayMs);
});

let listening = 0;
cluster.on('listening', () => {
  if (++listening === workerCount) console.log(`cluster: ${workerCount} workers listening on port ${process.env.PORT ?? 8080}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    shuttingDown = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
}
