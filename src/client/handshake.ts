// One client opening handshake (RFC 6455 §4.1) as a small state machine: the request goes out,
// the response head comes back, and then either the socket is handed to the WebSocket (101), a
// redirect starts the next attempt, or the user's 'unexpected-response' listener owns the body.

import { DEFAULT_MAX_BUFFERED_AMOUNT } from '../defaults.js';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { codedError } from '../errors.js';
import { checkUpgradeResponse, generateKey } from '../handshake/client.js';
import { parseExtensions } from '../handshake/extensions.js';
import { HttpHeadParser, type HttpHead } from '../handshake/http-parser.js';
import { acceptServerResponse } from '../handshake/permessage-deflate.js';
import { headerHasToken } from '../handshake/tokens.js';
import { PerMessageDeflate } from '../transport/deflate-codec.js';
import { needsHttpRequest, openRequest, openSocket } from './dial.js';
import { HandshakeRequest, type RequestOwner } from './handshake-request.js';
import type { HandshakeHost } from './host.js';
import type { ClientPlan } from './options.js';
import { handshakeHeaders, type RequestHeaders } from './request-headers.js';
import { ResponseBody } from './response-body.js';
import { abortResponse, headFromResponse, responseFromHead } from './response.js';
import { redirectPlan, redirectsExhausted } from './redirect.js';

const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
const DEFAULT_CLOSE_TIMEOUT = 30_000;
const INVALID_EXTENSIONS = 'Invalid Sec-WebSocket-Extensions header';

export const enum Stage {
  /** The request is out (or being dialed); waiting for the response head. */
  AwaitingResponse,
  /** A non-101 response whose body the user's 'unexpected-response' listener reads. */
  UnexpectedResponse,
  /** Over: the socket was handed over, or the attempt failed or was aborted. */
  Done,
}

/** The socket's listeners are shared functions that find their handshake here (no closures per socket). */
const kHandshake = Symbol('ws6455.clientHandshake');
type HandshakeSocket = Duplex & { [kHandshake]?: ClientHandshake };

export class ClientHandshake implements RequestOwner {
  stage = Stage.AwaitingResponse;
  private readonly key = generateKey();
  private readonly headers: RequestHeaders;
  private socket: HandshakeSocket | null = null;
  private parser: HttpHeadParser | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The http.request path's request (agent or finishRequest); null on the direct path. */
  private readonly httpRequest: ClientRequest | null;
  /** The direct path's stand-in, made only when a listener is to receive it. */
  private standIn: HandshakeRequest | null = null;
  private response: IncomingMessage | null = null;
  private body: ResponseBody | null = null;

  constructor(
    private readonly ws: HandshakeHost,
    readonly plan: ClientPlan,
    readonly redirects: number,
  ) {
    const viaHttp = needsHttpRequest(plan.options);
    this.headers = handshakeHeaders(plan, this.key, !viaHttp);
    this.httpRequest = viaHttp ? this.openHttpRequest() : null;
  }

  /** What 'redirect' and 'unexpected-response' listeners get: node's ClientRequest, or the stand-in. */
  get request(): ClientRequest | HandshakeRequest {
    if (this.httpRequest !== null) return this.httpRequest;
    if (this.standIn === null) {
      this.standIn = new HandshakeRequest(this.headers, this.plan.target);
      this.standIn.owner = this;
      this.standIn.socket = this.socket;
      this.standIn.headersSent = this.socket !== null;
    }
    return this.standIn;
  }

  /** Dial and send the request (after a 'redirect' listener had its chance to edit the headers). */
  start(): void {
    this.ws.handshake = this;
    if (this.plan.handshakeTimeout > 0) this.timer = setTimeout(onTimeout, this.plan.handshakeTimeout, this);
    if (this.httpRequest === null) this.startDirect();
    else if (this.plan.options.finishRequest) this.plan.options.finishRequest(this.httpRequest, this.ws);
    else this.httpRequest.end();
  }

  private startDirect(): void {
    const socket: HandshakeSocket = openSocket(this.plan.target, this.plan.options);
    this.socket = socket;
    if (this.standIn !== null) {
      this.standIn.socket = socket;
      this.standIn.headersSent = true;
    }
    this.parser = new HttpHeadParser({ kind: 'response' });
    socket[kHandshake] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.write(this.headers.serialize(this.plan.target.path), 'latin1');
  }

  private openHttpRequest(): ClientRequest {
    const request = openRequest(this.plan.target, this.plan.options, this.headers, this.plan.auth);
    request.on('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.socket = socket;
      this.onHead(headFromResponse(response), head, response);
    });
    request.on('response', (response: IncomingMessage) => this.onHead(headFromResponse(response), Buffer.alloc(0), response));
    request.on('error', (error: Error) => {
      if (this.stage !== Stage.Done) this.fail(error);
    });
    request.on('close', () => {
      if (this.stage === Stage.UnexpectedResponse) this.ws.failHandshake(new Error('Unexpected server response'), false);
      this.stage = Stage.Done;
    });
    return request;
  }

  /** ws.close()/terminate() while CONNECTING: the WebSocket reports it (error, then close 1006). */
  abort(): void {
    const stage = this.stage;
    // Through http.request node ends the response itself once the request is aborted.
    const response = this.httpRequest === null ? this.response : null;
    const socket = this.socket;
    this.finish();
    if (stage === Stage.UnexpectedResponse) this.standIn?.abort();
    // As with node's http client, the response learns of it when the socket has closed.
    if (response !== null && socket !== null && !socket.destroyed) socket.once('close', () => abortResponse(response));
    else if (response !== null) abortResponse(response);
    this.destroyTransport();
  }

  /**
   * The user aborted or destroyed the request (direct path). With an error the attempt fails
   * with it; without one it ends when the socket has closed (socketClosed).
   */
  onRequestDestroyed(error: Error | undefined): void {
    if (this.stage === Stage.Done) return;
    if (error !== undefined || this.response === null) {
      const response = this.response;
      const socket = this.socket;
      this.fail(error ?? null);
      if (response !== null && socket !== null) socket.once('close', () => abortResponse(response));
      return;
    }
    this.socket?.destroy();
  }

  /** The end of the attempt without a connection; `null` closes with 1006 and no 'error'. */
  fail(error: Error | null): void {
    if (this.stage === Stage.Done) return;
    this.finish();
    this.destroyTransport();
    this.ws.failHandshake(error ?? new Error('WebSocket was closed before the connection was established'), error !== null);
  }

  private finish(): void {
    this.stage = Stage.Done;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.ws.handshake === this) this.ws.handshake = null;
    const socket = this.socket;
    if (socket !== null && socket[kHandshake] === this) {
      socket.removeListener('data', onSocketData);
      socket.removeListener('error', onSocketError);
      socket.removeListener('close', onSocketClose);
      socket[kHandshake] = undefined;
    }
  }

  private destroyTransport(): void {
    // abort(), not destroy(): ws's users see the request's 'abort' event, and no 'error'.
    if (this.httpRequest !== null && !this.httpRequest.destroyed) this.httpRequest.abort();
    this.socket?.destroy();
  }

  /** Direct path: bytes of the response head. */
  receive(chunk: Buffer): void {
    const result = this.parser!.push(chunk);
    if (result.kind === 'incomplete') return;
    if (result.kind === 'error') {
      this.fail(codedError(`Invalid HTTP response: ${result.message}`, 'WS_ERR_INVALID_RESPONSE'));
      return;
    }
    this.parser = null;
    const socket = this.socket!;
    socket.removeListener('data', onSocketData);
    // The 101's IncomingMessage is made only for an 'upgrade' listener (see upgrade()).
    this.onHead(result.head, result.rest, result.head.statusCode === 101 ? null : responseFromHead(result.head, socket));
  }

  private onHead(head: HttpHead, rest: Buffer, response: IncomingMessage | null): void {
    if (this.stage !== Stage.AwaitingResponse) return;
    // As node's http client (ws's path) sees it: a 101 is an upgrade only with an Upgrade header
    // and `upgrade` in Connection; otherwise it is an ordinary (unexpected) response.
    const upgrading = head.statusCode === 101 && head.headers.upgrade !== undefined && headerHasToken(head.headers.connection, 'upgrade');
    if (upgrading) this.upgrade(head, rest, response);
    else this.nonUpgrade(head, rest, response ?? responseFromHead(head, this.socket!));
  }

  private upgrade(head: HttpHead, rest: Buffer, response: IncomingMessage | null): void {
    if (this.ws.listenerCount('upgrade') > 0) {
      const message = response ?? responseFromHead(head, this.socket!);
      message.complete = true;
      message.push(null);
      this.ws.emit('upgrade', message);
    }
    // A listener may have called close() or terminate(): the attempt is then over.
    if (this.stage !== Stage.AwaitingResponse) return;
    const check = checkUpgradeResponse(head, this.key, this.plan.protocols);
    if (!check.ok) return this.fail(codedError(check.message, 'WS_ERR_INVALID_HANDSHAKE'));
    const accepted = this.acceptExtensions(check.extensions);
    if ('error' in accepted) return this.fail(codedError(accepted.error, 'WS_ERR_INVALID_HANDSHAKE'));
    const socket = this.socket!;
    this.finish();
    const options = this.plan.options;
    this.ws.attachSocket(socket, rest, {
      role: 'client',
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      skipUTF8Validation: options.skipUTF8Validation ?? false,
      autoPong: options.autoPong ?? true,
      deflate: accepted.deflate,
      closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      maxBufferedAmount: options.maxBufferedAmount ?? DEFAULT_MAX_BUFFERED_AMOUNT,
      protocol: check.protocol,
      extensions: accepted.deflate === null ? '' : 'permessage-deflate',
      ...(options.generateMask === undefined ? {} : { generateMask: options.generateMask }),
    });
    this.ws.emit('open');
  }

  private acceptExtensions(header: string | undefined): { deflate: PerMessageDeflate | null } | { error: string } {
    if (header === undefined || header === '') return { deflate: null };
    const deflate = this.plan.deflate;
    if (deflate === null) return { error: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested' };
    const offers = parseExtensions(header);
    if (offers === null) return { error: INVALID_EXTENSIONS };
    const result = acceptServerResponse(offers, deflate);
    // ws's wording exactly (users match on it); the negotiation's own reason is not part of it.
    if ('error' in result) return { error: result.error.startsWith(INVALID_EXTENSIONS) ? INVALID_EXTENSIONS : result.error };
    return { deflate: new PerMessageDeflate(result.params, 'client', deflate) };
  }

  private nonUpgrade(head: HttpHead, rest: Buffer, response: IncomingMessage): void {
    const status = head.statusCode ?? 0;
    const location = head.headers.location;
    if (this.plan.options.followRedirects && status >= 300 && status < 400 && location) {
      this.finish();
      this.destroyTransport();
      this.redirect(location);
      return;
    }
    this.stage = Stage.UnexpectedResponse;
    this.response = response;
    if (!this.ws.emit('unexpected-response', this.request, response)) {
      this.fail(codedError(`Unexpected server response: ${status}`, 'WS_ERR_UNEXPECTED_RESPONSE'));
      return;
    }
    if (this.httpRequest === null) this.streamBody(head, rest, response);
  }

  private redirect(location: string): void {
    const ws = this.ws;
    if (redirectsExhausted(this.plan, this.redirects)) {
      ws.failHandshake(codedError('Maximum redirects exceeded', 'WS_ERR_MAX_REDIRECTS'));
      return;
    }
    let plan: ClientPlan;
    try {
      plan = redirectPlan(ws, this.plan, location);
    } catch (error) {
      ws.failHandshake(error as Error);
      return;
    }
    ws.setUrl(plan.target.url.href);
    const next = new ClientHandshake(ws, plan, this.redirects + 1);
    ws.handshake = next;
    // ws emits it with the new request, its headers still editable; close() in a listener aborts it.
    ws.emit('redirect', plan.target.url.href, next.request);
    if (next.stage === Stage.AwaitingResponse && ws.handshake === next) next.start();
  }

  /**
   * Direct path: the listener owns the response; once its body is complete (or the socket ends),
   * so is the attempt: the socket is closed and the WebSocket reports close 1006 without an error.
   */
  private streamBody(head: HttpHead, rest: Buffer, response: IncomingMessage): void {
    if (this.stage !== Stage.UnexpectedResponse) return;
    const socket = this.socket!;
    const body = new ResponseBody(response, head, () => socket.destroy());
    this.parser = null;
    this.body = body;
    socket.on('data', onSocketData);
    body.push(rest);
  }

  /** Direct path: a chunk of an unexpected response's body. */
  receiveBody(chunk: Buffer): void {
    this.body?.push(chunk);
  }

  /** Direct path: the socket closed. */
  socketClosed(): void {
    if (this.stage === Stage.AwaitingResponse) {
      this.fail(codedError('socket hang up', 'ECONNRESET'));
      return;
    }
    if (this.stage !== Stage.UnexpectedResponse) return;
    const response = this.response!;
    if (!response.complete) abortResponse(response);
    this.finish();
    // The WebSocket closes (1006, no error) once the user's response has closed.
    if (response.closed) this.ws.failHandshake(new Error('Unexpected server response'), false);
    else response.once('close', () => this.ws.failHandshake(new Error('Unexpected server response'), false));
  }

  socketError(error: Error): void {
    // During an unexpected response the body's reader sees the end through 'close'.
    if (this.stage === Stage.AwaitingResponse) this.fail(error);
  }
}

function onSocketData(this: HandshakeSocket, chunk: Buffer): void {
  const handshake = this[kHandshake];
  if (handshake === undefined) return;
  if (handshake.stage === Stage.AwaitingResponse) handshake.receive(chunk);
  else handshake.receiveBody(chunk);
}

function onSocketError(this: HandshakeSocket, error: Error): void {
  this[kHandshake]?.socketError(error);
}

function onSocketClose(this: HandshakeSocket): void {
  this[kHandshake]?.socketClosed();
}

function onTimeout(handshake: ClientHandshake): void {
  handshake.fail(codedError('Opening handshake has timed out', 'WS_ERR_HANDSHAKE_TIMEOUT'));
}
