// The event interfaces the standard fires: CloseEvent (defined here, with the standard's
// constructor `(type, eventInitDict)` and readonly attributes on the prototype) and MessageEvent
// (Node's own global, which already follows the HTML standard's interface).

import { toUnsignedShort, toUSVString, toDictionary } from './webidl.js';
import { defineInterfaceMembers } from './idl-shape.js';

/** The DOM's EventInit (not declared by @types/node 20). */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

export class CloseEvent extends Event {
  #wasClean: boolean;
  #code: number;
  #reason: string;

  // `eventInitDict = {}` keeps CloseEvent.length at 1, as WebIDL gives it.
  constructor(type: string, eventInitDict: CloseEventInit = {}) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CloseEvent': 1 argument required, but only 0 present.");
    const init = toDictionary(eventInitDict, 'CloseEventInit');
    super(`${type}`, init);
    this.#wasClean = Boolean(init.wasClean);
    this.#code = init.code === undefined ? 0 : toUnsignedShort(init.code);
    this.#reason = init.reason === undefined ? '' : toUSVString(init.reason);
  }

  get wasClean(): boolean {
    return this.#wasClean;
  }
  get code(): number {
    return this.#code;
  }
  get reason(): string {
    return this.#reason;
  }
}

defineInterfaceMembers(CloseEvent, 'CloseEvent', ['wasClean', 'code', 'reason']);

/** The shape of Node's MessageEvent (a global in Node 20 that @types/node does not declare). */
export interface MessageEventInit<T = unknown> extends EventInit {
  data?: T;
  origin?: string;
  lastEventId?: string;
}
export interface MessageEventInstance<T = unknown> extends Event {
  readonly data: T;
  readonly origin: string;
  readonly lastEventId: string;
  readonly source: unknown;
  readonly ports: readonly unknown[];
}
export interface MessageEventConstructor {
  new <T = unknown>(type: string, eventInitDict?: MessageEventInit<T>): MessageEventInstance<T>;
  readonly prototype: MessageEventInstance;
}

export const MessageEvent = (globalThis as unknown as { MessageEvent: MessageEventConstructor }).MessageEvent;
/** The instance type, under the interface's name (as the DOM typings have it). */
export type MessageEvent<T = unknown> = MessageEventInstance<T>;
