import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildUpgradeRequest, checkUpgradeResponse, generateKey } from '../../src/handshake/client.js';
import { HttpHeadParser, type HeadParseResult, type HeadParserOptions } from '../../src/handshake/http-parser.js';
import { buildAcceptResponse, computeAcceptKey, validateUpgradeRequest } from '../../src/handshake/server.js';
import { headerHasToken, parseTokenList } from '../../src/handshake/tokens.js';

const REQUEST = Buffer.from(
  'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
);
const ALLOWED_ERROR_STATUSES = [400, 431, 505];
/** Small limits, so that random inputs reach the size and count rules too. */
const LIMITS: HeadParserOptions[] = [
  { kind: 'request' },
  { kind: 'response' },
  { kind: 'request', maxHeaderSize: 64, maxHeaderCount: 2 },
];

/** Feeds `bytes` cut at `cuts` (sorted offsets); collects every rest so chunking can be compared. */
function feed(bytes: Uint8Array, cuts: number[], options: HeadParserOptions) {
  const parser = new HttpHeadParser(options);
  const points = [...new Set([0, ...cuts.map((cut) => cut % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  let result: HeadParseResult = { kind: 'incomplete' };
  const rest: Buffer[] = [];
  for (let index = 1; index < points.length; index++) {
    result = parser.push(Buffer.from(bytes.subarray(points[index - 1], points[index])));
    if (result.kind === 'complete') rest.push(result.rest);
  }
  return { result, rest: Buffer.concat(rest) };
}

function expectWellFormed(result: HeadParseResult): void {
  expect(['incomplete', 'complete', 'error']).toContain(result.kind);
  if (result.kind === 'error') expect(ALLOWED_ERROR_STATUSES).toContain(result.status);
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let result = bytes;
  for (const change of mutations) {
    const at = change.at % (result.length + 1);
    if (change.op === 'replace' && at < result.length) {
      result = Buffer.from(result);
      result[at] = change.byte;
    } else if (change.op === 'insert') {
      result = Buffer.concat([result.subarray(0, at), change.bytes, result.subarray(at)]);
    } else if (change.op === 'delete') {
      result = Buffer.concat([result.subarray(0, at), result.subarray(at + change.length)]);
    }
  }
  return result;
}

describe('the head parser never throws on peer bytes', () => {
  it('ends arbitrary bytes, arbitrarily chunked, in incomplete, complete or 400/431/505', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom(...LIMITS), (bytes, cuts, options) => {
        expectWellFormed(feed(bytes, cuts, options).result);
      }),
      { numRuns: 500 },
    );
  });

  it('ends arbitrary mutations of a valid request the same way, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom(...LIMITS), (mutations, cuts, options) => {
        const bytes = mutate(REQUEST, mutations);
        const whole = feed(bytes, [], options);
        const chunked = feed(bytes, cuts, options);
        expectWellFormed(whole.result);
        expect(chunked.result.kind).toBe(whole.result.kind);
        if (whole.result.kind === 'complete' && chunked.result.kind === 'complete') {
          expect(chunked.result.head).toEqual(whole.result.head);
          expect(chunked.rest).toEqual(whole.rest);
          // Whatever the head, validation answers with a value, never an exception.
          expect(typeof validateUpgradeRequest(whole.result.head).ok).toBe('boolean');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same head and rest for a valid request cut anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 12 }), (frames, cuts) => {
        const { result, rest } = feed(Buffer.concat([REQUEST, frames]), cuts, { kind: 'request' });
        expect(result.kind).toBe('complete');
        expect(rest).toEqual(Buffer.from(frames));
        expect(result.kind === 'complete' && validateUpgradeRequest(result.head).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~');
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
/** field-content: starts and ends with a visible char, as values are trimmed on receipt. */
const fieldValue = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 \t,;="/:()é\u00ff'), maxLength: 20 })
  .map((value) => `v${value}v`);
const pathChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@%/?');
const ownHeaderNames = new Set(['host', 'origin', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions']);

describe('round trip: buildUpgradeRequest → HttpHeadParser → validateUpgradeRequest → 101 → checkUpgradeResponse', () => {
  it('accepts every request the client builds, and the client accepts the 101 built for it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: pathChar, maxLength: 40 }),
        fc.uniqueArray(token, { maxLength: 5 }),
        fc.dictionary(token.filter((name) => !ownHeaderNames.has(name.toLowerCase())), fieldValue, { maxKeys: 5 }),
        (path, protocols, headers) => {
          const key = generateKey();
          const request = buildUpgradeRequest({ path: `/${path}`, host: 'example.com:8080', key, protocols, headers });
          const parsed = new HttpHeadParser({ kind: 'request' }).push(Buffer.from(request, 'latin1'));
          expect(parsed.kind).toBe('complete');
          if (parsed.kind !== 'complete') return;
          expect(parsed.head.url).toBe(`/${path}`);
          const validation = validateUpgradeRequest(parsed.head);
          expect(validation).toEqual({ ok: true, info: { key, protocols, extensions: undefined, version: 13 } });

          const chosen = protocols[0];
          const response = buildAcceptResponse(computeAcceptKey(key), chosen === undefined ? {} : { protocol: chosen });
          const parsedResponse = new HttpHeadParser({ kind: 'response' }).push(Buffer.from(response, 'latin1'));
          expect(parsedResponse.kind).toBe('complete');
          if (parsedResponse.kind !== 'complete') return;
          expect(checkUpgradeResponse(parsedResponse.head, key, protocols)).toEqual({
            ok: true,
            protocol: chosen ?? '',
            extensions: undefined,
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The best of a few runs, so that a busy shared machine does not make a linear run look slow. */
function fastestMilliseconds(run: () => void): number {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

describe('ReDoS-style inputs are handled in linear time', () => {
  // A backtracking pattern such as /^\s*([^,\s]+)\s*(,\s*([^,\s]+)\s*)*$/ needs seconds to billions
  // of steps on these; a linear scan needs well under a millisecond per 100 KiB.
  const size = 100 * 1024;
  const hostile = {
    spaces: `a${' '.repeat(size)}b`,
    commas: ','.repeat(size),
    'spaces and commas': ' ,'.repeat(size / 2),
    'tabs and spaces before a bad char': `${' \t'.repeat(size / 2)};`,
  };
  const limitMs = 250;

  it.each(Object.entries(hostile))('token lists with 100 KiB of %s', (_name, value) => {
    expect(fastestMilliseconds(() => parseTokenList(value))).toBeLessThan(limitMs);
    expect(fastestMilliseconds(() => headerHasToken(value, 'upgrade'))).toBeLessThan(limitMs);
  });

  it.each(Object.entries(hostile))('a request carrying 100 KiB of %s in its headers', (_name, value) => {
    const head = REQUEST.toString('latin1').replace(
      '\r\n\r\n',
      `\r\nSec-WebSocket-Protocol: ${value}\r\nConnection: ${value}\r\nX-Filler:${value}x\r\n\r\n`,
    );
    let verdict: unknown;
    const elapsed = fastestMilliseconds(() => {
      const parsed = new HttpHeadParser({ kind: 'request', maxHeaderSize: 4 * size }).push(Buffer.from(head, 'latin1'));
      verdict = parsed.kind === 'complete' ? validateUpgradeRequest(parsed.head) : parsed;
    });
    expect(elapsed).toBeLessThan(limitMs);
    // The joined Connection header still holds "Upgrade"; the protocol list has no valid token.
    expect(verdict).toMatchObject({ ok: false, status: 400, message: 'Invalid Sec-WebSocket-Protocol header' });
  });

  it('a 16 KiB head fed one byte at a time', () => {
    const head = REQUEST.toString('latin1').replace('\r\n\r\n', `\r\nX-Filler: ${'a, '.repeat(5000)}\r\n\r\n`);
    const bytes = Buffer.from(head, 'latin1');
    let result: HeadParseResult = { kind: 'incomplete' };
    const elapsed = fastestMilliseconds(() => {
      const parser = new HttpHeadParser({ kind: 'request' });
      for (let index = 0; index < bytes.length; index++) result = parser.push(bytes.subarray(index, index + 1));
    });
    expect(result.kind).toBe('complete');
    expect(elapsed).toBeLessThan(limitMs);
  });
});
