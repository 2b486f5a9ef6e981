#!/usr/bin/env node
// Summarizes an Autobahn report: `node autobahn/summarize.mjs <reports dir | index.json>`.
// index.json is { agent: { caseId: { behavior, behaviorClose, duration, remoteCloseCode, reportfile } } }.
// Prints, per agent, how many cases ended in each behavior and the ids of every case that is not
// OK or INFORMATIONAL; exits 1 when any case is FAILED, NON-STRICT or UNIMPLEMENTED.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BEHAVIORS = ['OK', 'NON-STRICT', 'INFORMATIONAL', 'UNIMPLEMENTED', 'FAILED'];
/** Worse outcomes rank higher; a case counts as the worse of its two verdicts. */
const RANK = { OK: 0, INFORMATIONAL: 1, 'NON-STRICT': 2, UNIMPLEMENTED: 3, FAILED: 4 };

/** behaviorClose uses more names (WRONG CODE, UNCLEAN, FAILED BY CLIENT): all of them are failures. */
function normalize(behavior) {
  return behavior in RANK ? behavior : 'FAILED';
}

export function caseOutcome(result) {
  const main = normalize(result.behavior);
  const close = normalize(result.behaviorClose ?? 'OK');
  return RANK[close] > RANK[main] ? close : main;
}

function compareCaseIds(a, b) {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

export function summarize(index) {
  return Object.entries(index).map(([agent, cases]) => {
    const counts = Object.fromEntries(BEHAVIORS.map((behavior) => [behavior, 0]));
    const notOk = [];
    for (const id of Object.keys(cases).sort(compareCaseIds)) {
      const result = cases[id];
      const outcome = caseOutcome(result);
      counts[outcome] += 1;
      if (outcome !== 'OK' && outcome !== 'INFORMATIONAL') {
        notOk.push({ id, outcome, behavior: result.behavior, behaviorClose: result.behaviorClose, remoteCloseCode: result.remoteCloseCode });
      }
    }
    return { agent, total: Object.keys(cases).length, counts, notOk };
  });
}

function readIndex(target) {
  const file = existsSync(target) && statSync(target).isDirectory() ? join(target, 'index.json') : target;
  if (!existsSync(file)) throw new Error(`no Autobahn index at ${file}`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node autobahn/summarize.mjs <reports dir | index.json>');
    return 2;
  }
  const summaries = summarize(readIndex(argv[0]));
  let failing = false;
  for (const { agent, total, counts, notOk } of summaries) {
    console.log(`${agent}: ${total} cases`);
    for (const behavior of BEHAVIORS) console.log(`  ${behavior.padEnd(14)}${counts[behavior]}`);
    for (const item of notOk) {
      console.log(`  ${item.outcome}: ${item.id} (behavior ${item.behavior}, close ${item.behaviorClose}, remote code ${item.remoteCloseCode ?? 'none'})`);
    }
    failing ||= notOk.length > 0;
  }
  return failing ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exitCode = 2;
  }
}
