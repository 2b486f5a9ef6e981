// Scale-out over Redis pub/sub: every node publishes its local broadcasts/publishes on one channel
// and delivers what the other nodes published. The user passes Redis clients they already have
// (`redis` or `ioredis`), so ws6455 itself depends on neither.
//
// Delivery guarantees, and why:
// - Exactly once per node: each adapter holds one subscription to the channel, and drops messages
//   carrying its own node id, which Redis echoes back to the publisher's subscription too.
// - Local delivery never waits for Redis: the server delivers locally first and then calls
//   forward(), which only starts a PUBLISH. While the publisher is disconnected, forwarded messages
//   are dropped, not queued: real-time messages are stale after an outage, and a queue of unknown
//   length is a memory leak. Each outage is reported once on 'error'.
// - After an outage the clients reconnect by themselves (both libraries do); on the subscriber's
//   'ready' the adapter subscribes again, which is a no-op if the library already did.
// - A Redis that hangs keeps its connections open, so neither library notices: a PING with a
//   deadline (health-check.ts) does, and the adapter reports 'degraded' once per outage and
//   'recovered' once when Redis answers again. While degraded, messages stay local (dropped).

import { EventEmitter } from 'node:events';
import { deliverLocally, type ForwardedMessage, type LocalDelivery, type ScaleOutAdapter } from './adapter.js';
import { createNodeId, decodeEnvelope, encodeEnvelope } from './envelope.js';
import { HealthCheck, type HealthCheckOptions } from './health-check.js';
import { type PubSubConnection, type RedisClient, wrapRedisClient } from './redis-clients.js';

export type { IoRedisClient, NodeRedisClient, RedisClient } from './redis-clients.js';

export interface RedisAdapterOptions {
  /**
   * Client that sends PUBLISH: a connected `redis` client (`await createClient().connect()`) or an
   * `ioredis` client. It may be shared with the rest of the application.
   */
  publisher: RedisClient;
  /**
   * A second client of the same library, used only for SUBSCRIBE: a Redis connection in subscriber
   * mode can run no other command (e.g. `publisher.duplicate()`). Must not be the publisher.
   */
  subscriber: RedisClient;
  /** Redis channel shared by every node of one deployment. Default: 'ws6455'. */
  channel?: string;
  /** PING the publisher with a deadline, to notice a Redis that hangs. Default { interval: 1000, timeout: 2000 }; false disables it. */
  healthCheck?: HealthCheckOptions | false;
}

export type RedisAdapterErrorCode =
  /** The publisher is disconnected; messages are not forwarded until it is back (reported once per outage). */
  | 'ERR_REDIS_UNAVAILABLE'
  /** A PUBLISH failed. */
  | 'ERR_REDIS_PUBLISH'
  /** SUBSCRIBE failed, initially or after a reconnection. */
  | 'ERR_REDIS_SUBSCRIBE'
  /** A message on the channel was not in this adapter's format (another program on the channel?). */
  | 'ERR_MALFORMED_ENVELOPE'
  /** The message could not be forwarded as given (e.g. a topic over 65535 bytes). */
  | 'ERR_UNFORWARDABLE'
  /** The server threw while delivering a message from another node. */
  | 'ERR_LOCAL_DELIVERY'
  /** Redis did not answer a health-check PING in time: it hangs (reported once per outage; 'degraded' too). */
  | 'ERR_REDIS_UNRESPONSIVE'
  /** Streams adapter: the local outbox is full and messages give way (reported once per outage). */
  | 'ERR_OUTBOX_FULL';

export class RedisAdapterError extends Error {
  override readonly name = 'RedisAdapterError';
  constructor(
    readonly code: RedisAdapterErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A message's envelope, or null after reporting why it cannot travel (both adapters forward this way). */
export function envelopeOrReport(nodeId: Buffer, message: ForwardedMessage, report: (error: RedisAdapterError) => void): Buffer | null {
  try {
    return encodeEnvelope(nodeId, message);
  } catch (error) {
    report(new RedisAdapterError('ERR_UNFORWARDABLE', (error as Error).message, { cause: error }));
    return null;
  }
}

export interface RedisAdapterStats {
  /** Messages handed to the publisher. */
  forwarded: number;
  /** Messages from other nodes delivered locally. */
  received: number;
  /** Messages not forwarded because the publisher was disconnected. */
  droppedWhileUnavailable: number;
}

export interface RedisAdapterEvents {
  /** Reported instead of thrown; without an 'error' listener, reported as a process warning. */
  error: [error: RedisAdapterError];
  /** The subscription is (again) in place: emitted after the first SUBSCRIBE and after each reconnection. */
  subscribed: [];
  /** Redis stopped answering PING within the deadline (once per outage); an ERR_REDIS_UNRESPONSIVE error follows. */
  degraded: [silentMs: number];
  /** Redis answers again after 'degraded' (once). */
  recovered: [];
}

export class RedisAdapter extends EventEmitter<RedisAdapterEvents> implements ScaleOutAdapter {
  /** Random per adapter instance; marks this node's messages so their echoes are ignored. */
  readonly nodeId = createNodeId();
  readonly channel: string;
  /** Resolves once the first SUBSCRIBE succeeded; rejects if it failed (also reported on 'error'). */
  readonly ready: Promise<void>;
  readonly stats: RedisAdapterStats = { forwarded: 0, received: 0, droppedWhileUnavailable: 0 };

  private readonly publisher: PubSubConnection;
  private readonly subscriber: PubSubConnection;
  private readonly unwatch: Array<() => void> = [];
  private readonly health: HealthCheck | undefined;
  private local: LocalDelivery | undefined;
  private outageReported = false;
  private closed = false;

  constructor(options: RedisAdapterOptions) {
    super();
    if (options.publisher === options.subscriber) {
      throw new TypeError('RedisAdapter needs two clients: a subscribed connection cannot PUBLISH');
    }
    this.channel = options.channel ?? 'ws6455';
    this.publisher = wrapRedisClient(options.publisher);
    this.subscriber = wrapRedisClient(options.subscriber);
    this.unwatch.push(
      this.publisher.watch('ready', () => {
        this.outageReported = false;
      }),
      this.subscriber.watch('ready', () => void this.subscribe().catch(() => {})),
    );
    if (options.healthCheck !== false) {
      this.health = new HealthCheck(() => this.publisher.ping(), () => this.publisher.isReady(), (healthy, silentMs) => this.onHealth(healthy, silentMs), options.healthCheck);
      this.health.start();
    }
    this.ready = this.subscribe();
    // Marks the promise handled: a user who never awaits `ready` still hears of failure on 'error'.
    this.ready.catch(() => {});
  }

  attach(local: LocalDelivery): void {
    this.local = local;
  }

  forward(message: ForwardedMessage): void {
    if (this.closed) return;
    if (!this.publisher.isReady() || this.health?.healthy === false) {
      this.dropWhileUnavailable();
      return;
    }
    const envelope = envelopeOrReport(this.nodeId, message, (error) => this.report(error));
    if (envelope === null) return;
    this.stats.forwarded += 1;
    this.publisher.publish(this.channel, envelope).catch((error: unknown) => {
      this.report(new RedisAdapterError('ERR_REDIS_PUBLISH', `PUBLISH to ${this.channel} failed`, { cause: error }));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
    this.health?.stop();
    for (const unwatch of this.unwatch.splice(0)) unwatch();
    if (this.subscriber.isReady()) await this.subscriber.unsubscribe(this.channel).catch(() => {});
  }

  private subscribe(): Promise<void> {
    // Promise.resolve().then turns a synchronous throw (e.g. node-redis's "client is closed") into
    // a rejection, so every failure takes one path.
    return Promise.resolve()
      .then(() => this.subscriber.subscribe(this.channel, (envelope) => this.receive(envelope)))
      .then(
        () => {
          if (!this.closed) this.emit('subscribed');
        },
        (error: unknown) => {
          this.report(new RedisAdapterError('ERR_REDIS_SUBSCRIBE', `SUBSCRIBE to ${this.channel} failed`, { cause: error }));
          throw error;
        },
      );
  }

  private receive(envelope: Buffer): void {
    const local = this.local;
    if (local === undefined) return;
    const decoded = decodeEnvelope(envelope);
    if ('malformed' in decoded) {
      this.report(new RedisAdapterError('ERR_MALFORMED_ENVELOPE', `ignored a message on ${this.channel}: ${decoded.malformed}`));
      return;
    }
    if (decoded.nodeId.equals(this.nodeId)) return;
    const { message } = decoded;
    this.stats.received += 1;
    try {
      deliverLocally(local, message);
    } catch (error) {
      this.report(new RedisAdapterError('ERR_LOCAL_DELIVERY', 'delivering a message from another node failed', { cause: error }));
    }
  }

  private dropWhileUnavailable(): void {
    this.stats.droppedWhileUnavailable += 1;
    if (this.outageReported) return;
    this.outageReported = true;
    this.report(
      new RedisAdapterError('ERR_REDIS_UNAVAILABLE', 'Redis publisher is disconnected; messages stay local until it is back'),
    );
  }

  private onHealth(healthy: boolean, silentMs: number): void {
    if (healthy) {
      this.outageReported = false;
      this.emit('recovered');
      return;
    }
    // The drop report that follows belongs to this outage: say it once, here.
    this.outageReported = true;
    this.emit('degraded', silentMs);
    this.report(new RedisAdapterError('ERR_REDIS_UNRESPONSIVE', `Redis did not answer PING within ${silentMs} ms; messages stay local`));
  }

  private report(error: RedisAdapterError): void {
    // An 'error' without a listener would throw, and forward() runs inside the user's broadcast():
    // a Redis outage must never break local delivery.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error);
  }
}
