// WebSocketStream, the WHATWG proposal Chromium ships (https://github.com/whatwg/websockets/pull/48):
// a connection as a ReadableStream of messages and a WritableStream of messages, with backpressure
// both ways. The readable stops reading the socket (the inner socket's pause()) while its queue
// is full and resumes when pulled; a write's promise settles when the message was handed to the OS.

import type { WebSocket as WsSocket } from '../websocket.js';
import { checkCloseArguments, WebSocketError, type WebSocketCloseInfo } from './errors.js';
import { enqueueConnect, releaseConnect, type ConnectTicket } from './connect-queue.js';
import { defineInterfaceMembers } from './idl-shape.js';
import { openInner } from './inner.js';
import { getBaseURL, getURLRecord, hostKey, isBadPort, validateProtocols } from './url.js';
import { copyBufferSource, isBufferSource, toDictionary, toSequence, toUSVString } from './webidl.js';

export interface WebSocketStreamOptions {
  protocols?: Iterable<string>;
  signal?: AbortSignal;
}

export interface WebSocketOpenInfo {
  readable: ReadableStream<string | ArrayBuffer>;
  writable: WritableStream<string | ArrayBuffer | ArrayBufferView>;
  extensions: string;
  protocol: string;
}

const enum State {
  CONNECTING,
  OPEN,
  CLOSING,
  CLOSED,
}

export class WebSocketStream {
  #url: URL;
  #state = State.CONNECTING;
  #inner: WsSocket | null = null;
  #ticket: ConnectTicket | null = null;
  #opened = deferred<WebSocketOpenInfo>();
  #closed = deferred<Required<WebSocketCloseInfo>>();
  #readable: ReadableStreamDefaultController<string | ArrayBuffer> | null = null;
  #writable: WritableStreamDefaultController | null = null;
  /** The writable's close() is waiting for the closing handshake: do not error it. */
  #writableClosing = false;
  #extensions = '';

  // `options = {}` keeps WebSocketStream.length at 1.
  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocketStream': 1 argument required, but only 0 present.");
    const urlString = toUSVString(url);
    const dictionary = toDictionary(options, 'WebSocketStreamOptions');
    const protocols = dictionary.protocols === undefined ? [] : toSequence(dictionary.protocols, toUSVString, 'USVString');
    const signal = dictionary.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError("Failed to construct 'WebSocketStream': member signal is not of type AbortSignal.");
    }
    this.#url = getURLRecord(urlString, getBaseURL());
    validateProtocols(protocols);
    if (signal?.aborted) {
      this.#state = State.CLOSED;
      this.#opened.reject(signal.reason);
      this.#closed.reject(signal.reason);
      return;
    }
    signal?.addEventListener('abort', () => this.#abort(signal.reason), { once: true });
    if (isBadPort(this.#url)) {
      // A network error from Fetch: the connection fails without being dialed.
      setImmediate(() => this.#onClose(1006, '', false));
      return;
    }
    this.#ticket = enqueueConnect(hostKey(this.#url), () => this.#dial(protocols));
  }

  get url(): string {
    return this.#url.href;
  }
  get opened(): Promise<WebSocketOpenInfo> {
    return this.#opened.promise;
  }
  get closed(): Promise<Required<WebSocketCloseInfo>> {
    return this.#closed.promise;
  }

  /** Start the closing handshake (or abandon the opening one); `closeInfo = {}` keeps close.length at 0. */
  close(closeInfo: WebSocketCloseInfo = {}): void {
    this.#state; // WebIDL: the brand check comes before argument conversion
    const info = toDictionary(closeInfo, 'WebSocketCloseInfo');
    const code = info.closeCode === undefined ? null : toEnforcedUnsignedShort(info.closeCode);
    const reason = info.reason === undefined ? '' : toUSVString(info.reason);
    checkCloseArguments(code, reason);
    this.#startClose(code, reason);
  }

  // ---- internal ----------------------------------------------------------------------------

  #startClose(code: number | null, reason: string): void {
    switch (this.#state) {
      case State.CONNECTING:
        this.#state = State.CLOSING;
        this.#failOpening(
          WebSocketError.fromClose('WebSocket closed before handshake complete.', null, ''),
          WebSocketError.fromClose('WebSocket was not cleanly closed.', 1006, ''),
        );
        return;
      case State.OPEN: {
        this.#state = State.CLOSING;
        const inner = this.#inner as WsSocket;
        // Read again, so that the server's Close frame is not stuck behind unread messages (they are
        // dropped from now on); otherwise a paused readable would turn every close into a timeout.
        inner.resume();
        if (code === null && reason === '') inner.close();
        else inner.close(code ?? 1000, reason);
        return;
      }
      default:
    }
  }

  /** The signal fired: it matters only while the opening handshake is in progress. */
  #abort(reason: unknown): void {
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.CLOSING;
    this.#failOpening(reason, reason);
  }

  /** Abandon the opening handshake: both promises reject, the inner socket is dropped. */
  #failOpening(openedError: unknown, closedError: unknown): void {
    this.#state = State.CLOSED;
    this.#opened.reject(openedError);
    this.#closed.reject(closedError);
    this.#release();
    this.#inner?.terminate();
  }

  #dial(protocols: string[]): void {
    this.#inner = openInner(this.#url, protocols, {
      upgrade: (extensions) => {
        this.#extensions = extensions;
      },
      open: (inner) => this.#onOpen(inner),
      message: (data, isBinary) => this.#onMessage(data, isBinary),
      error: () => {},
      close: (code, reason, wasClean) => this.#onClose(code, reason, wasClean),
    });
  }

  #onOpen(inner: WsSocket): void {
    this.#release();
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.OPEN;
    const readable = new ReadableStream<string | ArrayBuffer>(
      {
        start: (controller) => {
          this.#readable = controller;
        },
        pull: () => inner.resume(),
        cancel: () => this.#startClose(null, ''),
      },
      { highWaterMark: 1 },
    );
    const writable = new WritableStream<unknown>(
      {
        start: (controller) => {
          this.#writable = controller;
        },
        write: (chunk) => this.#write(inner, chunk),
        close: () => {
          this.#writableClosing = true;
          this.#startClose(null, '');
          return this.#closed.promise.then(() => undefined);
        },
        abort: () => this.#startClose(null, ''),
      },
      { highWaterMark: 1 },
    );
    // Dictionary members in WebIDL's (lexicographic) order, as Chromium returns them.
    this.#opened.resolve({ extensions: this.#extensions, protocol: inner.protocol, readable, writable });
  }

  #write(inner: WsSocket, chunk: unknown): Promise<void> {
    let payload: Buffer;
    let binary = false;
    try {
      if (isBufferSource(chunk)) {
        payload = copyBufferSource(chunk);
        binary = true;
      } else {
        payload = Buffer.from(toUSVString(chunk), 'utf8');
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#state !== State.OPEN || inner.readyState !== 1) {
      return Promise.reject(new WebSocketError('The WebSocket is closing.'));
    }
    return new Promise((resolve, reject) => {
      inner.send(payload, { binary }, (error) => (error ? reject(error) : resolve()));
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    const controller = this.#readable;
    if (controller === null || this.#state !== State.OPEN) return;
    if (isBinary) {
      const copy = new ArrayBuffer(data.length);
      new Uint8Array(copy).set(data);
      controller.enqueue(copy);
    } else {
      controller.enqueue(data.toString('utf8'));
    }
    // Backpressure: stop reading the socket until the reader pulls again.
    if ((controller.desiredSize ?? 0) <= 0) this.#inner?.pause();
  }

  #onClose(code: number, reason: string, wasClean: boolean): void {
    this.#release();
    const wasConnecting = this.#state === State.CONNECTING;
    if (this.#state === State.CLOSED) return;
    this.#state = State.CLOSED;
    if (wasClean) {
      this.#closed.resolve({ closeCode: code, reason });
      tryClose(this.#readable);
      if (!this.#writableClosing) this.#writable?.error(new WebSocketError('The WebSocket closed.'));
      return;
    }
    const error = WebSocketError.fromClose('WebSocket was not cleanly closed.', 1006, '');
    // As in Chromium: opened carries no close code, closed the 1006 of an abnormal closure.
    if (wasConnecting) this.#opened.reject(WebSocketError.fromClose('WebSocket closed before handshake complete.', null, ''));
    this.#closed.reject(error);
    this.#readable?.error(error);
    this.#writable?.error(error);
  }

  #release(): void {
    if (this.#ticket === null) return;
    releaseConnect(this.#ticket);
    this.#ticket = null;
  }
}

defineInterfaceMembers(WebSocketStream, 'WebSocketStream', ['url', 'opened', 'closed', 'close']);

/** [EnforceRange] unsigned short: a non-finite or out-of-range number is a TypeError. */
function toEnforcedUnsignedShort(value: unknown): number {
  const x = +(value as number);
  if (!Number.isFinite(x)) throw new TypeError('The close code is not a finite number.');
  const integer = Math.trunc(x);
  if (integer < 0 || integer > 65535) throw new TypeError('The close code is outside the range of unsigned short.');
  return integer;
}

function tryClose(controller: ReadableStreamDefaultController<unknown> | null): void {
  try {
    controller?.close();
  } catch {
    // Already closed or errored (the reader cancelled it).
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A promise with its settle functions; marked handled, as an unobserved failure is not a crash in a browser. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
