// The server's public types as ws's published types (@types/ws) declare them, so that TypeScript
// code written for ws compiles unchanged: options generic in the WebSocket class to instantiate
// (T) and the request class of the http server (U), so that `ws` and `req` in handlers are the
// user's subclasses; the events and their arguments, read by the typed on/once/off overloads
// merged into WebSocketServer.

import type { IncomingMessage, OutgoingHttpHeaders, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from '../websocket.js';
import type { ServerOptions as BaseServerOptions } from './server-options.js';

/** What verifyClient is told about a client. */
export interface VerifyClientInfo<Request extends IncomingMessage = IncomingMessage> {
  /** The Origin header. Typed `string` as in ws's types; undefined when the client sent none. */
  origin: string;
  /** Whether the connection is TLS (authorized or encrypted). */
  secure: boolean;
  req: Request;
}

/** Synchronous verifyClient: return whether to accept the handshake (refused: 401). */
export type VerifyClientCallbackSync<Request extends IncomingMessage = IncomingMessage> = (info: VerifyClientInfo<Request>) => boolean;

/** Asynchronous verifyClient: call back with the verdict, and for a refusal the status, message and headers. */
export type VerifyClientCallbackAsync<Request extends IncomingMessage = IncomingMessage> = (
  info: VerifyClientInfo<Request>,
  callback: (res: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void,
) => void;

/** Options of `new WebSocketServer(options, callback)`; see each option's documentation for its default. */
export interface ServerOptions<T extends typeof WebSocket = typeof WebSocket, U extends typeof IncomingMessage = typeof IncomingMessage>
  extends Omit<BaseServerOptions, 'server' | 'verifyClient' | 'handleProtocols' | 'WebSocket'> {
  /** Attach to this http/https server's 'upgrade' event; its IncomingMessage class is `req`'s. */
  server?: HttpServer<U> | HttpsServer<U> | net.Server | undefined;
  /**
   * Accept or refuse a client: sync `(info) => boolean` or async `(info, cb) => void` (told apart
   * by their parameter count). Refusal is 401 unless cb says otherwise. One signature rather than
   * ws's union of the two, so that `({ origin }) => ...` is typed too; both forms still fit (the
   * async form's result is ignored, whatever it is, hence `unknown`).
   */
  verifyClient?: ((info: VerifyClientInfo<InstanceType<U>>, callback: Parameters<VerifyClientCallbackAsync>[1]) => unknown) | undefined;
  /** Pick a subprotocol from the offered set; return false for none. Default: the first offered. */
  handleProtocols?: (protocols: Set<string>, request: InstanceType<U>) => string | false;
  /** The class to instantiate for connections: WebSocket or a subclass. Default WebSocket. */
  WebSocket?: T | undefined;
}

/** The events of a WebSocketServer and the arguments their listeners get. */
export interface WebSocketServerEvents<T extends typeof WebSocket = typeof WebSocket, U extends typeof IncomingMessage = typeof IncomingMessage> {
  /** A handshake completed: `socket` is OPEN. */
  connection: [socket: InstanceType<T>, request: InstanceType<U>];
  error: [error: Error];
  /** The 101 response's lines, before they are written: push to add headers. */
  headers: [headers: string[], request: InstanceType<U>];
  close: [];
  listening: [];
  /** A handshake was invalid and there is a listener: it answers the socket itself. */
  wsClientError: [error: Error, socket: Duplex, request: InstanceType<U>];
}
