// Where a server's (or the client's) CPU goes in one benchmark case: runs the case once with
// `node --cpu-prof` on the process under test and prints its self time by function, the way
// bench/PROFILE.md records it. The .cpuprofile stays in bench/results/local/profiles/ for a
// flame graph (Chrome DevTools, speedscope).
//   node bench/profile.mjs --impl=ws6455 --size=1024 --connections=1 [--duration=3000]
//   node bench/profile.mjs --impl=ws6455 --mode=connect --connections=5000
//   node bench/profile.mjs --impl=ws6455 --mode=client --size=65536     (ws6455's client vs ws + addons)
// WS6455_DIST=<dist folder> profiles another build, as in run.mjs.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS, REFERENCE } from './implementations.mjs';
import { runLoad, startServer } from './lib/children.mjs';

const PROFILE_DIR = fileURLToPath(new URL('results/local/profiles/', import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [flag, value = 'true'] = arg.replace(/^--/, '').split('=');
    return [flag, value];
  }),
);
const impl = args.impl ?? 'ws6455';
const mode = args.mode ?? 'echo';
const size = Number(args.size ?? 1024);
const connections = Number(args.connections ?? 1);
const durationMs = Number(args.duration ?? 3000);
const top = Number(args.top ?? 25);
const window = size >= 1024 * 1024 ? 2 : 16;

mkdirSync(PROFILE_DIR, { recursive: true });
const before = new Set(readdirSync(PROFILE_DIR));
const profileArgs = ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--cpu-prof-interval=50'];
const implementation = IMPLEMENTATIONS[impl];
const profiled = mode === 'client';
const serverImpl = profiled ? IMPLEMENTATIONS[REFERENCE] : implementation;
const server = await startServer(serverImpl.server, {}, serverImpl.env, profiled ? [] : profileArgs);
let result;
try {
  if (mode === 'client') {
    ({ result } = await runLoad(
      'clients/echo-client.mjs',
      { library: implementation.client, port: server.port, serverPid: server.pid, connections, size, window, warmupMs: 300, durationMs },
      { env: implementation.env, execArgv: profileArgs, timeoutMs: durationMs + 60_000 },
    ));
  } else {
    const load = mode === 'connect' ? { connections, concurrency: 64 } : { connections, size, window, warmupMs: 300, durationMs };
    ({ result } = await runLoad(
      'loadgen.mjs',
      { mode, port: server.port, serverPid: server.pid, protocol: implementation.protocol, ...load },
      { timeoutMs: durationMs + 60_000 },
    ));
  }
} finally {
  await server.finish();
}
const count = result.messages ?? result.handshakes;
const cpu = mode === 'client' ? result.clientCpuMicros : result.serverCpuMicros;
console.log(`${impl} ${mode} ${size} B x${connections}: ${count} ops, ${(cpu / count).toFixed(2)} µs CPU/op (${mode === 'client' ? 'client' : 'server'}, whole process)`);
const file = readdirSync(PROFILE_DIR).find((name) => !before.has(name) && name.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
printSelfTime(JSON.parse(readFileSync(PROFILE_DIR + file, 'utf8')));
console.log(`profile: bench/results/local/profiles/${file}`);

/** Self time per function (name, file:line), as a share of the sampled non-idle time. */
function printSelfTime(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  // Start-up (module loading, listening) is not the case: count from the first sample in the
  // library's or uWS's message path, i.e. once traffic flows.
  const inTraffic = (id) => /\/(protocol|transport)\/|clients\/|servers\/uws/.test(byNode.get(id).callFrame.url);
  let started = false;
  profile.samples.forEach((id, index) => {
    started ||= inTraffic(id);
    if (!started) return;
    const delta = profile.timeDeltas[index] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const byFunction = new Map();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byNode.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += micros;
    const where = frame.url ? ` ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  const categories = new Map();
  for (const [key, micros] of byFunction) categories.set(category(key), (categories.get(category(key)) ?? 0) + micros);
  const shares = [...categories].sort((a, b) => b[1] - a[1]).map(([name, micros]) => `${name} ${((100 * micros) / busy).toFixed(0)}%`);
  console.log(`by kind: ${shares.join(', ')}`);
  console.log(`self time, ${(busy / 1000).toFixed(0)} ms sampled outside idle:`);
  for (const [key, micros] of rows) console.log(`  ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${key}`);
}

/** Coarse kinds: the library's own code, Node's JS internals, native calls (syscalls), GC. */
function category(key) {
  if (key.startsWith('(garbage collector)')) return 'GC';
  if (key.startsWith('(program)')) return 'V8/native (program)';
  if (/ (protocol|transport|server|handshake|esm|cjs|servers|clients)\//.test(key) && !key.includes('node:')) return 'library JS';
  if (key.includes(' node:')) return 'Node internals JS';
  if (!key.includes(' ')) return 'native calls (syscalls, bindings)';
  return 'other JS';
}
