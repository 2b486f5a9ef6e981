// A client that floods messages and never reads the echoes (issue 15): with the send-buffer
// limit reached, the server closes with 1008 and stops at once — no further message reaches the
// handler, and the socket is released within seconds, not after closeTimeout.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { frame, nonReadingPeer, onCleanup, startEchoServer, waitFor } from './helpers.js';

/** Handshake, then write 1 KiB text frames as fast as TCP takes them, never reading a byte. */
async function flooder(port: number, extraHeaders = ''): Promise<{ socket: net.Socket; stop(): void }> {
  const socket = await nonReadingPeer(port, extraHeaders);
  // Distinct random texts, cycling over more than a compression window: their echoes compress
  // little, so they fill TCP as fast with permessage-deflate (context takeover) as without.
  const messages = Array.from({ length: 64 }, () => frame(0x1, randomBytes(768).toString('base64')));
  let running = true;
  let sent = 0;
  const pump = (): void => {
    while (running && !socket.destroyed) {
      if (!socket.write(messages[sent++ % messages.length])) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
  return { socket, stop: () => (running = false) };
}

const MODES = [
  { name: 'plain', options: {}, headers: '' },
  // The echoes (1 KiB, the default threshold) go out compressed: the queue waits on zlib.
  { name: 'with permessage-deflate', options: { perMessageDeflate: true }, headers: 'Sec-WebSocket-Extensions: permessage-deflate\r\n' },
];

describe.each(MODES)('a peer that floods and never reads ($name)', ({ options, headers }) => {
  it('is stopped without holding more than a few MiB, gets no message dispatched once closed, and is released within seconds (default options)', async () => {
    const server = await startEchoServer({ ...options, idleTimeout: 1000 });
    let messagesAfterClose = 0;
    server.wss.on('connection', (ws) => {
      ws.prependListener('message', () => {
        if (ws.readyState !== ws.OPEN) messagesAfterClose++;
      });
    });
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().external;
    const peer = await flooder(server.port, headers);
    let peak = 0;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      peak = Math.max(peak, usage.heapUsed + usage.external - heapBefore);
    }, 20);
    onCleanup(() => clearInterval(sampler));
    // TCP stops the flood once the server stops reading it; the idle check then reaps the peer
    // (its pongs go unread), well within closeTimeout.
    await waitFor(() => server.closeCodes.length === 1, 10_000, 'the server-side close');
    peer.stop();
    expect(peak).toBeLessThan(64 * 1024 * 1024);
    expect(messagesAfterClose).toBe(0);
  });

  it('is closed with 1008 once maxBufferedAmount is reached, gets no message dispatched after that, and is released within seconds', async () => {
    const server = await startEchoServer({ ...options, maxBufferedAmount: 128 * 1024, closeTimeout: 30_000 });
    let messagesAfterClose = 0;
    let closedAt = 0;
    server.wss.on('connection', (ws) => {
      // First in line, so it sees the state each message arrives in (the echo may close it).
      ws.prependListener('message', () => {
        if (ws.readyState !== ws.OPEN) messagesAfterClose++;
      });
      ws.on('close', () => (closedAt = Date.now()));
    });
    const peer = await flooder(server.port, headers);
    await waitFor(() => server.closeCodes.length === 1, 10_000, 'the server-side close');
    peer.stop();
    // The close event comes once TCP is gone: well within the 30 s closeTimeout.
    expect(closedAt).toBeGreaterThan(0);
    expect(server.closeCodes).toEqual([1006]);
    expect(messagesAfterClose).toBe(0);
  });

  it('keeps the server serving other clients meanwhile', async () => {
    const server = await startEchoServer({ ...options, maxBufferedAmount: 256 * 1024 });
    const peer = await flooder(server.port, headers);
    const { WebSocket } = await import('../../src/index.js');
    const ws = new WebSocket(server.url);
    onCleanup(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const echoed = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
    ws.send('still here');
    expect(await echoed).toBe('still here');
    peer.stop();
  });
});

describe('a broadcast to a crowd with one slow consumer', () => {
  it('reports the client the policy skipped (and closed with 1008), and reaches the others', async () => {
    const server = await startEchoServer({ maxBufferedAmount: 64 * 1024 });
    const { WebSocket } = await import('../../src/index.js');
    const readers = await Promise.all(
      [0, 1].map(async () => {
        const ws = new WebSocket(server.url);
        onCleanup(() => ws.terminate());
        await new Promise((resolve) => ws.once('open', resolve));
        return ws;
      }),
    );
    await nonReadingPeer(server.port);
    await waitFor(() => server.wss.clients.size === 3, 5000, 'three clients');
    const big = Buffer.alloc(48 * 1024, 1);
    const report = { delivered: 0, skipped: 0 };
    let skipped = 0;
    // The slow peer reads nothing: its buffer passes 64 KiB after a few broadcasts.
    for (let i = 0; i < 400 && skipped === 0; i++) {
      server.wss.broadcast(big, { report });
      skipped = report.skipped;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(skipped).toBe(1);
    expect(report.delivered).toBe(2);
    await waitFor(() => server.closeCodes.length === 1, 5000, 'the slow consumer closed');
    expect(readers.every((ws) => ws.readyState === ws.OPEN)).toBe(true);
  });
});
