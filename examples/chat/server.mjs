// The ws6455 chat demo: one HTTP server serves the chat page and carries the WebSocket server.
// Every client is greeted; a page that joins with a name gets the recent history and who is
// online (chat-room.mjs); every text message is broadcast to all clients (sender included) with
// wss.broadcast, which frames the message once for everyone.
//
//   npm start                 # builds dist/, then listens on http://localhost:8080
//   PORT=3000 npm start       # another port; PORT=0 picks a free one
//
// The line "chat demo listening on http://localhost:<port>" on stdout says the server is ready.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { WebSocketServer } from '../../dist/esm/index.js';
import { chatRoom, memoryStore } from './chat-room.mjs';

const port = Number(process.env.PORT ?? 8080);
const page = await readFile(new URL('./index.html', import.meta.url));

const http = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method === 'GET' && (path === '/' || path === '/index.html')) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(page);
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
});
http.on('error', (error) => {
  console.error(`chat demo: ${error.message}`);
  process.exit(1);
});

const wss = new WebSocketServer({
  server: http,
  // Chat lines are short; refusing large frames early keeps one client from hogging memory.
  maxPayload: 64 * 1024,
  // Drops clients whose network vanished without a close (laptop lid, lost Wi-Fi).
  heartbeat: { interval: 30_000, timeout: 10_000 },
});
wss.on('error', (error) => console.error('server error:', error.message));
wss.on('connection', chatRoom(wss, memoryStore()));

http.listen(port, () => {
  console.log(`chat demo listening on http://localhost:${http.address().port}`);
});

function shutDown() {
  // Clients are told the server is going away (1001), then the HTTP side closes.
  for (const client of wss.clients) client.close(1001, 'server shutting down');
  wss.close();
  http.close(() => process.exit(0));
  http.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGINT', shutDown);
process.on('SIGTERM', shutDown);
