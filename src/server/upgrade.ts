// The upgrade pipeline, in ws's order: validate the request (RFC 6455 §4.2.1) -> negotiate
// permessage-deflate -> verifyClient -> choose the subprotocol -> 'headers' -> write the 101 built
// by handshake/server.ts -> hand the socket to a WebSocket. A refusal is an HTTP error response, or
// a 'wsClientError' event when the application listens for one (ws's contract).

import type { Duplex } from 'node:stream';
import { parseExtensions } from '../handshake/extensions.js';
import { negotiateServer, type DeflateParams, type PerMessageDeflateOptions } from '../handshake/permessage-deflate.js';
import { acceptResponseLines, buildAcceptResponse, computeAcceptKey, serializeResponseHead, validateUpgradeRequest } from '../handshake/server.js';
import { PerMessageDeflate } from '../transport/deflate-codec.js';
import { isBoundSocket } from '../transport/socket-binding.js';
import { WebSocket } from '../websocket.js';
import { abortHandshake, onHandshakeSocketError } from './http-refusal.js';
import type { ResolvedOptions, UpgradeRequest, VerifyClientCallback, VerifyClientInfo } from './server-options.js';

export type UpgradeCallback = (ws: WebSocket, req: UpgradeRequest) => void;

/** What the pipeline needs from its WebSocketServer. */
export interface UpgradeHost {
  readonly options: ResolvedOptions;
  /** null when permessage-deflate is off */
  readonly deflateOptions: PerMessageDeflateOptions | null;
  /** false once close() was called: late upgrades get 503 */
  readonly accepting: boolean;
  /** maxConnections reached: new upgrades get 503 */
  readonly atCapacity: boolean;
  shouldHandle(req: UpgradeRequest): boolean;
  listenerCount(event: string): number;
  emit(event: string, ...args: unknown[]): boolean;
  /** Whether the standalone front door holds this socket (it is counted already). */
  isPending(socket: Duplex): boolean;
  /** The 101 was written: track the new connection. */
  adopt(ws: WebSocket, socket: Duplex): void;
}

/** What validation and negotiation decided, kept until verifyClient has answered. */
interface UpgradePlan {
  readonly key: string;
  readonly offeredProtocols: string[];
  readonly deflate: { params: DeflateParams; response: string } | null;
}

/** ws's message for every extension refusal (users match on it in 'wsClientError'). */
const EXTENSIONS_ERROR = 'Invalid or unacceptable Sec-WebSocket-Extensions header';

/**
 * server.handleUpgrade(): validate and complete an upgrade. On success `callback(ws, req)`; on
 * failure the socket gets an HTTP error and is closed (or 'wsClientError' is emitted).
 */
export function runUpgrade(host: UpgradeHost, req: UpgradeRequest, socket: Duplex, head: Buffer, callback: UpgradeCallback): void {
  // A standalone request comes from the front door, which listens for errors already (and
  // counted it as pending); a second listener would only outlive the handshake.
  const pending = host.isPending(socket);
  if (!pending) socket.on('error', onHandshakeSocketError);
  // Issue 15: refused before any work or WebSocket object.
  if (host.atCapacity && !pending) {
    abortHandshake(socket, 503);
    return;
  }
  const validation = validateUpgradeRequest({
    method: req.method ?? '',
    httpVersionMajor: req.httpVersionMajor ?? 1,
    httpVersionMinor: req.httpVersionMinor ?? 1,
    headers: req.headers as Record<string, string>,
  });
  if (!validation.ok) {
    refuse(host, req, socket, validation.status, validation.message, validation.headers);
    return;
  }
  // As ws: a path mismatch reaching handleUpgrade is a plain 400, never 'wsClientError'.
  if (!host.shouldHandle(req)) {
    abortHandshake(socket, 400);
    return;
  }
  const { key, protocols, extensions, version } = validation.info;
  const deflate = negotiateDeflate(host.deflateOptions, extensions);
  if (deflate === undefined) {
    refuse(host, req, socket, 400, EXTENSIONS_ERROR);
    return;
  }
  const plan: UpgradePlan = { key, offeredProtocols: protocols, deflate };
  const verifyClient = host.options.verifyClient;
  if (verifyClient == null) {
    completeUpgrade(host, plan, req, socket, head, callback);
    return;
  }
  const info: VerifyClientInfo = {
    // hybi-08..12 clients name the header Sec-WebSocket-Origin (ws reads it for version 8 too).
    origin: firstValue(req.headers[version === 8 ? 'sec-websocket-origin' : 'origin']),
    secure: Boolean(req.socket?.authorized || req.socket?.encrypted),
    req,
  };
  if (verifyClient.length === 2) {
    verifyAsync(host, verifyClient as AsyncVerifyClient, info, socket, (verified, code, message, headers) => {
      if (verified) completeUpgrade(host, plan, req, socket, head, callback);
      else abortHandshake(socket, code || 401, message, headers);
    });
    return;
  }
  if ((verifyClient as (info: VerifyClientInfo) => boolean)(info)) completeUpgrade(host, plan, req, socket, head, callback);
  else abortHandshake(socket, 401);
}

type AsyncVerifyClient = (info: VerifyClientInfo, cb: VerifyClientCallback) => void;

/**
 * An async verifyClient gets handshakeTimeout to answer (issue 15: one that never calls back
 * held the socket forever); then the client gets 408, and a late answer changes nothing.
 */
function verifyAsync(host: UpgradeHost, verifyClient: AsyncVerifyClient, info: VerifyClientInfo, socket: Duplex, done: VerifyClientCallback): void {
  const timeout = host.options.handshakeTimeout;
  let answered = false;
  const timer = timeout > 0 ? setTimeout(() => {
    answered = true;
    abortHandshake(socket, 408, 'Handshake timed out');
  }, timeout) : null;
  timer?.unref();
  verifyClient(info, (verified, code, message, headers) => {
    if (answered) return;
    answered = true;
    if (timer !== null) clearTimeout(timer);
    done(verified, code, message, headers);
  });
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A validation failure: 'wsClientError' if anyone listens (they answer), else the HTTP error. */
function refuse(host: UpgradeHost, req: UpgradeRequest, socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
  if (host.listenerCount('wsClientError') > 0) {
    host.emit('wsClientError', new Error(message), socket, req);
    return;
  }
  abortHandshake(socket, status, message, headers);
}

/** null: no compression; undefined: the offer is malformed (400). */
function negotiateDeflate(
  options: PerMessageDeflateOptions | null,
  header: string | undefined,
): { params: DeflateParams; response: string } | null | undefined {
  if (options === null || header === undefined) return null;
  const offers = parseExtensions(header);
  if (offers === null) return undefined;
  const result = negotiateServer(offers, options);
  if (result !== null && 'error' in result) return undefined;
  return result;
}

function selectProtocol(host: UpgradeHost, offered: string[], req: UpgradeRequest): string {
  if (offered.length === 0) return '';
  const handler = host.options.handleProtocols;
  if (handler == null) return offered[0]!;
  const chosen: unknown = handler(new Set(offered), req);
  return chosen ? String(chosen) : '';
}

function completeUpgrade(host: UpgradeHost, plan: UpgradePlan, req: UpgradeRequest, socket: Duplex, head: Buffer, callback: UpgradeCallback): void {
  // The client sent FIN (or the application destroyed the socket) while verifyClient decided.
  if (!socket.readable || !socket.writable) {
    socket.destroy();
    return;
  }
  if (isBoundSocket(socket)) {
    throw new Error('server.handleUpgrade() was called more than once with the same socket, possibly due to a misconfiguration');
  }
  if (!host.accepting) {
    abortHandshake(socket, 503);
    return;
  }
  const WebSocketClass = host.options.WebSocket ?? WebSocket;
  const ws = new WebSocketClass(null);
  const protocol = selectProtocol(host, plan.offeredProtocols, req);
  const extensions = plan.deflate === null ? '' : plan.deflate.response;
  const acceptKey = computeAcceptKey(plan.key);
  // 'headers' listeners get the lines to change (as in ws). Without one nobody can see them, and
  // the head is one concatenation instead of an array, an event and a check of every line.
  const lines = host.listenerCount('headers') === 0 ? null : acceptResponseLines(acceptKey, { protocol, extensions });
  if (lines !== null) host.emit('headers', lines, req);
  let response: string;
  try {
    response = lines === null ? buildAcceptResponse(acceptKey, { protocol, extensions }) : serializeResponseHead(lines);
  } catch {
    // A 'headers' listener or handleProtocols produced a line that would split the response.
    abortHandshake(socket, 500);
    return;
  }
  socket.write(response);
  socket.removeListener('error', onHandshakeSocketError);
  attach(host, ws, plan, socket, head, protocol);
  host.adopt(ws, socket);
  callback(ws, req);
}

function attach(host: UpgradeHost, ws: WebSocket, plan: UpgradePlan, socket: Duplex, head: Buffer, protocol: string): void {
  const { options, deflateOptions } = host;
  const params = plan.deflate === null ? null : plan.deflate.params;
  ws.attachSocket(socket, head, {
    role: 'server',
    maxPayload: options.maxPayload,
    skipUTF8Validation: options.skipUTF8Validation,
    autoPong: options.autoPong,
    deflate: params === null ? null : new PerMessageDeflate(params, 'server', deflateOptions!),
    closeTimeout: options.closeTimeout,
    maxBufferedAmount: options.maxBufferedAmount,
    protocol,
    extensions: params === null ? '' : 'permessage-deflate',
  });
}
