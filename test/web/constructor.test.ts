// The WebSocket constructor, step by step as the WHATWG WebSockets Standard writes it
// (https://websockets.spec.whatwg.org/#dom-websocket-websocket), plus RFC 6455 §4.1's one
// CONNECTING connection per host. A constructor that throws must not have dialed.
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloseEvent, WebSocket, setBaseURL } from '../../src/web/index.js';
import { nextEvent, startEchoServer, type EchoServer } from './helpers.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());
afterEach(() => setBaseURL(undefined));

/** The DOMException a call throws, by name; fails the test if it throws nothing. */
function thrown(action: () => unknown): DOMException {
  try {
    action();
  } catch (error) {
    return error as DOMException;
  }
  throw new Error('expected an exception');
}

function expectDOMException(action: () => unknown, name: string): void {
  const error = thrown(action);
  expect(error).toBeInstanceOf(DOMException);
  expect(error.name).toBe(name);
}

async function openAndClose(ws: WebSocket): Promise<CloseEvent> {
  const closed = nextEvent<CloseEvent>(ws, 'close');
  ws.onopen = () => ws.close();
  return closed;
}

describe('WebIDL argument handling', () => {
  it('throws a TypeError without a url argument', () => {
    expect(() => new (WebSocket as any)()).toThrow(TypeError);
  });
  it('ignores arguments beyond protocols', async () => {
    const ws = new (WebSocket as any)(`${server.url}/`, 'echo', 'stray');
    expect(ws).toBeInstanceOf(WebSocket);
    expect((await openAndClose(ws)).wasClean).toBe(true);
  });
  it('converts the url to a string (a URL object works)', () => {
    const ws = new WebSocket(new URL(`${server.url}/path?q=1`));
    expect(ws.url).toBe(`${server.url}/path?q=1`);
    ws.close();
  });
  it('takes an iterable of protocols, or any other value as one protocol string', async () => {
    const fromSet = new WebSocket(`${server.url}/`, new Set(['echo', 'chat']));
    await nextEvent(fromSet, 'open');
    expect(fromSet.protocol).toBe('echo');
    fromSet.close();
    expectDOMException(() => new WebSocket(`${server.url}/`, {} as any), 'SyntaxError'); // "[object Object]"
    const fromNull = new WebSocket(`${server.url}/`, null as any); // the protocol "null"
    await nextEvent(fromNull, 'open');
    expect(fromNull.protocol).toBe('null');
    fromNull.close();
  });
});

describe('step 1-2: get a URL record (parse against the base URL)', () => {
  it.each(['ws://foo bar.com/', 'wss://foo bar.com/', 'ws://[invalid/', 'ws://'])('%s is a SyntaxError', (url) => {
    expectDOMException(() => new WebSocket(url), 'SyntaxError');
  });
  it('a relative URL without a base URL is a SyntaxError', () => {
    expectDOMException(() => new WebSocket('/echo'), 'SyntaxError');
  });
  it('a relative URL resolves against the base URL set with setBaseURL()', async () => {
    setBaseURL(`http://127.0.0.1:${server.port}/dir/page.html`);
    const ws = new WebSocket('../echo');
    expect(ws.url).toBe(`${server.url}/echo`);
    expect((await openAndClose(ws)).wasClean).toBe(true);
  });
  it('falls back to globalThis.location when no base URL was set', () => {
    const global = globalThis as { location?: unknown };
    global.location = { origin: `http://127.0.0.1:${server.port}` };
    try {
      const ws = new WebSocket('/from-location');
      expect(ws.url).toBe(`${server.url}/from-location`);
      ws.close();
    } finally {
      delete global.location;
    }
  });
  it('sends the base URL origin as the Origin header', async () => {
    setBaseURL(`https://app.example:8443/index.html`);
    const ws = new WebSocket(`${server.url}/origin`);
    await openAndClose(ws);
    expect(server.requests.at(-1)?.headers.origin).toBe('https://app.example:8443');
  });
});

describe('step 3-4: http and https map to ws and wss', () => {
  it.each([
    ['http', 'ws'],
    ['https', 'wss'],
  ])('%s: becomes %s: in url', (from, to) => {
    const ws = new WebSocket(`${from}://127.0.0.1:${server.port}/x`);
    expect(ws.url).toBe(`${to}://127.0.0.1:${server.port}/x`);
    ws.close();
  });
  it('an http: URL connects', async () => {
    const ws = new WebSocket(`http://127.0.0.1:${server.port}/`);
    expect((await openAndClose(ws)).wasClean).toBe(true);
  });
});

describe('step 5: any other scheme is a SyntaxError', () => {
  it.each(['ftp://127.0.0.1/', 'mailto:example@example.org', 'about:blank', 'file:///tmp/x', 'ws+unix:///tmp/s.sock', 'invalid-scheme://h/'])('%s', (url) => {
    expectDOMException(() => new WebSocket(url), 'SyntaxError');
  });
});

describe('step 6: a fragment is a SyntaxError', () => {
  it.each(['/#', '/#test', '/path?q#f'])('ws://host%s', (suffix) => {
    expectDOMException(() => new WebSocket(`${server.url}${suffix}`), 'SyntaxError');
  });
  it('"#test" relative to a base URL too', () => {
    setBaseURL(`http://127.0.0.1:${server.port}/`);
    expectDOMException(() => new WebSocket('#test'), 'SyntaxError');
  });
});

describe('Fetch port blocking: a bad port fails the connection without dialing', () => {
  it.each([1, 7, 21, 22, 25, 53, 110, 143, 6000, 6667, 10080])('port %i: no exception; error, then close 1006', async (port) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    const events: string[] = [];
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push(`error ${ws.readyState}`);
    ws.onclose = (event) => events.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean}`);
    await nextEvent(ws, 'close');
    expect(events).toEqual(['error 3', 'close 1006 false']);
  });
});

describe('step 7: subprotocols must be distinct tokens', () => {
  const invalid: string[] = ['', ' echo', 'echo ', 'ec ho', '\u0080echo', 'é', '\u{1F600}'];
  for (let code = 0; code < 0x21; code++) invalid.push(`a${String.fromCharCode(code)}b`);
  invalid.push('a\u007fb');
  for (const separator of '()<>@,;:\\"/[]?={}') invalid.push(`a${separator}b`);

  it.each(invalid.map((value) => [JSON.stringify(value), value]))('%s is a SyntaxError', (_label, value) => {
    expectDOMException(() => new WebSocket(`${server.url}/`, value), 'SyntaxError');
    expectDOMException(() => new WebSocket(`${server.url}/`, ['echo', value]), 'SyntaxError');
  });
  it('a repeated protocol is a SyntaxError', () => {
    expectDOMException(() => new WebSocket(`${server.url}/`, ['echo', 'echo']), 'SyntaxError');
  });
  it('repeats are compared ASCII case-insensitively', () => {
    expectDOMException(() => new WebSocket(`${server.url}/`, ['echo', 'eCho']), 'SyntaxError');
  });
  it('every visible ASCII character that is not a separator is accepted', async () => {
    const token = "!#$%&'*+-.^_`|~09AZaz";
    const ws = new WebSocket(`${server.url}/`, token);
    await nextEvent(ws, 'open');
    expect(ws.protocol).toBe(token);
    ws.close();
  });
});

describe('a constructor that throws never dials', () => {
  it('opens no TCP connection', async () => {
    const listener: Server = createServer();
    let connections = 0;
    listener.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as { port: number }).port;
    expectDOMException(() => new WebSocket(`ws://127.0.0.1:${port}/`, ['a', 'a']), 'SyntaxError');
    expectDOMException(() => new WebSocket(`ws://127.0.0.1:${port}/#f`), 'SyntaxError');
    // A socket created afterwards to the same port proves the listener is reachable.
    const probe = new WebSocket(`ws://127.0.0.1:${port}/`);
    await nextEvent(probe, 'close');
    listener.close();
    expect(connections).toBe(1);
  });
});

describe('establish a WebSocket connection: credentials in the URL', () => {
  it('sends them as Basic authorization and keeps them in url', async () => {
    const ws = new WebSocket(`ws://us%20er:p%40ss@127.0.0.1:${server.port}/auth`);
    expect(ws.url).toBe(`ws://us%20er:p%40ss@127.0.0.1:${server.port}/auth`);
    await openAndClose(ws);
    const header = server.requests.at(-1)?.headers.authorization;
    expect(header).toBe(`Basic ${Buffer.from('us er:p@ss').toString('base64')}`);
  });
});

describe('RFC 6455 §4.1: one CONNECTING connection per host and port', () => {
  it('holds the second handshake until the first one is settled', async () => {
    // A server that answers the first upgrade only when told to.
    const listener = createServer();
    const requests: string[] = [];
    const sockets: import('node:net').Socket[] = [];
    listener.on('connection', (socket) => {
      sockets.push(socket);
      socket.on('data', (chunk) => requests.push(chunk.toString('latin1').split('\r\n')[0]));
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as { port: number }).port;
    const first = new WebSocket(`ws://127.0.0.1:${port}/first`);
    const second = new WebSocket(`ws://127.0.0.1:${port}/second`);
    first.onerror = second.onerror = () => {};
    while (requests.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // Give the second socket every chance to dial if it (wrongly) did not wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toEqual(['GET /first HTTP/1.1']);
    sockets[0].destroy(); // the first handshake fails: the second may go now
    await nextEvent(first, 'close');
    while (requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(requests[1]).toBe('GET /second HTTP/1.1');
    second.close();
    await nextEvent(second, 'close');
    for (const socket of sockets) socket.destroy();
    listener.close();
  });
  it('a queued socket closed before its turn fails without dialing', async () => {
    const listener = createServer();
    let connections = 0;
    listener.on('connection', () => connections++);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as { port: number }).port;
    const first = new WebSocket(`ws://127.0.0.1:${port}/`);
    const second = new WebSocket(`ws://127.0.0.1:${port}/`);
    const events: string[] = [];
    second.onerror = () => events.push(`error ${second.readyState}`);
    second.onclose = (event) => events.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean}`);
    second.close();
    expect(second.readyState).toBe(WebSocket.CLOSING);
    await nextEvent(second, 'close');
    expect(events).toEqual(['error 3', 'close 1006 false']);
    first.onerror = () => {};
    first.close();
    await nextEvent(first, 'close');
    listener.close();
    expect(connections).toBeLessThanOrEqual(1);
  });
});
