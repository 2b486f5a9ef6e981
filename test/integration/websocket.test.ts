// The WebSocket object over a real loopback connection: its events and their arguments, what
// send() accepts, flow control (callbacks, bufferedAmount, maxBufferedAmount, pause/resume), the
// closing handshake (RFC 6455 §7) and its timeouts, limits (§10.4), UTF-8 (§8.1) and the browser
// EventTarget API.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CloseEvent, ErrorEvent, MessageEvent, WebSocket } from '../../src/index.js';
import {
  client,
  closed,
  connectPair,
  delay,
  maskedFrame,
  nextMessage,
  rawUpgraded,
  readUntilClosed,
  startServer,
  waitFor,
  within,
} from './helpers.js';

const MiB = 1024 * 1024;

/** Collect the next `count` messages of `ws`. */
function messages(ws: WebSocket, count: number): Promise<Array<{ data: unknown; isBinary: boolean }>> {
  return within(
    new Promise((resolve) => {
      const received: Array<{ data: unknown; isBinary: boolean }> = [];
      const onMessage = (data: unknown, isBinary: boolean): void => {
        received.push({ data, isBinary });
        if (received.length === count) {
          ws.removeListener('message', onMessage);
          resolve(received);
        }
      };
      ws.on('message', onMessage);
    }),
    5000,
    `${count} messages`,
  );
}

/** A send callback as a promise of its error (null/undefined on success). */
function sent(ws: WebSocket, data: Parameters<WebSocket['send']>[0], options: Parameters<WebSocket['send']>[1] = {}): Promise<Error | null | undefined> {
  return new Promise((resolve) => ws.send(data, options as object, (error) => resolve(error)));
}

describe("'message' (data, isBinary)", () => {
  it('a text message arrives as a Buffer with isBinary false; binary with isBinary true', async () => {
    const { client: ws, server } = await connectPair();
    const received = messages(server, 2);
    ws.send('héllo');
    ws.send(Buffer.from([0, 1, 2, 255]));
    expect(await received).toEqual([
      { data: Buffer.from('héllo'), isBinary: false },
      { data: Buffer.from([0, 1, 2, 255]), isBinary: true },
    ]);
  });
});

describe('send() accepts every data type ws accepts', () => {
  it('string, Buffer, ArrayBuffer, Uint8Array view, DataView, Blob, number — in order, right kind', async () => {
    const { client: ws, server } = await connectPair();
    const received = messages(server, 7);
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    ws.send('text');
    ws.send(Buffer.from('buffer'));
    ws.send(new Uint8Array([4, 5, 6]).buffer);
    ws.send(backing.subarray(2, 5));
    ws.send(new DataView(backing.buffer, 1, 3));
    ws.send(new Blob(['blob', '-bytes']));
    ws.send(42);
    expect(await received).toEqual([
      { data: Buffer.from('text'), isBinary: false },
      { data: Buffer.from('buffer'), isBinary: true },
      { data: Buffer.from([4, 5, 6]), isBinary: true },
      { data: Buffer.from([1, 2, 3]), isBinary: true },
      { data: Buffer.from([9, 1, 2]), isBinary: true },
      { data: Buffer.from('blob-bytes'), isBinary: true },
      { data: Buffer.from('42'), isBinary: false },
    ]);
  });

  it('{ binary } overrides the kind', async () => {
    const { client: ws, server } = await connectPair();
    const received = messages(server, 2);
    ws.send('as binary', { binary: true });
    ws.send(Buffer.from('as text'), { binary: false });
    expect(await received).toEqual([
      { data: Buffer.from('as binary'), isBinary: true },
      { data: Buffer.from('as text'), isBinary: false },
    ]);
  });
});

describe('fragmented sends (§5.4): send(data, { fin: false })', () => {
  it('fragments arrive as one message, with control frames allowed between them', async () => {
    const { client: ws, server } = await connectPair();
    const received = nextMessage(server);
    const pinged = once(server, 'ping');
    ws.send('frag', { fin: false });
    ws.ping('mid');
    ws.send('men', { fin: false });
    ws.send('ted', { fin: true });
    expect(await received).toEqual({ data: Buffer.from('fragmented'), isBinary: false });
    expect((await pinged)[0]).toEqual(Buffer.from('mid'));
  });
});

describe('compress option with permessage-deflate negotiated', () => {
  it('compress: false sends a plain frame (RSV1 clear); the default compresses (RSV1 set)', async () => {
    const { wss, port } = await startServer({ perMessageDeflate: { threshold: 0 } });
    wss.on('connection', (ws: WebSocket) => {
      ws.send('a'.repeat(100), { compress: false });
      ws.send('a'.repeat(100));
    });
    const { socket, head, rest } = await rawUpgraded(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
    expect(head).toContain('Sec-WebSocket-Extensions: permessage-deflate');
    let bytes = rest;
    socket.on('data', (chunk: Buffer) => (bytes = Buffer.concat([bytes, chunk])));
    await waitFor(() => bytes.length >= 102 + 4, 2000, 'two frames');
    // 0x81: FIN + text, RSV1 clear; 100-byte payload of 'a'.
    expect([...bytes.subarray(0, 2)]).toEqual([0x81, 100]);
    expect(bytes.subarray(2, 102).toString()).toBe('a'.repeat(100));
    // 0xc1: FIN + RSV1 + text: compressed (RFC 7692 §6), far shorter than 100 bytes.
    expect(bytes[102]).toBe(0xc1);
    expect(bytes[103]).toBeLessThan(20);
  });
});

describe('send callback and bufferedAmount', () => {
  it('counts the exact bytes handed to send (header included) until flushed, then 0 when the callback fires', async () => {
    const { client: ws, server } = await connectPair();
    const received = nextMessage(ws);
    let amountInCallback = -1;
    const done = new Promise<Error | null | undefined>((resolve) =>
      server.send(Buffer.alloc(1000, 7), (error) => {
        amountInCallback = server.bufferedAmount;
        resolve(error);
      }),
    );
    // 1000 bytes of payload + a 4-byte header (16-bit length, §5.2), not yet written.
    expect(server.bufferedAmount).toBe(1004);
    expect(await done).toBeFalsy();
    expect(amountInCallback).toBe(0);
    expect(((await received).data as Buffer).length).toBe(1000);
  });

  it('grows while the peer does not read, and drains to 0 once it does', async () => {
    // 24 MiB queued for one client is past the default slow-consumer limit (16 MiB): turned off here.
    const { client: ws, server } = await connectPair({ maxBufferedAmount: 0 });
    ws.pause();
    const callbacks: Array<Promise<Error | null | undefined>> = [];
    for (let i = 0; i < 24; i++) callbacks.push(sent(server, Buffer.alloc(MiB)));
    // 24 frames of 1 MiB, each with a 10-byte header (64-bit length): large payloads are handed
    // to the OS at once, so what the kernel's socket buffer took is no longer counted.
    expect(server.bufferedAmount).toBeLessThanOrEqual(24 * (MiB + 10));
    expect(server.bufferedAmount).toBeGreaterThan(16 * MiB);
    await delay(100);
    expect(server.bufferedAmount).toBeGreaterThan(4 * MiB);
    const all = messages(ws, 24);
    ws.resume();
    await all;
    for (const error of await Promise.all(callbacks)) expect(error).toBeFalsy();
    expect(server.bufferedAmount).toBe(0);
  });
});

describe('maxBufferedAmount: the slow-consumer policy (ws6455 addition)', () => {
  it('refuses the send that would exceed the limit with WS_ERR_BUFFER_LIMIT and closes with 1008', async () => {
    const { client: ws, server } = await connectPair({ maxBufferedAmount: 40_000 });
    ws.pause();
    const results: Array<Promise<Error | null | undefined>> = [];
    // Small frames of one tick wait in our buffer together: 9 × (4 KiB + 4) = 36,900 fits; a
    // tenth would make 41,000.
    for (let i = 0; i < 10; i++) results.push(sent(server, Buffer.alloc(4096)));
    const refused = (await results[9]) as Error & { code?: string };
    expect(refused).toBeInstanceOf(Error);
    expect(refused.code).toBe('WS_ERR_BUFFER_LIMIT');
    expect(server.readyState).toBe(WebSocket.CLOSING);
    const clientClosed = closed(ws);
    const delivered = messages(ws, 9);
    ws.resume();
    expect((await delivered).map((m) => (m.data as Buffer).length)).toEqual(Array(9).fill(4096));
    const { code, reason } = await clientClosed;
    expect(code).toBe(1008);
    expect(reason.toString()).toBe('Send buffer limit exceeded');
    for (const result of results.slice(0, 9)) expect(await result).toBeFalsy();
  });

  it('applies to the client side too', async () => {
    const { client: ws, server } = await connectPair({}, { maxBufferedAmount: 1000 });
    server.pause();
    const first = sent(ws, Buffer.alloc(600));
    const second = sent(ws, Buffer.alloc(600));
    expect(((await second) as Error & { code?: string })?.code).toBe('WS_ERR_BUFFER_LIMIT');
    expect(await first).toBeFalsy();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
  });
});

describe('ping and pong (§5.5.2, §5.5.3)', () => {
  it('a ping with data is answered by a pong with the same data; callbacks fire', async () => {
    const { client: ws, server } = await connectPair();
    const serverPing = once(server, 'ping');
    const clientPong = once(ws, 'pong');
    const pingSent = new Promise<Error | null | undefined>((resolve) => ws.ping('heartbeat', true, resolve));
    expect(await pingSent).toBeFalsy();
    expect((await serverPing)[0]).toEqual(Buffer.from('heartbeat'));
    expect((await clientPong)[0]).toEqual(Buffer.from('heartbeat'));
  });

  it('an unsolicited pong reaches the peer with its payload; an empty ping has an empty payload', async () => {
    const { client: ws, server } = await connectPair();
    const pong = once(ws, 'pong');
    const pongSent = new Promise<Error | null | undefined>((resolve) => server.pong(Buffer.from([1, 2, 3]), undefined, resolve));
    expect(await pongSent).toBeFalsy();
    expect((await pong)[0]).toEqual(Buffer.from([1, 2, 3]));
    const ping = once(server, 'ping');
    ws.ping();
    expect((await ping)[0]).toEqual(Buffer.alloc(0));
  });

  it('ping() with more than 125 bytes throws RangeError (§5.5)', async () => {
    const { client: ws } = await connectPair();
    expect(() => ws.ping(Buffer.alloc(126))).toThrow(RangeError);
  });

  it('autoPong: false leaves the answer to the application', async () => {
    const { client: ws, server } = await connectPair({ autoPong: false });
    let pongs = 0;
    ws.on('pong', () => pongs++);
    const ping = once(server, 'ping');
    ws.ping('are you there');
    await ping;
    await delay(100);
    expect(pongs).toBe(0);
    const pong = once(ws, 'pong');
    server.pong('manual');
    expect((await pong)[0]).toEqual(Buffer.from('manual'));
  });
});

describe('the closing handshake (§7.1.2-§7.1.5)', () => {
  it('client-initiated: both sides see the code and the reason (a Buffer), cleanly', async () => {
    const { client: ws, server } = await connectPair();
    const serverClosed = closed(server);
    const clientClosed = closed(ws);
    ws.close(4000, 'bye');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const serverSide = await serverClosed;
    const clientSide = await clientClosed;
    expect(serverSide.code).toBe(4000);
    expect(Buffer.isBuffer(serverSide.reason)).toBe(true);
    expect(serverSide.reason.toString()).toBe('bye');
    expect(clientSide.code).toBe(4000);
    expect(clientSide.reason.toString()).toBe('bye');
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('server-initiated: 1001 with a reason', async () => {
    const { client: ws, server } = await connectPair();
    const clientClosed = closed(ws);
    const serverClosed = closed(server);
    server.close(1001, 'going away');
    expect(await clientClosed).toEqual({ code: 1001, reason: Buffer.from('going away') });
    expect((await serverClosed).code).toBe(1001);
  });

  it('close() without a code is reported as 1005 (no status received)', async () => {
    const { client: ws, server } = await connectPair();
    const serverClosed = closed(server);
    ws.close();
    expect((await serverClosed).code).toBe(1005);
  });

  it('refuses invalid close codes and over-long reasons', async () => {
    const { client: ws } = await connectPair();
    expect(() => ws.close(1005)).toThrow(TypeError);
    expect(() => ws.close(999)).toThrow(TypeError);
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow(RangeError);
  });

  it('closeTimeout: a peer that never answers the close frame is dropped → 1006', async () => {
    const { client: ws, server } = await connectPair({}, { closeTimeout: 200 });
    server.pause(); // the server never reads the close frame, so never answers it
    const clientClosed = closed(ws);
    const started = Date.now();
    ws.close(1000, 'hello?');
    const { code } = await within(clientClosed, 3000, 'client close');
    expect(code).toBe(1006);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('terminate() ends at once with 1006 on both sides', async () => {
    const { client: ws, server } = await connectPair();
    const serverClosed = closed(server);
    const clientClosed = closed(ws);
    ws.terminate();
    expect((await clientClosed).code).toBe(1006);
    expect((await serverClosed).code).toBe(1006);
  });

  it('send() after close() calls back with an error and counts in bufferedAmount', async () => {
    const { client: ws } = await connectPair();
    const clientClosed = closed(ws);
    ws.close();
    const error = await sent(ws, 'late');
    expect(error?.message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
    await clientClosed;
    expect(ws.bufferedAmount).toBe(4);
  });
});

describe('pause() / resume() / isPaused', () => {
  it('delivers nothing while paused and everything, in order, after resume', async () => {
    const { client: ws, server } = await connectPair();
    let count = 0;
    ws.on('message', () => count++);
    ws.pause();
    expect(ws.isPaused).toBe(true);
    server.send('one');
    server.send('two');
    server.send('three');
    await delay(100);
    expect(count).toBe(0);
    const received = messages(ws, 3);
    ws.resume();
    expect(ws.isPaused).toBe(false);
    expect((await received).map((m) => String(m.data))).toEqual(['one', 'two', 'three']);
  });
});

describe('readyState', () => {
  it('moves CONNECTING → OPEN → CLOSING → CLOSED; the constants are 0..3 on the class and instances', async () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const { url } = await startServer();
    const ws = client(url);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    await once(ws, 'open');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const done = closed(ws);
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    await done;
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('binaryType', () => {
  async function receiveAs(binaryType: WebSocket['binaryType']): Promise<{ data: unknown; isBinary: boolean }> {
    const { client: ws, server } = await connectPair();
    ws.binaryType = binaryType;
    expect(ws.binaryType).toBe(binaryType);
    const received = nextMessage(ws);
    server.send(Buffer.from('ab'), { fin: false });
    server.send(Buffer.from('cd'), { fin: true });
    return received;
  }

  it("'nodebuffer' (default): one Buffer", async () => {
    const { data, isBinary } = await receiveAs('nodebuffer');
    expect(isBinary).toBe(true);
    expect(data).toEqual(Buffer.from('abcd'));
  });

  it("'arraybuffer': an ArrayBuffer with exactly the message bytes", async () => {
    const { data } = await receiveAs('arraybuffer');
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(data as ArrayBuffer).toString()).toBe('abcd');
  });

  it("'fragments': an array of Buffers holding the message bytes in order", async () => {
    // ws documents only Buffer[]; it happens to give one per frame, ws6455 coalesces small
    // fragments (src/protocol/fragment-assembler.ts), so only the documented shape is asserted.
    const { data } = await receiveAs('fragments');
    expect(Array.isArray(data)).toBe(true);
    expect((data as unknown[]).every((piece) => Buffer.isBuffer(piece))).toBe(true);
    expect(Buffer.concat(data as Buffer[]).toString()).toBe('abcd');
  });

  it("'blob': a Blob", async () => {
    const { data } = await receiveAs('blob');
    expect(data).toBeInstanceOf(Blob);
    expect(await (data as Blob).text()).toBe('abcd');
  });

  it('ignores an unknown binaryType', async () => {
    const { client: ws } = await connectPair();
    ws.binaryType = 'bogus' as WebSocket['binaryType'];
    expect(ws.binaryType).toBe('nodebuffer');
  });
});

describe('protocol, extensions, url', () => {
  it('report the negotiated subprotocol and extensions and the URL dialled', async () => {
    const { wss, url } = await startServer({ perMessageDeflate: true });
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const ws = client(`${url}/path?q=1`, ['proto']);
    expect(ws.url).toBe(`${url}/path?q=1`);
    expect(ws.protocol).toBe('');
    await once(ws, 'open');
    const [server] = await accepted;
    expect(ws.protocol).toBe('proto');
    expect(ws.extensions).toBe('permessage-deflate');
    expect(server.extensions).toBe('permessage-deflate');
  });

  it('extensions is empty when nothing was negotiated', async () => {
    const { client: ws } = await connectPair();
    expect(ws.extensions).toBe('');
  });
});

describe('maxPayload (§10.4): a message over the limit closes with 1009', () => {
  it('server side: a client message over the server maxPayload', async () => {
    const { client: ws, server } = await connectPair({ maxPayload: 10 });
    const serverError = once(server, 'error') as Promise<[Error & { code?: string }]>;
    const clientClosed = closed(ws);
    ws.send('12345678901');
    const [error] = await serverError;
    expect(error.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    expect(error).toBeInstanceOf(RangeError);
    expect((await clientClosed).code).toBe(1009);
  });

  it('client side: a server message over the client maxPayload', async () => {
    const { client: ws, server } = await connectPair({}, { maxPayload: 10 });
    const clientError = new Promise<Error & { code?: string }>((resolve) => ws.once('error', resolve));
    const serverClosed = closed(server);
    server.send(Buffer.alloc(11));
    expect((await clientError).code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    expect((await serverClosed).code).toBe(1009);
  });

  it('exactly maxPayload bytes pass', async () => {
    const { client: ws, server } = await connectPair({ maxPayload: 10 });
    const received = nextMessage(server);
    ws.send('1234567890');
    expect((await received).data).toEqual(Buffer.from('1234567890'));
  });
});

describe('UTF-8 in text messages (§8.1)', () => {
  const invalidText = maskedFrame(0x1, Buffer.from([0x68, 0x69, 0xff]));

  it('invalid UTF-8 fails the connection with 1007', async () => {
    const { wss, port } = await startServer();
    const serverError = new Promise<Error & { code?: string }>((resolve) =>
      wss.on('connection', (ws: WebSocket) => ws.on('error', resolve)),
    );
    const { socket, rest } = await rawUpgraded(port);
    const reply = readUntilClosed(socket);
    socket.write(invalidText);
    const bytes = Buffer.concat([rest, await reply]);
    // An unmasked close frame: FIN + close, 2-byte payload 1007 (0x03ef).
    expect([...bytes.subarray(0, 4)]).toEqual([0x88, 0x02, 0x03, 0xef]);
    expect((await serverError).code).toBe('WS_ERR_INVALID_UTF8');
  });

  it('skipUTF8Validation delivers the bytes as they are', async () => {
    const { wss, port } = await startServer({ skipUTF8Validation: true });
    const message = new Promise<[Buffer, boolean]>((resolve) =>
      wss.on('connection', (ws: WebSocket) => ws.on('message', (data, isBinary) => resolve([data as Buffer, isBinary]))),
    );
    const { socket } = await rawUpgraded(port);
    socket.write(invalidText);
    expect(await within(message, 2000, 'the message')).toEqual([Buffer.from([0x68, 0x69, 0xff]), false]);
  });
});

describe('EventTarget API (WHATWG WebSocket interface)', () => {
  it('onopen, onmessage (data is a string for text), onclose (code, reason, wasClean)', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws: WebSocket) => {
      ws.send('text frame');
      ws.send(Buffer.from([7]));
      ws.close(1000, 'done');
    });
    const ws = client(url);
    const events: string[] = [];
    const data: unknown[] = [];
    ws.onopen = (event) => events.push(`open:${event.type}`);
    ws.onmessage = (event) => {
      expect(event).toBeInstanceOf(MessageEvent);
      data.push((event as MessageEvent).data);
    };
    const closeEvent = new Promise<CloseEvent>((resolve) => (ws.onclose = (event) => resolve(event as CloseEvent)));
    const event = await closeEvent;
    expect(events).toEqual(['open:open']);
    expect(data).toEqual(['text frame', Buffer.from([7])]);
    expect(event).toBeInstanceOf(CloseEvent);
    expect(event.type).toBe('close');
    expect(event.code).toBe(1000);
    expect(event.reason).toBe('done');
    expect(event.wasClean).toBe(true);
    expect(typeof ws.onmessage).toBe('function');
  });

  it('onerror receives an ErrorEvent, then onclose with wasClean false (refused connection)', async () => {
    const probe = await startServer();
    const port = probe.port;
    await new Promise<void>((resolve) => probe.wss.close(() => resolve()));
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    const order: string[] = [];
    const errorEvent = new Promise<ErrorEvent>((resolve) => (ws.onerror = (event) => (order.push('error'), resolve(event as ErrorEvent))));
    const closeEvent = new Promise<CloseEvent>((resolve) => (ws.onclose = (event) => (order.push('close'), resolve(event as CloseEvent))));
    const error = await errorEvent;
    expect(error).toBeInstanceOf(ErrorEvent);
    expect(error.type).toBe('error');
    expect((error.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const close = await closeEvent;
    expect(close.code).toBe(1006);
    expect(close.wasClean).toBe(false);
    expect(order).toEqual(['error', 'close']);
  });

  it('addEventListener with { once } fires once; removeEventListener stops a listener', async () => {
    const { client: ws, server } = await connectPair();
    const onceCalls: unknown[] = [];
    const removedCalls: unknown[] = [];
    const removed = (): number => removedCalls.push(1);
    ws.addEventListener('message', (event) => onceCalls.push((event as MessageEvent).data), { once: true });
    ws.addEventListener('message', removed);
    ws.removeEventListener('message', removed);
    const received = messages(ws, 2);
    server.send('first');
    server.send('second');
    await received;
    expect(onceCalls).toEqual(['first']);
    expect(removedCalls).toEqual([]);
  });
});
