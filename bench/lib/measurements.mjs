// One run of one scenario against one implementation, turned into metric values.
// The server's CPU is sampled at the load process's marks, so every per-message figure is
// server CPU time divided by the messages the load generator counted in the same window.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMicros, runLoad, startServer } from './children.mjs';

const MiB = 1024 * 1024;
/** Headroom over warmup + duration for connecting, finishing and process start-up. */
const LOAD_TIMEOUT_SLACK_MS = 60_000;
/** How long to wait for the server to register every idle connection before reading memory. */
const SETTLE_ATTEMPTS = 50;
const SETTLE_INTERVAL_MS = 100;

function sampleCpuAround(server) {
  return { onStart: () => server.request('cpu'), onEnd: () => server.request('cpu') };
}

/** Echo through the neutral load generator; `implementation.protocol` is 'ws' or 'raw'. */
export async function measureEcho(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result, start, end } = await runLoad(
    'loadgen.mjs',
    { mode: 'echo', port: server.port, protocol: implementation.protocol, ...scenario.load, ...timing },
    { ...sampleCpuAround(server), timeoutMs: timing.warmupMs + timing.durationMs + LOAD_TIMEOUT_SLACK_MS },
  );
  return throughputMetrics(result, cpuMicros(start, end), 'messagesPerSec', 'serverCpuPerMessage');
}

/** One publisher, many receivers; a delivery is one message arriving at one receiver. */
export async function measureBroadcast(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result, start, end } = await runLoad(
    'loadgen.mjs',
    { mode: 'broadcast', port: server.port, ...scenario.load, ...timing },
    { ...sampleCpuAround(server), timeoutMs: timing.warmupMs + timing.durationMs + LOAD_TIMEOUT_SLACK_MS },
  );
  const metrics = throughputMetrics(result, cpuMicros(start, end), 'deliveriesPerSec', 'serverCpuPerDelivery');
  delete metrics.mibPerSec;
  return metrics;
}

/** The library's own client against the reference server; the client's CPU is the figure. */
export async function measureClient(server, implementation, scenario, timing) {
  await server.request('gc');
  const { result, start, end } = await runLoad(
    'clients/echo-client.mjs',
    { library: implementation.client, port: server.port, ...scenario.load, ...timing },
    {
      ...sampleCpuAround(server),
      env: implementation.env,
      timeoutMs: timing.warmupMs + timing.durationMs + LOAD_TIMEOUT_SLACK_MS,
    },
  );
  const metrics = throughputMetrics(result, cpuMicros(start, end), 'messagesPerSec', 'serverCpuPerMessage');
  delete metrics.mibPerSec;
  metrics.clientCpuPerMessage = result.clientCpuMicros / result.messages;
  return metrics;
}

/**
 * Idle connections, on a fresh server so the memory delta is theirs alone: memory after GC
 * before and after opening them, handshake rate and server CPU per handshake while opening.
 */
export async function measureIdle(implementation, scenario) {
  const server = await startServer(implementation.server, {}, implementation.env);
  try {
    const before = await server.request('memory');
    let after;
    const { result, start, end } = await runLoad(
      'loadgen.mjs',
      { mode: 'connect', port: server.port, protocol: implementation.protocol, ...scenario.load },
      {
        onStart: () => server.request('cpu'),
        onEnd: async () => {
          const cpu = await server.request('cpu');
          after = await memoryOnceSettled(server, scenario.load.connections);
          return cpu;
        },
        timeoutMs: LOAD_TIMEOUT_SLACK_MS * 2,
      },
    );
    const connections = result.handshakes;
    return {
      handshakesPerSec: connections / (result.elapsedMs / 1000),
      serverCpuPerHandshake: cpuMicros(start, end) / connections,
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

function throughputMetrics(result, serverCpu, rateName, cpuName) {
  if (result.messages === 0) throw new Error('no message completed in the measuring window');
  const seconds = result.elapsedMs / 1000;
  return {
    [rateName]: result.messages / seconds,
    mibPerSec: result.bytes / MiB / seconds,
    [cpuName]: serverCpu / result.messages,
  };
}
