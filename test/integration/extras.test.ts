// The ws6455 additions beyond ws, over loopback: wss.broadcast, topics (subscribe / publish) and
// the built-in heartbeat with its single shared timer.
import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { WebSocket, WebSocketServer } from '../../src/index.js';
import { closed, delay, nextMessage, openClient, startServer, within } from './helpers.js';

/** A server with `count` connected clients, and the server-side socket of each (same order). */
async function serverWithClients(
  count: number,
  options: Parameters<typeof startServer>[0] = {},
  clientOptions: Parameters<typeof openClient>[1] = {},
): Promise<{ wss: WebSocketServer; clients: WebSocket[]; peers: WebSocket[] }> {
  const { wss, url } = await startServer(options);
  const clients: WebSocket[] = [];
  const peers: WebSocket[] = [];
  for (let i = 0; i < count; i++) {
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    clients.push(await openClient(url, clientOptions));
    const [peer] = await accepted;
    peer.on('error', () => {});
    peers.push(peer);
  }
  return { wss, clients, peers };
}

/** What each client receives next, or 'nothing' if nothing arrives within `ms`. */
function nextOrNothing(ws: WebSocket, ms = 150): Promise<string> {
  return Promise.race([
    nextMessage(ws).then(({ data, isBinary }) => `${isBinary ? 'binary' : 'text'}:${String(data)}`),
    delay(ms).then(() => 'nothing'),
  ]);
}

describe('wss.broadcast(data, options): one framed message to every open client', () => {
  it('reaches every client and returns how many it was written to', async () => {
    const { wss, clients } = await serverWithClients(3);
    const received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.broadcast('to all')).toBe(3);
    expect(await received).toEqual(['text:to all', 'text:to all', 'text:to all']);
  });

  it('except: skips one client (typically the sender)', async () => {
    const { wss, clients, peers } = await serverWithClients(3);
    const received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.broadcast('not you', { except: peers[1] })).toBe(2);
    expect(await received).toEqual(['text:not you', 'nothing', 'text:not you']);
  });

  it('filter: only the clients it accepts', async () => {
    const { wss, clients, peers } = await serverWithClients(3);
    const received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.broadcast('filtered', { filter: (ws) => ws === peers[2] })).toBe(1);
    expect(await received).toEqual(['nothing', 'nothing', 'text:filtered']);
  });

  it('binary: Buffers go as binary by default; { binary: true } makes a string binary', async () => {
    const { wss, clients } = await serverWithClients(2);
    let received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.broadcast(Buffer.from('raw'))).toBe(2);
    expect(await received).toEqual(['binary:raw', 'binary:raw']);
    received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.broadcast('forced', { binary: true })).toBe(2);
    expect(await received).toEqual(['binary:forced', 'binary:forced']);
  });

  it('skips clients that are no longer open, and returns 0 with none', async () => {
    const { wss, clients, peers } = await serverWithClients(2);
    const gone = closed(peers[0]);
    clients[0].close();
    peers[0].close(); // CLOSING at once on the server side too
    expect(wss.broadcast('survivors')).toBe(1);
    expect(await nextOrNothing(clients[1])).toBe('text:survivors');
    await gone;
    const empty = await startServer();
    expect(empty.wss.broadcast('nobody')).toBe(0);
  });
});

describe('topics: ws.subscribe / ws.unsubscribe / wss.publish', () => {
  it('publishes to subscribers only, once each, and returns the count', async () => {
    const { wss, clients, peers } = await serverWithClients(3);
    expect(peers[0].subscribe('news')).toBe(true);
    expect(peers[0].subscribe('news')).toBe(false);
    expect(peers[2].subscribe('news')).toBe(true);
    expect(peers[1].subscribe('sport')).toBe(true);
    expect(peers[0].isSubscribed('news')).toBe(true);
    expect(peers[1].isSubscribed('news')).toBe(false);
    const received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.publish('news', 'headline')).toBe(2);
    expect(await received).toEqual(['text:headline', 'nothing', 'text:headline']);
  });

  it('except and binary apply to publish', async () => {
    const { wss, clients, peers } = await serverWithClients(2);
    for (const peer of peers) peer.subscribe('t');
    const received = Promise.all(clients.map((ws) => nextOrNothing(ws)));
    expect(wss.publish('t', 'bin', { binary: true, except: peers[0] })).toBe(1);
    expect(await received).toEqual(['nothing', 'binary:bin']);
  });

  it('unsubscribe stops delivery; publishing to an unknown topic reaches nobody', async () => {
    const { wss, clients, peers } = await serverWithClients(1);
    peers[0].subscribe('t');
    expect(peers[0].unsubscribe('t')).toBe(true);
    expect(peers[0].unsubscribe('t')).toBe(false);
    expect(peers[0].isSubscribed('t')).toBe(false);
    const received = nextOrNothing(clients[0]);
    expect(wss.publish('t', 'x')).toBe(0);
    expect(wss.publish('never-used', 'x')).toBe(0);
    expect(await received).toBe('nothing');
  });

  it('drops the subscriptions of a closed socket', async () => {
    const { wss, clients, peers } = await serverWithClients(2);
    peers[0].subscribe('room');
    peers[1].subscribe('room');
    const gone = closed(peers[0]);
    clients[0].close();
    await gone;
    expect(peers[0].isSubscribed('room')).toBe(false);
    const received = nextOrNothing(clients[1]);
    expect(wss.publish('room', 'still here')).toBe(1);
    expect(await received).toBe('text:still here');
  });
});

describe('heartbeat: { interval, timeout }', () => {
  it('terminates a client that stops answering pings (1006) and keeps a healthy one', async () => {
    const { url, wss } = await startServer({ heartbeat: { interval: 100, timeout: 100 } });
    const healthy = await openClient(url);
    const silent = await openClient(url, { autoPong: false });
    await within(
      (async () => {
        while (wss.clients.size !== 2) await delay(5);
      })(),
      1000,
      'two tracked clients',
    );
    let pings = 0;
    healthy.on('ping', () => pings++);
    const { code } = await within(closed(silent), 2000, 'the silent client being dropped');
    expect(code).toBe(1006);
    await delay(250);
    expect(healthy.readyState).toBe(healthy.OPEN);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(wss.clients.size).toBe(1);
  });

  it('uses one shared interval timer however many clients connect', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const { url } = await startServer({ heartbeat: { interval: 100, timeout: 50 } });
      const clients = await Promise.all(Array.from({ length: 50 }, () => openClient(url)));
      const timeoutsBefore = setTimeoutSpy.mock.calls.length;
      await delay(350);
      // The heartbeat's interval (100 ms); the standalone server's handshake sweep is another timer.
      expect(setIntervalSpy.mock.calls.filter((call) => call[1] === 100)).toHaveLength(1);
      // One reaper timeout per ping round (~3 rounds), never one per client; the delay() above is one more.
      expect(setTimeoutSpy.mock.calls.length - timeoutsBefore).toBeLessThanOrEqual(6);
      expect(clients.every((ws) => ws.readyState === ws.OPEN)).toBe(true);
    } finally {
      setIntervalSpy.mockRestore();
      setTimeoutSpy.mockRestore();
    }
  });

  it('stops its timer when the server closes (no timer keeps the process alive)', async () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    try {
      const { wss, url } = await startServer({ heartbeat: { interval: 100 } });
      await openClient(url);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const heartbeatCall = setIntervalSpy.mock.calls.findIndex((call) => call[1] === 100);
      const timer = setIntervalSpy.mock.results[heartbeatCall]?.value;
      expect(timer).toBeDefined();
      expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
    } finally {
      setIntervalSpy.mockRestore();
      clearIntervalSpy.mockRestore();
    }
  });
});
