// Neutral load generator: plain node:net, its own handshake and framing, no library under test.
// Started by bench/run.mjs as a separate process with one JSON argument (see the modes below);
// reports marks and results over IPC (or prints them when run by hand). With `serverPid` it reads
// the server's CPU time from /proc at the same instants it reads its own counters.
//
//   echo       `connections` sockets each keep `window` masked frames of `size` bytes in flight:
//              every echoed message received lets one more frame go. protocol 'raw' sends the
//              same bytes to a plain TCP echo server and counts a frame each time frameLength
//              bytes came back (the echo returns the masked frames untouched): the ceiling.
//   broadcast  `clients` receivers plus one publisher on /publish; the publisher keeps `window`
//              messages in flight, a message being done once every receiver has it.
//   connect    open `connections` sockets (`concurrency` handshakes at a time) and hold them idle
//              until the runner has measured the server's memory. With `deflate` they offer
//              permessage-deflate as browsers do; with `exchangeSize` each then sends one
//              compressed JSON message of that size and waits for the echo before holding idle.
import { setTimeout as sleep } from 'node:timers/promises';
import { OPCODE_BINARY, OPCODE_TEXT, buildMaskedFrame, compressMessage, repeatFrame } from './lib/client-frames.mjs';
import { endWindow, failAndExit, measureWindow, report } from './lib/measure-window.mjs';
import { binaryPayload, jsonLikePayload } from './lib/payloads.mjs';
import { processCpuMicros } from './lib/process-cpu.mjs';
import { openTcp, openWebSocket } from './lib/raw-handshake.mjs';
import { ServerFrameCounter } from './lib/server-frame-counter.mjs';

/** Offered for the compressed scenarios; each frame is compressed on its own (RFC 7692 §7.1.1.1). */
const DEFLATE_OFFER = 'permessage-deflate; client_no_context_takeover';
/** What Chrome and Firefox offer: context takeover both ways, any client window the server picks. */
const BROWSER_DEFLATE_OFFER = 'permessage-deflate; client_max_window_bits';
/** Broadcast ring of per-message delivery counts; must exceed any window used. */
const BROADCAST_RING = 1024;

const config = JSON.parse(process.argv[2] ?? '{}');
// reads: 'data' events carrying server bytes, so messages / reads is the batch the server sends per write;
// wireBytes: the bytes of those events, so wireBytes / bytes is the compression ratio with deflate.
const counters = { messages: 0, bytes: 0, reads: 0, wireBytes: 0 };
const readCounters = () => ({ ...counters, serverCpuMicros: serverCpuMicros() });
let sending = true;
const sockets = [];

try {
  if (config.mode === 'echo') await runEcho(config);
  else if (config.mode === 'broadcast') await runBroadcast(config);
  else if (config.mode === 'connect') await runConnect(config);
  else throw new Error(`unknown mode ${config.mode}`);
  for (const socket of sockets) socket.destroy();
  process.exit(0);
} catch (error) {
  failAndExit(error);
}

function serverCpuMicros() {
  return config.serverPid ? processCpuMicros(config.serverPid) : 0;
}

async function runEcho({ port, protocol, connections, size, window, text = false, deflate = false, warmupMs, durationMs }) {
  const payload = text ? jsonLikePayload(size) : binaryPayload(size);
  const body = deflate ? compressMessage(payload) : payload;
  const frame = buildMaskedFrame(body, { opcode: text ? OPCODE_TEXT : OPCODE_BINARY, compressed: deflate });
  const batch = repeatFrame(frame, window);
  const opened = await openAll(connections, 64, () => open(port, protocol, { extensions: deflate ? DEFLATE_OFFER : undefined }));
  if (deflate && !opened.every((c) => c.extensions.includes('permessage-deflate'))) {
    throw new Error('server did not accept permessage-deflate');
  }
  for (const connection of opened) {
    const onMessages = (count) => {
      counters.messages += count;
      counters.bytes += count * size;
      if (sending) connection.socket.write(batch.subarray(0, count * frame.length));
    };
    if (protocol === 'raw') countRawEchoes(connection.socket, frame.length, onMessages);
    else countMessages(connection, onMessages, deflate ? undefined : size);
    connection.socket.write(batch);
  }
  const result = await measureWindow({ warmupMs, durationMs, readCounters });
  sending = false;
  await endWindow(result);
}

async function runBroadcast({ port, clients, size, window, warmupMs, durationMs }) {
  if (window >= BROADCAST_RING) throw new Error(`window must stay below ${BROADCAST_RING}`);
  // Receivers on /receive: an echo path for ws and ws6455, the subscribed one for uWS.
  const receivers = await openAll(clients, 64, () => open(port, 'ws', { path: '/receive' }));
  const publisher = await open(port, 'ws', { path: '/publish' });
  // Give the server a moment to register the last receivers before the first message.
  await sleep(100);
  const frame = buildMaskedFrame(binaryPayload(size));
  const deliveredCounts = new Uint32Array(BROADCAST_RING);
  for (const receiver of receivers) {
    let received = 0;
    const onDeliveries = (count) => {
      counters.bytes += count * size;
      for (let i = 0; i < count; i++) {
        const slot = received++ % BROADCAST_RING;
        counters.messages++;
        if (++deliveredCounts[slot] < clients) continue;
        deliveredCounts[slot] = 0;
        if (sending) publisher.socket.write(frame);
      }
    };
    countMessages(receiver, onDeliveries, size);
  }
  countMessages(publisher, () => failAndExit(new Error('the publisher received its own broadcast')));
  publisher.socket.write(repeatFrame(frame, window));
  const result = await measureWindow({ warmupMs, durationMs, readCounters });
  sending = false;
  await endWindow(result);
}

async function runConnect({ port, protocol, connections, concurrency, deflate = false, exchangeSize = 0 }) {
  const cpuBefore = serverCpuMicros();
  const startedAt = process.hrtime.bigint();
  report({ type: 'mark', name: 'start' });
  const extensions = deflate ? BROWSER_DEFLATE_OFFER : undefined;
  const opened = await openAll(connections, concurrency, () => open(port, protocol, { extensions }));
  const elapsedMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const serverCpu = serverCpuMicros() - cpuBefore;
  if (deflate && !opened.every((c) => c.extensions.includes('permessage-deflate'))) {
    throw new Error('server did not accept permessage-deflate');
  }
  if (exchangeSize > 0) await exchangeOneMessage(opened, exchangeSize);
  else for (const connection of opened) countMessages(connection, () => {});
  await endWindow({ elapsedMs, handshakes: opened.length, serverCpuMicros: serverCpu });
}

/**
 * Every connection sends one compressed JSON text message and waits for its echo, so the server
 * has inflated and deflated once on each connection (its zlib contexts now exist).
 */
async function exchangeOneMessage(opened, size) {
  const payload = jsonLikePayload(size);
  const frames = new Map();
  const frameFor = (extensions) => {
    const windowBits = negotiatedClientWindowBits(extensions);
    if (!frames.has(windowBits)) {
      const body = compressMessage(payload, windowBits);
      frames.set(windowBits, buildMaskedFrame(body, { opcode: OPCODE_TEXT, compressed: true }));
    }
    return frames.get(windowBits);
  };
  await Promise.all(
    opened.map(
      (connection) =>
        new Promise((resolve) => {
          let echoed = false;
          countMessages(connection, () => {
            if (!echoed) resolve((echoed = true));
          });
          connection.socket.write(frameFor(connection.extensions));
        }),
    ),
  );
}

/** The client_max_window_bits the server chose (RFC 7692 §7.1.2.2); 15 when it chose none. */
function negotiatedClientWindowBits(extensions) {
  const match = /client_max_window_bits\s*=\s*"?(\d+)/.exec(extensions);
  return match ? Number(match[1]) : 15;
}

async function open(port, protocol, options) {
  const connection =
    protocol === 'raw' ? { socket: await openTcp(port), leftover: Buffer.alloc(0), extensions: '' } : await openWebSocket(port, options);
  sockets.push(connection.socket);
  connection.socket.on('error', (error) => {
    if (sending) failAndExit(error);
  });
  return connection;
}

/** Run `openOne` `total` times with at most `concurrency` in flight; keeps the order. */
async function openAll(total, concurrency, openOne) {
  const results = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await openOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** Count the server's messages; with expectedLength, a message of another length fails the run. */
function countMessages({ socket, leftover }, onMessages, expectedLength) {
  const counter = new ServerFrameCounter({ expectedLength });
  const onChunk = (chunk) => {
    counters.reads++;
    counters.wireBytes += chunk.length;
    const count = counter.push(chunk);
    if (counter.closed && sending) {
      failAndExit(new Error(`server closed the connection: ${counter.closed.code} ${counter.closed.reason}`));
    }
    if (counter.wrongLength) {
      failAndExit(new Error(`server sent a ${counter.wrongLength.length}-byte message, expected ${expectedLength}`));
    }
    if (count > 0) onMessages(count);
  };
  socket.on('data', onChunk);
  socket.on('end', () => {
    if (sending) failAndExit(new Error('server ended the connection during the run'));
  });
  if (leftover.length > 0) onChunk(leftover);
}

function countRawEchoes(socket, frameLength, onMessages) {
  let received = 0;
  let completed = 0;
  socket.on('data', (chunk) => {
    counters.reads++;
    received += chunk.length;
    const total = Math.floor(received / frameLength);
    if (total > completed) {
      const count = total - completed;
      completed = total;
      onMessages(count);
    }
  });
}
