// The Redis adapter against a real redis-server, with both client libraries users have (`redis`
// and `ioredis`), three adapters standing for three nodes, and a recording LocalDelivery standing
// for each node's WebSocketServer.
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDelivery } from '../../src/extras/adapters/adapter.js';
import { type RedisAdapterError, RedisAdapter, type RedisClient } from '../../src/extras/adapters/redis.js';
import { requireProgram } from './helpers/programs.js';
import { waitFor } from './helpers/ports.js';
import { RedisServer } from './helpers/redis-server.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');

interface Delivery {
  kind: 'broadcast' | 'publish';
  topic?: string;
  data: string;
  binary: boolean;
}

class RecordingDelivery implements LocalDelivery {
  readonly received: Delivery[] = [];
  broadcastLocal(data: Buffer | string, options: { binary: boolean }): number {
    this.received.push({ kind: 'broadcast', data: data.toString(), binary: options.binary });
    return 1;
  }
  publishLocal(topic: string, data: Buffer | string, options: { binary: boolean }): number {
    this.received.push({ kind: 'publish', topic, data: data.toString(), binary: options.binary });
    return 1;
  }
}

interface ClientPair {
  publisher: RedisClient;
  subscriber: RedisClient;
  quit(): Promise<void>;
}

// Reconnect quickly so the outage tests run in well under a second of backoff.
const clientLibraries: Record<string, (url: string, port: number) => Promise<ClientPair>> = {
  async redis(url) {
    const publisher = createClient({ url, socket: { reconnectStrategy: () => 50 } });
    publisher.on('error', () => {});
    const subscriber = publisher.duplicate();
    subscriber.on('error', () => {});
    await Promise.all([publisher.connect(), subscriber.connect()]);
    return { publisher, subscriber, quit: async () => void (await Promise.all([publisher.destroy(), subscriber.destroy()])) };
  },
  ioredis: (_url, port) => ioredisPair(port, true),
  // The adapter must subscribe again by itself when the library does not.
  'ioredis (autoResubscribe: false)': (_url, port) => ioredisPair(port, false),
};

async function ioredisPair(port: number, autoResubscribe: boolean): Promise<ClientPair> {
    const options = { host: '127.0.0.1', port, retryStrategy: () => 50, maxRetriesPerRequest: 1, autoResubscribe };
    const publisher = new IoRedis(options);
    publisher.on('error', () => {});
    const subscriber = new IoRedis(options);
    subscriber.on('error', () => {});
    await Promise.all([waitForIoRedis(publisher), waitForIoRedis(subscriber)]);
    return { publisher, subscriber, quit: async () => void (publisher.disconnect(), subscriber.disconnect()) };
}

function waitForIoRedis(client: IoRedis): Promise<void> {
  return client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', () => resolve()));
}

interface Node {
  adapter: RedisAdapter;
  local: RecordingDelivery;
  errors: RedisAdapterError[];
  clients: ClientPair;
}

describe.skipIf(redisProgram === undefined).each(Object.keys(clientLibraries))('RedisAdapter with %s clients', (library) => {
  let redis: RedisServer;
  let nodes: Node[] = [];
  let channelCounter = 0;

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  afterEach(async () => {
    for (const node of nodes) {
      await node.adapter.close();
      await node.clients.quit();
    }
    nodes = [];
  });

  /** Three nodes on a channel of their own, each subscribed. */
  async function startNodes(count = 3): Promise<Node[]> {
    const channel = `test-${library}-${++channelCounter}`;
    for (let i = 0; i < count; i++) {
      const clients = await clientLibraries[library]!(redis.url, redis.port);
      const adapter = new RedisAdapter({ publisher: clients.publisher, subscriber: clients.subscriber, channel });
      const node: Node = { adapter, local: new RecordingDelivery(), errors: [], clients };
      adapter.on('error', (error) => node.errors.push(error));
      adapter.attach(node.local);
      await adapter.ready;
      nodes.push(node);
    }
    return nodes;
  }

  const settle = (ms = 150): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  describe('a message forwarded by one node reaches every other node exactly once, and not its sender', () => {
    it('publish: topic, payload and binary flag arrive unchanged', async () => {
      const [a, b, c] = await startNodes();
      a!.adapter.forward({ kind: 'publish', topic: 'room:1', data: 'héllo', binary: false });
      a!.adapter.forward({ kind: 'publish', topic: 'room:2', data: Buffer.from([1, 2, 3]), binary: true });
      await waitFor('both messages on b and c', () => b!.local.received.length >= 2 && c!.local.received.length >= 2);
      await settle();
      const expected: Delivery[] = [
        { kind: 'publish', topic: 'room:1', data: 'héllo', binary: false },
        { kind: 'publish', topic: 'room:2', data: '\u0001\u0002\u0003', binary: true },
      ];
      expect(b!.local.received).toEqual(expected);
      expect(c!.local.received).toEqual(expected);
      expect(a!.local.received).toEqual([]);
      expect(a!.adapter.stats.forwarded).toBe(2);
      expect(b!.adapter.stats.received).toBe(2);
    });

    it('broadcast: many messages from two senders, each once, in each sender\'s order', async () => {
      const [a, b, c] = await startNodes();
      for (let i = 0; i < 50; i++) {
        a!.adapter.forward({ kind: 'broadcast', data: `a${i}`, binary: false });
        b!.adapter.forward({ kind: 'broadcast', data: `b${i}`, binary: false });
      }
      await waitFor('100 messages on c', () => c!.local.received.length >= 100);
      await settle();
      const sequence = (node: Node, prefix: string): string[] =>
        node.local.received.map((d) => d.data).filter((d) => d.startsWith(prefix));
      const expectedFrom = (prefix: string): string[] => Array.from({ length: 50 }, (_, i) => `${prefix}${i}`);
      expect(sequence(c!, 'a')).toEqual(expectedFrom('a'));
      expect(sequence(c!, 'b')).toEqual(expectedFrom('b'));
      expect(a!.local.received.map((d) => d.data)).toEqual(expectedFrom('b'));
      expect(b!.local.received.map((d) => d.data)).toEqual(expectedFrom('a'));
    });
  });

  describe('Redis stopped and restarted: local delivery is never blocked, errors are reported, delivery resumes', () => {
    it('drops forwards while down with one ERR_REDIS_UNAVAILABLE, then delivers again once Redis is back', async () => {
      const [a, b] = await startNodes(2);
      a!.adapter.forward({ kind: 'broadcast', data: 'before', binary: false });
      await waitFor('"before" on b', () => b!.local.received.length === 1);

      await redis.stop();
      await waitFor('a\'s publisher to notice', () => !isReady(a!.clients.publisher));
      for (let i = 0; i < 5; i++) {
        // Would throw into the caller's broadcast() if the adapter let an error escape.
        expect(() => a!.adapter.forward({ kind: 'broadcast', data: `during${i}`, binary: false })).not.toThrow();
      }
      expect(a!.errors.map((e) => e.code)).toEqual(['ERR_REDIS_UNAVAILABLE']);
      expect(a!.adapter.stats.droppedWhileUnavailable).toBe(5);

      const resubscribed = new Promise<void>((resolve) => b!.adapter.once('subscribed', () => resolve()));
      await redis.start();
      await resubscribed;
      await waitFor('a\'s publisher to reconnect', () => isReady(a!.clients.publisher));
      // The SUBSCRIBE may still be in flight on the server when 'subscribed' fires; repeat the
      // first message after the outage until it lands, then count exactly.
      await waitFor(
        'first delivery after the restart',
        () => {
          if (b!.local.received.length === 1) a!.adapter.forward({ kind: 'broadcast', data: 'probe', binary: false });
          return b!.local.received.length > 1;
        },
        10_000,
      );
      await settle();
      const before = b!.local.received.length;
      a!.adapter.forward({ kind: 'broadcast', data: 'after', binary: false });
      await waitFor('"after" on b', () => b!.local.received.length === before + 1);
      await settle();
      expect(b!.local.received.map((d) => d.data).filter((d) => d !== 'probe')).toEqual(['before', 'after']);
      expect(a!.local.received).toEqual([]);

      // A second outage is reported again.
      await redis.stop();
      await waitFor('a\'s publisher to notice', () => !isReady(a!.clients.publisher));
      a!.adapter.forward({ kind: 'broadcast', data: 'lost', binary: false });
      expect(a!.errors.map((e) => e.code)).toEqual(['ERR_REDIS_UNAVAILABLE', 'ERR_REDIS_UNAVAILABLE']);
      await redis.start();
      await waitFor('a\'s publisher to reconnect', () => isReady(a!.clients.publisher));
    });
  });

  describe('reporting: nothing the adapter meets is thrown at the caller', () => {
    it('a foreign message on the channel is reported as ERR_MALFORMED_ENVELOPE and delivers nothing', async () => {
      const [a] = await startNodes(1);
      const outsider = await clientLibraries[library]!(redis.url, redis.port);
      try {
        await outsider.publisher.publish(a!.adapter.channel, Buffer.from('{"not":"ours"}'));
        await waitFor('the malformed report', () => a!.errors.length === 1);
        expect(a!.errors[0]!.code).toBe('ERR_MALFORMED_ENVELOPE');
        expect(a!.local.received).toEqual([]);
      } finally {
        await outsider.quit();
      }
    });

    it('without an error listener, a problem becomes a process warning instead of an exception', async () => {
      const [a] = await startNodes(1);
      a!.adapter.removeAllListeners('error');
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning);
      process.on('warning', onWarning);
      try {
        a!.adapter.forward({ kind: 'publish', topic: 'x'.repeat(70_000), data: 'x', binary: false });
        await waitFor('the warning', () => warnings.length === 1);
        expect((warnings[0] as RedisAdapterError).code).toBe('ERR_UNFORWARDABLE');
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('refuses one client for both roles', async () => {
      const clients = await clientLibraries[library]!(redis.url, redis.port);
      try {
        expect(() => new RedisAdapter({ publisher: clients.publisher, subscriber: clients.publisher })).toThrow(TypeError);
      } finally {
        await clients.quit();
      }
    });
  });

  describe('close: the adapter stops delivering and forwarding, and leaves the clients to their owner', () => {
    it('a closed node receives nothing more and its clients still work', async () => {
      const [a, b] = await startNodes(2);
      await b!.adapter.close();
      a!.adapter.forward({ kind: 'broadcast', data: 'after close', binary: false });
      b!.adapter.forward({ kind: 'broadcast', data: 'from closed', binary: false });
      await settle(300);
      expect(b!.local.received).toEqual([]);
      expect(a!.local.received).toEqual([]);
      expect(isReady(b!.clients.publisher)).toBe(true);
      await b!.clients.publisher.publish('unrelated', Buffer.from('still usable'));
    });
  });
});

function isReady(client: RedisClient): boolean {
  return 'status' in client ? client.status === 'ready' : client.isReady;
}
