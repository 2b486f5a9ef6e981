// Two ws6455 server processes joined by the Redis adapter on a real redis-server: a publish or
// broadcast on one reaches the clients of both, exactly once; Redis killed and restarted mid-run
// loses no local delivery and cross-node delivery resumes.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { freePort, waitFor } from './helpers/ports.js';
import { requireProgram } from './helpers/programs.js';
import { RedisServer } from './helpers/redis-server.js';
import { ServerProcess } from './helpers/server-process.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');
const nodeScript = fileURLToPath(new URL('./fixtures/topic-node.mjs', import.meta.url));

/** A client that records data messages (not the node's "ok:" acknowledgements). */
class RecordingClient {
  readonly received: string[] = [];
  #acks = 0;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('ok:')) this.#acks += 1;
      else this.received.push(text);
    });
  }

  static async connect(port: number): Promise<RecordingClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RecordingClient(ws);
  }

  /** Sends a command and waits until the node acknowledged it (so it took effect). */
  async command(text: string): Promise<void> {
    const target = this.#acks + 1;
    this.ws.send(text);
    await waitFor(`ack of ${text}`, () => this.#acks >= target);
  }
}

const settle = (ms = 200): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(redisProgram === undefined)('two server processes joined by the Redis adapter', () => {
  let redis: RedisServer;
  const nodes: ServerProcess[] = [];
  const clients: RecordingClient[] = [];
  let a1: RecordingClient, a2: RecordingClient, b1: RecordingClient, b2: RecordingClient;

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      const node = new ServerProcess(nodeScript, [String(port), redis.url, 'multi-node-test']);
      nodes.push(node);
    }
    await Promise.all(nodes.map((node) => node.start()));
    // a1, a2 on node A; b1, b2 on node B. a1 and b1 subscribe to "room".
    [a1, a2, b1, b2] = await Promise.all([ports[0]!, ports[0]!, ports[1]!, ports[1]!].map((port) => RecordingClient.connect(port)));
    clients.push(a1!, a2!, b1!, b2!);
    await a1!.command('sub:room');
    await b1!.command('sub:room');
  });

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    for (const node of nodes) await node.kill();
    await redis?.dispose();
  });

  function clearReceived(): void {
    for (const client of clients) client.received.length = 0;
  }

  describe('publish on one node reaches the subscribers on all nodes, exactly once', () => {
    it('a2 publishes on A: a1 (local) and b1 (remote) get it once; non-subscribers nothing', async () => {
      clearReceived();
      await a2.command('pub:room:hello');
      await waitFor('b1 receives', () => b1.received.length >= 1);
      await settle();
      expect(a1.received).toEqual(['hello']);
      expect(b1.received).toEqual(['hello']);
      expect(a2.received).toEqual([]);
      expect(b2.received).toEqual([]);
    });

    it('100 publishes from both nodes: each subscriber gets every message once, in each publisher\'s order', async () => {
      clearReceived();
      for (let i = 0; i < 50; i++) {
        a2.ws.send(`pub:room:a${i}`);
        b2.ws.send(`pub:room:b${i}`);
      }
      await waitFor('100 on a1 and b1', () => a1.received.length >= 100 && b1.received.length >= 100);
      await settle();
      for (const subscriber of [a1, b1]) {
        expect(subscriber.received).toHaveLength(100);
        expect(subscriber.received.filter((m) => m.startsWith('a'))).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
        expect(subscriber.received.filter((m) => m.startsWith('b'))).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
      }
    });

    it('broadcast on B reaches every client of both nodes once', async () => {
      clearReceived();
      await b2.command('all:everyone');
      await waitFor('a1 and a2 receive', () => a1.received.length >= 1 && a2.received.length >= 1);
      await settle();
      for (const client of clients) expect(client.received).toEqual(['everyone']);
    });
  });

  describe('Redis killed and restarted mid-run', () => {
    it('local delivery goes on during the outage, the outage is reported, cross-node delivery resumes', async () => {
      clearReceived();
      await redis.stop();
      await waitFor('node A to notice', () => nodes[0]!.values('publisherLost').length > 0);
      await a2.command('pub:room:during');
      await a2.command('all:during-all');
      await settle(300);
      // Local clients of A still get both; B gets nothing (dropped, not queued: see redis.ts).
      expect(a1.received).toEqual(['during', 'during-all']);
      expect(a2.received).toEqual(['during-all']);
      expect(b1.received).toEqual([]);
      expect(b2.received).toEqual([]);
      expect(nodes[0]!.values('adapterError')).toContain('ERR_REDIS_UNAVAILABLE');

      await redis.start();
      // Repeat a probe until it crosses (both nodes' clients reconnect and resubscribe on their own time).
      await waitFor(
        'cross-node delivery to resume',
        () => {
          if (b1.received.length === 0) a2.ws.send('pub:room:probe');
          return b1.received.length > 0;
        },
        15_000,
      );
      await settle();
      clearReceived();
      await a2.command('pub:room:after');
      await waitFor('b1 receives "after"', () => b1.received.length >= 1);
      await settle();
      expect(a1.received).toEqual(['after']);
      expect(b1.received).toEqual(['after']);
      await b2.command('all:after-all');
      await waitFor('a2 receives "after-all"', () => a2.received.length >= 1);
      await settle();
      expect(a2.received).toEqual(['after-all']);
      expect(b2.received).toEqual(['after-all']);
    });
  });
});
