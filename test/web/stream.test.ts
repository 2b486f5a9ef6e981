// WebSocketStream and WebSocketError, after the proposal's algorithms
// (https://github.com/whatwg/websockets/pull/48) and what Chromium does with them.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketError, WebSocketStream } from '../../src/web/index.js';
import { startEchoServer, type EchoServer } from './helpers.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer({ perMessageDeflate: true });
});
afterAll(() => server.close());

function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error) => error,
  );
}

function domExceptionName(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return error instanceof DOMException ? error.name : `not a DOMException: ${String(error)}`;
  }
  return 'no exception';
}

describe('constructor', () => {
  it('checks its arguments as WebIDL does', () => {
    expect(WebSocketStream.length).toBe(1);
    expect(() => new (WebSocketStream as any)()).toThrow(TypeError);
    expect(domExceptionName(() => new WebSocketStream('invalid:'))).toBe('SyntaxError');
    expect(() => new WebSocketStream(`${server.url}/`, true as any)).toThrow(TypeError);
    expect(() => new WebSocketStream(`${server.url}/`, { protocols: 'hi' as any })).toThrow(TypeError);
    expect(() => new WebSocketStream(`${server.url}/`, { signal: {} as any })).toThrow(TypeError);
    expect(domExceptionName(() => new WebSocketStream(`${server.url}/`, { protocols: ['a', 'A'] }))).toBe('SyntaxError');
    expect(domExceptionName(() => new WebSocketStream(`${server.url}/#f`))).toBe('SyntaxError');
  });
  it('exposes url, and opened resolves to { extensions, protocol, readable, writable }', async () => {
    const wss = new WebSocketStream(`http://127.0.0.1:${server.port}/path`, { protocols: ['echo', 'chat'] });
    expect(wss.url).toBe(`${server.url}/path`);
    const info = await wss.opened;
    expect(Object.keys(info)).toEqual(['extensions', 'protocol', 'readable', 'writable']);
    expect(info.protocol).toBe('echo');
    expect(info.extensions).toMatch(/^permessage-deflate/);
    ReadableStream.prototype.getReader.call(info.readable).releaseLock();
    WritableStream.prototype.getWriter.call(info.writable).releaseLock();
    wss.close();
    await wss.closed;
  });
});

describe('the readable and the writable', () => {
  it('carry text as strings and binary as ArrayBuffers; anything else is written as its string', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { readable, writable } = await wss.opened;
    const writer = writable.getWriter();
    const reader = readable.getReader();
    await writer.write('text');
    expect((await reader.read()).value).toBe('text');
    await writer.write(new Uint16Array([0x0201, 0x0403]).subarray(1));
    const binary = (await reader.read()).value as ArrayBuffer;
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(binary)]).toEqual([3, 4]);
    await writer.write(42 as any);
    expect((await reader.read()).value).toBe('42');
    await writer.write(new Blob(['b']) as any);
    expect((await reader.read()).value).toBe('[object Blob]');
    wss.close();
    await wss.closed;
  });
  it('the readable stops reading the socket while nobody reads (backpressure)', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { readable, writable } = await wss.opened;
    const peer = server.peers.at(-1)!;
    const count = 400;
    const size = 64 * 1024;
    await writable.getWriter().write(`flood ${count} ${size}`);
    // Wait until the server's send buffer stops moving: had the client kept reading into the
    // readable's queue, it would have drained to 0 (25 MiB of random bytes exceed what the two
    // kernels' socket buffers hold).
    let previous = -1;
    for (let polls = 0; polls < 50 && (peer.bufferedAmount !== previous || previous === 0); polls++) {
      previous = peer.bufferedAmount;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(peer.bufferedAmount).toBeGreaterThan(count * size * 0.5);
    const reader = readable.getReader();
    for (let i = 0; i < count; i++) {
      const { value } = await reader.read();
      expect((value as ArrayBuffer).byteLength).toBe(size);
      expect(new Uint8Array(value as ArrayBuffer)[0]).toBe(i & 255);
    }
    expect(peer.bufferedAmount).toBe(0);
    wss.close();
    await wss.closed;
  });
  it('close() completes the closing handshake even while the readable holds the socket paused', async () => {
    // Without permessage-deflate: with it, the inner client loses a Close frame queued behind
    // compressed messages when the FIN arrives first (a transport bug reported separately).
    const plain = await startEchoServer({ perMessageDeflate: false });
    try {
      const wss = new WebSocketStream(`${plain.url}/`);
      const { writable } = await wss.opened;
      const peer = plain.peers.at(-1)!;
      await writable.getWriter().write('flood 400 65536');
      while (peer.bufferedAmount === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      wss.close({ closeCode: 3000, reason: 'enough' });
      expect(await wss.closed).toEqual({ closeCode: 3000, reason: 'enough' });
    } finally {
      await plain.close();
    }
  });
  it('a write settles once the message was handed to the socket', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { readable, writable } = await wss.opened;
    const writer = writable.getWriter();
    const received: unknown[] = [];
    server.peers.at(-1)!.on('message', (data) => received.push(String(data)));
    await writer.write('one');
    await writer.write('two');
    await readable.getReader().read();
    expect(received[0]).toBe('one');
    wss.close();
    await wss.closed;
  });
});

describe('close(closeInfo)', () => {
  it.each([
    [{ closeCode: 3456, reason: 'pizza' }, 3456, 'pizza'],
    [undefined, 1005, ''],
    [{}, 1005, ''],
    [{ reason: '' }, 1005, ''],
    [{ reason: 'non-empty' }, 1000, 'non-empty'],
  ])('close(%j) closes with %i %j', async (closeInfo, code, reason) => {
    const wss = new WebSocketStream(`${server.url}/`);
    await wss.opened;
    wss.close(closeInfo as any);
    expect(await wss.closed).toEqual({ closeCode: code, reason });
  });
  it('rejects bad arguments', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    await wss.opened;
    expect(() => wss.close(true as any)).toThrow(TypeError);
    expect(() => wss.close({ closeCode: 70000 })).toThrow(TypeError);
    expect(domExceptionName(() => wss.close({ reason: '.'.repeat(124) }))).toBe('SyntaxError');
    for (const closeCode of [999, 1001, 2999, 5000]) {
      expect(domExceptionName(() => wss.close({ closeCode }))).toBe('InvalidAccessError');
    }
    wss.close();
    await wss.closed;
  });
  it('during the handshake: opened and closed reject with WebSocketErrors', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    wss.close();
    const opened = await rejection(wss.opened);
    const closed = await rejection(wss.closed);
    expect([opened.name, opened.closeCode, opened instanceof WebSocketError]).toEqual(['WebSocketError', null, true]);
    expect([closed.name, closed.closeCode, closed.reason]).toEqual(['WebSocketError', 1006, '']);
  });
  it('closing the writable closes cleanly, and its promise waits for the closing handshake', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { writable } = await wss.opened;
    let closedSettled = false;
    void wss.closed.then(() => (closedSettled = true));
    await writable.getWriter().close();
    expect(closedSettled).toBe(true);
    expect(await wss.closed).toEqual({ closeCode: 1005, reason: '' });
  });
  it.each(['writable', 'readable'] as const)('aborting/cancelling the %s closes cleanly, ignoring a code and reason', async (which) => {
    const wss = new WebSocketStream(`${server.url}/`);
    const info = await wss.opened;
    if (which === 'writable') void info.writable.abort({ closeCode: 3456, reason: 'set' });
    else void info.readable.cancel({ closeCode: 3456, reason: 'set' });
    expect(await wss.closed).toEqual({ closeCode: 1005, reason: '' });
  });
});

describe('the server closes', () => {
  it('cleanly: closed resolves and the readable ends', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { readable, writable } = await wss.opened;
    await writable.getWriter().write('close 3001 srv');
    expect(await wss.closed).toEqual({ closeCode: 3001, reason: 'srv' });
    expect((await readable.getReader().read()).done).toBe(true);
  });
  it('uncleanly: closed and reads reject with a WebSocketError 1006', async () => {
    const wss = new WebSocketStream(`${server.url}/`);
    const { readable, writable } = await wss.opened;
    await writable.getWriter().write('drop');
    const error = await rejection(wss.closed);
    expect([error.name, error.closeCode]).toEqual(['WebSocketError', 1006]);
    expect((await rejection(readable.getReader().read())).closeCode).toBe(1006);
  });
});

describe('signal', () => {
  it('already aborted: rejects with the abort reason and never dials', async () => {
    const listener = createServer();
    let connections = 0;
    listener.on('connection', () => connections++);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const controller = new AbortController();
    controller.abort();
    const wss = new WebSocketStream(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`, { signal: controller.signal });
    expect((await rejection(wss.opened)).name).toBe('AbortError');
    expect((await rejection(wss.closed)).name).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 20));
    listener.close();
    expect(connections).toBe(0);
  });
  it('during the handshake: rejects with the abort reason', async () => {
    const listener = createServer((socket) => socket.on('error', () => {})); // never answers the upgrade
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const controller = new AbortController();
    const wss = new WebSocketStream(`ws://127.0.0.1:${(listener.address() as { port: number }).port}/`, { signal: controller.signal });
    await once(listener, 'connection');
    controller.abort(new Error('custom reason'));
    expect((await rejection(wss.opened)).message).toBe('custom reason');
    expect((await rejection(wss.closed)).message).toBe('custom reason');
    listener.close();
  });
  it('after the connection opened: does nothing', async () => {
    const controller = new AbortController();
    const wss = new WebSocketStream(`${server.url}/`, { signal: controller.signal });
    const { readable, writable } = await wss.opened;
    controller.abort();
    await writable.getWriter().write('still connected');
    expect((await readable.getReader().read()).value).toBe('still connected');
    wss.close();
    await wss.closed;
  });
});

describe('WebSocketError', () => {
  it('is a DOMException named WebSocketError with closeCode and reason', () => {
    expect(WebSocketError.length).toBe(0);
    const plain = new WebSocketError();
    expect([plain.name, plain.message, plain.closeCode, plain.reason, plain instanceof DOMException]).toEqual(['WebSocketError', '', null, '', true]);
    const withReason = new WebSocketError('m', { reason: 'r' });
    expect([withReason.message, withReason.closeCode, withReason.reason]).toEqual(['m', 1000, 'r']);
    expect(new WebSocketError('m', { closeCode: 4000 }).closeCode).toBe(4000);
    expect(domExceptionName(() => new WebSocketError('m', { closeCode: 1001 }))).toBe('InvalidAccessError');
    expect(domExceptionName(() => new WebSocketError('m', { reason: 'x'.repeat(124) }))).toBe('SyntaxError');
  });
});
