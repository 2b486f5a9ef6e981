// The client's generateMask option (ws 8.21+): each frame's masking key comes from it.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Completes the handshake and resolves with the bytes of the first frame the client sends. */
async function firstFrameServer(): Promise<{ port: number; frame: Promise<Buffer> }> {
  let resolveFrame!: (frame: Buffer) => void;
  const frame = new Promise<Buffer>((resolve) => (resolveFrame = resolve));
  const server = net.createServer((socket) => {
    cleanups.push(() => socket.destroy());
    let handshaken = false;
    socket.on('data', (chunk: Buffer) => {
      if (!handshaken) {
        handshaken = true;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(chunk.toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        return;
      }
      resolveFrame(chunk);
    });
  });
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, frame };
}

describe('generateMask', () => {
  it('fills each frame\'s masking key (here with zeros, so the payload travels as it is)', async () => {
    const { port, frame } = await firstFrameServer();
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: (mask) => mask.fill(0) });
    cleanups.push(() => ws.terminate());
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('hello');
    const bytes = await frame;
    expect(bytes[1]! & 0x80).toBe(0x80);
    expect([...bytes.subarray(2, 6)]).toEqual([0, 0, 0, 0]);
    expect(bytes.subarray(6, 11).toString()).toBe('hello');
  });

  it('is called for every frame', async () => {
    const { port } = await firstFrameServer();
    let calls = 0;
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: (mask) => void (calls++, mask.fill(7)) });
    cleanups.push(() => ws.terminate());
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('a');
    ws.send('b');
    ws.ping();
    expect(calls).toBe(3);
  });
});
