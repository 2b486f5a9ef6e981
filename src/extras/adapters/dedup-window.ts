// Which message ids a node has already delivered, for the last `size` of them. At-least-once
// writing means a message can sit in a stream twice (an XADD whose reply was lost is written
// again), and reading after a reconnection can overlap what was read before: the window turns
// both into exactly-once delivery. Bounded, so memory stays flat however long the node runs.

export class DedupWindow {
  private readonly size: number;
  private readonly seen = new Set<string>();

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`dedupWindow must be an integer >= 1, got ${size}`);
    this.size = size;
  }

  /** Records `id`; returns false if it was already there (a duplicate). */
  add(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    // A Set iterates in insertion order: the first key is the oldest.
    if (this.seen.size > this.size) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  has(id: string): boolean {
    return this.seen.has(id);
  }
}
