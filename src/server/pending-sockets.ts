// The standalone server's handshakes in progress, by socket, with the part of Map's interface the
// server uses (set, has, get, delete, size, keys, values, clear), without a hash table: the
// handshake is linked into a list, and the socket points to it through one symbol-keyed field.
//
// Why: a Map keyed by fresh sockets (an identity hash per socket, an old-generation table full of
// pointers to young objects, set + has + get + delete per handshake) cost 3-12 µs of server CPU
// per handshake: 161.7 vs 153.2, 139.5 vs 136.7 and 154.9 vs 143.3 µs with this list (three
// series of 7 alternating rounds of 10,000 handshakes on fresh servers, A/B harness on
// bench/loadgen.mjs's connect mode, 2026-12-01).
// Every socket gets the field at accept and keeps it (cleared to undefined, never deleted), so
// all sockets of a server share one hidden class.

import type { Duplex } from 'node:stream';
import type { PendingHandshake } from './front-door.js';

const kPending = Symbol('ws6455.pendingHandshake');
type PendingSocket = Duplex & { [kPending]?: PendingHandshake | undefined };

export class PendingSockets {
  private first: PendingHandshake | null = null;
  private last: PendingHandshake | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(socket: Duplex, pending: PendingHandshake): this {
    this.delete(socket);
    (socket as PendingSocket)[kPending] = pending;
    // Appended, so that iteration keeps the order of arrival, as a Map's does.
    pending.previousPending = this.last;
    pending.nextPending = null;
    if (this.last === null) this.first = pending;
    else this.last.nextPending = pending;
    this.last = pending;
    this.count++;
    return this;
  }

  has(socket: Duplex): boolean {
    return (socket as PendingSocket)[kPending] !== undefined;
  }

  get(socket: Duplex): PendingHandshake | undefined {
    return (socket as PendingSocket)[kPending];
  }

  delete(socket: Duplex): boolean {
    const pending = (socket as PendingSocket)[kPending];
    if (pending === undefined) return false;
    (socket as PendingSocket)[kPending] = undefined;
    const { previousPending, nextPending } = pending;
    if (previousPending === null) this.first = nextPending;
    else previousPending.nextPending = nextPending;
    if (nextPending === null) this.last = previousPending;
    else nextPending.previousPending = previousPending;
    pending.previousPending = null;
    pending.nextPending = null;
    this.count--;
    return true;
  }

  /** The handshakes in order of arrival; one deleted while iterating does not end the walk. */
  *values(): IterableIterator<PendingHandshake> {
    for (let pending = this.first; pending !== null; ) {
      const next = pending.nextPending;
      yield pending;
      pending = next;
    }
  }

  *keys(): IterableIterator<Duplex> {
    for (const pending of this.values()) yield pending.socket;
  }

  clear(): void {
    for (const pending of [...this.values()]) this.delete(pending.socket);
  }
}
