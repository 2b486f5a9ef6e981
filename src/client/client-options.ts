// The client's options (`new WebSocket(url, protocols, options)`): the core ones, how the request
// is made (agent, auth, finishRequest), masking (generateMask), and ws 8.21+ receiver limits that
// ws6455 accepts. Generic in the socket that finishRequest is given: websocket.ts declares the
// public ClientOptions with its WebSocket class, src/client/ works with the HandshakeHost it sees.

import type { Agent, ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import type { HandshakeHost } from './host.js';

export interface ClientRequestOptions<Socket> {
  /**
   * An http(s).Agent (e.g. a proxy agent): the handshake is then made with http.request through
   * it, as ws does, so `agent.addRequest` runs. Default: none (a direct connection).
   */
  agent?: Agent | false;
  /** `user:password` sent as `Authorization: Basic` (credentials in the URL win). Default: none. */
  auth?: string;
  /**
   * Called with the handshake's http.ClientRequest before it is ended; it must call
   * `request.end()`. Default: none (the request is ended at once).
   */
  finishRequest?: (request: ClientRequest, websocket: Socket) => void;
  /** Fills the 4-byte masking key of each frame (e.g. zeros for tests). Default: random keys. */
  generateMask?: (mask: Buffer) => void;
  /**
   * Accepted for ws compatibility (ws 8.21+): ws6455 always emits events as frames are parsed.
   * Default true.
   */
  allowSynchronousEvents?: boolean;
  /**
   * Accepted for ws compatibility (ws 8.21+): ws6455 bounds what a peer can make it buffer by
   * bytes (`maxPayload`, counted across fragments), which also bounds chunk and fragment counts.
   */
  maxBufferedChunks?: number;
  /** Accepted for ws compatibility (ws 8.21+); see maxBufferedChunks. */
  maxFragments?: number;
}

/** Options of `new WebSocket(url, protocols, options)` (the client), finishRequest receiving a `Socket`. */
export interface ClientOptionsFor<Socket> extends SecureContextOptions, Omit<TlsConnectionOptions, 'timeout'>, ClientRequestOptions<Socket> {
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

/** The options as src/client/ handles them: finishRequest is given the WebSocket as its handshake host. */
export type HandshakeOptions = ClientOptionsFor<HandshakeHost>;
