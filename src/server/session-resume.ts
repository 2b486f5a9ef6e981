// Session resume (the server's `sessionResume` option, off by default): a client that reconnects
// after a drop gets what it missed, in order, exactly once, on this node or on another one.
//
// The protocol, usable from any WebSocket client that can set a request header or a query string:
//   1. Every 101 response carries `ws6455-session: <id>`: an unguessable bearer token for the session.
//   2. The client counts the messages it receives on that session (its offset).
//   3. To resume, it sends `ws6455-session: <id>` and `ws6455-offset: <n>` request headers (or
//      `?ws6455-session=<id>&ws6455-offset=<n>` in the URL, for browsers). The 101 then says
//      `ws6455-resume: ok` and the missed messages follow first, or `ws6455-resume: lost` (expired,
//      over the limits, or unknown) with a new session id, counting from 0 again.
//
// Where missed messages come from: every message sent to a session connection goes through its
// numbered log (session-log.ts). On one node, a disconnected session stays in memory for `ttl` ms
// and keeps logging the broadcasts and publishes it would have received. With a scale-out adapter
// that keeps a shared log (the Redis Streams adapter), a session that disconnects is saved there
// with the adapter's position; any node can take it, replay its log, then read the shared log from
// that position for what it missed since, dropping message ids the session already has.

import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { isResumableAdapter, type ResumableAdapter, type ScaleOutAdapter } from '../extras/adapters/adapter.js';
import { toBroadcastPayload, type BroadcastOptions } from './broadcast.js';
import { Session, type SessionLimits } from './session-log.js';
import { bindSessionSocket, decideFromRequest, runBeforeUpgrade, type ResumeRequest, type SessionHost } from './session-binding.js';
import type { WebSocket } from '../websocket.js';

export interface SessionResumeOptions {
  /** How long (ms) a disconnected session is kept for its client to come back. Default 60000. */
  ttl?: number;
  /** Most messages kept per session. Default 1000. */
  maxMessages?: number;
  /** Most bytes of message data kept per session. Default 1048576 (1 MiB). */
  maxBytes?: number;
  /** Across nodes: how long (ms) to wait for the node the client left to save its session. Default 2000. */
  handoverWait?: number;
}

/** What the upgrade decided for one request, looked up again by its socket when the 101 is written. */
interface Decision {
  session: Session;
  resume: 'ok' | 'lost' | undefined;
  offset: number;
}

const HANDOVER_POLL_MS = 50;

/** What a connection carries, for sessionOf(). A WeakMap: nothing is added to the WebSocket. */
const sessionsBySocket = new WeakMap<WebSocket, { id: string; resumed: boolean }>();

/**
 * The session a server connection carries (with `sessionResume`): its id, and whether it resumed an
 * earlier connection's session (the missed messages were then sent before 'connection'). Browsers
 * cannot read the 101 response headers; an application can send the id in-band for them.
 */
export function sessionOf(ws: WebSocket): { id: string; resumed: boolean } | undefined {
  return sessionsBySocket.get(ws);
}

export class SessionResume {
  private readonly host: SessionHost;
  private readonly adapter: () => ScaleOutAdapter | null;
  private readonly limits: SessionLimits;
  private readonly ttl: number;
  private readonly handoverWait: number;
  /** Connected sessions, and (without a shared log) disconnected ones waiting for their client. */
  private readonly sessions = new Map<string, Session>();
  /** Sessions being fetched from the shared log: what arrives meanwhile waits here, in order. */
  private readonly arriving = new Map<Session, Array<{ data: Buffer | string; binary: boolean; messageId?: string; topic?: string }>>();
  private readonly decisions = new WeakMap<Duplex, Decision>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(host: SessionHost, options: boolean | SessionResumeOptions, adapter: () => ScaleOutAdapter | null) {
    const settings = options === true ? {} : (options as SessionResumeOptions);
    this.ttl = positive('ttl', settings.ttl ?? 60_000);
    this.handoverWait = positive('handoverWait', settings.handoverWait ?? 2000);
    this.limits = { maxMessages: positive('maxMessages', settings.maxMessages ?? 1000), maxBytes: positive('maxBytes', settings.maxBytes ?? 1 << 20) };
    this.host = host;
    this.adapter = adapter;
    host.prependListener('headers', (lines: string[], req: { socket: Duplex }) => this.addHeaders(lines, req.socket));
    runBeforeUpgrade(host, (req) => this.prepare(decideFromRequest(req), req.socket));
    this.wrapFanOut(host);
  }

  /** Runs before the 101 (wrapped around verifyClient): finds the session the request names. */
  async prepare(request: ResumeRequest, socket: Duplex): Promise<void> {
    const adapter = this.adapter();
    let decision: Decision;
    if (request.sessionId === undefined) {
      decision = { session: this.create(), resume: undefined, offset: 0 };
    } else if (isResumableAdapter(adapter)) {
      decision = await this.takeShared(adapter, request.sessionId, request.offset);
      // The client left while we fetched: no 101 will follow, so put the session back for its next try.
      if (decision.resume === 'ok' && socket.destroyed) {
        await this.save(adapter, decision.session).catch(() => {});
        return;
      }
    } else {
      decision = this.takeLocal(request.sessionId, request.offset);
    }
    this.decisions.set(socket, decision);
  }

  /** The 101 was written: the connection carries its session from now on. */
  attach(ws: WebSocket, socket: Duplex): void {
    const decision = this.decisions.get(socket) ?? { session: this.create(), resume: undefined, offset: 0 };
    this.decisions.delete(socket);
    const { session } = decision;
    sessionsBySocket.set(ws, { id: session.id, resumed: decision.resume === 'ok' });
    const previous = session.ws;
    session.ws = ws;
    session.expiresAt = Infinity;
    this.sessions.set(session.id, session);
    // A connection the client gave up on (half-open) must not keep writing this session.
    if (previous !== null && previous !== ws) previous.terminate();
    session.rawSend = bindSessionSocket(ws, session, (topic, subscribed) => {
      if (subscribed) session.topics.add(topic);
      else session.topics.delete(topic);
    });
    for (const topic of session.topics) ws.subscribe(topic);
    ws.on('close', () => this.detach(session, ws));
    if (decision.resume === 'ok') session.replayFrom(decision.offset);
  }

  // ---- finding a session ---------------------------------------------------------------------

  private create(): Session {
    return new Session(randomBytes(18).toString('base64url'), this.limits);
  }

  private takeLocal(id: string, offset: number): Decision {
    const session = this.sessions.get(id);
    if (session === undefined || !session.canResumeFrom(offset)) return { session: this.create(), resume: 'lost', offset: 0 };
    return { session, resume: 'ok', offset };
  }

  private async takeShared(adapter: ResumableAdapter, id: string, offset: number): Promise<Decision> {
    const local = this.sessions.get(id);
    // Still connected here (a half-open connection the client gave up on): save it so that the
    // shared path below takes it, and retire the stale connection without saving it again.
    if (local?.ws != null) {
      await this.save(adapter, local).catch(() => {});
      const stale = local.ws;
      local.ws = null;
      local.rawSend = null;
      if (this.sessions.get(id) === local) this.sessions.delete(id);
      stale?.terminate();
    }
    const session = await this.fetch(adapter, id).catch(() => undefined);
    if (session === undefined || !session.canResumeFrom(offset)) return { session: this.create(), resume: 'lost', offset: 0 };
    const arriving: Array<{ data: Buffer | string; binary: boolean; messageId?: string; topic?: string }> = [];
    this.arriving.set(session, arriving);
    try {
      const missed = await adapter.readSince(session.position ?? '0-0');
      for (const { messageId, message } of missed) {
        if (message.kind === 'publish' && !session.topics.has(message.topic!)) continue;
        session.push(message.data, message.binary, messageId);
      }
    } catch {
      return { session: this.create(), resume: 'lost', offset: 0 };
    } finally {
      this.arriving.delete(session);
    }
    for (const item of arriving) {
      if (item.topic === undefined || session.topics.has(item.topic)) session.push(item.data, item.binary, item.messageId);
    }
    return { session, resume: 'ok', offset };
  }

  /** Takes the saved session, waiting up to handoverWait for the node it left to save it. */
  private async fetch(adapter: ResumableAdapter, id: string): Promise<Session | undefined> {
    const deadline = Date.now() + this.handoverWait;
    for (;;) {
      const record = await adapter.takeSession(id);
      if (record !== undefined) return Session.fromRecord(id, this.limits, record);
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, HANDOVER_POLL_MS));
    }
  }

  private addHeaders(lines: string[], socket: Duplex): void {
    const decision = this.decisions.get(socket);
    if (decision === undefined) return;
    lines.push(`ws6455-session: ${decision.session.id}`);
    if (decision.resume !== undefined) lines.push(`ws6455-resume: ${decision.resume}`);
  }

  // ---- leaving -------------------------------------------------------------------------------

  private detach(session: Session, ws: WebSocket): void {
    if (session.ws !== ws) return;
    session.ws = null;
    session.rawSend = null;
    const adapter = this.adapter();
    if (isResumableAdapter(adapter)) {
      if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
      this.save(adapter, session).catch(() => {});
      return;
    }
    session.expiresAt = Date.now() + this.ttl;
    this.startSweep();
  }

  private save(adapter: ResumableAdapter, session: Session): Promise<void> {
    return adapter.saveSession(session.id, session.toRecord(adapter.position()), this.ttl);
  }

  private startSweep(): void {
    if (this.sweep !== undefined) return;
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
      if ([...this.sessions.values()].every((session) => session.expiresAt === Infinity)) {
        clearInterval(this.sweep);
        this.sweep = undefined;
      }
    }, Math.min(this.ttl, 1000));
    this.sweep.unref();
  }

  // ---- fan-out -------------------------------------------------------------------------------

  /**
   * Broadcasts and publishes reach session connections through their logs, never as the server's
   * shared frame (bindSessionSocket refuses it): only the log knows the numbering.
   */
  private wrapFanOut(host: SessionHost): void {
    const { broadcast, publish, broadcastLocal, publishLocal } = host;
    const idOf = (forwarded: boolean): string | undefined => {
      const adapter = this.adapter();
      return forwarded && isResumableAdapter(adapter) ? adapter.currentMessageId : undefined;
    };
    host.broadcast = (data, options: BroadcastOptions = {}) => {
      const count = broadcast.call(host, data, options);
      this.deliver(toBroadcastPayload(data, options.binary), undefined, options, idOf(options.filter === undefined));
      return count;
    };
    host.publish = (topic, data, options: BroadcastOptions = {}) => {
      const count = publish.call(host, topic, data, options);
      this.deliver(toBroadcastPayload(data, options.binary), topic, options, idOf(true));
      return count;
    };
    host.broadcastLocal = (data, options) => {
      const count = broadcastLocal.call(host, data, options);
      this.deliver({ data, binary: options.binary }, undefined, {}, idOf(true));
      return count;
    };
    host.publishLocal = (topic, data, options) => {
      const count = publishLocal.call(host, topic, data, options);
      this.deliver({ data, binary: options.binary }, topic, {}, idOf(true));
      return count;
    };
  }

  private deliver(message: { data: Buffer | string; binary: boolean }, topic: string | undefined, options: BroadcastOptions, messageId: string | undefined): void {
    for (const session of this.sessions.values()) {
      const ws = session.ws;
      if (topic !== undefined && !session.topics.has(topic)) continue;
      if (ws === null ? options.filter !== undefined : ws === options.except || (options.filter !== undefined && !options.filter(ws))) continue;
      session.push(message.data, message.binary, messageId);
    }
    if (options.filter !== undefined) return;
    for (const arriving of this.arriving.values()) arriving.push({ ...message, messageId, topic });
  }
}

function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`The "sessionResume.${name}" option must be a number > 0, got ${String(value)}`);
  return value;
}
