// Client throughput: the library's own WebSocket client (not the neutral load generator) keeps
// `window` binary messages in flight on each of `connections` sockets against an echo server.
// Measures this process's CPU per message, the figure that compares clients (and the server's,
// read from /proc, to show the server is not what limits). One JSON argument:
// { library: 'ws6455' | 'ws', port, serverPid, connections, size, window, warmupMs, durationMs }.
import { pathToFileURL } from 'node:url';
import { failAndExit, measureClientWindow } from '../lib/measure-window.mjs';
import { binaryPayload } from '../lib/payloads.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');

try {
  const WebSocket = await loadClient(config.library);
  await run(WebSocket, config);
  process.exit(0);
} catch (error) {
  failAndExit(error);
}

async function loadClient(library) {
  if (library === 'ws6455') {
    // WS6455_DIST=<dist folder> measures another build (the runner's baseline column).
    const dist = process.env.WS6455_DIST;
    return (await import(dist ? pathToFileURL(`${dist}/esm/index.js`).href : '../../dist/esm/index.js')).WebSocket;
  }
  if (library === 'ws') return (await import('ws')).WebSocket;
  throw new Error(`unknown client library ${library}`);
}

async function run(WebSocket, { port, serverPid, connections, size, window, warmupMs, durationMs }) {
  const payload = binaryPayload(size);
  const counters = { messages: 0, bytes: 0 };
  let sending = true;
  const clients = await Promise.all(Array.from({ length: connections }, () => openClient(WebSocket, port)));
  for (const client of clients) {
    client.on('message', () => {
      counters.messages++;
      counters.bytes += size;
      if (sending) client.send(payload);
    });
    client.on('error', (error) => {
      if (sending) failAndExit(error);
    });
    client.on('close', (code) => {
      if (sending) failAndExit(new Error(`server closed the connection with ${code}`));
    });
    for (let i = 0; i < window; i++) client.send(payload);
  }
  await measureClientWindow({ counters, serverPid, warmupMs, durationMs, stop: () => (sending = false) });
  for (const client of clients) client.terminate();
}

function openClient(WebSocket, port) {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    client.once('open', () => {
      client.off('error', reject);
      resolve(client);
    });
    client.once('error', reject);
  });
}
