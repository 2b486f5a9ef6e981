// Raw Redis commands with binary replies, over whichever client library the user already has.
// The Streams adapter needs commands that neither library wraps the same way (XADD with MAXLEN,
// XREAD BLOCK, XRANGE with exclusive bounds, GETDEL), so it sends them as argument lists:
//
//   redis (node-redis) v5   client.sendCommand(args, { typeMapping: { [BLOB_STRING]: Buffer } })
//   redis (node-redis) v4   client.sendCommand(args, { returnBuffers: true })
//   ioredis                 client.callBuffer(name, ...args)
//
// Both option names are passed to node-redis: each version ignores the one it does not know.
// Typed structurally, so ws6455 imports neither package.

import type { RedisEventSource } from './redis-clients.js';

/** RESP type code of a bulk string, the key node-redis v5 maps reply types by. */
const RESP_BLOB_STRING = 36;

/** A node-redis (v4/v5) client as the Streams adapter uses it. */
export interface NodeRedisCommandClient extends RedisEventSource {
  readonly isReady: boolean;
  sendCommand(args: Array<string | Buffer>, options?: object): Promise<unknown>;
  duplicate(): NodeRedisCommandClient & { connect(): Promise<unknown> };
  destroy?(): unknown;
  disconnect?(): unknown;
}

/** An ioredis client as the Streams adapter uses it. */
export interface IoRedisCommandClient extends RedisEventSource {
  readonly status: string;
  callBuffer(command: string, ...args: Array<string | Buffer | number>): Promise<unknown>;
  duplicate(): IoRedisCommandClient;
  disconnect(): unknown;
}

export type RedisCommandClient = NodeRedisCommandClient | IoRedisCommandClient;

/** One Redis connection that runs commands and answers with Buffers for strings. */
export interface CommandConnection {
  isReady(): boolean;
  command(args: Array<string | Buffer>): Promise<unknown>;
  /** A new connection of the same library and settings, for commands that block (XREAD BLOCK). */
  duplicate(): Promise<CommandConnection>;
  /** Closes a connection this adapter made (never the user's). */
  destroy(): void;
  watch(event: 'ready' | 'error', listener: (arg?: unknown) => void): () => void;
}

function isIoRedis(client: RedisCommandClient): client is IoRedisCommandClient {
  return typeof (client as Partial<IoRedisCommandClient>).status === 'string';
}

function watchEvent(client: RedisEventSource, event: string, listener: (arg?: unknown) => void): () => void {
  client.on(event, listener);
  return () => void client.removeListener(event, listener);
}

export function wrapCommandClient(client: RedisCommandClient): CommandConnection {
  return isIoRedis(client) ? wrapIoRedis(client) : wrapNodeRedis(client);
}

const nodeRedisBufferReplies = { typeMapping: { [RESP_BLOB_STRING]: Buffer }, returnBuffers: true };

function wrapNodeRedis(client: NodeRedisCommandClient): CommandConnection {
  return {
    isReady: () => client.isReady,
    // Promise.resolve().then: node-redis throws synchronously when the client is closed.
    command: (args) => Promise.resolve().then(() => client.sendCommand(args, nodeRedisBufferReplies)),
    async duplicate() {
      const copy = client.duplicate();
      // A client of ours: its errors are reported through the adapter, never thrown.
      copy.on('error', () => {});
      await copy.connect();
      return wrapNodeRedis(copy);
    },
    destroy() {
      if (typeof client.destroy === 'function') client.destroy();
      else client.disconnect?.();
    },
    watch: (event, listener) => watchEvent(client, event, listener),
  };
}

function wrapIoRedis(client: IoRedisCommandClient): CommandConnection {
  return {
    isReady: () => client.status === 'ready',
    command: (args) => Promise.resolve().then(() => client.callBuffer(String(args[0]), ...args.slice(1))),
    async duplicate() {
      const copy = client.duplicate();
      copy.on('error', () => {});
      if (copy.status !== 'ready') {
        await new Promise<void>((resolve) => {
          const onReady = (): void => {
            copy.removeListener('ready', onReady);
            resolve();
          };
          copy.on('ready', onReady);
        });
      }
      return wrapIoRedis(copy);
    },
    destroy: () => void client.disconnect(),
    watch: (event, listener) => watchEvent(client, event, listener),
  };
}

/** A reply field as text (Redis ids, counts), whichever form the library returned. */
export function replyText(value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
}
