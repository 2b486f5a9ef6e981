// Session resume across nodes, through the Redis Streams adapter: clients move from node A to
// node B (A drained with 1012, or their connections cut) while a third node broadcasts under load.
// Per client: delivered, lost, duplicated and out-of-order messages — all zero.
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReconnectingWebSocket, WebSocketServer } from '../../src/index.js';
import { RedisStreamsAdapter } from '../../src/extras/adapters/redis-streams.js';
import { waitFor } from './helpers/ports.js';
import { requireProgram } from './helpers/programs.js';
import { clientLibraries, countDelivery } from './helpers/redis-clients.js';
import { RedisServer } from './helpers/redis-server.js';
import { SwitchProxy } from './helpers/switch-proxy.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(redisProgram === undefined).each(['redis', 'ioredis'] as const)('session resume across nodes (Redis Streams adapter, %s clients)', (library) => {
  let redis: RedisServer;
  const cleanup: Array<() => unknown> = [];
  let channelCounter = 0;

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function startNode(channel: string, standalone: boolean): Promise<WebSocketServer> {
    const client = await clientLibraries[library](redis.port);
    const adapter = new RedisStreamsAdapter({ client: client.client, channel, block: 500 });
    adapter.on('error', () => {});
    await adapter.ready;
    const wss = standalone
      ? new WebSocketServer({ port: 0, host: '127.0.0.1', sessionResume: { ttl: 10_000 } })
      : new WebSocketServer({ noServer: true });
    wss.setAdapter(adapter);
    if (standalone) await once(wss, 'listening');
    cleanup.push(async () => {
      await new Promise((resolve) => wss.close(() => resolve(undefined)));
      await adapter.close();
      await client.quit();
    });
    return wss;
  }

  async function scenario(move: (a: WebSocketServer, proxy: SwitchProxy) => void): Promise<void> {
    const channel = `handover-${++channelCounter}`;
    const [a, b, publisher] = await Promise.all([startNode(channel, true), startNode(channel, true), startNode(channel, false)]);
    const proxy = await SwitchProxy.start((a.address() as { port: number }).port);
    cleanup.push(() => proxy.close());
    const received: string[][] = [];
    const clients = Array.from({ length: 5 }, (_, i) => {
      const client = new ReconnectingWebSocket(`ws://127.0.0.1:${proxy.port}/`, { resume: true, minDelay: 20, maxDelay: 100, restartSpread: 100 });
      received[i] = [];
      client.on('message', (data) => received[i]!.push(String(data)));
      cleanup.push(() => client.terminate());
      return client;
    });
    await Promise.all(clients.map((client) => once(client, 'open')));
    await waitFor('5 clients on a', () => a.clients.size === 5);
    const sent: string[] = [];
    for (let i = 0; i < 200; i++) {
      sent.push(`m${i}`);
      publisher.broadcast(`m${i}`);
      if (i === 80) {
        proxy.target = (b.address() as { port: number }).port;
        move(a, proxy);
      }
      await sleep(4);
    }
    await waitFor('5 clients on b', () => b.clients.size === 5, 10_000);
    await waitFor('every message everywhere', () => received.every((messages) => countDelivery(sent, messages).delivered === 200), 10_000);
    await sleep(100);
    for (const messages of received) {
      expect(countDelivery(sent, messages)).toEqual({ delivered: 200, lost: 0, duplicated: 0, outOfOrder: 0 });
    }
    expect(a.clients.size).toBe(0);
  }

  it('node A drained (1012): every client resumes on node B', async () => {
    await scenario((a) => void a.drain({ over: 150 }));
  });

  it('connections to node A cut: every client resumes on node B', async () => {
    await scenario((_a, proxy) => proxy.cutAll());
  });
});
