// The compressing direction of permessage-deflate (RFC 7692 §7.2.1): one whole message per job,
// flushed with Z_SYNC_FLUSH, the trailing 00 00 FF FF stripped.

import { constants, createDeflateRaw, type DeflateRaw, type ZlibOptions } from 'node:zlib';
import { writeSyncFlush } from './zlib-sync.js';
import { ZlibLane, type LaneJob } from './zlib-lane.js';
import type { ZlibJobLimiter } from './zlib-job-limiter.js';

export type CompressCallback = (error: Error | null, result?: Buffer) => void;

interface CompressJob extends LaneJob {
  readonly callback: CompressCallback;
}

/** §7.2.1: Z_SYNC_FLUSH ends in an empty stored block whose last four bytes are stripped. */
const TRAILER_LENGTH = 4;

function takeDeflated(lane: CompressLane, chunk: Buffer): boolean {
  lane.collect(chunk);
  return true;
}

export class CompressLane extends ZlibLane<DeflateRaw, CompressJob> {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(
    limiter: ZlibJobLimiter,
    private readonly zlibOptions: ZlibOptions,
    /** Without context takeover the compressor starts afresh for every message. */
    private readonly resetAfterMessage: boolean,
  ) {
    super(limiter);
  }

  compress(data: Buffer, callback: CompressCallback): void {
    this.enqueue({ data, callback });
  }

  protected createStream(): DeflateRaw {
    return createDeflateRaw(this.zlibOptions);
  }

  /** A small message, compressed on this thread: no thread-pool round trip, no stream machinery. */
  protected runSync(stream: DeflateRaw, job: CompressJob): void {
    // zlib emits nothing for a flush with no new input since the last flush; the stream API
    // writes the input with Z_NO_FLUSH first, which makes the flush emit its empty stored block
    // (an empty message is then 00, §7.2.3.6). Do the same.
    if (job.data.length === 0) writeSyncFlush(stream, job.data, 0, this, takeDeflated, constants.Z_NO_FLUSH);
    if (!stream.destroyed) writeSyncFlush(stream, job.data, 0, this, takeDeflated);
    if (stream.destroyed) this.onStreamError(stream, stream.errored ?? new Error('zlib deflate failed'));
    else this.finish(stream, job);
  }

  protected runAsync(stream: DeflateRaw, job: CompressJob): void {
    stream.write(job.data);
    stream.flush(constants.Z_SYNC_FLUSH, () => this.finish(stream, job));
  }

  /** @internal */
  collect(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** @internal */
  onStreamData(_stream: unknown, chunk: Buffer): void {
    this.collect(chunk);
  }

  /** @internal */
  onStreamError(stream: unknown, error: Error): void {
    if (stream !== this.stream) return;
    const job = this.job;
    this.chunks = [];
    this.length = 0;
    // A fresh context is safe for the peer: it never refers back to bytes it did not send.
    this.discardStream();
    this.settle();
    job?.callback(error);
  }

  private finish(stream: DeflateRaw, job: CompressJob): void {
    if (stream !== this.stream || job !== this.job) return; // closed or failed meanwhile
    const chunks = this.chunks;
    const output = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.length);
    this.chunks = [];
    this.length = 0;
    if (this.resetAfterMessage) this.discardStream();
    this.settle();
    job.callback(null, output.subarray(0, output.length - TRAILER_LENGTH));
  }
}
