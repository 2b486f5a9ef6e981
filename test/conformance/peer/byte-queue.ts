// Received bytes kept as a list of chunks, so a 16 MiB message delivered in 64 KiB pieces is
// copied once when it is taken, not once per piece.

export class ByteQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** The first `count` bytes without consuming them (count <= length). */
  peek(count: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) return first.subarray(0, count);
    return this.gather(count, false);
  }

  /** Removes and returns the first `count` bytes (count <= length). */
  take(count: number): Buffer {
    return this.gather(count, true);
  }

  private gather(count: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    let index = 0;
    while (filled < count) {
      const chunk = this.chunks[index];
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (!consume) {
        index += 1;
      } else if (used === chunk.length) {
        this.chunks.shift();
      } else {
        this.chunks[0] = chunk.subarray(used);
      }
    }
    if (consume) this.total -= count;
    return out;
  }
}
