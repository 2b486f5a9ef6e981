// Binds a protocol Session to a socket: feeds it the bytes that arrive, runs the inflation it asks
// for, writes the frames it makes through the ordered send queue, and does what it says about
// TCP (end now, or wait for the peer under the close timer). It keeps no protocol state itself.

import type { Duplex } from 'node:stream';
import { codedError, errorFromViolation, type WebSocketError } from '../errors.js';
import { isRefusal, SessionState, type Session, type SessionEvent } from '../protocol/session.js';
import type { DeflateError, PerMessageDeflate } from './deflate-codec.js';
import { SendQueue, type FillSlot, type SendCallback } from './send-queue.js';
import { awaitDrain, bindSocket, type SocketEventSink } from './socket-binding.js';

export type { SendCallback } from './send-queue.js';

/** What the connection reports upward (implemented by the public WebSocket). */
export interface ConnectionHandler {
  onMessage(fragments: Buffer[], length: number, binary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** The connection failed (§7.1.7); a close frame with error.closeCode has been sent if it could be. */
  onProtocolError(error: WebSocketError): void;
  /** The TCP connection is gone; the session holds the close code and reason. */
  onClosed(): void;
  /** The send buffer went from at or above its high-water mark to below it (send() had returned false). */
  onDrain(): void;
}

export interface ConnectionOptions {
  autoPong: boolean;
  deflate: PerMessageDeflate | null;
  /** How long to wait for the peer's part of the closing handshake before destroying the socket. */
  closeTimeout: number;
  /** The slow-consumer limit of bufferedAmount in bytes; 0 = none. */
  maxBufferedAmount: number;
}

/** While inflating or paused, stop reading from the socket once this much waits in the parser. */
const MAX_BUFFERED_WHILE_BUSY = 1 << 20;

/**
 * After a failure or a policy close, how long the peer gets to take our close frame before the
 * socket is destroyed: a peer that broke the rules or stopped reading is not owed closeTimeout.
 */
const FAILED_CLOSE_GRACE = 1000;

const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

export function notOpenError(state: number): Error {
  return new Error(`WebSocket is not open: readyState ${state} (${STATE_NAMES[state]})`);
}

export class Connection implements SocketEventSink {
  readonly socket: Duplex;
  readonly session: Session;
  /** Set on every received chunk; the shared heartbeat timer clears it when it pings. */
  heardFrom = true;
  isPaused = false;

  private readonly handler: ConnectionHandler;
  private readonly deflate: PerMessageDeflate | null;
  private readonly autoPong: boolean;
  private readonly closeTimeout: number;
  private readonly queue: SendQueue;
  private inflating = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** End TCP once the queue is flushed (a close frame waits behind a compressed message). */
  private endAfterQueue = false;
  /** The latest unanswered ping while writes are backed up. */
  private pendingPong: Buffer | null = null;
  private awaitingDrain = false;
  /** send() returned false: tell the handler when the buffer is below its high-water mark again. */
  private drainWanted = false;
  private readonly maxBufferedAmount: number;

  constructor(socket: Duplex, session: Session, handler: ConnectionHandler, options: ConnectionOptions) {
    this.socket = socket;
    this.session = session;
    this.handler = handler;
    this.deflate = options.deflate;
    this.autoPong = options.autoPong;
    this.closeTimeout = options.closeTimeout;
    this.maxBufferedAmount = options.maxBufferedAmount;
    this.queue = new SendQueue(socket, this);
    bindSocket(socket, this);
  }

  /**
   * Begin reading. Bytes that arrived with the handshake (after its blank line) come first, on
   * the next tick: the socket stays paused until then, so nothing overtakes them.
   */
  start(head: Buffer): void {
    if (head.length === 0) {
      this.socket.resume();
      return;
    }
    this.socket.pause();
    process.nextTick(receiveHead, this, head);
  }

  /** @internal */
  receiveHead(head: Buffer): void {
    if (this.session.state === SessionState.Closed) return;
    this.receive(head);
    if (!this.isPaused && !this.inflating) this.socket.resume();
  }

  /** Exact bytes not yet handed to the OS: our queue plus the socket's own buffer. */
  get bufferedAmount(): number {
    return this.queue.bufferedAmount;
  }

  /** The negotiated permessage-deflate codec, or null. */
  get compression(): PerMessageDeflate | null {
    return this.deflate;
  }

  // ---- receiving -------------------------------------------------------------------------------

  private receive(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.heardFrom = true;
    this.session.receive(chunk);
    this.processReceived();
  }

  private processReceived(): void {
    while (!this.inflating && !this.isPaused) {
      const event = this.session.nextEvent();
      if (event === null) break;
      this.dispatch(event);
    }
    const busy = this.inflating || this.isPaused;
    if (busy && this.session.bufferedBytes > MAX_BUFFERED_WHILE_BUSY) this.socket.pause();
    else if (!this.isPaused) this.socket.resume();
  }

  private dispatch(event: SessionEvent): void {
    switch (event.type) {
      case 'message':
        this.handler.onMessage(event.fragments, event.length, event.binary);
        return;
      case 'ping':
        if (this.autoPong) this.answerPing(event.data);
        this.handler.onPing(event.data);
        return;
      case 'pong':
        this.handler.onPong(event.data);
        return;
      case 'compressed':
        this.inflate(event.payload, event.fin);
        return;
      case 'close':
        this.writeClose(event.reply);
        return;
      case 'failed':
        this.reportFailure(errorFromViolation(event.violation), event.violation.closeCode, event.reply);
        return;
    }
  }

  /**
   * A peer that floods pings and never reads must not grow our write buffer: while writes are
   * backed up, only the latest ping is answered (RFC 6455 §5.5.3 allows exactly that).
   */
  private answerPing(data: Buffer): void {
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

  private inflate(payload: Buffer, fin: boolean): void {
    const deflate = this.deflate;
    if (deflate === null) return;
    this.inflating = true;
    deflate.decompress(
      payload,
      fin,
      (chunk) => this.takeInflated(chunk),
      (error) => this.onInflated(error, fin),
    );
  }

  private takeInflated(chunk: Buffer): boolean {
    const failed = this.session.receiveInflated(chunk);
    if (failed === null) return true;
    this.dispatch(failed);
    return false;
  }

  private onInflated(error: DeflateError | null, fin: boolean): void {
    this.inflating = false;
    if (this.session.state === SessionState.Closed) return;
    if (error) {
      // RFC 7692 names no close code for undecodable data: 1007, as ws sends. An abort is our
      // own doing after a violation that was already reported.
      if (error.code !== 'WS_ERR_DECOMPRESSION_ABORTED') this.failWith(error.closeCode ?? 1007, error);
      return;
    }
    if (fin) {
      const result = this.session.finishInflated();
      if (result !== null) this.dispatch(result);
    }
    this.processReceived();
  }

  /** §7.1.7 for a failure found here (inflation, compression): the session makes the close frame. */
  private failWith(closeCode: number, error: WebSocketError): void {
    if (this.session.state === SessionState.Closed || this.session.hasFailed) return;
    this.reportFailure(error, closeCode, this.session.fail(closeCode));
  }

  private reportFailure(error: WebSocketError, closeCode: number, reply: Buffer | null): void {
    error.closeCode = closeCode;
    this.writeClose(reply);
    this.handler.onProtocolError(error);
  }

  // ---- sending ---------------------------------------------------------------------------------

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
    if (this.socket.writableNeedDrain && !this.awaitingDrain) {
      this.awaitingDrain = true;
      awaitDrain(this.socket);
    }
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
      return;
    }
    const frame = this.session.frameData(data, binary, fin, mask);
    if (isRefusal(frame)) return this.refuse(callback);
    this.queue.push(frame, data.length, callback);
  }

  /** A data frame whose bytes come later (a Blob being read), keeping its place in the order. */
  sendDeferred(size: number, binary: boolean, fin: boolean, mask: boolean | undefined, callback?: SendCallback): ((error: Error | null, data?: Buffer) => void) | null {
    const slot = this.session.reserveData(binary, fin);
    if (isRefusal(slot)) {
      this.refuse(callback);
      return null;
    }
    const fill = this.queue.reserve(size, callback);
    return (error, data) => {
      if (error !== null || data === undefined) fill(error ?? new Error('No data'));
      else fill(null, this.session.frameSlot(slot, data, false, mask));
    };
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
  }

  /** ws's `_sender.sendFrame(list, cb)`, which engine.io (Socket.IO) calls with frames built by ws. */
  sendFrame(list: Buffer[], callback?: SendCallback): void {
    this.sendFramed(list, callback);
  }

  /** A place in the send order for a pre-framed message whose bytes come later (a compressed broadcast). */
  reserveFramed(size: number): FillSlot | null {
    if (this.session.state !== SessionState.Open) return null;
    return this.queue.reserve(size, undefined);
  }

  private refuse(callback: SendCallback | undefined): void {
    if (callback) process.nextTick(callback, notOpenError(this.session.state));
  }

  // ---- closing ---------------------------------------------------------------------------------

  /** Start (or complete) the closing handshake. Code and reason were validated by the caller. */
  close(code: number | undefined, reason: Buffer | undefined): void {
    if (this.session.state === SessionState.Closed) return;
    this.writeClose(this.session.close(code, reason));
  }

  terminate(): void {
    if (this.session.state === SessionState.Closed) return;
    this.session.terminate();
    this.socket.destroy();
  }

  pause(): void {
    if (this.session.state === SessionState.Closed) return;
    this.isPaused = true;
    this.socket.pause();
  }

  resume(): void {
    if (this.session.state === SessionState.Closed || this.session.hasFailed) return;
    this.isPaused = false;
    this.socket.resume();
    this.processReceived();
  }

  /** Write our close frame (if the session made one), then act on what the session says about TCP. */
  private writeClose(frame: Buffer | null): void {
    if (frame !== null) this.queue.push([frame], 0, undefined);
    if (this.session.shouldCloseTransport) this.endWhenFlushed();
    if (this.session.awaitingPeerClose && this.closeTimer === null) {
      const wait = this.session.hasFailed ? Math.min(FAILED_CLOSE_GRACE, this.closeTimeout) : this.closeTimeout;
      this.closeTimer = setTimeout(destroySocket, wait, this.socket);
    }
  }

  /** Close our side of TCP once every queued frame (a compression may be running) is written. */
  private endWhenFlushed(): void {
    if (this.queue.isWaiting) this.endAfterQueue = true;
    else this.socket.end();
  }

  // ---- SendQueueOwner ----------------------------------------------------------------------------

  /** @internal a compressed or deferred frame could not be made: the message order is broken. */
  onFrameFailed(error: Error): void {
    this.failWith(1011, codedError(error.message, 'WS_ERR_COMPRESSION'));
  }

  /** @internal */
  onQueueDrained(): void {
    if (this.endAfterQueue) {
      this.endAfterQueue = false;
      this.socket.end();
      return;
    }
    if (!this.socket.writableNeedDrain) this.onWritable();
  }

  /** @internal */
  notOpenError(): Error {
    return notOpenError(this.session.state);
  }

  // ---- SocketEventSink ---------------------------------------------------------------------------

  /** @internal */
  onSocketData(chunk: Buffer): void {
    this.receive(chunk);
  }

  /** @internal the peer sent FIN: nothing more will arrive, so finish our side too. */
  onSocketEnd(): void {
    this.session.receiveEof();
    this.endWhenFlushed();
  }

  /** @internal */
  onSocketDrain(): void {
    this.awaitingDrain = false;
    if (!this.queue.isWaiting) this.onWritable();
  }

  /** The socket took everything: answer a held ping, tell a sender waiting for 'drain'. */
  private onWritable(): void {
    this.sendPendingPong();
    if (this.drainWanted && this.session.state === SessionState.Open) {
      this.drainWanted = false;
      this.handler.onDrain();
    }
  }

  /** @internal */
  onSocketClose(): void {
    if (this.session.state === SessionState.Closed) return;
    this.session.transportClosed();
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.deflate?.cleanup();
    this.queue.rejectAll(notOpenError(SessionState.Closed));
    this.handler.onClosed();
  }
}

const POLICY_REASON = Buffer.from('Send buffer limit exceeded');

function receiveHead(connection: Connection, head: Buffer): void {
  connection.receiveHead(head);
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}
