// The client side of the opening handshake over raw net/tls sockets: URL rules, the request, the
// 101 check, extension acceptance, redirects and unexpected responses; then hands the socket over.

import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { codedError } from '../errors.js';
import { buildUpgradeRequest, checkUpgradeResponse, generateKey } from '../handshake/client.js';
import { parseExtensions } from '../handshake/extensions.js';
import { HttpHeadParser, type HttpHead } from '../handshake/http-parser.js';
import { parseTarget, sameOriginOptions, validateProtocols, type Target } from './url.js';
import { ResponseBody } from './response-body.js';
import { acceptServerResponse, buildClientOffer, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { PerMessageDeflate } from '../transport/deflate-codec.js';
import type { ClientOptions, WebSocket } from '../websocket.js';

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

export function connectClient(ws: WebSocket, address: string | URL, protocols: string[], options: ClientOptions): void {
  const url = parseTarget(address);
  ws.setUrl(url.url.href);
  validateProtocols(protocols);
  if (options.protocolVersion !== undefined && options.protocolVersion !== 13) {
    throw new RangeError(`Unsupported protocol version: ${options.protocolVersion} (supported versions: 13)`);
  }
  startHandshake(ws, url, protocols, options, 0);
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
