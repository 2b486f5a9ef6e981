// Writes the README's benchmark section from one run's JSON: the command, the machine, the
// tables of medians with their ratio to ws + addons, the chart and the issues' aims.
//   node bench/readme-section.mjs [results.json] [output.md]
// Defaults: bench/results/local/latest.json (the last run), printed to stdout. The method comes verbatim from the
// "How it measures" part of bench/README-figures.md, so it is written in one place only.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkAims } from './lib/aims.mjs';
import { formatNumber, markdownReport } from './lib/report.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const [resultsPath = `${BENCH_DIR}results/local/latest.json`, outputPath] = process.argv.slice(2);
const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
const section = [
  '## Benchmarks',
  '',
  commandsBlock(),
  '',
  methodSection(),
  '',
  `### Figures (${results.mode} run, ${results.date.slice(0, 10)})`,
  '',
  machineLine(),
  '',
  '![benchmarks](bench/results/latest.svg)',
  '',
  markdownReport(results),
  '',
  '### Aims',
  '',
  aimsTable(),
  '',
].join('\n');
if (outputPath) writeFileSync(outputPath, section);
else process.stdout.write(section);

function commandsBlock() {
  const mode = results.mode === 'full' ? 'npm run bench -- --full' : 'npm run bench';
  return [
    'These figures come from:',
    '',
    '```sh',
    `${mode.padEnd(27)}# writes bench/results/local/<date>.json, latest.{json,md,svg}`,
    `${'npm run bench'.padEnd(27)}# quick subset, under a minute on 2 cores`,
    'node bench/readme-section.mjs bench/results/local/latest.json   # this section, from a run',
    '```',
  ].join('\n');
}

function methodSection() {
  // The method text lived in bench/README-figures.md, since folded into the README: optional.
  if (!existsSync(`${BENCH_DIR}README-figures.md`)) return '';
  const text = readFileSync(`${BENCH_DIR}README-figures.md`, 'utf8');
  const start = text.indexOf('### How it measures');
  const end = text.indexOf('\n### ', start + 1);
  return text.slice(start, end === -1 ? undefined : end).trim();
}

function machineLine() {
  const m = results.machine;
  const { warmupMs, durationMs } = results.timing;
  return [
    `Machine: ${m.cores} cores (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB RAM, ${m.platform}, Node ${m.node};`,
    `run started ${results.date.replace('T', ' ').replace(/\..*/, '')} UTC. Medians of ${results.repeats} runs of`,
    `${durationMs / 1000} s after ${warmupMs / 1000} s of warm-up (min–max in \`bench/results/latest.json\`);`,
    'in parentheses the ratio to ws + addons.',
  ].join('\n');
}

function aimsTable() {
  const lines = ['| issue | aim | measured (ws6455 / ws + addons, or / the one named) | met |', '|---|---|---|:---:|'];
  for (const aim of checkAims(results)) {
    const measured = aim.measured
      .map((m) => `${m.title}: ${m.ratio === null ? 'not measured' : `${formatNumber(m.ratio)}×`}`)
      .join('; ');
    const against = aim.against ? ` (vs ${results.scenarios.find((s) => s.implementations[aim.against])?.implementations[aim.against].label})` : '';
    const met = aim.met === null ? 'not measured' : aim.met ? 'yes' : 'no';
    lines.push(`| ${aim.issue} | ${aim.text} | ${measured || 'not measured'}${against} | ${met} |`);
  }
  return lines.join('\n');
}
