// The side-by-side runner of the compat suites: each behaviour runs with ws and with ws6455 in a
// fresh scope that records what a user can observe, and the two logs must be equal — or, for a
// deliberate difference (README "What differs"), both are pinned. Each file prints its tally.
import { afterAll, expect, it } from 'vitest';
import { ws6455, wsReference, type Implementation } from '../interop/support/implementation.js';

/** What a scope must offer: the log of observations, and a way to release what it opened. */
export interface RecordingScope {
  readonly log: string[];
  dispose(): Promise<void>;
}

export interface SideBySideBehaviour<S> {
  readonly title: string;
  run(scope: S): Promise<void>;
  /** A deliberate difference: why, and both logs pinned. */
  readonly differs?: { readonly why: string; readonly ws: string[]; readonly ws6455: string[] };
}

/** What a call did: 'ok' or the error it threw, as `describe` tells it. */
export function outcomeOf(action: () => unknown, describe: (error: unknown) => string): string {
  try {
    action();
    return 'ok';
  } catch (error) {
    return `throws ${describe(error)}`;
  }
}

/** A compare/observe/report trio over scopes made by `makeScope`, with one tally per test file. */
export function sideBySide<S extends RecordingScope>(makeScope: (impl: Implementation) => S) {
  const tally = { compared: 0, differ: 0 };

  async function observe(impl: Implementation, run: (scope: S) => Promise<void>): Promise<string[]> {
    const scope = makeScope(impl);
    try {
      await run(scope);
      return [...scope.log];
    } finally {
      await scope.dispose();
    }
  }

  /** One `it` per behaviour: run with ws and with ws6455, compare (or check the pinned difference). */
  function compare(behaviours: readonly SideBySideBehaviour<S>[]): void {
    for (const behaviour of behaviours) {
      tally.compared++;
      if (behaviour.differs) tally.differ++;
      it(behaviour.differs ? `${behaviour.title} [deliberate difference: ${behaviour.differs.why}]` : behaviour.title, async () => {
        const reference = await observe(wsReference, behaviour.run);
        const ours = await observe(ws6455, behaviour.run);
        expect(reference.length, 'the scenario observed nothing on ws').toBeGreaterThan(0);
        if (behaviour.differs) {
          expect(reference, 'ws').toEqual(behaviour.differs.ws);
          expect(ours, 'ws6455').toEqual(behaviour.differs.ws6455);
        } else {
          expect(ours).toEqual(reference);
        }
      });
    }
  }

  /** Prints this file's count ("N behaviours compared, M differ") after its tests. */
  function report(file: string): void {
    afterAll(() => {
      console.log(`${file}: ${tally.compared} behaviours compared, ${tally.differ} differ (deliberately)`);
    });
  }

  return { observe, compare, report };
}
