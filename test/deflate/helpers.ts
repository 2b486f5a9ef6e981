// Promise wrappers around the callback API of the codec, for tests.
import { PerMessageDeflate, type DeflateError } from '../../src/transport/deflate-codec.js';
import type { DeflateParams, PerMessageDeflateOptions } from '../../src/handshake/permessage-deflate.js';

export const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export const TAKEOVER: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

export const NO_TAKEOVER: DeflateParams = { ...TAKEOVER, serverNoContextTakeover: true, clientNoContextTakeover: true };

/** A server and a client codec sharing the same agreed parameters. */
export function codecPair(params: DeflateParams, options: PerMessageDeflateOptions = {}) {
  return {
    server: new PerMessageDeflate(params, 'server', options),
    client: new PerMessageDeflate(params, 'client', options),
  };
}

/**
 * A chunk handler that applies a message-size limit as the protocol core does: it refuses the
 * chunk that would take the message past `max` (and keeps count in `handed`).
 */
export function limitTo(max: number): ((chunk: Buffer) => boolean) & { handed: number } {
  const handler = Object.assign(
    (chunk: Buffer): boolean => {
      if (handler.handed + chunk.length > max) return false;
      handler.handed += chunk.length;
      return true;
    },
    { handed: 0 },
  );
  return handler;
}

export function compress(codec: PerMessageDeflate, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    codec.compress(data, (error, result) => (error ? reject(error) : resolve(result!)));
  });
}

export interface Inflated {
  chunks: Buffer[];
  error: DeflateError | null;
}

/** Decompress one frame; resolves with the chunks handed out and the callback's error. */
export function decompressFrame(codec: PerMessageDeflate, data: Buffer, fin: boolean, onChunk?: (chunk: Buffer) => boolean): Promise<Inflated> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    codec.decompress(
      data,
      fin,
      (chunk) => {
        chunks.push(chunk);
        return onChunk ? onChunk(chunk) : true;
      },
      (error) => resolve({ chunks, error }),
    );
  });
}

/** Decompress a whole message given as frames; throws on error. */
export async function decompressMessage(codec: PerMessageDeflate, frames: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (let i = 0; i < frames.length; i++) {
    const { chunks, error } = await decompressFrame(codec, frames[i]!, i === frames.length - 1);
    if (error) throw error;
    out.push(...chunks);
  }
  return Buffer.concat(out);
}

/** Split `data` into pieces at the given fractional positions. */
export function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * data.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(data.subarray(start, point));
    start = point;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

/**
 * Byte-for-byte equality. vitest's deep toEqual walks a Buffer element by element, which takes
 * seconds for a megabyte; this reports the first differing offset instead.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) return;
  let offset = 0;
  while (offset < actual.length && offset < expected.length && actual[offset] === expected[offset]) offset++;
  throw new Error(`bytes differ at offset ${offset} (actual length ${actual.length}, expected ${expected.length})`);
}
