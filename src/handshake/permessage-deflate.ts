// permessage-deflate (RFC 7692): options, and the negotiation of parameters on both sides of the
// handshake. Pure: no zlib here (the codec is src/transport/deflate-codec.ts), so every rule of §5 and
// §7.1 is testable with plain values.

import type { ZlibOptions } from 'node:zlib';
import { formatExtensions, type ExtensionOffer, type ExtensionParams } from './extensions.js';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

export interface PerMessageDeflateOptions {
  /**
   * Server: always answer with server_no_context_takeover (resets our compressor after every
   * message: less memory, worse ratio). Client: ask the server for it. Default false.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Server: always answer with client_no_context_takeover. Client: declare in the offer that we
   * will reset our compressor after every message. Default false.
   */
  clientNoContextTakeover?: boolean;
  /**
   * 8..15. Server: the largest LZ77 window we compress with (the client's offer may lower it).
   * Client: ask the server to compress with at most this window. Default: not requested (15).
   */
  serverMaxWindowBits?: number;
  /**
   * 8..15, or `true` to offer the bare parameter. Server: a number makes us require the client to
   * compress with at most this window (offers without client_max_window_bits are declined).
   * Client: a number limits our compressor; `true` (and the default, undefined) offers the bare
   * parameter, letting the server choose; `false` leaves it out of the offer.
   */
  clientMaxWindowBits?: number | boolean;
  /**
   * Passed to zlib for our compressor. Default {}: level and memLevel are zlib's defaults, and the
   * window is 13 bits (8 KiB) within the negotiated maximum (RFC 7692 lets a sender use less),
   * which keeps a compression context at ~130 KiB instead of ~230 KiB per connection. Set
   * `windowBits` (up to the negotiated maximum, 15 = ws's behaviour) for large repetitive messages.
   */
  zlibDeflateOptions?: ZlibOptions;
  /** Passed to zlib.createInflateRaw (windowBits is set from the negotiation). Default {}. */
  zlibInflateOptions?: ZlibOptions;
  /** Payloads smaller than this many bytes are sent uncompressed. Default 1024. */
  threshold?: number;
  /** Most zlib jobs running at once, across all instances configured with the same limit. Default 10. */
  concurrencyLimit?: number;
}

/** The agreed parameters: what both sides use for the rest of the connection. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** 8..15; 15 when the response carried no server_max_window_bits. */
  serverMaxWindowBits: number;
  /** 8..15; 15 when neither side limited it. */
  clientMaxWindowBits: number;
}

/** RFC 7692 §7.1.2: the LZ77 window is 2^8 to 2^15 bytes. */
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;

/** The parameters of one offer or response, checked for syntax (§7.1) but not yet judged. */
interface DeflateRequest {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` = the bare parameter (offers only). */
  clientMaxWindowBits: number | true | undefined;
}

type ParseResult = { request: DeflateRequest } | { error: string };

/**
 * Check options for programmer errors (a window outside 8..15 cannot be negotiated at all).
 * Servers and clients should call this when they are constructed; the negotiation functions
 * call it too and throw a RangeError.
 */
export function validatePerMessageDeflateOptions(options: PerMessageDeflateOptions): void {
  const { serverMaxWindowBits, clientMaxWindowBits, threshold, concurrencyLimit } = options;
  if (serverMaxWindowBits !== undefined && !isWindowBits(serverMaxWindowBits)) {
    throw new RangeError(`serverMaxWindowBits must be an integer from 8 to 15, got ${serverMaxWindowBits}`);
  }
  if (typeof clientMaxWindowBits === 'number' && !isWindowBits(clientMaxWindowBits)) {
    throw new RangeError(`clientMaxWindowBits must be an integer from 8 to 15, got ${clientMaxWindowBits}`);
  }
  if (threshold !== undefined && !(threshold >= 0)) {
    throw new RangeError(`threshold must be a number >= 0, got ${threshold}`);
  }
  if (concurrencyLimit !== undefined && !(Number.isInteger(concurrencyLimit) && concurrencyLimit >= 1)) {
    throw new RangeError(`concurrencyLimit must be an integer >= 1, got ${concurrencyLimit}`);
  }
}

function isWindowBits(value: number): boolean {
  return Number.isInteger(value) && value >= MIN_WINDOW_BITS && value <= MAX_WINDOW_BITS;
}

/**
 * §7.1.2.1/§7.1.2.2: the value is 1*DIGIT without leading zeros, 8..15. So "8".."15" exactly:
 * "08", "+9", "9.0" and " 9" are all invalid.
 */
function parseWindowBits(value: string): number | undefined {
  const code0 = value.charCodeAt(0);
  if (value.length === 1) return code0 === 0x38 || code0 === 0x39 ? code0 - 0x30 : undefined;
  if (value.length !== 2 || code0 !== 0x31) return undefined;
  const digit = value.charCodeAt(1) - 0x30;
  return digit >= 0 && digit <= 5 ? 10 + digit : undefined;
}

/**
 * Read the parameters of one permessage-deflate element. `inResponse` selects the rules of a
 * response, where client_max_window_bits needs a value (§7.1.2.2).
 */
function parseDeflateParams(offer: ExtensionOffer, inResponse: boolean): ParseResult {
  if (offer.repeatedParams !== undefined) {
    return { error: `Duplicate parameter "${offer.repeatedParams[0]}"` };
  }
  const request: DeflateRequest = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  for (const name of Object.keys(offer.params)) {
    const error = readParam(request, name, offer.params[name]!, inResponse);
    if (error !== undefined) return { error };
  }
  return { request };
}

function readParam(request: DeflateRequest, name: string, value: string | true, inResponse: boolean): string | undefined {
  switch (name) {
    case 'server_no_context_takeover':
    case 'client_no_context_takeover':
      // §7.1.1.1, §7.1.1.2: these parameters have no value.
      if (value !== true) return `Invalid value for parameter "${name}": ${value}`;
      if (name === 'server_no_context_takeover') request.serverNoContextTakeover = true;
      else request.clientNoContextTakeover = true;
      return undefined;
    case 'server_max_window_bits': {
      const bits = value === true ? undefined : parseWindowBits(value);
      if (bits === undefined) return `Invalid value for parameter "${name}": ${value}`;
      request.serverMaxWindowBits = bits;
      return undefined;
    }
    case 'client_max_window_bits': {
      if (value === true && !inResponse) {
        request.clientMaxWindowBits = true;
        return undefined;
      }
      const bits = value === true ? undefined : parseWindowBits(value);
      if (bits === undefined) return `Invalid value for parameter "${name}": ${value}`;
      request.clientMaxWindowBits = bits;
      return undefined;
    }
    default:
      return `Unknown parameter "${name}"`;
  }
}

/**
 * Server side (RFC 7692 §5, §7.1): walk the client's permessage-deflate offers in order and
 * accept the first one our options can meet; offers of other extensions are ignored.
 *
 * Returns `{ error }` when any permessage-deflate offer is malformed (unknown or repeated
 * parameter, a value on a *_no_context_takeover, a window outside 8..15): the server answers 400.
 * RFC 7692 §5 would have us merely decline such an offer; failing the handshake is what ws does,
 * and a client that sends a broken offer is broken enough to be told so.
 * Returns `null` when no offer is acceptable: the connection proceeds without compression.
 */
export function negotiateServer(
  offers: ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams; response: string } | null | { error: string } {
  validatePerMessageDeflateOptions(options);
  const requests: DeflateRequest[] = [];
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const parsed = parseDeflateParams(offer, false);
    if ('error' in parsed) return { error: `Invalid Sec-WebSocket-Extensions header: ${parsed.error}` };
    requests.push(parsed.request);
  }
  for (const request of requests) {
    const params = acceptOffer(request, options);
    if (params !== null) return { params, response: formatServerResponse(params, request, options) };
  }
  return null;
}

/** The parameters we would agree to for one offer, or null to decline it. */
function acceptOffer(request: DeflateRequest, options: PerMessageDeflateOptions): DeflateParams | null {
  const wantedClientBits = typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : undefined;
  // §7.1.2.2: without client_max_window_bits in the offer we may not limit the client's window,
  // so an offer cannot satisfy a server that requires a limit.
  if (wantedClientBits !== undefined && request.clientMaxWindowBits === undefined) return null;
  const offeredClientBits = typeof request.clientMaxWindowBits === 'number' ? request.clientMaxWindowBits : undefined;
  return {
    // §7.1.1.1: a requested server_no_context_takeover must be echoed, and we may add it unasked.
    serverNoContextTakeover: request.serverNoContextTakeover || options.serverNoContextTakeover === true,
    // §7.1.1.2: the server may always add it; echoing the client's hint lets us drop the inflate
    // context between messages, which costs the client nothing it had not offered.
    clientNoContextTakeover: request.clientNoContextTakeover || options.clientNoContextTakeover === true,
    // §7.1.2.1: answer with the same or a smaller value than offered; we may add it unasked.
    serverMaxWindowBits: minDefined(request.serverMaxWindowBits, options.serverMaxWindowBits) ?? MAX_WINDOW_BITS,
    clientMaxWindowBits: minDefined(offeredClientBits, wantedClientBits) ?? MAX_WINDOW_BITS,
  };
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function formatServerResponse(params: DeflateParams, request: DeflateRequest, options: PerMessageDeflateOptions): string {
  const response: ExtensionParams = {};
  if (params.serverNoContextTakeover) response.server_no_context_takeover = true;
  if (params.clientNoContextTakeover) response.client_no_context_takeover = true;
  if (request.serverMaxWindowBits !== undefined || options.serverMaxWindowBits !== undefined) {
    response.server_max_window_bits = String(params.serverMaxWindowBits);
  }
  // Echo a limit whenever the client offered a value or we want one: the client must then keep
  // to it, and both sides agree on the number in DeflateParams.
  if (request.clientMaxWindowBits !== undefined && params.clientMaxWindowBits < MAX_WINDOW_BITS) {
    response.client_max_window_bits = String(params.clientMaxWindowBits);
  }
  return formatExtensions([{ name: PERMESSAGE_DEFLATE, params: response }]);
}

/** Client side: the Sec-WebSocket-Extensions value offering permessage-deflate with our options. */
export function buildClientOffer(options: PerMessageDeflateOptions): string {
  validatePerMessageDeflateOptions(options);
  const params: ExtensionParams = {};
  if (options.serverNoContextTakeover === true) params.server_no_context_takeover = true;
  if (options.clientNoContextTakeover === true) params.client_no_context_takeover = true;
  if (options.serverMaxWindowBits !== undefined) params.server_max_window_bits = String(options.serverMaxWindowBits);
  // §7.1.2.2: offering client_max_window_bits (bare) tells the server it may limit our window.
  const clientBits = options.clientMaxWindowBits;
  if (typeof clientBits === 'number') params.client_max_window_bits = String(clientBits);
  else if (clientBits !== false) params.client_max_window_bits = true;
  return formatExtensions([{ name: PERMESSAGE_DEFLATE, params }]);
}

/** ws's messages, which users already match on; the specific reason follows after a colon. */
const INVALID_HEADER = 'Invalid Sec-WebSocket-Extensions header';
const NOT_REQUESTED = 'Server indicated an extension that was not requested';

/**
 * Client side: validate the server's response to the offer built by `buildClientOffer` (§7.1).
 * `offers` is the parsed Sec-WebSocket-Extensions of the 101; call this only when that header was
 * present. Fails on: an extension we did not offer, permessage-deflate absent or repeated, an
 * unknown or repeated parameter, a bad value, server_max_window_bits above what we asked for,
 * client_max_window_bits when we did not offer it or above our limit.
 *
 * A response without server_no_context_takeover or server_max_window_bits that we asked for is
 * accepted (our inflater copes with a full window and context takeover), as ws does; the agreed
 * params then say what the server will really do.
 */
export function acceptServerResponse(
  offers: ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams } | { error: string } {
  validatePerMessageDeflateOptions(options);
  if (offers.length === 0 || offers.some((offer) => offer.name !== PERMESSAGE_DEFLATE)) {
    return { error: NOT_REQUESTED };
  }
  if (offers.length > 1) return { error: `${INVALID_HEADER}: permessage-deflate accepted more than once` };
  const parsed = parseDeflateParams(offers[0]!, true);
  if ('error' in parsed) return { error: `${INVALID_HEADER}: ${parsed.error}` };
  const { request } = parsed;

  if (
    request.serverMaxWindowBits !== undefined &&
    options.serverMaxWindowBits !== undefined &&
    request.serverMaxWindowBits > options.serverMaxWindowBits
  ) {
    return { error: `${INVALID_HEADER}: server_max_window_bits above the offered ${options.serverMaxWindowBits}` };
  }
  const offeredClientBits = options.clientMaxWindowBits;
  // A bare client_max_window_bits never gets here: parseDeflateParams rejects it in a response.
  const answeredClientBits = request.clientMaxWindowBits === true ? undefined : request.clientMaxWindowBits;
  if (answeredClientBits !== undefined) {
    if (offeredClientBits === false) return { error: `${INVALID_HEADER}: client_max_window_bits was not offered` };
    if (typeof offeredClientBits === 'number' && answeredClientBits > offeredClientBits) {
      return { error: `${INVALID_HEADER}: client_max_window_bits above the offered ${offeredClientBits}` };
    }
  }
  return {
    params: {
      serverNoContextTakeover: request.serverNoContextTakeover,
      clientNoContextTakeover: request.clientNoContextTakeover,
      serverMaxWindowBits: request.serverMaxWindowBits ?? MAX_WINDOW_BITS,
      // Our offered limit binds us even when the response does not repeat it (§7.1.2.2).
      clientMaxWindowBits: answeredClientBits ?? (typeof offeredClientBits === 'number' ? offeredClientBits : MAX_WINDOW_BITS),
    },
  };
}
