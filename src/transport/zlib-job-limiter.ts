// A FIFO gate in front of zlib. Node runs each zlib write on the libuv thread pool (4 threads by
// default) and every queued job pins its input and output buffers; thousands of connections
// compressing at once fragment memory badly (nodejs/node#8871) and starve fs/dns of threads.
// Jobs beyond the limit wait here, in arrival order, holding only a callback.

export type ZlibJob = (release: () => void) => void;

export class ZlibJobLimiter {
  private running = 0;
  private readonly waiting: (ZlibJob | undefined)[] = [];
  private waitingHead = 0;
  /** Set while `drain` loops, so a job released synchronously does not recurse into it. */
  private draining = false;

  /** @param limit most jobs running at once (>= 1) */
  constructor(readonly limit: number) {}

  /** Jobs started and not yet released. */
  get active(): number {
    return this.running;
  }

  /** Jobs waiting for a slot. */
  get pending(): number {
    return this.waiting.length - this.waitingHead;
  }

  /**
   * Run `job` now if a slot is free, otherwise when one frees up (FIFO). The job must call
   * `release` exactly once when its zlib work is over; extra calls are ignored.
   */
  run(job: ZlibJob): void {
    this.waiting.push(job);
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.running < this.limit && this.pending > 0) {
        this.running++;
        this.takeNext()(this.createRelease());
      }
    } finally {
      this.draining = false;
    }
  }

  private takeNext(): ZlibJob {
    const job = this.waiting[this.waitingHead]!;
    this.waiting[this.waitingHead] = undefined;
    this.waitingHead++;
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      // Compact once the consumed prefix dominates, so a long-lived backlog does not grow forever.
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return job;
  }

  private createRelease(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.drain();
    };
  }
}

const sharedLimiters = new Map<number, ZlibJobLimiter>();

/**
 * The process-wide limiter for `limit`. Instances configured with the same concurrencyLimit (all
 * connections of a server, all clients with default options) share one queue; a server with a
 * different limit gets its own, so a later server's setting is not silently ignored.
 */
export function sharedZlibLimiter(limit: number): ZlibJobLimiter {
  let limiter = sharedLimiters.get(limit);
  if (limiter === undefined) {
    limiter = new ZlibJobLimiter(limit);
    sharedLimiters.set(limit, limiter);
  }
  return limiter;
}
