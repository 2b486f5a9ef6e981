// The browser-style event API on top of EventEmitter: onopen/onmessage/onclose/onerror and
// addEventListener, with MessageEvent/CloseEvent/ErrorEvent-shaped event objects. The WebSocket
// keeps emitting its Node events; each browser-style listener is an EventEmitter listener that
// builds the event object, so both styles see the same order.

import type { EventEmitter } from 'node:events';

export type BrowserEventType = 'open' | 'message' | 'close' | 'error';

/** A message as MessageEvent.data holds it: text messages are strings (also exported by websocket-events.ts). */
export type Data = string | Buffer | ArrayBuffer | Buffer[];

/**
 * What dispatches the events, registered from above: websocket.ts adds `target: WebSocket` with a
 * `declare module` augmentation, so that `event.target` is typed as the WebSocket class while this
 * file, which the class imports, never imports it back.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by augmentation
export interface EventTargetRegistry {}
type DispatchTarget = EventTargetRegistry extends { target: infer Target } ? Target : unknown;

// The event classes follow ws's: constructed as (type, init) like the DOM's, read-only attributes
// as enumerable accessors on the prototype, and `target` set when the event is dispatched. Their
// state is kept under module-private symbols, not declared fields, so that the classes stay
// structural types: an object literal `{ type, target, data }` still satisfies MessageEvent, as it
// does with ws's types.
const kType = Symbol('type');
const kTarget = Symbol('target');
const kData = Symbol('data');
const kCode = Symbol('code');
const kReason = Symbol('reason');
const kWasClean = Symbol('wasClean');
const kError = Symbol('error');
const kMessage = Symbol('message');

type Slots = Record<symbol, unknown>;
const slots = (event: object): Slots => event as unknown as Slots;

export class Event {
  constructor(type: string) {
    slots(this)[kType] = type;
    slots(this)[kTarget] = null;
  }
  get type(): string {
    return slots(this)[kType] as string;
  }
  /** The WebSocket that dispatched the event (null until it is dispatched). */
  get target(): DispatchTarget {
    return slots(this)[kTarget] as DispatchTarget;
  }
}

export interface MessageEventInit {
  data?: unknown;
}

export class MessageEvent extends Event {
  constructor(type: string, init: MessageEventInit = {}) {
    super(type);
    slots(this)[kData] = init.data === undefined ? null : init.data;
  }
  /** A string for text messages; for binary ones a Buffer, ArrayBuffer, Buffer[] or Blob, per binaryType. */
  get data(): Data {
    return slots(this)[kData] as Data;
  }
}

export interface CloseEventInit {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

export class CloseEvent extends Event {
  constructor(type: string, init: CloseEventInit = {}) {
    super(type);
    slots(this)[kCode] = init.code === undefined ? 0 : init.code;
    slots(this)[kReason] = init.reason === undefined ? '' : init.reason;
    slots(this)[kWasClean] = init.wasClean === undefined ? false : init.wasClean;
  }
  get code(): number {
    return slots(this)[kCode] as number;
  }
  get reason(): string {
    return slots(this)[kReason] as string;
  }
  /** Whether the closing handshake completed. */
  get wasClean(): boolean {
    return slots(this)[kWasClean] as boolean;
  }
}

export interface ErrorEventInit {
  error?: unknown;
  message?: string;
}

export class ErrorEvent extends Event {
  constructor(type: string, init: ErrorEventInit = {}) {
    super(type);
    slots(this)[kError] = init.error === undefined ? null : init.error;
    slots(this)[kMessage] = init.message === undefined ? '' : init.message;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's types type it so: any thrown value
  get error(): any {
    return slots(this)[kError];
  }
  get message(): string {
    return slots(this)[kMessage] as string;
  }
}

for (const [eventClass, names] of [
  [Event, ['type', 'target']],
  [MessageEvent, ['data']],
  [CloseEvent, ['code', 'reason', 'wasClean']],
  [ErrorEvent, ['error', 'message']],
] as const) {
  for (const name of names) Object.defineProperty(eventClass.prototype, name, { enumerable: true });
}

// The listeners are typed per event at the class (websocket-events.ts); here any event will do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventListenerFunction = (event: any) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventListenerLike = EventListenerFunction | { handleEvent(event: any): void };

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

function dispatch(listener: EventListenerLike, thisArg: unknown, event: Event): void {
  if (typeof listener === 'function') listener.call(thisArg, event);
  else listener.handleEvent(event);
}

function buildEvent(source: BrowserEventSource, type: BrowserEventType, args: unknown[]): Event {
  let event: Event;
  switch (type) {
    case 'open':
      event = new Event('open');
      break;
    case 'message': {
      const [data, isBinary] = args as [Buffer, boolean];
      event = new MessageEvent('message', { data: isBinary ? data : data.toString() });
      break;
    }
    case 'close': {
      const [code, reason] = args as [number, Buffer];
      event = new CloseEvent('close', { code, reason: reason.toString(), wasClean: source.wasClean });
      break;
    }
    case 'error': {
      const error = args[0];
      event = new ErrorEvent('error', { error, message: error instanceof Error ? error.message : String(error) });
      break;
    }
  }
  slots(event)[kTarget] = source;
  return event;
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

export function getAttributeListener(source: BrowserEventSource, type: BrowserEventType): EventListenerFunction | null {
  for (const existing of source.rawListeners(type) as Wrapped[]) {
    const wrapped = (existing as { listener?: Wrapped }).listener ?? existing;
    if (wrapped[kAttribute]) return (wrapped[kListener] as EventListenerFunction | undefined) ?? null;
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

/**
 * The browser-style API on a class's prototype: addEventListener, removeEventListener and the
 * onopen/onmessage/onclose/onerror attributes, as enumerable members of the prototype (ws's shape).
 * The class declares their types.
 */
export function installBrowserApi(prototype: BrowserEventSource): void {
  Object.defineProperties(prototype, {
    addEventListener: {
      enumerable: true,
      writable: true,
      configurable: true,
      value(this: BrowserEventSource, type: string, listener: EventListenerLike, options?: { once?: boolean }): void {
        addBrowserListener(this, type, listener, options);
      },
    },
    removeEventListener: {
      enumerable: true,
      writable: true,
      configurable: true,
      value(this: BrowserEventSource, type: string, listener: EventListenerLike): void {
        removeBrowserListener(this, type, listener);
      },
    },
  });
  for (const type of ['open', 'message', 'close', 'error'] as const) {
    Object.defineProperty(prototype, `on${type}`, {
      enumerable: true,
      configurable: true,
      get(this: BrowserEventSource) {
        return getAttributeListener(this, type);
      },
      set(this: BrowserEventSource, handler: unknown) {
        setAttributeListener(this, type, handler);
      },
    });
  }
}
