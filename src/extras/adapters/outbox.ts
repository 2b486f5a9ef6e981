// The bounded local outbox of the Streams adapter: messages wait here, in publish order, while
// Redis is away or hung, and leave in the same order once it answers again. Bounded because an
// outage has no known length and an unbounded queue is a memory leak; the policy says which
// message gives way when it is full.

export type OutboxFullPolicy = 'drop-oldest' | 'drop-newest' | 'error';

export interface OutboxEntry {
  /** The publisher-assigned message id (also the dedup key on the receiving nodes). */
  id: string;
  envelope: Buffer;
}

export class OutboxFullError extends Error {
  override readonly name = 'OutboxFullError';
  readonly code = 'ERR_OUTBOX_FULL';
}

export class Outbox {
  private readonly limit: number;
  private readonly policy: OutboxFullPolicy;
  private entries: OutboxEntry[] = [];
  private head = 0;

  constructor(limit: number, policy: OutboxFullPolicy) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`maxOutbox must be an integer >= 1, got ${limit}`);
    this.limit = limit;
    this.policy = policy;
  }

  get size(): number {
    return this.entries.length - this.head;
  }

  /**
   * Queues `entry`; returns the entry that gave way (the oldest or this one), if any. With the
   * 'error' policy a full outbox throws OutboxFullError instead.
   */
  push(entry: OutboxEntry): OutboxEntry | undefined {
    if (this.size < this.limit) {
      this.entries.push(entry);
      return undefined;
    }
    if (this.policy === 'error') throw new OutboxFullError(`${this.limit} messages already wait for Redis`);
    if (this.policy === 'drop-newest') return entry;
    const oldest = this.shift();
    this.entries.push(entry);
    return oldest;
  }

  /** The first `count` entries, left in place until `commit`. */
  peek(count: number): OutboxEntry[] {
    return this.entries.slice(this.head, this.head + count);
  }

  /** Removes the first `count` entries (written to Redis). */
  commit(count: number): void {
    this.head += Math.min(count, this.size);
    this.compact();
  }

  shift(): OutboxEntry | undefined {
    if (this.size === 0) return undefined;
    const entry = this.entries[this.head++];
    this.compact();
    return entry;
  }

  private compact(): void {
    // Amortised O(1): slice only once the consumed prefix is half of the array.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
