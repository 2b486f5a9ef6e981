// One chat node: an HTTP server for the chat page and a ws6455 WebSocketServer on the same port,
// joined to the other nodes through a Redis Stream (RedisStreamsAdapter: nothing is lost while
// Redis or a node is away), with session resume so a client that reconnects, to this node or
// another, gets what it missed. Runs as a cluster worker (see server.mjs) or alone:
//   PORT=8081 REDIS_URL=redis://127.0.0.1:6379 node examples/cluster/worker.mjs
//
// Signals: SIGTERM (or the 'drain' message from the cluster primary) drains: the node stops
// accepting, closes its clients with 1012 (Service Restart) spread over DRAIN_MS, then exits, so the
// clients move to the other nodes a few at a time. SIGINT closes everyone at once with 1001.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { RedisStreamsAdapter, WebSocketServer } from '../../dist/esm/index.js';
import { chatRoom } from '../chat/chat-room.mjs';
import { connectOrExit } from './redis-check.mjs';
import { redisStore } from './redis-store.mjs';

const port = Number(process.env.PORT ?? 8080);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const drainMs = Number(process.env.DRAIN_MS ?? 5000);
const chatPage = new URL('../chat/index.html', import.meta.url);
const who = `worker ${process.pid}`;

const redis = await connectOrExit(redisUrl, who);
// The adapter duplicates the client for its blocking reads.
const adapter = new RedisStreamsAdapter({ client: redis, channel: 'ws6455:chat:stream' });
adapter.on('error', (error) => console.error(`${who}: ${error.code}: ${error.message}`));
adapter.on('degraded', (silentMs) => console.error(`${who}: Redis silent for ${silentMs} ms; messages wait in the outbox`));
adapter.on('recovered', () => console.error(`${who}: Redis answers again`));
await adapter.ready;
const store = redisStore(redis);

const http = createServer(async (request, response) => {
  if (request.url !== '/' && request.url !== '/index.html' && !request.url?.startsWith('/?')) {
    response.writeHead(404).end();
    return;
  }
  try {
    const page = await readFile(chatPage);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  } catch {
    response.writeHead(500, { 'content-type': 'text/plain' }).end('examples/chat/index.html is missing\n');
  }
});
http.on('error', (error) => {
  console.error(`${who}: ${error.message}`);
  process.exit(1);
});

const wss = new WebSocketServer({ server: http, maxPayload: 64 * 1024, heartbeat: { interval: 30_000, timeout: 10_000 }, sessionResume: true });
wss.on('error', (error) => console.error(`${who}: ${error.message}`));
wss.setAdapter(adapter);
// Which worker took the connection, for the curious (and for the tests): visible in the 101 response.
wss.on('headers', (headers) => headers.push(`X-Worker: ${process.pid}`));
wss.on('connection', chatRoom(wss, store, (error) => console.error(`${who}: chat store: ${error.message}`)));

http.listen(port, () => console.log(`${who} listening on ${port}`));

let stopping = false;
async function stop(how) {
  if (stopping) return;
  stopping = true;
  // No new connections here: the load balancer (or the cluster primary) sends them elsewhere.
  http.close();
  if (how === 'drain') await wss.drain({ over: drainMs });
  else for (const client of wss.clients) client.close(1001, 'server shutting down');
  // close() emits 'close' once every client is gone and closes the adapter; the Redis client is ours.
  wss.close(async () => {
    await store.close();
    await redis.quit().catch(() => {});
    process.exit(0);
  });
  setTimeout(() => process.exit(0), drainMs + 5000).unref();
}
process.on('SIGTERM', () => void stop('drain'));
// The primary restarts workers on SIGHUP; a hangup sent to the whole process group is its business.
process.on('SIGHUP', () => {});
process.on('SIGINT', () => void stop('now'));
process.on('message', (message) => {
  if (message === 'drain') void stop('drain');
  if (message === 'stop') void stop('now');
});
