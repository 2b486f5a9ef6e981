// Benchmark runner: ws6455 side by side with ws (pure JS and with its native addons) and a bare
// TCP echo as the ceiling. `npm run bench` is the quick subset (about a minute);
// `npm run bench -- --full` runs everything. Other flags:
//   --only=<text>    run only scenarios whose id contains <text> (e.g. --only=echo-16B)
//   --repeats=<n>    override the number of repeats;  --duration=<ms>  the measuring window
//   --build          rebuild dist/ first even if it exists
//   --parser         also run the parser micro-benchmark in quick mode (always in --full)
//   --no-uws         leave uWebSockets.js out (else installed on demand into bench/.uws/)
// Env BENCH_BASELINE_DIST=<dist folder of another build> adds that build as a column beside ws6455.
// Results: bench/results/local/ (git-ignored): <date>.json, latest.json, latest.md (README tables)
// and latest.svg. The published run is the committed bench/results/latest.* (copied by hand).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS, REFERENCE, UWS } from './implementations.mjs';
import { startServer } from './lib/children.mjs';
import { describeMachine, openFilesLimit } from './lib/machine.mjs';
import { measureBroadcast, measureClient, measureEcho, measureIdle } from './lib/measurements.mjs';
import { runParserBenchmark } from './lib/parser-benchmark.mjs';
import { consoleReport, markdownReport } from './lib/report.mjs';
import { ratioToReference, summarize } from './lib/stats.mjs';
import { renderChart } from './lib/svg-chart.mjs';
import { prepareUws } from './lib/uws.mjs';
import { metric, FULL, QUICK } from './scenarios.mjs';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('results/local/', import.meta.url));
/** File descriptors a process needs beyond its connections (stdio, IPC, listener, node itself). */
const SPARE_FILE_DESCRIPTORS = 200;

const args = parseArguments(process.argv.slice(2));
process.chdir(REPO_ROOT);
const plan = args.full ? FULL : QUICK;
const timing = { warmupMs: plan.warmupMs, durationMs: args.duration ?? plan.durationMs };
const repeats = args.repeats ?? plan.repeats;
const available = availableImplementations(args.build);
const scenarios = plan.scenarios.filter((scenario) => !args.only || scenario.id.includes(args.only)).map(fitToFileLimit);
const progress = createProgress(scenarios.reduce((sum, s) => sum + runnable(s).length * repeatsOf(s), 0));

const results = {
  date: new Date().toISOString(),
  mode: args.full ? 'full' : 'quick',
  machine: describeMachine(),
  timing,
  repeats,
  reference: REFERENCE,
  notes: available.notes,
  scenarios: [],
};
const serverPool = new Map();
try {
  for (const scenario of scenarios) results.scenarios.push(await runScenario(scenario));
} finally {
  await Promise.all([...serverPool.values()].map((pending) => pending.then((server) => server.stop(), () => {})));
}
progress.done();
if ((args.full || args.parser) && !args.only) results.parser = runParserBenchmark();
writeResults(results);
console.log(consoleReport(results));
for (const note of results.notes) console.log(`note: ${note}`);
if (results.parser) console.log(`\nparser micro-benchmark (bench/parser.mjs):\n${results.parser.output ?? results.parser.error ?? results.parser.skipped}`);

function parseArguments(argv) {
  const parsed = { full: false, build: false, parser: false, uws: true };
  for (const arg of argv) {
    const [flag, value] = arg.split('=');
    if (flag === '--full') parsed.full = true;
    else if (flag === '--build') parsed.build = true;
    else if (flag === '--parser') parsed.parser = true;
    else if (flag === '--no-uws') parsed.uws = false;
    else if (flag === '--only') parsed.only = value;
    else if (flag === '--repeats') parsed.repeats = positiveInteger(flag, value);
    else if (flag === '--duration') parsed.duration = positiveInteger(flag, value);
    else throw new Error(`unknown argument ${arg}`);
  }
  return parsed;
}

function positiveInteger(flag, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} needs a positive integer`);
  return number;
}

/** ws6455 runs from dist/; build it when missing (or asked), leave it out if that fails. */
function availableImplementations(forceBuild) {
  const notes = [];
  const names = new Set(Object.keys(IMPLEMENTATIONS));
  if (forceBuild || !existsSync('dist/esm/index.js')) {
    try {
      if (!existsSync('src/index.ts')) throw new Error('src/index.ts does not exist yet');
      execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      notes.push(`ws6455 left out: build failed (${String(error.stderr ?? error.message).trim().slice(0, 300)})`);
    }
  }
  if (!existsSync('dist/esm/index.js')) names.delete('ws6455');
  const uwsProblem = args.uws ? prepareUws() : 'uWS left out: --no-uws';
  if (uwsProblem !== null) {
    names.delete(UWS);
    notes.push(uwsProblem);
    console.error(`note: ${uwsProblem}`);
  }
  return { names, notes };
}

/** --repeats wins; otherwise a scenario may run fewer repeats than the plan (quick idle runs once). */
function repeatsOf(scenario) {
  return args.repeats ?? scenario.repeats ?? repeats;
}

function runnable(scenario) {
  return scenario.implementations.filter((name) => available.names.has(name));
}

/** Both the server and the load generator hold one descriptor per connection. */
function fitToFileLimit(scenario) {
  const limit = openFilesLimit();
  const wanted = scenario.load.connections ?? scenario.load.clients;
  if (!limit || wanted + SPARE_FILE_DESCRIPTORS <= limit) return scenario;
  const connections = limit - SPARE_FILE_DESCRIPTORS;
  available.notes.push(`${scenario.id}: ulimit -n is ${limit}, so ${connections} connections instead of ${wanted}`);
  const field = scenario.load.connections ? 'connections' : 'clients';
  return { ...scenario, title: `${scenario.title} (capped at ${connections})`, load: { ...scenario.load, [field]: connections } };
}

/** Repeats alternate the implementations (A B C, A B C) so drift in machine load hits all alike. */
async function runScenario(scenario) {
  const names = runnable(scenario);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  const errors = Object.fromEntries(names.map((name) => [name, []]));
  const servers = await serversFor(scenario, names, errors);
  const total = repeatsOf(scenario);
  for (let repeat = 1; repeat <= total; repeat++) {
    for (const name of names) {
      progress.update(`${scenario.title} · ${IMPLEMENTATIONS[name].label} · run ${repeat}/${total}`);
      if (errors[name].length > 0 && !runs[name].length) continue;
      try {
        runs[name].push(await measureOnce(scenario, name, servers));
      } catch (error) {
        errors[name].push(error.message);
      }
    }
  }
  return summarizeScenario(scenario, names, runs, errors);
}

/**
 * Servers are shared by every scenario that needs the same implementation and options (a GC
 * runs before every measurement), which saves seconds of start-up per scenario on a busy machine.
 * Memory scenarios need a fresh process per run instead; client throughput uses the reference.
 */
async function serversFor(scenario, names, errors) {
  const servers = {};
  if (scenario.kind === 'idle' || scenario.kind === 'deflate-memory') return servers;
  const needed = scenario.kind === 'client' ? [REFERENCE] : names;
  const options = scenario.serverOptions ?? {};
  await Promise.all(
    needed.map(async (name) => {
      const key = `${name} ${JSON.stringify(options)}`;
      // A server that crashed in an earlier scenario is started afresh rather than timed out on.
      const pooled = await serverPool.get(key)?.catch(() => undefined);
      if (!pooled?.isRunning()) serverPool.set(key, startPooledServer(name, options));
      try {
        servers[name] = await serverPool.get(key);
      } catch (error) {
        errors[name].push(error.message);
      }
    }),
  );
  return servers;
}

async function startPooledServer(name, options) {
  const implementation = IMPLEMENTATIONS[name];
  const server = await startServer(implementation.server, options, implementation.env);
  if (name === REFERENCE) checkAddonsLoaded(server.info);
  return server;
}

function checkAddonsLoaded(info) {
  const addons = info.nativeAddons;
  if (addons && (!addons.bufferutil || !addons.utf8Validate)) {
    const note = `${REFERENCE} runs without some native addons: ${JSON.stringify(addons)}`;
    if (!available.notes.includes(note)) available.notes.push(note);
  }
}

function measureOnce(scenario, name, servers) {
  const implementation = IMPLEMENTATIONS[name];
  switch (scenario.kind) {
    case 'echo':
      return measureEcho(servers[name], implementation, scenario, timing);
    case 'broadcast':
      return measureBroadcast(servers[name], implementation, scenario, timing);
    case 'client':
      return measureClient(servers[REFERENCE], implementation, scenario, timing);
    case 'idle':
    case 'deflate-memory':
      return measureIdle(implementation, scenario);
    default:
      throw new Error(`unknown scenario kind ${scenario.kind}`);
  }
}

function summarizeScenario(scenario, names, runs, errors) {
  const metrics = scenario.metrics.map(metric);
  const implementations = {};
  for (const name of names) {
    const summary = {};
    for (const m of metrics) summary[m.key] = summarize(runs[name].map((run) => run[m.key]));
    implementations[name] = { label: IMPLEMENTATIONS[name].label, runs: runs[name], errors: errors[name], summary, ratios: {} };
  }
  for (const entry of Object.values(implementations)) {
    entry.ratiosToUws = {};
    for (const m of metrics) {
      entry.ratios[m.key] = ratioToReference(entry.summary[m.key], implementations[REFERENCE]?.summary[m.key]);
      entry.ratiosToUws[m.key] = ratioToReference(entry.summary[m.key], implementations[UWS]?.summary[m.key]);
    }
  }
  return { id: scenario.id, title: scenario.title, kind: scenario.kind, load: scenario.load, metrics, implementations };
}

function writeResults(finished) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(finished, null, 2)}\n`;
  const stamp = finished.date.replace(/:/g, '-').replace(/\..*/, '');
  writeFileSync(`${RESULTS_DIR}${stamp}.json`, json);
  writeFileSync(`${RESULTS_DIR}latest.json`, json);
  writeFileSync(`${RESULTS_DIR}latest.md`, `${markdownReport(finished)}\n`);
  writeFileSync(`${RESULTS_DIR}latest.svg`, renderChart(finished));
  console.log(`\nwrote bench/results/local/${stamp}.json, latest.json, latest.md, latest.svg`);
}

/** One self-overwriting progress line on a terminal, plain lines otherwise (CI logs). */
function createProgress(total) {
  let step = 0;
  const started = Date.now();
  const interactive = process.stderr.isTTY;
  return {
    update(text) {
      step++;
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const line = `[${step}/${total} ${seconds}s] ${text}`;
      if (interactive) process.stderr.write(`\r${line.slice(0, process.stderr.columns - 1).padEnd(process.stderr.columns - 1)}`);
      else process.stderr.write(`${line}\n`);
    },
    done() {
      if (interactive) process.stderr.write('\n');
    },
  };
}
