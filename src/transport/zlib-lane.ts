// One direction of a permessage-deflate codec: a zlib context and the jobs that run through it,
// one at a time and in call order (so callbacks fire in call order and the stream's output
// belongs to exactly one message). Small jobs run synchronously on the next tick; others take a
// slot of the process-wide limiter and run on the thread pool. The compressor and the
// decompressor are the two subclasses.

import type { DeflateRaw, InflateRaw } from 'node:zlib';
import { canWriteSync } from './zlib-sync.js';
import type { ZlibJobLimiter } from './zlib-job-limiter.js';

/**
 * Jobs (compressed frames, when inflating) up to this size run synchronously on the stream's
 * own zlib context instead of on the thread pool. Measured on a 1 KiB JSON echo (50 codec pairs,
 * Node 20, 2 busy cores): 27-56 µs of CPU per round trip synchronously vs 210-220 µs through the
 * pool (ws: 185-220), most of it the thread hand-off. Larger messages keep the pool so that one
 * of them cannot stall the event loop.
 */
export const SYNC_INPUT_LIMIT = 16 * 1024;

export interface LaneJob {
  readonly data: Buffer;
}

type ZlibStream = DeflateRaw | InflateRaw;

// Listeners are shared module functions that find their lane through a symbol-keyed field,
// rather than closures allocated for every connection.
const kLane = Symbol('ws6455.zlibLane');
type OwnedStream = ZlibStream & { [kLane]?: ZlibLane<ZlibStream, LaneJob> | null };

function onStreamData(this: OwnedStream, chunk: Buffer): void {
  this[kLane]?.onStreamData(this, chunk);
}
function onStreamError(this: OwnedStream, error: Error): void {
  this[kLane]?.onStreamError(this, error);
}
function onStreamEnd(this: OwnedStream): void {
  this[kLane]?.onStreamEnd(this);
}
function ignoreError(): void {}
function startSync(lane: ZlibLane<ZlibStream, LaneJob>): void {
  lane.start(null);
}

export abstract class ZlibLane<S extends ZlibStream, J extends LaneJob> {
  /** The zlib context, made on first use: idle connections cost none. */
  protected stream: S | null = null;
  /** The job running (waiting for zlib), if any. */
  protected job: J | null = null;
  protected closed = false;
  private backlog: J[] | null = null;
  /** A job is waiting in the limiter or running. */
  private busy = false;
  private release: (() => void) | null = null;

  constructor(protected readonly limiter: ZlibJobLimiter) {}

  protected abstract createStream(): S;
  /** Run `job` on this thread; call `settle()` when it is done (or fail it). */
  protected abstract runSync(stream: S, job: J): void;
  /** Run `job` through the stream (the thread pool); call `settle()` when it is done. */
  protected abstract runAsync(stream: S, job: J): void;
  /** @internal output of the lane's stream */
  abstract onStreamData(stream: ZlibStream, chunk: Buffer): void;
  /** @internal */
  abstract onStreamError(stream: ZlibStream, error: Error): void;
  /** @internal the peer's DEFLATE stream ended (inflater only) */
  onStreamEnd(_stream: ZlibStream): void {}
  /** Before a job starts: a lane may drop a context that cannot serve it. */
  protected beforeJob(): void {}

  protected enqueue(job: J): void {
    (this.backlog ??= []).push(job);
    this.pump();
  }

  private pump(): void {
    const next = this.backlog?.[0];
    if (this.busy || next === undefined) return;
    this.busy = true;
    this.beforeJob();
    if (next.data.length <= SYNC_INPUT_LIMIT && canWriteSync(this.currentStream())) {
      process.nextTick(startSync, this);
    } else {
      this.limiter.run((release) => this.start(release));
    }
  }

  /** @internal Start the next job: synchronously (release null) or holding a limiter slot. */
  start(release: (() => void) | null): void {
    const job = this.backlog?.shift();
    if (this.closed || job === undefined) {
      this.busy = false;
      release?.();
      return;
    }
    this.job = job;
    this.release = release;
    this.beforeJob();
    const stream = this.currentStream();
    if (release === null) this.runSync(stream, job);
    else this.runAsync(stream, job);
  }

  /** The running job is finished: free its slot and start the next. */
  protected settle(): void {
    this.job = null;
    this.releaseSlot();
    this.pump();
  }

  /** A synchronous job continues on the thread pool: hold a limiter slot from now on. */
  protected continueOnPool(run: () => void): void {
    const job = this.job;
    const stream = this.stream;
    this.limiter.run((release) => {
      if (job !== this.job || stream !== this.stream) {
        release(); // failed or closed meanwhile
        return;
      }
      this.release = release;
      run();
    });
  }

  protected releaseSlot(): void {
    const release = this.release;
    this.release = null;
    this.busy = false;
    release?.();
  }

  protected currentStream(): S {
    if (this.stream === null) {
      const stream = this.createStream() as S & OwnedStream;
      stream[kLane] = this as unknown as ZlibLane<ZlibStream, LaneJob>;
      stream.on('data', onStreamData);
      stream.on('error', onStreamError);
      stream.on('end', onStreamEnd);
      this.stream = stream;
    }
    return this.stream;
  }

  /**
   * Cut the stream loose and close it. Work already on the thread pool still completes and may
   * report; the owner link is gone, so nothing reaches the lane, and a late error is swallowed
   * rather than crashing the process.
   */
  protected discardStream(): void {
    const stream = this.stream as (S & OwnedStream) | null;
    if (stream === null) return;
    this.stream = null;
    stream[kLane] = null;
    stream.removeListener('data', onStreamData);
    stream.removeListener('error', onStreamError);
    stream.removeListener('end', onStreamEnd);
    stream.on('error', ignoreError);
    stream.close();
  }

  /** Stop for good: the context is released; returns the jobs that will never finish. */
  close(): J[] {
    if (this.closed) return [];
    this.closed = true;
    const unfinished = this.takeJobs();
    this.discardStream();
    this.releaseSlot();
    return unfinished;
  }

  /** The running job and everything behind it, taken off the lane. */
  protected takeJobs(): J[] {
    const jobs: J[] = [];
    if (this.job !== null) jobs.push(this.job);
    if (this.backlog !== null) jobs.push(...this.backlog);
    this.job = null;
    this.backlog = null;
    return jobs;
  }
}
