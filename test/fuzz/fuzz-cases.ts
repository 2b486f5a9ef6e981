// Generators for the fuzz targets: valid opening handshakes and valid client frame streams (the
// "valid prefix"), then byte-level mutations of them. Run counts come from the environment so that
// `npm test` runs a modest number and `npm run fuzz` (scripts/fuzz.mjs) runs 100,000 and more.
import { randomBytes } from 'node:crypto';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import fc from 'fast-check';

/** Cases per property: FUZZ_RUNS when set (long runs), else `ciDefault`. */
export function fuzzRuns(ciDefault: number): number {
  const fromEnvironment = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(fromEnvironment) && fromEnvironment > 0 ? fromEnvironment : ciDefault;
}

/** fast-check parameters: a fixed seed when FUZZ_SEED is set, so a failure can be replayed. */
export function fuzzParameters(numRuns: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return Number.isInteger(seed) ? { numRuns, seed } : { numRuns };
}

/** Report throughput the way scripts/fuzz.mjs collects it. */
export function reportRate(target: string, cases: number, startedAt: number): void {
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(`[fuzz] ${target}: ${cases} cases in ${seconds.toFixed(1)} s (${Math.round(cases / seconds)} cases/s)`);
}

const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~'.split(''));
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
const fieldValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 });

/** Extension offers, valid and not: parameters the negotiation must survive. */
const extensionOffer = fc.oneof(
  fc.constant('permessage-deflate'),
  fc.constant('permessage-deflate; client_max_window_bits'),
  fc
    .tuple(
      fc.constantFrom('client_max_window_bits', 'server_max_window_bits', 'server_no_context_takeover', 'client_no_context_takeover', 'x'),
      fc.option(fc.oneof(fc.integer({ min: -1, max: 20 }).map(String), fc.constant('"10"'), fc.constant('""'), token), { nil: undefined }),
    )
    .map(([name, value]) => `permessage-deflate; ${name}${value === undefined ? '' : `=${value}`}`),
  token,
);

export const extensionHeader = fc.array(extensionOffer, { minLength: 1, maxLength: 4 }).map((offers) => offers.join(', '));

/** A valid upgrade request with optional subprotocols, extension offers and noise headers. */
export const validRequest = fc
  .record({
    path: fc.string({ unit: fc.constantFrom(...'abc/?=&%09'.split('')), maxLength: 20 }),
    protocols: fc.uniqueArray(token, { maxLength: 3 }),
    extensions: fc.option(extensionHeader, { nil: undefined }),
    noise: fc.array(fc.tuple(token, fieldValue), { maxLength: 4 }),
    lowerCase: fc.boolean(),
  })
  .map(({ path, protocols, extensions, noise, lowerCase }) => {
    const name = (header: string): string => (lowerCase ? header.toLowerCase() : header);
    const lines = [
      `GET /${path} HTTP/1.1`,
      `${name('Host')}: 127.0.0.1`,
      `${name('Upgrade')}: websocket`,
      `${name('Connection')}: Upgrade`,
      `${name('Sec-WebSocket-Key')}: ${randomBytes(16).toString('base64')}`,
      `${name('Sec-WebSocket-Version')}: 13`,
    ];
    if (protocols.length > 0) lines.push(`${name('Sec-WebSocket-Protocol')}: ${protocols.join(', ')}`);
    if (extensions !== undefined) lines.push(`${name('Sec-WebSocket-Extensions')}: ${extensions}`);
    for (const [header, value] of noise) if (!/^(host|upgrade|connection|sec-websocket-.*)$/i.test(header)) lines.push(`X-${header}: ${value}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  });

/** One masked client frame (RFC 6455 §5.2, §5.3). */
export function clientFrame(opcode: number, payload: Buffer, fin = true, rsv1 = false): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = randomBytes(4);
  const masked = Buffer.allocUnsafe(length);
  for (let index = 0; index < length; index++) masked[index] = payload[index]! ^ key[index & 3]!;
  return Buffer.concat([header, key, masked]);
}

function compressed(payload: Buffer): Buffer {
  const deflated = deflateRawSync(payload, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return deflated.subarray(0, deflated.length - 4);
}

const textPayload = fc.string({ maxLength: 300 }).map((text) => Buffer.from(text));
const binaryPayload = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));

/** Frames a well-behaved client may send, and how many messages they carry. */
interface ValidUnit {
  frames: Buffer[];
  messages: number;
  /** Sent with RSV1: valid only once permessage-deflate was negotiated. */
  compressed: boolean;
}

const message = (frames: Buffer[], compressed = false): ValidUnit => ({ frames, messages: 1, compressed });
const control = (frames: Buffer[]): ValidUnit => ({ frames, messages: 0, compressed: false });

/** A message or control frame; compressed ones are sent with RSV1 (the server negotiates deflate). */
const validUnit: fc.Arbitrary<ValidUnit> = fc.oneof(
  textPayload.map((payload) => message([clientFrame(0x1, payload)])),
  binaryPayload.map((payload) => message([clientFrame(0x2, payload)])),
  fc.tuple(textPayload, textPayload).map(([first, second]) => message([clientFrame(0x1, first, false), clientFrame(0x9, Buffer.from('mid')), clientFrame(0x0, second)])),
  binaryPayload.map((payload) => message([clientFrame(0x2, compressed(payload), true, true)], true)),
  // Over the server's 1,024-byte threshold: its echo is compressed asynchronously.
  fc.integer({ min: 1100, max: 3000 }).map((length) => message([clientFrame(0x1, compressed(Buffer.alloc(length, 0x61)), true, true)], true)),
  fc.uint8Array({ maxLength: 125 }).map((payload) => control([clientFrame(0x9, Buffer.from(payload))])),
  fc.uint8Array({ maxLength: 125 }).map((payload) => control([clientFrame(0xa, Buffer.from(payload))])),
);

export interface ValidFrames {
  bytes: Buffer;
  /** Messages the server's echo handler gets (and echoes). */
  messages: number;
  /** The close code the stream ends with, if it sends a close frame. */
  closeCode: number | undefined;
  /** Some message is compressed (RSV1): without permessage-deflate negotiated that is a 1002. */
  compressed: boolean;
}

/** A valid stream of frames, optionally ending with a close frame. */
export const validFrames: fc.Arbitrary<ValidFrames> = fc
  .tuple(fc.array(validUnit, { maxLength: 6 }), fc.option(fc.constantFrom(1000, 1001, 3000, 4999), { nil: undefined }))
  .map(([units, closeCode]) => {
    const frames = units.flatMap((unit) => unit.frames);
    if (closeCode !== undefined) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(closeCode);
      frames.push(clientFrame(0x8, payload));
    }
    return {
      bytes: Buffer.concat(frames),
      messages: units.reduce((sum, unit) => sum + unit.messages, 0),
      closeCode,
      compressed: units.some((unit) => unit.compressed),
    };
  });

export const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

export function mutate(bytes: Buffer, mutations: readonly Mutation[]): Buffer {
  let result = bytes;
  for (const change of mutations) {
    const at = result.length === 0 ? 0 : change.at % result.length;
    switch (change.op) {
      case 'flip':
      case 'replace':
        if (result.length === 0) break;
        result = Buffer.from(result);
        result[at] = change.op === 'flip' ? result[at]! ^ (1 << change.bit) : change.byte;
        break;
      case 'insert':
        result = Buffer.concat([result.subarray(0, at), change.bytes, result.subarray(at)]);
        break;
      case 'delete':
        result = Buffer.concat([result.subarray(0, at), result.subarray(at + change.length)]);
        break;
      case 'truncate':
        result = result.subarray(0, at);
        break;
    }
  }
  return result;
}

/** Split `bytes` at the given offsets (taken modulo the length), in order. */
export function chunk(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set([0, ...cuts.map((cut) => cut % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  for (let index = 1; index < points.length; index++) chunks.push(bytes.subarray(points[index - 1], points[index]));
  return chunks;
}

export interface ConnectionCase {
  request: Buffer;
  frames: ValidFrames;
  /** Where the mutations land: the request head, the frames, or none (the valid stream itself). */
  target: 'request' | 'frames' | 'none';
  mutations: Mutation[];
  cuts: number[];
}

export const connectionCase: fc.Arbitrary<ConnectionCase> = fc.record({
  request: validRequest,
  frames: validFrames,
  target: fc.constantFrom('request' as const, 'frames' as const, 'frames' as const, 'none' as const),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

/** The bytes a case writes: the valid prefix with its mutations applied where the case says. */
export function caseBytes(testCase: ConnectionCase): Buffer {
  const request = testCase.target === 'request' ? mutate(testCase.request, testCase.mutations) : testCase.request;
  const frames = testCase.target === 'frames' ? mutate(testCase.frames.bytes, testCase.mutations) : testCase.frames.bytes;
  return Buffer.concat([request, frames]);
}
