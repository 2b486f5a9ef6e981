import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PendingSockets } from '../../src/server/pending-sockets.js';
import type { PendingHandshake } from '../../src/server/front-door.js';

/** A stand-in for a PendingHandshake: the list only uses its socket and its two link fields. */
function pendingFor(socket: Duplex): PendingHandshake {
  return { socket, previousPending: null, nextPending: null } as unknown as PendingHandshake;
}

describe('PendingSockets: the handshakes in progress, by socket, as the server used a Map', () => {
  it('finds, counts and forgets a socket', () => {
    const list = new PendingSockets();
    const socket = new PassThrough();
    const pending = pendingFor(socket);
    expect(list.has(socket)).toBe(false);
    expect(list.set(socket, pending)).toBe(list);
    expect([list.has(socket), list.get(socket), list.size]).toEqual([true, pending, 1]);
    expect(list.delete(socket)).toBe(true);
    expect([list.has(socket), list.get(socket), list.size]).toEqual([false, undefined, 0]);
    expect(list.delete(socket)).toBe(false);
  });

  it('iterates in order of arrival, from the middle and the ends alike', () => {
    const list = new PendingSockets();
    const sockets = Array.from({ length: 5 }, () => new PassThrough());
    for (const socket of sockets) list.set(socket, pendingFor(socket));
    list.delete(sockets[0]!);
    list.delete(sockets[2]!);
    list.delete(sockets[4]!);
    expect([...list.keys()]).toEqual([sockets[1], sockets[3]]);
    list.set(sockets[0]!, pendingFor(sockets[0]!));
    expect([...list.keys()]).toEqual([sockets[1], sockets[3], sockets[0]]);
    expect([...list.values()].map((pending) => pending.socket)).toEqual([sockets[1], sockets[3], sockets[0]]);
  });

  it('replaces the handshake of a socket set twice, counted once', () => {
    const list = new PendingSockets();
    const socket = new PassThrough();
    const second = pendingFor(socket);
    list.set(socket, pendingFor(socket)).set(socket, second);
    expect([list.size, list.get(socket), [...list.values()]]).toEqual([1, second, [second]]);
  });

  it('keeps walking when the current handshake is deleted (the sweep expires while iterating)', () => {
    const list = new PendingSockets();
    const sockets = Array.from({ length: 3 }, () => new PassThrough());
    for (const socket of sockets) list.set(socket, pendingFor(socket));
    const seen: Duplex[] = [];
    for (const pending of list.values()) {
      seen.push(pending.socket);
      list.delete(pending.socket);
    }
    expect([seen, list.size]).toEqual([sockets, 0]);
  });

  it('clears every socket, which can then be added again', () => {
    const list = new PendingSockets();
    const sockets = Array.from({ length: 3 }, () => new PassThrough());
    for (const socket of sockets) list.set(socket, pendingFor(socket));
    list.clear();
    expect([list.size, [...list.keys()], sockets.map((socket) => list.has(socket))]).toEqual([0, [], [false, false, false]]);
    list.set(sockets[1]!, pendingFor(sockets[1]!));
    expect([...list.keys()]).toEqual([sockets[1]]);
  });
});
