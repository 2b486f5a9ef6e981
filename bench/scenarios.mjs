// The scenarios and their metrics. Quick mode (npm run bench) is a subset that fits in about a
// minute on 2 cores; --full runs everything with longer windows and more repeats.

import { BASELINE, IMPLEMENTATIONS } from './implementations.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Frames in flight per connection. 16 keeps a pipeline full for small and medium messages;
 * 1 MiB messages get 2, which still overlaps send and echo without parking 16 MiB per socket.
 */
function echoWindow(size) {
  return size >= MiB ? 2 : 16;
}

/** better: which direction wins; kind: 'throughput' or 'cost' picks the chart panel. */
const METRICS = {
  messagesPerSec: { label: 'msgs/s', better: 'higher', kind: 'throughput' },
  mibPerSec: { label: 'MiB/s', better: 'higher' },
  serverCpuPerMessage: { label: 'server CPU µs/msg', better: 'lower', kind: 'cost' },
  deliveriesPerSec: { label: 'deliveries/s', better: 'higher', kind: 'throughput' },
  serverCpuPerDelivery: { label: 'server CPU µs/delivery', better: 'lower', kind: 'cost' },
  handshakesPerSec: { label: 'handshakes/s', better: 'higher', kind: 'throughput' },
  serverCpuPerHandshake: { label: 'server CPU µs/handshake', better: 'lower', kind: 'cost' },
  rssPerConnection: { label: 'RSS B/conn', better: 'lower', kind: 'cost' },
  heapPerConnection: { label: 'heap B/conn', better: 'lower', kind: 'cost' },
  // Off the chart: zero for plain sockets; with deflate it is zlib's memory, already inside RSS.
  externalPerConnection: { label: 'external B/conn', better: 'lower' },
  clientCpuPerMessage: { label: 'client CPU µs/msg', better: 'lower', kind: 'cost' },
  // Compressed echo: bytes on the wire (frames as the server sent them) over message bytes, so
  // CPU per message is compared at a known compression ratio. Off the chart.
  wireRatio: { label: 'wire/message bytes', better: 'lower' },
};

export function metric(key) {
  return { key, ...METRICS[key] };
}

// uWS is in every server scenario (the runner drops it where it cannot load); the baseline build,
// when one is given, runs right after ws6455.
const ALL_SERVERS = withBaseline(['ws6455', 'ws', 'ws+addons', 'uws', 'tcp']);
const WS_SERVERS = withBaseline(['ws6455', 'ws', 'ws+addons', 'uws']);
/** uWS.js has no client for Node: client throughput compares the two clients. */
const CLIENTS = withBaseline(['ws6455', 'ws', 'ws+addons']);

function withBaseline(names) {
  return IMPLEMENTATIONS[BASELINE] ? names.flatMap((name) => (name === 'ws6455' ? [name, BASELINE] : [name])) : names;
}

function sizeLabel(size) {
  return size >= MiB ? `${size / MiB} MiB` : size >= KiB ? `${size / KiB} KiB` : `${size} B`;
}

function connectionsLabel(connections) {
  return connections === 1 ? '1 conn' : `${connections} conns`;
}

/** Quick mode leaves out ws without its addons: the ratios are all against ws + addons anyway. */
const QUICK_SERVERS = withBaseline(['ws6455', 'ws+addons', 'uws', 'tcp']);
const QUICK_WS_SERVERS = withBaseline(['ws6455', 'ws+addons', 'uws']);

function echo(size, connections, implementations = ALL_SERVERS) {
  return {
    id: `echo-${sizeLabel(size).replace(' ', '')}-x${connections}`,
    title: `echo ${sizeLabel(size)}, ${connectionsLabel(connections)}`,
    kind: 'echo',
    implementations,
    load: { size, connections, window: echoWindow(size) },
    metrics: ['messagesPerSec', 'mibPerSec', 'serverCpuPerMessage'],
  };
}

function compressedEcho(size, connections) {
  return {
    id: `deflate-${sizeLabel(size).replace(' ', '')}-x${connections}`,
    title: `compressed echo ${sizeLabel(size)} JSON, ${connectionsLabel(connections)}`,
    kind: 'echo',
    implementations: WS_SERVERS,
    serverOptions: { perMessageDeflate: true },
    load: { size, connections, window: echoWindow(size), text: true, deflate: true },
    metrics: ['messagesPerSec', 'mibPerSec', 'serverCpuPerMessage', 'wireRatio'],
  };
}

function broadcast(clients, implementations = WS_SERVERS) {
  return {
    id: `broadcast-x${clients}`,
    title: `broadcast 128 B to ${clients} clients`,
    kind: 'broadcast',
    implementations,
    load: { clients, size: 128, window: 8 },
    metrics: ['deliveriesPerSec', 'serverCpuPerDelivery'],
  };
}

/** `repeats`, when given, replaces the plan's: memory per connection hardly moves between runs. */
function idle(connections, { implementations = ALL_SERVERS, repeats } = {}) {
  return {
    repeats,
    id: `idle-x${connections}`,
    title: `${connections} idle connections`,
    kind: 'idle',
    implementations,
    load: { connections, concurrency: 64 },
    // The runs also keep externalPerConnection (Buffers held per socket); it is zero for all four today.
    metrics: ['handshakesPerSec', 'serverCpuPerHandshake', 'rssPerConnection', 'heapPerConnection'],
  };
}

/**
 * Server memory per connection with permessage-deflate on. The load generator makes the offer
 * Chrome and Firefox send ('permessage-deflate; client_max_window_bits'), so both directions keep
 * their context (RFC 7692 §7.1.1); with `exchange`, every connection then sends one compressed
 * 1 KiB JSON message and waits for the compressed echo, so each side has an inflate and a deflate
 * context. Without it the connections stay idle right after the handshake.
 * With `windowBits`, both libraries compress with that window (ws6455 defaults to 13 bits, ws to
 * the negotiated maximum, 15): the same zlib settings on both sides.
 */
function deflateMemory(connections, exchange, { windowBits } = {}) {
  const same = windowBits ? `, both compressing with a ${windowBits}-bit window` : '';
  return {
    id: `deflate-memory-x${connections}${exchange ? '' : '-idle'}${windowBits ? `-w${windowBits}` : ''}`,
    title: `${connections} conns with deflate, ${exchange ? 'one 1 KiB message each way' : 'idle'}${same}`,
    kind: 'deflate-memory',
    implementations: WS_SERVERS,
    serverOptions: { perMessageDeflate: windowBits ? { zlibDeflateOptions: { windowBits } } : true },
    load: { connections, concurrency: 64, deflate: true, exchangeSize: exchange ? KiB : 0 },
    metrics: ['rssPerConnection', 'heapPerConnection', 'externalPerConnection'],
  };
}

function clientThroughput(size, connections) {
  return {
    id: `client-${sizeLabel(size).replace(' ', '')}-x${connections}`,
    title: `client echo ${sizeLabel(size)}, ${connectionsLabel(connections)} (server: ws + addons)`,
    kind: 'client',
    implementations: CLIENTS,
    load: { size, connections, window: echoWindow(size) },
    metrics: ['messagesPerSec', 'clientCpuPerMessage', 'serverCpuPerMessage'],
  };
}

/**
 * Must finish within a minute on a busy 2-core machine: three implementations, short windows, one
 * pass over 1,000 idle connections. Per run, spawning the load process and connecting add ~0.35 s.
 */
export const QUICK = {
  repeats: 2,
  warmupMs: 150,
  // Still hundreds of 64 KiB messages per window; CPU time is read with nanosecond resolution.
  durationMs: 500,
  scenarios: [
    ...[16, 64 * KiB].flatMap((size) => [echo(size, 1, QUICK_SERVERS), echo(size, 50, QUICK_SERVERS)]),
    broadcast(1000, QUICK_WS_SERVERS),
    idle(1000, { implementations: QUICK_SERVERS, repeats: 1 }),
  ],
};

export const FULL = {
  repeats: 3,
  warmupMs: 500,
  durationMs: 3000,
  scenarios: [
    ...[16, KiB, 64 * KiB, MiB].flatMap((size) => [echo(size, 1), echo(size, 50)]),
    broadcast(1000),
    idle(10_000),
    ...[16, 64 * KiB].flatMap((size) => [clientThroughput(size, 1), clientThroughput(size, 50)]),
    ...[KiB, 64 * KiB].flatMap((size) => [compressedEcho(size, 1), compressedEcho(size, 50)]),
    deflateMemory(1000, true),
    deflateMemory(1000, false),
    deflateMemory(1000, true, { windowBits: 15 }),
  ],
};
