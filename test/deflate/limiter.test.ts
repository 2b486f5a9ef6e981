import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZlibJobLimiter, sharedZlibLimiter } from '../../src/transport/zlib-job-limiter.js';

describe('ZlibJobLimiter runs at most `limit` jobs, first come first served', () => {
  it('starts jobs up to the limit and the rest as slots are released, in order', () => {
    const limiter = new ZlibJobLimiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      limiter.run((release) => {
        started.push(i);
        releases[i] = release;
      });
    }
    expect(started).toEqual([0, 1]);
    expect([limiter.active, limiter.pending]).toEqual([2, 3]);
    releases[1]!();
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    releases[2]!();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    releases[3]!();
    releases[4]!();
    expect([limiter.active, limiter.pending]).toEqual([0, 0]);
  });

  it('ignores a second release of the same slot', () => {
    const limiter = new ZlibJobLimiter(1);
    let release: () => void = () => {};
    limiter.run((r) => (release = r));
    let secondStarted = false;
    let thirdStarted = false;
    limiter.run(() => (secondStarted = true));
    limiter.run(() => (thirdStarted = true));
    release();
    release();
    expect([secondStarted, thirdStarted]).toEqual([true, false]);
    expect(limiter.active).toBe(1);
  });

  it('survives 100,000 jobs that release synchronously (no recursion)', () => {
    const limiter = new ZlibJobLimiter(1);
    let hold: () => void = () => {};
    limiter.run((release) => (hold = release));
    let ran = 0;
    for (let i = 0; i < 100_000; i++) {
      limiter.run((release) => {
        ran++;
        release();
      });
    }
    hold();
    expect(ran).toBe(100_000);
    expect([limiter.active, limiter.pending]).toEqual([0, 0]);
  });

  it('keeps FIFO order and the bound under any interleaving of runs and releases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.oneof(fc.constant('run' as const), fc.nat(10)), { maxLength: 1000 }), (limit, steps) => {
        const limiter = new ZlibJobLimiter(limit);
        const started: number[] = [];
        const running: (() => void)[] = [];
        let submitted = 0;
        for (const step of steps) {
          if (step === 'run') {
            const id = submitted++;
            limiter.run((release) => {
              started.push(id);
              running.push(release);
            });
          } else if (running.length > 0) {
            running.splice(step % running.length, 1)[0]!();
          }
          expect(limiter.active).toBeLessThanOrEqual(limit);
          expect(limiter.active + limiter.pending).toBe(submitted - (started.length - running.length));
        }
        expect(started).toEqual(started.map((_, i) => i));
      }),
    );
  });
});

describe('sharedZlibLimiter', () => {
  it('returns one limiter per limit value, process-wide', () => {
    expect(sharedZlibLimiter(7)).toBe(sharedZlibLimiter(7));
    expect(sharedZlibLimiter(7)).not.toBe(sharedZlibLimiter(8));
    expect(sharedZlibLimiter(8).limit).toBe(8);
  });
});
