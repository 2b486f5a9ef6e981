// WebSocketServer: standalone on net.createServer (parsing HTTP itself), attached to an existing
// http(s) server's 'upgrade' event, or noServer with handleUpgrade(). Validates and negotiates the
// handshake, then hands sockets to WebSocket instances; adds broadcast, topics and heartbeat.

import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { codedError } from '../errors.js';
import { Heartbeat, type HeartbeatOptions } from './heartbeat.js';
import { toBroadcastPayload, writeBroadcast, type BroadcastOptions, type BroadcastPayload } from './broadcast.js';
import { parseExtensions } from '../handshake/extensions.js';
import type { HttpHead } from '../handshake/http-parser.js';
import { PendingHandshake, requestFromHead, sweepPendingHandshakes, sweepPeriod } from './front-door.js';
import { abortHandshake, onHandshakeSocketError } from './http-refusal.js';
import { computeAcceptKey, validateUpgradeRequest } from '../handshake/server.js';
import { negotiateServer, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { PerMessageDeflate } from '../transport/deflate-codec.js';
import { TopicRegistry } from './topics.js';
import type { LocalDelivery, ScaleOutAdapter } from '../extras/adapters/adapter.js';
import type { SendableData } from '../send-data.js';
import { WebSocket } from '../websocket.js';
import { isBoundSocket } from '../transport/connection.js';

export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: UpgradeRequest;
}
export type VerifyClientCallback = (verified: boolean, code?: number, message?: string, headers?: Record<string, string | number>) => void;

export interface ServerOptions {
  /** Listen on this port (standalone mode: a net server, HTTP parsed by ws6455 itself). */
  port?: number;
  /** Host to bind in standalone mode. Default: all interfaces. */
  host?: string;
  /** listen() backlog in standalone mode. Default 511. */
  backlog?: number;
  /** Attach to this http/https server's 'upgrade' event. */
  server?: HttpServer | net.Server;
  /** Create no server: call handleUpgrade() yourself. */
  noServer?: boolean;
  /** Accept upgrades only for this path (query string ignored); other paths get 404. */
  path?: string;
  /** Accept or refuse a client: sync `(info) => boolean` or async `(info, cb) => void`. Refusal is 401 unless cb says otherwise. */
  verifyClient?: ((info: VerifyClientInfo) => boolean) | ((info: VerifyClientInfo, cb: VerifyClientCallback) => void);
  /** Pick a subprotocol from the offered set; return false for none. Default: the first offered. */
  handleProtocols?: (protocols: Set<string>, req: UpgradeRequest) => string | false;
  /** Keep `clients`. Default true. */
  clientTracking?: boolean;
  /** Enable permessage-deflate. Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Largest message accepted, in bytes. Default 104857600 (100 MiB). */
  maxPayload?: number;
  /** Skip the UTF-8 check of text messages. Default false. */
  skipUTF8Validation?: boolean;
  /** Answer pings automatically. Default true. */
  autoPong?: boolean;
  /** The class to instantiate for connections. Default WebSocket. */
  WebSocket?: typeof WebSocket;
  /** Standalone mode: drop (408) a connection whose handshake is not complete after this many ms; checked by one shared sweep every quarter of it (at most 1 s). Default 10000. */
  handshakeTimeout?: number;
  /** Standalone mode: largest request head in bytes; beyond it 431. Default 16384. */
  maxHeaderSize?: number;
  /** Wait this long (ms) for the peer's part of the closing handshake. Default 30000. */
  closeTimeout?: number;
  /** Slow-consumer limit per client in bytes (see README, "Backpressure"). Default 0 (no limit). */
  maxBufferedAmount?: number;
  /** Built-in keep-alive: ping every `interval` ms, terminate clients silent for `timeout` ms. Default off. */
  heartbeat?: HeartbeatOptions;
}

/** The request handed to 'connection': node's IncomingMessage, or its shape in standalone mode. */
export interface UpgradeRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  httpVersion: string;
  httpVersionMajor: number;
  httpVersionMinor: number;
  socket: Duplex & Partial<net.Socket> & { encrypted?: boolean; authorized?: boolean };
  connection?: Duplex;
}

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
const DEFAULT_CLOSE_TIMEOUT = 30_000;

const enum ServerState {
  Running,
  Closing,
  Closed,
}

type ResolvedOptions = Required<
  Pick<ServerOptions, 'clientTracking' | 'maxPayload' | 'skipUTF8Validation' | 'autoPong' | 'handshakeTimeout' | 'maxHeaderSize' | 'closeTimeout' | 'maxBufferedAmount'>
> &
  ServerOptions;

export class WebSocketServer extends EventEmitter implements LocalDelivery {
  readonly options: ResolvedOptions;
  private readonly clientSet: Set<WebSocket>;
  private readonly server: net.Server | null;
  private readonly ownsServer: boolean;
  /** Standalone mode: sockets whose handshake is not complete, so that close() can drop them. */
  private readonly pendingSockets = new Map<Duplex, PendingHandshake>();
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly heartbeat: Heartbeat | null;
  private readonly topics = new TopicRegistry<WebSocket>();
  private readonly deflateOptions: PerMessageDeflateOptions | null;
  private adapter: ScaleOutAdapter | null = null;
  private state = ServerState.Running;
  private removeServerListeners: (() => void) | null = null;

  constructor(options: ServerOptions, callback?: () => void) {
    super();
    const modes = Number(options.port != null) + Number(options.server != null) + Number(options.noServer === true);
    if (modes !== 1) {
      throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    }
    this.options = {
      clientTracking: true,
      maxPayload: DEFAULT_MAX_PAYLOAD,
      skipUTF8Validation: false,
      autoPong: true,
      handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
      maxHeaderSize: 16 * 1024,
      closeTimeout: DEFAULT_CLOSE_TIMEOUT,
      maxBufferedAmount: 0,
      ...options,
    };
    const deflate = options.perMessageDeflate ?? false;
    this.deflateOptions = deflate === false ? null : deflate === true ? {} : deflate;
    this.clientSet = new Set();
    this.heartbeat = options.heartbeat ? new Heartbeat(this.clientSet, options.heartbeat) : null;
    if (this.heartbeat && !this.options.clientTracking) {
      throw new TypeError('The "heartbeat" option needs clientTracking');
    }
    if (options.port != null) {
      this.server = net.createServer({ noDelay: true }, (socket) => this.onRawSocket(socket));
      this.ownsServer = true;
      this.server.listen(options.port, options.host, options.backlog ?? 511, callback);
    } else {
      this.server = options.server ?? null;
      this.ownsServer = false;
    }
    if (this.server !== null) this.listenTo(this.server);
  }

  private listenTo(server: net.Server): void {
    const onListening = (): void => void this.emit('listening');
    const onError = (error: Error): void => void this.emit('error', error);
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.onHttpUpgrade(server, req, socket, head);
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
  get clients(): Set<WebSocket> {
    return (this.options.clientTracking ? this.clientSet : undefined) as Set<WebSocket>;
  }

  address(): net.AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this.server?.address() ?? null;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** ws's hook: whether this server handles the request (path match). */
  shouldHandle(req: UpgradeRequest | IncomingMessage): boolean {
    const path = this.options.path;
    if (path === undefined) return true;
    const url = req.url ?? '/';
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
    if (this.sweepTimer !== null) return;
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
    const req = requestFromHead(head, socket);
    if (req.headers.upgrade === undefined) {
      // A plain HTTP request to a WebSocket-only server.
      abortHandshake(socket, 426, 'Upgrade Required', { 'Sec-WebSocket-Version': '13' });
      return;
    }
    if (!this.shouldHandle(req)) {
      abortHandshake(socket, 404);
      return;
    }
    this.handleUpgrade(req, socket, rest, (ws) => this.emit('connection', ws, req));
  }

  private onHttpUpgrade(server: net.Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.shouldHandle(req)) {
      // Another WebSocketServer (or handler) on the same http server may own this path.
      if (server.listenerCount('upgrade') === 1) abortHandshake(socket, 404);
      return;
    }
    this.handleUpgrade(req as unknown as UpgradeRequest, socket, head, (ws) => this.emit('connection', ws, req));
  }

  /**
   * Validate and complete an upgrade (noServer mode calls this from its own 'upgrade' handler).
   * On success `callback(ws, req)`; on failure the socket gets an HTTP error and is closed.
   */
  handleUpgrade(
    req: UpgradeRequest | IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: (ws: WebSocket, req: UpgradeRequest) => void,
  ): void {
    const request = req as UpgradeRequest;
    socket.on('error', onHandshakeSocketError);
    const validation = validateUpgradeRequest({
      method: request.method ?? '',
      httpVersionMajor: request.httpVersionMajor ?? 1,
      httpVersionMinor: request.httpVersionMinor ?? 1,
      headers: request.headers as Record<string, string>,
    });
    if (!validation.ok) {
      this.refuse(request, socket, validation.status, validation.message, validation.headers);
      return;
    }
    if (this.options.noServer && !this.shouldHandle(request)) {
      abortHandshake(socket, 400);
      return;
    }
    const { key, protocols: offered, extensions } = validation.info;
    const negotiated = this.negotiateDeflate(extensions);
    if ('error' in negotiated) {
      this.refuse(request, socket, 400, negotiated.error);
      return;
    }
    const protocol = this.selectProtocol(offered, request);
    const proceed = (): void => this.completeUpgrade(key, protocol, negotiated, request, socket, head, callback);
    if (this.options.verifyClient === undefined) {
      proceed();
      return;
    }
    // Bytes arriving while an async verifyClient decides must wait in the socket's buffer.
    if (this.options.verifyClient.length === 2) socket.pause();
    this.verify(request, (verified, code = 401, message, headers) => {
      if (verified) proceed();
      else abortHandshake(socket, code, message, headers);
    });
  }

  private refuse(req: UpgradeRequest, socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
    if (this.listenerCount('wsClientError') > 0) {
      const error = codedError(message, 'WS_ERR_HANDSHAKE_REFUSED') as Error & { statusCode?: number };
      error.statusCode = status;
      this.emit('wsClientError', error, socket, req);
      return;
    }
    abortHandshake(socket, status, message, headers);
  }

  private negotiateDeflate(header: string | undefined): { params: PerMessageDeflateParams | null; response?: string } | { error: string } {
    const options = this.deflateOptions;
    if (options === null || header === undefined) return { params: null };
    const offers = parseExtensions(header);
    if (offers === null) return { error: 'Invalid or unacceptable Sec-WebSocket-Extensions header' };
    const result = negotiateServer(offers, options);
    if (result === null) return { params: null };
    if ('error' in result) return { error: result.error };
    return { params: result.params, response: result.response };
  }

  private selectProtocol(offered: string[], req: UpgradeRequest): string {
    if (offered.length === 0) return '';
    const handler = this.options.handleProtocols;
    if (handler === undefined) return offered[0];
    const chosen = handler(new Set(offered), req);
    return chosen === false || chosen === undefined ? '' : String(chosen);
  }

  private verify(req: UpgradeRequest, done: VerifyClientCallback): void {
    const verifyClient = this.options.verifyClient!;
    const origin = req.headers['origin'];
    const info: VerifyClientInfo = {
      origin: Array.isArray(origin) ? origin[0] : origin,
      secure: Boolean(req.socket?.authorized || req.socket?.encrypted),
      req,
    };
    if (verifyClient.length === 2) {
      (verifyClient as (info: VerifyClientInfo, cb: VerifyClientCallback) => void)(info, done);
      return;
    }
    done((verifyClient as (info: VerifyClientInfo) => boolean)(info));
  }

  private completeUpgrade(
    key: string,
    protocol: string,
    negotiated: { params: PerMessageDeflateParams | null; response?: string },
    req: UpgradeRequest,
    socket: Duplex,
    head: Buffer,
    callback: (ws: WebSocket, req: UpgradeRequest) => void,
  ): void {
    if (isBoundSocket(socket)) {
      throw new Error('server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration');
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    if (this.state !== ServerState.Running) {
      abortHandshake(socket, 503);
      return;
    }
    this.pendingSockets.get(socket)?.detach();
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${computeAcceptKey(key)}`];
    if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    if (negotiated.response) lines.push(`Sec-WebSocket-Extensions: ${negotiated.response}`);
    this.emit('headers', lines, req);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    socket.removeListener('error', onHandshakeSocketError);

    const WebSocketClass = this.options.WebSocket ?? WebSocket;
    const ws = new WebSocketClass(null);
    const deflateParams = negotiated.params;
    ws.attachSocket(socket, head, {
      role: 'server',
      maxPayload: this.options.maxPayload,
      skipUTF8Validation: this.options.skipUTF8Validation,
      autoPong: this.options.autoPong,
      deflate: deflateParams === null ? null : new PerMessageDeflate(deflateParams, 'server', this.deflateOptions!, this.options.maxPayload),
      closeTimeout: this.options.closeTimeout,
      maxBufferedAmount: this.options.maxBufferedAmount,
      protocol,
      extensions: deflateParams === null ? '' : 'permessage-deflate',
    });
    ws.topicRegistry = this.topics;
    ws.tracker = this;
    if (this.options.clientTracking) this.clientSet.add(ws);
    this.heartbeat?.start();
    callback(ws, req);
  }

  /** @internal a client closed (called by the WebSocket just before its 'close' event) */
  forget(ws: WebSocket): void {
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

  /** Join processes or machines: broadcasts and publishes then reach their clients too. */
  setAdapter(adapter: ScaleOutAdapter | null): void {
    this.adapter = adapter;
    adapter?.attach(this);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * Stop accepting connections, close every client with 1001 (Going Away) and wait for their
   * closing handshakes, then emit 'close' and call back. Unlike ws 8, open connections are closed
   * too: a server that stops is going away (see README).
   */
  close(callback?: (error?: Error) => void): void {
    if (callback) this.once('close', () => callback(this.closedBefore ? new Error('The server is not running') : undefined));
    if (this.state === ServerState.Closed) {
      this.closedBefore = true;
      process.nextTick(() => this.emit('close'));
      return;
    }
    if (this.state === ServerState.Closing) return;
    this.state = ServerState.Closing;
    this.heartbeat?.stop();
    for (const socket of [...this.pendingSockets.keys()]) socket.destroy();
    this.pendingSockets.clear();
    this.stopSweep();
    if (this.ownsServer) this.server?.close();
    this.removeServerListeners?.();
    this.removeServerListeners = null;
    for (const ws of this.clientSet) ws.close(1001, 'Server shutting down');
    if (this.clientSet.size === 0) this.finishClose();
  }

  private closedBefore = false;

  private finishClose(): void {
    if (this.state === ServerState.Closed) return;
    this.state = ServerState.Closed;
    const adapter = this.adapter;
    this.adapter = null;
    const done = (): void => void this.emit('close');
    if (adapter) adapter.close().then(done, done);
    else process.nextTick(done);
  }
}

type PerMessageDeflateParams = ConstructorParameters<typeof PerMessageDeflate>[0];
