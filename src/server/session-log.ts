// One resumable session: the numbered log of every message the server sent (or meant to send) to
// it, kept bounded, so that a client coming back with "I received n" gets messages n+1... again,
// in order, once. Messages are numbered from 1 per session; a client's offset is simply how many
// messages it has received in the session, which any WebSocket client can count.
//
// Fan-out messages carry the id their publisher gave them (through the scale-out adapter), so the
// session can refuse the same message a second time when a node hands it over to another one.

import type { WebSocket } from '../websocket.js';

export interface SessionLimits {
  maxMessages: number;
  maxBytes: number;
}

interface LogEntry {
  seq: number;
  data: Buffer | string;
  binary: boolean;
  messageId: string | undefined;
}

type RawSend = (data: Buffer | string, options: { binary: boolean }, callback?: (error?: Error | null) => void) => void;

const RECORD_VERSION = 1;

export class Session {
  /** Set while a connection carries the session; null while it is away. */
  ws: WebSocket | null = null;
  /** The unwrapped send of `ws`. */
  rawSend: RawSend | null = null;
  readonly topics = new Set<string>();
  /** Scale-out position at which this session's state was saved (see ResumableAdapter). */
  position: string | undefined;
  /** Disconnected sessions expire at this time (ms since epoch). */
  expiresAt = Infinity;

  private readonly log: LogEntry[] = [];
  private bytes = 0;
  private nextSeq = 1;
  private sentSeq = 0;
  /** Publisher ids already in this session, in insertion order (bounded like the log, times four). */
  private readonly ids = new Set<string>();

  constructor(
    readonly id: string,
    readonly limits: SessionLimits,
  ) {}

  /** Messages numbered so far. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Whether a client that received `offset` messages can be given all that followed. */
  canResumeFrom(offset: number): boolean {
    const oldest = this.log.length === 0 ? this.nextSeq : this.log[0]!.seq;
    return Number.isInteger(offset) && offset >= oldest - 1 && offset <= this.lastSeq;
  }

  hasMessage(messageId: string): boolean {
    return this.ids.has(messageId);
  }

  /**
   * Numbers and keeps a message for this session and sends it if the connection is open. Returns
   * false (and keeps nothing) for a message id the session already has.
   */
  push(data: Buffer | string, binary: boolean, messageId?: string, callback?: (error?: Error | null) => void): boolean {
    if (messageId !== undefined) {
      if (this.ids.has(messageId)) return false;
      this.rememberId(messageId);
    }
    const entry: LogEntry = { seq: this.nextSeq++, data, binary, messageId };
    this.log.push(entry);
    this.bytes += byteLength(data);
    this.trim();
    const ws = this.ws;
    if (ws !== null && this.rawSend !== null && this.sentSeq === entry.seq - 1) {
      this.sentSeq = entry.seq;
      // Sent even when the connection is closing: the send fails there, and the entry waits in
      // the log for the client to come back.
      this.rawSend(data, { binary }, callback);
    } else if (callback !== undefined) {
      process.nextTick(callback);
    }
    return true;
  }

  /** The client has `offset` messages: send the rest of the log, in order, on the current connection. */
  replayFrom(offset: number): void {
    this.sentSeq = offset;
    for (const entry of this.log) {
      if (entry.seq <= offset) continue;
      this.sentSeq = entry.seq;
      this.rawSend?.(entry.data, { binary: entry.binary });
    }
    this.sentSeq = this.lastSeq;
  }

  /** What another node needs to carry on: numbering, the log, topics and the scale-out position. */
  toRecord(position: string | undefined): Buffer {
    return Buffer.from(
      JSON.stringify({
        v: RECORD_VERSION,
        next: this.nextSeq,
        position,
        topics: [...this.topics],
        ids: [...this.ids],
        log: this.log.map((entry) => ({
          s: entry.seq,
          b: entry.binary,
          i: entry.messageId,
          // Text as text; bytes as base64, so the record stays one JSON string.
          t: typeof entry.data === 'string' ? entry.data : undefined,
          d: typeof entry.data === 'string' ? undefined : entry.data.toString('base64'),
        })),
      }),
    );
  }

  static fromRecord(id: string, limits: SessionLimits, record: Buffer): Session | undefined {
    let parsed: RecordShape;
    try {
      parsed = JSON.parse(record.toString()) as RecordShape;
    } catch {
      return undefined;
    }
    if (parsed?.v !== RECORD_VERSION || !Array.isArray(parsed.log)) return undefined;
    const session = new Session(id, limits);
    session.nextSeq = parsed.next;
    session.sentSeq = parsed.next - 1;
    session.position = parsed.position;
    for (const topic of parsed.topics) session.topics.add(topic);
    for (const messageId of parsed.ids) session.rememberId(messageId);
    for (const item of parsed.log) {
      const data = item.t ?? Buffer.from(item.d ?? '', 'base64');
      session.log.push({ seq: item.s, data, binary: item.b, messageId: item.i });
      session.bytes += byteLength(data);
    }
    return session;
  }

  private rememberId(messageId: string): void {
    this.ids.add(messageId);
    if (this.ids.size > this.limits.maxMessages * 4) this.ids.delete(this.ids.values().next().value as string);
  }

  private trim(): void {
    // Always keep the newest entry, even when it alone is over maxBytes.
    while (this.log.length > 1 && (this.log.length > this.limits.maxMessages || this.bytes > this.limits.maxBytes)) {
      const dropped = this.log.shift()!;
      this.bytes -= byteLength(dropped.data);
    }
  }
}

interface RecordShape {
  v: number;
  next: number;
  position: string | undefined;
  topics: string[];
  ids: string[];
  log: Array<{ s: number; b: boolean; i: string | undefined; t: string | undefined; d: string | undefined }>;
}

function byteLength(data: Buffer | string): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}
