// Hostile peers that try to make the server hold resources without bound: a handshake trickled
// one byte at a time (slowloris), and a ping flood from a peer that never reads its pongs.
// Raw TCP sockets on 127.0.0.1 against a standalone WebSocketServer.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from '../../src/index.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function startServer(options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  cleanups.push(() => wss.close());
  return { wss, port: (wss.address() as net.AddressInfo).port };
}

function connectRaw(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  cleanups.push(() => socket.destroy());
  return socket;
}

function upgradeRequest(): string {
  const key = randomBytes(16).toString('base64');
  return `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

/** A masked ping (client to server, §5.1) carrying 125 bytes, the most a control frame may (§5.5). */
function maskedPing125(): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x80 | 125, 0, 0, 0, 0]), Buffer.alloc(125)]);
}

describe('handshakeTimeout is a deadline for the whole request head, not an idle timer (slowloris)', () => {
  it('drops a peer that trickles one header byte every 100 ms within handshakeTimeout + slack', async () => {
    const { port } = await startServer({ handshakeTimeout: 400 });
    const socket = connectRaw(port);
    const head = `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(2000)}`;
    let index = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(head[index++ % head.length]!);
    }, 100);
    cleanups.push(() => clearInterval(trickle));
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      socket.once('close', () => resolve(Date.now() - started));
      setTimeout(() => resolve(Infinity), 2500);
    });
    // 400 ms deadline; a byte arrives every 100 ms, so an idle timer never fires.
    expect(closedAfter).toBeLessThan(1500);
  });
});

describe('a ping flood from a peer that never reads cannot grow server memory past maxBufferedAmount', () => {
  it('keeps bufferedAmount near maxBufferedAmount (1 MiB) while 40 MiB of pings arrive unread', async () => {
    const limit = 1 << 20;
    const { wss, port } = await startServer({ maxBufferedAmount: limit });
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const socket = connectRaw(port);
    socket.write(upgradeRequest());
    await new Promise((resolve) => socket.once('data', resolve));
    const ws = await accepted;
    socket.pause(); // never read the pongs
    const batch = Buffer.concat(Array.from({ length: 512 }, maskedPing125));
    const totalBatches = Math.ceil((40 << 20) / batch.length);
    let peak = 0;
    await new Promise<void>((resolve) => {
      let sent = 0;
      const pump = (): void => {
        while (sent < totalBatches && !socket.destroyed) {
          sent++;
          if (!socket.write(batch)) {
            socket.once('drain', pump);
            return;
          }
        }
        resolve();
      };
      const sample = setInterval(() => {
        peak = Math.max(peak, ws.bufferedAmount);
      }, 20);
      cleanups.push(() => clearInterval(sample));
      socket.once('close', () => resolve());
      // A server that stops reading while its writes are backed up stalls this pump: also a pass.
      const deadline = setTimeout(resolve, 4000);
      cleanups.push(() => clearTimeout(deadline));
      pump();
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    peak = Math.max(peak, ws.bufferedAmount);
    // Either the pongs are limited (RFC 6455 §5.5.3 lets an endpoint answer only the latest
    // ping) or reading stops while writes are backed up, or the slow consumer is closed (1008):
    // any of these bounds memory. Buffering a pong for every ping does not.
    expect(peak).toBeLessThan(4 * limit);
  });
});
