// Standalone mode's front door: reads one HTTP request head from a raw socket with a size limit
// and a deadline kept by one shared sweep timer, then hands the request to the upgrade pipeline.

import { IncomingMessage } from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { HttpHeadParser, type HttpHead } from '../handshake/http-parser.js';
import { abortHandshake, onHandshakeSocketError } from './http-refusal.js';
import type { UpgradeRequest } from './server-options.js';

/** What the front door needs from the server. */
export interface FrontDoorHost {
  readonly options: { maxHeaderSize: number; handshakeTimeout: number };
  forgetPending(socket: Duplex): void;
  onRawRequest(socket: net.Socket, head: HttpHead, rest: Buffer): void;
}

/** Standalone mode: reads one request head from a raw socket, with a size limit and a timeout. */
export class PendingHandshake {
  private readonly parser: HttpHeadParser;
  /** The whole handshake must finish by then: a per-byte idle timer alone lets a slowloris peer trickle forever. */
  readonly deadline: number;
  /** @internal the neighbours in the server's PendingSockets list */
  previousPending: PendingHandshake | null = null;
  /** @internal */
  nextPending: PendingHandshake | null = null;
  constructor(
    private readonly server: FrontDoorHost,
    readonly socket: net.Socket,
  ) {
    this.parser = new HttpHeadParser({ kind: 'request', maxHeaderSize: server.options.maxHeaderSize });
    const timeout = server.options.handshakeTimeout;
    this.deadline = timeout > 0 ? Date.now() + timeout : Infinity;
  }

  start(): void {
    const socket = this.socket;
    socket.on('data', this.onData);
    socket.on('error', onHandshakeSocketError);
    socket.on('close', this.onClose);
  }

  /** The upgrade completed: the socket is no longer pending (and keeps none of our listeners). */
  detach(): void {
    this.socket.removeListener('close', this.onClose);
    this.server.forgetPending(this.socket);
  }

  /** The deadline passed (the server's sweep found it): answer 408 and close. */
  expire(): void {
    this.socket.removeListener('data', this.onData);
    this.detach();
    abortHandshake(this.socket, 408, 'Handshake timed out');
  }

  private readonly onClose = (): void => this.server.forgetPending(this.socket);

  // A closure per pending handshake: short-lived, and cheaper than a symbol property on the
  // socket (adding properties to net.Socket objects slows every later access to them).
  private readonly onData = (chunk: Buffer): void => {
    const result = this.parser.push(chunk);
    if (result.kind === 'incomplete') return;
    const socket = this.socket;
    // No pause here: up to the Connection's own 'data' listener everything runs synchronously,
    // so no byte can arrive in between (an async verifyClient pauses the socket itself). A pause
    // and resume would cost two epoll_ctl calls per handshake.
    socket.removeListener('data', this.onData);
    if (result.kind === 'error') {
      abortHandshake(socket, result.status, result.message);
      return;
    }
    this.server.onRawRequest(socket, result.head, result.rest);
  };
}

/**
 * How often the shared handshake sweep runs: a quarter of the timeout (so a deadline is kept to
 * within 25%), at most once a second.
 */
export function sweepPeriod(handshakeTimeout: number): number {
  return Math.max(10, Math.min(1000, Math.floor(handshakeTimeout / 4)));
}

export function sweepPendingHandshakes(server: { sweepPending(): void }): void {
  server.sweepPending();
}

/**
 * Standalone mode's `req`: a real http.IncomingMessage over the socket, as node's http server
 * would have made for an upgrade (ws hands those out), so that `instanceof`, `req.socket`,
 * `req.headers` and the stream's methods and events behave the same. Costs one Readable per
 * handshake (see README, Benchmarks, for the measured difference).
 */
export function requestFromHead(head: HttpHead, socket: net.Socket): UpgradeRequest {
  const req = new IncomingMessage(socket) as UpgradeRequest;
  req.method = head.method ?? '';
  req.url = head.url ?? '/';
  req.httpVersion = head.httpVersion;
  req.httpVersionMajor = head.httpVersionMajor;
  req.httpVersionMinor = head.httpVersionMinor;
  // node's own way to record the raw headers and their count, from which it derives
  // headersDistinct lazily (setting rawHeaders alone leaves the count at 0).
  const recorder = (req as { _addHeaderLines?: (raw: string[], count: number) => void })._addHeaderLines;
  if (typeof recorder === 'function') recorder.call(req, head.rawHeaders, head.rawHeaders.length);
  req.rawHeaders = head.rawHeaders;
  // Our parser's object: names lower-cased, repeated values joined with ', ' (node keeps the first
  // of a few singleton headers instead; a valid handshake repeats none of them).
  req.headers = head.headers;
  req.complete = true;
  // node sets this (undeclared in @types/node) on every request it hands to 'upgrade'.
  (req as { upgrade?: boolean }).upgrade = true;
  return req;
}
