// The inner connection: ws6455's ws-compatible client, driven through its public API only, with
// what a browser adds to the opening handshake (Origin from the base URL, Basic credentials from
// the URL) and its events reduced to the five the standard's algorithms react to.

import { WebSocket as WsSocket } from '../websocket.js';
import { basicAuthorization, getBaseOrigin } from './url.js';

export interface InnerEvents {
  /** The Sec-WebSocket-Extensions value the server answered with ('' if none). */
  upgrade(extensions: string): void;
  open(inner: WsSocket): void;
  message(data: Buffer, isBinary: boolean): void;
  /** The connection failed (RFC 6455 §7.1.7); 'close' follows. */
  error(): void;
  close(code: number, reason: string, wasClean: boolean): void;
}

export function openInner(record: URL, protocols: string[], events: InnerEvents): WsSocket {
  const headers: Record<string, string> = {};
  const authorization = basicAuthorization(record);
  if (authorization !== undefined) headers.Authorization = authorization;
  const target = new URL(record.href);
  target.username = '';
  target.password = '';
  const origin = getBaseOrigin();
  // permessage-deflate is offered, as browsers do, and works both ways (the inner default).
  const inner = new WsSocket(target.href, protocols, { headers, ...(origin === undefined ? {} : { origin }) });
  inner.binaryType = 'nodebuffer';
  inner.on('upgrade', (response: { headers: Record<string, string | string[] | undefined> }) => {
    const value = response.headers['sec-websocket-extensions'];
    events.upgrade(Array.isArray(value) ? value.join(', ') : (value ?? ''));
  });
  inner.on('open', () => events.open(inner));
  inner.on('message', (data: Buffer, isBinary: boolean) => events.message(data, isBinary));
  inner.on('error', () => events.error());
  inner.on('close', (code: number, reason: Buffer) => events.close(code, reason.toString('utf8'), inner.wasClean));
  return inner;
}
