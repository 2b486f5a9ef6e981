// Declares one vitest `describe` per Autobahn group and one test per case id, for either side.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseGroup } from './groups.js';
import { playAll } from './groups.js';
import type { ConformanceCase } from './cases/case.js';
import { passed, type Verdict } from './judge.js';

export function defineGroups(
  groups: CaseGroup[],
  run: (testCase: ConformanceCase) => Promise<Verdict>,
  groupTimeoutMs: number,
): void {
  for (const group of groups) {
    describe(`Autobahn ${group.number} ${group.title}`, () => {
      const cases = group.cases();
      let verdicts = new Map<string, Verdict>();
      beforeAll(async () => {
        verdicts = await playAll(cases, group.concurrency, run);
      }, groupTimeoutMs);
      it.each(cases.map((testCase) => [testCase.id, testCase] as const))('%s', (_id, testCase) => {
        const verdict = verdicts.get(testCase.id);
        expect(verdict, 'the case was not played').toBeDefined();
        const summary = `${testCase.description}\n${verdict?.behavior} / ${verdict?.behaviorClose}: ${verdict?.details.join('; ')}`;
        expect(passed(verdict as Verdict), summary).toBe(true);
      });
    });
  }
}
