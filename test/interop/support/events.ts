// Small waiting helpers shared by the interop, compatibility and demo tests. Every wait has a
// deadline so a peer that never answers fails its test with a name instead of hanging the run.
import { once, type EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** Resolves with the arguments of the next `event`, or rejects after `timeoutMs`. */
export async function nextEvent(
  emitter: EventEmitter,
  event: string,
  timeoutMs = 5_000,
): Promise<unknown[]> {
  try {
    return await once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      throw new Error(`no '${event}' event within ${timeoutMs} ms`);
    }
    throw error;
  }
}

/** Starts `server` on an ephemeral loopback port and returns the port. */
export async function listenOnFreePort(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await nextEvent(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Closes `server`, dropping keep-alive connections so close does not wait for them. */
export async function closeHttpServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Polls `condition` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
