// The Redis Streams adapter against a real redis-server, with both client libraries: three
// adapters stand for three nodes, a recording LocalDelivery for each node's server. Redis is
// killed and restarted, and hung with SIGSTOP/SIGCONT, while a node keeps forwarding: every other
// node must still get every message once, in order.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDelivery } from '../../src/extras/adapters/adapter.js';
import type { RedisAdapterError } from '../../src/extras/adapters/redis.js';
import { RedisStreamsAdapter, type RedisStreamsAdapterOptions } from '../../src/extras/adapters/redis-streams.js';
import { wrapCommandClient } from '../../src/extras/adapters/redis-commands.js';
import { waitFor } from './helpers/ports.js';
import { requireProgram } from './helpers/programs.js';
import { clientLibraries, countDelivery, type TestClient } from './helpers/redis-clients.js';
import { RedisServer } from './helpers/redis-server.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');

class RecordingDelivery implements LocalDelivery {
  readonly received: string[] = [];
  broadcastLocal(data: Buffer | string): number {
    this.received.push(data.toString());
    return 1;
  }
  publishLocal(topic: string, data: Buffer | string): number {
    this.received.push(`${topic}:${data.toString()}`);
    return 1;
  }
}

interface Node {
  adapter: RedisStreamsAdapter;
  local: RecordingDelivery;
  errors: string[];
  events: string[];
  client: TestClient;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(redisProgram === undefined).each(['redis', 'ioredis'] as const)('RedisStreamsAdapter with %s clients', (library) => {
  let redis: RedisServer;
  let nodes: Node[] = [];
  let streamCounter = 0;

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  afterEach(async () => {
    redis.resume();
    for (const node of nodes) {
      await node.adapter.close();
      await node.client.quit();
    }
    nodes = [];
  });

  async function startNodes(count: number, options: Partial<RedisStreamsAdapterOptions> = {}): Promise<Node[]> {
    const channel = `streams-${library}-${++streamCounter}`;
    const started: Node[] = [];
    for (let i = 0; i < count; i++) {
      const client = await clientLibraries[library](redis.port);
      const adapter = new RedisStreamsAdapter({
        client: client.client,
        channel,
        block: 500,
        healthCheck: { interval: 100, timeout: 400 },
        ...options,
      });
      const node: Node = { adapter, local: new RecordingDelivery(), errors: [], events: [], client };
      adapter.on('error', (error: RedisAdapterError) => node.errors.push(error.code));
      adapter.on('degraded', () => node.events.push('degraded'));
      adapter.on('recovered', () => node.events.push('recovered'));
      adapter.attach(node.local);
      await adapter.ready;
      started.push(node);
      nodes.push(node);
    }
    return started;
  }

  /** Forwards `count` broadcasts named `${prefix}${i}` from `node`, one every `everyMs`. */
  async function sendSeries(node: Node, prefix: string, count: number, everyMs: number): Promise<string[]> {
    const sent: string[] = [];
    for (let i = 0; i < count; i++) {
      const data = `${prefix}${i}`;
      node.adapter.forward({ kind: 'broadcast', data, binary: false });
      sent.push(data);
      if (everyMs > 0) await sleep(everyMs);
    }
    return sent;
  }

  it('every node gets every other node\'s messages once, in each publisher\'s order, never its own', async () => {
    const [a, b, c] = await startNodes(3);
    const fromA = await sendSeries(a!, 'a', 100, 0);
    const fromB = await sendSeries(b!, 'b', 100, 0);
    b!.adapter.forward({ kind: 'publish', topic: 'room', data: Buffer.from('bin'), binary: true });
    await waitFor('201 messages on c', () => c!.local.received.length >= 201);
    await sleep(100);
    expect(countDelivery(fromA, c!.local.received)).toEqual({ delivered: 100, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(countDelivery(fromB, c!.local.received)).toEqual({ delivered: 100, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(c!.local.received).toContain('room:bin');
    expect(a!.local.received.filter((m) => m.startsWith('a'))).toEqual([]);
    expect(b!.local.received.filter((m) => m.startsWith('b'))).toEqual([]);
    expect(a!.adapter.stats.written).toBeGreaterThanOrEqual(100);
  });

  it('an entry written twice (a retried XADD) is delivered once', async () => {
    const [a, b] = await startNodes(2);
    a!.adapter.forward({ kind: 'broadcast', data: 'once', binary: false });
    await waitFor('"once" on b', () => b!.local.received.length === 1);
    // Copy the entry as a retry would write it: same publisher id, same envelope.
    const raw = wrapCommandClient(nodes[0]!.client.client);
    const entries = (await raw.command(['XRANGE', a!.adapter.channel, '-', '+'])) as Array<[Buffer, Buffer[]]>;
    await raw.command(['XADD', a!.adapter.channel, '*', ...entries[0]![1]]);
    a!.adapter.forward({ kind: 'broadcast', data: 'next', binary: false });
    await waitFor('"next" on b', () => b!.local.received.includes('next'));
    expect(b!.local.received).toEqual(['once', 'next']);
    expect(b!.adapter.stats.duplicates).toBe(1);
  });

  it('Redis killed and restarted: messages wait in the outbox and arrive once, in order', async () => {
    const [a, b] = await startNodes(2);
    const sending = sendSeries(a!, 'k', 120, 20);
    await sleep(600);
    await redis.stop();
    await sleep(1200);
    await redis.start();
    const sent = await sending;
    await waitFor('all 120 on b', () => countDelivery(sent, b!.local.received).delivered === 120, 10_000);
    await sleep(200);
    expect(countDelivery(sent, b!.local.received)).toEqual({ delivered: 120, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(a!.errors).toContain('ERR_REDIS_UNAVAILABLE');
    expect(a!.adapter.stats.outbox).toBe(0);
  });

  it('Redis hung (SIGSTOP/SIGCONT): degraded once, recovered once, nothing lost or repeated', async () => {
    const [a, b] = await startNodes(2);
    const sending = sendSeries(a!, 'h', 100, 20);
    await sleep(500);
    redis.pause();
    await sleep(1500);
    redis.resume();
    const sent = await sending;
    await waitFor('all 100 on b', () => countDelivery(sent, b!.local.received).delivered === 100, 10_000);
    await sleep(200);
    expect(countDelivery(sent, b!.local.received)).toEqual({ delivered: 100, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(a!.events).toEqual(['degraded', 'recovered']);
    expect(a!.errors.filter((code) => code === 'ERR_REDIS_UNRESPONSIVE')).toHaveLength(1);
  });

  it('a full outbox drops by policy (drop-oldest), reports once, and writes the rest in order', async () => {
    const [a, b] = await startNodes(2, { maxOutbox: 5 });
    const dropped: string[] = [];
    a!.adapter.on('drop', (id) => dropped.push(id));
    redis.pause();
    await waitFor('a degraded', () => a!.events.includes('degraded'));
    const sent = await sendSeries(a!, 'o', 8, 0);
    redis.resume();
    await waitFor('5 messages on b', () => b!.local.received.length === 5, 10_000);
    await sleep(200);
    expect(b!.local.received).toEqual(sent.slice(3));
    expect(dropped).toHaveLength(3);
    expect(a!.adapter.stats.dropped).toBe(3);
    expect(a!.errors.filter((code) => code === 'ERR_OUTBOX_FULL')).toHaveLength(1);
  });

  it('a new node reads from `from` (a saved position), or from the end of the stream by default', async () => {
    const [a] = await startNodes(1);
    const sent = await sendSeries(a!, 'f', 3, 0);
    await waitFor('written', () => a!.adapter.stats.written === 3);
    const [fromStart] = await startNodes(1, { channel: a!.adapter.channel, from: '0-0' });
    const [fromEnd] = await startNodes(1, { channel: a!.adapter.channel });
    await waitFor('3 on the node reading from 0-0', () => fromStart!.local.received.length === 3);
    expect(fromStart!.local.received).toEqual(sent);
    a!.adapter.forward({ kind: 'broadcast', data: 'later', binary: false });
    await waitFor('"later" on both', () => fromEnd!.local.received.includes('later') && fromStart!.local.received.includes('later'));
    expect(fromEnd!.local.received).toEqual(['later']);
    expect(fromEnd!.adapter.position()).toBe(fromStart!.adapter.position());
  });

  it('the stream stays bounded: MAXLEN ~ on every XADD, MINID ~ for age', async () => {
    const [a] = await startNodes(1, { maxLen: 100, maxAge: 300 });
    const raw = wrapCommandClient(nodes[0]!.client.client);
    await sendSeries(a!, 'x', 2000, 0);
    await waitFor('written', () => a!.adapter.stats.written === 2000, 10_000);
    const length = Number(await raw.command(['XLEN', a!.adapter.channel]));
    // Approximate trimming removes whole macro nodes (100 entries by default), never below maxLen.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(400);
    await waitFor('entries older than maxAge trimmed', async () => Number(await raw.command(['XLEN', a!.adapter.channel])) < 100, 5000);
  });

  it('sessions: saved state is taken once, by one node', async () => {
    const [a, b] = await startNodes(2);
    await a!.adapter.saveSession('s1', Buffer.from('state'), 5000);
    const [first, second] = await Promise.all([b!.adapter.takeSession('s1'), a!.adapter.takeSession('s1')]);
    expect([first?.toString(), second?.toString()].sort()).toEqual(['state', undefined].sort());
    expect(await a!.adapter.readSince(a!.adapter.position())).toEqual([]);
  });
});
