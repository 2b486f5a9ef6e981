// The client's options, checked once in the constructor before any socket exists (issue 12: a
// constructor that threw after net.connect left a TCP connection open). The errors are the ones a
// ws user sees for the same mistakes: ws's own, or node's http.request's, which ws relies on.

import { validateHeaderName, validateHeaderValue } from 'node:http';
import { unescape } from 'node:querystring';
import { buildClientOffer, validatePerMessageDeflateOptions, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { codedTypeError, invalidArgType, outOfRange } from '../errors.js';
import { parseTarget, validateProtocols, type Target } from './url.js';
import type { HandshakeOptions } from './client-options.js';

/** RFC 6455 is version 13; 8 is the hybi-08 draft, which ws still offers on request. */
const PROTOCOL_VERSIONS = [8, 13] as const;
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/** Everything one handshake attempt needs, decided before dialing. */
export interface ClientPlan {
  target: Target;
  protocols: string[];
  options: HandshakeOptions;
  protocolVersion: ProtocolVersion;
  /** permessage-deflate options, or null when compression is not offered. */
  deflate: PerMessageDeflateOptions | null;
  /** The Sec-WebSocket-Extensions offer, when deflate is offered. */
  extensionsOffer: string | undefined;
  /** `user:password` for Authorization: Basic (from the URL, else the `auth` option). */
  auth: string | undefined;
  /** 0 = no deadline. */
  handshakeTimeout: number;
}

export function planClient(address: string | URL, protocols: string[], options: HandshakeOptions): ClientPlan {
  const protocolVersion = options.protocolVersion ?? 13;
  if (!(PROTOCOL_VERSIONS as readonly unknown[]).includes(protocolVersion)) {
    throw new RangeError(`Unsupported protocol version: ${String(protocolVersion)} (supported versions: ${PROTOCOL_VERSIONS.join(', ')})`);
  }
  const target = parseTarget(address);
  const deflate = deflateOptions(options);
  validateProtocols(protocols);
  const handshakeTimeout = timeoutOption(options.handshakeTimeout);
  validateHeaders(options);
  validateCallbacks(options);
  validateNumbers(options);
  return {
    target,
    protocols,
    options,
    protocolVersion: protocolVersion as ProtocolVersion,
    deflate,
    extensionsOffer: deflate === null ? undefined : buildClientOffer(deflate),
    auth: urlCredentials(target.url) ?? options.auth ?? undefined,
    handshakeTimeout,
  };
}

function deflateOptions(options: HandshakeOptions): PerMessageDeflateOptions | null {
  const setting = options.perMessageDeflate ?? true;
  if (setting === false) return null;
  const deflate = setting === true ? {} : setting;
  // ws6455 refuses a window outside 8..15 here (ws would offer it and fail later, at the server).
  validatePerMessageDeflateOptions(deflate);
  return deflate;
}

/** ws hands handshakeTimeout to http.request as `timeout`, which checks it like this. */
function timeoutOption(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') throw invalidArgType('timeout', 'number', value);
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw outOfRange('timeout', 'a non-negative finite number', value);
  }
  return value;
}

/** What node's http.request throws for a header it cannot write (CR/LF, a non-token name, undefined). */
function validateHeaders(options: HandshakeOptions): void {
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    validateHeaderName(name);
    for (const single of Array.isArray(value) ? value : [value]) validateHeaderValue(name, single as string);
  }
  if (options.origin !== undefined && options.origin !== '') {
    validateHeaderValue(options.protocolVersion === 8 ? 'Sec-WebSocket-Origin' : 'Origin', options.origin);
  }
}

/** The agent and the user's functions, which would otherwise fail only once dialing. */
function validateCallbacks(options: HandshakeOptions): void {
  const agent: unknown = options.agent;
  if (agent !== undefined && agent !== null && agent !== false && typeof (agent as { addRequest?: unknown }).addRequest !== 'function') {
    throw invalidArgType('options.agent', 'Agent-like Object, undefined, or false', agent);
  }
  if (options.finishRequest !== undefined && typeof options.finishRequest !== 'function') {
    throw codedTypeError('The "finishRequest" option must be a function', 'ERR_INVALID_ARG_TYPE');
  }
  if (options.generateMask !== undefined && typeof options.generateMask !== 'function') {
    throw codedTypeError('The "generateMask" option must be a function', 'ERR_INVALID_ARG_TYPE');
  }
}

/** Sizes and counts: a wrong one would only show up on a live connection, so it is refused now. */
function validateNumbers(options: HandshakeOptions): void {
  for (const name of ['maxPayload', 'maxRedirects', 'closeTimeout', 'maxBufferedAmount', 'maxBufferedChunks', 'maxFragments'] as const) {
    const value: unknown = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
    if (!(value >= 0)) throw outOfRange(name, '>= 0', value);
  }
}

/** `ws://user:pass@host/` sends `Authorization: Basic`, as http.request does for `auth`. */
export function urlCredentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return `${unescape(url.username)}:${unescape(url.password)}`;
}
