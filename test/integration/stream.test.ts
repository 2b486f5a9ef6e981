// createWebSocketStream: a Duplex over a WebSocket, over loopback. Messages become readable
// chunks, writes become messages, the socket is paused while the readable buffer is full, end()
// runs the closing handshake and a WebSocket error destroys the stream.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createWebSocketStream, type WebSocket } from '../../src/index.js';
import { closed, connectPair, delay, waitFor, within } from './helpers.js';

describe('createWebSocketStream', () => {
  it('round trip: a write becomes a message, a message becomes a chunk', async () => {
    const { client: ws, server } = await connectPair();
    server.on('message', (data, isBinary) => server.send(`echo:${String(data)}`, { binary: isBinary }));
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    stream.write('ping through a stream');
    const [chunk] = (await once(stream, 'data')) as [Buffer];
    expect(Buffer.isBuffer(chunk)).toBe(true);
    expect(chunk.toString()).toBe('echo:ping through a stream');
    stream.destroy();
  });

  it('backpressure: pauses the WebSocket while the readable buffer is full, resumes when read', async () => {
    const { client: ws, server } = await connectPair();
    const stream = createWebSocketStream(ws, { highWaterMark: 1024 });
    stream.on('error', () => {});
    const chunk = Buffer.alloc(1024, 1);
    for (let i = 0; i < 100; i++) server.send(chunk);
    await waitFor(() => ws.isPaused, 2000, 'the WebSocket to pause');
    expect(stream.readableLength).toBeLessThan(100 * 1024);
    let total = 0;
    stream.on('data', (data: Buffer) => (total += data.length));
    await waitFor(() => total === 100 * 1024, 3000, 'all 100 KiB');
    expect(ws.isPaused).toBe(false);
    stream.destroy();
  });

  it('end() closes the WebSocket without a status code (1005 at the peer), as ws does', async () => {
    const { client: ws, server } = await connectPair();
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    stream.resume();
    const serverClosed = closed(server);
    const clientClosed = closed(ws);
    stream.end();
    expect((await within(serverClosed, 2000, 'server close')).code).toBe(1005);
    await clientClosed;
    await waitFor(() => stream.destroyed, 1000, 'the stream to be destroyed');
  });

  it("the peer's close ends the readable side", async () => {
    const { client: ws, server } = await connectPair();
    const stream = createWebSocketStream(ws);
    stream.on('error', () => {});
    const chunks: string[] = [];
    stream.on('data', (data: Buffer) => chunks.push(data.toString()));
    const ended = once(stream, 'end');
    server.send('last words');
    server.close(1000);
    await within(ended, 2000, "the stream's end");
    expect(chunks).toEqual(['last words']);
  });

  it('a WebSocket error destroys the stream with that error', async () => {
    const { client: ws, server } = await connectPair({}, { maxPayload: 5 });
    const stream = createWebSocketStream(ws);
    const streamError = new Promise<Error & { code?: string }>((resolve) => stream.on('error', resolve));
    server.send('more than five bytes');
    const error = await within(streamError, 2000, "the stream's error");
    expect(error.code).toBe('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    await waitFor(() => stream.destroyed, 1000, 'the stream to be destroyed');
    expect(stream.destroyed).toBe(true);
  });

  it('destroy() terminates the WebSocket (1006 at the peer)', async () => {
    const { client: ws, server } = await connectPair();
    const stream = createWebSocketStream(ws as WebSocket);
    stream.on('error', () => {});
    const serverClosed = closed(server);
    stream.destroy();
    expect((await within(serverClosed, 2000, 'server close')).code).toBe(1006);
    await delay(0);
  });
});
