// The Autobahn case groups this suite plays, and a runner that plays a group's cases concurrently
// (they are independent connections) and keeps each verdict for its own named test.
import type { ConformanceCase } from './cases/case.js';
import { closeGroup } from './cases/close.js';
import { compressionGroup12, compressionGroup13 } from './cases/compression.js';
import { fragmentationGroup } from './cases/fragmentation.js';
import { framingGroup } from './cases/framing.js';
import { autoFragmentationGroup, limitsGroup } from './cases/limits.js';
import { opcodesGroup } from './cases/opcodes.js';
import { pingPongGroup } from './cases/ping-pong.js';
import { reservedBitsGroup } from './cases/reserved-bits.js';
import { utf8Group } from './cases/utf8.js';
import type { Verdict } from './judge.js';

export interface CaseGroup {
  number: string;
  title: string;
  cases: () => ConformanceCase[];
  /** How many of its cases run at once; large-message groups are kept gentle on 2 cores. */
  concurrency: number;
}

export const protocolGroups: CaseGroup[] = [
  { number: '1', title: 'Framing', cases: () => framingGroup, concurrency: 8 },
  { number: '2', title: 'Pings/Pongs', cases: () => pingPongGroup, concurrency: 11 },
  { number: '3', title: 'Reserved Bits', cases: () => reservedBitsGroup, concurrency: 7 },
  { number: '4', title: 'Opcodes', cases: () => opcodesGroup, concurrency: 10 },
  { number: '5', title: 'Fragmentation', cases: () => fragmentationGroup, concurrency: 20 },
  { number: '6', title: 'UTF-8 Handling', cases: () => utf8Group, concurrency: 32 },
  { number: '7', title: 'Close Handling', cases: () => closeGroup, concurrency: 32 },
  { number: '9', title: 'Limits/Performance', cases: () => limitsGroup, concurrency: 4 },
  { number: '10', title: 'Auto-Fragmentation', cases: () => autoFragmentationGroup, concurrency: 1 },
];

export const compressionGroups: CaseGroup[] = [
  { number: '12', title: 'WebSocket Compression (different payloads)', cases: compressionGroup12, concurrency: 6 },
  { number: '13', title: 'WebSocket Compression (different parameters)', cases: compressionGroup13, concurrency: 6 },
];

/** Plays every case, at most `concurrency` at a time, and returns the verdicts by case id. */
export async function playAll(
  cases: ConformanceCase[],
  concurrency: number,
  run: (testCase: ConformanceCase) => Promise<Verdict>,
): Promise<Map<string, Verdict>> {
  const verdicts = new Map<string, Verdict>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const testCase = cases[next++];
      try {
        verdicts.set(testCase.id, await run(testCase));
      } catch (error) {
        verdicts.set(testCase.id, { behavior: 'FAILED', behaviorClose: 'FAILED', details: [(error as Error).message] });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  return verdicts;
}
