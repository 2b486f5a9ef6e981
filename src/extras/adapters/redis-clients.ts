// The two Redis client libraries users already have, reduced to the four things the adapter needs:
// publish bytes, subscribe with a bytes listener, unsubscribe, and "is it connected now?".
// Typed structurally so neither package is imported (ws6455 has no runtime dependencies).
//
//   redis (node-redis v4/v5)  publish(channel, msg) → Promise; subscribe(channel, listener, true)
//                             where `true` asks for Buffers; `isReady`; re-subscribes on reconnect.
//   ioredis                   publish(channel, msg) → Promise; subscribe(channel) → Promise and
//                             a client-wide 'messageBuffer' (channel, message) event; `status`.

// `any[]` because that is how both libraries declare their listeners; a narrower type here would
// make their clients unassignable to these interfaces.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void;

/** The part of an event emitter the adapter uses; both libraries' clients are EventEmitters. */
export interface RedisEventSource {
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
}

/** A node-redis (`redis` package, v4 or v5) client, made with `createClient()` and connected. */
export interface NodeRedisClient extends RedisEventSource {
  readonly isReady: boolean;
  ping(): Promise<unknown>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: Buffer, channel: Buffer) => unknown, bufferMode: true): Promise<unknown>;
}

/** An `ioredis` client (`new Redis(...)`). */
export interface IoRedisClient extends RedisEventSource {
  readonly status: string;
  ping(): Promise<unknown>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
}

export type RedisClient = NodeRedisClient | IoRedisClient;

/** What the adapter talks to, whichever library is underneath. */
export interface PubSubConnection {
  /** False while the client is known to be disconnected; a publish would only queue or fail. */
  isReady(): boolean;
  /** PING, for the health check; rejects rather than throws. */
  ping(): Promise<unknown>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, onMessage: (message: Buffer) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Client events worth watching: 'ready' (connected again), 'error'. Returns an undo function. */
  watch(event: 'ready' | 'error', listener: (arg?: unknown) => void): () => void;
}

function isIoRedis(client: RedisClient): client is IoRedisClient {
  return typeof (client as Partial<IoRedisClient>).status === 'string';
}

function watchEvent(client: RedisEventSource, event: string, listener: (arg?: unknown) => void): () => void {
  client.on(event, listener as Listener);
  return () => void client.removeListener(event, listener as Listener);
}

export function wrapRedisClient(client: RedisClient): PubSubConnection {
  return isIoRedis(client) ? wrapIoRedis(client) : wrapNodeRedis(client);
}

function wrapNodeRedis(client: NodeRedisClient): PubSubConnection {
  // One listener per connection, reused on re-subscription: node-redis keeps listeners in a Set,
  // so subscribing the same function again adds no second delivery.
  let bufferListener: ((message: Buffer) => void) | undefined;
  return {
    isReady: () => client.isReady,
    ping: () => Promise.resolve().then(() => client.ping()),
    publish: (channel, message) => client.publish(channel, message),
    subscribe(channel, onMessage) {
      bufferListener ??= (message: Buffer) => onMessage(message);
      return client.subscribe(channel, bufferListener, true);
    },
    unsubscribe: (channel) =>
      bufferListener === undefined ? Promise.resolve() : client.unsubscribe(channel, bufferListener, true),
    watch: (event, listener) => watchEvent(client, event, listener),
  };
}

function wrapIoRedis(client: IoRedisClient): PubSubConnection {
  let detachMessages: (() => void) | undefined;
  return {
    isReady: () => client.status === 'ready',
    ping: () => Promise.resolve().then(() => client.ping()),
    publish: (channel, message) => client.publish(channel, message),
    subscribe(channel, onMessage) {
      // ioredis reports messages of every channel on one event, so filter by name; the
      // channel arrives as a Buffer on 'messageBuffer'.
      detachMessages ??= watchEvent(client, 'messageBuffer', (...args: unknown[]) => {
        const [from, message] = args as [Buffer, Buffer];
        if (from.toString() === channel) onMessage(message);
      });
      return client.subscribe(channel);
    },
    unsubscribe(channel) {
      detachMessages?.();
      detachMessages = undefined;
      return client.unsubscribe(channel);
    },
    watch: (event, listener) => watchEvent(client, event, listener),
  };
}
