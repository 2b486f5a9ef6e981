// Lifetimes (issue 15): idleTimeout (on by default, pinging halfway) and maxLifetime, both on the
// server's one shared timer.
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from '../../src/index.js';
import { nonReadingPeer } from '../hostile/helpers.js';
import { closed, connectPair, delay, openClient, waitFor } from './helpers.js';

describe('idleTimeout', () => {
  it('terminates a client that sends nothing at all (1006), and keeps one that answers the pings', async () => {
    const { wss, url, client } = await connectPair({ idleTimeout: 300 });
    const port = Number(new URL(url).port);
    await nonReadingPeer(port);
    await waitFor(() => wss.clients.size === 2, 2000, 'both clients');
    const codes: number[] = [];
    for (const ws of wss.clients) ws.on('close', (code: number) => codes.push(code));
    await waitFor(() => codes.length === 1, 3000, 'the mute client dropped');
    expect(codes).toEqual([1006]);
    await delay(400);
    expect(client.readyState).toBe(client.OPEN);
    expect(wss.clients.size).toBe(1);
  });

  it('is on by default (120 s) and off with 0, as ws behaves', () => {
    const defaults = new WebSocketServer({ noServer: true });
    const off = new WebSocketServer({ noServer: true, idleTimeout: 0 });
    expect((defaults as unknown as { heartbeat: unknown }).heartbeat).not.toBeNull();
    expect((off as unknown as { heartbeat: unknown }).heartbeat).toBeNull();
    defaults.close();
    off.close();
  });

  it('throws at construction for a negative value', () => {
    expect(() => new WebSocketServer({ noServer: true, idleTimeout: -1 })).toThrow(RangeError);
  });
});

describe('maxLifetime', () => {
  it('closes a client with 1001 once it has been connected that long', async () => {
    const { client } = await connectPair({ maxLifetime: 200, idleTimeout: 0 });
    const { code } = await closed(client);
    expect(code).toBe(1001);
  });

  it('leaves clients alone when 0 (the default)', async () => {
    const { url } = await connectPair({ idleTimeout: 0 });
    const client = await openClient(url);
    await delay(300);
    expect(client.readyState).toBe(client.OPEN);
  });
});
