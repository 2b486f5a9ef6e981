// Connected clients of both libraries users have, reconnecting quickly so outage tests stay short.
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';
import type { RedisCommandClient } from '../../../src/extras/adapters/redis-commands.js';

export interface TestClient {
  client: RedisCommandClient;
  quit(): Promise<void>;
}

export const clientLibraries: Record<'redis' | 'ioredis', (port: number) => Promise<TestClient>> = {
  async redis(port) {
    const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 50 } });
    client.on('error', () => {});
    await client.connect();
    return { client: client as unknown as RedisCommandClient, quit: async () => void client.destroy() };
  },
  async ioredis(port) {
    const client = new IoRedis({ host: '127.0.0.1', port, retryStrategy: () => 50, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    if (client.status !== 'ready') await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    return { client: client as unknown as RedisCommandClient, quit: async () => void client.disconnect() };
  },
};

/** Per receiver: how many expected messages arrived, were lost, duplicated or out of order. */
export interface DeliveryCount {
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

/** Counts `received` against `expected` (both in send order). */
export function countDelivery(expected: readonly string[], received: readonly string[]): DeliveryCount {
  const wanted = new Set(expected);
  const seen = new Set<string>();
  const rank = new Map(expected.map((value, index) => [value, index]));
  let duplicated = 0;
  let outOfOrder = 0;
  let last = -1;
  for (const value of received) {
    if (!wanted.has(value)) continue;
    if (seen.has(value)) {
      duplicated += 1;
      continue;
    }
    seen.add(value);
    const position = rank.get(value)!;
    if (position < last) outOfOrder += 1;
    last = Math.max(last, position);
  }
  return { delivered: seen.size, lost: expected.length - seen.size, duplicated, outOfOrder };
}
