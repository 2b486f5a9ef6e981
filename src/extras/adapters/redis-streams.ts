// Scale-out over a Redis Stream: every node appends its local broadcasts/publishes to one stream
// per channel (XADD) and reads what the others appended (XREAD BLOCK on a connection of its own).
// Unlike pub/sub, a message is kept in the stream, so nothing is lost while a node or Redis is away:
//
// - At-least-once across nodes: while Redis is down or hung, forwarded messages wait in a bounded
//   local outbox and are written in order when it answers again; a node that lost its connection
//   reads on from the last stream id it saw, so it gets what was written meanwhile.
// - Exactly once per node: each message carries an id assigned by its publisher (node id and a
//   counter); a node drops ids it has already delivered (a bounded window), which covers an XADD
//   written twice after a lost reply.
// - Order: each publisher's messages are written one batch at a time, in order, and every node
//   reads the stream in order.
// - Bounded: XADD trims the stream to about `maxLen` entries, and a timer trims entries older
//   than `maxAge` (Redis' MINID).
// Local delivery never waits for Redis: the server delivers locally first, then calls forward().

import { EventEmitter } from 'node:events';
import { deliverLocally, type ForwardedMessage, type LocalDelivery, type LoggedMessage, type ResumableAdapter } from './adapter.js';
import { DedupWindow } from './dedup-window.js';
import { createNodeId, decodeEnvelope } from './envelope.js';
import { HealthCheck, type HealthCheckOptions } from './health-check.js';
import { Outbox, OutboxFullError, type OutboxEntry, type OutboxFullPolicy } from './outbox.js';
import { envelopeOrReport, RedisAdapterError } from './redis.js';
import { type CommandConnection, type RedisCommandClient, wrapCommandClient } from './redis-commands.js';
import { parseEntries, parseXRead, type StreamEntry } from './stream-replies.js';

export type { OutboxFullPolicy } from './outbox.js';
export type { RedisCommandClient } from './redis-commands.js';

export interface RedisStreamsAdapterOptions {
  /** A connected `redis` (v4/v5) or `ioredis` client, for XADD and the other short commands; may be shared. */
  client: RedisCommandClient;
  /** A connected client for XREAD BLOCK, which holds its connection. Default: `client.duplicate()`, made and closed by the adapter. */
  reader?: RedisCommandClient;
  /** Stream key shared by every node of one deployment. Default 'ws6455'. */
  channel?: string;
  /** Keep about this many entries in the stream (XADD MAXLEN ~). Default 10000. */
  maxLen?: number;
  /** Trim entries older than this many ms (XTRIM MINID ~), checked every quarter of it (at most every minute). 0: no age limit. Default 600000 (10 min). */
  maxAge?: number;
  /** Messages kept locally while Redis is away. Default 10000. */
  maxOutbox?: number;
  /** Which message gives way when the outbox is full: 'drop-oldest' (default), 'drop-newest', or 'error' (the new one is refused and reported). */
  outboxFullPolicy?: OutboxFullPolicy;
  /** How many delivered message ids are remembered to drop duplicates. Default 10000. */
  dedupWindow?: number;
  /** XREAD BLOCK timeout in ms. Default 5000. */
  block?: number;
  /** Read from this stream id instead of the current end (e.g. the `position()` a previous run saved). */
  from?: string;
  /** PING with a deadline, to notice a Redis that hangs. Default { interval: 1000, timeout: 2000 }; false disables it. */
  healthCheck?: HealthCheckOptions | false;
}

export interface RedisStreamsAdapterStats {
  /** Messages handed to forward(). */
  forwarded: number;
  /** Messages written to the stream (a retried batch counts again). */
  written: number;
  /** Messages from other nodes delivered locally. */
  received: number;
  /** Messages read again and dropped by id. */
  duplicates: number;
  /** Messages that gave way in a full outbox. */
  dropped: number;
  /** Messages waiting in the outbox now. */
  outbox: number;
}

export interface RedisStreamsAdapterEvents {
  /** Reported instead of thrown; without an 'error' listener, reported as a process warning. */
  error: [error: RedisAdapterError];
  /** Redis stopped answering PING within the deadline (once per outage). */
  degraded: [silentMs: number];
  /** Redis answers again after 'degraded' (once). */
  recovered: [];
  /** A message that will never be written: pushed out of a full outbox. */
  drop: [messageId: string];
}

const WRITE_BATCH = 256;
const READ_BATCH = 256;
const RETRY_MS = 100;
const SESSION_KEY = ':session:';

export class RedisStreamsAdapter extends EventEmitter<RedisStreamsAdapterEvents> implements ResumableAdapter {
  readonly nodeId = createNodeId();
  readonly channel: string;
  /** Resolves once the reader knows where to start; rejects if that failed (also reported on 'error'). */
  readonly ready: Promise<void>;
  readonly stats: RedisStreamsAdapterStats = { forwarded: 0, written: 0, received: 0, duplicates: 0, dropped: 0, outbox: 0 };
  currentMessageId: string | undefined;

  private readonly writer: CommandConnection;
  private reader: CommandConnection | undefined;
  private readonly ownsReader: boolean;
  private readonly outbox: Outbox;
  private readonly seen: DedupWindow;
  private readonly health: HealthCheck | undefined;
  private readonly options: Required<Pick<RedisStreamsAdapterOptions, 'maxLen' | 'maxAge' | 'block'>>;
  private readonly nodeTag = this.nodeId.toString('hex');
  private readonly unwatch: Array<() => void> = [];
  private local: LocalDelivery | undefined;
  private counter = 0;
  private lastId = '0-0';
  private writing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private writeOutage = false;
  private readOutage = false;
  private dropReported = false;
  private closed = false;

  constructor(options: RedisStreamsAdapterOptions) {
    super();
    if (options.reader !== undefined && options.reader === options.client) {
      throw new TypeError('RedisStreamsAdapter: the reader blocks its connection, it cannot be the client');
    }
    this.channel = options.channel ?? 'ws6455';
    this.options = { maxLen: options.maxLen ?? 10_000, maxAge: options.maxAge ?? 600_000, block: options.block ?? 5000 };
    this.writer = wrapCommandClient(options.client);
    this.ownsReader = options.reader === undefined;
    this.outbox = new Outbox(options.maxOutbox ?? 10_000, options.outboxFullPolicy ?? 'drop-oldest');
    this.seen = new DedupWindow(options.dedupWindow ?? 10_000);
    if (options.healthCheck !== false) {
      this.health = new HealthCheck(() => this.writer.command(['PING']), () => this.writer.isReady(), (healthy, silentMs) => this.onHealth(healthy, silentMs), options.healthCheck);
    }
    this.unwatch.push(this.writer.watch('ready', () => this.pump()));
    this.ready = this.start(options);
    this.ready.catch(() => {});
  }

  attach(local: LocalDelivery): void {
    this.local = local;
  }

  forward(message: ForwardedMessage): void {
    if (this.closed) return;
    const id = `${this.nodeTag}:${++this.counter}`;
    this.currentMessageId = id;
    const envelope = envelopeOrReport(this.nodeId, message, (error) => this.report(error));
    if (envelope === null) return;
    this.stats.forwarded += 1;
    let dropped: OutboxEntry | undefined;
    try {
      dropped = this.outbox.push({ id, envelope });
    } catch (error) {
      if (!(error instanceof OutboxFullError)) throw error;
      dropped = { id, envelope };
    }
    if (dropped !== undefined) this.onDrop(dropped.id);
    this.stats.outbox = this.outbox.size;
    this.pump();
  }

  /** The last stream id this node has read and delivered: pass it as `from` to a later run to read on from it. */
  position(): string {
    return this.lastId;
  }

  async readSince(position: string): Promise<LoggedMessage[]> {
    const logged: LoggedMessage[] = [];
    let start = `(${position}`;
    for (;;) {
      const reply = await this.writer.command(['XRANGE', this.channel, start, '+', 'COUNT', '1000']);
      const entries = parseEntries(reply);
      for (const entry of entries) {
        const decoded = decodeEnvelope(entry.envelope);
        if (!('malformed' in decoded)) logged.push({ messageId: entry.messageId, message: decoded.message });
      }
      if (entries.length < 1000) return logged;
      start = `(${entries[entries.length - 1]!.streamId}`;
    }
  }

  async saveSession(sessionId: string, state: Buffer, ttlMs: number): Promise<void> {
    await this.writer.command(['SET', this.channel + SESSION_KEY + sessionId, state, 'PX', String(Math.max(1, Math.round(ttlMs)))]);
  }

  async takeSession(sessionId: string): Promise<Buffer | undefined> {
    const reply = await this.writer.command(['GETDEL', this.channel + SESSION_KEY + sessionId]);
    return Buffer.isBuffer(reply) ? reply : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local = undefined;
    this.health?.stop();
    clearTimeout(this.retryTimer);
    clearInterval(this.trimTimer);
    for (const unwatch of this.unwatch.splice(0)) unwatch();
    // Ours: closing it also ends the XREAD that blocks on it.
    if (this.ownsReader) this.reader?.destroy();
  }

  // ---- reading -------------------------------------------------------------------------------

  private async start(options: RedisStreamsAdapterOptions): Promise<void> {
    try {
      this.reader = options.reader === undefined ? await this.writer.duplicate() : wrapCommandClient(options.reader);
      if (this.closed) {
        if (this.ownsReader) this.reader.destroy();
        return;
      }
      this.lastId = options.from ?? (await this.endOfStream());
    } catch (error) {
      this.report(new RedisAdapterError('ERR_REDIS_SUBSCRIBE', `cannot start reading ${this.channel}`, { cause: error }));
      throw error;
    }
    this.health?.start();
    this.startTrimming();
    void this.readLoop();
  }

  private async endOfStream(): Promise<string> {
    const reply = await this.writer.command(['XREVRANGE', this.channel, '+', '-', 'COUNT', '1']);
    const [last] = parseEntries(reply);
    return last?.streamId ?? '0-0';
  }

  private async readLoop(): Promise<void> {
    while (!this.closed) {
      let entries: StreamEntry[];
      try {
        const args = ['XREAD', 'COUNT', String(READ_BATCH), 'BLOCK', String(this.options.block), 'STREAMS', this.channel, this.lastId];
        entries = parseXRead(await this.reader!.command(args));
        this.readOutage = false;
      } catch (error) {
        if (this.closed) return;
        if (!this.readOutage) {
          this.readOutage = true;
          this.report(new RedisAdapterError('ERR_REDIS_UNAVAILABLE', `reading ${this.channel} failed; retrying from ${this.lastId}`, { cause: error }));
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        continue;
      }
      for (const entry of entries) {
        if (this.closed) return;
        this.lastId = entry.streamId;
        this.receive(entry);
      }
    }
  }

  private receive(entry: StreamEntry): void {
    const decoded = decodeEnvelope(entry.envelope);
    if ('malformed' in decoded) {
      this.report(new RedisAdapterError('ERR_MALFORMED_ENVELOPE', `ignored entry ${entry.streamId} of ${this.channel}: ${decoded.malformed}`));
      return;
    }
    // Our own messages were delivered here before they were written.
    if (decoded.nodeId.equals(this.nodeId)) return;
    if (!this.seen.add(entry.messageId)) {
      this.stats.duplicates += 1;
      return;
    }
    const local = this.local;
    if (local === undefined) return;
    const { message } = decoded;
    this.stats.received += 1;
    this.currentMessageId = entry.messageId;
    try {
      deliverLocally(local, message);
    } catch (error) {
      this.report(new RedisAdapterError('ERR_LOCAL_DELIVERY', 'delivering a message from another node failed', { cause: error }));
    }
  }

  // ---- writing -------------------------------------------------------------------------------

  private pump(): void {
    if (this.writing || this.closed || this.outbox.size === 0) return;
    // While Redis is away or hung, commands would only pile up in the client's own queue.
    if (!this.writer.isReady() || this.health?.healthy === false) return;
    this.writing = true;
    const batch = this.outbox.peek(WRITE_BATCH);
    const { maxLen } = this.options;
    // One batch in flight at a time keeps publish order: a failed batch is written again as a
    // whole, and the readers drop the entries that had already made it.
    const writes = batch.map((entry) =>
      this.writer.command(['XADD', this.channel, 'MAXLEN', '~', String(maxLen), '*', 'i', entry.id, 'e', entry.envelope]),
    );
    Promise.all(writes).then(
      () => {
        this.writing = false;
        this.writeOutage = false;
        this.outbox.commit(batch.length);
        // A full outbox is reported again only once it has emptied: one report per overload.
        if (this.outbox.size === 0) this.dropReported = false;
        this.stats.written += batch.length;
        this.stats.outbox = this.outbox.size;
        this.pump();
      },
      (error: unknown) => {
        this.writing = false;
        if (this.closed) return;
        if (!this.writeOutage) {
          this.writeOutage = true;
          this.report(new RedisAdapterError('ERR_REDIS_UNAVAILABLE', `XADD to ${this.channel} failed; messages wait in the outbox`, { cause: error }));
        }
        this.retryTimer = setTimeout(() => this.pump(), RETRY_MS);
      },
    );
  }

  private onDrop(id: string): void {
    this.stats.dropped += 1;
    this.emit('drop', id);
    if (this.dropReported) return;
    this.dropReported = true;
    this.report(new RedisAdapterError('ERR_OUTBOX_FULL', `the outbox of ${this.channel} is full; messages are dropped until Redis is back`));
  }

  private onHealth(healthy: boolean, silentMs: number): void {
    if (healthy) {
      this.emit('recovered');
      this.pump();
      return;
    }
    this.emit('degraded', silentMs);
    this.report(new RedisAdapterError('ERR_REDIS_UNRESPONSIVE', `Redis did not answer PING within ${silentMs} ms; messages wait in the outbox`));
  }

  private startTrimming(): void {
    const { maxAge } = this.options;
    if (maxAge <= 0) return;
    this.trimTimer = setInterval(() => {
      if (!this.writer.isReady() || this.health?.healthy === false) return;
      const minId = `${Math.max(0, Date.now() - maxAge)}-0`;
      this.writer.command(['XTRIM', this.channel, 'MINID', '~', minId]).catch(() => {});
    }, Math.min(maxAge / 4, 60_000));
    this.trimTimer.unref();
  }

  private report(error: RedisAdapterError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.emitWarning(error);
  }
}
