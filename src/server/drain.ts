// Graceful drain for rolling restarts: close the open connections a few at a time, spread evenly
// over a period, with 1012 (Service Restart, IANA close code registry) so that clients reconnect
// (to the other nodes behind the load balancer) spread over time instead of all at once. Closing
// everyone in the same instant makes every client reconnect in the same instant, and the nodes
// that stay up take the whole stampede together.

import type { WebSocket } from '../websocket.js';

export interface DrainOptions {
  /** Spread the closes over this many ms. Default 10000; 0 closes every connection at once. */
  over?: number;
  /** Close code sent to each client. Default 1012 (Service Restart); 1001 (Going Away) and 1013 (Try Again Later) are other usual choices. */
  code?: number;
  /** Close reason. Default 'Service Restart'. */
  reason?: string;
}

export const defaultDrain = { over: 10_000, code: 1012, reason: 'Service Restart' } as const;

/** Timer ticks per second at most: finer spacing buys nothing and costs wake-ups. */
const MIN_STEP_MS = 10;

/**
 * Closes every connection in `clients` (a snapshot is taken now) over `over` ms, and resolves once
 * all of them have closed. Connections that close by themselves meanwhile are skipped.
 */
export function drainConnections(clients: Iterable<WebSocket>, options: DrainOptions = {}): Promise<void> {
  const over = options.over ?? defaultDrain.over;
  const code = options.code ?? defaultDrain.code;
  const reason = options.reason ?? defaultDrain.reason;
  if (!(typeof over === 'number' && over >= 0 && Number.isFinite(over))) throw new RangeError(`drain: "over" must be a finite number >= 0, got ${String(over)}`);
  const queue = shuffled([...clients]);
  const open = queue.filter((ws) => ws.readyState <= ws.OPEN);
  if (open.length === 0) return Promise.resolve();
  const closed = Promise.all(open.map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())))));
  const step = Math.max(MIN_STEP_MS, over / open.length);
  const perStep = Math.max(1, Math.round((open.length * step) / Math.max(over, 1)));
  let next = 0;
  const closeSome = (): void => {
    for (let i = 0; i < perStep && next < open.length; i++) {
      const ws = open[next++]!;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    }
    if (next < open.length) setTimeout(closeSome, step);
  };
  if (over === 0) {
    for (const ws of open) if (ws.readyState === ws.OPEN) ws.close(code, reason);
  } else {
    closeSome();
  }
  return closed.then(() => undefined);
}

/** A random order, so that the same clients are not always the first to be moved. */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
