// The IDL shape of the WebSocket and CloseEvent interfaces, as WebIDL's ECMAScript binding lays
// it out (https://webidl.spec.whatwg.org/#es-interfaces): inheritance, constants, attributes as
// accessors on the prototype, operations, brand checks, and the event handler IDL attributes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseEvent, MessageEvent, WebSocket } from '../../src/web/index.js';
import { startEchoServer, type EchoServer } from './helpers.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

function connecting(): WebSocket {
  const ws = new WebSocket(`${server.url}/`);
  ws.addEventListener('error', () => {});
  setImmediate(() => ws.close());
  return ws;
}

const CONSTANTS = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;
const ATTRIBUTES = ['url', 'readyState', 'bufferedAmount', 'onopen', 'onerror', 'onclose', 'extensions', 'protocol', 'onmessage', 'binaryType'];
const WRITABLE = new Set(['onopen', 'onerror', 'onclose', 'onmessage', 'binaryType']);

describe('interface object', () => {
  it('is named WebSocket, has length 1, and inherits from EventTarget', () => {
    expect(WebSocket.name).toBe('WebSocket');
    expect(WebSocket.length).toBe(1);
    expect(Object.getPrototypeOf(WebSocket)).toBe(EventTarget);
    expect(Object.getPrototypeOf(WebSocket.prototype)).toBe(EventTarget.prototype);
  });
  it('cannot be called without new', () => {
    expect(() => (WebSocket as any)(`${server.url}/`)).toThrow(TypeError);
  });
  it('instances are EventTargets and stringify as [object WebSocket]', () => {
    const ws = connecting();
    expect(ws).toBeInstanceOf(EventTarget);
    expect(Object.prototype.toString.call(ws)).toBe('[object WebSocket]');
    expect(typeof ws.dispatchEvent).toBe('function');
  });
});

describe('constants', () => {
  for (const [name, value] of Object.entries(CONSTANTS)) {
    it(`${name} is ${value}, read-only and non-configurable on the interface and the prototype`, () => {
      for (const holder of [WebSocket, WebSocket.prototype]) {
        expect(Object.getOwnPropertyDescriptor(holder, name)).toEqual({ value, writable: false, enumerable: true, configurable: false });
      }
      const ws = connecting();
      expect((ws as any)[name]).toBe(value);
      expect(() => {
        'use strict';
        (ws as any)[name] = 42;
      }).toThrow(TypeError);
      expect(() => delete (WebSocket as any)[name]).toThrow(TypeError);
    });
  }
});

describe('attributes', () => {
  for (const name of ATTRIBUTES) {
    it(`${name} is an enumerable accessor on the prototype${WRITABLE.has(name) ? '' : ', readonly'}`, () => {
      const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
      expect(descriptor.enumerable).toBe(true);
      expect(descriptor.configurable).toBe(true);
      expect(typeof descriptor.get).toBe('function');
      expect(typeof descriptor.set).toBe(WRITABLE.has(name) ? 'function' : 'undefined');
      expect(() => descriptor.get!.call({})).toThrow(TypeError);
      const ws = connecting();
      expect(Object.prototype.hasOwnProperty.call(ws, name)).toBe(false);
    });
  }
  it('assigning a readonly attribute throws in strict code and changes nothing', () => {
    const ws = connecting();
    expect(() => ((ws as any).url = 'x')).toThrow(TypeError);
    expect(() => ((ws as any).readyState = 3)).toThrow(TypeError);
    expect(() => ((ws as any).bufferedAmount = 9)).toThrow(TypeError);
    expect(ws.url).toBe(`${server.url}/`);
    expect(ws.readyState).toBe(0);
    expect(ws.bufferedAmount).toBe(0);
  });
  it('protocol and extensions are empty before the connection is established', () => {
    const ws = new WebSocket(`${server.url}/`, ['echo', 'chat']);
    expect(ws.protocol).toBe('');
    expect(ws.extensions).toBe('');
    ws.close();
  });
});

describe('operations', () => {
  it('close has length 0 and send length 1, both enumerable, both brand-checked', () => {
    for (const [name, length] of [['close', 0], ['send', 1]] as const) {
      const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
      expect(descriptor.enumerable).toBe(true);
      expect(descriptor.value.length).toBe(length);
      expect(() => descriptor.value.call({}, 'x')).toThrow(TypeError);
    }
  });
  it('checks the receiver before converting arguments', () => {
    const poisoned = { valueOf: () => { throw new Error('converted'); }, toString: () => { throw new Error('converted'); } };
    expect(() => WebSocket.prototype.close.call({} as WebSocket, poisoned as any)).toThrow(TypeError);
    expect(() => WebSocket.prototype.send.call({} as WebSocket, poisoned as any)).toThrow(TypeError);
    expect(() => connecting().close(poisoned as any)).toThrow('converted');
  });
  it('send() without an argument is a TypeError', () => {
    expect(() => (connecting() as any).send()).toThrow(TypeError);
  });
});

describe('binaryType', () => {
  it('is "blob" by default, takes "arraybuffer", and ignores any other value', () => {
    const ws = connecting();
    expect(ws.binaryType).toBe('blob');
    ws.binaryType = 'arraybuffer';
    expect(ws.binaryType).toBe('arraybuffer');
    for (const value of ['nodebuffer', 'fragments', 'Blob', '', null, 1]) {
      (ws as any).binaryType = value;
      expect(ws.binaryType).toBe('arraybuffer');
    }
    ws.binaryType = 'blob';
    expect(ws.binaryType).toBe('blob');
  });
});

describe('event handler IDL attributes', () => {
  for (const type of ['open', 'error', 'close', 'message']) {
    it(`on${type}: null by default; a non-object reads back as null`, () => {
      const ws = connecting() as any;
      expect(ws[`on${type}`]).toBeNull();
      const handler = (): void => {};
      ws[`on${type}`] = handler;
      expect(ws[`on${type}`]).toBe(handler);
      ws[`on${type}`] = 2;
      expect(ws[`on${type}`]).toBeNull();
    });
  }
  it('an object with handleEvent is kept but never called', () => {
    const ws = new EventTargetProbe();
    const object = { handleEvent: () => ws.calls.push('handleEvent') };
    ws.socket.onmessage = object as any;
    expect(ws.socket.onmessage).toBe(object);
    ws.socket.dispatchEvent(new MessageEvent('message', { data: 'x' }));
    expect(ws.calls).toEqual([]);
  });
  it('runs in listener order of its first assignment; reassignment keeps the place; null removes it', () => {
    const probe = new EventTargetProbe();
    const ws = probe.socket;
    ws.addEventListener('message', () => probe.calls.push('first listener'));
    ws.onmessage = () => probe.calls.push('handler v1');
    ws.addEventListener('message', () => probe.calls.push('second listener'));
    ws.onmessage = () => probe.calls.push('handler v2');
    ws.dispatchEvent(new MessageEvent('message', { data: 1 }));
    ws.onmessage = null;
    ws.onmessage = function (this: WebSocket) {
      probe.calls.push(this === ws ? 'handler v3, this is the socket' : 'wrong this');
    };
    ws.dispatchEvent(new MessageEvent('message', { data: 2 }));
    expect(probe.calls).toEqual(['first listener', 'handler v2', 'second listener', 'first listener', 'second listener', 'handler v3, this is the socket']);
  });
});

class EventTargetProbe {
  readonly calls: string[] = [];
  readonly socket = connecting();
}

describe('CloseEvent', () => {
  it('is an Event constructed with (type, eventInitDict), length 1', () => {
    expect(CloseEvent.length).toBe(1);
    expect(Object.getPrototypeOf(CloseEvent)).toBe(Event);
    const event = new CloseEvent('close');
    expect(event).toBeInstanceOf(Event);
    expect([event.type, event.wasClean, event.code, event.reason]).toEqual(['close', false, 0, '']);
    expect(Object.prototype.toString.call(event)).toBe('[object CloseEvent]');
    expect(() => new (CloseEvent as any)()).toThrow(TypeError);
  });
  it('takes wasClean, code (unsigned short) and reason (USVString) from the dictionary', () => {
    const event = new CloseEvent('x', { wasClean: 1 as any, code: 65536 + 1000, reason: 'a\ud800b', bubbles: true });
    expect([event.wasClean, event.code, event.reason, event.bubbles]).toEqual([true, 1000, 'a\ufffdb', true]);
  });
  it('has readonly, enumerable, brand-checked attributes on the prototype', () => {
    for (const name of ['wasClean', 'code', 'reason']) {
      const descriptor = Object.getOwnPropertyDescriptor(CloseEvent.prototype, name)!;
      expect(descriptor.enumerable).toBe(true);
      expect(descriptor.set).toBeUndefined();
      expect(() => descriptor.get!.call(new Event('close'))).toThrow(TypeError);
    }
    const event = new CloseEvent('close', { code: 1000 });
    expect(() => ((event as any).code = 5)).toThrow(TypeError);
    expect(event.code).toBe(1000);
  });
  it('a dictionary that is not an object is a TypeError', () => {
    expect(() => new CloseEvent('close', 5 as any)).toThrow(TypeError);
  });
});

describe('MessageEvent', () => {
  it("is Node's global MessageEvent, an Event", () => {
    expect(MessageEvent).toBe((globalThis as any).MessageEvent);
    expect(new MessageEvent('message', { data: 'x' })).toBeInstanceOf(Event);
  });
});
