// Built-in keep-alive for a server: every `interval` ms ping each open client; a client that has
// sent nothing at all (no pong, no message) `timeout` ms after its ping is terminated. One shared
// pair of timers for all sockets, however many: a timer per socket is memory at scale.

import type { WebSocket } from '../websocket.js';

export interface HeartbeatOptions {
  /** How often to ping every client, in ms. Default 30000. */
  interval?: number;
  /** How long a client may stay silent after a ping before it is terminated, in ms. Default: interval. At most interval. */
  timeout?: number;
}

export class Heartbeat {
  private readonly interval: number;
  private readonly timeout: number;
  private pingTimer: NodeJS.Timeout | null = null;
  private reapTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clients: Set<WebSocket>,
    options: HeartbeatOptions,
  ) {
    this.interval = options.interval ?? 30_000;
    this.timeout = Math.min(options.timeout ?? this.interval, this.interval);
    if (!(this.interval > 0) || !(this.timeout > 0)) {
      throw new RangeError('heartbeat interval and timeout must be positive numbers of milliseconds');
    }
  }

  start(): void {
    if (this.pingTimer !== null) return;
    this.pingTimer = setInterval(pingAll, this.interval, this);
    // The heartbeat alone must never keep a process alive.
    this.pingTimer.unref();
  }

  stop(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.reapTimer !== null) clearTimeout(this.reapTimer);
    this.pingTimer = null;
    this.reapTimer = null;
  }

  /** @internal */
  pingAll(): void {
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

function pingAll(heartbeat: Heartbeat): void {
  heartbeat.pingAll();
}

function reapSilent(heartbeat: Heartbeat): void {
  heartbeat.reapSilent();
}
