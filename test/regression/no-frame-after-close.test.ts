// Regression (issue 12): after the server's close frame the client's readyState stayed OPEN, and
// send() and ping() put a text frame and a ping on the wire after the client's own close frame,
// against RFC 6455 §5.5.1. The ready state now lives in one place, the protocol session.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { FrameParser, type Frame } from '../../src/protocol/frame-parser.js';
import { encodeCloseFrame } from '../../src/protocol/frame-writer.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { isViolation } from '../../src/protocol/violation.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server that completes the handshake, sends a close frame and keeps TCP open, recording every frame it gets. */
async function closingServer(): Promise<{ port: number; frames: Frame[]; closeReceived: Promise<void> }> {
  const frames: Frame[] = [];
  let markCloseReceived!: () => void;
  const closeReceived = new Promise<void>((resolve) => (markCloseReceived = resolve));
  const server = net.createServer((socket) => {
    cleanups.push(() => socket.destroy());
    let head = '';
    const parser = new FrameParser({ role: 'server', maxPayload: 0, allowRsv1: false });
    socket.on('data', (chunk: Buffer) => {
      if (!head.includes('\r\n\r\n')) {
        head += chunk.toString('latin1');
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.write(encodeCloseFrame(1000, 'bye', false));
        return;
      }
      parser.push(chunk);
      for (let frame = parser.next(); frame !== null; frame = parser.next()) {
        if (isViolation(frame)) throw new Error(frame.reason);
        frames.push(frame);
        if (frame.opcode === Opcode.Close) markCloseReceived();
      }
    });
  });
  cleanups.push(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, frames, closeReceived };
}

describe('RFC 6455 §5.5.1: no data frame after a close frame', () => {
  it('the client is CLOSING once it answered the server close frame, and its send() and ping() put nothing on the wire', async () => {
    const { port, frames, closeReceived } = await closingServer();
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    ws.on('error', () => {});
    await closeReceived;
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const sendError = new Promise<Error | null | undefined>((resolve) => ws.send('late', resolve));
    const pingError = new Promise<Error | null | undefined>((resolve) => ws.ping(Buffer.from('p'), undefined, resolve));
    expect(await sendError).toBeInstanceOf(Error);
    expect(await pingError).toBeInstanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(frames.map((frame) => frame.opcode)).toEqual([Opcode.Close]);
    expect(frames[0].payload.readUInt16BE(0)).toBe(1000);
    ws.terminate();
  });
});
