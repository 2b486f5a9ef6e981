// Redis faults under load, seen from WebSocket clients: two nodes joined by the Streams adapter,
// clients on both, one node broadcasting while Redis is killed and restarted, or hung with
// SIGSTOP/SIGCONT. Per client: delivered, lost, duplicated and out-of-order messages.
// And the pub/sub adapter's health check: a hung Redis is reported once, and its recovery once.
import { once } from 'node:events';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RedisAdapter, RedisStreamsAdapter, WebSocketServer, type RedisCommandClient } from '../../src/index.js';
import { waitFor } from './helpers/ports.js';
import { requireProgram } from './helpers/programs.js';
import { countDelivery } from './helpers/redis-clients.js';
import { RedisServer } from './helpers/redis-server.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(redisProgram === undefined)('Redis faults under load', () => {
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
    redis.resume();
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function redisClient() {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
    client.on('error', () => {});
    await client.connect();
    cleanup.push(() => client.destroy());
    return client;
  }

  async function streamsNode(channel: string): Promise<{ wss: WebSocketServer; events: string[] }> {
    const adapter = new RedisStreamsAdapter({
      client: (await redisClient()) as unknown as RedisCommandClient,
      channel,
      block: 500,
      healthCheck: { interval: 100, timeout: 400 },
    });
    const events: string[] = [];
    adapter.on('error', (error) => events.push(error.code));
    adapter.on('degraded', () => events.push('degraded'));
    adapter.on('recovered', () => events.push('recovered'));
    await adapter.ready;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wss.setAdapter(adapter);
    await once(wss, 'listening');
    cleanup.push(() => new Promise((resolve) => wss.close(() => resolve(undefined))));
    return { wss, events };
  }

  async function clientsOf(wss: WebSocketServer, count: number): Promise<string[][]> {
    const port = (wss.address() as { port: number }).port;
    return Promise.all(
      Array.from({ length: count }, async () => {
        const received: string[] = [];
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
        ws.on('message', (data) => received.push(String(data)));
        await once(ws, 'open');
        cleanup.push(() => ws.terminate());
        return received;
      }),
    );
  }

  async function underLoad(fault: () => Promise<void>): Promise<{ events: string[] }> {
    const channel = `faults-${++channelCounter}`;
    const a = await streamsNode(channel);
    const b = await streamsNode(channel);
    const inboxes = [...(await clientsOf(a.wss, 3)), ...(await clientsOf(b.wss, 3))];
    const sent: string[] = [];
    const faultDone = (async () => {
      await sleep(300);
      await fault();
    })();
    for (let i = 0; i < 150; i++) {
      sent.push(`m${i}`);
      a.wss.broadcast(`m${i}`);
      await sleep(10);
    }
    await faultDone;
    await waitFor('every message on every client', () => inboxes.every((inbox) => countDelivery(sent, inbox).delivered === sent.length), 10_000);
    await sleep(100);
    for (const inbox of inboxes) {
      expect(countDelivery(sent, inbox)).toEqual({ delivered: 150, lost: 0, duplicated: 0, outOfOrder: 0 });
    }
    return { events: a.events };
  }

  it('Streams adapter, Redis killed for a second: every client of both nodes gets every message once, in order', async () => {
    const { events } = await underLoad(async () => {
      await redis.stop();
      await sleep(1000);
      await redis.start();
    });
    expect(events).toContain('ERR_REDIS_UNAVAILABLE');
  });

  it('Streams adapter, Redis hung (SIGSTOP) for a second: degraded once, recovered once, nothing lost', async () => {
    const { events } = await underLoad(async () => {
      redis.pause();
      await sleep(1000);
      redis.resume();
    });
    expect(events.filter((event) => event === 'degraded' || event === 'recovered')).toEqual(['degraded', 'recovered']);
  });

  it('pub/sub adapter: a hung Redis is reported once (degraded + ERR_REDIS_UNRESPONSIVE) and its recovery once', async () => {
    const publisher = await redisClient();
    const subscriber = await redisClient();
    const adapter = new RedisAdapter({ publisher, subscriber, channel: `pubsub-${++channelCounter}`, healthCheck: { interval: 100, timeout: 300 } });
    cleanup.push(() => adapter.close());
    const events: string[] = [];
    adapter.on('error', (error) => events.push(error.code));
    adapter.on('degraded', () => events.push('degraded'));
    adapter.on('recovered', () => events.push('recovered'));
    await adapter.ready;
    redis.pause();
    await waitFor('degraded', () => events.includes('degraded'));
    // Forwarding while hung drops locally; the outage was already reported once.
    adapter.forward({ kind: 'broadcast', data: 'x', binary: false });
    await sleep(600);
    redis.resume();
    await waitFor('recovered', () => events.includes('recovered'));
    expect(events).toEqual(['degraded', 'ERR_REDIS_UNRESPONSIVE', 'recovered']);
    expect(adapter.stats.droppedWhileUnavailable).toBe(1);
  });
});
