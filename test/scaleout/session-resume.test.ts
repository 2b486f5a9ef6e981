// Session resume on one node: a client whose connection drops gets what it missed, in order,
// exactly once — with ReconnectingWebSocket, and with a plain `ws` client that follows the
// documented headers by hand. And drain(): 1012 for everyone, new upgrades refused meanwhile.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { ReconnectingWebSocket, WebSocketServer, sessionOf } from '../../src/index.js';
import type { SessionOutcome } from '../../src/extras/reconnect.js';
import { waitFor } from './helpers/ports.js';
import { countDelivery } from './helpers/redis-clients.js';
import { SwitchProxy } from './helpers/switch-proxy.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', sessionResume: { ttl: 5000 }, ...options });
  await once(wss, 'listening');
  cleanup.push(() => new Promise((resolve) => wss.close(() => resolve(undefined))));
  return wss;
}

const portOf = (wss: WebSocketServer): number => (wss.address() as { port: number }).port;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Broadcasts `count` numbered messages, one every `everyMs`; returns what was sent. */
async function broadcastSeries(wss: WebSocketServer, count: number, everyMs: number, during?: (i: number) => unknown): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = `m${i}`;
    wss.broadcast(text);
    sent.push(text);
    await during?.(i);
    await sleep(everyMs);
  }
  return sent;
}

describe('session resume on one node', () => {
  it('ReconnectingWebSocket gets every broadcast once, in order, across network drops', async () => {
    const wss = await startServer();
    const proxy = await SwitchProxy.start(portOf(wss));
    cleanup.push(() => proxy.close());
    const client = new ReconnectingWebSocket(`ws://127.0.0.1:${proxy.port}/`, { resume: true, minDelay: 20, maxDelay: 50 });
    cleanup.push(() => client.terminate());
    const received: string[] = [];
    const outcomes: SessionOutcome['kind'][] = [];
    client.on('message', (data) => received.push(String(data)));
    client.on('session', (outcome) => outcomes.push(outcome.kind));
    await once(client, 'open');
    const sent = await broadcastSeries(wss, 150, 2, (i) => {
      if (i % 40 === 20) proxy.cutAll();
    });
    await waitFor('all 150', () => countDelivery(sent, received).delivered === 150 && client.state === 'open');
    await sleep(50);
    expect(countDelivery(sent, received)).toEqual({ delivered: 150, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(outcomes[0]).toBe('new');
    expect(outcomes.slice(1)).toEqual(outcomes.slice(1).map(() => 'resumed'));
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
  });

  it('direct ws.send() messages and topic publishes are resumed too', async () => {
    const wss = await startServer();
    const proxy = await SwitchProxy.start(portOf(wss));
    cleanup.push(() => proxy.close());
    const sockets: Array<import('../../src/index.js').WebSocket> = [];
    wss.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (data) => ws.subscribe(String(data)));
    });
    const client = new ReconnectingWebSocket(`ws://127.0.0.1:${proxy.port}/`, { resume: true, minDelay: 20, maxDelay: 50 });
    cleanup.push(() => client.terminate());
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    await once(client, 'open');
    client.send('room');
    await waitFor('subscribed', () => sockets[0]?.isSubscribed('room') === true);
    sockets[0]!.send('direct-1');
    wss.publish('room', 'pub-1');
    wss.publish('other', 'not-for-us');
    proxy.cutAll();
    wss.publish('room', 'pub-2'); // while away (the server may not have noticed yet)
    await once(client, 'reconnected');
    wss.publish('room', 'pub-3'); // the topic survived the reconnection
    await waitFor('4 messages', () => received.length >= 4);
    await sleep(50);
    expect(received).toEqual(['direct-1', 'pub-1', 'pub-2', 'pub-3']);
  });

  it('a plain ws client can resume with the documented headers', async () => {
    const wss = await startServer();
    const url = `ws://127.0.0.1:${portOf(wss)}/`;
    const first = new WsClient(url);
    const opened = once(first, 'open');
    const [response] = (await once(first, 'upgrade')) as [{ headers: Record<string, string> }];
    const sessionId = response.headers['ws6455-session']!;
    expect(sessionId).toMatch(/^[\w-]{20,}$/);
    await opened;
    const received: string[] = [];
    first.on('message', (data) => received.push(String(data)));
    wss.broadcast('a');
    await waitFor('a', () => received.length === 1);
    first.terminate();
    await waitFor('server noticed', () => wss.clients.size === 0);
    wss.broadcast('b');
    wss.broadcast('c');
    const second = new WsClient(`${url}?ws6455-session=${sessionId}&ws6455-offset=${received.length}`);
    cleanup.push(() => second.terminate());
    second.on('message', (data) => received.push(String(data)));
    const [resumed] = (await once(second, 'upgrade')) as [{ headers: Record<string, string> }];
    expect(resumed.headers['ws6455-resume']).toBe('ok');
    expect(resumed.headers['ws6455-session']).toBe(sessionId);
    await waitFor('b and c', () => received.length === 3);
    expect(received).toEqual(['a', 'b', 'c']);
  });

  it('sessionOf(ws) tells the application the session id and whether it was resumed', async () => {
    const wss = await startServer();
    const seen: Array<{ id: string; resumed: boolean } | undefined> = [];
    wss.on('connection', (ws) => seen.push(sessionOf(ws)));
    const url = `ws://127.0.0.1:${portOf(wss)}/`;
    const first = new WsClient(url);
    const [response] = (await once(first, 'upgrade')) as [{ headers: Record<string, string> }];
    first.terminate();
    await waitFor('server noticed', () => wss.clients.size === 0);
    const second = new WsClient(url, { headers: { 'ws6455-session': response.headers['ws6455-session']!, 'ws6455-offset': '0' } });
    cleanup.push(() => second.terminate());
    await once(second, 'open');
    await waitFor('two connections', () => seen.length === 2);
    expect(seen).toEqual([
      { id: response.headers['ws6455-session'], resumed: false },
      { id: response.headers['ws6455-session'], resumed: true },
    ]);
  });

  it('an unknown session or an offset beyond what was sent is "lost", with a new session', async () => {
    const wss = await startServer();
    const client = new WsClient(`ws://127.0.0.1:${portOf(wss)}/`, { headers: { 'ws6455-session': 'nope', 'ws6455-offset': '3' } });
    cleanup.push(() => client.terminate());
    const [response] = (await once(client, 'upgrade')) as [{ headers: Record<string, string> }];
    expect(response.headers['ws6455-resume']).toBe('lost');
    expect(response.headers['ws6455-session']).not.toBe('nope');
  });

  it('with permessage-deflate, broadcasts reach a session once (the shared compressed frame is not used)', async () => {
    const wss = await startServer({ perMessageDeflate: { serverNoContextTakeover: true, threshold: 0 } });
    const client = new WsClient(`ws://127.0.0.1:${portOf(wss)}/`, { perMessageDeflate: true });
    cleanup.push(() => client.terminate());
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    const [response] = (await once(client, 'upgrade')) as [{ headers: Record<string, string> }];
    expect(response.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    await waitFor('attached', () => wss.clients.size === 1);
    const sent = Array.from({ length: 20 }, (_, i) => `${'compressible '.repeat(20)}${i}`);
    for (const text of sent) wss.broadcast(text);
    await waitFor('20 messages', () => received.length >= 20);
    await sleep(50);
    expect(countDelivery(sent, received)).toEqual({ delivered: 20, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(received).toHaveLength(20);
  });

  it('is off by default: no session header', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    cleanup.push(() => new Promise((resolve) => wss.close(() => resolve(undefined))));
    const client = new WsClient(`ws://127.0.0.1:${portOf(wss)}/`);
    cleanup.push(() => client.terminate());
    const [response] = (await once(client, 'upgrade')) as [{ headers: Record<string, string> }];
    expect(response.headers['ws6455-session']).toBeUndefined();
  });

  it('refuses bad limits at construction', () => {
    expect(() => new WebSocketServer({ noServer: true, sessionResume: { ttl: -1 } })).toThrow(RangeError);
  });
});

describe('drain: rolling restarts', () => {
  it('closes every client with 1012, refuses new upgrades with 503 meanwhile, and resolves when all are gone', async () => {
    const wss = await startServer({ sessionResume: false });
    const url = `ws://127.0.0.1:${portOf(wss)}/`;
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const ws = new WsClient(url);
        await once(ws, 'open');
        return ws;
      }),
    );
    const codes: number[] = [];
    for (const ws of clients) ws.on('close', (code) => codes.push(code));
    const drained = wss.drain({ over: 200 });
    const late = new WsClient(url);
    const [, response] = (await once(late, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(response.statusCode).toBe(503);
    late.on('error', () => {});
    await drained;
    await waitFor('8 closes', () => codes.length === 8);
    expect(codes).toEqual(Array(8).fill(1012));
  });

  it('ReconnectingWebSocket reconnects after 1012 (within restartSpread), without giving up', async () => {
    const wss = await startServer({ sessionResume: false });
    const client = new ReconnectingWebSocket(`ws://127.0.0.1:${portOf(wss)}/`, { minDelay: 10, restartSpread: 50 });
    cleanup.push(() => client.terminate());
    await once(client, 'open');
    const delays: number[] = [];
    client.on('reconnecting', (_attempt, delay) => delays.push(delay));
    const [ws] = wss.clients;
    ws!.close(1012, 'Service Restart');
    await once(client, 'reconnected');
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThanOrEqual(50);
  });
});
