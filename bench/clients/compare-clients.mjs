// Clients side by side against one ws + addons echo server, alternating run by run so that the
// machine's load hits all alike: ws6455 builds, ws (+ addons, or pure JS) and the floor client
// (floor-client.mjs: a bare net.Socket, no WebSocket work). Prints client CPU per message for
// every run and the medians. The runner (run.mjs) has no floor column; this is where it is read.
//   node bench/clients/compare-clients.mjs --size=65536 --rounds=5 --variants=floor,dist,ws
// Variants: `dist` (./dist), a path to another build's dist folder, `ws`, `wsjs`, `floor`.
// Options: --connections=1 --duration=1500 (ms measured after 300 ms of warm-up).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../lib/children.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
const size = Number(args.size ?? 65536);
const connections = Number(args.connections ?? 1);
const rounds = Number(args.rounds ?? 5);
const durationMs = Number(args.duration ?? 1500);
const window = size >= 1024 * 1024 ? 2 : 16;
const variants = (args.variants ?? 'floor,dist,ws').split(',');

const server = await startServer('servers/ws.mjs', {}, {});
const samples = new Map(variants.map((variant) => [variant, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const result = runClient(variant);
      const perMessage = result.clientCpuMicros / result.messages;
      samples.get(variant).push(perMessage);
      console.log(`${variant}: ${result.messages} msgs, client ${perMessage.toFixed(1)} µs/msg, server ${(result.serverCpuMicros / result.messages).toFixed(1)}`);
    }
  }
} finally {
  await server.stop();
}
for (const [variant, list] of samples) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(`${variant}: median ${sorted[sorted.length >> 1].toFixed(1)} µs/msg (${sorted[0].toFixed(1)}-${sorted.at(-1).toFixed(1)})`);
}

/** One run in its own process; its measuring window's counters (measure-window.mjs prints them without IPC). */
function runClient(variant) {
  const env = { ...process.env };
  let script = 'echo-client.mjs';
  let library = 'ws6455';
  if (variant === 'floor') script = 'floor-client.mjs';
  else if (variant === 'ws' || variant === 'wsjs') library = 'ws';
  else if (variant !== 'dist') env.WS6455_DIST = resolve(variant);
  if (variant === 'wsjs') Object.assign(env, { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' });
  const config = { library, port: server.port, serverPid: server.pid, connections, size, window, warmupMs: 300, durationMs };
  const child = spawnSync(process.execPath, [here + script, JSON.stringify(config)], { env, encoding: 'utf8', timeout: durationMs + 60_000 });
  for (const line of child.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.name === 'end') return message.result;
  }
  throw new Error(`${variant}: no result (exit ${child.status}): ${child.stderr.slice(-500)}`);
}
