// The public face of the WebSocket class compared with ws's, side by side (issue 11): property
// descriptors of the constants and attributes, the browser-style event classes and the event
// objects handed to listeners, and what send()/ping() do with undefined, null and false. Every
// check computes the same observation on the real `ws` package and on ws6455 and compares them;
// ws's observation is also pinned, so that a check that stopped observing anything fails.
import { createRequire } from 'node:module';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wsPackage from 'ws';
import * as ws6455Api from '../../src/index.js';

const require = createRequire(import.meta.url);
/** ws does not export its event classes; its own module holds them. */
const wsEvents = require('../../node_modules/ws/lib/event-target.js') as Record<string, new (type: string, init?: object) => object>;

const implementations = {
  ws: { WebSocket: wsPackage.WebSocket as unknown as typeof ws6455Api.WebSocket, events: wsEvents },
  ws6455: {
    WebSocket: ws6455Api.WebSocket,
    events: {
      Event: ws6455Api.Event,
      MessageEvent: ws6455Api.MessageEvent,
      CloseEvent: ws6455Api.CloseEvent,
      ErrorEvent: ws6455Api.ErrorEvent,
    } as unknown as Record<string, new (type: string, init?: object) => object>,
  },
};
type Name = keyof typeof implementations;
const both = <T>(observe: (name: Name) => T): { ws: T; ws6455: T } => ({ ws: observe('ws'), ws6455: observe('ws6455') });

function describeProperty(target: object, key: string): string {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined) return 'absent';
  const kind = 'value' in descriptor ? `value ${typeof descriptor.value === 'function' ? 'function' : String(descriptor.value)} writable=${descriptor.writable}` : `accessor get=${Boolean(descriptor.get)} set=${Boolean(descriptor.set)}`;
  return `${kind} enumerable=${descriptor.enumerable} configurable=${descriptor.configurable}`;
}

const CONSTANTS = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const ATTRIBUTES = ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url'];
const HANDLERS = ['onopen', 'onmessage', 'onclose', 'onerror'];
const METHODS = ['addEventListener', 'removeEventListener', 'send', 'close', 'ping', 'pong', 'terminate', 'pause', 'resume'];

describe('WebSocket: property descriptors', () => {
  it('CONNECTING/OPEN/CLOSING/CLOSED are read-only values on the class and the prototype', () => {
    const observed = both((name) => {
      const { WebSocket } = implementations[name];
      return CONSTANTS.flatMap((key) => [`static ${key}: ${describeProperty(WebSocket, key)}`, `prototype ${key}: ${describeProperty(WebSocket.prototype, key)}`]);
    });
    expect(observed.ws).toContain('static OPEN: value 1 writable=false enumerable=true configurable=false');
    expect(observed.ws6455).toEqual(observed.ws);
    // And assignments are ignored (or throw in strict mode) on both.
    for (const name of ['ws', 'ws6455'] as const) {
      const { WebSocket } = implementations[name];
      expect(() => Object.assign(WebSocket, { OPEN: 9 })).toThrow(TypeError);
      expect(WebSocket.OPEN).toBe(1);
    }
  });

  it('the attributes and on-handlers are enumerable accessors of the prototype', () => {
    const observed = both((name) =>
      [...ATTRIBUTES, ...HANDLERS].map((key) => `${key}: ${describeProperty(implementations[name].WebSocket.prototype, key)}`),
    );
    expect(observed.ws).toContain('binaryType: accessor get=true set=true enumerable=true configurable=true');
    expect(observed.ws).toContain('readyState: accessor get=true set=false enumerable=true configurable=true');
    expect(observed.ws6455).toEqual(observed.ws);
  });

  it('methods: addEventListener/removeEventListener enumerable, the others not', () => {
    const observed = both((name) => METHODS.map((key) => `${key}: ${describeProperty(implementations[name].WebSocket.prototype, key)}`));
    expect(observed.ws).toContain('addEventListener: value function writable=true enumerable=true configurable=true');
    expect(observed.ws).toContain('send: value function writable=true enumerable=false configurable=true');
    expect(observed.ws6455).toEqual(observed.ws);
  });
});

function describeEvent(event: object): string[] {
  const lines = [`class ${event.constructor.name}`, `own keys [${Object.keys(event).join(',')}]`];
  const enumerable: string[] = [];
  for (const key in event) enumerable.push(key);
  lines.push(`enumerable [${enumerable.sort().join(',')}]`);
  for (const key of ['type', 'target', 'data', 'code', 'reason', 'wasClean', 'error', 'message']) {
    if (!(key in event)) continue;
    const value = (event as Record<string, unknown>)[key];
    if (key === 'target') {
      lines.push(`target=${value === null ? 'null' : 'a WebSocket'}`);
      continue;
    }
    lines.push(`${key}=${value instanceof Error ? `Error(${value.message})` : Buffer.isBuffer(value) ? `Buffer(${value.toString()})` : JSON.stringify(value) ?? String(value)}`);
  }
  return lines;
}

describe('Event, MessageEvent, CloseEvent, ErrorEvent: constructed as (type, init)', () => {
  const cases: Array<[string, string, object | undefined]> = [
    ['Event', 'open', undefined],
    ['MessageEvent', 'message', { data: 'hello' }],
    ['MessageEvent', 'message', undefined],
    ['CloseEvent', 'close', { code: 4000, reason: 'bye', wasClean: true }],
    ['CloseEvent', 'close', {}],
    ['ErrorEvent', 'error', { error: new Error('boom'), message: 'boom' }],
    ['ErrorEvent', 'error', undefined],
  ];
  for (const [className, type, init] of cases) {
    it(`new ${className}('${type}', ${init === undefined ? 'no init' : JSON.stringify(init)})`, () => {
      const observed = both((name) => {
        const EventClass = implementations[name].events[className];
        return [`length ${EventClass.length}`, ...describeEvent(new EventClass(type, init))];
      });
      expect(observed.ws).toContain('target=null');
      expect(observed.ws6455).toEqual(observed.ws);
    });
  }

  it('the classes extend Event, and accessors are enumerable on their prototypes', () => {
    const observed = both((name) => {
      const { events } = implementations[name];
      return ['MessageEvent', 'CloseEvent', 'ErrorEvent'].flatMap((className) => {
        const proto = events[className].prototype as object;
        return [
          `${className} extends Event: ${Object.getPrototypeOf(proto) === events.Event.prototype}`,
          ...Object.getOwnPropertyNames(proto)
            .filter((key) => key !== 'constructor')
            .map((key) => `${className}.${key}: ${describeProperty(proto, key)}`),
        ];
      });
    });
    expect(observed.ws).toContain('CloseEvent.code: accessor get=true set=false enumerable=true configurable=true');
    expect(observed.ws6455).toEqual(observed.ws);
  });
});

/** A ws server (the same neutral peer for both clients) that records what it receives. */
let peer: wsPackage.WebSocketServer;
let peerUrl: string;
const received: string[] = [];
beforeAll(async () => {
  peer = new wsPackage.WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(peer, 'listening');
  peerUrl = `ws://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  peer.on('connection', (socket, req) => {
    socket.on('message', (data, isBinary) => received.push(`${(data as Buffer).length} ${isBinary ? 'binary' : 'text'}`));
    socket.on('ping', (data) => received.push(`ping ${data.length}`));
    if (req.url === '/echo') socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    if (req.url === '/close') socket.close(4001, 'done');
  });
});
afterAll(async () => {
  for (const client of peer.clients) client.terminate();
  await new Promise((resolve) => peer.close(resolve));
});

async function openClient(name: Name, path: string): Promise<ws6455Api.WebSocket> {
  const client = new implementations[name].WebSocket(`${peerUrl}${path}`);
  await once(client, 'open');
  return client;
}

describe('the event objects handed to listeners', () => {
  it('onopen, onmessage (text and binary), onclose: type, target, data, code, reason, wasClean', async () => {
    const observe = async (name: Name): Promise<string[]> => {
      const lines: string[] = [];
      const client = new implementations[name].WebSocket(`${peerUrl}/echo`);
      const closed = new Promise<void>((resolve) => {
        client.onclose = (event) => {
          lines.push('close', ...describeEvent(event), `target is client ${event.target === client}`);
          resolve();
        };
      });
      client.onopen = (event) => {
        lines.push('open', ...describeEvent(event), `target is client ${event.target === client}`);
        client.send('text');
        client.send(Buffer.from('bin'));
      };
      let count = 0;
      client.addEventListener('message', function (this: unknown, event) {
        lines.push('message', ...describeEvent(event), `this is client ${this === client}`);
        if (++count === 2) client.close(4000, 'bye');
      });
      await closed;
      return lines;
    };
    const observed = { ws: await observe('ws'), ws6455: await observe('ws6455') };
    expect(observed.ws).toContain('data="text"');
    expect(observed.ws).toContain('wasClean=true');
    expect(observed.ws6455).toEqual(observed.ws);
  });

  it('onerror and the close after a failed connection: error, message, code 1006', async () => {
    const observe = async (name: Name): Promise<string[]> => {
      const lines: string[] = [];
      // A port nobody listens on: the peer's, once closed, is not reusable here; a fresh server closed at once is.
      const probe = new wsPackage.WebSocketServer({ host: '127.0.0.1', port: 0 });
      await once(probe, 'listening');
      const port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const client = new implementations[name].WebSocket(`ws://127.0.0.1:${port}`);
      client.onerror = (event) => {
        const error = (event as unknown as { error: Error & { code?: string } }).error;
        lines.push('error', `class ${event.constructor.name}`, `type=${event.type}`, `error code ${error.code}`, `message is error's ${event.message === error.message}`);
      };
      await new Promise<void>((resolve) => {
        client.onclose = (event) => {
          lines.push('close', `code=${event.code}`, `reason=${JSON.stringify(event.reason)}`, `wasClean=${event.wasClean}`);
          resolve();
        };
      });
      return lines;
    };
    const observed = { ws: await observe('ws'), ws6455: await observe('ws6455') };
    expect(observed.ws).toContain('error code ECONNREFUSED');
    expect(observed.ws6455).toEqual(observed.ws);
  });
});

describe('onopen/onmessage/onclose/onerror and addEventListener bookkeeping', () => {
  it('what the handlers read back, and how many listeners each call leaves', async () => {
    const observe = async (name: Name): Promise<string[]> => {
      const client = await openClient(name, '/');
      const lines: string[] = [];
      const handler = (): void => {};
      const object = { handleEvent(): void {} };
      const count = (): number => client.listenerCount('message');
      lines.push(`initially ${String(client.onmessage)} ${count()}`);
      client.onmessage = handler;
      lines.push(`function: same ${client.onmessage === handler} ${count()}`);
      client.onmessage = handler;
      lines.push(`again: ${count()}`);
      (client as unknown as { onmessage: unknown }).onmessage = object;
      lines.push(`object: ${String(client.onmessage)} ${count()}`);
      client.onmessage = handler;
      client.addEventListener('message', handler);
      client.addEventListener('message', handler);
      lines.push(`attribute + listener (added twice): ${count()}`);
      client.addEventListener('message', object);
      lines.push(`+ handleEvent object: ${count()}`);
      client.removeEventListener('message', handler);
      lines.push(`removed the listener: ${count()} attribute kept ${client.onmessage === handler}`);
      client.onmessage = null;
      lines.push(`attribute null: ${String(client.onmessage)} ${count()}`);
      (client.addEventListener as (type: string, listener: unknown) => void)('other', handler);
      lines.push(`unknown type: ${client.listenerCount('other')}`);
      client.close();
      await once(client, 'close');
      return lines;
    };
    const observed = { ws: await observe('ws'), ws6455: await observe('ws6455') };
    expect(observed.ws).toContain('attribute + listener (added twice): 2');
    expect(observed.ws6455).toEqual(observed.ws);
  });
});

describe('send() and ping() with undefined, null, false, empty data and objects converted by Buffer.from', () => {
  it('what the peer receives', async () => {
    const observe = async (name: Name): Promise<string[]> => {
      received.length = 0;
      const client = await openClient(name, '/');
      const send = client.send.bind(client) as (data: unknown) => void;
      const ping = client.ping.bind(client) as (data: unknown) => void;
      const viaValueOf = { valueOf: () => new Uint8Array([1, 2]).buffer };
      const viaPrimitive = { [Symbol.toPrimitive]: () => 'four' };
      for (const data of [undefined, null, false, '', 0, viaValueOf, viaPrimitive, [1, 2, 3, 4, 5]]) send(data);
      for (const data of [undefined, null, false]) ping(data);
      send('end');
      while (!received.includes('3 text')) await new Promise((resolve) => setTimeout(resolve, 5));
      client.close();
      return [...received];
    };
    const observed = { ws: await observe('ws'), ws6455: await observe('ws6455') };
    expect(observed.ws).toEqual(['0 binary', '0 binary', '0 binary', '0 text', '1 text', '2 binary', '4 binary', '5 binary', 'ping 0', 'ping 0', 'ping 0', '3 text']);
    expect(observed.ws6455).toEqual(observed.ws);
  });
});
