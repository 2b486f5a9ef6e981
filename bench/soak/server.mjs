// The soak test's server process: a standalone ws6455 echo server with the built-in heartbeat,
// driven over IPC by bench/soak/run.mjs. It reports memory after a full GC (start it with
// --expose-gc) and its open file descriptors from /proc, and can stream numbered messages to every
// client and then shut down under that load, reporting what each send callback acknowledged.
import { readdirSync } from 'node:fs';
import { WebSocketServer } from '../../dist/esm/index.js';

const heartbeatMs = Number(process.env.SOAK_HEARTBEAT_MS ?? 2000);
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  backlog: 4096,
  heartbeat: { interval: heartbeatMs, timeout: heartbeatMs },
  // maxBufferedAmount: the default (the slow-consumer phase measures what it bounds).
});

/** Client id (from the ?id= query) of each server-side socket, for the close-under-load check. */
const ids = new WeakMap();
/** Highest sequence number whose send callback reported success, per client id. */
const acknowledged = new Map();
let streamTimer = null;

wss.on('connection', (ws, req) => {
  ids.set(ws, new URL(req.url, 'http://soak').searchParams.get('id'));
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    if (ws.readyState === ws.OPEN) ws.send(data, { binary: isBinary });
  });
});

function stats() {
  globalThis.gc?.();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return {
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    rss: usage.rss,
    fds: readdirSync('/proc/self/fd').length,
    clients: wss.clients.size,
  };
}

/** Every `everyMs`, send each open client its next number; acknowledged numbers are recorded. */
function startStream(everyMs) {
  let sequence = 0;
  streamTimer = setInterval(() => {
    sequence++;
    const number = sequence;
    const message = Buffer.alloc(8);
    message.writeUInt32BE(0x50a50a50, 0);
    message.writeUInt32BE(number, 4);
    for (const ws of wss.clients) {
      const id = ids.get(ws);
      ws.send(message, (error) => {
        if (!error && number > (acknowledged.get(id) ?? 0)) acknowledged.set(id, number);
      });
    }
  }, everyMs);
}

process.on('message', (command) => {
  switch (command.type) {
    case 'stats':
      process.send({ type: 'stats', stats: stats() });
      break;
    case 'memory':
      // Cheap sampling during a phase: no GC, just the resident set and the count.
      process.send({ type: 'memory', rss: process.memoryUsage.rss(), clients: wss.clients.size });
      break;
    case 'stream':
      startStream(command.everyMs);
      process.send({ type: 'streaming' });
      break;
    case 'close':
      wss.close(() => {
        clearInterval(streamTimer);
        process.send({ type: 'closed', acknowledged: Object.fromEntries(acknowledged), stats: stats() });
      });
      break;
  }
});

wss.on('listening', () => process.send({ type: 'listening', port: wss.address().port }));
