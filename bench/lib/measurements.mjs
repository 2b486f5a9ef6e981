// One run of one scenario against one implementation, turned into metric values.
// The load process reads the server's CPU time from /proc at the instants it snapshots its own
// counters, so every per-message figure is server CPU divided by messages in the same window.
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad, startServer } from './children.mjs';

const MiB = 1024 * 1024;
/** Headroom over warmup + duration for connecting, finishing and process start-up. */
const LOAD_TIMEOUT_SLACK_MS = 60_000;
/** How long to wait for the server to register every idle connection before reading memory. */
const SETTLE_ATTEMPTS = 50;
const SETTLE_INTERVAL_MS = 100;

function loadTimeout(timing) {
  return timing.warmupMs + timing.durationMs + LOAD_TIMEOUT_SLACK_MS;
}

/** Echo through the neutral load generator; `implementation.protocol` is 'ws' or 'raw'. */
export async function measureEcho(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result } = await runLoad(
    'loadgen.mjs',
    { mode: 'echo', port: server.port, serverPid: server.pid, protocol: implementation.protocol, ...scenario.load, ...timing },
    { timeoutMs: loadTimeout(timing) },
  );
  const metrics = throughputMetrics(result, 'messagesPerSec', 'serverCpuPerMessage');
  return scenario.load.deflate ? { ...metrics, wireRatio: result.wireBytes / result.bytes } : metrics;
}

/** One publisher, many receivers; a delivery is one message arriving at one receiver. */
export async function measureBroadcast(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result } = await runLoad(
    'loadgen.mjs',
    { mode: 'broadcast', port: server.port, serverPid: server.pid, ...scenario.load, ...timing },
    { timeoutMs: loadTimeout(timing) },
  );
  const { mibPerSec, ...metrics } = throughputMetrics(result, 'deliveriesPerSec', 'serverCpuPerDelivery');
  return metrics;
}

/** The library's own client against the reference server; the client's CPU is the figure. */
export async function measureClient(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result } = await runLoad(
    'clients/echo-client.mjs',
    { library: implementation.client, port: server.port, serverPid: server.pid, ...scenario.load, ...timing },
    { env: implementation.env, timeoutMs: loadTimeout(timing) },
  );
  const { mibPerSec, ...metrics } = throughputMetrics(result, 'messagesPerSec', 'serverCpuPerMessage');
  return { ...metrics, clientCpuPerMessage: result.clientCpuMicros / result.messages };
}

/**
 * Connections held open on a fresh server so the memory delta is theirs alone: memory after GC
 * before and after opening them (and, for the deflate scenarios, after one message each way),
 * handshake rate and server CPU per handshake while opening.
 */
export async function measureIdle(implementation, scenario) {
  const server = await startServer(implementation.server, scenario.serverOptions ?? {}, implementation.env);
  try {
    const before = await server.request('memory');
    const { result, atEnd: after } = await runLoad(
      'loadgen.mjs',
      { mode: 'connect', port: server.port, serverPid: server.pid, protocol: implementation.protocol, ...scenario.load },
      { onEnd: () => memoryOnceSettled(server, scenario.load.connections), timeoutMs: 2 * LOAD_TIMEOUT_SLACK_MS },
    );
    const connections = result.handshakes;
    return {
      handshakesPerSec: connections / (result.elapsedMs / 1000),
      serverCpuPerHandshake: result.serverCpuMicros / connections,
      rssPerConnection: (after.memory.rss - before.memory.rss) / connections,
      heapPerConnection: (after.memory.heapUsed - before.memory.heapUsed) / connections,
      externalPerConnection: (after.memory.external - before.memory.external) / connections,
    };
  } finally {
    await server.stop();
  }
}

async function memoryOnceSettled(server, connections) {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    const reply = await server.request('memory');
    if (reply.connections >= connections) return reply;
    await sleep(SETTLE_INTERVAL_MS);
  }
  throw new Error(`server registered fewer than ${connections} connections`);
}

function throughputMetrics(result, rateName, cpuName) {
  if (result.messages === 0) throw new Error('no message completed in the measuring window');
  const seconds = result.elapsedMs / 1000;
  return {
    [rateName]: result.messages / seconds,
    mibPerSec: result.bytes / MiB / seconds,
    [cpuName]: result.serverCpuMicros / result.messages,
  };
}
