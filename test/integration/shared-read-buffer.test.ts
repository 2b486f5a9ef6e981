// Plain TCP connections read into one buffer shared by the whole process (transport/
// shared-read-buffer.ts). What must hold: both roles use it, every message a user keeps stays
// intact while later reads reuse the buffer, across many connections at once, and pause() still
// stops delivery (reads stop, the peer's bytes wait in the kernel).
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { canShareReadBuffer, readsIntoSharedBuffer } from '../../src/transport/shared-read-buffer.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function echoServer(): Promise<{ port: number; serverSockets: WebSocket[] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => wss.close());
  const serverSockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    serverSockets.push(ws);
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
  });
  await once(wss, 'listening');
  return { port: (wss.address() as { port: number }).port, serverSockets };
}

async function openClient(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  cleanups.push(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

/** Deterministic bytes that differ per message, so a message overwritten by another shows. */
function messageBytes(index: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + index * 17) & 0xff;
  return bytes;
}

describe('reading into the shared buffer', () => {
  it('is available on this Node', () => {
    expect(canShareReadBuffer).toBe(true);
  });

  it('is used by accepted and by connected sockets', async () => {
    const { port, serverSockets } = await echoServer();
    const client = await openClient(port);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readsIntoSharedBuffer((client as unknown as { _socket: unknown })._socket)).toBe(true);
    expect(readsIntoSharedBuffer((serverSockets[0] as unknown as { _socket: unknown })._socket)).toBe(true);
  });

  it('keeps every message intact on many connections at once, whatever its size', async () => {
    const { port } = await echoServer();
    const clients = await Promise.all(Array.from({ length: 8 }, () => openClient(port)));
    const sizes = [0, 1, 125, 126, 1000, 4096, 20_000, 65_535, 65_536, 70_000, 200_000, 1_100_000];
    const received = clients.map(() => [] as Buffer[]);
    const sent = clients.map((ws, c) => sizes.map((size, i) => messageBytes(c * 100 + i, size)));
    await Promise.all(
      clients.map(async (ws, c) => {
        ws.on('message', (data) => received[c]!.push(data as Buffer));
        for (const bytes of sent[c]!) ws.send(bytes);
        while (received[c]!.length < sizes.length) await once(ws, 'message');
      }),
    );
    // Checked only now, after every later read went through the same shared buffer.
    for (let c = 0; c < clients.length; c++) {
      expect(received[c]!.map((bytes) => bytes.length)).toEqual(sizes);
      expect(received[c]!.every((bytes, i) => bytes.equals(sent[c]![i]!))).toBe(true);
    }
  });

  it('delivers nothing while paused, then everything intact on resume', async () => {
    const { port } = await echoServer();
    const client = await openClient(port);
    const received: Buffer[] = [];
    client.on('message', (data) => received.push(data as Buffer));
    client.pause();
    const sent = Array.from({ length: 20 }, (_, i) => messageBytes(i, 3000 + i * 1000));
    for (const bytes of sent) client.send(bytes);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(received).toHaveLength(0);
    client.resume();
    while (received.length < sent.length) await once(client, 'message');
    expect(received.every((bytes, i) => bytes.equals(sent[i]!))).toBe(true);
  });
});
