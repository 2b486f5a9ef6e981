// Cost per message of each scale-out adapter: node A broadcasts N messages, node B (same process,
// its own Redis connections) delivers them to one client. Reports, per message: CPU of this
// process (both nodes and the client), CPU of redis-server, and the rate reached.
//
//   npm run build && node bench/scaleout.mjs            # N=20000 per adapter
//   N=50000 node bench/scaleout.mjs
//
// Needs redis-server on PATH (it starts its own on a free port, no persistence).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { RedisAdapter, RedisStreamsAdapter, WebSocket, WebSocketServer } from '../dist/esm/index.js';

const N = Number(process.env.N ?? 20_000);
const BATCH = 100;
const WINDOW = 2000;
const PAYLOAD = JSON.stringify({ type: 'chat', content: 'x'.repeat(80) });

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.on('error', (error) => {
    console.error(`cannot start redis-server (${error.message}); install it with: apt-get install redis-server`);
    process.exit(1);
  });
  await new Promise((resolve) => child.stdout.on('data', (chunk) => String(chunk).includes('Ready to accept') && resolve()));
  return { port, child, url: `redis://127.0.0.1:${port}` };
}

/** utime + stime of a process, in µs (Linux /proc; clock ticks of 10 ms). */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function client(url) {
  const c = createClient({ url });
  c.on('error', () => {});
  await c.connect();
  return c;
}

const adapters = {
  none: async () => null,
  'pub/sub (RedisAdapter)': async (url, channel) => {
    const publisher = await client(url);
    const subscriber = publisher.duplicate();
    subscriber.on('error', () => {});
    await subscriber.connect();
    return new RedisAdapter({ publisher, subscriber, channel });
  },
  'streams (RedisStreamsAdapter)': async (url, channel) => new RedisStreamsAdapter({ client: await client(url), channel }),
};

async function measure(name, makeAdapter, redis, sessionResume) {
  const channel = `bench-${Math.random()}`;
  const a = new WebSocketServer({ noServer: true });
  const b = new WebSocketServer({ port: 0, host: '127.0.0.1', sessionResume });
  await once(b, 'listening');
  const adapterA = await makeAdapter(redis.url, channel);
  const adapterB = await makeAdapter(redis.url, channel);
  for (const adapter of [adapterA, adapterB]) {
    if (adapter === null) continue;
    adapter.on('error', (error) => console.error(name, error.code));
    if (adapter.ready) await adapter.ready;
  }
  a.setAdapter(adapterA);
  b.setAdapter(adapterB);
  // Without an adapter, A and B are one node: broadcast on B.
  const source = adapterA === null ? b : a;
  const ws = new WebSocket(`ws://127.0.0.1:${b.address().port}/`);
  ws.on('error', (error) => console.error(name, error.message));
  let received = 0;
  ws.on('message', () => received++);
  await once(ws, 'open');
  await new Promise((resolve) => setTimeout(resolve, 200));

  const cpu = process.cpuUsage();
  const redisCpu = cpuOf(redis.child.pid);
  const start = process.hrtime.bigint();
  // A sustained rate, not one burst: at most WINDOW messages in flight, as a real feed would be
  // (a burst of N only measures how the outbox overflows).
  for (let sent = 0; sent < N; sent += BATCH) {
    for (let i = 0; i < BATCH; i++) source.broadcast(PAYLOAD);
    await new Promise((resolve) => setImmediate(resolve));
    while (sent + BATCH - received > WINDOW) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  let last = -1;
  for (let idle = 0; received < N && idle < 5000; idle = received === last ? idle + 5 : 0) {
    last = received;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (received < N) console.error(`${name}: ${N - received} of ${N} messages never arrived`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  if (process.env.DEBUG) console.error(name, 'done');
  const redisUsed = cpuOf(redis.child.pid) - redisCpu;
  ws.terminate();
  for (const server of [a, b]) await new Promise((resolve) => server.close(resolve));
  return {
    adapter: name + (sessionResume ? ' + sessionResume' : ''),
    nodeUsPerMessage: ((used.user + used.system) / N).toFixed(1),
    redisUsPerMessage: (redisUsed / N).toFixed(1),
    messagesPerSecond: Math.round(N / seconds),
  };
}

const redis = await startRedis();
const rows = [];
try {
  for (const [name, make] of Object.entries(adapters)) rows.push(await measure(name, make, redis, false));
  rows.push(await measure('streams (RedisStreamsAdapter)', adapters['streams (RedisStreamsAdapter)'], redis, true));
} finally {
  redis.child.kill('SIGKILL');
}
console.log(`${N} broadcasts of ${PAYLOAD.length} bytes from node A to one client on node B (Node ${process.version})`);
console.log('| adapter | node CPU µs/msg | redis-server CPU µs/msg | msg/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const row of rows) console.log(`| ${row.adapter} | ${row.nodeUsPerMessage} | ${row.redisUsPerMessage} | ${row.messagesPerSecond} |`);
process.exit(0);
