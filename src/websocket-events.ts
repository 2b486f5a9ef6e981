// The WebSocket's events and the types around them, declared as ws's published types (@types/ws)
// declare them, so that TypeScript code written for ws compiles unchanged with ws6455: the
// Node-style events and their arguments (read by the typed on/once/off overloads merged into the
// class in websocket.ts), the browser-style event map (addEventListener, onopen...) and the data
// types users name (RawData, Data, CertMeta).

import type { ClientRequest, IncomingMessage } from 'node:http';
import type { CloseEvent, ErrorEvent, Event, MessageEvent } from './event-target.js';

/**
 * A received message as 'message' hands it: a Buffer (binaryType 'nodebuffer', the default), an
 * ArrayBuffer ('arraybuffer') or a Buffer[] ('fragments'). With binaryType 'blob' a binary message
 * is a Blob; like ws's types, this union leaves it out so that existing narrowing code compiles.
 */
export type RawData = Buffer | ArrayBuffer | Buffer[];

/** A message as MessageEvent.data holds it (declared with the event classes, below this file). */
export type { Data } from './event-target.js';

/** What the TLS options accept for certificates and keys. */
export type CertMeta = string | string[] | Buffer | Buffer[];

/** The Node-style events of a WebSocket and the arguments their listeners get. */
export interface WebSocketEvents {
  /** The handshake completed: the connection is OPEN. */
  open: [];
  /** A whole message; `isBinary` false means text (data holds its UTF-8 bytes). */
  message: [data: RawData, isBinary: boolean];
  /** The connection is CLOSED; 1005 when the close frame had no code, 1006 when there was none. */
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** Client: the 101 response, before 'open'. */
  upgrade: [response: IncomingMessage];
  /** Client: the server answered something other than 101. */
  'unexpected-response': [request: ClientRequest, response: IncomingMessage];
  /** Client, with followRedirects: about to follow a redirect to `url`. */
  redirect: [url: string, request: ClientRequest];
  /** ws6455 addition: the send buffer went below its high-water mark after send() returned false. */
  drain: [];
}

/** The browser-style events (addEventListener, onopen, ...) and their event objects. */
export interface WebSocketEventMap {
  open: Event;
  error: ErrorEvent;
  close: CloseEvent;
  message: MessageEvent;
}

export interface EventListenerOptions {
  /** Remove the listener after its first call. */
  once?: boolean | undefined;
}

/** A browser-style listener: a function or an object with handleEvent. */
export type WebSocketEventListener<K extends keyof WebSocketEventMap> =
  | ((event: WebSocketEventMap[K]) => void)
  | { handleEvent(event: WebSocketEventMap[K]): void };

/** The EventTarget API of the WebSocket, installed on its prototype by event-target.ts. */
export interface BrowserEventApi {
  addEventListener: <K extends keyof WebSocketEventMap>(type: K, listener: WebSocketEventListener<K>, options?: EventListenerOptions) => void;
  removeEventListener: <K extends keyof WebSocketEventMap>(type: K, listener: WebSocketEventListener<K>) => void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/**
 * What send() accepts, as ws accepts it: strings, Buffers, typed arrays and DataViews, array
 * buffers, Blobs, numbers (sent as text), arrays of bytes, and objects that convert to one of
 * these through valueOf() or Symbol.toPrimitive (Buffer.from's rules).
 */
export type BufferLike =
  | string
  | Buffer
  | DataView
  | number
  | ArrayBufferView
  | Uint8Array
  | ArrayBuffer
  | SharedArrayBuffer
  | Blob
  | readonly unknown[]
  | readonly number[]
  | { valueOf(): ArrayBuffer }
  | { valueOf(): SharedArrayBuffer }
  | { valueOf(): Uint8Array }
  | { valueOf(): readonly number[] }
  | { valueOf(): string }
  | { [Symbol.toPrimitive](hint: string): string };
