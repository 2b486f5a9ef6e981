// send(), close(), bufferedAmount, message reception and the close/error events, each described
// after the standard's algorithm (https://websockets.spec.whatwg.org/#dom-websocket-send and on).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseEvent, WebSocket } from '../../src/web/index.js';
import { nextEvent, startEchoServer, type EchoServer } from './helpers.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

async function open(url = `${server.url}/`): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await nextEvent(ws, 'open');
  return ws;
}

/** The peer socket (ws) of the last connection, and what it receives. */
function lastPeer(): { messages: Array<[string, boolean]>; close: Promise<[number, string]> } {
  const peer = server.peers.at(-1)!;
  const messages: Array<[string, boolean]> = [];
  peer.on('message', (data, isBinary) => messages.push([isBinary ? Buffer.from(data as Buffer).toString('hex') : String(data), isBinary]));
  const close = new Promise<[number, string]>((resolve) => peer.on('close', (code, reason) => resolve([code, String(reason)])));
  return { messages, close };
}

function expectDOMException(action: () => unknown, name: string): void {
  let error: unknown;
  try {
    action();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(DOMException);
  expect((error as DOMException).name).toBe(name);
}

async function echo(ws: WebSocket, data: Parameters<WebSocket['send']>[0]): Promise<unknown> {
  const received = nextEvent<MessageEvent>(ws, 'message');
  ws.send(data);
  return (await received).data;
}

describe('send() step 1: CONNECTING is an InvalidStateError', () => {
  it('throws, after converting the argument', () => {
    const ws = new WebSocket(`${server.url}/`);
    expectDOMException(() => ws.send('Message to send'), 'InvalidStateError');
    expect(() => ws.send(Symbol() as any)).toThrow(TypeError);
    expect(ws.bufferedAmount).toBe(0);
    ws.close();
  });
});

describe('send(USVString)', () => {
  it('sends text; null, numbers and objects become their string', async () => {
    const ws = await open();
    expect(await echo(ws, 'hello')).toBe('hello');
    expect(await echo(ws, null as any)).toBe('null');
    expect(await echo(ws, 123 as any)).toBe('123');
    expect(await echo(ws, { toString: () => 'obj' } as any)).toBe('obj');
    expect(await echo(ws, '')).toBe('');
    ws.close();
  });
  it('replaces unpaired surrogates with U+FFFD and keeps paired ones', async () => {
    const ws = await open();
    expect(await echo(ws, 'a\ud800b\udc00')).toBe('a\ufffdb\ufffd');
    expect(await echo(ws, '\ud83d\ude00')).toBe('\ud83d\ude00');
    ws.close();
  });
});

describe('send(BufferSource or Blob)', () => {
  it('sends exactly the bytes of the view (offset and length)', async () => {
    const ws = await open();
    ws.binaryType = 'arraybuffer';
    const backing = new ArrayBuffer(16);
    new Uint8Array(backing).forEach((_, i, bytes) => (bytes[i] = i));
    const received = (await echo(ws, new Uint16Array(backing, 2, 3))) as ArrayBuffer;
    expect(Buffer.from(received).toString('hex')).toBe('020304050607');
    expect(Buffer.from((await echo(ws, new Float64Array([1.5]))) as ArrayBuffer)).toEqual(Buffer.from(new Float64Array([1.5]).buffer));
    expect(((await echo(ws, new ArrayBuffer(65000))) as ArrayBuffer).byteLength).toBe(65000);
    ws.close();
  });
  it('sends the bytes as they were at the call, even if the caller changes them after', async () => {
    const ws = await open();
    ws.binaryType = 'arraybuffer';
    const bytes = new Uint8Array([1, 2, 3]);
    const received = nextEvent<MessageEvent>(ws, 'message');
    ws.send(bytes);
    bytes.fill(9);
    expect([...new Uint8Array((await received).data as ArrayBuffer)]).toEqual([1, 2, 3]);
    ws.close();
  });
  it('sends a Blob as binary, and receives binary as a Blob by default', async () => {
    const ws = await open();
    const data = (await echo(ws, new Blob(['blob data']))) as Blob;
    expect(data).toBeInstanceOf(Blob);
    expect(await data.text()).toBe('blob data');
    ws.close();
  });
});

describe('bufferedAmount: application data queued and not yet transmitted', () => {
  it('counts UTF-8 bytes and binary lengths at once, without frame overhead, and drains to 0', async () => {
    const ws = await open();
    ws.send('héllo'); // 6 bytes of UTF-8
    expect(ws.bufferedAmount).toBe(6);
    ws.send(new ArrayBuffer(10));
    ws.send(new Blob(['abc']));
    expect(ws.bufferedAmount).toBe(19);
    ws.send('');
    expect(ws.bufferedAmount).toBe(19);
    await new Promise<void>((resolve) => {
      let messages = 0;
      ws.addEventListener('message', () => ++messages === 4 && resolve());
    });
    expect(ws.bufferedAmount).toBe(0);
    ws.close();
  });
  it('keeps growing for data sent once closing, which is not sent', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close();
    ws.send('after close');
    ws.send(new Uint8Array(5));
    expect(ws.bufferedAmount).toBe(16);
    await nextEvent(ws, 'close');
    ws.send('x');
    expect(ws.bufferedAmount).toBe(17);
    await peer.close;
    expect(peer.messages).toEqual([]);
  });
});

describe('close() steps 1-2: argument checks', () => {
  const invalidCodes: unknown[] = [0, 500, NaN, 'string', null, 0x10000 + 1000, 999, 1001, 1005, 1006, 2999, 5000, 65535, -1];
  it.each(invalidCodes.map((code) => [String(code), code]))('code %s is an InvalidAccessError', async (_label, code) => {
    const ws = await open();
    expectDOMException(() => ws.close(code as number), 'InvalidAccessError');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
  it('a reason over 123 UTF-8 bytes is a SyntaxError; 123 bytes are fine', async () => {
    const ws = await open();
    expectDOMException(() => ws.close(1000, 'x'.repeat(124)), 'SyntaxError');
    expectDOMException(() => ws.close(1000, 'é'.repeat(62)), 'SyntaxError');
    const peer = lastPeer();
    ws.close(1000, 'x'.repeat(123));
    expect((await peer.close)[1]).toBe('x'.repeat(123));
  });
  it('the code is checked before the reason', async () => {
    const ws = await open();
    expectDOMException(() => ws.close(10, 'x'.repeat(200)), 'InvalidAccessError');
    ws.close();
  });
  it('[Clamp] rounds a fractional code half to even', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close(3000.5, 'clamped');
    expect(await peer.close).toEqual([3000, 'clamped']);
    const second = await open();
    const secondPeer = lastPeer();
    second.close(999.5 as number);
    expect((await secondPeer.close)[0]).toBe(1000);
  });
});

describe('close() step 3: the closing handshake', () => {
  it('close(code, reason) sends them; the close event is clean and carries what the server echoed', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close(4999, 'done');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    ws.close(3000, 'ignored: already closing');
    const event = await nextEvent<CloseEvent>(ws, 'close');
    expect(event).toBeInstanceOf(CloseEvent);
    expect([event.code, event.reason, event.wasClean, ws.readyState]).toEqual([4999, 'done', true, WebSocket.CLOSED]);
    expect(await peer.close).toEqual([4999, 'done']);
  });
  it('close() without arguments sends a Close frame without a body: 1005', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close();
    const event = await nextEvent<CloseEvent>(ws, 'close');
    expect([event.code, event.reason, event.wasClean]).toEqual([1005, '', true]);
    expect((await peer.close)[0]).toBe(1005);
  });
  it('a reason without a code is sent with 1000', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close(undefined, 'just a reason');
    expect(await peer.close).toEqual([1000, 'just a reason']);
  });
  it('a reason with lone surrogates is sent as USVString', async () => {
    const ws = await open();
    const peer = lastPeer();
    ws.close(1000, 'a\ud800');
    expect(await peer.close).toEqual([1000, 'a\ufffd']);
  });
  it('close() while CONNECTING fails the connection: readyState CLOSING, then error, then close 1006', async () => {
    const ws = new WebSocket(`${server.url}/`);
    const events: string[] = [];
    ws.onopen = () => events.push('open');
    ws.onerror = (event) => events.push(`error ${event.constructor.name} ${ws.readyState}`);
    ws.onclose = (event) => events.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean} ${ws.readyState}`);
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    await nextEvent(ws, 'close');
    expect(events).toEqual(['error Event 3', 'close 1006 false 3']);
  });
  it('no message event once close() was called', async () => {
    const ws = await open();
    const messages: unknown[] = [];
    ws.onmessage = (event) => messages.push((event as MessageEvent).data);
    ws.send('echoed while closing');
    ws.close();
    await nextEvent(ws, 'close');
    expect(messages).toEqual([]);
  });
});

describe('the server closes', () => {
  it("readyState is CLOSING from the server's Close frame to the close event; sends are then counted, not sent", async () => {
    const held: import('node:net').Socket[] = [];
    const listener = await rawServer(Buffer.from([0x88, 0x02, 0x0b, 0xb8]), held); // Close 3000
    const ws = new WebSocket(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`);
    await nextEvent(ws, 'open');
    for (let polls = 0; polls < 200 && ws.readyState === WebSocket.OPEN; polls++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    ws.send('too late');
    expect(ws.bufferedAmount).toBe(8);
    ws.close(1000); // no effect once closing
    held[0].destroy();
    const event = await nextEvent<CloseEvent>(ws, 'close');
    expect([event.code, ws.readyState, ws.bufferedAmount]).toEqual([3000, WebSocket.CLOSED, 8]);
    listener.close();
  });

  it('a server-initiated close is clean and reports the server code and reason', async () => {
    const ws = await open();
    ws.send('close 3001 server says bye');
    const event = await nextEvent<CloseEvent>(ws, 'close');
    expect([event.code, event.reason, event.wasClean]).toEqual([3001, 'server says bye', true]);
  });
  it('a dropped TCP connection is an unclean close with 1006', async () => {
    const ws = await open();
    ws.send('drop');
    const event = await nextEvent<CloseEvent>(ws, 'close');
    expect([event.code, event.wasClean]).toEqual([1006, false]);
  });
});

describe('fail the WebSocket connection: error, then close', () => {
  it('a refused connection', async () => {
    const listener = createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as { port: number }).port;
    await new Promise((resolve) => listener.close(resolve));
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const events: string[] = [];
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push(`error ${ws.readyState}`);
    ws.onclose = (event) => events.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean}`);
    await nextEvent(ws, 'close');
    expect(events).toEqual(['error 3', 'close 1006 false']);
  });
  it('invalid UTF-8 from the server', async () => {
    const listener = await rawServer(Buffer.from([0x81, 0x02, 0xc3, 0x28]));
    const ws = new WebSocket(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`);
    const events: string[] = [];
    ws.onopen = () => events.push('open');
    ws.onmessage = () => events.push('message');
    ws.onerror = () => events.push('error');
    ws.onclose = (event) => events.push(`close ${(event as CloseEvent).code} ${(event as CloseEvent).wasClean}`);
    await nextEvent(ws, 'close');
    listener.close();
    expect(events).toEqual(['open', 'error', 'close 1006 false']);
  });
});

/**
 * A server that completes the handshake, then writes `frames` in the same write (so they arrive in
 * one read), and drops the connection when the client sends anything, unless `held` collects the
 * sockets for the test to end.
 */
async function rawServer(frames: Buffer, held?: import('node:net').Socket[]): Promise<import('node:net').Server> {
  const listener = createServer((socket) => {
    held?.push(socket);
    socket.once('data', (request) => {
      const key = /sec-websocket-key: (.*)\r\n/i.exec(request.toString())![1];
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
          frames,
        ]),
      );
      // Anything more (a Close frame) ends the connection, unless the test holds it open.
      if (held === undefined) socket.on('data', () => socket.destroy());
    });
    socket.on('error', () => {});
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return listener;
}

describe('each event is its own task', () => {
  const twoMessages = Buffer.from([0x81, 0x01, 0x61, 0x81, 0x01, 0x62]); // "a", "b" in one write

  it('microtasks run between two messages that arrived in one read', async () => {
    const listener = await rawServer(twoMessages);
    const ws = new WebSocket(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`);
    const log: string[] = [];
    ws.onmessage = (event) => {
      log.push(`message ${(event as MessageEvent).data}`);
      void Promise.resolve().then(() => log.push(`microtask after ${(event as MessageEvent).data}`));
      if ((event as MessageEvent).data === 'b') ws.close();
    };
    await nextEvent(ws, 'close');
    listener.close();
    expect(log).toEqual(['message a', 'microtask after a', 'message b', 'microtask after b']);
  });
  it('a message queued behind close() is not delivered', async () => {
    const listener = await rawServer(twoMessages);
    const ws = new WebSocket(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`);
    const log: string[] = [];
    ws.onmessage = (event) => {
      log.push(`message ${(event as MessageEvent).data}`);
      ws.close();
    };
    await nextEvent(ws, 'close');
    listener.close();
    expect(log).toEqual(['message a']);
  });
});

describe('permessage-deflate, both directions', () => {
  it('is negotiated and compresses what each side sends', async () => {
    const deflating = await startEchoServer({ perMessageDeflate: true });
    try {
      const ws = new WebSocket(`${deflating.url}/`);
      await nextEvent(ws, 'open');
      expect(ws.extensions).toMatch(/^permessage-deflate/);
      const text = 'compressible '.repeat(10_000);
      expect(await echo(ws, text)).toBe(text);
      const socket = deflating.requests[0].socket;
      expect(socket.bytesRead).toBeLessThan(text.length / 10);
      expect(socket.bytesWritten).toBeLessThan(text.length / 10);
      ws.close();
      await nextEvent(ws, 'close');
    } finally {
      await deflating.close();
    }
  });
});
