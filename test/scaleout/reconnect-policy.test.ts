import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRetryableCloseCode, reconnectDelay, validateBackoff } from '../../src/extras/reconnect-policy.js';

const backoff = fc
  .record({
    minDelay: fc.integer({ min: 0, max: 10_000 }),
    extra: fc.integer({ min: 0, max: 100_000 }),
    factor: fc.double({ min: 1, max: 4, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ minDelay, extra, factor, jitter }) => ({ minDelay, maxDelay: minDelay + extra, factor, jitter }));

describe('backoff: exponential from minDelay, capped at maxDelay, jitter only shortens', () => {
  it('without jitter: minDelay, minDelay×factor, minDelay×factor², ... up to maxDelay', () => {
    const options = { minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 50].map((attempt) => reconnectDelay(attempt, options))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('every delay lies in [(1 - jitter) × d, d] where d is the capped exponential delay', () => {
    fc.assert(
      fc.property(backoff, fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.999_999, noNaN: true }), (options, attempt, random) => {
        const delay = reconnectDelay(attempt, options, () => random);
        const ceiling = Math.min(options.maxDelay, options.minDelay * options.factor ** (attempt - 1));
        expect(delay).toBeLessThanOrEqual(Math.round(ceiling));
        expect(delay).toBeGreaterThanOrEqual(Math.round(ceiling * (1 - options.jitter)) - 1);
      }),
    );
  });

  it('without jitter, delays never shrink as attempts grow', () => {
    fc.assert(
      fc.property(backoff, fc.integer({ min: 1, max: 100 }), (options, attempt) => {
        const fixed = { ...options, jitter: 0 };
        expect(reconnectDelay(attempt + 1, fixed)).toBeGreaterThanOrEqual(reconnectDelay(attempt, fixed));
      }),
    );
  });

  it.each([
    [{ minDelay: -1, maxDelay: 10, factor: 2, jitter: 0 }],
    [{ minDelay: 10, maxDelay: 5, factor: 2, jitter: 0 }],
    [{ minDelay: 10, maxDelay: 50, factor: 0.5, jitter: 0 }],
    [{ minDelay: 10, maxDelay: 50, factor: 2, jitter: 1.5 }],
    [{ minDelay: Number.NaN, maxDelay: 50, factor: 2, jitter: 0 }],
  ])('refuses %o', (options) => {
    expect(() => validateBackoff(options)).toThrow(RangeError);
  });
});

describe('which close codes are worth a reconnection (RFC 6455 §7.4.1, §7.4.2, IANA registry)', () => {
  it.each([1002, 1003, 1007, 1008, 1009, 1010, 3000, 3003, 4000, 4001, 4999])('%i: not retried', (code) => {
    expect(isRetryableCloseCode(code)).toBe(false);
  });
  it.each([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015, 3001, 3008, 3999])('%i: retried', (code) => {
    expect(isRetryableCloseCode(code)).toBe(true);
  });
});
