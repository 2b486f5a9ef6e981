// Fuzzing the server's handshake path in memory: the request-head parser (with its size budget),
// the upgrade validation and the permessage-deflate negotiation, over valid requests with
// mutations and over arbitrary bytes. Nothing a peer sends may throw, and every refusal is one of
// the statuses the server is documented to answer with.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExtensions } from '../../src/handshake/extensions.js';
import { HttpHeadParser, type HeadParseResult } from '../../src/handshake/http-parser.js';
import { validateUpgradeRequest } from '../../src/handshake/server.js';
import { negotiateServer } from '../../src/handshake/permessage-deflate.js';
import { chunk, extensionHeader, fuzzParameters, fuzzRuns, mutate, mutation, reportRate, validRequest } from './fuzz-cases.js';

const PARSER_STATUSES = [400, 431, 505];
const VALIDATION_STATUSES = [400, 405, 426];

/** Parse, validate and negotiate as the standalone server does; returns what it would answer. */
function serverAnswer(chunks: Buffer[], maxHeaderSize: number): { result: HeadParseResult; fed: number; status: number | 'incomplete' | 101 } {
  const parser = new HttpHeadParser({ kind: 'request', maxHeaderSize });
  let result: HeadParseResult = { kind: 'incomplete' };
  let fed = 0;
  for (const piece of chunks) {
    result = parser.push(piece);
    fed += piece.length;
    if (result.kind !== 'incomplete') break;
  }
  if (result.kind === 'incomplete') return { result, fed, status: 'incomplete' };
  if (result.kind === 'error') return { result, fed, status: result.status };
  const validation = validateUpgradeRequest(result.head);
  if (!validation.ok) return { result, fed, status: validation.status };
  const header = validation.info.extensions;
  if (header !== undefined) {
    const offers = parseExtensions(header);
    if (offers === null) return { result, fed, status: 400 };
    const negotiated = negotiateServer(offers, {});
    if (negotiated !== null && 'error' in negotiated) return { result, fed, status: 400 };
  }
  return { result, fed, status: 101 };
}

describe('fuzz: the opening handshake, parsed and validated as the standalone server does', () => {
  it('answers every valid request with 101, however it is chunked', () => {
    const runs = fuzzRuns(300);
    const started = Date.now();
    fc.assert(
      fc.property(validRequest, fc.array(fc.nat(), { maxLength: 8 }), (request, cuts) => {
        const answer = serverAnswer(chunk(request, cuts), 16 * 1024);
        // Extension offers are generated valid and invalid alike: 400 is right for the invalid ones.
        expect([101, 400]).toContain(answer.status);
        if (answer.result.kind === 'complete') expect(answer.result.rest.length).toBe(0);
      }),
      fuzzParameters(runs),
    );
    reportRate('handshake/valid', runs, started);
  });

  it('never throws on a mutated request, answers a documented status, and the same whatever the chunking', () => {
    const runs = fuzzRuns(500);
    const started = Date.now();
    fc.assert(
      fc.property(validRequest, fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (request, mutations, cuts) => {
        const bytes = mutate(request, mutations);
        const whole = serverAnswer([bytes], 16 * 1024);
        const chunked = serverAnswer(chunk(bytes, cuts), 16 * 1024);
        if (whole.result.kind === 'error') expect(PARSER_STATUSES).toContain(whole.result.status);
        else if (typeof whole.status === 'number' && whole.status !== 101) expect(VALIDATION_STATUSES).toContain(whole.status);
        expect(chunked.status).toBe(whole.status);
      }),
      fuzzParameters(runs),
    );
    reportRate('handshake/mutated', runs, started);
  });

  it('never holds more than maxHeaderSize bytes without an answer (431 budget), on arbitrary bytes', () => {
    const runs = fuzzRuns(500);
    const started = Date.now();
    const maxHeaderSize = 256;
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 600 }), validRequest.map((request) => new Uint8Array(Buffer.concat([request.subarray(0, 40), Buffer.alloc(400, 0x61)])))),
        fc.array(fc.nat(), { maxLength: 8 }),
        (bytes, cuts) => {
          const answer = serverAnswer(chunk(Buffer.from(bytes), cuts), maxHeaderSize);
          if (answer.result.kind === 'error') expect(PARSER_STATUSES).toContain(answer.result.status);
          // Still waiting after more than the limit means the limit is not enforced.
          if (answer.status === 'incomplete') expect(answer.fed).toBeLessThanOrEqual(maxHeaderSize);
        },
      ),
      fuzzParameters(runs),
    );
    reportRate('handshake/budget', runs, started);
  });

  it('negotiates or refuses any Sec-WebSocket-Extensions value without throwing', () => {
    const runs = fuzzRuns(500);
    const started = Date.now();
    const anyHeader = fc.oneof(extensionHeader, fc.string({ maxLength: 80 }), fc.string({ unit: fc.constantFrom(...',;= "\\\ta-_'.split('')), maxLength: 40 }));
    fc.assert(
      fc.property(anyHeader, fc.record({ serverNoContextTakeover: fc.boolean(), clientNoContextTakeover: fc.boolean(), serverMaxWindowBits: fc.integer({ min: 9, max: 15 }) }), (header, options) => {
        const offers = parseExtensions(header);
        if (offers === null) return;
        const result = negotiateServer(offers, options);
        if (result !== null && !('error' in result)) {
          // What we answer must itself parse as a valid extension header.
          expect(parseExtensions(result.response)).not.toBeNull();
        }
      }),
      fuzzParameters(runs),
    );
    reportRate('handshake/extensions', runs, started);
  });
});
