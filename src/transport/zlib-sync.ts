// Synchronous zlib on a stream's own context: small messages compressed or inflated on this thread,
// without a thread-pool round trip, while the context is kept for the next message (context
// takeover). Node's zlib streams do this for their own *Sync helpers through `_handle.writeSync`
// and `_writeState`; they are not public API, so they are probed once, and a Node without them
// makes every job take the stream (thread pool) path instead.

import { constants, type DeflateRaw, type InflateRaw } from 'node:zlib';

/** The parts of a Node zlib stream that its own `*Sync` helpers use. */
interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOffset: number, inLength: number, output: Buffer, outOffset: number, outLength: number): void;
}
interface SyncWritable {
  _handle?: ZlibHandle | null;
  /** [output bytes left, input bytes left] after the last write. */
  _writeState?: Uint32Array;
}

/** Whether this Node's zlib streams expose the handle; decided on the first stream, once. */
let syncWriteSupported: boolean | undefined;

export function canWriteSync(stream: DeflateRaw | InflateRaw): boolean {
  if (syncWriteSupported === undefined) {
    const { _handle: handle, _writeState: state } = stream as unknown as SyncWritable;
    syncWriteSupported = typeof handle?.writeSync === 'function' && state instanceof Uint32Array && state.length >= 2;
  }
  return syncWriteSupported;
}

/** Output space for synchronous writes; one is enough because nothing else runs meanwhile. */
let scratch: Buffer | null = null;
const SCRATCH_SIZE = 64 * 1024;

/**
 * Feed input[offset..] through the stream's zlib context with `flush` on this thread. Each piece
 * of output is copied into a buffer of its own and handed to `take`, which returns false to stop.
 * Returns the input offset reached: less than input.length when `take` stopped, or when an
 * inflater met the end of the peer's DEFLATE stream. A zlib error destroys the stream, with the
 * error in `stream.errored`. Only call after canWriteSync(stream) said yes.
 */
export function writeSyncFlush<T>(
  stream: DeflateRaw | InflateRaw,
  input: Buffer,
  offset: number,
  owner: T,
  take: (owner: T, chunk: Buffer) => boolean,
  flush: number = constants.Z_SYNC_FLUSH,
): number {
  const { _handle: handle, _writeState: state } = stream as unknown as Required<SyncWritable>;
  const output = (scratch ??= Buffer.allocUnsafe(SCRATCH_SIZE));
  let inputLeft = input.length - offset;
  for (;;) {
    handle!.writeSync(flush, input, offset, inputLeft, output, 0, SCRATCH_SIZE);
    if (stream.destroyed) return offset;
    const outputLeft = state[0]!;
    offset += inputLeft - state[1]!;
    inputLeft = state[1]!;
    const produced = SCRATCH_SIZE - outputLeft;
    if (produced > 0 && !take(owner, Buffer.from(output.subarray(0, produced)))) return offset;
    // Room left in the output means zlib is done with this flush (or its stream has ended).
    if (outputLeft !== 0) return offset;
  }
}
