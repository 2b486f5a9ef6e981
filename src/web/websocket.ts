// The WebSocket interface of the WHATWG WebSockets Standard (https://websockets.spec.whatwg.org/),
// with WebIDL's semantics, built by composition on ws6455's ws-compatible client, whose public
// API alone it uses. Everything the standard checks synchronously (URL, subprotocols, close
// arguments) is checked here before the inner socket exists, so a constructor that throws never dials.

import { WebSocket as WsSocket } from '../websocket.js';
import { checkCloseArguments, domException } from './errors.js';
import { CloseEvent, MessageEvent, type MessageEventInstance } from './events.js';
import { getEventHandler, setEventHandler, type HandlerMap } from './event-handlers.js';
import { defineConstants, defineInterfaceMembers } from './idl-shape.js';
import { enqueueConnect, releaseConnect, type ConnectTicket } from './connect-queue.js';
import { openInner, type InnerEvents } from './inner.js';
import { getURLRecord, getBaseURL, isBadPort, hostKey, validateProtocols } from './url.js';
import { toClampedUnsignedShort, toDOMString, toUSVString, toSequence, isObject, isBlob, isBufferSource, copyBufferSource } from './webidl.js';

/** The standard's readyState values. */
const enum State {
  CONNECTING = 0,
  OPEN = 1,
  CLOSING = 2,
  CLOSED = 3,
}

export type BinaryType = 'blob' | 'arraybuffer';

/** An event handler IDL attribute's value, typed by the event it receives. */
type EventHandler<E extends Event = Event> = ((this: WebSocket, event: E) => unknown) | null;
type MessageHandler = EventHandler<MessageEventInstance<string | Blob | ArrayBuffer>>;

export class WebSocket extends EventTarget {
  declare static readonly CONNECTING: 0;
  declare static readonly OPEN: 1;
  declare static readonly CLOSING: 2;
  declare static readonly CLOSED: 3;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  #url: URL;
  #state: State = State.CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  /** Application data given to send() and not yet handed to the OS (the standard's definition). */
  #bufferedAmount = 0;
  #inner: WsSocket | null = null;
  #ticket: ConnectTicket | null;
  /** The connection was failed (RFC 6455 §7.1.7): an error event precedes the close event. */
  #failed = false;
  #handlers: HandlerMap = new Map();

  // `protocols = []` keeps WebSocket.length at 1, as WebIDL gives it.
  constructor(url: string | URL, protocols: string | Iterable<string> = []) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    const urlString = toUSVString(url);
    const list = toProtocolList(protocols);
    const record = getURLRecord(urlString, getBaseURL());
    validateProtocols(list);
    super();
    this.#url = record;
    if (isBadPort(record)) {
      this.#ticket = null;
      this.#failed = true;
      setImmediate(() => this.#onClose(1006, '', false));
      return;
    }
    this.#ticket = enqueueConnect(hostKey(record), () => this.#dial(list));
  }

  get url(): string {
    return this.#url.href;
  }
  get readyState(): number {
    // The server's Close frame starts the closing handshake: the inner socket says so at once
    // (it has no event for it), and a close() or send() from now on acts as in CLOSING.
    const inner = this.#inner;
    if (this.#state === State.OPEN && inner !== null && inner.readyState >= WsSocket.CLOSING) return State.CLOSING;
    return this.#state;
  }
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }
  get extensions(): string {
    return this.#extensions;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    // An enumeration attribute ignores values outside the enumeration (WebIDL §3.2.23).
    const type = toDOMString(value);
    if (type === 'blob' || type === 'arraybuffer') this.#binaryType = type;
  }

  get onopen(): EventHandler {
    return getEventHandler(this.#handlers, 'open') as EventHandler;
  }
  set onopen(value: EventHandler) {
    setEventHandler(this, this.#handlers, 'open', value);
  }
  get onerror(): EventHandler {
    return getEventHandler(this.#handlers, 'error') as EventHandler;
  }
  set onerror(value: EventHandler) {
    setEventHandler(this, this.#handlers, 'error', value);
  }
  get onclose(): EventHandler<CloseEvent> {
    return getEventHandler(this.#handlers, 'close') as EventHandler<CloseEvent>;
  }
  set onclose(value: EventHandler<CloseEvent>) {
    setEventHandler(this, this.#handlers, 'close', value);
  }
  get onmessage(): MessageHandler {
    return getEventHandler(this.#handlers, 'message') as MessageHandler;
  }
  set onmessage(value: MessageHandler) {
    setEventHandler(this, this.#handlers, 'message', value);
  }

  /** The standard's close(code, reason); `code = undefined` keeps close.length at 0. */
  close(code: number | undefined = undefined, reason: string | undefined = undefined): void {
    this.#state; // WebIDL: the brand check comes before argument conversion
    const closeCode = code === undefined ? null : toClampedUnsignedShort(code);
    const closeReason = reason === undefined ? null : toUSVString(reason);
    checkCloseArguments(closeCode, closeReason);
    switch (this.#state) {
      case State.CLOSING:
      case State.CLOSED:
        return;
      case State.CONNECTING:
        // "Fail the WebSocket connection": error, then close with 1006.
        this.#state = State.CLOSING;
        this.#failed = true;
        // The handshake may have completed already, its open task still queued: terminate either way.
        if (this.#inner !== null) this.#inner.terminate();
        else this.#failBeforeDialing();
        return;
      case State.OPEN: {
        this.#state = State.CLOSING;
        const inner = this.#inner as WsSocket;
        if (inner.readyState !== WsSocket.OPEN) return;
        // No code and no reason: a Close frame without a body; a reason alone goes with 1000.
        if (closeCode === null && (closeReason === null || closeReason === '')) inner.close();
        else inner.close(closeCode ?? 1000, closeReason ?? '');
      }
    }
  }

  /** The standard's send(data): USVString, Blob, ArrayBuffer or ArrayBufferView. */
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void {
    this.#state; // WebIDL: the brand check comes first
    if (arguments.length === 0) throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    const { payload, binary, length } = toMessage(data);
    if (this.#state === State.CONNECTING) throw domException('InvalidStateError', "Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.");
    // The standard counts the bytes even when the closing handshake has started and nothing is sent.
    this.#bufferedAmount += length;
    const inner = this.#inner;
    if (this.#state !== State.OPEN || inner === null || inner.readyState !== WsSocket.OPEN) return;
    inner.send(payload, { binary }, (error) => {
      if (!error) this.#bufferedAmount -= length;
    });
  }

  // ---- the connection (internal) -----------------------------------------------------------

  #dial(protocols: string[]): void {
    const events: InnerEvents = {
      upgrade: (extensions) => {
        this.#extensions = extensions;
      },
      open: (inner) => {
        this.#release();
        queueTask(() => this.#onOpen(inner));
      },
      message: (data, isBinary) => queueTask(() => this.#onMessage(data, isBinary)),
      error: () => {
        this.#failed = true;
      },
      close: (code, reason, wasClean) => {
        this.#release();
        queueTask(() => this.#onClose(code, reason, wasClean));
      },
    };
    this.#inner = openInner(this.#url, protocols, events);
  }

  #onOpen(inner: WsSocket): void {
    // close() may have run since the handshake completed: it failed the connection then.
    if (this.#state !== State.CONNECTING) return;
    this.#state = State.OPEN;
    this.#protocol = inner.protocol;
    this.dispatchEvent(new Event('open'));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    // "If readyState is not OPEN, then return": nothing is delivered once close() was called.
    if (this.#state !== State.OPEN) return;
    let value: string | Blob | ArrayBuffer;
    if (!isBinary) value = data.toString('utf8');
    else if (this.#binaryType === 'blob') value = new Blob([data]);
    else value = toArrayBuffer(data);
    this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.#url.origin }));
  }

  #onClose(code: number, reason: string, wasClean: boolean): void {
    this.#release();
    if (this.#state === State.CLOSED) return;
    this.#state = State.CLOSED;
    if (this.#failed) {
      // A failed connection closes abnormally (RFC 6455 §7.1.7, §7.4.1), whatever the inner socket saw.
      this.dispatchEvent(new Event('error'));
      this.dispatchEvent(new CloseEvent('close', { wasClean: false, code: 1006, reason: '' }));
      return;
    }
    this.dispatchEvent(new CloseEvent('close', { wasClean, code, reason }));
  }

  /** close() before this socket's turn in the per-host queue: nothing was dialed. */
  #failBeforeDialing(): void {
    this.#release();
    setImmediate(() => this.#onClose(1006, '', false));
  }

  #release(): void {
    if (this.#ticket === null) return;
    releaseConnect(this.#ticket);
    this.#ticket = null;
  }
}

defineConstants(WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
defineInterfaceMembers(WebSocket, 'WebSocket', [
  'url', 'readyState', 'bufferedAmount', 'onopen', 'onerror', 'onclose', 'extensions', 'protocol', 'close',
  'onmessage', 'binaryType', 'send',
]);

/**
 * The standard fires each event from its own task, so that microtasks (promise reactions) run
 * between two messages even when both arrived in one read; setImmediate callbacks are such tasks
 * in Node (FIFO, with a microtask checkpoint after each).
 */
function queueTask(task: () => void): void {
  setImmediate(task);
}

/** `(DOMString or sequence<DOMString>) protocols`: an iterable object is a sequence, anything else one string. */
function toProtocolList(protocols: unknown): string[] {
  if (isObject(protocols) && typeof (protocols as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
    return toSequence(protocols, toDOMString, 'DOMString');
  }
  return [toDOMString(protocols)];
}

/** The union (BufferSource or Blob or USVString), converted as WebIDL converts it, in that order. */
function toMessage(data: unknown): { payload: Buffer | Blob; binary: boolean; length: number } {
  if (isBlob(data)) return { payload: data, binary: true, length: data.size };
  if (isBufferSource(data)) {
    const payload = copyBufferSource(data);
    return { payload, binary: true, length: payload.length };
  }
  const payload = Buffer.from(toUSVString(data), 'utf8');
  return { payload, binary: false, length: payload.length };
}

/** A fresh ArrayBuffer holding exactly the message (a Buffer may be a view into a shared pool). */
function toArrayBuffer(data: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(data.length);
  new Uint8Array(copy).set(data);
  return copy;
}
