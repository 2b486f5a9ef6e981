// Broadcast with permessage-deflate (RFC 7692 §7.1.1.1): clients that negotiated
// server_no_context_takeover share no compression history, so one compressed frame serves them all.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((wss) => new Promise((resolve) => wss.close(resolve))));
});

function startServer(options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<number> {
  return new Promise((resolve) => {
    const wss: WebSocketServer = new WebSocketServer(options, () => resolve((wss.address() as { port: number }).port));
    servers.push(wss);
  });
}

function connect(port: number, perMessageDeflate: boolean): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
}

describe('broadcast compresses once for clients without server context takeover', () => {
  it('compresses a large message once for many clients, and each inflates it', async () => {
    const port = await startServer({ port: 0, perMessageDeflate: { serverNoContextTakeover: true } });
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect(port, true)));
    const plain = await connect(port, false);
    const compress = vi.spyOn(PerMessageDeflate.prototype, 'compress');
    const text = 'market update '.repeat(500);
    const received = [...clients, plain].map(nextMessage);
    const wss = servers[0];
    expect(wss.broadcast(text)).toBe(6);
    expect(await Promise.all(received)).toEqual(Array(6).fill(text));
    expect(compress).toHaveBeenCalledTimes(1);
    expect(clients[0].extensions).toBe('permessage-deflate');
    expect(plain.extensions).toBe('');
  });

  it('keeps the order of a compressed broadcast and the sends that follow it', async () => {
    const port = await startServer({ port: 0, perMessageDeflate: { serverNoContextTakeover: true } });
    const client = await connect(port, true);
    const wss = servers[0];
    const seen: string[] = [];
    const done = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        seen.push(data.toString().slice(0, 5));
        if (seen.length === 3) resolve();
      }),
    );
    wss.broadcast('first'.repeat(400));
    for (const ws of wss.clients) ws.send('second', { compress: false });
    wss.broadcast('third');
    await done;
    expect(seen).toEqual(['first', 'secon', 'third']);
  });

  it('sends uncompressed frames to clients that keep a context (default parameters)', async () => {
    const port = await startServer({ port: 0, perMessageDeflate: true });
    const client = await connect(port, true);
    const compress = vi.spyOn(PerMessageDeflate.prototype, 'compress');
    const text = 'x'.repeat(5000);
    const received = nextMessage(client);
    servers[0].broadcast(text);
    expect(await received).toBe(text);
    expect(compress).not.toHaveBeenCalled();
  });
});
