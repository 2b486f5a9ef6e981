// Client frames built in the frame pool (protocol/frame-pool.ts) are written from the pool's
// memory and reused once the socket calls back. What must hold: every message arrives intact
// while later frames reuse that memory, also when the peer stops reading and writes complete
// late; every unit comes back; a Duplex that is not a net.Socket gets copies, never pool memory.
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { isPooledFrame, pooledUnitsFree } from '../../src/protocol/frame-pool.js';
import { encodeFrame } from '../../src/protocol/frame-writer.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { SendQueue } from '../../src/transport/send-queue.js';
import { onCleanup, startServer } from './helpers.js';

/** Deterministic bytes that differ per message, so a frame overwritten by another shows. */
function messageBytes(index: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + index * 17) & 0xff;
  return bytes;
}

function sendAsync(ws: WebSocket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => ws.send(data, (error) => (error ? reject(error) : resolve())));
}

async function openClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  return ws;
}

describe('client frames from the frame pool', () => {
  it('arrive intact on several connections while the server stops reading for a while', async () => {
    const { wss, url } = await startServer({ maxPayload: 4 * 1024 * 1024 });
    const received = new Map<number, Buffer[]>();
    let connections = 0;
    wss.on('connection', (ws) => {
      const id = connections++;
      received.set(id, []);
      ws.on('message', (data) => received.get(id)!.push(data as Buffer));
      // Not reading for 200 ms: the client's writes back up and complete late.
      ws.pause();
      setTimeout(() => ws.resume(), 200);
    });
    const clients = [];
    for (let c = 0; c < 3; c++) clients.push(await openClient(url));
    const sizes = [5000, 16_383, 16_384, 65_536, 70_001, 300_000, 1_048_576, 2_500_000, 4097, 65_535];
    const sent = clients.map((_, c) => sizes.map((size, i) => messageBytes(c * 100 + i, size)));
    await Promise.all(clients.map((ws, c) => Promise.all(sent[c]!.map((bytes) => sendAsync(ws, bytes)))));
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if ([...received.values()].every((list) => list.length === sizes.length)) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
    for (let c = 0; c < clients.length; c++) {
      const list = received.get(c)!;
      expect(list.map((bytes) => bytes.length)).toEqual(sizes);
      // Each connection's server socket is matched by content, not by accept order.
      const client = sent.findIndex((messages) => messages[0]!.equals(list[0]!));
      expect(list.every((bytes, i) => bytes.equals(sent[client]![i]!))).toBe(true);
    }
    expect(pooledUnitsFree().free).toBe(pooledUnitsFree().total);
  });

  it('are released when the connection is dropped with frames still queued', async () => {
    const { wss, url } = await startServer({ maxPayload: 4 * 1024 * 1024 });
    wss.on('connection', (ws) => ws.pause());
    const client = await openClient(url);
    for (let i = 0; i < 12; i++) client.send(messageBytes(i, 1_000_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.terminate();
    await once(client, 'close');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pooledUnitsFree().free).toBe(pooledUnitsFree().total);
  });

  it('reach a Duplex that is not a net.Socket as copies, and the pool gets its memory back at once', () => {
    const chunks: Buffer[] = [];
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const queue = new SendQueue(duplex, {
      onFrameFailed: () => {},
      onQueueDrained: () => {},
      notOpenError: () => new Error('closed'),
    });
    const key = Buffer.from([1, 2, 3, 4]);
    for (const size of [6000, 70_000]) {
      const frames = encodeFrame(messageBytes(size, size), { opcode: Opcode.Binary, mask: key });
      expect(isPooledFrame(frames[0]!)).toBe(true);
      const expected = Buffer.from(frames[0]!);
      queue.push(frames, size, undefined);
      expect(pooledUnitsFree().free).toBe(pooledUnitsFree().total);
      queue.endTick();
      const written = chunks.pop()!;
      expect(isPooledFrame(written)).toBe(false);
      expect(written.equals(expected)).toBe(true);
    }
  });
});
