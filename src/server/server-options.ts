// WebSocketServer options: their types and defaults, and their validation. Every option is checked
// here, once, when the server is constructed and before any socket or listener exists, so that no
// invalid value can reach a running connection (an invalid deflate window used to surface as an
// uncaught RangeError at the first compressed handshake).

import type net from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createDeflateRaw, createInflateRaw, type ZlibOptions } from 'node:zlib';
import { validatePerMessageDeflateOptions, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import type { HeartbeatOptions } from './heartbeat.js';
import type { SessionResumeOptions } from './session-resume.js'; // issue 16
import type { WebSocket } from '../websocket.js';
import { DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_BUFFERED_AMOUNT, DEFAULT_MAX_PAYLOAD } from '../defaults.js';
import type { UpgradeRequest, VerifyClientCallback, VerifyClientInfo } from './verify-client.js';

export type { UpgradeRequest, VerifyClientCallback, VerifyClientInfo } from './verify-client.js';

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
  /** Largest message accepted, in bytes; 0 for no limit. Default 104857600 (100 MiB). */
  maxPayload?: number;
  /** Skip the UTF-8 check of text messages. Default false. */
  skipUTF8Validation?: boolean;
  /** Answer pings automatically. Default true. */
  autoPong?: boolean;
  /** The class to instantiate for connections: WebSocket or a subclass. Default WebSocket. */
  WebSocket?: typeof WebSocket;
  /**
   * Drop (408) a connection whose opening handshake is not complete after this many ms: in
   * standalone mode from the TCP accept (one shared sweep every quarter of it, at most 1 s), in
   * every mode while an async verifyClient has not answered. 0 = no limit, as in Node. Default 10000.
   */
  handshakeTimeout?: number;
  /** Standalone mode: largest request head in bytes; beyond it 431. Default 16384. */
  maxHeaderSize?: number;
  /** Wait this long (ms) for the peer's part of the closing handshake. Default 30000. */
  closeTimeout?: number;
  /** Slow-consumer limit per client in bytes (see README, "Backpressure"); 0 for none. Default 16777216 (16 MiB). */
  maxBufferedAmount?: number;
  /** Built-in keep-alive: ping every `interval` ms, terminate clients silent for `timeout` ms. Overrides idleTimeout. Default: from idleTimeout. */
  heartbeat?: HeartbeatOptions;
  /**
   * Issue 15: a client that sends nothing at all for this many ms is terminated (1006); it is
   * pinged halfway, so a live peer (every browser, ws, ws6455) always answers in time. Checked
   * by one shared timer. 0 = never (ws's behaviour). Needs clientTracking. Default 120000.
   */
  idleTimeout?: number;
  /** Issue 15: close (1001) clients connected for longer than this many ms; checked by the same shared timer. 0 = never. Default 0. */
  maxLifetime?: number;
  /**
   * Issue 15: most connections at once, open ones and handshakes in progress together; beyond it
   * a new one is answered 503 before any WebSocket object exists. 0 = no limit. Default 0.
   */
  maxConnections?: number;
  /**
   * Issue 16: keep what a disconnected client missed and give it back when it reconnects with its
   * session id and offset (README, "Session resume"); `true` for the defaults
   * ({ ttl: 60000, maxMessages: 1000, maxBytes: 1048576, handoverWait: 2000 }). Default false.
   */
  sessionResume?: boolean | SessionResumeOptions;
  /**
   * ws 8: whether 'message', 'ping' and 'pong' may be emitted several times in one tick. Accepted for
   * compatibility; ws6455 always behaves as with ws's default (true). Default true.
   */
  allowSynchronousEvents?: boolean;
  /**
   * ws 8.21: most data chunks buffered per message. Accepted for compatibility: ws6455 bounds a
   * message by its bytes (maxPayload) and merges small fragments, so a count adds no protection. Default 262144.
   */
  maxBufferedChunks?: number;
  /** ws 8.21: most fragments per message. Accepted for compatibility (see maxBufferedChunks). Default 16384. */
  maxFragments?: number;
  /** ws 8.21: most automatic pongs waiting to be written. Accepted for compatibility. Default 60. */
  maxPendingAutoPongs?: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

export type ResolvedOptions = Required<
  Pick<
    ServerOptions,
    | 'clientTracking'
    | 'maxPayload'
    | 'skipUTF8Validation'
    | 'autoPong'
    | 'handshakeTimeout'
    | 'maxHeaderSize'
    | 'closeTimeout'
    | 'maxBufferedAmount'
    | 'allowSynchronousEvents'
    | 'maxBufferedChunks'
    | 'maxFragments'
    | 'maxPendingAutoPongs'
    | 'perMessageDeflate'
    | 'noServer'
  >
> &
  ServerOptions;

/** ws's own message, which users may match on. */
const MODE_ERROR = 'One and only one of the "port", "server", or "noServer" options must be specified';

/**
 * Checks every option and fills in the defaults. Throws a TypeError for a value of the wrong type
 * or a conflicting combination, a RangeError for a number out of range.
 */
export function resolveServerOptions(options: ServerOptions | undefined): ResolvedOptions {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError('The "options" argument must be an object');
  }
  const given: ServerOptions = options ?? {};
  checkMode(given);
  checkTypes(given);
  checkNumbers(given);
  const deflate = given.perMessageDeflate;
  if (deflate !== undefined && typeof deflate !== 'boolean') {
    if (deflate === null || typeof deflate !== 'object') throw new TypeError('The "perMessageDeflate" option must be a boolean or an object');
    validatePerMessageDeflateOptions(deflate);
    checkZlibOptions('zlibDeflateOptions', deflate.zlibDeflateOptions, createDeflateRaw);
    checkZlibOptions('zlibInflateOptions', deflate.zlibInflateOptions, createInflateRaw);
  }
  const resolved: ResolvedOptions = {
    // ws's defaults, readable back from wss.options as in ws.
    allowSynchronousEvents: true,
    maxBufferedChunks: 256 * 1024,
    maxFragments: 16 * 1024,
    maxPendingAutoPongs: 60,
    perMessageDeflate: false,
    noServer: false,
    clientTracking: true,
    maxPayload: DEFAULT_MAX_PAYLOAD,
    skipUTF8Validation: false,
    autoPong: true,
    handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
    maxHeaderSize: DEFAULT_MAX_HEADER_SIZE,
    closeTimeout: DEFAULT_CLOSE_TIMEOUT,
    maxBufferedAmount: DEFAULT_MAX_BUFFERED_AMOUNT,
    ...definedOnly(given),
  };
  if (resolved.heartbeat && !resolved.clientTracking) throw new TypeError('The "heartbeat" option needs clientTracking');
  return resolved;
}

/** An option given as undefined means its default (a spread would make it undefined instead). */
function definedOnly(options: ServerOptions): ServerOptions {
  const defined: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) if (value !== undefined) defined[name] = value;
  return defined as ServerOptions;
}

/** ws's rule, with ws's truthiness: exactly one of port (not null), server (truthy), noServer (truthy). */
function checkMode(options: ServerOptions): void {
  const hasPort = options.port != null;
  const hasServer = Boolean(options.server);
  const isNoServer = Boolean(options.noServer);
  if (Number(hasPort) + Number(hasServer) + Number(isNoServer) !== 1) throw new TypeError(MODE_ERROR);
  if (hasServer && typeof (options.server as net.Server).on !== 'function') {
    throw new TypeError('The "server" option must be an http, https or net server');
  }
}

function checkTypes(options: ServerOptions): void {
  for (const name of ['verifyClient', 'handleProtocols', 'WebSocket'] as const) {
    const value = options[name];
    if (value != null && typeof value !== 'function') throw new TypeError(`The "${name}" option must be a function`);
  }
  if (options.path != null && typeof options.path !== 'string') throw new TypeError('The "path" option must be a string');
  if (options.host != null && typeof options.host !== 'string') throw new TypeError('The "host" option must be a string');
}

const NUMERIC_OPTIONS = [
  'maxPayload',
  'handshakeTimeout',
  'maxHeaderSize',
  'closeTimeout',
  'maxBufferedAmount',
  'maxBufferedChunks',
  'maxFragments',
  'maxPendingAutoPongs',
  'idleTimeout',
  'maxLifetime',
  'maxConnections',
] as const;

function checkNumbers(options: ServerOptions): void {
  for (const name of NUMERIC_OPTIONS) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number') throw new TypeError(`The "${name}" option must be a number`);
    // Infinity is allowed where a limit is meant: ws reads it as no limit.
    if (Number.isNaN(value) || value < 0) throw new RangeError(`The "${name}" option must be a number >= 0, got ${value}`);
  }
  if (options.maxHeaderSize !== undefined && options.maxHeaderSize < 1) {
    throw new RangeError(`The "maxHeaderSize" option must be at least 1, got ${options.maxHeaderSize}`);
  }
  const port = options.port;
  if (port != null && !(Number.isInteger(Number(port)) && Number(port) >= 0 && Number(port) < 65536)) {
    // net.Server#listen would throw this later, after the server object exists; same class and code.
    const error = new RangeError(`The "port" option must be an integer from 0 to 65535, got ${String(port)}`);
    throw Object.assign(error, { code: 'ERR_SOCKET_BAD_PORT' });
  }
}

/**
 * zlib's own check of its options (level, memLevel, windowBits, strategy...), run once here: a
 * context is created and closed at once, so that a bad value throws now rather than at the first
 * compressed message of a running connection.
 */
function checkZlibOptions(name: string, options: ZlibOptions | undefined, create: (options: ZlibOptions) => { close(): void }): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`The "perMessageDeflate.${name}" option must be an object`);
  create(options).close();
}
