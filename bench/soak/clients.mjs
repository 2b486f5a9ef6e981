// The soak test's load process: holds its share of the steady connections (one message every
// few seconds each, every echo checked), runs short-lived connections for churn, makes some
// connections vanish without a FIN (the socket stops reading and writing), and records what each
// connection received when the server shuts down. Driven over IPC by bench/soak/run.mjs.
import { WebSocket } from '../../dist/esm/index.js';

const url = process.env.SOAK_URL;
const steady = new Map(); // id -> { ws, timer, sent, echoed }
let echoMismatches = 0;
let errors = 0;
const closeCodes = new Map(); // code -> count
const lastStreamed = {}; // id -> highest streamed number received
/** Connections that stopped reading (they still send), until 'dropStarved' terminates them. */
const starved = new Map();
/** Round-trip times (ms) of steady echoes since the last 'latency' command. */
let roundTrips = [];
const MAX_SAMPLES = 200_000;

function connect(id) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/?id=${id}`, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', (error) => {
      errors++;
      reject(error);
    });
  });
}

async function openSteady(ids, everyMs) {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      const ws = await connect(id);
      const entry = { ws, timer: null, sent: 0, echoed: 0, sentAt: [] };
      ws.on('error', () => errors++);
      ws.on('message', (data) => {
        if (data.length === 8 && data.readUInt32BE(0) === 0x50a50a50) {
          lastStreamed[id] = data.readUInt32BE(4);
          return;
        }
        if (String(data) === `steady ${id} ${entry.echoed}`) {
          const sentAt = entry.sentAt.shift();
          if (sentAt !== undefined && roundTrips.length < MAX_SAMPLES) roundTrips.push(performance.now() - sentAt);
          entry.echoed++;
        } else echoMismatches++;
      });
      ws.on('close', (code) => {
        clearInterval(entry.timer);
        closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
      });
      // Spread the sends over the interval so the load is steady, not in bursts.
      setTimeout(() => {
        entry.timer = setInterval(() => {
          if (ws.readyState !== ws.OPEN) return;
          entry.sentAt.push(performance.now());
          ws.send(`steady ${id} ${entry.sent++}`);
        }, everyMs);
      }, Math.random() * everyMs);
      steady.set(id, entry);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

/** `count` connections that each open, exchange one message and close, `parallel` at a time. */
async function churn(count, parallel, prefix) {
  let started = 0;
  let completed = 0;
  const worker = async () => {
    while (started < count) {
      const id = `${prefix}-${started++}`;
      const ws = await connect(id);
      await new Promise((resolve) => {
        ws.once('message', resolve);
        ws.send('churn');
      });
      await new Promise((resolve) => {
        ws.once('close', resolve);
        ws.close(1000);
      });
      completed++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return completed;
}

/** Simulate hosts that disappear: stop sending and reading, no FIN, no RST. */
function vanish(count) {
  let done = 0;
  for (const [id, entry] of steady) {
    if (done === count) break;
    if (entry.ws.readyState !== 1) continue;
    clearInterval(entry.timer);
    entry.ws._socket.pause();
    entry.ws.removeAllListeners('ping');
    steady.delete(id);
    done++;
  }
  return done;
}

/**
 * Slow consumers: connections that stop reading but keep sending their steady messages, so that
 * the server's echoes pile up for them. Returns how many.
 */
function starve(count) {
  let done = 0;
  for (const [id, entry] of steady) {
    if (done === count) break;
    if (entry.ws.readyState !== 1) continue;
    entry.ws._socket.pause();
    entry.ws.on('error', () => {});
    steady.delete(id);
    starved.set(id, entry);
    done++;
  }
  return done;
}

function percentile(sorted, fraction) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

/** Echo round-trip percentiles since the last call, then start afresh. */
function latency() {
  const sorted = roundTrips.sort((a, b) => a - b);
  roundTrips = [];
  return { samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0 };
}

function summary() {
  let sent = 0;
  let echoed = 0;
  for (const entry of steady.values()) {
    sent += entry.sent;
    echoed += entry.echoed;
  }
  return { sent, echoed, echoMismatches, errors, open: [...steady.values()].filter((entry) => entry.ws.readyState === 1).length, closeCodes: Object.fromEntries(closeCodes) };
}

process.on('message', async (command) => {
  try {
    switch (command.type) {
      case 'open':
        await openSteady(command.ids, command.everyMs);
        process.send({ type: 'opened', summary: summary() });
        break;
      case 'churn': {
        const completed = await churn(command.count, command.parallel, command.prefix);
        process.send({ type: 'churned', completed, summary: summary() });
        break;
      }
      case 'vanish':
        process.send({ type: 'vanished', count: vanish(command.count) });
        break;
      case 'starve':
        process.send({ type: 'starved', count: starve(command.count) });
        break;
      case 'dropStarved':
        for (const entry of starved.values()) {
          clearInterval(entry.timer);
          entry.ws.terminate();
        }
        starved.clear();
        process.send({ type: 'droppedStarved' });
        break;
      case 'latency':
        process.send({ type: 'latency', latency: latency() });
        break;
      case 'summary':
        process.send({ type: 'summary', summary: summary(), lastStreamed });
        break;
      case 'closeAll':
        for (const entry of steady.values()) entry.ws.close(1000);
        await new Promise((resolve) => {
          const check = setInterval(() => {
            if ([...steady.values()].every((entry) => entry.ws.readyState === 3)) {
              clearInterval(check);
              resolve();
            }
          }, 50);
        });
        process.send({ type: 'allClosed', summary: summary() });
        // Later phases count only the connections they open.
        steady.clear();
        break;
      case 'exit':
        process.exit(0);
    }
  } catch (error) {
    process.send({ type: 'failed', message: String(error?.stack ?? error) });
  }
});
process.send({ type: 'ready' });
