// WebSocketServer: standalone on net.createServer (parsing HTTP itself), attached to an existing
// http(s) server's 'upgrade' event, or noServer with handleUpgrade(). Validates and negotiates the
// handshake, then hands sockets to WebSocket instances; adds broadcast, topics and heartbeat.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { livenessOf, type Heartbeat } from './heartbeat.js';
import { toBroadcastPayload, writeBroadcast, type BroadcastOptions, type BroadcastPayload } from './broadcast.js';
import type { HttpHead } from '../handshake/http-parser.js';
import { headerHasToken } from '../handshake/tokens.js';
import { SUPPORTED_VERSIONS } from '../handshake/server.js';
import { PendingHandshake, requestFromHead, sweepPendingHandshakes, sweepPeriod } from './front-door.js';
import { PendingSockets } from './pending-sockets.js';
import { abortHandshake, onHandshakeSocketError } from './http-refusal.js';
import type { PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { TopicRegistry } from './topics.js';
import { recordAcceptance, type AcceptingServer } from '../accepting-server.js';
import type { LocalDelivery, ScaleOutAdapter } from '../extras/adapters/adapter.js';
import type { SendableData } from '../message-data.js';
import type { WebSocket } from '../websocket.js';
import { resolveServerOptions, type ResolvedOptions, type ServerOptions, type UpgradeRequest } from './server-options.js';
import type { ServerOptions as PublicServerOptions, WebSocketServerEvents } from './server-types.js';
import { runUpgrade, type UpgradeCallback, type UpgradeHost } from './upgrade.js';
// Issue 16 (scale-out): session resume and graceful drain live in their own files.
import { SessionResume } from './session-resume.js';
import { drainConnections, type DrainOptions } from './drain.js';

export type { ServerOptions, UpgradeRequest, VerifyClientCallback, VerifyClientInfo } from './server-options.js';

/**
 * Running -> Closing (close() called: clients are closing) -> Finishing ('close' is scheduled)
 * -> Closed ('close' emitted). ws's contract: 'close' is emitted once per close() made while
 * running or closing, and once more (with an error for the callback) for each call after it.
 */
const enum ServerState {
  Running,
  Closing,
  Finishing,
  Closed,
}

// Generic as in ws's types (issue 11): T is the WebSocket class to instantiate, U the http server's request class.
export class WebSocketServer<T extends typeof WebSocket = typeof WebSocket, U extends typeof IncomingMessage = typeof IncomingMessage>
  extends EventEmitter
  implements LocalDelivery, UpgradeHost, AcceptingServer<WebSocket> {
  readonly options: ResolvedOptions;
  /** @internal null when permessage-deflate is off */
  readonly deflateOptions: PerMessageDeflateOptions | null;
  private readonly clientSet = new Set<WebSocket>();
  /** null in noServer mode, and once closed (address() then answers null, as in ws) */
  private server: net.Server | null;
  private readonly ownsServer: boolean;
  /** Standalone mode: sockets whose handshake is not complete, so that close() can drop them. */
  private readonly pendingSockets = new PendingSockets();
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: Heartbeat | null;
  private readonly topics = new TopicRegistry<WebSocket>();
  private adapter: ScaleOutAdapter | null = null;
  private state = ServerState.Running;
  private removeServerListeners: (() => void) | null = null;
  /** Issue 16: the `sessionResume` option's state; null when off. */
  private readonly sessions: SessionResume | null;
  /** Issue 16: set by drain(); new upgrades are refused (503) so the load balancer picks another node. */
  private draining = false;
  /** Connections adopted and not yet closed (counted with or without clientTracking). */
  private openConnections = 0;

  /** Every option is checked here, before any socket or listener exists (see server-options.ts). */
  constructor(options?: PublicServerOptions<T, U>, callback?: () => void) {
    super();
    this.options = resolveServerOptions(options as ServerOptions | undefined);
    const deflate = this.options.perMessageDeflate ?? false;
    // As ws: `true` reads back as `{}` in wss.options.
    if (deflate === true) this.options.perMessageDeflate = {};
    this.deflateOptions = deflate === false ? null : deflate === true ? {} : deflate;
    this.heartbeat = livenessOf(this.clientSet, this.options); // issue 15: idleTimeout, maxLifetime
    // Issue 16: session resume hook (see session-resume.ts).
    this.sessions = this.options.sessionResume ? new SessionResume(this, this.options.sessionResume, () => this.adapter) : null;
    if (this.options.port != null) {
      this.server = net.createServer({ noDelay: true }, (socket) => this.onRawSocket(socket));
      this.ownsServer = true;
      // As ws: the callback is registered by listen() before our 'listening' forwarder, so it runs first.
      this.server.listen(this.options.port, this.options.host ?? undefined, this.options.backlog ?? 511, callback);
      this.listenTo(this.server);
    } else {
      this.server = this.options.server || null;
      this.ownsServer = false;
      if (this.server !== null) this.listenTo(this.server);
    }
  }

  private listenTo(server: net.Server): void {
    const onListening = (): void => void this.emit('listening');
    const onError = (error: Error): void => void this.emit('error', error);
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.onHttpUpgrade(server, req as UpgradeRequest, socket, head);
    server.on('listening', onListening);
    server.on('error', onError);
    if (!this.ownsServer) server.on('upgrade', onUpgrade);
    this.removeServerListeners = () => {
      server.removeListener('listening', onListening);
      server.removeListener('error', onError);
      server.removeListener('upgrade', onUpgrade);
    };
  }

  /** Open connections; undefined with `clientTracking: false`, as in ws. */
  get clients(): Set<InstanceType<T>> {
    return (this.options.clientTracking ? this.clientSet : undefined) as Set<InstanceType<T>>;
  }

  address(): net.AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this.server?.address() ?? null;
  }

  /** Whether the underlying server is listening (ws6455 addition). */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /**
   * The listening net.Server: the one ws6455 made in standalone mode (for its connection count,
   * maxConnections, keep-alive settings...), or the one given as `server`; null in noServer mode.
   */
  get netServer(): net.Server | null {
    return this.server;
  }

  /** @internal UpgradeHost: maxConnections reached (open connections and handshakes in progress). */
  get atCapacity(): boolean {
    const max = this.options.maxConnections ?? 0;
    return max > 0 && this.openConnections + this.pendingSockets.size >= max;
  }

  /** @internal UpgradeHost */
  isPending(socket: Duplex): boolean {
    return this.pendingSockets.has(socket);
  }

  /** @internal UpgradeHost: false once close() was called. */
  get accepting(): boolean {
    return this.state === ServerState.Running && !this.draining;
  }

  /** ws's hook: whether this server handles the request (path match, query string ignored). */
  shouldHandle(req: UpgradeRequest | IncomingMessage): boolean {
    const path = this.options.path;
    if (!path) return true;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === path;
  }

  // ---- accepting connections -----------------------------------------------------------------

  /** Standalone mode: read and answer the HTTP request on the raw socket ourselves. */
  private onRawSocket(socket: net.Socket): void {
    if (this.state !== ServerState.Running) {
      socket.destroy();
      return;
    }
    if (this.atCapacity) {
      socket.on('error', onHandshakeSocketError);
      abortHandshake(socket, 503);
      return;
    }
    const pending = new PendingHandshake(this, socket);
    this.pendingSockets.set(socket, pending);
    pending.start();
    this.startSweep();
  }

  /** @internal */
  forgetPending(socket: Duplex): void {
    this.pendingSockets.delete(socket);
    if (this.pendingSockets.size === 0) this.stopSweep();
  }

  /**
   * @internal One timer for all pending handshakes (a timer per socket costs a Timeout object and
   * its re-arming on every read): every sweep drops those past their deadline with 408.
   */
  sweepPending(): void {
    const now = Date.now();
    for (const pending of [...this.pendingSockets.values()]) {
      if (pending.deadline <= now) pending.expire();
    }
  }

  private startSweep(): void {
    if (this.sweepTimer !== null || !(this.options.handshakeTimeout > 0)) return;
    this.sweepTimer = setInterval(sweepPendingHandshakes, sweepPeriod(this.options.handshakeTimeout), this);
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer === null) return;
    clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** @internal Called by PendingHandshake once a complete request head arrived. */
  onRawRequest(socket: net.Socket, head: HttpHead, rest: Buffer): void {
    // What node's http server routes to 'request' rather than 'upgrade' (ws answers those 426).
    if (head.headers['upgrade'] === undefined || !headerHasToken(head.headers['connection'], 'upgrade')) {
      abortHandshake(socket, 426, undefined, { 'Content-Type': 'text/plain', 'Sec-WebSocket-Version': SUPPORTED_VERSIONS });
      return;
    }
    const req = requestFromHead(head, socket);
    if (!this.shouldHandle(req)) {
      abortHandshake(socket, 404);
      return;
    }
    runUpgrade(this, req, socket, rest, (ws) => this.emit('connection', ws, req));
  }

  private onHttpUpgrade(server: net.Server, req: UpgradeRequest, socket: Duplex, head: Buffer): void {
    if (!this.shouldHandle(req)) {
      // Another WebSocketServer (or handler) on the same http server may own this path.
      if (server.listenerCount('upgrade') === 1) abortHandshake(socket, 404);
      return;
    }
    runUpgrade(this, req, socket, head, (ws) => this.emit('connection', ws, req));
  }

  /**
   * Validate and complete an upgrade (noServer mode calls this from its own 'upgrade' handler).
   * On success `callback(ws, req)`; on failure the socket gets an HTTP error and is closed.
   */
  handleUpgrade(req: InstanceType<U>, socket: Duplex, head: Buffer, callback: (client: InstanceType<T>, request: InstanceType<U>) => void): void {
    runUpgrade(this, req as UpgradeRequest, socket, head, callback as unknown as UpgradeCallback);
  }

  /** @internal UpgradeHost: the 101 was written. */
  adopt(ws: WebSocket, socket: Duplex): void {
    this.pendingSockets.get(socket)?.detach();
    recordAcceptance<WebSocket>(ws, this);
    this.openConnections++;
    if (this.options.clientTracking) this.clientSet.add(ws);
    this.heartbeat?.track(ws);
    this.sessions?.attach(ws, socket); // Issue 16: session resume hook
  }

  /** @internal AcceptingServer: a client's topics (ws.subscribe and friends). */
  subscribe(ws: WebSocket, topic: string): boolean {
    return this.topics.subscribe(ws, topic);
  }
  /** @internal */
  unsubscribe(ws: WebSocket, topic: string): boolean {
    return this.topics.unsubscribe(ws, topic);
  }
  /** @internal */
  isSubscribed(ws: WebSocket, topic: string): boolean {
    return this.topics.isSubscribed(ws, topic);
  }
  /** @internal */
  topicsOf(ws: WebSocket): ReadonlySet<string> {
    return this.topics.topicsOf(ws);
  }

  /** @internal AcceptingServer: a client closed (called by the WebSocket just before its 'close' event) */
  forget(ws: WebSocket): void {
    this.openConnections--;
    this.clientSet.delete(ws);
    this.topics.removeSocket(ws);
    if (this.clientSet.size === 0) {
      this.heartbeat?.stop();
      if (this.state === ServerState.Closing) this.finishClose();
    }
  }

  // ---- fan-out -------------------------------------------------------------------------------

  /**
   * Send one message to every open client (ws6455 addition): the frame is built once and the
   * same bytes are written to each socket. Returns the number of clients it was written to.
   * With an adapter (setAdapter) it reaches every node's clients, unless a `filter` is given:
   * a filtered broadcast stays on this node.
   */
  broadcast(data: SendableData, options: BroadcastOptions = {}): number {
    const message = toBroadcastPayload(data, options.binary);
    const count = this.clientSet.size === 0 ? 0 : writeBroadcast(message, this.clientSet, options);
    // A filter is a predicate over this process's sockets: other nodes cannot apply it.
    if (options.filter === undefined) this.adapter?.forward({ kind: 'broadcast', ...message });
    return count;
  }

  /** Send to every subscriber of `topic` (ws6455 addition). Returns the number of subscribers reached. */
  publish(topic: string, data: SendableData, options: BroadcastOptions = {}): number {
    const message = toBroadcastPayload(data, options.binary);
    const count = this.publishHere(topic, message, options);
    this.adapter?.forward({ kind: 'publish', topic, ...message });
    return count;
  }

  /** @internal LocalDelivery for adapters: deliver here, never forward again. */
  broadcastLocal(data: Buffer | string, options: { binary: boolean }): number {
    if (this.clientSet.size === 0) return 0;
    return writeBroadcast({ data, binary: options.binary }, this.clientSet, {});
  }

  /** @internal LocalDelivery for adapters. */
  publishLocal(topic: string, data: Buffer | string, options: { binary: boolean }): number {
    return this.publishHere(topic, { data, binary: options.binary }, {});
  }

  private publishHere(topic: string, message: BroadcastPayload, options: BroadcastOptions): number {
    const subscribers = this.topics.subscribers(topic);
    if (subscribers === undefined || subscribers.size === 0) return 0;
    return writeBroadcast(message, subscribers, options);
  }

  /**
   * Issue 16, rolling restarts: refuse new connections (503) and close the open ones a few at a
   * time over `over` ms with 1012 (Service Restart), so clients reconnect spread over time to the
   * other nodes. Resolves once every connection has closed; call close() afterwards.
   */
  drain(options?: DrainOptions): Promise<void> {
    this.draining = true;
    return drainConnections(this.clientSet, options);
  }

  /** Join processes or machines: broadcasts and publishes then reach their clients too. */
  setAdapter(adapter: ScaleOutAdapter | null): void {
    this.adapter = adapter;
    adapter?.attach(this);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Stop accepting connections, close every client with 1001 (Going Away) and wait for their
   * closing handshakes, then emit 'close' and call back. Unlike ws 8, open connections are closed
   * too: a server that stops is going away (see README). As in ws, a call after the server closed
   * emits 'close' again and calls back with an error.
   */
  close(callback?: (error?: Error) => void): void {
    if (this.state === ServerState.Closed) {
      if (callback) this.once('close', () => callback(new Error('The server is not running')));
      process.nextTick(emitClose, this);
      return;
    }
    if (callback) this.once('close', callback);
    if (this.state !== ServerState.Running) return;
    this.state = ServerState.Closing;
    this.heartbeat?.stop();
    for (const socket of [...this.pendingSockets.keys()]) socket.destroy();
    this.pendingSockets.clear();
    this.stopSweep();
    if (this.ownsServer) this.server?.close();
    this.removeServerListeners?.();
    this.removeServerListeners = null;
    this.server = null;
    for (const ws of this.clientSet) ws.close(1001, 'Server shutting down');
    if (this.clientSet.size === 0) this.finishClose();
  }

  private finishClose(): void {
    if (this.state !== ServerState.Closing) return;
    this.state = ServerState.Finishing;
    const adapter = this.adapter;
    this.adapter = null;
    const done = (): void => emitClose(this);
    if (adapter) adapter.close().then(done, done);
    else process.nextTick(done);
  }

  /** @internal */
  markClosed(): void {
    this.state = ServerState.Closed;
  }
}

function emitClose(server: WebSocketServer): void {
  server.markClosed();
  server.emit('close');
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the string | symbol fallback is EventEmitter's own signature */
/** Typed listeners for every event (server-types.ts), with EventEmitter's signature as the fallback. */
export interface WebSocketServer<T extends typeof WebSocket = typeof WebSocket, U extends typeof IncomingMessage = typeof IncomingMessage> {
  on<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  on(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  once<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  once(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  off<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  off(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  addListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  addListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  removeListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  removeListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  prependListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  prependListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
  prependOnceListener<K extends keyof WebSocketServerEvents<T, U>>(event: K, listener: (this: this, ...args: WebSocketServerEvents<T, U>[K]) => void): this;
  prependOnceListener(event: string | symbol, listener: (this: this, ...args: any[]) => void): this;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
