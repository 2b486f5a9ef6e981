// Binds the sans-I/O protocol core to a socket: the ready-state machine, the ordered send queue
// (compression is asynchronous, frames must still leave in call order), corked writes, the
// closing handshake and its timer. The only place below the public classes that sees a socket.

import type { Duplex } from 'node:stream';
import { codedError, errorFromViolation, type WebSocketError } from '../errors.js';
import { encodeCloseFrame, encodeFrame } from '../protocol/frame-writer.js';
import { MessageReader, type ProtocolEvent } from '../protocol/message.js';
import { Opcode } from '../protocol/opcodes.js';
import type { ProtocolViolation } from '../protocol/violation.js';
import type { PerMessageDeflate } from './deflate-codec.js';

export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** What the connection reports upward (implemented by the public WebSocket). */
export interface ConnectionHandler {
  onMessage(fragments: Buffer[], length: number, binary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** The peer broke the protocol; a close frame with error.closeCode has been sent. */
  onProtocolError(error: WebSocketError): void;
  /** The TCP connection is gone; code 1006 when no close frame was received. */
  onClosed(code: number, reason: Buffer): void;
}

export interface ConnectionOptions {
  role: 'server' | 'client';
  maxPayload: number;
  skipUTF8Validation: boolean;
  autoPong: boolean;
  deflate: PerMessageDeflate | null;
  /** How long to wait for the peer's part of the closing handshake before destroying the socket. */
  closeTimeout: number;
}

export type SendCallback = (error?: Error | null) => void;

/** A frame waiting its turn: ready at once, or when its compression finishes. */
interface QueuedFrame {
  buffers: Buffer[] | null;
  /** Bytes this entry adds to bufferedAmount until it reaches the socket. */
  size: number;
  callback: SendCallback | undefined;
  error: Error | null;
}

/** Payloads from this size are written at once instead of waiting for the tick's batch. */
const LARGE_WRITE = 16 * 1024;

/** While inflating, stop reading from the socket once this much is waiting in the parser. */
const MAX_BUFFERED_WHILE_BUSY = 1 << 20;

const kConnection = Symbol('ws6455.connection');
type BoundSocket = Duplex & { [kConnection]?: Connection };

export class Connection {
  readonly socket: Duplex;
  readonly role: 'server' | 'client';
  readyState: ReadyState = ReadyState.OPEN;
  /** Set on every received chunk; the shared heartbeat timer clears it when it pings. */
  heardFrom = true;
  isPaused = false;

  private readonly handler: ConnectionHandler;
  private readonly reader: MessageReader;
  private readonly deflate: PerMessageDeflate | null;
  private readonly autoPong: boolean;
  private readonly closeTimeout: number;
  private readonly masked: boolean;

  private queue: QueuedFrame[] | null = null;
  private queuedBytes = 0;
  private corked = false;
  private inflating = false;
  private readFailed = false;
  private closeFrameSent = false;
  private closeFrameReceived = false;
  private receivedCode: number = 1006;
  private receivedReason: Buffer = EMPTY;
  private closeTimer: NodeJS.Timeout | null = null;
  /** The latest unanswered ping while writes are backed up. */
  private pendingPong: Buffer | null = null;
  /** End TCP once the queue is flushed (a close frame waits behind a compressed message). */
  private endAfterQueue = false;
  /** A 'drain' listener is registered (at most one, however many pings arrive). */
  private awaitingDrain = false;
  /** Opcode of a message the user is sending in fragments (send with fin: false), else -1. */
  private fragmentOpcode = -1;

  constructor(socket: Duplex, handler: ConnectionHandler, options: ConnectionOptions) {
    this.socket = socket;
    this.handler = handler;
    this.role = options.role;
    this.masked = options.role === 'client';
    this.deflate = options.deflate;
    this.autoPong = options.autoPong;
    this.closeTimeout = options.closeTimeout;
    this.reader = new MessageReader({
      role: options.role,
      maxPayload: options.maxPayload,
      maxMessageSize: options.maxPayload,
      allowRsv1: options.deflate !== null,
      skipUTF8Validation: options.skipUTF8Validation,
    });
    bindSocket(socket as BoundSocket, this);
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
    if (this.readyState === ReadyState.CLOSED) return;
    this.receive(head);
    if (!this.isPaused && !this.inflating) this.socket.resume();
  }

  /** Feed received bytes to the protocol core. */
  receive(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.heardFrom = true;
    if (this.readFailed || this.closeFrameReceived) return;
    this.reader.push(chunk);
    this.processReceived();
  }

  /** Exact bytes not yet handed to the OS: our queue plus the socket's own buffer. */
  get bufferedAmount(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  get closeFrameWasReceived(): boolean {
    return this.closeFrameReceived;
  }

  get closeFrameWasSent(): boolean {
    return this.closeFrameSent;
  }

  // ---- receiving ---------------------------------------------------------------------------

  private processReceived(): void {
    while (!this.inflating && !this.isPaused && !this.readFailed && !this.closeFrameReceived) {
      const event = this.reader.next();
      if (event === null) break;
      this.dispatch(event);
    }
    this.applyReadBackpressure();
  }

  private applyReadBackpressure(): void {
    const busy = this.inflating || this.isPaused;
    if (busy && this.reader.bufferedBytes > MAX_BUFFERED_WHILE_BUSY) this.socket.pause();
    else if (!this.isPaused) this.socket.resume();
  }

  private dispatch(event: ProtocolEvent): void {
    switch (event.type) {
      case 'message':
        this.handler.onMessage(event.fragments, event.length, event.binary);
        return;
      case 'ping':
        if (this.autoPong && this.readyState === ReadyState.OPEN) this.answerPing(event.data);
        this.handler.onPing(event.data);
        return;
      case 'pong':
        this.handler.onPong(event.data);
        return;
      case 'close':
        this.onCloseFrame(event.code, event.reason);
        return;
      case 'compressed':
        this.inflate(event.payload, event.fin);
        return;
      default:
        this.fail(event);
    }
  }

  /**
   * A peer that floods pings and never reads must not grow our write buffer: while writes are
   * backed up, only the latest ping is answered (RFC 6455 §5.5.3 allows exactly that).
   */
  private answerPing(data: Buffer): void {
    if (this.queue === null && !this.socket.writableNeedDrain) {
      this.sendControl(Opcode.Pong, data);
      return;
    }
    this.pendingPong = Buffer.from(data);
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      this.socket.once('drain', onDrainAnswerPing);
    }
  }

  /** @internal */
  onDrain(): void {
    this.awaitingDrain = false;
    this.sendPendingPong();
  }

  /** @internal */
  sendPendingPong(): void {
    const data = this.pendingPong;
    if (data === null) return;
    this.pendingPong = null;
    if (this.readyState === ReadyState.OPEN) this.sendControl(Opcode.Pong, data);
  }

  private inflate(payload: Buffer, fin: boolean): void {
    const deflate = this.deflate;
    if (deflate === null) return;
    this.inflating = true;
    deflate.decompress(
      payload,
      fin,
      (chunk) => {
        const problem = this.reader.appendInflated(chunk);
        if (problem === null) return true;
        this.fail(problem);
        return false;
      },
      (error) => this.onInflated(error, fin),
    );
  }

  private onInflated(error: (Error & { closeCode?: number; code?: string }) | null, fin: boolean): void {
    this.inflating = false;
    if (this.readFailed || this.readyState === ReadyState.CLOSED) return;
    if (error) {
      this.failWith(error, error.closeCode ?? 1007);
      return;
    }
    if (fin) {
      const result = this.reader.finishInflated();
      if (result.type === 'message') this.handler.onMessage(result.fragments, result.length, result.binary);
      else this.fail(result);
    }
    this.processReceived();
  }

  private onCloseFrame(code: number, reason: string): void {
    this.closeFrameReceived = true;
    this.receivedCode = code;
    this.receivedReason = Buffer.from(reason);
    if (!this.closeFrameSent) {
      // §5.5.1: answer with a close frame echoing the status code.
      this.close(code === 1005 ? undefined : code, this.receivedReason);
      return;
    }
    this.finishClosingHandshake();
  }

  /** Both close frames are exchanged: the server closes TCP first (§7.1.1); the client waits for it. */
  private finishClosingHandshake(): void {
    if (this.role === 'server') this.endWhenFlushed();
  }

  /** Close our side of TCP once every queued frame (a compression may be running) is written. */
  private endWhenFlushed(): void {
    if (this.queue === null) this.socket.end();
    else this.endAfterQueue = true;
  }

  /** §7.1.7 Fail the WebSocket Connection: send a close frame with the code, then close TCP. */
  private fail(problem: ProtocolViolation): void {
    this.failWith(errorFromViolation(problem), problem.closeCode);
  }

  private failWith(error: WebSocketError, closeCode: number): void {
    if (this.readFailed) return;
    this.readFailed = true;
    error.closeCode = closeCode;
    if (this.readyState === ReadyState.OPEN) {
      this.readyState = ReadyState.CLOSING;
      this.closeFrameSent = true;
      this.enqueue([encodeCloseFrame(closeCode, undefined, this.masked)], 0, undefined);
      this.endWhenFlushed();
      this.startCloseTimer();
    }
    this.handler.onProtocolError(error);
  }

  // ---- sending -----------------------------------------------------------------------------

  /**
   * Send one data frame. `fin: false` starts or continues a fragmented message; compression
   * applies only to whole messages (RSV1 belongs to the first frame of a message, RFC 7692 §6).
   */
  sendData(data: Buffer, binary: boolean, fin: boolean, compress: boolean, mask: boolean, callback?: SendCallback): void {
    const opcode = this.nextDataOpcode(binary, fin);
    const deflate = this.deflate;
    if (deflate !== null && compress && fin && opcode !== Opcode.Continuation && data.length >= deflate.threshold) {
      const entry = this.reserve(data.length, callback);
      deflate.compress(data, (error, result) => {
        if (error || result === undefined) entry.error = error ?? new Error('Compression failed');
        else entry.buffers = encodeFrame(result, { opcode, fin: true, rsv1: true, mask });
        this.flushQueue();
      });
      return;
    }
    this.enqueue(encodeFrame(data, { opcode, fin, mask }), data.length, callback);
  }

  /** A data frame whose bytes come later (a Blob being read), keeping its place in the order. */
  sendDeferred(
    size: number,
    produce: (done: (error: Error | null, data?: Buffer) => void) => void,
    binary: boolean,
    fin: boolean,
    mask: boolean,
    callback?: SendCallback,
  ): void {
    const opcode = this.nextDataOpcode(binary, fin);
    const entry = this.reserve(size, callback);
    produce((error, data) => {
      if (error || data === undefined) entry.error = error ?? new Error('No data');
      else entry.buffers = encodeFrame(data, { opcode, fin, mask });
      this.flushQueue();
    });
  }

  /** The opcode of the next data frame: continuation while a fragmented send is in progress. */
  private nextDataOpcode(binary: boolean, fin: boolean): number {
    const opcode = this.fragmentOpcode === -1 ? (binary ? Opcode.Binary : Opcode.Text) : Opcode.Continuation;
    this.fragmentOpcode = fin ? -1 : opcode === Opcode.Continuation ? this.fragmentOpcode : opcode;
    return opcode;
  }

  private reserve(size: number, callback: SendCallback | undefined): QueuedFrame {
    const entry: QueuedFrame = { buffers: null, size, callback, error: null };
    (this.queue ??= []).push(entry);
    this.queuedBytes += size;
    return entry;
  }

  sendControl(opcode: number, data: Buffer, mask: boolean = this.masked, callback?: SendCallback): void {
    this.enqueue(encodeFrame(data, { opcode, fin: true, mask }), data.length, callback);
  }

  /** Pre-framed bytes (broadcast): written as they are, in order. */
  sendFramed(buffers: Buffer[], callback?: SendCallback): void {
    let size = 0;
    for (const buffer of buffers) size += buffer.length;
    this.enqueue(buffers, size, callback);
  }

  /** ws's `_sender.sendFrame(list, cb)`, which engine.io (Socket.IO) calls with frames built by ws. */
  sendFrame(list: Buffer[], callback?: SendCallback): void {
    this.sendFramed(list, callback);
  }

  /**
   * Keep a place in the send order for a pre-framed message whose bytes come later (a broadcast
   * being compressed once for many sockets); call the returned function with them, or an error.
   */
  reserveFramed(size: number): (error: Error | null, buffers?: Buffer[]) => void {
    const entry = this.reserve(size, undefined);
    return (error, buffers) => {
      if (error || buffers === undefined) entry.error = error ?? new Error('No data');
      else entry.buffers = buffers;
      this.flushQueue();
    };
  }

  /** The negotiated permessage-deflate codec, or null. */
  get compression(): PerMessageDeflate | null {
    return this.deflate;
  }

  private enqueue(buffers: Buffer[], size: number, callback: SendCallback | undefined): void {
    if (this.queue === null) {
      this.write(buffers, callback);
      return;
    }
    this.queue.push({ buffers, size, callback, error: null });
    this.queuedBytes += size;
  }

  private flushQueue(): void {
    const queue = this.queue;
    if (queue === null) return;
    while (queue.length > 0 && (queue[0].buffers !== null || queue[0].error !== null)) {
      const entry = queue.shift()!;
      this.queuedBytes -= entry.size;
      if (entry.error !== null) {
        if (entry.callback) entry.callback(entry.error);
        this.failWith(codedError(entry.error.message, 'WS_ERR_COMPRESSION'), 1011);
      } else {
        this.write(entry.buffers!, entry.callback);
      }
    }
    if (queue.length === 0) {
      this.queue = null;
      if (this.endAfterQueue) {
        this.endAfterQueue = false;
        this.socket.end();
        return;
      }
      if (!this.socket.writableNeedDrain) this.sendPendingPong();
    }
  }

  private write(buffers: Buffer[], callback: SendCallback | undefined): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      if (callback) process.nextTick(callback, notOpenError(this.readyState));
      return;
    }
    const last = buffers.length - 1;
    if (buffers[last].length >= LARGE_WRITE) {
      // A large payload goes out at once: batching it with others only delays it and makes
      // the kernel take one huge writev in pieces.
      if (this.corked) this.uncorkNow();
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
      process.nextTick(uncork, this);
    }
    for (let i = 0; i < last; i++) socket.write(buffers[i]);
    socket.write(buffers[last], callback);
  }

  /** @internal */
  uncorkNow(): void {
    this.corked = false;
    this.socket.uncork();
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Start (or answer) the closing handshake. Code and reason were validated by the caller. */
  close(code: number | undefined, reason: Buffer | undefined): void {
    if (this.readyState === ReadyState.CLOSED) return;
    if (this.readyState === ReadyState.CLOSING) {
      if (this.closeFrameSent && this.closeFrameReceived && this.role === 'server') this.endWhenFlushed();
      return;
    }
    this.readyState = ReadyState.CLOSING;
    this.closeFrameSent = true;
    this.enqueue([encodeCloseFrame(code, reason, this.masked)], 0, undefined);
    if (this.closeFrameReceived) this.finishClosingHandshake();
    this.startCloseTimer();
  }

  terminate(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSING;
    this.socket.destroy();
  }

  pause(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.isPaused = true;
    this.socket.pause();
  }

  resume(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.isPaused = false;
    this.socket.resume();
    this.processReceived();
  }

  private startCloseTimer(): void {
    if (this.closeTimer !== null) return;
    this.closeTimer = setTimeout(destroySocket, this.closeTimeout, this.socket);
  }

  /** @internal socket events, dispatched by the shared listeners below */
  onSocketData(chunk: Buffer): void {
    this.receive(chunk);
  }

  /** @internal the peer sent FIN: nothing more will arrive, so finish our side too. */
  onSocketEnd(): void {
    if (this.readyState === ReadyState.OPEN) this.readyState = ReadyState.CLOSING;
    this.endWhenFlushed();
  }

  /** @internal */
  onSocketClose(): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.deflate?.cleanup();
    this.rejectQueued();
    this.handler.onClosed(this.receivedCode, this.receivedReason);
  }

  private rejectQueued(): void {
    const queue = this.queue;
    this.queue = null;
    this.queuedBytes = 0;
    if (queue === null) return;
    const error = notOpenError(ReadyState.CLOSED);
    for (const entry of queue) if (entry.callback) entry.callback(error);
  }
}

const EMPTY = Buffer.alloc(0);

export function notOpenError(state: number): Error {
  const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
  return new Error(`WebSocket is not open: readyState ${state} (${names[state]})`);
}

function receiveHead(connection: Connection, head: Buffer): void {
  connection.receiveHead(head);
}

function uncork(connection: Connection): void {
  connection.uncorkNow();
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}

// Shared listeners: one function for all sockets, each finding its connection through a symbol
// field, so a connection costs no closures (memory per connection is the cost at scale).
function onData(this: BoundSocket, chunk: Buffer): void {
  this[kConnection]?.onSocketData(chunk);
}
function onEnd(this: BoundSocket): void {
  this[kConnection]?.onSocketEnd();
}
function onClose(this: BoundSocket): void {
  this[kConnection]?.onSocketClose();
}
function onDrainAnswerPing(this: BoundSocket): void {
  this[kConnection]?.onDrain();
}
function onError(this: BoundSocket): void {
  // After the handshake a socket error only means the connection is gone: 'close' follows with
  // 1006, as ws reports it; the error itself is not surfaced.
  this.destroy();
}

/** Whether a WebSocket connection already owns this socket (a second handleUpgrade is a bug). */
export function isBoundSocket(socket: Duplex): boolean {
  return (socket as BoundSocket)[kConnection] !== undefined;
}

function bindSocket(socket: BoundSocket, connection: Connection): void {
  socket[kConnection] = connection;
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onClose);
  socket.on('error', onError);
  if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(0);
}
