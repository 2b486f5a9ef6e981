// The client side of the opening handshake over raw net/tls sockets: URL rules, the request, the
// 101 check, extension acceptance, redirects and unexpected responses; then hands the socket over.

import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { codedError } from './errors.js';
import { buildUpgradeRequest, checkUpgradeResponse, generateKey } from './handshake/client.js';
import { parseExtensions } from './handshake/extensions.js';
import { HttpHeadParser, type HttpHead } from './handshake/http-parser.js';
import { isToken } from './handshake/tokens.js';
import { acceptServerResponse, buildClientOffer, type PerMessageDeflateOptions } from './protocol/deflate.js';
import { PerMessageDeflate } from './permessage-deflate.js';
import type { ClientOptions, WebSocket } from './websocket.js';

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const DEFAULT_CLOSE_TIMEOUT = 30_000;

/** The handshake in progress, so that close()/terminate() during CONNECTING can abort it. */
export interface ClientHandshake {
  abort(): void;
}

/** What ws hands to 'upgrade' and 'unexpected-response' listeners, in the shape users read. */
export interface HandshakeResponse extends Readable {
  statusCode: number;
  statusMessage: string;
  headers: Record<string, string>;
  rawHeaders: string[];
  httpVersion: string;
}

/** A stand-in for ws's ClientRequest: what users touch (headers, abort/destroy). */
export interface HandshakeRequest {
  method: 'GET';
  path: string;
  host: string;
  protocol: string;
  socket: Duplex;
  getHeader(name: string): string | undefined;
  abort(): void;
  destroy(error?: Error): void;
}

interface Target {
  secure: boolean;
  host: string;
  port: number;
  socketPath: string | undefined;
  path: string;
  hostHeader: string;
  url: URL;
}

export function connectClient(ws: WebSocket, address: string | URL, protocols: string[], options: ClientOptions): void {
  const url = parseTarget(address);
  ws.setUrl(url.url.href);
  validateProtocols(protocols);
  if (options.protocolVersion !== undefined && options.protocolVersion !== 13) {
    throw new RangeError(`Unsupported protocol version: ${options.protocolVersion} (supported versions: 13)`);
  }
  startHandshake(ws, url, protocols, options, 0);
}

function parseTarget(address: string | URL): Target {
  let url: URL;
  try {
    url = address instanceof URL ? address : new URL(address);
  } catch {
    throw new SyntaxError(`Invalid URL: ${String(address)}`);
  }
  if (url.protocol === 'http:') url = new URL(`ws:${url.href.slice(5)}`);
  else if (url.protocol === 'https:') url = new URL(`wss:${url.href.slice(6)}`);
  const unix = url.protocol === 'ws+unix:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:' && !unix) {
    throw new SyntaxError('The URL\'s protocol must be one of "ws:", "wss:", "http:", "https:", or "ws+unix:"');
  }
  if (url.hash) throw new SyntaxError('The URL contains a fragment identifier');
  if (unix && !url.pathname) throw new SyntaxError("The URL's pathname is empty");
  const secure = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (unix) {
    // ws+unix:///path/to.sock:/request/path — the socket path, then the request path after ':'.
    const [socketPath, requestPath] = splitUnixPath(url.pathname + url.search);
    return { secure: false, host: 'localhost', port: 0, socketPath, path: requestPath, hostHeader: 'localhost', url };
  }
  const defaultPort = secure ? 443 : 80;
  const hostHeader = url.port && port !== defaultPort ? `${url.hostname}:${port}` : url.hostname;
  return { secure, host, port, socketPath: undefined, path: (url.pathname || '/') + url.search, hostHeader, url };
}

function splitUnixPath(pathname: string): [string, string] {
  const colon = pathname.indexOf(':');
  if (colon === -1) return [pathname, '/'];
  return [pathname.slice(0, colon), pathname.slice(colon + 1) || '/'];
}

function validateProtocols(protocols: string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol) || seen.has(protocol)) {
      throw new SyntaxError('An invalid or duplicated subprotocol was specified');
    }
    seen.add(protocol);
  }
}

function deflateOptions(options: ClientOptions): PerMessageDeflateOptions | null {
  const setting = options.perMessageDeflate ?? true;
  if (setting === false) return null;
  return setting === true ? {} : setting;
}

function openSocket(target: Target, options: ClientOptions): Duplex {
  const connectOptions: Record<string, unknown> = { ...options, host: target.host, port: target.port };
  delete connectOptions.timeout;
  if (target.socketPath !== undefined) connectOptions.path = target.socketPath;
  if (target.secure && connectOptions.servername === undefined && !net.isIP(target.host)) {
    connectOptions.servername = target.host;
  }
  if (options.createConnection) return options.createConnection(connectOptions);
  if (target.socketPath !== undefined) return net.connect({ path: target.socketPath });
  return target.secure ? tls.connect(connectOptions as tls.ConnectionOptions) : net.connect(connectOptions as unknown as net.NetConnectOpts);
}

function startHandshake(ws: WebSocket, target: Target, protocols: string[], options: ClientOptions, redirects: number): void {
  const deflate = deflateOptions(options);
  const key = generateKey();
  const socket = openSocket(target, options);
  const parser = new HttpHeadParser({ kind: 'response' });
  let timer: NodeJS.Timeout | null = null;
  let settled = false;

  const request: HandshakeRequest = {
    method: 'GET',
    path: target.path,
    host: target.hostHeader,
    protocol: target.secure ? 'https:' : 'http:',
    socket,
    getHeader: (name) => (name.toLowerCase() === 'host' ? target.hostHeader : undefined),
    abort: () => finish(null, false),
    destroy: (error) => finish(error ?? null, error !== undefined),
  };

  const cleanup = (): void => {
    if (timer !== null) clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
  };

  /** End the handshake without a connection: report the error (if any), close with 1006. */
  function finish(error: Error | null, emitError: boolean): void {
    if (settled) return;
    settled = true;
    cleanup();
    socket.destroy();
    ws.failHandshake(error ?? new Error('WebSocket was closed before the connection was established'), emitError && error !== null);
  }

  const onError = (error: Error): void => finish(error, true);
  const onClose = (): void => finish(codedError('socket hang up', 'ECONNRESET'), true);
  const onData = (chunk: Buffer): void => {
    const result = parser.push(chunk);
    if (result.kind === 'incomplete') return;
    if (result.kind === 'error') {
      finish(codedError(`Invalid HTTP response: ${result.message}`, 'WS_ERR_INVALID_RESPONSE'), true);
      return;
    }
    settled = true;
    cleanup();
    onResponse(result.head, result.rest);
  };

  function onResponse(head: HttpHead, rest: Buffer): void {
    const status = head.statusCode ?? 0;
    if (status !== 101) {
      onNonUpgrade(head, rest);
      return;
    }
    const check = checkUpgradeResponse(head, key, protocols);
    if (!check.ok) return reject(check.message);
    const accepted = acceptExtensions(check.extensions);
    if ('error' in accepted) return reject(accepted.error);
    ws.handshake = null;
    ws.emit('upgrade', toResponse(head));
    ws.attachSocket(socket, rest, {
      role: 'client',
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      skipUTF8Validation: options.skipUTF8Validation ?? false,
      autoPong: options.autoPong ?? true,
      deflate: accepted.deflate,
      closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      maxBufferedAmount: options.maxBufferedAmount ?? 0,
      protocol: check.protocol,
      extensions: accepted.deflate === null ? '' : 'permessage-deflate',
    });
    ws.emit('open');
  }

  function reject(message: string): void {
    socket.destroy();
    ws.failHandshake(codedError(message, 'WS_ERR_INVALID_HANDSHAKE'));
  }

  function acceptExtensions(header: string | undefined): { deflate: PerMessageDeflate | null } | { error: string } {
    if (header === undefined || header === '') return { deflate: null };
    if (deflate === null) return { error: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested' };
    const offers = parseExtensions(header);
    if (offers === null) return { error: 'Invalid Sec-WebSocket-Extensions header' };
    const result = acceptServerResponse(offers, deflate);
    if ('error' in result) return { error: result.error };
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    return { deflate: new PerMessageDeflate(result.params, 'client', deflate, maxPayload) };
  }

  function onNonUpgrade(head: HttpHead, rest: Buffer): void {
    const status = head.statusCode ?? 0;
    const location = head.headers.location;
    if (options.followRedirects && status >= 300 && status < 400 && location) {
      followRedirect(location);
      return;
    }
    if (ws.listenerCount('unexpected-response') === 0) {
      socket.destroy();
      ws.failHandshake(codedError(`Unexpected server response: ${status}`, 'WS_ERR_UNEXPECTED_RESPONSE'));
      return;
    }
    // The listener owns the response; once its body is complete (or the socket ends), so is
    // the attempt: the socket is closed and the WebSocket reports close 1006 without an error.
    const response = toResponse(head);
    socket.on('error', ignoreError);
    socket.once('close', () => {
      response.push(null);
      ws.failHandshake(new Error('Unexpected server response'), false);
    });
    const body = new ResponseBody(response, head, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => body.push(chunk));
    ws.emit('unexpected-response', request, response);
    body.push(rest);
  }

  function followRedirect(location: string): void {
    socket.destroy();
    const maxRedirects = options.maxRedirects ?? 10;
    if (redirects >= maxRedirects) {
      ws.failHandshake(codedError('Maximum redirects exceeded', 'WS_ERR_MAX_REDIRECTS'));
      return;
    }
    let next: Target;
    try {
      next = parseTarget(new URL(location, target.url.href.replace(/^ws/, 'http')));
    } catch (error) {
      ws.failHandshake(error as Error);
      return;
    }
    ws.setUrl(next.url.href);
    ws.emit('redirect', next.url.href, request);
    startHandshake(ws, next, protocols, sameOriginOptions(options, target, next), redirects + 1);
  }

  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
  if (options.handshakeTimeout !== undefined && options.handshakeTimeout > 0) {
    timer = setTimeout(() => finish(codedError('Opening handshake has timed out', 'WS_ERR_HANDSHAKE_TIMEOUT'), true), options.handshakeTimeout);
  }
  ws.handshake = { abort: () => finish(null, false) };
  socket.write(
    buildUpgradeRequest({
      path: target.path,
      host: target.hostHeader,
      key,
      protocols,
      extensions: deflate === null ? undefined : buildClientOffer(deflate),
      origin: options.origin,
      headers: options.headers,
    }),
  );
}

function ignoreError(): void {
  // The response body belongs to the user's listener; a reset only ends it (via 'close').
}

/** Credentials must not travel to another host on a redirect, nor from wss: down to ws:. */
function sameOriginOptions(options: ClientOptions, from: Target, to: Target): ClientOptions {
  const downgrade = from.secure && !to.secure;
  if ((from.url.host === to.url.host && !downgrade) || options.headers === undefined) return options;
  const headers: Record<string, string | string[] | number> = {};
  for (const [name, value] of Object.entries(options.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'cookie' && lower !== 'host') headers[name] = value;
  }
  return { ...options, headers };
}

function toResponse(head: HttpHead): HandshakeResponse {
  const response = new Readable({ read() {} }) as HandshakeResponse;
  response.statusCode = head.statusCode ?? 0;
  response.statusMessage = head.statusMessage ?? '';
  response.headers = withSetCookieArray(head);
  response.rawHeaders = head.rawHeaders;
  response.httpVersion = head.httpVersion;
  return response;
}

/** node's IncomingMessage always gives set-cookie as an array; users of ws read it that way. */
function withSetCookieArray(head: HttpHead): Record<string, string> {
  const cookies: string[] = [];
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'set-cookie') cookies.push(raw[i + 1]);
  if (cookies.length === 0) return head.headers;
  return { ...head.headers, 'set-cookie': cookies as unknown as string };
}

/**
 * The body of an unexpected response, as an http.IncomingMessage would give it: Content-Length
 * bytes, or a chunked body decoded (RFC 9112 §7.1), or everything until the socket ends. The
 * server may keep the connection alive, so the end of the body is the end of the attempt.
 */
class ResponseBody {
  /** Content-Length bytes still expected; -1 when the body is chunked or runs to the socket's end. */
  private remaining: number;
  private readonly chunked: ChunkedDecoder | null;
  private done = false;
  constructor(
    private readonly response: Readable,
    head: HttpHead,
    private readonly onComplete: () => void,
  ) {
    const length = Number(head.headers['content-length']);
    const chunked = (head.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
    this.chunked = chunked ? new ChunkedDecoder() : null;
    this.remaining = !chunked && head.headers['content-length'] !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : -1;
    if (this.remaining === 0) this.complete();
  }

  push(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    if (this.chunked !== null) {
      const result = this.chunked.push(chunk);
      for (const piece of result.data) this.response.push(piece);
      if (result.finished || result.malformed) this.complete();
      return;
    }
    if (this.remaining < 0) {
      this.response.push(chunk);
      return;
    }
    const piece = chunk.length > this.remaining ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= piece.length;
    this.response.push(piece);
    if (this.remaining === 0) this.complete();
  }

  private complete(): void {
    this.done = true;
    this.response.push(null);
    this.onComplete();
  }
}

const enum ChunkedState {
  Size,
  Data,
  DataEnd,
  Trailers,
}

/** Decodes `Transfer-Encoding: chunked`; a size line over 1 KiB or a bad size is malformed. */
class ChunkedDecoder {
  private state = ChunkedState.Size;
  private line = '';
  private left = 0;

  push(chunk: Buffer): { data: Buffer[]; finished: boolean; malformed: boolean } {
    const data: Buffer[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === ChunkedState.Data) {
        const take = Math.min(this.left, chunk.length - i);
        data.push(chunk.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left === 0) this.state = ChunkedState.DataEnd;
        continue;
      }
      const byte = chunk[i++];
      if (byte === 0x0d) continue;
      if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte);
        if (this.line.length > 1024) return { data, finished: false, malformed: true };
        continue;
      }
      const line = this.line;
      this.line = '';
      if (this.state === ChunkedState.DataEnd) {
        this.state = ChunkedState.Size;
      } else if (this.state === ChunkedState.Trailers) {
        if (line === '') return { data, finished: true, malformed: false };
      } else {
        const size = parseInt(line.split(';')[0].trim(), 16);
        if (!Number.isSafeInteger(size) || size < 0) return { data, finished: false, malformed: true };
        this.left = size;
        this.state = size === 0 ? ChunkedState.Trailers : ChunkedState.Data;
      }
    }
    return { data, finished: false, malformed: false };
  }
}
