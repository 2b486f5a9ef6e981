// What 'unexpected-response' and 'redirect' listeners receive as `request` on the direct path
// (no agent): the part of http.ClientRequest that a ws user touches. Through an agent (or with
// finishRequest) the handshake uses http.request and listeners get the real ClientRequest.

import { EventEmitter } from 'node:events';
import { ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHeaders } from './request-headers.js';

/** Told when the user aborts or destroys the request. */
export interface RequestOwner {
  onRequestDestroyed(error: Error | undefined): void;
}

export class HandshakeRequest extends EventEmitter {
  readonly method = 'GET';
  readonly path: string;
  readonly host: string;
  readonly protocol: string;
  socket: Duplex | null = null;
  headersSent = false;
  aborted = false;
  destroyed = false;
  readonly reusedSocket = false;
  owner: RequestOwner | null = null;

  constructor(
    private readonly headers: RequestHeaders,
    target: { path: string; host: string; secure: boolean },
  ) {
    super();
    this.path = target.path;
    this.host = target.host;
    this.protocol = target.secure ? 'https:' : 'http:';
  }

  getHeader(name: string): string | number | string[] | undefined {
    return this.headers.get(name);
  }
  getHeaders(): Record<string, string | number | string[]> {
    return this.headers.toObject();
  }
  getHeaderNames(): string[] {
    return this.headers.names();
  }
  getRawHeaderNames(): string[] {
    return this.headers.rawNames();
  }
  hasHeader(name: string): boolean {
    return this.headers.has(name);
  }
  setHeader(name: string, value: string | number | string[]): this {
    this.assertNotSent();
    this.headers.set(name, value);
    return this;
  }
  removeHeader(name: string): void {
    this.assertNotSent();
    this.headers.remove(name);
  }

  /** Deprecated in node but still what many ws users call: 'abort', then destroy. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    process.nextTick(emitAbort, this);
    this.destroy();
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.owner?.onRequestDestroyed(error);
    process.nextTick(emitDestroyed, this, error);
    return this;
  }

  /** The request is ended by the handshake itself; these exist so that user calls are harmless. */
  end(): this {
    return this;
  }
  flushHeaders(): void {}
  setTimeout(_msecs: number, callback?: () => void): this {
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): void {
    (this.socket as { setNoDelay?: (value?: boolean) => void } | null)?.setNoDelay?.(noDelay);
  }
  setSocketKeepAlive(enable?: boolean, delay?: number): void {
    (this.socket as { setKeepAlive?: (value?: boolean, delay?: number) => void } | null)?.setKeepAlive?.(enable, delay);
  }

  private assertNotSent(): void {
    if (this.headersSent) {
      throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    }
  }
}

// `request instanceof http.ClientRequest` holds, as with ws; every method a user may call is
// defined above, so ClientRequest's own internals are never reached.
Object.setPrototypeOf(HandshakeRequest.prototype, ClientRequest.prototype);

function emitAbort(request: HandshakeRequest): void {
  request.emit('abort');
}

function emitDestroyed(request: HandshakeRequest, error: Error | undefined): void {
  if (error !== undefined && request.listenerCount('error') > 0) request.emit('error', error);
  request.emit('close');
}
