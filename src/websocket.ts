// The public WebSocket class: ws's events, methods, properties and options, plus the browser-style
// EventTarget API. Protocol work is done by the Connection; the client handshake by client.ts.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { Socket } from 'node:net';
import { connectClient, type ClientHandshake } from './client/connect.js';
import type { ClientRequestOptions } from './client/client-options.js';
import { Connection, notOpenError, type ConnectionHandler, type ConnectionOptions, type SendCallback } from './transport/connection.js';
import { Session, SessionState } from './protocol/session.js';
import type { WebSocketError } from './errors.js';
import {
  addBrowserListener,
  getAttributeListener,
  removeBrowserListener,
  setAttributeListener,
  type EventListenerLike,
  type BrowserEventType,
} from './event-target.js';
// Declaration-level (issue 11): ws's published types, so that code typed against ws compiles unchanged.
import type { ClientRequestArgs } from 'node:http';
import type { CloseEvent, ErrorEvent, Event, MessageEvent } from './event-target.js';
import type * as EventClasses from './event-target.js';
import type * as Events from './websocket-events.js';
import type { BufferLike, EventListenerOptions, WebSocketEventListener, WebSocketEventMap, WebSocketEvents } from './websocket-events.js';
import type * as ServerTypes from './server/server-types.js';
import type { WebSocketServer } from './server/websocket-server.js';
import { isValidWireCloseCode, Opcode } from './protocol/opcodes.js';
import type { PerMessageDeflate } from './transport/deflate-codec.js';
import type { PerMessageDeflateOptions } from './handshake/permessage-deflate.js';
import { toBuffer, type SendableData } from './send-data.js';
import { acceptingServerOf, type AcceptingServer } from './accepting-server.js';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** Options of `new WebSocket(url, protocols, options)` (the client). */
// ClientRequestOptions: agent, auth, finishRequest, generateMask, ws 8.21+ options (issue 11, src/client/client-options.ts).
export interface ClientOptions extends SecureContextOptions, Omit<TlsConnectionOptions, 'timeout'>, ClientRequestOptions {
  /** Fail the handshake if it has not completed within this many ms. Default: no limit. */
  handshakeTimeout?: number;
  /** permessage-deflate offer: true (default) offers it with default parameters, false offers nothing. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message accepted, in bytes. Default 104857600 (100 MiB). */
  maxPayload?: number;
  /** Follow 3xx redirects. Default false. */
  followRedirects?: boolean;
  /** Redirects followed at most. Default 10. */
  maxRedirects?: number;
  /** Value of the Origin header. Default: none. */
  origin?: string;
  /** Extra request headers. */
  headers?: Record<string, string | string[] | number>;
  /** Only 13 is supported (RFC 6455). Default 13. */
  protocolVersion?: number;
  /** Answer pings automatically. Default true. */
  autoPong?: boolean;
  /** Skip the UTF-8 check of text messages and close reasons. Default false. */
  skipUTF8Validation?: boolean;
  /** Build the socket yourself (e.g. a proxy tunnel). Default: net.connect / tls.connect. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- net.createConnection, tls.connect or your own (ws's types accept net.createConnection)
  createConnection?: (options: any) => Duplex;
  /** Wait this long (ms) for the peer's close frame / TCP close. Default 30000. */
  closeTimeout?: number;
  /** Refuse sends that would push bufferedAmount above this many bytes, and close with 1008 (README, "Backpressure"); 0 for none. Default 16777216 (16 MiB). */
  maxBufferedAmount?: number;
  /** Unix domain socket path (also set by ws+unix: URLs). */
  socketPath?: string;
  localAddress?: string;
  family?: number;
}

/** The ready-state values (the WebSocket API's readyState numbers). */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Per-connection settings the server (or the client handshake) decided. @internal */
export interface SocketSettings extends ConnectionOptions {
  role: 'server' | 'client';
  maxPayload: number;
  skipUTF8Validation: boolean;
  maxBufferedAmount: number;
  protocol: string;
  extensions: string;
}

export interface SendOptions {
  /** Send as binary. Default: true unless data is a string. */
  binary?: boolean;
  /** Compress with permessage-deflate when negotiated. Default true. */
  compress?: boolean;
  /** Last fragment of the message. Default true. */
  fin?: boolean;
  /** Mask the frame. Default: true for clients, false for servers. */
  mask?: boolean;
}

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const EMPTY = Buffer.alloc(0);

export class WebSocket extends EventEmitter implements ConnectionHandler {
  // Read-only on the class and on the prototype, as in ws: defined below the class.
  declare static readonly CONNECTING: typeof ReadyState.CONNECTING;
  declare static readonly OPEN: typeof ReadyState.OPEN;
  declare static readonly CLOSING: typeof ReadyState.CLOSING;
  declare static readonly CLOSED: typeof ReadyState.CLOSED;
  // On the prototype (below the class), not copied into every instance.
  declare readonly CONNECTING: typeof ReadyState.CONNECTING;
  declare readonly OPEN: typeof ReadyState.OPEN;
  declare readonly CLOSING: typeof ReadyState.CLOSING;
  declare readonly CLOSED: typeof ReadyState.CLOSED;

  private connection: Connection | null = null;
  /** The one place the ready state and the closing handshake live (src/protocol/session.ts). */
  private readonly session: Session;
  private binaryTypeValue: BinaryType = 'nodebuffer';
  private protocolValue = '';
  private extensionsValue = '';
  private isServerSide = false;
  private urlValue: string | undefined;
  /** Bytes given to send() after the connection closed (ws counts them in bufferedAmount). */
  private discardedBytes = 0;
  /** @internal the client handshake in progress */
  handshake: ClientHandshake | null = null;

  /** A server-side socket (the server calls it so); a client needs an address. */
  constructor(address: null);
  constructor(address: string | URL, options?: ClientOptions | ClientRequestArgs);
  constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions | ClientRequestArgs);
  constructor(address: string | URL | null, protocols?: string | string[] | ClientOptions | ClientRequestArgs, options?: ClientOptions | ClientRequestArgs) {
    super();
    this.session = new Session(address === null ? 'server' : 'client');
    if (address === null) {
      this.isServerSide = true;
      return;
    }
    // null is a (bad) protocol, not options, as in ws (issue 11: it throws the subprotocol SyntaxError).
    if (protocols !== undefined && protocols !== null && !Array.isArray(protocols) && typeof protocols === 'object') {
      options = protocols;
      protocols = undefined;
    }
    const list = protocols === undefined ? [] : Array.isArray(protocols) ? protocols : [protocols];
    this.urlValue = address instanceof URL ? address.href : String(address);
    connectClient(this, address, list, (options ?? {}) as ClientOptions);
  }

  // ---- properties --------------------------------------------------------------------------

  get readyState(): ReadyState {
    return this.session.state as number as ReadyState;
  }
  get url(): string {
    return this.urlValue as string;
  }
  get protocol(): string {
    return this.protocolValue;
  }
  get extensions(): string {
    return this.extensionsValue;
  }
  get binaryType(): BinaryType {
    return this.binaryTypeValue;
  }
  set binaryType(type: BinaryType) {
    if (type === 'nodebuffer' || type === 'arraybuffer' || type === 'fragments' || type === 'blob') {
      this.binaryTypeValue = type;
    }
  }
  get bufferedAmount(): number {
    return (this.connection?.bufferedAmount ?? 0) + this.discardedBytes;
  }
  get isPaused(): boolean {
    return this.connection?.isPaused ?? false;
  }
  /** Whether the closing handshake completed (CloseEvent.wasClean). */
  get wasClean(): boolean {
    return this.session.wasClean;
  }

  /** @internal the raw socket, for code that reaches into ws's internals (Socket.IO/engine.io). */
  get _socket(): Socket | undefined {
    return this.connection?.socket as Socket | undefined;
  }
  /** @internal ws's sender shape, used by engine.io to write pre-encoded frames. */
  get _sender(): { sendFrame(list: Buffer[], callback?: SendCallback): void } | undefined {
    // engine.io reads this once per packet per client: the Connection itself has the shape.
    return this.connection ?? undefined;
  }
  /** @internal */
  get _isServer(): boolean {
    return this.isServerSide;
  }
  /** @internal */
  get _connection(): Connection | null {
    return this.connection;
  }

  // ---- sending -----------------------------------------------------------------------------

  /**
   * Send a message. Returns whether the send buffer is still below its high-water mark, as
   * socket.write does (ws returns undefined): on false, wait for 'drain' before sending more.
   */
  send(data: BufferLike, cb?: (err?: Error) => void): boolean;
  send(data: BufferLike, options: SendOptions, cb?: (err?: Error) => void): boolean;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts ws's (err?: Error) => void and the internal SendCallback
  send(data: SendableData, options?: SendOptions | ((err?: any) => void), callback?: (err?: any) => void): boolean {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const state = this.session.state;
    if (state === SessionState.Connecting) throw notOpenError(state);
    if (typeof data === 'number') data = String(data);
    // As ws: undefined, null and false send an empty (binary) message, not their names as text.
    if (data == null || (data as unknown) === false) data = EMPTY;
    const connection = this.connection;
    const opts = options ?? {};
    const binary = opts.binary ?? typeof data !== 'string';
    const mask = opts.mask;
    if (isBlob(data)) return this.sendBlob(data, binary, opts, mask, callback);
    const buffer = toBuffer(data);
    if (state !== SessionState.Open || connection === null) {
      this.discardSend(buffer.length, callback);
      return false;
    }
    if (!connection.admits(buffer.length, callback)) return false;
    connection.sendData(buffer, binary, opts.fin ?? true, opts.compress ?? true, mask, callback);
    return connection.canTakeMore();
  }

  private sendBlob(blob: Blob, binary: boolean, opts: SendOptions, mask: boolean | undefined, callback?: SendCallback): boolean {
    const connection = this.connection;
    if (this.session.state !== SessionState.Open || connection === null) {
      this.discardSend(blob.size, callback);
      return false;
    }
    if (!connection.admits(blob.size, callback)) return false;
    // Order matters: reserve the slot now, fill it when the Blob's bytes are read.
    // An unreadable Blob (issue 11): as in ws, its callback gets the DOMException (NotReadableError),
    // 'error' carries it too, and the connection is dropped without a close frame (1006).
    let unreadable = false;
    const settle: SendCallback = (error) => {
      if (!unreadable) callback?.(error);
    };
    const fill = connection.sendDeferred(blob.size, binary, opts.fin ?? true, mask, settle);
    if (fill === null) return false;
    blob.arrayBuffer().then(
      (bytes) => fill(null, Buffer.from(bytes)),
      (error: Error) => {
        unreadable = true;
        callback?.(error);
        this.terminate();
        this.reportError(error);
      },
    );
    return connection.canTakeMore();
  }

  private discardSend(length: number, callback: SendCallback | undefined): void {
    this.discardedBytes += length;
    if (callback) process.nextTick(callback, notOpenError(this.session.state));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's types: any data, (err: Error) => void
  ping(data?: unknown, mask?: boolean, callback?: (err?: any) => void): void {
    this.sendControlFrame(true, data as SendableData | undefined, mask, callback);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's types: any data, (err: Error) => void
  pong(data?: unknown, mask?: boolean, callback?: (err?: any) => void): void {
    this.sendControlFrame(false, data as SendableData | undefined, mask, callback);
  }

  private sendControlFrame(isPing: boolean, data: SendableData | undefined, mask: boolean | SendCallback | undefined, callback?: SendCallback): void {
    const state = this.session.state;
    if (state === SessionState.Connecting) throw notOpenError(state);
    if (typeof data === 'function') {
      callback = data as SendCallback;
      data = undefined;
      mask = undefined;
    } else if (typeof mask === 'function') {
      callback = mask;
      mask = undefined;
    }
    if (typeof data === 'number') data = String(data);
    // As ws: undefined, null and false are an empty payload.
    const buffer = data == null || (data as unknown) === false || isBlob(data) ? EMPTY : toBuffer(data);
    if (buffer.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    const connection = this.connection;
    if (state !== SessionState.Open || connection === null) {
      this.discardSend(buffer.length, callback);
      return;
    }
    if (isPing) connection.sendPing(buffer, mask as boolean | undefined, callback);
    else connection.sendPongFrame(buffer, mask as boolean | undefined, callback);
  }

  /** @internal Write a pre-built frame (broadcast, publish) under the same slow-consumer policy as send(). */
  writeFrame(frame: Buffer): boolean {
    const connection = this.connection;
    if (this.session.state !== SessionState.Open || connection === null) return false;
    if (!connection.admits(frame.length)) return false;
    connection.sendFramed([frame]);
    return true;
  }

  /** @internal Reserve a place for a frame built later (compressed broadcast), under the same policy. */
  reserveFrame(size: number): ((error: Error | null, buffers?: Buffer[]) => void) | null {
    const connection = this.connection;
    if (this.session.state !== SessionState.Open || connection === null) return null;
    if (!connection.admits(size)) return null;
    return connection.reserveFramed(size);
  }

  // ---- topics (server-side sockets, ws6455 addition) -----------------------------------------

  /** Receive what the server publishes to `topic`. Returns false if already subscribed. */
  subscribe(topic: string): boolean {
    return this.acceptingServer().subscribe(this, topic);
  }
  /** Stop receiving `topic`. Returns false if not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.acceptingServer().unsubscribe(this, topic);
  }
  isSubscribed(topic: string): boolean {
    return acceptingServerOf<WebSocket>(this)?.isSubscribed(this, topic) ?? false;
  }
  /** The topics this socket is subscribed to. */
  get topics(): ReadonlySet<string> {
    return acceptingServerOf<WebSocket>(this)?.topicsOf(this) ?? new Set();
  }
  private acceptingServer(): AcceptingServer<WebSocket> {
    const server = acceptingServerOf<WebSocket>(this);
    if (server === undefined) throw new Error('Topics are available on server-side sockets only');
    if (this.session.state === SessionState.Closed) throw new Error('The socket is closed');
    return server;
  }

  // ---- closing -----------------------------------------------------------------------------

  close(code?: number, reason?: string | Buffer): void {
    if (code !== undefined && (typeof code !== 'number' || !isValidWireCloseCode(code))) {
      throw new TypeError('First argument must be a valid error code number');
    }
    const reasonBuffer = reason === undefined ? undefined : typeof reason === 'string' ? Buffer.from(reason) : reason;
    if (reasonBuffer !== undefined && reasonBuffer.length > 123) {
      throw new RangeError('The message must not be greater than 123 bytes');
    }
    const state = this.session.state;
    if (state === SessionState.Closed) return;
    if (state === SessionState.Connecting) {
      this.abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    this.connection?.close(code, code === undefined ? undefined : reasonBuffer);
  }

  terminate(): void {
    const state = this.session.state;
    if (state === SessionState.Closed) return;
    if (state === SessionState.Connecting) {
      this.abortHandshake('WebSocket was closed before the connection was established');
      return;
    }
    this.connection?.terminate();
  }

  pause(): void {
    this.connection?.pause();
  }

  resume(): void {
    this.connection?.resume();
  }

  // ---- wiring (internal) -------------------------------------------------------------------

  /**
   * @internal Take over an upgraded socket; `head` holds bytes that arrived with the handshake.
   * They are parsed on the next tick, once 'connection'/'open' listeners are in place.
   */
  attachSocket(socket: Duplex, head: Buffer, settings: SocketSettings): void {
    this.protocolValue = settings.protocol;
    this.extensionsValue = settings.extensions;
    this.session.open({ maxPayload: settings.maxPayload, skipUTF8Validation: settings.skipUTF8Validation, compressed: settings.deflate !== null });
    this.connection = new Connection(socket, this.session, this, settings);
    this.connection.start(head);
  }

  /**
   * @internal The client handshake failed: report the error, then close with 1006. Both events
   * come on the next tick, as in ws, so close() during CONNECTING returns first.
   */
  failHandshake(error: Error, emitError = true): void {
    if (this.session.state !== SessionState.Connecting) return;
    this.session.abandonOpening();
    this.handshake = null;
    process.nextTick(emitHandshakeFailure, this, emitError ? error : null);
  }

  /** @internal the URL after redirects */
  setUrl(url: string): void {
    this.urlValue = url;
  }

  private abortHandshake(message: string): void {
    // The handshake is aborted first (its request's 'abort' event precedes our 'error', as in ws);
    // it reports nothing itself: the error and the close 1006 are ours.
    this.handshake?.abort();
    this.failHandshake(new Error(message));
  }

  /**
   * @internal 'error' goes to listeners when there are any. Without one, ws would throw it as an
   * uncaught exception, so that one malformed frame from one peer could take down a whole server;
   * here the 'close' event that always follows (with the close code) is the report instead.
   */
  reportError(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  /** @internal */
  emitClose(code: number, reason: Buffer): void {
    this.handshake = null;
    this.session.transportClosed();
    acceptingServerOf<WebSocket>(this)?.forget(this);
    this.emit('close', code, reason);
  }

  // ---- ConnectionHandler --------------------------------------------------------------------

  /** @internal */
  onMessage(fragments: Buffer[], length: number, binary: boolean): void {
    if (!binary) {
      this.emit('message', fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, length), false);
      return;
    }
    this.emit('message', convertBinary(this.binaryTypeValue, fragments, length), true);
  }
  /** @internal */
  onPing(data: Buffer): void {
    this.emit('ping', data);
  }
  /** @internal */
  onPong(data: Buffer): void {
    this.emit('pong', data);
  }
  /** @internal */
  onProtocolError(error: WebSocketError): void {
    this.reportError(error);
  }
  /** @internal */
  onDrain(): void {
    this.emit('drain');
  }
  /** @internal */
  onClosed(): void {
    this.emitClose(this.session.closeCode, this.session.closeReason);
  }

  // ---- EventTarget API ---------------------------------------------------------------------

  addEventListener<K extends keyof WebSocketEventMap>(type: K, listener: WebSocketEventListener<K>, options?: EventListenerOptions): void {
    addBrowserListener(this, type, listener, options);
  }
  removeEventListener<K extends keyof WebSocketEventMap>(type: K, listener: WebSocketEventListener<K>): void {
    removeBrowserListener(this, type, listener);
  }
  get onopen(): ((event: Event) => void) | null {
    return getAttributeListener(this, 'open');
  }
  set onopen(handler: ((event: Event) => void) | null) {
    setAttributeListener(this, 'open', handler);
  }
  get onmessage(): ((event: MessageEvent) => void) | null {
    return getAttributeListener(this, 'message');
  }
  set onmessage(handler: ((event: MessageEvent) => void) | null) {
    setAttributeListener(this, 'message', handler);
  }
  get onclose(): ((event: CloseEvent) => void) | null {
    return getAttributeListener(this, 'close');
  }
  set onclose(handler: ((event: CloseEvent) => void) | null) {
    setAttributeListener(this, 'close', handler);
  }
  get onerror(): ((event: ErrorEvent) => void) | null {
    return getAttributeListener(this, 'error');
  }
  set onerror(handler: ((event: ErrorEvent) => void) | null) {
    setAttributeListener(this, 'error', handler);
  }
}

export type { BrowserEventType };

// ws's shape (issue 11): the constants are read-only (non-writable, non-configurable) on the class
// and the prototype, and the attributes are enumerable accessors of the prototype.
for (const [name, value] of Object.entries(ReadyState)) {
  Object.defineProperty(WebSocket, name, { value, enumerable: true });
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}
for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url', 'onopen', 'onmessage', 'onclose', 'onerror', 'addEventListener', 'removeEventListener']) {
  Object.defineProperty(WebSocket.prototype, name, { enumerable: true });
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the string | symbol fallback is EventEmitter's own signature */
/** Typed listeners for every event (websocket-events.ts), with EventEmitter's signature as the fallback. */
export interface WebSocket {
  on<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  on(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  once<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  once(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  off<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  off(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  addListener<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  addListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  removeListener<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  removeListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  prependListener<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  prependListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  prependOnceListener<K extends keyof WebSocketEvents>(event: K, listener: (this: this, ...args: WebSocketEvents[K]) => void): this;
  prependOnceListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The names ws's types keep under `WebSocket.` (types only; CommonJS adds the values, see build.mjs). */
export declare namespace WebSocket {
  export type RawData = Events.RawData;
  export type Data = Events.Data;
  export type CertMeta = Events.CertMeta;
  export type Event = EventClasses.Event;
  export type MessageEvent = EventClasses.MessageEvent;
  export type CloseEvent = EventClasses.CloseEvent;
  export type ErrorEvent = EventClasses.ErrorEvent;
  export type ClientOptions = ClientOptionsOfWs;
  export type SendOptions = SendOptionsOfWs;
  export type BinaryType = BinaryTypeOfWs;
  export type AddressInfo = import('node:net').AddressInfo;
  export type EventListenerOptions = Events.EventListenerOptions;
  export type WebSocketEventMap = Events.WebSocketEventMap;
  export type WebSocketEvents = Events.WebSocketEvents;
  export type PerMessageDeflateOptions = import('./handshake/permessage-deflate.js').PerMessageDeflateOptions;
  export type FinishRequestCallback = Events.FinishRequestCallback;
  export type VerifyClientCallbackSync<Request extends import('node:http').IncomingMessage = import('node:http').IncomingMessage> =
    ServerTypes.VerifyClientCallbackSync<Request>;
  export type VerifyClientCallbackAsync<Request extends import('node:http').IncomingMessage = import('node:http').IncomingMessage> =
    ServerTypes.VerifyClientCallbackAsync<Request>;
  export type ServerOptions<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof import('node:http').IncomingMessage = typeof import('node:http').IncomingMessage,
  > = ServerTypes.ServerOptions<T, U>;
  export type Server<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof import('node:http').IncomingMessage = typeof import('node:http').IncomingMessage,
  > = ServerOfWs<T, U>;
  export type WebSocketServer<
    T extends typeof WebSocket = typeof WebSocket,
    U extends typeof import('node:http').IncomingMessage = typeof import('node:http').IncomingMessage,
  > = Server<T, U>;
}
type ServerOfWs<T extends typeof WebSocket, U extends typeof import('node:http').IncomingMessage> = WebSocketServer<T, U>;
type ClientOptionsOfWs = ClientOptions;
type SendOptionsOfWs = SendOptions;
type BinaryTypeOfWs = BinaryType;

function emitHandshakeFailure(ws: WebSocket, error: Error | null): void {
  if (error !== null) ws.reportError(error);
  ws.emitClose(1006, EMPTY);
}

function isBlob(data: unknown): data is Blob {
  return typeof Blob !== 'undefined' && data instanceof Blob;
}

function convertBinary(type: BinaryType, fragments: Buffer[], length: number): unknown {
  switch (type) {
    case 'nodebuffer':
      return fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, length);
    case 'fragments':
      return fragments;
    case 'blob':
      return new Blob(fragments);
    case 'arraybuffer': {
      const buffer = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, length);
      if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) return buffer.buffer;
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    }
  }
}

export function readyStateName(state: number): string {
  return READY_STATE_NAMES[state] ?? String(state);
}
