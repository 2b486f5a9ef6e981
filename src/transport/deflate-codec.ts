// The permessage-deflate codec (RFC 7692 §7.2): raw DEFLATE per message, with the agreed window
// sizes and context takeover, bounded output on inflate, and every zlib job passing through a
// process-wide limiter. The only file of the library that touches node:zlib.

import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';
import type { DeflateParams, PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { sharedZlibLimiter, type ZlibJobLimiter } from './zlib-job-limiter.js';

/** An error of the codec; `closeCode` is what the connection should close with, if any. */
export type DeflateError = Error & { closeCode?: number; code?: string };

export type CompressCallback = (error: Error | null, result?: Buffer) => void;
export type DecompressCallback = (error: DeflateError | null) => void;
/** Receives inflated bytes as they come; return false to stop decompressing. */
export type InflatedChunkHandler = (chunk: Buffer) => boolean;

/**
 * §7.2.1: a sender flushes with Z_SYNC_FLUSH, which ends in an empty stored block, and strips its
 * last four bytes 00 00 FF FF; §7.2.2: the receiver appends them again before inflating.
 */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

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

/**
 * Messages (compressed frames, when inflating) up to this size run synchronously on the stream's
 * own zlib context instead of on the thread pool. Measured on a 1 KiB JSON echo (50 codec pairs,
 * Node 20, 2 busy cores): 27-56 µs of CPU per round trip synchronously vs 210-220 µs through the
 * pool (ws: 185-220), most of it the thread hand-off. Larger messages keep the pool so that one
 * of them cannot stall the event loop.
 */
const SYNC_INPUT_LIMIT = 16 * 1024;

/** Inflated bytes after which a synchronous step hands the rest of its frame to the pool. */
const SYNC_OUTPUT_BUDGET = 256 * 1024;
const DEFAULT_CONCURRENCY_LIMIT = 10;

// Listeners are shared module functions that find their codec through a symbol-keyed field,
// rather than closures allocated for every connection.
const kOwner = Symbol('permessage-deflate owner');
const kDeflateData = Symbol('deflate data');
const kDeflateError = Symbol('deflate error');
const kInflateData = Symbol('inflate data');
const kInflateError = Symbol('inflate error');
const kInflateEnd = Symbol('inflate end');
const kInflateSyncData = Symbol('inflate sync data');
const kStartCompress = Symbol('start compress');
const kStartDecompress = Symbol('start decompress');

type OwnedStream<S> = S & { [kOwner]: PerMessageDeflate | null };

function onDeflateData(this: OwnedStream<DeflateRaw>, chunk: Buffer): void {
  this[kOwner]?.[kDeflateData](chunk);
}
function onDeflateError(this: OwnedStream<DeflateRaw>, error: Error): void {
  this[kOwner]?.[kDeflateError](this, error);
}
function onInflateData(this: OwnedStream<InflateRaw>, chunk: Buffer): void {
  this[kOwner]?.[kInflateData](chunk);
}
function onInflateError(this: OwnedStream<InflateRaw>, error: Error): void {
  this[kOwner]?.[kInflateError](this, error);
}
function onInflateEnd(this: OwnedStream<InflateRaw>): void {
  this[kOwner]?.[kInflateEnd](this);
}
function ignoreError(): void {}
function startCompressSync(codec: PerMessageDeflate): void {
  codec[kStartCompress]();
}
function startDecompressSync(codec: PerMessageDeflate): void {
  codec[kStartDecompress]();
}
function takeDeflatedSync(codec: PerMessageDeflate, chunk: Buffer): boolean {
  codec[kDeflateData](chunk);
  return true;
}
function takeInflatedSync(codec: PerMessageDeflate, chunk: Buffer): boolean {
  return codec[kInflateSyncData](chunk);
}

interface CompressJob {
  data: Buffer;
  callback: CompressCallback;
}

interface DecompressJob {
  data: Buffer;
  fin: boolean;
  onChunk: InflatedChunkHandler;
  callback: DecompressCallback;
}

function messageTooBig(): DeflateError {
  // Same message and code as ws, which users match on.
  return Object.assign(new RangeError('Max payload size exceeded'), {
    closeCode: 1009,
    code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  });
}

function corruptData(zlibError: Error): DeflateError {
  // RFC 7692 names no close code for undecodable data. 1007 (data inconsistent with the message
  // type, RFC 6455 §7.4.1) is what ws sends; zlib's own `code` (e.g. Z_DATA_ERROR) is kept.
  return Object.assign(zlibError, { closeCode: 1007 });
}

function aborted(): DeflateError {
  return Object.assign(new Error('Decompression stopped by the chunk handler'), {
    code: 'WS_ERR_DECOMPRESSION_ABORTED',
  });
}

function closed(): DeflateError {
  return Object.assign(new Error('The permessage-deflate context was closed'), {
    code: 'WS_ERR_DEFLATE_CLOSED',
  });
}

/**
 * One connection's compressor and decompressor. zlib contexts (a few hundred KiB for deflate at
 * the default memLevel) are created on first use, and closed after every message in a direction
 * without context takeover, so idle connections cost only this object.
 *
 * Each direction runs one job at a time, in call order, so callbacks fire in call order and the
 * stream's output belongs to exactly one message; across instances the shared limiter bounds the
 * number of jobs inside zlib.
 */
export class PerMessageDeflate {
  /** Payloads smaller than this many bytes should be sent uncompressed (default 1024). */
  readonly threshold: number;

  private readonly limiter: ZlibJobLimiter;
  private readonly deflateOptions: PerMessageDeflateOptions['zlibDeflateOptions'];
  private readonly inflateOptions: PerMessageDeflateOptions['zlibInflateOptions'];
  private readonly deflateWindowBits: number;
  private readonly inflateWindowBits: number;
  private readonly dropDeflateAfterMessage: boolean;
  private readonly dropInflateAfterMessage: boolean;
  private isClosed = false;

  private deflate: OwnedStream<DeflateRaw> | null = null;
  private compressBacklog: CompressJob[] | null = null;
  /** A compress job is waiting in the limiter or running. */
  private compressBusy = false;
  private compressJob: CompressJob | null = null;
  private compressRelease: (() => void) | null = null;
  private deflateChunks: Buffer[] = [];
  private deflateLength = 0;

  private inflate: OwnedStream<InflateRaw> | null = null;
  private decompressBacklog: DecompressJob[] | null = null;
  private decompressBusy = false;
  private decompressJob: DecompressJob | null = null;
  private decompressRelease: (() => void) | null = null;
  /** Bytes inflated so far for the current message, across its frames. */
  private inflatedLength = 0;
  /**
   * The peer ended its DEFLATE stream with a BFINAL=1 block (§7.2.3.4 allows it). zlib then
   * ignores all further input, so the next message needs a fresh context.
   */
  private inflateEnded = false;
  /** Bytes the running synchronous inflate step has produced, against SYNC_OUTPUT_BUDGET. */
  private syncInflatedLength = 0;
  /** Once inflating failed the shared context is lost, so every later message fails too. */
  private decompressFailure: DeflateError | null = null;

  /**
   * @param params the agreed parameters
   * @param role which side we are: picks our direction's window and context takeover
   * @param options threshold, zlib options and concurrency limit
   * @param maxMessageSize most bytes one inflated message may have; 0 = unlimited
   */
  constructor(
    /** The agreed parameters, kept for broadcast (one compressed frame serves every socket with the same parameters). */
    readonly params: DeflateParams,
    role: 'server' | 'client',
    /** The options this codec was built with. */
    readonly options: PerMessageDeflateOptions,
    private readonly maxMessageSize: number,
  ) {
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    this.limiter = sharedZlibLimiter(options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT);
    this.deflateOptions = options.zlibDeflateOptions;
    this.inflateOptions = options.zlibInflateOptions;
    const isServer = role === 'server';
    const deflateMaxWindowBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const preferredWindowBits = this.deflateOptions?.windowBits ?? DEFAULT_DEFLATE_WINDOW_BITS;
    this.deflateWindowBits = zlibWindowBits(Math.min(deflateMaxWindowBits, preferredWindowBits));
    this.inflateWindowBits = zlibWindowBits(isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits);
    this.dropDeflateAfterMessage = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.dropInflateAfterMessage = isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover;
  }

  /**
   * Compress one whole message (fragmentation happens afterwards) and pass the payload, without
   * the trailing 00 00 FF FF, to `callback`. `data` must not change until the callback. Callbacks
   * fire asynchronously, in call order.
   */
  compress(data: Buffer, callback: CompressCallback): void {
    if (this.isClosed) {
      process.nextTick(callback, closed());
      return;
    }
    (this.compressBacklog ??= []).push({ data, callback });
    this.pumpCompress();
  }

  /**
   * Inflate one frame's payload of a compressed message; `fin` marks its last frame. Inflated
   * bytes go to `onChunk` as zlib produces them. `callback` fires once per call, in call order:
   * - null when the frame is done;
   * - closeCode 1009, code WS_ERR_UNSUPPORTED_MESSAGE_LENGTH as soon as the message would pass
   *   maxMessageSize (the chunk that crosses it is not handed out, so a deflate bomb never
   *   costs more than the limit);
   * - closeCode 1007 when the data is not valid DEFLATE;
   * - code WS_ERR_DECOMPRESSION_ABORTED, no closeCode, after `onChunk` returned false (the
   *   caller already knows why).
   * After any error the context is gone and every later call fails with the same error.
   */
  decompress(data: Buffer, fin: boolean, onChunk: InflatedChunkHandler, callback: DecompressCallback): void {
    const failure = this.isClosed ? closed() : this.decompressFailure;
    if (failure !== null) {
      process.nextTick(callback, failure);
      return;
    }
    (this.decompressBacklog ??= []).push({ data, fin, onChunk, callback });
    this.pumpDecompress();
  }

  /**
   * Release the zlib contexts (the connection closed). Jobs not yet finished get an error with
   * code WS_ERR_DEFLATE_CLOSED on the next tick; nothing runs inside this call.
   */
  cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const unfinished: Array<CompressJob | DecompressJob> = [];
    if (this.compressJob !== null) unfinished.push(this.compressJob);
    if (this.decompressJob !== null) unfinished.push(this.decompressJob);
    unfinished.push(...(this.compressBacklog ?? []), ...(this.decompressBacklog ?? []));
    this.compressBacklog = this.decompressBacklog = null;
    this.compressJob = this.decompressJob = null;
    this.discardDeflate();
    this.discardInflate();
    this.releaseCompressSlot();
    this.releaseDecompressSlot();
    if (unfinished.length > 0) {
      const error = closed();
      process.nextTick(() => {
        for (const job of unfinished) job.callback(error);
      });
    }
  }

  // ---- compression ------------------------------------------------------------------------

  /** @internal Runs a synchronous job, on the tick after it was asked for. */
  [kStartCompress](): void {
    this.startCompress(null);
  }

  /** @internal Runs a synchronous job, on the tick after it was asked for. */
  [kStartDecompress](): void {
    this.startDecompress(null);
  }

  private pumpCompress(): void {
    if (this.compressBusy || this.compressBacklog === null || this.compressBacklog.length === 0) return;
    this.compressBusy = true;
    if (this.compressBacklog[0]!.data.length <= SYNC_INPUT_LIMIT && canWriteSync(this.deflate ??= this.createDeflate())) {
      process.nextTick(startCompressSync, this);
    } else {
      this.limiter.run((release) => this.startCompress(release));
    }
  }

  private startCompress(release: (() => void) | null): void {
    const job = this.compressBacklog?.shift();
    if (this.isClosed || job === undefined) {
      this.compressBusy = false;
      release?.();
      return;
    }
    this.compressJob = job;
    this.compressRelease = release;
    const stream = (this.deflate ??= this.createDeflate());
    if (release === null) {
      this.compressSync(stream, job);
      return;
    }
    stream.write(job.data);
    stream.flush(constants.Z_SYNC_FLUSH, () => this.finishCompress(stream, job));
  }

  /** A small message, compressed on this thread: no thread-pool round trip, no stream machinery. */
  private compressSync(stream: OwnedStream<DeflateRaw>, job: CompressJob): void {
    // zlib emits nothing for a flush with no new input since the last flush; the stream API
    // writes the input with Z_NO_FLUSH first, which makes the flush emit its empty stored block
    // (an empty message is then 00, §7.2.3.6). Do the same.
    if (job.data.length === 0) writeSyncFlush(stream, job.data, 0, this, takeDeflatedSync, constants.Z_NO_FLUSH);
    if (!stream.destroyed) writeSyncFlush(stream, job.data, 0, this, takeDeflatedSync);
    if (stream.destroyed) this[kDeflateError](stream, stream.errored ?? new Error('zlib deflate failed'));
    else this.finishCompress(stream, job);
  }

  private createDeflate(): OwnedStream<DeflateRaw> {
    const stream = createDeflateRaw({
      ...this.deflateOptions,
      windowBits: this.deflateWindowBits,
    }) as OwnedStream<DeflateRaw>;
    stream[kOwner] = this;
    stream.on('data', onDeflateData);
    stream.on('error', onDeflateError);
    return stream;
  }

  /** @internal */
  [kDeflateData](chunk: Buffer): void {
    this.deflateChunks.push(chunk);
    this.deflateLength += chunk.length;
  }

  private finishCompress(stream: DeflateRaw, job: CompressJob): void {
    if (stream !== this.deflate || job !== this.compressJob) return; // closed or failed meanwhile
    const chunks = this.deflateChunks;
    const output = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.deflateLength);
    this.deflateChunks = [];
    this.deflateLength = 0;
    this.compressJob = null;
    if (this.dropDeflateAfterMessage) this.discardDeflate();
    this.releaseCompressSlot();
    this.pumpCompress();
    // Z_SYNC_FLUSH always ends in the empty stored block 00 00 FF FF (§7.2.1).
    job.callback(null, output.subarray(0, output.length - TRAILER.length));
  }

  /** @internal */
  [kDeflateError](stream: DeflateRaw, error: Error): void {
    if (stream !== this.deflate) return;
    const job = this.compressJob;
    this.compressJob = null;
    this.deflateChunks = [];
    this.deflateLength = 0;
    // A fresh context is safe for the peer: it never refers back to bytes it did not send.
    this.discardDeflate();
    this.releaseCompressSlot();
    this.pumpCompress();
    job?.callback(error);
  }

  private releaseCompressSlot(): void {
    const release = this.compressRelease;
    this.compressRelease = null;
    this.compressBusy = false;
    release?.();
  }

  private discardDeflate(): void {
    const stream = this.deflate;
    if (stream === null) return;
    this.deflate = null;
    detach(stream, onDeflateData, onDeflateError);
  }

  // ---- decompression ----------------------------------------------------------------------

  private pumpDecompress(): void {
    if (this.decompressBusy || this.decompressBacklog === null || this.decompressBacklog.length === 0) return;
    this.decompressBusy = true;
    if (this.inflateEnded) this.discardInflate();
    if (this.decompressBacklog[0]!.data.length <= SYNC_INPUT_LIMIT && canWriteSync(this.inflate ??= this.createInflate())) {
      process.nextTick(startDecompressSync, this);
    } else {
      this.limiter.run((release) => this.startDecompress(release));
    }
  }

  private startDecompress(release: (() => void) | null): void {
    const job = this.decompressBacklog?.shift();
    if (this.isClosed || job === undefined) {
      this.decompressBusy = false;
      release?.();
      return;
    }
    this.decompressJob = job;
    this.decompressRelease = release;
    if (this.inflateEnded) this.discardInflate();
    const stream = (this.inflate ??= this.createInflate());
    if (release === null) {
      this.decompressSync(stream, job);
      return;
    }
    stream.write(job.data);
    if (job.fin) stream.write(TRAILER);
    stream.flush(() => this.finishDecompress(stream, job));
  }

  /**
   * A small frame, inflated on this thread. A deflate bomb fits in a small frame, so after
   * SYNC_OUTPUT_BUDGET inflated bytes the rest of the frame goes to the thread pool, keeping the
   * event loop responsive; maxMessageSize still stops it either way.
   */
  private decompressSync(stream: OwnedStream<InflateRaw>, job: DecompressJob): void {
    const input = job.fin ? Buffer.concat([job.data, TRAILER]) : job.data;
    this.syncInflatedLength = 0;
    const reached = writeSyncFlush(stream, input, 0, this, takeInflatedSync);
    if (job !== this.decompressJob || stream !== this.inflate) return; // failed, aborted or closed in onChunk
    if (stream.destroyed) {
      this.failDecompress(corruptData(stream.errored ?? new Error('zlib inflate failed')));
      return;
    }
    if (this.syncInflatedLength >= SYNC_OUTPUT_BUDGET) {
      // zlib may hold more output even when all input is in: the flush below drains it.
      const rest = input.subarray(reached);
      this.limiter.run((release) => this.continueDecompress(release, stream, job, rest));
      return;
    }
    // Input left over although zlib had room to write: the peer's DEFLATE stream ended (BFINAL).
    if (reached < input.length) this.inflateEnded = true;
    this.finishDecompress(stream, job);
  }

  private continueDecompress(release: () => void, stream: OwnedStream<InflateRaw>, job: DecompressJob, rest: Buffer): void {
    if (job !== this.decompressJob || stream !== this.inflate) {
      release(); // closed meanwhile
      return;
    }
    this.decompressRelease = release;
    if (rest.length > 0) stream.write(rest);
    stream.flush(() => this.finishDecompress(stream, job));
  }

  /** @internal Returns whether the synchronous inflate should go on. */
  [kInflateSyncData](chunk: Buffer): boolean {
    const job = this.decompressJob;
    this[kInflateData](chunk);
    this.syncInflatedLength += chunk.length;
    return job === this.decompressJob && this.syncInflatedLength < SYNC_OUTPUT_BUDGET;
  }

  private createInflate(): OwnedStream<InflateRaw> {
    const stream = createInflateRaw({
      ...this.inflateOptions,
      windowBits: this.inflateWindowBits,
    }) as OwnedStream<InflateRaw>;
    stream[kOwner] = this;
    stream.on('data', onInflateData);
    stream.on('error', onInflateError);
    stream.on('end', onInflateEnd);
    return stream;
  }

  /** @internal */
  [kInflateData](chunk: Buffer): void {
    const job = this.decompressJob;
    if (job === null) return;
    this.inflatedLength += chunk.length;
    if (this.maxMessageSize > 0 && this.inflatedLength > this.maxMessageSize) {
      this.failDecompress(messageTooBig());
      return;
    }
    const proceed = job.onChunk(chunk);
    // onChunk may have failed or closed us itself; then the job is settled already.
    if (!proceed && this.decompressJob === job) this.failDecompress(aborted());
  }

  private finishDecompress(stream: InflateRaw, job: DecompressJob): void {
    if (stream !== this.inflate || job !== this.decompressJob) return; // failed or closed meanwhile
    this.decompressJob = null;
    if (job.fin) {
      this.inflatedLength = 0;
      if (this.dropInflateAfterMessage || this.inflateEnded) this.discardInflate();
    }
    this.releaseDecompressSlot();
    this.pumpDecompress();
    job.callback(null);
  }

  /** @internal */
  [kInflateError](stream: InflateRaw, error: Error): void {
    if (stream === this.inflate) this.failDecompress(corruptData(error));
  }

  /** @internal */
  [kInflateEnd](stream: InflateRaw): void {
    if (stream === this.inflate) this.inflateEnded = true;
  }

  /**
   * Stop at once: drop the context (so zlib produces nothing more for us), settle the running
   * job and everything queued behind it with `error`.
   */
  private failDecompress(error: DeflateError): void {
    const failed: DecompressJob[] = [];
    if (this.decompressJob !== null) failed.push(this.decompressJob);
    failed.push(...(this.decompressBacklog ?? []));
    this.decompressJob = null;
    this.decompressBacklog = null;
    this.decompressFailure = error;
    this.inflatedLength = 0;
    this.discardInflate();
    this.releaseDecompressSlot();
    for (const job of failed) job.callback(error);
  }

  private releaseDecompressSlot(): void {
    const release = this.decompressRelease;
    this.decompressRelease = null;
    this.decompressBusy = false;
    release?.();
  }

  private discardInflate(): void {
    const stream = this.inflate;
    if (stream === null) return;
    this.inflate = null;
    this.inflateEnded = false;
    stream.removeListener('end', onInflateEnd);
    detach(stream, onInflateData, onInflateError);
  }
}

// ---- synchronous zlib on a stream's own context ----------------------------------------------

/** The parts of a Node zlib stream that its own `*Sync` helpers use; not public API, so probed. */
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

function canWriteSync(stream: DeflateRaw | InflateRaw): boolean {
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
 * Feed input[offset..] through the stream's zlib context with `flush` (default Z_SYNC_FLUSH) on
 * this thread, the context kept for the next message (context takeover). Each piece of output is
 * copied into a buffer of its own (pooled when small) and handed to `take`, which returns false
 * to stop.
 * Returns the input offset reached: less than input.length when `take` stopped, or when an
 * inflater met the end of the peer's DEFLATE stream. A zlib error destroys the stream, with the
 * error in `stream.errored`.
 */
function writeSyncFlush(
  stream: DeflateRaw | InflateRaw,
  input: Buffer,
  offset: number,
  owner: PerMessageDeflate,
  take: (owner: PerMessageDeflate, chunk: Buffer) => boolean,
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

/**
 * Cut a stream loose from its codec and close it. Work already on the thread pool still
 * completes and may report; the owner link is gone, so nothing reaches the codec, and a late
 * error is swallowed rather than crashing the process.
 */
function detach<S extends DeflateRaw | InflateRaw>(
  stream: OwnedStream<S>,
  onData: (this: OwnedStream<S>, chunk: Buffer) => void,
  onError: (this: OwnedStream<S>, error: Error) => void,
): void {
  stream[kOwner] = null;
  stream.removeListener('data', onData);
  stream.removeListener('error', onError);
  stream.on('error', ignoreError);
  stream.close();
}
