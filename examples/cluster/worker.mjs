// One chat node: an HTTP server for the chat page and a ws6455 WebSocketServer on the same port,
// joined to the other nodes by the Redis adapter. Runs as a cluster worker (see server.mjs) or
// alone: `PORT=8081 node examples/cluster/worker.mjs`.
//
// The chat protocol lives in the page (examples/chat/index.html): this node relays every message
// a client sends, unchanged, to every client of every node with `wss.broadcast`, which delivers
// locally and hands the message to the adapter for the other nodes.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { RedisAdapter, WebSocketServer } from '../../dist/esm/index.js';

const port = Number(process.env.PORT ?? 8080);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const chatPage = new URL('../chat/index.html', import.meta.url);

// Two connections: one in subscriber mode can run no other command. While Redis is away they
// reconnect by themselves; the adapter reports the outage on 'error' and local chat goes on.
const publisher = createClient({ url: redisUrl });
const subscriber = publisher.duplicate();
for (const client of [publisher, subscriber]) client.on('error', () => {});
await Promise.all([publisher.connect(), subscriber.connect()]);
const adapter = new RedisAdapter({ publisher, subscriber, channel: 'ws6455:chat' });
adapter.on('error', (error) => console.error(`worker ${process.pid}: ${error.code}: ${error.message}`));
await adapter.ready;

const http = createServer(async (request, response) => {
  if (request.url !== '/' && request.url !== '/index.html') {
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

const wss = new WebSocketServer({ server: http, heartbeat: { interval: 30_000, timeout: 10_000 } });
wss.setAdapter(adapter);
// Which worker took the connection, for the curious (and for the tests): visible in the 101 response.
wss.on('headers', (headers) => headers.push(`X-Worker: ${process.pid}`));
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => wss.broadcast(data, { binary: isBinary }));
});

http.listen(port, () => console.log(`worker ${process.pid} listening on ${port}`));

process.on('SIGTERM', () => {
  // Closes every client with 1001 and closes the adapter; then the Redis clients, which we own.
  wss.close(() => {
    http.close();
    Promise.allSettled([publisher.quit(), subscriber.quit()]).then(() => process.exit(0));
  });
});
