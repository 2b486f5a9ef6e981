// Collects the payload pieces of one message while keeping the memory it holds proportional to
// the message. Two costs are bounded: a view into a socket chunk keeps that whole chunk alive
// (a 1-byte fragment can pin 64 KiB), and every separate Buffer costs ~100 bytes of heap. A peer
// sending 50,000 one-byte fragments would otherwise make us hold megabytes for 50 KB of data.

/**
 * Pieces shorter than this are copied into a shared coalescing buffer. Above it a separate
 * Buffer's overhead is noise next to its bytes.
 */
export const COPY_BELOW = 4 * 1024;
/** A piece whose backing memory is more than this many times its size is copied, not kept. */
const MAX_PIN_FACTOR = 2;
/** First coalescing buffer; later ones double with the message, up to COALESCE_MAX. */
const COALESCE_MIN = 1024;
const COALESCE_MAX = 1024 * 1024;

export class FragmentAssembler {
  private pieces: Buffer[] = [];
  private total = 0;
  private coalesce: Buffer | null = null;
  /** Bytes written into `coalesce` not yet sealed into `pieces`. */
  private coalesceStart = 0;
  private coalesceEnd = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.total;
  }

  add(piece: Buffer): void {
    if (piece.length === 0) return;
    this.total += piece.length;
    if (piece.length >= COPY_BELOW && piece.buffer.byteLength <= piece.length * MAX_PIN_FACTOR) {
      this.seal();
      this.pieces.push(piece);
      return;
    }
    this.copyIn(piece);
  }

  /** The collected pieces, in order; resets the assembler for the next message. */
  finish(): Buffer[] {
    this.seal();
    const pieces = this.pieces;
    this.pieces = [];
    this.total = 0;
    this.coalesce = null;
    this.coalesceStart = this.coalesceEnd = 0;
    return pieces;
  }

  private copyIn(piece: Buffer): void {
    let coalesce = this.coalesce;
    if (coalesce === null || coalesce.length - this.coalesceEnd < piece.length) {
      this.seal();
      // Doubling with the message so far keeps the unused tail (pinned, but empty) at most the
      // size of what is stored: pinned bytes stay under ~2x payload plus COALESCE_MIN.
      const capacity = Math.max(piece.length, Math.min(COALESCE_MAX, Math.max(COALESCE_MIN, this.total)));
      coalesce = Buffer.allocUnsafeSlow(capacity);
      this.coalesce = coalesce;
      this.coalesceStart = this.coalesceEnd = 0;
    }
    piece.copy(coalesce, this.coalesceEnd);
    this.coalesceEnd += piece.length;
  }

  /** Move the filled part of the coalescing buffer into `pieces`; later bytes go after it. */
  private seal(): void {
    if (this.coalesce === null || this.coalesceEnd === this.coalesceStart) return;
    this.pieces.push(this.coalesce.subarray(this.coalesceStart, this.coalesceEnd));
    this.coalesceStart = this.coalesceEnd;
  }
}
