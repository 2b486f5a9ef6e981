// The way out of a connection: frames made by the session go through the ordered send queue,
// under write-side flow control: the slow-consumer limit (maxBufferedAmount, close 1008), the
// high-water mark that send() reports and 'drain' follows, and read backpressure while the peer
// does not take what we send. Connection (connection.ts) is the whole of it with the way in.

import type { Duplex } from 'node:stream';
import { codedError } from '../errors.js';
import { isRefusal, SessionState, type Session } from '../protocol/session.js';
import type { PerMessageDeflate } from './deflate-codec.js';
import { SendQueue, type FillSlot, type SendCallback, type SendQueueOwner } from './send-queue.js';
import { awaitDrain } from './socket-binding.js';

/**
 * Stop reading from a peer while this much of what we send it waits unsent: a peer that does not
 * read cannot make us process (and answer) what it keeps sending. Above what a busy echo keeps in
 * flight (the benchmark's 16 x 64 KiB window, 2 x 1 MiB): at 256 KiB the pause/resume on every
 * 64 KiB echo cost 216 vs 70 µs of server CPU per message (`BENCH_BASELINE_DIST=<variant>
 * node bench/run.mjs --no-uws --only=echo-64KiB --repeats=5`, 1 conn, 2026-12-01).
 */
const SEND_CONGESTION = 4 * 1024 * 1024;

const POLICY_REASON = Buffer.from('Send buffer limit exceeded');
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

export function notOpenError(state: number): Error {
  return new Error(`WebSocket is not open: readyState ${state} (${STATE_NAMES[state]})`);
}

export abstract class Outbound implements SendQueueOwner {
  readonly socket: Duplex;
  readonly session: Session;
  protected readonly deflate: PerMessageDeflate | null;
  protected readonly queue: SendQueue;
  private readonly maxBufferedAmount: number;
  /** The latest unanswered ping while writes are backed up. */
  protected pendingPong: Buffer | null = null;
  /** A 'drain' listener is registered (at most one). */
  protected awaitingDrain = false;
  /** send() returned false: tell the handler when the buffer is below its high-water mark again. */
  private drainWanted = false;
  /** Our writes are backed up past SEND_CONGESTION: reading waits for 'drain'. */
  protected sendCongested = false;
  /** A policy closed the connection: nothing more is read. */
  protected readingStopped = false;

  constructor(socket: Duplex, session: Session, deflate: PerMessageDeflate | null, maxBufferedAmount: number) {
    this.socket = socket;
    this.session = session;
    this.deflate = deflate;
    this.maxBufferedAmount = maxBufferedAmount;
    this.queue = new SendQueue(socket, this);
  }

  /** Exact bytes not yet handed to the OS: our queue plus the socket's own buffer. */
  get bufferedAmount(): number {
    return this.queue.bufferedAmount;
  }

  /** Start or stop reading from the socket as the connection's state says. */
  protected abstract updateReading(): void;
  /** Write our close frame (if any) and act on what the session says about TCP. */
  protected abstract writeClose(frame: Buffer | null): void;
  /** The send buffer is below its high-water mark again after send() returned false. */
  protected abstract onDrain(): void;
  abstract onFrameFailed(error: Error): void;
  abstract onQueueDrained(): void;

  notOpenError(): Error {
    return notOpenError(this.session.state);
  }

  /** After a write: past SEND_CONGESTION, stop reading until the socket drains. */
  private noteQueued(): void {
    if (this.sendCongested || this.queue.bufferedAmount <= SEND_CONGESTION) return;
    this.sendCongested = true;
    this.socket.pause();
    this.watchDrain();
  }

  private watchDrain(): void {
    if (this.socket.writableNeedDrain && !this.awaitingDrain) {
      this.awaitingDrain = true;
      awaitDrain(this.socket);
    }
  }

  /**
   * A peer that floods pings and never reads must not grow our write buffer: while writes are
   * backed up, only the latest ping is answered (RFC 6455 §5.5.3 allows exactly that).
   */
  protected answerPing(data: Buffer): void {
    if (!this.queue.isWaiting && !this.socket.writableNeedDrain) {
      this.sendPong(data);
      return;
    }
    this.pendingPong = Buffer.from(data);
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      awaitDrain(this.socket);
    }
  }

  private sendPendingPong(): void {
    const data = this.pendingPong;
    if (data === null) return;
    this.pendingPong = null;
    this.sendPong(data);
  }

  private sendPong(data: Buffer): void {
    const frame = this.session.framePong(data);
    if (!isRefusal(frame)) this.queue.push(frame, data.length, undefined);
  }

  /**
   * The slow-consumer policy: whether `length` more bytes may be queued. A send that would take
   * bufferedAmount above maxBufferedAmount is refused (its callback gets WS_ERR_BUFFER_LIMIT),
   * and the connection is closed with 1008 at once: it stops reading and dispatching, and the
   * socket is dropped if the peer has not taken the close frame within a second. A send into an
   * empty buffer is always admitted, whatever its size (maxPayload bounds sizes at the receiver).
   */
  admits(length: number, callback?: SendCallback): boolean {
    const limit = this.maxBufferedAmount;
    if (limit <= 0) return true;
    const buffered = this.queue.bufferedAmount;
    if (buffered === 0 || buffered + length <= limit) return true;
    if (callback) process.nextTick(callback, codedError('Send buffer limit exceeded (maxBufferedAmount)', 'WS_ERR_BUFFER_LIMIT'));
    if (this.session.state === SessionState.Open) {
      this.readingStopped = true;
      this.socket.pause();
      this.writeClose(this.session.fail(1008, POLICY_REASON));
    }
    return false;
  }

  /**
   * Whether the send buffer is below its high-water mark (the socket's, as socket.write tells);
   * when not, the handler hears onDrain once it is again.
   */
  canTakeMore(): boolean {
    if (this.queue.bufferedAmount < this.socket.writableHighWaterMark) return true;
    this.drainWanted = true;
    this.watchDrain();
    return false;
  }

  /**
   * Send one data frame. `fin: false` starts or continues a fragmented message; compression
   * applies only to whole messages (RSV1 belongs to the first frame of a message, RFC 7692 §6).
   */
  sendData(data: Buffer, binary: boolean, fin: boolean, compress: boolean, mask: boolean | undefined, callback?: SendCallback): void {
    const deflate = this.deflate;
    if (deflate !== null && compress && fin && !this.session.sendingFragments && data.length >= deflate.threshold) {
      const slot = this.session.reserveData(binary, true);
      if (isRefusal(slot)) return this.refuse(callback);
      const fill = this.queue.reserve(data.length, callback);
      deflate.compress(data, (error, result) => {
        if (error || result === undefined) fill(error ?? new Error('Compression failed'));
        else fill(null, this.session.frameSlot(slot, result, true, mask));
      });
      this.noteQueued();
      return;
    }
    const frame = this.session.frameData(data, binary, fin, mask);
    if (isRefusal(frame)) return this.refuse(callback);
    this.queue.push(frame, data.length, callback);
    this.noteQueued();
  }

  /** A data frame whose bytes come later (a Blob being read), keeping its place in the order. */
  sendDeferred(size: number, binary: boolean, fin: boolean, mask: boolean | undefined, callback?: SendCallback): ((error: Error | null, data?: Buffer) => void) | null {
    const slot = this.session.reserveData(binary, fin);
    if (isRefusal(slot)) {
      this.refuse(callback);
      return null;
    }
    const fill = this.queue.reserve(size, callback);
    this.noteQueued();
    return (error, data) => {
      if (error !== null || data === undefined) fill(error ?? new Error('No data'));
      else fill(null, this.session.frameSlot(slot, data, false, mask));
    };
  }

  /**
   * A Blob, whose bytes are read asynchronously, in its place in the send order. An unreadable
   * Blob (ws's behaviour): its callback gets the read error (a DOMException, NotReadableError)
   * and `onUnreadable` drops the connection; its slot never reaches the wire.
   */
  sendBlob(blob: Blob, binary: boolean, fin: boolean, mask: boolean | undefined, callback: SendCallback | undefined, onUnreadable: (error: Error) => void): boolean {
    if (!this.admits(blob.size, callback)) return false;
    let unreadable = false;
    const settle: SendCallback = (error) => {
      if (!unreadable) callback?.(error);
    };
    const fill = this.sendDeferred(blob.size, binary, fin, mask, settle);
    if (fill === null) return false;
    blob.arrayBuffer().then(
      (bytes) => fill(null, Buffer.from(bytes)),
      (error: Error) => {
        unreadable = true;
        callback?.(error);
        onUnreadable(error);
      },
    );
    return this.canTakeMore();
  }

  sendPing(data: Buffer, mask: boolean | undefined, callback?: SendCallback): void {
    const frame = this.session.framePing(data, mask);
    if (isRefusal(frame)) return this.refuse(callback);
    this.queue.push(frame, data.length, callback);
  }

  sendPongFrame(data: Buffer, mask: boolean | undefined, callback?: SendCallback): void {
    const frame = this.session.framePong(data, mask);
    if (isRefusal(frame)) return this.refuse(callback);
    this.queue.push(frame, data.length, callback);
  }

  /** Pre-framed bytes (broadcast): written as they are, in order, while the session is open. */
  sendFramed(buffers: Buffer[], callback?: SendCallback): void {
    if (this.session.state !== SessionState.Open) return this.refuse(callback);
    let size = 0;
    for (const buffer of buffers) size += buffer.length;
    this.queue.push(buffers, size, callback);
    this.noteQueued();
  }

  /** ws's `_sender.sendFrame(list, cb)`, which engine.io (Socket.IO) calls with frames built by ws. */
  sendFrame(list: Buffer[], callback?: SendCallback): void {
    this.sendFramed(list, callback);
  }

  /** A place in the send order for a pre-framed message whose bytes come later (a compressed broadcast). */
  reserveFramed(size: number): FillSlot | null {
    if (this.session.state !== SessionState.Open) return null;
    const fill = this.queue.reserve(size, undefined);
    this.noteQueued();
    return fill;
  }

  private refuse(callback: SendCallback | undefined): void {
    if (callback) process.nextTick(callback, notOpenError(this.session.state));
  }

  /** The socket took everything: answer a held ping, tell a sender waiting for 'drain'. */
  protected onWritable(): void {
    this.sendPendingPong();
    if (this.sendCongested) {
      this.sendCongested = false;
      this.updateReading();
    }
    if (this.drainWanted && this.session.state === SessionState.Open) {
      this.drainWanted = false;
      this.onDrain();
    }
  }
}
