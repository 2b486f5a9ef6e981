// The permessage-deflate codec of one connection (RFC 7692 §7.2): the agreed window sizes and
// context takeover turned into a compressing and an inflating lane, each passing its jobs
// through a process-wide limiter. With zlib-sync.ts and the lanes, the only code that touches
// node:zlib.

import type { DeflateParams, PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { CompressLane, type CompressCallback } from './compress-lane.js';
import { DecompressLane, type DecompressCallback, type DeflateError, type InflatedChunkHandler } from './decompress-lane.js';
import { sharedZlibLimiter } from './zlib-job-limiter.js';

export type { CompressCallback } from './compress-lane.js';
export type { DecompressCallback, DeflateError, InflatedChunkHandler } from './decompress-lane.js';

/**
 * zlib rejects windowBits 8 for raw deflate (since 1.2.9), and Node quietly turns it into 9.
 * That is still within a negotiated 8: deflate never emits a distance beyond window - 262 bytes,
 * and 2^9 - 262 = 250 < 256. The inflater gets 9 too, so a peer whose zlib made the same upgrade
 * is decoded whatever it emits.
 */
function zlibWindowBits(negotiated: number): number {
  return Math.max(9, negotiated);
}

/**
 * The LZ77 window our compressor uses unless zlibDeflateOptions.windowBits asks for another; the
 * negotiated *_max_window_bits is only an upper bound for the sender (RFC 7692 §7.1.2), while the
 * inflater must always take the full negotiated window. A kept deflate context is most of a
 * connection's memory and its window and hash chains scale with 2^windowBits. Measured (Node 20,
 * level 6, memLevel 8, 1,000 contexts after one 1 KiB JSON message): 227 KiB resident each at 15
 * bits, 163 at 14, 131 at 13. 2,000 distinct 1 KiB JSON messages with context takeover compress to
 * 14.5% at 13 bits vs 15.5% at 15, in 15 vs 20 µs each; 83 KB of JSON to 14.5% vs 14.6%.
 */
const DEFAULT_DEFLATE_WINDOW_BITS = 13;
const DEFAULT_THRESHOLD = 1024;
const DEFAULT_CONCURRENCY_LIMIT = 10;

function closedError(): DeflateError {
  return Object.assign(new Error('The permessage-deflate context was closed'), { code: 'WS_ERR_DEFLATE_CLOSED' });
}

/**
 * One connection's compressor and decompressor. zlib contexts (a few hundred KiB for deflate at
 * the default memLevel) are created on first use, and closed after every message in a direction
 * without context takeover, so idle connections cost only this object.
 */
export class PerMessageDeflate {
  /** Payloads smaller than this many bytes should be sent uncompressed (default 1024). */
  readonly threshold: number;
  private readonly compressor: CompressLane;
  private readonly decompressor: DecompressLane;
  private isClosed = false;

  /**
   * @param params the agreed parameters, kept for broadcast (one compressed frame serves every
   *   socket with the same parameters)
   * @param role which side we are: picks our direction's window and context takeover
   * @param options threshold, zlib options and concurrency limit, kept for broadcast too
   */
  constructor(
    readonly params: DeflateParams,
    role: 'server' | 'client',
    readonly options: PerMessageDeflateOptions,
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    const limiter = sharedZlibLimiter(options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT);
    const isServer = role === 'server';
    const deflateMaxWindowBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const preferredWindowBits = options.zlibDeflateOptions?.windowBits ?? DEFAULT_DEFLATE_WINDOW_BITS;
    this.compressor = new CompressLane(
      limiter,
      { ...options.zlibDeflateOptions, windowBits: zlibWindowBits(Math.min(deflateMaxWindowBits, preferredWindowBits)) },
      isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover,
    );
    this.decompressor = new DecompressLane(
      limiter,
      { ...options.zlibInflateOptions, windowBits: zlibWindowBits(isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits) },
      isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover,
    );
  }

  /**
   * Compress one whole message (fragmentation happens afterwards) and pass the payload, without
   * the trailing 00 00 FF FF, to `callback`. `data` must not change until the callback. Callbacks
   * fire asynchronously, in call order.
   */
  compress(data: Buffer, callback: CompressCallback): void {
    if (this.isClosed) process.nextTick(callback, closedError());
    else this.compressor.compress(data, callback);
  }

  /**
   * Inflate one frame's payload of a compressed message; `fin` marks its last frame. Inflated
   * bytes go to `onChunk` as zlib produces them; it applies the message-size limit and returns
   * false to stop. `callback` fires once per call, in call order:
   * - null when the frame is done;
   * - closeCode 1007 when the data is not valid DEFLATE;
   * - code WS_ERR_DECOMPRESSION_ABORTED, no closeCode, after `onChunk` returned false (the
   *   caller already knows why).
   * After any error the context is gone and every later call fails with the same error.
   */
  decompress(data: Buffer, fin: boolean, onChunk: InflatedChunkHandler, callback: DecompressCallback): void {
    const failure = this.isClosed ? closedError() : this.decompressor.failure;
    if (failure !== null) process.nextTick(callback, failure);
    else this.decompressor.decompress(data, fin, onChunk, callback);
  }

  /**
   * Release the zlib contexts (the connection closed). Jobs not yet finished get an error with
   * code WS_ERR_DEFLATE_CLOSED on the next tick; nothing runs inside this call.
   */
  cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const unfinished: Array<{ callback: (error: DeflateError) => void }> = [...this.compressor.close(), ...this.decompressor.close()];
    if (unfinished.length === 0) return;
    const error = closedError();
    process.nextTick(() => {
      for (const job of unfinished) job.callback(error);
    });
  }
}
