// What the client handshake needs from the WebSocket it opens. Declared here, below the class,
// so that src/client/ never imports websocket.ts, which imports the client (no cycle, even of
// types); the WebSocket class satisfies it as it stands.

import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { SocketSettings } from '../websocket-options.js';

/** The WebSocket as its opening handshake sees it. */
export interface HandshakeHost extends Pick<EventEmitter, 'emit' | 'listenerCount'> {
  /** The attempt in progress, so that close() while CONNECTING can abort it. */
  handshake: { abort(): void } | null;
  /** The handshake failed: report the error (unless emitError is false), then close with 1006. */
  failHandshake(error: Error, emitError?: boolean): void;
  /** The 101 arrived: take over the socket, with the bytes that came after the response head. */
  attachSocket(socket: Duplex, head: Buffer, settings: SocketSettings): void;
  /** The URL after redirects. */
  setUrl(url: string): void;
}
