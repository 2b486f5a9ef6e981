// The handshake request's header fields, in the order they are written, looked up without regard
// to case as node's http.ClientRequest does; the stand-in request (handshake-request.ts) exposes
// them so that a 'redirect' listener can still remove a header before it is sent.

import { validateHeaderName, validateHeaderValue } from 'node:http';
import { headerLine } from '../handshake/server.js';
import type { ClientPlan } from './options.js';

type FieldValue = string | number | string[];

export class RequestHeaders {
  private readonly fields = new Map<string, [name: string, value: FieldValue]>();

  get(name: string): FieldValue | undefined {
    return this.fields.get(name.toLowerCase())?.[1];
  }
  set(name: string, value: FieldValue): void {
    validateHeaderName(name);
    for (const single of Array.isArray(value) ? value : [value]) validateHeaderValue(name, single as string);
    const key = name.toLowerCase();
    const existing = this.fields.get(key);
    // A replaced field keeps its place, as with ClientRequest.setHeader.
    if (existing !== undefined) this.fields.set(key, [existing[0], value]);
    else this.fields.set(key, [name, value]);
  }
  remove(name: string): void {
    this.fields.delete(name.toLowerCase());
  }
  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }
  names(): string[] {
    return [...this.fields.keys()];
  }
  rawNames(): string[] {
    return [...this.fields.values()].map(([name]) => name);
  }
  /** Lower-cased names, as ClientRequest.getHeaders() gives them. */
  toObject(): Record<string, FieldValue> {
    const result: Record<string, FieldValue> = Object.create(null);
    for (const [key, [, value]] of this.fields) result[key] = value;
    return result;
  }
  /** Original names, for http.request. */
  toRequestHeaders(): Record<string, FieldValue> {
    const result: Record<string, FieldValue> = {};
    for (const [name, value] of this.fields.values()) result[name] = value;
    return result;
  }
  /** The request head, to be written with the 'latin1' encoding (one byte per character, as node writes headers). */
  serialize(path: string): string {
    const lines = [`GET ${path} HTTP/1.1`];
    for (const [name, value] of this.fields.values()) {
      for (const single of Array.isArray(value) ? value : [value]) lines.push(headerLine(name, String(single)));
    }
    return `${lines.join('\r\n')}\r\n\r\n`;
  }
}

/**
 * Host, then the user's headers, then the handshake's own (which win over a user value of the
 * same name, as in ws), then Authorization from the credentials unless the user set one.
 */
export function handshakeHeaders(plan: ClientPlan, key: string, withHost: boolean): RequestHeaders {
  const headers = new RequestHeaders();
  const user = plan.options.headers ?? {};
  const userHost = Object.keys(user).some((name) => name.toLowerCase() === 'host');
  if (withHost && !userHost) headers.set('Host', plan.target.hostHeader);
  for (const [name, value] of Object.entries(user)) headers.set(name, value);
  headers.set('Sec-WebSocket-Version', String(plan.protocolVersion));
  headers.set('Sec-WebSocket-Key', key);
  headers.set('Connection', 'Upgrade');
  headers.set('Upgrade', 'websocket');
  if (plan.extensionsOffer !== undefined) headers.set('Sec-WebSocket-Extensions', plan.extensionsOffer);
  if (plan.protocols.length > 0) headers.set('Sec-WebSocket-Protocol', plan.protocols.join(','));
  const origin = plan.options.origin;
  if (origin) headers.set(plan.protocolVersion < 13 ? 'Sec-WebSocket-Origin' : 'Origin', origin);
  if (withHost && plan.auth !== undefined && !headers.has('authorization')) {
    headers.set('Authorization', `Basic ${Buffer.from(plan.auth).toString('base64')}`);
  }
  return headers;
}
