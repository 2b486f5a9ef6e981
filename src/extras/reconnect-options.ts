// The options, events and socket shape of ReconnectingWebSocket (reconnect.ts).

import type { BackoffOptions } from './reconnect-policy.js';
import type { SessionOutcome } from './reconnect-session.js';
import type { QueueFullPolicy } from './reconnect-queue.js';
import type { SendableData } from '../message-data.js';
import type { BinaryType, ClientOptions, SendOptions, WebSocket } from '../websocket.js';

type SendCallback = (error?: Error | null) => void;

/** What 'message' carries, by binaryType: a Buffer, an ArrayBuffer, Buffer fragments or a Blob. */
export type RawData = Buffer | ArrayBuffer | Buffer[] | Blob;

/**
 * What the wrapper needs of a WebSocket: ws6455's WebSocket, or anything shaped like the `ws`
 * package's client (which the tests inject).
 */
export interface ReconnectableSocket {
  readonly readyState: number;
  binaryType: string;
  send(data: unknown, options: object, callback?: SendCallback): void;
  close(code?: number, reason?: string | Buffer): void;
  terminate(): void;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: RawData, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'upgrade', listener: (response: { headers: Record<string, string | string[] | undefined> }) => void): unknown;
}

export type ReconnectableSocketConstructor = new (
  address: string,
  protocols?: string | string[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each library has its own options type
  options?: any,
) => ReconnectableSocket;


export interface ReconnectOptions extends Partial<BackoffOptions> {
  /**
   * Reconnection attempts in a row (after a drop, or after the first connection failed) before the
   * client gives up ('give-up', then 'close'); an open connection resets the count. Default Infinity.
   */
  maxAttempts?: number;
  /** Messages kept while disconnected, sent in order once connected. 0 disables queueing. Default 1000. */
  maxQueued?: number;
  /**
   * What send() does when the queue is full. 'drop-oldest' (default) discards the oldest queued
   * message, 'drop-newest' discards the message being sent, 'error' throws a QueueFullError from
   * send(). A discarded message's callback gets an error, and 'drop' is emitted.
   */
  queueFullPolicy?: QueueFullPolicy;
  /**
   * Whether to reconnect after a connection closed with `code` (1006 when it failed or dropped
   * without a close frame). Default: isRetryableCloseCode, which refuses 1002, 1003, 1007-1010,
   * 3000, 3003 and 4000-4999.
   */
  shouldReconnect?: (code: number, reason: string) => boolean;
  /** The WebSocket class to connect with. Default: ws6455's WebSocket. */
  WebSocket?: ReconnectableSocketConstructor;
  /**
   * Resume the server session after a reconnection (a server with `sessionResume`): present the
   * session id and the count of messages received, and get what was missed, in order, once.
   * Default false.
   */
  resume?: boolean;
  /**
   * After the server closed with 1012 (Service Restart) or 1013 (Try Again Later), wait a random
   * time of up to at least this many ms (full jitter), so the clients of a drained node come back
   * spread out. Default 5000.
   */
  restartSpread?: number;
}

/** Client options of the underlying WebSocket (passed to every connection) plus reconnect options. */
export type ReconnectingWebSocketOptions = ReconnectOptions & ClientOptions;

export type ReconnectState = 'connecting' | 'open' | 'waiting' | 'closing' | 'closed';

export type GiveUpReason =
  | { kind: 'not-retryable'; code: number; reason: string }
  | { kind: 'max-attempts'; attempts: number };

export interface ReconnectingWebSocketEvents {
  /** A connection opened: the first one and every reconnection. Queued messages are sent right after. */
  open: [];
  message: [data: RawData, isBinary: boolean];
  /** An open connection ended; unless the client gives up, 'reconnecting' follows. */
  disconnect: [code: number, reason: Buffer];
  /** Attempt number `attempt` (1, 2, ...) starts in `delay` ms. */
  reconnecting: [attempt: number, delay: number];
  /** Connected again after `attempts` attempts; emitted right after 'open'. */
  reconnected: [attempts: number];
  /** No more attempts; 'close' follows. */
  'give-up': [reason: GiveUpReason];
  /** Final: after close()/terminate(), or after giving up. Emitted once. */
  close: [code: number, reason: Buffer];
  /** Errors of the underlying connections. Unlike ws, never thrown when nobody listens: failures are expected here. */
  error: [error: Error];
  /** A message that will never be sent: pushed out of a full queue, or pending when the client closed. */
  drop: [data: SendableData, why: 'queue-full' | 'closed'];
  /** With `resume`: what the server said about the session on each connection (before 'open'). */
  session: [outcome: SessionOutcome];
}
