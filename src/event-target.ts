// The browser-style event API on top of EventEmitter: onopen/onmessage/onclose/onerror and
// addEventListener, with MessageEvent/CloseEvent/ErrorEvent-shaped event objects. The WebSocket
// keeps emitting its Node events; each browser-style listener is an EventEmitter listener that
// builds the event object, so both styles see the same order.

import type { EventEmitter } from 'node:events';

export type BrowserEventType = 'open' | 'message' | 'close' | 'error';

export class WsEvent {
  readonly type: string;
  readonly target: unknown;
  constructor(type: string, target: unknown) {
    this.type = type;
    this.target = target;
  }
  get currentTarget(): unknown {
    return this.target;
  }
  get srcElement(): unknown {
    return this.target;
  }
}

export class WsMessageEvent extends WsEvent {
  /** string for text messages; for binary, a Buffer/ArrayBuffer/Buffer[]/Blob per binaryType. */
  readonly data: unknown;
  constructor(target: unknown, data: unknown) {
    super('message', target);
    this.data = data;
  }
}

export class WsCloseEvent extends WsEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(target: unknown, code: number, reason: string, wasClean: boolean) {
    super('close', target);
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

export class WsErrorEvent extends WsEvent {
  readonly error: unknown;
  readonly message: string;
  constructor(target: unknown, error: unknown) {
    super('error', target);
    this.error = error;
    this.message = error instanceof Error ? error.message : String(error);
  }
}

export type EventListenerFunction = (event: WsEvent) => void;
export type EventListenerLike = EventListenerFunction | { handleEvent(event: WsEvent): void };

/** What the adapter needs from the WebSocket to build event objects. */
export interface BrowserEventSource extends EventEmitter {
  readonly binaryType: string;
  /** Whether the close handshake completed (CloseEvent.wasClean). */
  readonly wasClean: boolean;
}

const kListener = Symbol('ws6455.browserListener');
const kAttribute = Symbol('ws6455.onAttribute');

type Wrapped = ((...args: unknown[]) => void) & {
  [kListener]?: EventListenerLike;
  [kAttribute]?: boolean;
};

function dispatch(listener: EventListenerLike, thisArg: unknown, event: WsEvent): void {
  if (typeof listener === 'function') listener.call(thisArg, event);
  else listener.handleEvent(event);
}

function buildEvent(source: BrowserEventSource, type: BrowserEventType, args: unknown[]): WsEvent {
  switch (type) {
    case 'open':
      return new WsEvent('open', source);
    case 'message': {
      const [data, isBinary] = args as [Buffer, boolean];
      return new WsMessageEvent(source, isBinary ? data : data.toString());
    }
    case 'close': {
      const [code, reason] = args as [number, Buffer];
      return new WsCloseEvent(source, code, reason.toString(), source.wasClean);
    }
    case 'error':
      return new WsErrorEvent(source, args[0]);
  }
}

function wrap(source: BrowserEventSource, type: BrowserEventType, listener: EventListenerLike, attribute: boolean): Wrapped {
  const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
    dispatch(listener, source, buildEvent(source, type, args));
  };
  wrapped[kListener] = listener;
  wrapped[kAttribute] = attribute;
  return wrapped;
}

function isBrowserType(type: string): type is BrowserEventType {
  return type === 'open' || type === 'message' || type === 'close' || type === 'error';
}

export function addBrowserListener(
  source: BrowserEventSource,
  type: string,
  listener: EventListenerLike | null | undefined,
  options: { once?: boolean } = {},
): void {
  if (!isBrowserType(type) || listener == null) return;
  for (const existing of source.listeners(type) as Wrapped[]) {
    // Like EventTarget, the same listener is registered once.
    if (existing[kListener] === listener && !existing[kAttribute]) return;
  }
  const wrapped = wrap(source, type, listener, false);
  if (options.once) source.once(type, wrapped);
  else source.on(type, wrapped);
}

export function removeBrowserListener(source: BrowserEventSource, type: string, listener: EventListenerLike): void {
  if (!isBrowserType(type)) return;
  for (const existing of source.listeners(type) as Wrapped[]) {
    if (existing[kListener] === listener && !existing[kAttribute]) {
      source.removeListener(type, existing);
      return;
    }
  }
}

export function getAttributeListener(source: BrowserEventSource, type: BrowserEventType): EventListenerLike | null {
  for (const existing of source.rawListeners(type) as Wrapped[]) {
    const wrapped = (existing as { listener?: Wrapped }).listener ?? existing;
    if (wrapped[kAttribute]) return wrapped[kListener] ?? null;
  }
  return null;
}

export function setAttributeListener(source: BrowserEventSource, type: BrowserEventType, handler: unknown): void {
  for (const existing of source.listeners(type) as Wrapped[]) {
    if (existing[kAttribute]) {
      source.removeListener(type, existing);
      break;
    }
  }
  if (typeof handler !== 'function') return;
  source.on(type, wrap(source, type, handler as EventListenerFunction, true));
}
