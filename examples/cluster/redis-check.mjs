// Connect to Redis once, or explain why not and exit: an example that waits silently for a
// Redis that is not there looks like a hang.
import { createClient } from 'redis';

/** @returns {Promise<import('redis').RedisClientType>} a connected client that reconnects after later outages */
export async function connectOrExit(url, who) {
  const probe = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    probe.destroy();
  } catch (error) {
    console.error(`${who}: cannot reach Redis at ${url} (${error.message || error.code || error}).`);
    console.error('Start one (e.g. `redis-server --save "" --appendonly no`) or set REDIS_URL, then run this again.');
    process.exit(1);
  }
  // From now on Redis may come and go: the client reconnects and the adapter keeps messages meanwhile.
  const client = createClient({ url, socket: { reconnectStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000) } });
  client.on('error', () => {});
  await client.connect();
  return client;
}
