// ReconnectingWebSocket: one long-lived client object over a series of WebSocket connections.
// It reconnects with exponential backoff and jitter (reconnect-policy.ts), keeps a bounded queue
// of messages sent while disconnected and flushes it in order once connected, and gives up cleanly
// when the server's close code says retrying cannot help, or after maxAttempts.
//
//   // the tutorial's "reconnect 5 s after close", in one line:
//   const ws = new ReconnectingWebSocket(url, { minDelay: 5000, factor: 1, jitter: 0 });

import { EventEmitter } from 'node:events';
import {
  type BackoffOptions,
  defaultBackoff,
  isRetryableCloseCode,
  isServiceRestartCode,
  reconnectDelay,
  serviceRestartDelay,
  validateBackoff,
} from './reconnect-policy.js';
import { ClientSession, type SessionOutcome } from './reconnect-session.js';
import type {
  GiveUpReason,
  RawData,
  ReconnectableSocket,
  ReconnectableSocketConstructor,
  ReconnectingWebSocketEvents,
  ReconnectingWebSocketOptions,
  ReconnectState,
} from './reconnect-options.js';
import { dropError, enqueue, type QueuedMessage, type QueueFullPolicy } from './reconnect-queue.js';

export { QueueFullError } from './reconnect-queue.js';
export type { QueueFullPolicy } from './reconnect-queue.js';
import type { SendableData } from '../message-data.js';
import { type BinaryType, type ClientOptions, type SendOptions, WebSocket } from '../websocket.js';

export { isRetryableCloseCode, reconnectDelay, serviceRestartDelay } from './reconnect-policy.js';
export type { SessionOutcome } from './reconnect-session.js';
export type { BackoffOptions } from './reconnect-policy.js';

type SendCallback = (error?: Error | null) => void;

export type {
  RawData,
  ReconnectableSocket,
  ReconnectableSocketConstructor,
  ReconnectOptions,
  ReconnectingWebSocketOptions,
  ReconnectState,
  GiveUpReason,
  ReconnectingWebSocketEvents,
} from './reconnect-options.js';

const ownOptionNames = new Set([
  'minDelay', 'maxDelay', 'factor', 'jitter', 'maxAttempts', 'maxQueued', 'queueFullPolicy', 'shouldReconnect', 'WebSocket',
  'resume', 'restartSpread',
]);
const EMPTY = Buffer.alloc(0);

export class ReconnectingWebSocket extends EventEmitter<ReconnectingWebSocketEvents> {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: string;
  /** Applied to every connection, as on a WebSocket. Default 'nodebuffer'. */
  binaryType: BinaryType = 'nodebuffer';

  private readonly protocols: string | string[] | undefined;
  private readonly socketOptions: ClientOptions;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly maxQueued: number;
  private readonly queueFullPolicy: QueueFullPolicy;
  private readonly shouldReconnect: (code: number, reason: string) => boolean;
  private readonly SocketClass: ReconnectableSocketConstructor;

  private stateValue: ReconnectState = 'connecting';
  private socketValue: ReconnectableSocket | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Failed attempts since the last open connection. */
  private attemptValue = 0;
  private everOpened = false;
  private queue: QueuedMessage[] = [];
  private readonly clientSession: ClientSession | null;
  private readonly restartSpread: number;
  /** The close code of the last open connection, until a connection opens again. */
  private lastCloseCode = 0;

  constructor(address: string | URL, protocols?: string | string[] | ReconnectingWebSocketOptions, options?: ReconnectingWebSocketOptions) {
    super();
    if (protocols !== undefined && typeof protocols === 'object' && !Array.isArray(protocols)) {
      options = protocols;
      protocols = undefined;
    }
    const settings = options ?? {};
    this.url = address instanceof URL ? address.href : address;
    this.protocols = protocols;
    this.backoff = {
      minDelay: settings.minDelay ?? defaultBackoff.minDelay,
      maxDelay: settings.maxDelay ?? Math.max(defaultBackoff.maxDelay, settings.minDelay ?? 0),
      factor: settings.factor ?? defaultBackoff.factor,
      jitter: settings.jitter ?? defaultBackoff.jitter,
    };
    validateBackoff(this.backoff);
    this.maxAttempts = settings.maxAttempts ?? Infinity;
    this.maxQueued = settings.maxQueued ?? 1000;
    this.queueFullPolicy = settings.queueFullPolicy ?? 'drop-oldest';
    this.shouldReconnect = settings.shouldReconnect ?? ((code) => isRetryableCloseCode(code));
    this.SocketClass = settings.WebSocket ?? (WebSocket as unknown as ReconnectableSocketConstructor);
    this.clientSession = settings.resume === true ? new ClientSession() : null;
    this.restartSpread = settings.restartSpread ?? 5000;
    if (!(this.restartSpread >= 0)) throw new RangeError(`restartSpread must be >= 0, got ${this.restartSpread}`);
    this.socketOptions = Object.fromEntries(Object.entries(settings).filter(([name]) => !ownOptionNames.has(name)));
    // Like `new WebSocket()`, connect at once; an invalid URL throws here, not on a later attempt.
    this.connect();
  }

  // ---- properties --------------------------------------------------------------------------

  /** CONNECTING while connecting or waiting to reconnect, then OPEN, CLOSING, CLOSED. */
  get readyState(): number {
    switch (this.stateValue) {
      case 'connecting':
      case 'waiting':
        return ReconnectingWebSocket.CONNECTING;
      case 'open':
        return ReconnectingWebSocket.OPEN;
      case 'closing':
        return ReconnectingWebSocket.CLOSING;
      case 'closed':
        return ReconnectingWebSocket.CLOSED;
    }
  }

  /** Finer than readyState: 'waiting' is the pause between a failure and the next attempt. */
  get state(): ReconnectState {
    return this.stateValue;
  }

  /** The current connection, or null between connections. */
  get socket(): ReconnectableSocket | null {
    return this.socketValue;
  }

  /** Failed attempts since the last open connection. */
  get attempt(): number {
    return this.attemptValue;
  }

  /** With `resume`: the session id and how many messages were received in it. */
  get session(): { id: string | undefined; offset: number } | null {
    return this.clientSession === null ? null : { id: this.clientSession.sessionId, offset: this.clientSession.offset };
  }

  /** Messages waiting for a connection. */
  get queuedCount(): number {
    return this.queue.length;
  }

  // ---- sending and closing -------------------------------------------------------------------

  /**
   * Sends now when connected, otherwise queues (see maxQueued, queueFullPolicy). The callback
   * fires when the connection that sent it reports the send done, or with an error if the message
   * is dropped. After close(), messages are dropped with an error.
   */
  send(data: SendableData, options?: SendOptions | SendCallback, callback?: SendCallback): void {
    if (typeof options === 'function') {
      callback = options as SendCallback;
      options = undefined;
    }
    const message: QueuedMessage = { data, options: options ?? {}, callback };
    if (this.stateValue === 'open' && this.socketValue !== null) {
      this.socketValue.send(message.data, message.options, message.callback);
    } else if (this.stateValue === 'closing' || this.stateValue === 'closed') {
      this.drop(message, 'closed');
    } else {
      this.enqueue(message);
    }
  }

  /** Closes for good: no reconnection. 'close' follows once the connection (if any) has closed. */
  close(code?: number, reason?: string | Buffer): void {
    this.finish((socket) => socket.close(code, reason), code, reason);
  }

  /** Like close(), but destroys the connection at once without a closing handshake. */
  terminate(): void {
    this.finish((socket) => socket.terminate());
  }

  private finish(stop: (socket: ReconnectableSocket) => void, code?: number, reason?: string | Buffer): void {
    if (this.stateValue === 'closing' || this.stateValue === 'closed') return;
    clearTimeout(this.timer);
    this.dropQueue();
    const socket = this.socketValue;
    if (socket === null) {
      // Waiting between attempts: nothing to close; report as ws reports a close without a frame.
      this.stateValue = 'closed';
      const reasonBuffer = typeof reason === 'string' ? Buffer.from(reason) : (reason ?? EMPTY);
      process.nextTick(() => this.emit('close', code ?? 1005, reasonBuffer));
      return;
    }
    this.stateValue = 'closing';
    stop(socket);
  }

  // ---- the connection cycle ------------------------------------------------------------------

  private connect(): void {
    this.stateValue = 'connecting';
    const session = this.clientSession;
    const options = session === null ? this.socketOptions : { ...this.socketOptions, headers: { ...(this.socketOptions as { headers?: object }).headers, ...session.headers() } };
    const socket = new this.SocketClass(this.url, this.protocols, options);
    socket.binaryType = this.binaryType;
    this.socketValue = socket;
    if (session !== null) {
      socket.on('upgrade', (response) => {
        if (this.socketValue === socket) this.emit('session', session.onResponse(response.headers));
      });
    }
    // Listeners check `this.socketValue === socket`, so a stale connection can never act on the client.
    socket.on('open', () => {
      if (this.socketValue === socket) this.onOpen();
    });
    socket.on('message', (data, isBinary) => {
      if (this.socketValue !== socket) return;
      this.clientSession?.onMessage();
      this.emit('message', data, isBinary);
    });
    socket.on('error', (error) => {
      if (this.socketValue === socket && this.stateValue !== 'closing' && this.listenerCount('error') > 0) {
        this.emit('error', error);
      }
    });
    socket.on('close', (code, reason) => {
      if (this.socketValue === socket) this.onClose(code, reason);
    });
  }

  private onOpen(): void {
    if (this.stateValue !== 'connecting') return;
    const attempts = this.attemptValue;
    const isReconnection = this.everOpened;
    this.stateValue = 'open';
    this.attemptValue = 0;
    this.lastCloseCode = 0;
    this.everOpened = true;
    // 'open' before the flush, so a handler can authenticate or re-join rooms before the
    // messages queued while offline reach the server.
    this.emit('open');
    if (isReconnection && this.stateValue === 'open') this.emit('reconnected', attempts);
    this.flush();
  }

  private onClose(code: number, reason: Buffer): void {
    const wasOpen = this.stateValue === 'open';
    this.socketValue = null;
    if (this.stateValue === 'closing') {
      this.stateValue = 'closed';
      this.emit('close', code, reason);
      return;
    }
    if (wasOpen) {
      this.lastCloseCode = code;
      this.emit('disconnect', code, reason);
    }
    if (this.stateValue !== 'open' && this.stateValue !== 'connecting') return; // closed from a 'disconnect' handler
    const reasonText = reason.toString();
    if (!this.shouldReconnect(code, reasonText)) {
      this.giveUp({ kind: 'not-retryable', code, reason: reasonText }, code, reason);
    } else if (this.attemptValue >= this.maxAttempts) {
      this.giveUp({ kind: 'max-attempts', attempts: this.attemptValue }, code, reason);
    } else {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    this.attemptValue += 1;
    const delay = isServiceRestartCode(this.lastCloseCode)
      ? serviceRestartDelay(this.attemptValue, this.backoff, this.restartSpread)
      : reconnectDelay(this.attemptValue, this.backoff);
    this.stateValue = 'waiting';
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stateValue !== 'waiting') return;
      try {
        this.connect();
      } catch (error) {
        // e.g. the constructor refused the options; counts as a failed attempt.
        this.socketValue = null;
        if (this.listenerCount('error') > 0) this.emit('error', error as Error);
        this.stateValue = 'connecting';
        this.onClose(1006, EMPTY);
      }
    }, delay);
    this.emit('reconnecting', this.attemptValue, delay);
  }

  private giveUp(why: GiveUpReason, code: number, reason: Buffer): void {
    this.stateValue = 'closed';
    this.dropQueue();
    this.emit('give-up', why);
    this.emit('close', code, reason);
  }

  // ---- the offline queue (reconnect-queue.ts) ---------------------------------------------------

  private enqueue(message: QueuedMessage): void {
    const dropped = enqueue(this.queue, message, this.maxQueued, this.queueFullPolicy);
    if (dropped !== undefined) this.drop(dropped, 'queue-full');
  }

  private flush(): void {
    const socket = this.socketValue;
    while (this.queue.length > 0 && this.stateValue === 'open' && this.socketValue === socket && socket !== null) {
      const message = this.queue.shift()!;
      socket.send(message.data, message.options, message.callback);
    }
  }

  private dropQueue(): void {
    const dropped = this.queue;
    this.queue = [];
    for (const message of dropped) this.drop(message, 'closed');
  }

  private drop(message: QueuedMessage, why: 'queue-full' | 'closed'): void {
    if (message.callback !== undefined) process.nextTick(message.callback, dropError(why));
    this.emit('drop', message.data, why);
  }
}
