// The seam between a WebSocketServer and whatever carries its broadcasts to other processes or
// machines (Redis pub/sub, NATS, a message bus...). The server never imports an adapter: the user
// plugs one in with `wss.setAdapter(adapter)`, so ws6455 keeps zero runtime dependencies.
//
// Loop prevention is split on purpose: the server forwards only what originated locally, and
// delivers what an adapter hands it through LocalDelivery, which never forwards again. An adapter
// must additionally never hand a node its own messages back (see envelope.ts's node id).

/** What a broadcast or publish carries between nodes. */
export interface ForwardedMessage {
  kind: 'broadcast' | 'publish';
  /** Present when kind is 'publish'. */
  topic?: string;
  data: Buffer | string;
  /** Whether the message goes out as a binary frame (text otherwise). */
  binary: boolean;
}

/** What a WebSocketServer offers an adapter: local delivery that never re-forwards. */
export interface LocalDelivery {
  /** Sends to every OPEN client of this server; returns how many were written to. */
  broadcastLocal(data: Buffer | string, options: { binary: boolean }): number;
  /** Sends to every OPEN local subscriber of `topic`; returns how many were written to. */
  publishLocal(topic: string, data: Buffer | string, options: { binary: boolean }): number;
}

/**
 * Plugged into a server with `wss.setAdapter(adapter)`: the server calls `attach(localDelivery)`
 * once, and after each local broadcast/publish calls `forward(message)`.
 */
export interface ScaleOutAdapter {
  attach(local: LocalDelivery): void;
  /**
   * A broadcast/publish that originated on this node: send it to the other nodes, never back to
   * this one. Must not throw and must not block: failures are reported by the adapter itself, and
   * local delivery has already happened.
   */
  forward(message: ForwardedMessage): void;
  /** Stops receiving and forwarding; leaves clients the user passed in open (the user owns them). */
  close(): Promise<void>;
}

/** A forwarded message read back from a shared log, with the id its publisher gave it. */
export interface LoggedMessage {
  messageId: string;
  message: ForwardedMessage & { data: Buffer };
}

/**
 * An adapter whose messages sit in a shared, ordered log (the Redis Streams adapter): session
 * resume (the server's `sessionResume` option) uses it to hand a session from one node to another.
 */
export interface ResumableAdapter extends ScaleOutAdapter {
  /** The id of the message being delivered through LocalDelivery right now, or of the last one forwarded. */
  readonly currentMessageId: string | undefined;
  /** An opaque mark: every message logged up to it has been delivered on this node. */
  position(): string;
  /** Every message logged after `position`, in log order (this node's own included). */
  readSince(position: string): Promise<LoggedMessage[]>;
  /** Keeps a session's state for `ttlMs`, for whichever node the client comes back to. */
  saveSession(sessionId: string, state: Buffer, ttlMs: number): Promise<void>;
  /** Takes (reads and deletes, atomically) a saved session; undefined when there is none. */
  takeSession(sessionId: string): Promise<Buffer | undefined>;
}

export function isResumableAdapter(adapter: ScaleOutAdapter | null | undefined): adapter is ResumableAdapter {
  return adapter != null && typeof (adapter as Partial<ResumableAdapter>).readSince === 'function';
}

/** Deliver a message that came from another node to this node's clients (never forwarded again). */
export function deliverLocally(local: LocalDelivery, message: ForwardedMessage): void {
  if (message.kind === 'publish') local.publishLocal(message.topic!, message.data, { binary: message.binary });
  else local.broadcastLocal(message.data, { binary: message.binary });
}
