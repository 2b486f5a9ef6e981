// When a reconnecting client tries again, and when it must not. Pure functions, no timers, so the
// schedule can be property-tested.

export interface BackoffOptions {
  /** Delay before the first reconnection attempt, in ms. Default 1000. */
  minDelay: number;
  /** Upper bound of any delay, in ms. Default 30000 (or minDelay, if that is larger). */
  maxDelay: number;
  /** Each further attempt waits this many times longer than the previous one. Default 2. */
  factor: number;
  /**
   * Fraction of each delay that is random, from 0 (none) to 1 (anywhere between 0 and the delay).
   * Spreads reconnections out so that clients dropped together by a server restart do not all come
   * back in the same instant. Default 0.5: a delay d becomes a uniform pick in [d/2, d].
   */
  jitter: number;
}

export const defaultBackoff: Readonly<BackoffOptions> = { minDelay: 1000, maxDelay: 30_000, factor: 2, jitter: 0.5 };

/** Delay (ms) before reconnection attempt number `attempt` (1 for the first). */
export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = options.minDelay * options.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxDelay, exponential);
  return Math.round(capped * (1 - options.jitter * random()));
}

export function validateBackoff(options: BackoffOptions): void {
  const { minDelay, maxDelay, factor, jitter } = options;
  if (!(minDelay >= 0)) throw new RangeError(`minDelay must be >= 0, got ${minDelay}`);
  if (!(maxDelay >= minDelay)) throw new RangeError(`maxDelay must be >= minDelay, got ${maxDelay}`);
  if (!(factor >= 1)) throw new RangeError(`factor must be >= 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be within [0, 1], got ${jitter}`);
}

/**
 * Close codes after which trying again cannot help, because the server rejected what the client
 * is or sends, not the moment it chose:
 * - 1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1008 policy violation,
 *   1009 message too big, 1010 missing extension (RFC 6455 §7.4.1): the same client would fail
 *   the same way.
 * - 3000 Unauthorized and 3003 Forbidden (IANA WebSocket Close Code Number Registry).
 * - 4000-4999, private use (§7.4.2): the application chose to end this client's session.
 * Everything else is retried: 1000 and 1001 (server going away, e.g. a restart), 1005/1006
 * (no close frame: network failure or a server that died), 1011-1014 (server trouble, try later).
 */
export function isRetryableCloseCode(code: number): boolean {
  if (code >= 4000 && code <= 4999) return false;
  switch (code) {
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 3000:
    case 3003:
      return false;
    default:
      return true;
  }
}

/**
 * 1012 (Service Restart) and 1013 (Try Again Later), IANA close code registry: the server asks its
 * clients to come back later, usually all of them at once (a rolling restart, an overload). The
 * delay then has full jitter over at least `spread` ms, so that the clients of a drained node
 * arrive at the other nodes spread out rather than in one burst.
 */
export function isServiceRestartCode(code: number): boolean {
  return code === 1012 || code === 1013;
}

/** Delay (ms) before attempt `attempt` after the server closed with 1012/1013. */
export function serviceRestartDelay(attempt: number, options: BackoffOptions, spread: number, random: () => number = Math.random): number {
  const minDelay = Math.max(options.minDelay, spread);
  return reconnectDelay(attempt, { minDelay, maxDelay: Math.max(options.maxDelay, minDelay), factor: options.factor, jitter: 1 }, random);
}
