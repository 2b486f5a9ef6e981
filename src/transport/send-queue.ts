// The ordered way out to the socket. Frames leave in the order they were sent even when some of
// them are still being produced (compression runs asynchronously, a Blob is being read): those
// hold a place in the queue and everything behind them waits. Small frames sent in one tick leave
// in one write: frames lying back to back in memory (frame-writer.ts carves them from one slab)
// are joined into one view without a copy, the rest leave corked, in one writev.

import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isPooledFrame, releasePooledFrame } from '../protocol/frame-pool.js';

export type SendCallback = (error?: Error | null) => void;

/** A frame waiting its turn: ready at once, or when its bytes are produced. */
interface QueuedFrame {
  buffers: Buffer[] | null;
  /** Bytes this entry adds to the queued amount until it reaches the socket. */
  size: number;
  callback: SendCallback | undefined;
  error: Error | null;
  /** The connection closed before this entry was written: its buffers are dropped on arrival. */
  dropped: boolean;
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
  /** Frames from the frame pool in this batch, released once the socket has written them. */
  pooled: Buffer[] | null;
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
  /**
   * The socket is done with a chunk when it calls back: a net.Socket (TLS included) hands it to
   * the kernel or to OpenSSL. Any other Duplex may keep the chunk itself (an in-memory pair
   * passes it to its peer), so pooled frames reach it as copies.
   */
  private readonly writesBeforeCallback: boolean;

  constructor(
    private readonly socket: Duplex,
    private readonly owner: SendQueueOwner,
  ) {
    this.writesBeforeCallback = socket instanceof Socket;
  }

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
    this.queue.push({ buffers, size, callback, error: null, dropped: false });
    this.queuedBytes += size;
  }

  /** Keep a place for a frame whose bytes come later; call the returned function with them. */
  reserve(size: number, callback: SendCallback | undefined): FillSlot {
    const entry: QueuedFrame = { buffers: null, size, callback, error: null, dropped: false };
    (this.queue ??= []).push(entry);
    this.queuedBytes += size;
    return (error, buffers) => {
      if (entry.dropped) {
        if (buffers !== undefined) releaseFrames(buffers);
        return;
      }
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
    for (const entry of queue) {
      entry.dropped = true;
      if (entry.buffers !== null) releaseFrames(entry.buffers);
      if (entry.callback) entry.callback(error);
    }
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
      releaseFrames(buffers);
      if (callback) process.nextTick(callback, this.owner.notOpenError());
      return;
    }
    const last = buffers.length - 1;
    // Pooled frames are always one buffer (frame-writer.ts).
    let pooled = last === 0 && isPooledFrame(buffers[0]);
    if (pooled && !this.writesBeforeCallback) {
      const copy = Buffer.from(buffers[0]);
      releasePooledFrame(buffers[0]);
      buffers = [copy];
      pooled = false;
    }
    if (last === 0 && buffers[0].length < LARGE_WRITE) {
      this.addToBatch(buffers[0], callback, pooled);
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
      socket.write(buffers[last], pooled ? releaseAfterWrite(buffers[last], callback) : callback);
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
  private addToBatch(frame: Buffer, callback: SendCallback | undefined, pooled: boolean): void {
    let batch = this.batch;
    if (batch !== null && (frame.buffer !== batch.first.buffer || frame.byteOffset !== batch.end)) {
      this.flushBatch();
      batch = null;
    }
    if (batch === null) {
      batch = this.batch = { first: frame, end: frame.byteOffset + frame.length, bytes: frame.length, callbacks: null, pooled: null };
      this.scheduleTick();
    } else {
      batch.end += frame.length;
      batch.bytes += frame.length;
    }
    if (callback !== undefined) (batch.callbacks ??= []).push(callback);
    if (pooled) (batch.pooled ??= []).push(frame);
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
    const { callbacks, pooled } = batch;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      if (pooled !== null) releaseFrames(pooled);
      if (callbacks !== null) for (const callback of callbacks) process.nextTick(callback, this.owner.notOpenError());
      return;
    }
    if (pooled !== null) socket.write(bytes, (error) => settleBatch(pooled, callbacks, error));
    else if (callbacks === null) socket.write(bytes);
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

function releaseFrames(buffers: Buffer[]): void {
  for (const buffer of buffers) releasePooledFrame(buffer);
}

/** The socket calls back once it no longer reads the chunk, with or without an error. */
function releaseAfterWrite(frame: Buffer, callback: SendCallback | undefined): SendCallback {
  return (error) => {
    releasePooledFrame(frame);
    if (callback !== undefined) callback(error);
  };
}

function settleBatch(pooled: Buffer[], callbacks: SendCallback[] | null, error: Error | null | undefined): void {
  releaseFrames(pooled);
  if (callbacks !== null) callEach(callbacks, error);
}
