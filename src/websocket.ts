// The public WebSocket class: ws's events, methods, properties and options, plus the browser-style
// EventTarget API. Its state is the protocol session's; the transport Connection does the I/O and
// the client handshake is src/client/.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { connectClient, type ClientHandshake } from './client/connect.js';
import type { ClientOptionsFor } from './client/client-options.js';
import { defineWsShape, type BinaryType, type ReadyState, type SendOptions, type SocketSettings } from './websocket-options.js';
import { Connection, notOpenError, type ConnectionHandler, type SendCallback } from './transport/connection.js';
import { Session, SessionState } from './protocol/session.js';
import type { WebSocketError } from './errors.js';
import { installBrowserApi } from './event-target.js';
import type * as Http from 'node:http';
import type * as EventClasses from './event-target.js';
import type * as Events from './websocket-events.js';
import type { BrowserEventApi, BufferLike, WebSocketEvents } from './websocket-events.js';
import { checkCloseArguments, controlPayload, convertBinary, isBlob, normalizeMessageData, toBuffer, type SendableData } from './message-data.js';
import { acceptingServerOf, installTopicsApi } from './accepting-server.js';
import { installWsInternals } from './ws-compat/internals.js';

export { ReadyState, type BinaryType, type SendOptions, type SocketSettings } from './websocket-options.js';

/** Options of `new WebSocket(url, protocols, options)` (the client). */
export interface ClientOptions extends ClientOptionsFor<WebSocket> {}
/** The client's finishRequest option: set headers on the request, then call `request.end()`. */
export type FinishRequestCallback = WebSocket.FinishRequestCallback;

export class WebSocket extends EventEmitter implements ConnectionHandler {
  // Read-only on the class and its prototype, as in ws (defineWsShape below), not copied into instances.
  declare static readonly CONNECTING: typeof ReadyState.CONNECTING;
  declare static readonly OPEN: typeof ReadyState.OPEN;
  declare static readonly CLOSING: typeof ReadyState.CLOSING;
  declare static readonly CLOSED: typeof ReadyState.CLOSED;
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
  private urlValue: string | undefined;
  /** Bytes given to send() after the connection closed (ws counts them in bufferedAmount). */
  private discardedBytes = 0;
  /** @internal the client handshake in progress */
  handshake: ClientHandshake | null = null;

  /** A server-side socket (the server calls it so); a client needs an address. */
  constructor(address: null);
  constructor(address: string | URL, options?: ClientOptions | Http.ClientRequestArgs);
  constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions | Http.ClientRequestArgs);
  constructor(address: string | URL | null, protocols?: string | string[] | ClientOptions | Http.ClientRequestArgs, options?: ClientOptions | Http.ClientRequestArgs) {
    super();
    this.session = new Session(address === null ? 'server' : 'client');
    if (address === null) return;
    // null is a (bad) protocol, not options, as in ws (issue 11: it throws the subprotocol SyntaxError).
    if (protocols !== undefined && protocols !== null && !Array.isArray(protocols) && typeof protocols === 'object') [options, protocols] = [protocols, undefined];
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

  /** @internal ws's internals that Socket.IO/engine.io reach for (installed by ws-compat/internals.ts). */
  declare readonly _socket: Socket | undefined;
  declare readonly _sender: { sendFrame(list: Buffer[], callback?: SendCallback): void } | undefined;
  /** @internal */
  get _isServer(): boolean {
    return this.session.role === 'server';
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
    // As ws: a number is sent as its text; undefined, null and false as an empty binary message.
    data = normalizeMessageData(data);
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
    return connection.sendBlob(blob, binary, opts.fin ?? true, mask, callback, (error) => {
      this.terminate();
      this.reportError(error);
    });
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
    // ws's optional arguments: (cb), (data, cb), (data, mask, cb).
    if (typeof data === 'function') [callback, data, mask] = [data as SendCallback, undefined, undefined];
    else if (typeof mask === 'function') [callback, mask] = [mask, undefined];
    const buffer = controlPayload(data);
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

  // ---- topics (server-side sockets, ws6455 addition; installed by accepting-server.ts) -------

  /** Receive what the server publishes to `topic`. Returns false if already subscribed. */
  declare subscribe: (topic: string) => boolean;
  /** Stop receiving `topic`. Returns false if not subscribed. */
  declare unsubscribe: (topic: string) => boolean;
  declare isSubscribed: (topic: string) => boolean;
  /** The topics this socket is subscribed to. */
  declare readonly topics: ReadonlySet<string>;

  // ---- closing -----------------------------------------------------------------------------

  close(code?: number, reason?: string | Buffer): void {
    const reasonBuffer = checkCloseArguments(code, reason);
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
    const { maxPayload, skipUTF8Validation, generateMask } = settings;
    this.session.open({ maxPayload, skipUTF8Validation, compressed: settings.deflate !== null, generateMask });
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
}

installBrowserApi(WebSocket.prototype);
defineWsShape(WebSocket);
installTopicsApi(WebSocket.prototype);
installWsInternals(WebSocket.prototype);

/* eslint-disable @typescript-eslint/no-explicit-any -- the string | symbol fallback is EventEmitter's own signature */
/** Typed listeners for every event, with EventEmitter's signature as the fallback; the EventTarget API (event-target.ts). */
export interface WebSocket extends BrowserEventApi {
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

/** ws's names under `WebSocket.`: types only (CommonJS adds the values: build.mjs). */
export declare namespace WebSocket {
  export type RawData = Events.RawData;
  export type Data = Events.Data;
  export type CertMeta = Events.CertMeta;
  export type Event = EventClasses.Event;
  export type MessageEvent = EventClasses.MessageEvent;
  export type CloseEvent = EventClasses.CloseEvent;
  export type ErrorEvent = EventClasses.ErrorEvent;
  export type ClientOptions = ClientOptionsOfWs;
  export type SendOptions = import('./websocket-options.js').SendOptions;
  export type BinaryType = import('./websocket-options.js').BinaryType;
  export type AddressInfo = import('node:net').AddressInfo;
  export type EventListenerOptions = Events.EventListenerOptions;
  export type WebSocketEventMap = Events.WebSocketEventMap;
  export type WebSocketEvents = Events.WebSocketEvents;
  export type PerMessageDeflateOptions = import('./handshake/permessage-deflate.js').PerMessageDeflateOptions;
  export type FinishRequestCallback = (request: Http.ClientRequest, websocket: WebSocket) => void;
  export type VerifyClientCallbackSync<Request extends Http.IncomingMessage = Http.IncomingMessage> = ServerType<'verifySync', typeof WebSocket, typeof Http.IncomingMessage, Request>;
  export type VerifyClientCallbackAsync<Request extends Http.IncomingMessage = Http.IncomingMessage> = ServerType<'verifyAsync', typeof WebSocket, typeof Http.IncomingMessage, Request>;
  export type ServerOptions<T extends typeof WebSocket = typeof WebSocket, U extends typeof Http.IncomingMessage = typeof Http.IncomingMessage> = ServerType<'options', T, U>;
  export type Server<T extends typeof WebSocket = typeof WebSocket, U extends typeof Http.IncomingMessage = typeof Http.IncomingMessage> = ServerType<'server', T, U>;
  export type WebSocketServer<T extends typeof WebSocket = typeof WebSocket, U extends typeof Http.IncomingMessage = typeof Http.IncomingMessage> = Server<T, U>;
}
/** The server's types for the names above, filled in by server/ws-namespace.ts (the server imports this class, not the reverse). */
export interface ServerTypes<T extends typeof WebSocket, U extends typeof Http.IncomingMessage, Request extends Http.IncomingMessage> {}
type ServerType<Key extends string, T extends typeof WebSocket, U extends typeof Http.IncomingMessage, Request extends Http.IncomingMessage = Http.IncomingMessage> =
  ServerTypes<T, U, Request>[Key & keyof ServerTypes<T, U, Request>];
type ClientOptionsOfWs = ClientOptions;

declare module './event-target.js' {
  /** event.target is this class (event-target.ts). */
  interface EventTargetRegistry { target: WebSocket }
}

function emitHandshakeFailure(ws: WebSocket, error: Error | null): void {
  if (error !== null) ws.reportError(error);
  ws.emitClose(1006, Buffer.alloc(0));
}
