// The server's side of the opening handshake (RFC 6455 §4.2): decide whether a parsed request is
// a valid WebSocket upgrade, and write the 101 or the error response. Pure: strings in, strings out.

import crypto from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { HttpHead } from './http-parser.js';
import { headerHasToken, isFieldValue, isToken, parseTokenList } from './tokens.js';

/** RFC 6455 §1.3: the GUID appended to the client's key before hashing. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/**
 * The versions this server speaks, as listed in its refusals: 13 (RFC 6455 §4.1 item 9) and 8, the
 * hybi-08..12 drafts' number, whose framing is that of 13 (only the origin header is named
 * Sec-WebSocket-Origin). ws accepts both; so do we, so that any client ws serves is served.
 */
export const SUPPORTED_VERSIONS = '13, 8';

export interface UpgradeRequestInfo {
  key: string;
  /** offered subprotocols in order (Sec-WebSocket-Protocol, comma list of tokens, duplicates → error 400) */
  protocols: string[];
  /** raw Sec-WebSocket-Extensions header or undefined */
  extensions: string | undefined;
  /** 13, or 8 for a hybi-08..12 draft client (same framing; Sec-WebSocket-Origin instead of Origin) */
  version: 13 | 8;
}

export type UpgradeValidation =
  | { ok: true; info: UpgradeRequestInfo }
  | {
      ok: false;
      status: number;
      message: string;
      /** extra response headers, e.g. { 'Sec-WebSocket-Version': '13, 8' } with 400 */
      headers?: Record<string, string>;
    };

type UpgradeRejection = Extract<UpgradeValidation, { ok: false }>;

/**
 * Checks a request against RFC 6455 §4.2.1, in this order:
 * - method GET, else 405 with `Allow: GET` (RFC 7231 §6.5.5 requires Allow with 405);
 * - HTTP/1.1 or later, else 400. Not 505: RFC 7231 §6.6.6 reserves 505 for refusing the *major*
 *   version, and HTTP/1.0 shares major version 1 with HTTP/1.1;
 * - exactly one Host header, else 400 (RFC 7230 §5.4; repeated headers arrive joined with ', ');
 * - Upgrade containing the token `websocket` and Connection containing `upgrade`, compared
 *   case-insensitively within comma lists, else 400;
 * - Sec-WebSocket-Key decoding to 16 bytes (22 base64 characters and '=='), else 400;
 * - Sec-WebSocket-Version `13` or `8`, else 400 with `Sec-WebSocket-Version: 13, 8`, also when it is
 *   missing. §4.2.2 asks for "an appropriate HTTP error code (such as 426 Upgrade Required)" and the
 *   versions understood; §4.4's own example answers 400 with the list, and so does ws: we do as ws;
 * - Sec-WebSocket-Protocol, when present, a list of distinct tokens, else 400.
 * Sec-WebSocket-Extensions is returned raw; the caller negotiates it.
 */
export function validateUpgradeRequest(
  head: Pick<HttpHead, 'method' | 'httpVersionMajor' | 'httpVersionMinor' | 'headers'>,
): UpgradeValidation {
  const { headers } = head;
  if (head.method !== 'GET') return reject(405, 'Invalid HTTP method', { Allow: 'GET' });
  if (head.httpVersionMajor < 1 || (head.httpVersionMajor === 1 && head.httpVersionMinor < 1)) {
    return reject(400, 'HTTP/1.1 or later is required');
  }
  const host = headers['host'];
  if (host === undefined || host.includes(',')) return reject(400, 'Missing or invalid Host header');
  if (!headerHasToken(headers['upgrade'], 'websocket')) return reject(400, 'Invalid Upgrade header');
  if (!headerHasToken(headers['connection'], 'upgrade')) return reject(400, 'Invalid Connection header');
  const key = headers['sec-websocket-key'];
  if (key === undefined || !isValidKey(key)) return reject(400, 'Missing or invalid Sec-WebSocket-Key header');
  const versionHeader = headers['sec-websocket-version'];
  const version = versionHeader === '13' ? 13 : versionHeader === '8' ? 8 : 0;
  if (version === 0) {
    return reject(400, 'Missing or invalid Sec-WebSocket-Version header', { 'Sec-WebSocket-Version': SUPPORTED_VERSIONS });
  }
  const protocols = parseOfferedProtocols(headers['sec-websocket-protocol']);
  if (protocols === null) return reject(400, 'Invalid Sec-WebSocket-Protocol header');
  return {
    ok: true,
    info: { key, protocols, extensions: headers['sec-websocket-extensions'], version },
  };
}

function reject(status: number, message: string, headers?: Record<string, string>): UpgradeRejection {
  return headers === undefined ? { ok: false, status, message } : { ok: false, status, message, headers };
}

/** Absent means none offered; present must be distinct tokens (RFC 6455 §4.1 item 10). */
function parseOfferedProtocols(value: string | undefined): string[] | null {
  if (value === undefined) return [];
  const protocols = parseTokenList(value);
  if (protocols === null || new Set(protocols).size !== protocols.length) return null;
  return protocols;
}

const BASE64_ALPHABET = buildBase64Table();

function buildBase64Table(): Uint8Array {
  const table = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let index = 0; index < alphabet.length; index++) table[alphabet.charCodeAt(index)] = 1;
  return table;
}

/**
 * RFC 6455 §4.2.1 item 5: a base64 value that decodes to 16 bytes, i.e. 22 alphabet characters
 * and '=='. The unused low bits of the 22nd character are not required to be zero, as lenient
 * decoders (and other servers) accept them.
 */
function isValidKey(key: string): boolean {
  if (key.length !== 24 || key.charCodeAt(22) !== 0x3d || key.charCodeAt(23) !== 0x3d) return false;
  for (let index = 0; index < 22; index++) {
    const code = key.charCodeAt(index);
    if (code >= 128 || BASE64_ALPHABET[code] !== 1) return false;
  }
  return true;
}

/**
 * One-shot SHA-1 to base64: crypto.hash (Node 20.12+) where it exists, 350-770 ns per key against
 * 930-2,560 for createHash().update().digest() (/tmp micro-benchmark, 200,000 keys, Node 20.20).
 */
const sha1Base64: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text, 'latin1').digest('base64');

/** base64(SHA-1(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')) */
export function computeAcceptKey(key: string): string {
  // The key is ASCII (validated base64, or made by our client): its UTF-8 and latin1 bytes agree.
  return sha1Base64(key + WEBSOCKET_GUID);
}

/**
 * The lines of a 101 response: status line, Upgrade, Connection, Sec-WebSocket-Accept, then
 * Sec-WebSocket-Protocol / Sec-WebSocket-Extensions when not empty. The server shows this array
 * to its 'headers' listeners, which may add lines (as ws allows), then writes it with
 * `serializeResponseHead`.
 */
export function acceptResponseLines(acceptKey: string, options: { protocol?: string; extensions?: string }): string[] {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey}`];
  if (options.protocol !== undefined && options.protocol !== '') lines.push(`Sec-WebSocket-Protocol: ${options.protocol}`);
  if (options.extensions !== undefined && options.extensions !== '') lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  return lines;
}

/**
 * A status line and header lines ('Name: value') joined into a response head ending with the
 * blank line. Every header line is checked (see buildAcceptResponse), as some come from the
 * application ('headers' listeners, handleProtocols).
 */
export function serializeResponseHead(lines: readonly string[]): string {
  let head = `${lines[0]}\r\n`;
  for (let index = 1; index < lines.length; index++) head += `${checkedRawLine(lines[index]!)}\r\n`;
  return `${head}\r\n`;
}

/**
 * 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: …\r\n' + optional Sec-WebSocket-Protocol / Sec-WebSocket-Extensions + extra lines (as given, already 'Name: value') + '\r\n'
 *
 * The same bytes as serializeResponseHead(acceptResponseLines(…)) in one concatenation: what the
 * server writes when no 'headers' listener can change the lines. The fixed lines are ours and
 * are not re-checked; the protocol, the extensions and the extra lines are.
 *
 * Throws a TypeError when a value would break the response into extra lines (CR, LF or another
 * control character): those come from the application, never from the peer, and writing them
 * would let a value inject headers. Like the client's request, it is meant to be written as 'latin1'.
 */
export function buildAcceptResponse(
  acceptKey: string,
  options: { protocol?: string; extensions?: string; extraHeaderLines?: string[] },
): string {
  let head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey}\r\n`;
  const { protocol, extensions, extraHeaderLines } = options;
  if (protocol !== undefined && protocol !== '') head += `${headerLine('Sec-WebSocket-Protocol', protocol)}\r\n`;
  if (extensions !== undefined && extensions !== '') head += `${headerLine('Sec-WebSocket-Extensions', extensions)}\r\n`;
  if (extraHeaderLines !== undefined) for (const line of extraHeaderLines) head += `${checkedRawLine(line)}\r\n`;
  return `${head}\r\n`;
}

/**
 * A complete HTTP error response that closes: status line with the standard reason phrase (node:http STATUS_CODES is a fine table), Connection: close, Content-Type: text/html, Content-Length, extra headers, body = message (or the reason phrase).
 *
 * An extra header with the same name as a default (compared case-insensitively) replaces it.
 * Content-Length counts the UTF-8 bytes of the body, so write the result as UTF-8.
 * Throws a TypeError on a status outside 100-999 or a header that is not a token name with a
 * single-line value (see buildAcceptResponse).
 */
export function buildErrorResponse(status: number, message?: string, headers?: Record<string, string | number>): string {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new TypeError(`Invalid HTTP status code: ${status}`);
  }
  const reason = STATUS_CODES[status] ?? 'Unknown';
  const body = message ?? reason;
  const fields = new Map<string, [string, string]>();
  const setField = (name: string, value: string | number): void => {
    fields.set(name.toLowerCase(), [name, String(value)]);
  };
  setField('Connection', 'close');
  setField('Content-Type', 'text/html');
  setField('Content-Length', Buffer.byteLength(body));
  for (const [name, value] of Object.entries(headers ?? {})) setField(name, value);
  const lines = [`HTTP/1.1 ${status} ${reason}`];
  for (const [name, value] of fields.values()) lines.push(headerLine(name, value));
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** `Name: value`, refusing anything that would not stay one header line. */
export function headerLine(name: string, value: string): string {
  if (!isToken(name)) throw new TypeError(`Invalid HTTP header name: ${JSON.stringify(name)}`);
  if (!isFieldValue(value)) throw new TypeError(`Invalid character in the value of the ${name} header`);
  return `${name}: ${value}`;
}

function checkedRawLine(line: string): string {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new TypeError(`Invalid HTTP header line: ${JSON.stringify(line)}`);
  headerLine(line.slice(0, colon), line.slice(colon + 1));
  return line;
}
