// The ordered way out to the socket. Frames leave in the order they were sent even when some of
// them are still being produced (compression runs asynchronously, a Blob is being read): those
// hold a place in the queue and everything behind them waits. Small frames sent in one tick leave
// in one write: frames lying back to back in memory (frame-writer.ts carves them from one slab)
// are joined into one view without a copy, the rest leave corked, in one writev.

import type { Duplex } from 'node:stream';

export type SendCallback = (error?: Error | null) => void;

/** A frame waiting its turn: ready at once, or when its bytes are produced. */
interface QueuedFrame {
  buffers: Buffer[] | null;
  /** Bytes this entry adds to the queued amount until it reaches the socket. */
  size: number;
  callback: SendCallback | undefined;
  error: Error | null;
}

/** Fills a reserved place: the frame's buffers, or the error that kept them from being made. */
export type FillSlot = (error: Error | null, buffers?: Buffer[]) => void;

/** What the queue tells its owner. */
export interface SendQueueOwner {
  /** A reserved frame could not be produced: the connection cannot go on in order. */
  onFrameFailed(error: Error): void;
  /** The queue emptied (after waiting on a reserved frame). */
  onQueueDrained(): void;
  /** The error a send gets when the socket can no longer take it. */
  notOpenError(): Error;
}

/** Payloads from this size are written at once instead of waiting for the tick's batch. */
const LARGE_WRITE = 16 * 1024;

/**
 * Small single-buffer frames of one tick are gathered as one range of memory and written with one
 * socket.write at the end of the tick: one Writable chunk and one iovec instead of one per frame
 * (bench/PROFILE.md: 16 corked writes of 1 KiB cost ~0.5 µs per frame more than one joined write).
 */
interface Batch {
  /** The first frame; when it is the only one it is written as it is. */
  first: Buffer;
  /** Byte offset just past the last frame, in first.buffer. */
  end: number;
  bytes: number;
  callbacks: SendCallback[] | null;
}

export class SendQueue {
  /** Entries behind a reserved place; null while nothing waits (the common case: write through). */
  private queue: QueuedFrame[] | null = null;
  private queuedBytes = 0;
  private corked = false;
  /** Small frames of this tick not yet handed to the socket; written at the tick's end. */
  private batch: Batch | null = null;
  /** A nextTick flush is scheduled (for the batch and/or the cork). */
  private tickScheduled = false;

  constructor(
    private readonly socket: Duplex,
    private readonly owner: SendQueueOwner,
  ) {}

  /** Bytes not yet handed to the OS: our queue plus the socket's own buffer. */
  get bufferedAmount(): number {
    return this.queuedBytes + (this.batch?.bytes ?? 0) + this.socket.writableLength;
  }

  /** Whether frames wait behind a reserved place. */
  get isWaiting(): boolean {
    return this.queue !== null;
  }

  /** Write a frame now, or behind the reserved places in front of it. `size` counts towards bufferedAmount. */
  push(buffers: Buffer[], size: number, callback: SendCallback | undefined): void {
    if (this.queue === null) {
      this.write(buffers, callback);
      return;
    }
    this.queue.push({ buffers, size, callback, error: null });
    this.queuedBytes += size;
  }

  /** Keep a place for a frame whose bytes come later; call the returned function with them. */
  reserve(size: number, callback: SendCallback | undefined): FillSlot {
    const entry: QueuedFrame = { buffers: null, size, callback, error: null };
    (this.queue ??= []).push(entry);
    this.queuedBytes += size;
    return (error, buffers) => {
      if (error !== null || buffers === undefined) entry.error = error ?? new Error('No data');
      else entry.buffers = buffers;
      this.flush();
    };
  }

  /** End our side of TCP after everything handed to the queue so far that is ready (the tick's batch too). */
  end(): void {
    this.flushBatch();
    this.socket.end();
  }

  /** The connection closed: every waiting frame's callback gets `error`. */
  rejectAll(error: Error): void {
    const queue = this.queue;
    this.queue = null;
    this.queuedBytes = 0;
    if (queue === null) return;
    for (const entry of queue) if (entry.callback) entry.callback(error);
  }

  private flush(): void {
    const queue = this.queue;
    if (queue === null) return;
    while (queue.length > 0 && (queue[0].buffers !== null || queue[0].error !== null)) {
      const entry = queue.shift()!;
      this.queuedBytes -= entry.size;
      if (entry.error !== null) {
        if (entry.callback) entry.callback(entry.error);
        this.owner.onFrameFailed(entry.error);
      } else {
        this.write(entry.buffers!, entry.callback);
      }
    }
    if (queue.length === 0 && this.queue === queue) {
      this.queue = null;
      this.owner.onQueueDrained();
    }
  }

  private write(buffers: Buffer[], callback: SendCallback | undefined): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      if (callback) process.nextTick(callback, this.owner.notOpenError());
      return;
    }
    const last = buffers.length - 1;
    if (last === 0 && buffers[0].length < LARGE_WRITE) {
      this.addToBatch(buffers[0], callback);
      return;
    }
    // Whatever was batched before this frame leaves before it.
    this.flushBatch();
    if (buffers[last].length >= LARGE_WRITE) {
      // A large payload goes out at once: batching it with others only delays it and makes
      // the kernel take one huge writev in pieces.
      if (this.corked) this.uncork();
      if (last > 0) socket.cork();
      for (let i = 0; i < last; i++) socket.write(buffers[i]);
      socket.write(buffers[last], callback);
      if (last > 0) socket.uncork();
      return;
    }
    // Everything written in one tick leaves in one writev: the single biggest win for small frames.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      this.scheduleTick();
    }
    for (let i = 0; i < last; i++) socket.write(buffers[i]);
    socket.write(buffers[last], callback);
  }

  /**
   * Join `frame` to the tick's batch: extended in place when it starts where the batch ends in
   * the same memory, else the batch so far is written and a new one starts with it. Past the
   * socket's high-water mark the batch leaves at once, so that send() returning false always
   * means the socket itself is full and will say 'drain'.
   */
  private addToBatch(frame: Buffer, callback: SendCallback | undefined): void {
    let batch = this.batch;
    if (batch !== null && (frame.buffer !== batch.first.buffer || frame.byteOffset !== batch.end)) {
      this.flushBatch();
      batch = null;
    }
    if (batch === null) {
      batch = this.batch = { first: frame, end: frame.byteOffset + frame.length, bytes: frame.length, callbacks: null };
      this.scheduleTick();
    } else {
      batch.end += frame.length;
      batch.bytes += frame.length;
    }
    if (callback !== undefined) (batch.callbacks ??= []).push(callback);
    const socket = this.socket;
    if (batch.bytes + socket.writableLength >= socket.writableHighWaterMark) this.flushBatch();
  }

  /**
   * Hand the batch to the socket. Before the tick's end it goes in corked, so that a batch cut in
   * two (its frames crossed from one slab into the next) still leaves in one writev: a burst
   * split into two TCP segments stays split at a peer that answers each read, and every later
   * round trip would then cost two reads and two writes instead of one.
   */
  private flushBatch(endOfTick = false): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    if (!endOfTick && !this.corked) {
      this.corked = true;
      this.socket.cork();
    }
    const first = batch.first;
    const bytes = first.length === batch.bytes ? first : Buffer.from(first.buffer, first.byteOffset, batch.bytes);
    const callbacks = batch.callbacks;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      if (callbacks !== null) for (const callback of callbacks) process.nextTick(callback, this.owner.notOpenError());
      return;
    }
    if (callbacks === null) socket.write(bytes);
    else if (callbacks.length === 1) socket.write(bytes, callbacks[0]);
    else socket.write(bytes, (error) => callEach(callbacks, error));
  }

  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    process.nextTick(endOfTick, this);
  }

  /** @internal */
  endTick(): void {
    this.tickScheduled = false;
    this.flushBatch(true);
    if (this.corked) this.uncork();
  }

  /** @internal */
  uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

function endOfTick(queue: SendQueue): void {
  queue.endTick();
}

function callEach(callbacks: SendCallback[], error: Error | null | undefined): void {
  for (const callback of callbacks) callback(error);
}
