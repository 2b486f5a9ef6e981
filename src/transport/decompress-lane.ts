// The inflating direction of permessage-deflate (RFC 7692 §7.2.2): one frame per job, the
// trailing 00 00 FF FF appended after a message's last frame, output handed on as zlib makes it.
// The caller's chunk handler applies the message-size limit (the protocol core's): when it says
// stop, zlib is stopped at once, so a deflate bomb costs no more than that limit.

import { createInflateRaw, type InflateRaw, type ZlibOptions } from 'node:zlib';
import { writeSyncFlush } from './zlib-sync.js';
import { ZlibLane, type LaneJob } from './zlib-lane.js';
import type { ZlibJobLimiter } from './zlib-job-limiter.js';

/** An error of the codec; `closeCode` is what the connection should close with, if any. */
export type DeflateError = Error & { closeCode?: number; code?: string };
export type DecompressCallback = (error: DeflateError | null) => void;
/** Receives inflated bytes as they come; return false to stop decompressing. */
export type InflatedChunkHandler = (chunk: Buffer) => boolean;

interface DecompressJob extends LaneJob {
  readonly fin: boolean;
  readonly onChunk: InflatedChunkHandler;
  readonly callback: DecompressCallback;
}

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Inflated bytes after which a synchronous step hands the rest of its frame to the pool. */
const SYNC_OUTPUT_BUDGET = 256 * 1024;

export function corruptData(zlibError: Error): DeflateError {
  // RFC 7692 names no close code for undecodable data. 1007 (data inconsistent with the message
  // type, RFC 6455 §7.4.1) is what ws sends; zlib's own `code` (e.g. Z_DATA_ERROR) is kept.
  return Object.assign(zlibError, { closeCode: 1007 });
}

export function aborted(): DeflateError {
  return Object.assign(new Error('Decompression stopped by the chunk handler'), { code: 'WS_ERR_DECOMPRESSION_ABORTED' });
}

function takeInflatedSync(lane: DecompressLane, chunk: Buffer): boolean {
  return lane.takeSync(chunk);
}

export class DecompressLane extends ZlibLane<InflateRaw, DecompressJob> {
  /**
   * The peer ended its DEFLATE stream with a BFINAL=1 block (§7.2.3.4 allows it). zlib then
   * ignores all further input, so the next message needs a fresh context.
   */
  private streamEnded = false;
  /** Bytes the running synchronous step has produced, against SYNC_OUTPUT_BUDGET. */
  private syncOutput = 0;
  /** Once inflating failed the shared context is lost, so every later frame fails too. */
  failure: DeflateError | null = null;

  constructor(
    limiter: ZlibJobLimiter,
    private readonly zlibOptions: ZlibOptions,
    /** Without context takeover the peer's compressor starts afresh for every message. */
    private readonly resetAfterMessage: boolean,
  ) {
    super(limiter);
  }

  decompress(data: Buffer, fin: boolean, onChunk: InflatedChunkHandler, callback: DecompressCallback): void {
    this.enqueue({ data, fin, onChunk, callback });
  }

  protected createStream(): InflateRaw {
    return createInflateRaw(this.zlibOptions);
  }

  protected override beforeJob(): void {
    if (this.streamEnded) this.discardStream();
  }

  /**
   * A small frame, inflated on this thread. A deflate bomb fits in a small frame, so after
   * SYNC_OUTPUT_BUDGET inflated bytes the rest of the frame goes to the thread pool, keeping the
   * event loop responsive; the chunk handler's limit still stops it either way.
   */
  protected runSync(stream: InflateRaw, job: DecompressJob): void {
    const input = job.fin ? Buffer.concat([job.data, TRAILER]) : job.data;
    this.syncOutput = 0;
    const reached = writeSyncFlush(stream, input, 0, this, takeInflatedSync);
    if (job !== this.job || stream !== this.stream) return; // failed, aborted or closed in onChunk
    if (stream.destroyed) {
      this.fail(corruptData(stream.errored ?? new Error('zlib inflate failed')));
      return;
    }
    if (this.syncOutput >= SYNC_OUTPUT_BUDGET) {
      // zlib may hold more output even when all input is in: the flush below drains it.
      const rest = input.subarray(reached);
      this.continueOnPool(() => {
        if (rest.length > 0) stream.write(rest);
        stream.flush(() => this.finish(stream, job));
      });
      return;
    }
    // Input left over although zlib had room to write: the peer's DEFLATE stream ended (BFINAL).
    if (reached < input.length) this.streamEnded = true;
    this.finish(stream, job);
  }

  protected runAsync(stream: InflateRaw, job: DecompressJob): void {
    stream.write(job.data);
    if (job.fin) stream.write(TRAILER);
    stream.flush(() => this.finish(stream, job));
  }

  /** @internal Returns whether the synchronous inflate should go on. */
  takeSync(chunk: Buffer): boolean {
    const job = this.job;
    this.onStreamData(this.stream, chunk);
    this.syncOutput += chunk.length;
    return job === this.job && this.syncOutput < SYNC_OUTPUT_BUDGET;
  }

  /** @internal */
  onStreamData(_stream: unknown, chunk: Buffer): void {
    const job = this.job;
    if (job === null) return;
    const proceed = job.onChunk(chunk);
    // onChunk may have closed us itself; then the job is settled already.
    if (!proceed && this.job === job) this.fail(aborted());
  }

  /** @internal */
  onStreamError(stream: unknown, error: Error): void {
    if (stream === this.stream) this.fail(corruptData(error));
  }

  /** @internal */
  override onStreamEnd(stream: unknown): void {
    if (stream === this.stream) this.streamEnded = true;
  }

  private finish(stream: InflateRaw, job: DecompressJob): void {
    if (stream !== this.stream || job !== this.job) return; // failed or closed meanwhile
    if (job.fin && (this.resetAfterMessage || this.streamEnded)) this.discardStream();
    this.settle();
    job.callback(null);
  }

  /** Stop at once: drop the context (so zlib produces nothing more), fail this job and all behind it. */
  private fail(error: DeflateError): void {
    const failed = this.takeJobs();
    this.failure = error;
    this.discardStream();
    this.releaseSlot();
    for (const job of failed) job.callback(error);
  }

  protected override discardStream(): void {
    this.streamEnded = false;
    super.discardStream();
  }
}
