// Send backpressure a user can act on without polling (issue 15): send() returns whether the send
// buffer is below its high-water mark, as socket.write does, and 'drain' says when it is again.
import { describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { connectPair, delay, startServer } from './helpers.js';

describe('send() return value and the drain event', () => {
  it('returns true for a small message into an empty buffer', async () => {
    const { client } = await connectPair();
    expect(client.send('small')).toBe(true);
  });

  it('returns false once the buffer passes the high-water mark, then emits drain when it empties', async () => {
    const { client, server, wss } = await connectPair();
    server.pause(); // the server stops reading: TCP pushes back on the client
    const chunk = Buffer.alloc(64 * 1024);
    let accepted = true;
    let sends = 0;
    while (accepted && sends < 10_000) {
      accepted = client.send(chunk);
      sends++;
    }
    expect(accepted).toBe(false);
    expect(client.bufferedAmount).toBeGreaterThanOrEqual(16 * 1024);
    const drained = new Promise<void>((resolve) => client.once('drain', () => resolve()));
    server.resume();
    await drained;
    expect(client.bufferedAmount).toBeLessThan(16 * 1024);
    expect(wss.clients.size).toBe(1);
  });

  it('returns false for a send after close, which is discarded', async () => {
    const { client } = await connectPair();
    client.close();
    expect(client.send('late')).toBe(false);
    await delay(10);
  });

  it('is refused with WS_ERR_BUFFER_LIMIT beyond maxBufferedAmount, and the connection closes with 1008', async () => {
    const { server, wss } = await connectPair();
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    const accepted = new Promise<import('../../src/index.js').WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(url, { maxBufferedAmount: 1024 * 1024 });
    await new Promise((resolve) => client.once('open', resolve));
    const peer = await accepted;
    peer.pause(); // nothing is read on the other side: the client's buffer can only grow
    const closeCode = new Promise<number>((resolve) => peer.once('close', (code: number) => resolve(code)));
    const errors: Array<Error & { code?: string }> = [];
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 400 && errors.length === 0; i++) {
      client.send(chunk, (error) => error && errors.push(error));
      await delay(0);
    }
    expect(errors[0]?.code).toBe('WS_ERR_BUFFER_LIMIT');
    expect(client.readyState).toBe(WebSocket.CLOSING);
    peer.resume();
    expect(await closeCode).toBe(1008);
    server.terminate();
  });
});

describe('pause(): receive backpressure', () => {
  it('stops reading the socket, so TCP pushes back on the sender, and nothing is dispatched until resume()', async () => {
    const { client, server } = await connectPair();
    let received = 0;
    server.on('message', () => received++);
    server.pause();
    expect(server.isPaused).toBe(true);
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 200; i++) client.send(chunk);
    await delay(200);
    expect(received).toBe(0);
    // What the paused side does not read stays with the sender (its kernel and user-space buffers).
    expect(client.bufferedAmount).toBeGreaterThan(1024 * 1024);
    server.resume();
    await new Promise<void>((resolve) => {
      const check = (): void => (received === 200 ? resolve() : void setTimeout(check, 10));
      check();
    });
    expect(client.bufferedAmount).toBe(0);
  });
});
