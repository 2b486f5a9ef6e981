// The standard's "get a URL record" steps (https://websockets.spec.whatwg.org/#dom-websocket-websocket),
// the base URL that relative URLs resolve against (a page has one; Node has none until told), the
// Fetch "bad port" list and the subprotocol token rule.

import { domException } from './errors.js';

let explicitBase: string | undefined;

/**
 * Set the base URL that relative WebSocket URLs resolve against and whose origin is sent in the
 * Origin header, as a page's URL is in a browser. `undefined` removes it. Without one, a
 * `globalThis.location` (as browser-like test environments define it) is used when present.
 */
export function setBaseURL(url: string | URL | undefined): void {
  if (url === undefined) {
    explicitBase = undefined;
    return;
  }
  const parsed = URL.canParse(String(url)) ? new URL(String(url)) : null;
  if (parsed === null) throw new TypeError(`Invalid base URL: ${String(url)}`);
  explicitBase = parsed.href;
}

/** The base URL in effect: the one set with setBaseURL(), else globalThis.location's, else none. */
export function getBaseURL(): string | undefined {
  if (explicitBase !== undefined) return explicitBase;
  const location = (globalThis as { location?: { href?: unknown; origin?: unknown } }).location;
  if (location === undefined || location === null) return undefined;
  if (typeof location.href === 'string' && URL.canParse(location.href)) return location.href;
  if (typeof location.origin === 'string' && URL.canParse(location.origin)) return `${location.origin}/`;
  return undefined;
}

/** The origin of the base URL, for the Origin request header; undefined when it is opaque or unset. */
export function getBaseOrigin(): string | undefined {
  const base = getBaseURL();
  if (base === undefined) return undefined;
  const origin = new URL(base).origin;
  return origin === 'null' ? undefined : origin;
}

/** The standard's "get a URL record": parse against the base, map http(s) to ws(s), refuse the rest. */
export function getURLRecord(url: string, base: string | undefined): URL {
  let record: URL;
  try {
    record = new URL(url, base);
  } catch {
    throw domException('SyntaxError', `The URL '${url}' is invalid.`);
  }
  if (record.protocol === 'http:') record = new URL(`ws:${record.href.slice('http:'.length)}`);
  else if (record.protocol === 'https:') record = new URL(`wss:${record.href.slice('https:'.length)}`);
  if (record.protocol !== 'ws:' && record.protocol !== 'wss:') {
    throw domException('SyntaxError', `The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${record.protocol.slice(0, -1)}' is not allowed.`);
  }
  // A URL ending in '#' has an empty, non-null fragment: `hash` is '' then, so look at href.
  if (record.hash !== '' || record.href.endsWith('#')) {
    throw domException('SyntaxError', `The URL contains a fragment identifier ('${record.hash}'). Fragment identifiers are not allowed in WebSocket URLs.`);
  }
  return record;
}

// https://fetch.spec.whatwg.org/#port-blocking: ports of other protocols that a page must not reach.
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110,
  111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532,
  540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061,
  6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Fetch answers a request to a bad port with a network error, so the connection fails (error, then
 * close 1006) without being dialed; the constructor does not throw (older browsers threw a
 * SecurityError; Chromium and the current standard do not).
 */
export function isBadPort(record: URL): boolean {
  return record.port !== '' && BAD_PORTS.has(Number(record.port));
}

/** The request target's host:port, which RFC 6455 §4.1 allows one CONNECTING connection at a time. */
export function hostKey(record: URL): string {
  const port = record.port !== '' ? record.port : record.protocol === 'wss:' ? '443' : '80';
  return `${record.hostname}:${port}`;
}

/** An Authorization header for credentials in the URL, as browsers send them (Basic). */
export function basicAuthorization(record: URL): string | undefined {
  if (record.username === '' && record.password === '') return undefined;
  const credentials = `${decodeURIComponent(record.username)}:${decodeURIComponent(record.password)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

// RFC 7230 §3.2.6 token characters: visible ASCII except the separators.
const SEPARATORS = '()<>@,;:\\"/[]?={}';

function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x21 || code > 0x7e || SEPARATORS.includes(value[i])) return false;
  }
  return true;
}

/**
 * Each subprotocol must be a token (RFC 6455 §4.1, Sec-WebSocket-Protocol) and none may repeat;
 * repeats are compared ASCII case-insensitively, as the standard now says (["echo", "eCho"] throws).
 */
export function validateProtocols(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    const key = protocol.toLowerCase();
    if (!isToken(protocol) || seen.has(key)) {
      throw domException('SyntaxError', `The subprotocol '${protocol}' is invalid or duplicated.`);
    }
    seen.add(key);
  }
}
