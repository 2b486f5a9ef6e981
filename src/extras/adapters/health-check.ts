// A Redis that hangs (a stopped process, a frozen VM, a full network buffer) keeps its TCP
// connection open: neither client library notices, and commands wait for ever in its queue. Only
// a command with a deadline tells: PING every `interval` ms, and if no reply comes within
// `timeout` ms, the connection is degraded. Reported once per outage, and once on recovery,
// so a log is not flooded while Redis stays away.

export interface HealthCheckOptions {
  /** Ping every this many ms. Default 1000. 0 disables the health check. */
  interval?: number;
  /** A ping with no reply after this many ms marks Redis as hung. Default 2000. */
  timeout?: number;
}

export const defaultHealthCheck = { interval: 1000, timeout: 2000 } as const;

const enum Health {
  Healthy,
  Degraded,
}

export class HealthCheck {
  private readonly ping: () => Promise<unknown>;
  private readonly connected: () => boolean;
  private readonly onChange: (healthy: boolean, silentMs: number) => void;
  private readonly interval: number;
  private readonly timeout: number;
  private health = Health.Healthy;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private inFlight = false;
  private sentAt = 0;
  private stopped = false;

  /**
   * `connected` says whether the client believes it is connected: a known disconnection is the
   * client library's to report and retry, so no ping is sent meanwhile.
   */
  constructor(
    ping: () => Promise<unknown>,
    connected: () => boolean,
    onChange: (healthy: boolean, silentMs: number) => void,
    options: HealthCheckOptions = {},
  ) {
    this.ping = ping;
    this.connected = connected;
    this.onChange = onChange;
    this.interval = options.interval ?? defaultHealthCheck.interval;
    this.timeout = options.timeout ?? defaultHealthCheck.timeout;
    if (!(this.interval >= 0)) throw new RangeError(`healthCheck.interval must be >= 0, got ${this.interval}`);
    if (!(this.timeout > 0)) throw new RangeError(`healthCheck.timeout must be > 0, got ${this.timeout}`);
  }

  get healthy(): boolean {
    return this.health === Health.Healthy;
  }

  start(): void {
    if (this.interval === 0 || this.stopped) return;
    this.timer = setInterval(() => this.tick(), this.interval);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
  }

  private tick(): void {
    // One ping at a time: while Redis hangs, pings would only pile up in the client's queue.
    if (this.inFlight || !this.connected()) return;
    this.inFlight = true;
    this.sentAt = Date.now();
    this.deadline = setTimeout(() => this.setHealth(Health.Degraded), this.timeout);
    this.deadline.unref();
    this.ping().then(
      () => this.settle(true),
      () => this.settle(false),
    );
  }

  private settle(answered: boolean): void {
    this.inFlight = false;
    clearTimeout(this.deadline);
    // A rejected ping means the connection failed, which the client library reports and retries;
    // only silence past the deadline (or an answer) says something about a hang.
    if (answered) this.setHealth(Health.Healthy);
  }

  private setHealth(state: Health): void {
    if (this.stopped || state === this.health) return;
    this.health = state;
    this.onChange(state === Health.Healthy, Date.now() - this.sentAt);
  }
}
