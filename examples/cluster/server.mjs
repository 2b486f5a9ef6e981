// Chat on every core: node:cluster forks one worker per CPU (or WORKERS), the workers share one
// port, and the Redis Streams adapter joins them so a message sent to any worker reaches the
// clients of all of them. Start more copies on other machines with the same REDIS_URL and they join too.
//
//   npm run build && redis-server --save '' --appendonly no &
//   PORT=8080 WORKERS=4 REDIS_URL=redis://127.0.0.1:6379 node examples/cluster/server.mjs
//
// The primary only supervises: it checks that Redis answers (and exits with a message if not),
// forks the workers, replaces one that crashes, restarts them one at a time on SIGHUP (each drains
// its clients with 1012 before the next one goes), and on SIGINT or SIGTERM stops them all (1001).
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { connectOrExit } from './redis-check.mjs';

const workerCount = Number(process.env.WORKERS ?? availableParallelism());
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const restartDelayMs = 1000;
let shuttingDown = false;

// Fail fast and say why: without Redis every worker would wait for it.
const probe = await connectOrExit(redisUrl, 'cluster');
await probe.quit();

cluster.on('error', (error) => console.error(`cluster: ${error.message}`));
cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.mjs', import.meta.url)) });
for (let i = 0; i < workerCount; i++) cluster.fork();

const retiring = new Set();
cluster.on('exit', (worker, code, signal) => {
  if (shuttingDown) {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    return;
  }
  if (retiring.delete(worker.id)) return;
  console.error(`worker ${worker.process.pid} died (${signal ?? code}); starting another in ${restartDelayMs} ms`);
  // A delay, so a worker that dies at start-up does not fork in a loop.
  setTimeout(() => cluster.fork(), restartDelayMs);
});

let listening = 0;
cluster.on('listening', () => {
  if (++listening === workerCount) console.log(`cluster: ${workerCount} workers listening on port ${process.env.PORT ?? 8080}`);
});

/** Rolling restart: a new worker first, then the old one drains; one at a time. */
async function rollingRestart() {
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker === undefined || shuttingDown || !worker.isConnected()) continue;
    const replacement = cluster.fork();
    await new Promise((resolve) => replacement.once('listening', resolve));
    retiring.add(worker.id);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    // A worker that died meanwhile has no channel: its 'exit' is on the way anyway.
    worker.send('drain', (error) => error && worker.process.kill('SIGTERM'));
    await exited;
  }
  console.log('cluster: rolling restart done');
}
process.on('SIGHUP', () => void rollingRestart());

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    shuttingDown = true;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected()) worker.send('stop', (error) => error && worker.process.kill('SIGINT'));
    }
  });
}
