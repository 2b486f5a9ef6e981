// Binds a protocol Session to a socket: feeds it the bytes that arrive, runs the inflation it asks
// for, writes the frames it makes through the ordered send queue, and does what it says about
// TCP (end now, or wait for the peer under the close timer). It keeps no protocol state itself.

import type { Duplex } from 'node:stream';
import { codedError, errorFromViolation, type WebSocketError } from '../errors.js';
import { SessionState, type Session, type SessionEvent } from '../protocol/session.js';
import type { DeflateError, PerMessageDeflate } from './deflate-codec.js';
import { notOpenError, Outbound } from './outbound.js';
import { bindSocket, type SocketEventSink } from './socket-binding.js';

export type { SendCallback } from './send-queue.js';
export { notOpenError } from './outbound.js';

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

/** While inflating, stop reading from the socket once this much waits in the parser. */
const MAX_BUFFERED_WHILE_BUSY = 1 << 20;

/**
 * After a failure or a policy close, how long the peer gets to take our close frame before the
 * socket is destroyed: a peer that broke the rules or stopped reading is not owed closeTimeout.
 */
const FAILED_CLOSE_GRACE = 1000;

export class Connection extends Outbound implements SocketEventSink {
  /** Set on every received chunk; the shared heartbeat timer clears it when it pings. */
  heardFrom = true;
  isPaused = false;

  private readonly handler: ConnectionHandler;
  private readonly autoPong: boolean;
  private readonly closeTimeout: number;
  private inflating = false;
  /** The socket closed while received bytes still waited (behind inflation): close once they are processed. */
  private transportGone = false;
  private closeTimer: NodeJS.Timeout | null = null;
  /** End TCP once the queue is flushed (a close frame waits behind a compressed message). */
  private endAfterQueue = false;

  constructor(socket: Duplex, session: Session, handler: ConnectionHandler, options: ConnectionOptions) {
    super(socket, session, options.deflate, options.maxBufferedAmount);
    this.handler = handler;
    this.autoPong = options.autoPong;
    this.closeTimeout = options.closeTimeout;
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
    this.updateReading();
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
    this.updateReading();
  }

  /**
   * Read from the socket unless something says stop: the user paused, inflation is behind, the
   * peer is not reading what we send, or a policy closed the connection. TCP then pushes back.
   */
  protected updateReading(): void {
    const stop =
      this.isPaused || this.sendCongested || this.readingStopped || (this.inflating && this.session.bufferedBytes > MAX_BUFFERED_WHILE_BUSY);
    if (stop) this.socket.pause();
    else this.socket.resume();
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
    } else {
      if (fin) {
        const result = this.session.finishInflated();
        if (result !== null) this.dispatch(result);
      }
      this.processReceived();
    }
    if (this.transportGone && !this.inflating) this.finishClose();
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
    if (this.session.state === SessionState.Closed) return;
    this.isPaused = false;
    this.processReceived();
  }

  /** Write our close frame (if the session made one), then act on what the session says about TCP. */
  protected writeClose(frame: Buffer | null): void {
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
    // Through the queue (issue 14): it writes the tick's batch of small frames before the FIN.
    else this.queue.end();
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
      this.queue.end(); // the tick's batch first (issue 14)
      return;
    }
    if (!this.socket.writableNeedDrain) this.onWritable();
  }

  /** @internal */
  protected onDrain(): void {
    this.handler.onDrain();
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


  /** @internal */
  onSocketClose(): void {
    if (this.session.state === SessionState.Closed || this.transportGone) return;
    this.transportGone = true;
    // What arrived before TCP closed is delivered first, the peer's close frame included, even
    // when it waits behind a compressed message being inflated or behind pause() (as ws does).
    this.isPaused = false;
    this.processReceived();
    if (!this.inflating) this.finishClose();
  }

  private finishClose(): void {
    if (this.session.state === SessionState.Closed) return;
    this.session.transportClosed();
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.deflate?.cleanup();
    this.queue.rejectAll(notOpenError(SessionState.Closed));
    this.handler.onClosed();
  }
}

function receiveHead(connection: Connection, head: Buffer): void {
  connection.receiveHead(head);
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}
