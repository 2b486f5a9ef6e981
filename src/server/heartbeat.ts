// Liveness for a server's clients, with one shared pair of timers however many clients there are
// (a timer per socket is memory at scale):
// - heartbeat: every `interval` ms ping each open client; a client that has sent nothing at all
//   (no pong, no message) `timeout` ms after its ping is terminated. The server's `idleTimeout`
//   (on by default, as uWebSockets' is) is a heartbeat of half that period each way;
// - maxLifetime: a client connected for longer is closed with 1001, checked on the same beat.

import type { WebSocket } from '../websocket.js';

export interface HeartbeatOptions {
  /** How often to ping every client, in ms. Default 30000. */
  interval?: number;
  /** How long a client may stay silent after a ping before it is terminated, in ms. Default: interval. At most interval. */
  timeout?: number;
}

/** What the server asks for; each part 0/null when off. */
export interface LivenessOptions {
  heartbeat: HeartbeatOptions | null;
  /** Close clients connected for longer than this many ms (1001); 0 = never. */
  maxLifetime: number;
}

/** The default idle timeout: uWebSockets' (120 s), pinging halfway as it does. */
const DEFAULT_IDLE_TIMEOUT = 120_000;

/**
 * The server's liveness checks from its options, or null when none is asked for (or without
 * clientTracking, which they need to find the clients).
 */
export function livenessOf(
  clients: Set<WebSocket>,
  options: { heartbeat?: HeartbeatOptions; idleTimeout?: number; maxLifetime?: number; clientTracking: boolean },
): Heartbeat | null {
  if (!options.clientTracking) return null;
  const idle = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  const heartbeat = options.heartbeat ?? (idle > 0 && Number.isFinite(idle) ? { interval: Math.ceil(idle / 2), timeout: Math.ceil(idle / 2) } : null);
  const maxLifetime = Number.isFinite(options.maxLifetime) ? (options.maxLifetime ?? 0) : 0;
  if (heartbeat === null && maxLifetime <= 0) return null;
  return new Heartbeat(clients, { heartbeat, maxLifetime });
}

/** The beat when only maxLifetime is asked for: a quarter of it, at most once a minute. */
function lifetimePeriod(maxLifetime: number): number {
  return Math.max(10, Math.min(60_000, Math.floor(maxLifetime / 4)));
}

export class Heartbeat {
  private readonly interval: number;
  private readonly timeout: number;
  private readonly pings: boolean;
  private readonly maxLifetime: number;
  private beatTimer: NodeJS.Timeout | null = null;
  private reapTimer: NodeJS.Timeout | null = null;
  /** When each client was accepted, for maxLifetime (kept here: a connection knows nothing of its server). */
  private readonly acceptedAt = new WeakMap<WebSocket, number>();

  constructor(
    private readonly clients: Set<WebSocket>,
    options: LivenessOptions,
  ) {
    const heartbeat = options.heartbeat;
    this.pings = heartbeat !== null;
    this.maxLifetime = options.maxLifetime;
    this.interval = heartbeat !== null ? (heartbeat.interval ?? 30_000) : lifetimePeriod(options.maxLifetime);
    this.timeout = Math.min(heartbeat?.timeout ?? this.interval, this.interval);
    if (!(this.interval > 0) || !(this.timeout > 0)) {
      throw new RangeError('heartbeat interval and timeout must be positive numbers of milliseconds');
    }
  }

  /** Whether there is anything to do at all. */
  get active(): boolean {
    return this.pings || this.maxLifetime > 0;
  }

  /** A client was accepted. */
  track(ws: WebSocket): void {
    if (this.maxLifetime > 0) this.acceptedAt.set(ws, Date.now());
    this.start();
  }

  start(): void {
    if (this.beatTimer !== null || !this.active) return;
    this.beatTimer = setInterval(beat, this.interval, this);
    // Liveness checks alone must never keep a process alive.
    this.beatTimer.unref();
  }

  stop(): void {
    if (this.beatTimer !== null) clearInterval(this.beatTimer);
    if (this.reapTimer !== null) clearTimeout(this.reapTimer);
    this.beatTimer = null;
    this.reapTimer = null;
  }

  /** @internal */
  beat(): void {
    if (this.maxLifetime > 0) this.closeExpired(Date.now() - this.maxLifetime);
    if (this.pings) this.pingAll();
  }

  private closeExpired(acceptedBefore: number): void {
    for (const ws of this.clients) {
      const acceptedAt = this.acceptedAt.get(ws);
      if (acceptedAt !== undefined && acceptedAt <= acceptedBefore && ws.readyState === ws.OPEN) {
        ws.close(1001, 'Maximum connection lifetime reached');
      }
    }
  }

  private pingAll(): void {
    for (const ws of this.clients) {
      const connection = ws._connection;
      if (connection === null || ws.readyState !== ws.OPEN) continue;
      connection.heardFrom = false;
      ws.ping();
    }
    if (this.reapTimer === null) {
      this.reapTimer = setTimeout(reapSilent, this.timeout, this);
      this.reapTimer.unref();
    }
  }

  /** @internal */
  reapSilent(): void {
    this.reapTimer = null;
    for (const ws of this.clients) {
      const connection = ws._connection;
      if (connection !== null && !connection.heardFrom && ws.readyState === ws.OPEN) ws.terminate();
    }
  }
}

function beat(heartbeat: Heartbeat): void {
  heartbeat.beat();
}

function reapSilent(heartbeat: Heartbeat): void {
  heartbeat.reapSilent();
}
