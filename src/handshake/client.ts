// The client's side of the opening handshake (RFC 6455 §4.1): write the upgrade request and
// check the server's 101 against it. Pure: strings in, strings out.

import { randomBytes } from 'node:crypto';
import type { HttpHead } from './http-parser.js';
import { computeAcceptKey, headerLine } from './server.js';
import { headerHasToken } from './tokens.js';

/** base64 of 16 random bytes (RFC 6455 §4.1 item 7: a fresh nonce per connection) */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

export interface UpgradeRequestOptions {
  path: string;
  /** Host header value incl. port when not default */
  host: string;
  key: string;
  protocols?: string[];
  extensions?: string;
  origin?: string;
  /** extra headers; user values override defaults except the handshake's own headers */
  headers?: Record<string, string | string[] | number>;
}

/**
 * Headers the handshake itself decides: a user value for one of these is ignored, since a wrong
 * one would make the server refuse or the 101 check below disagree with what was sent.
 */
const HANDSHAKE_HEADERS = new Set([
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/**
 * `GET path HTTP/1.1` with Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version,
 * then Sec-WebSocket-Protocol (offered protocols joined with ','), Sec-WebSocket-Extensions and
 * Origin when given, then the user's headers (an array value gives one line per element).
 * A user `Host` replaces the default in its place; `origin`, when given, wins over a user `Origin`.
 * Throws a TypeError when the path or a header would not stay on its own line (as node's
 * http.request does for the same mistakes); these come from the application, not the peer.
 * Write the result with the 'latin1' encoding, as node writes headers: one byte per character,
 * so that obs-text values (0x80-0xFF) reach the server as HttpHeadParser reads them.
 */
export function buildUpgradeRequest(options: UpgradeRequestOptions): string {
  const userHeaders = Object.entries(options.headers ?? {});
  const userHost = userHeaders.find(([name]) => name.toLowerCase() === 'host');
  const lines = [requestLine(options.path)];
  lines.push(...(userHost === undefined ? [headerLine('Host', options.host)] : userHeaderLines(userHost)));
  lines.push(
    'Upgrade: websocket',
    'Connection: Upgrade',
    headerLine('Sec-WebSocket-Key', options.key),
    'Sec-WebSocket-Version: 13',
  );
  if (options.protocols !== undefined && options.protocols.length > 0) {
    lines.push(headerLine('Sec-WebSocket-Protocol', options.protocols.join(',')));
  }
  if (options.extensions !== undefined && options.extensions !== '') {
    lines.push(headerLine('Sec-WebSocket-Extensions', options.extensions));
  }
  if (options.origin !== undefined) lines.push(headerLine('Origin', options.origin));
  for (const header of userHeaders) {
    const lowerName = header[0].toLowerCase();
    if (HANDSHAKE_HEADERS.has(lowerName) || lowerName === 'host') continue;
    if (lowerName === 'origin' && options.origin !== undefined) continue;
    lines.push(...userHeaderLines(header));
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** An array value is sent as repeated lines, as node's http.request does. */
function userHeaderLines([name, value]: [string, string | string[] | number]): string[] {
  return (Array.isArray(value) ? value : [value]).map((single) => headerLine(name, String(single)));
}

function requestLine(path: string): string {
  if (path.length === 0) throw new TypeError('Request path is empty');
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f) throw new TypeError('Request path contains unescaped characters');
  }
  return `GET ${path} HTTP/1.1`;
}

export type UpgradeResponseCheck =
  | { ok: true; protocol: string; extensions: string | undefined }
  | { ok: false; message: string };

/**
 * Checks a 101 response against RFC 6455 §4.1 (the client's "MUST _Fail the WebSocket
 * Connection_" list): status 101 (anything else is not ok; the caller emits unexpected-response),
 * Upgrade containing `websocket`, Connection containing `upgrade`, Sec-WebSocket-Accept equal to
 * computeAcceptKey(key), and Sec-WebSocket-Protocol present only when protocols were offered and
 * then one of them. When protocols were offered and the server chose none, this fails with
 * 'Server sent no subprotocol', as ws does, although RFC 6455 would allow carrying on.
 * Extensions are returned raw for the caller to validate.
 */
export function checkUpgradeResponse(head: HttpHead, key: string, offeredProtocols: string[]): UpgradeResponseCheck {
  const { headers } = head;
  if (head.statusCode !== 101) return { ok: false, message: `Unexpected server response: ${head.statusCode}` };
  if (!headerHasToken(headers['upgrade'], 'websocket')) return { ok: false, message: 'Invalid Upgrade header' };
  if (!headerHasToken(headers['connection'], 'upgrade')) return { ok: false, message: 'Invalid Connection header' };
  if (headers['sec-websocket-accept'] !== computeAcceptKey(key)) {
    return { ok: false, message: 'Invalid Sec-WebSocket-Accept header' };
  }
  const protocol = headers['sec-websocket-protocol'];
  const protocolError = checkChosenProtocol(protocol, offeredProtocols);
  if (protocolError !== undefined) return { ok: false, message: protocolError };
  return { ok: true, protocol: protocol ?? '', extensions: headers['sec-websocket-extensions'] };
}

function checkChosenProtocol(protocol: string | undefined, offeredProtocols: string[]): string | undefined {
  if (protocol === undefined) return offeredProtocols.length > 0 ? 'Server sent no subprotocol' : undefined;
  if (offeredProtocols.length === 0) return 'Server sent a subprotocol but none was requested';
  // §4.1 item 6: the server picks exactly one of the offered values, so a joined repeat fails too.
  return offeredProtocols.includes(protocol) ? undefined : 'Server sent an invalid subprotocol';
}
