// The server's answer as ws users receive it in 'upgrade' and 'unexpected-response': a real
// http.IncomingMessage (instanceof, fields, methods, events), built over the handshake socket
// from the head our own parser read, so the direct path needs no http.ClientRequest.

import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpHead } from '../handshake/http-parser.js';

export function responseFromHead(head: HttpHead, socket: Duplex): IncomingMessage {
  const response = new IncomingMessage(socket as Socket);
  response.statusCode = head.statusCode ?? 0;
  response.statusMessage = head.statusMessage ?? '';
  response.httpVersion = head.httpVersion;
  response.httpVersionMajor = head.httpVersionMajor;
  response.httpVersionMinor = head.httpVersionMinor;
  response.rawHeaders = head.rawHeaders;
  response.headers = headersOf(head);
  (response as { upgrade?: boolean }).upgrade = response.statusCode === 101;
  return response;
}

/** The head of a response node parsed (http.request path), for the checks our parser's head feeds. */
export function headFromResponse(response: IncomingMessage): HttpHead {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    statusCode: response.statusCode,
    statusMessage: response.statusMessage,
    httpVersion: response.httpVersion,
    httpVersionMajor: response.httpVersionMajor,
    httpVersionMinor: response.httpVersionMinor,
    headers,
    rawHeaders: response.rawHeaders,
  };
}

/** End a response the user gave up on, as node does when its request is aborted. */
export function abortResponse(response: IncomingMessage): void {
  if (response.destroyed) return;
  if (response.complete) {
    response.destroy();
    return;
  }
  // node reports the cut-short body as ECONNRESET 'aborted', only to a listener that can take it.
  const error = response.listenerCount('error') > 0 ? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }) : undefined;
  response.destroy(error);
}

/** node's IncomingMessage gives set-cookie as an array and joins other repeats with ', '. */
function headersOf(head: HttpHead): Record<string, string | string[]> {
  const cookies: string[] = [];
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'set-cookie') cookies.push(raw[i + 1]);
  if (cookies.length === 0) return head.headers;
  return { ...head.headers, 'set-cookie': cookies };
}
