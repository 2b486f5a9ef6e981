// The seams between session resume and the server it runs in, kept apart from the session logic:
// reading a resume request, running the session lookup before the 101 (around verifyClient), and
// routing a session connection's sends through its log.

import type { Duplex } from 'node:stream';
import type { BroadcastOptions } from './broadcast.js';
import type { VerifyClientCallback, VerifyClientInfo } from './verify-client.js';
import type { Session } from './session-log.js';
import type { SendableData } from '../message-data.js';
import type { WebSocket } from '../websocket.js';

/** Request and response header (and query parameter) names of the resume protocol. */
export const SESSION_HEADER = 'ws6455-session';
export const OFFSET_HEADER = 'ws6455-offset';
export const RESUME_HEADER = 'ws6455-resume';

/** What a WebSocketServer offers session resume (it is one). */
export interface SessionHost {
  options: { verifyClient?: unknown };
  prependListener(event: 'headers', listener: (lines: string[], req: { socket: Duplex }) => void): unknown;
  broadcast(data: SendableData, options?: BroadcastOptions): number;
  publish(topic: string, data: SendableData, options?: BroadcastOptions): number;
  broadcastLocal(data: Buffer | string, options: { binary: boolean }): number;
  publishLocal(topic: string, data: Buffer | string, options: { binary: boolean }): number;
}

export interface ResumeRequest {
  sessionId: string | undefined;
  offset: number;
}

/** The session a request names (header first, then query string), and the client's offset. */
export function decideFromRequest(req: { url?: string; headers: Record<string, string | string[] | undefined> }): ResumeRequest {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const sessionId = first(req.headers[SESSION_HEADER]) ?? query.get(SESSION_HEADER) ?? undefined;
  const offsetText = first(req.headers[OFFSET_HEADER]) ?? query.get(OFFSET_HEADER) ?? '0';
  // A malformed offset can match no session: resume fails cleanly with a new session.
  const offset = /^\d{1,15}$/.test(offsetText) ? Number(offsetText) : -1;
  return { sessionId: sessionId === '' ? undefined : sessionId, offset };
}

type AnyVerify = ((info: VerifyClientInfo) => boolean) | ((info: VerifyClientInfo, cb: VerifyClientCallback) => void);

/**
 * Makes verifyClient asynchronous so that the session lookup (which may ask Redis) finishes before
 * the 101 is written: the response then says whether the session was resumed. The user's own
 * verifyClient, if any, runs first and keeps its say.
 */
export function runBeforeUpgrade(host: SessionHost, prepare: (req: VerifyClientInfo['req']) => Promise<void>): void {
  const userVerify = host.options.verifyClient as AnyVerify | undefined;
  const afterUser = (info: VerifyClientInfo, cb: VerifyClientCallback): void => {
    prepare(info.req).then(
      () => cb(true),
      () => cb(true),
    );
  };
  host.options.verifyClient = (info: VerifyClientInfo, cb: VerifyClientCallback): void => {
    if (userVerify === undefined) return afterUser(info, cb);
    if (userVerify.length === 2) {
      (userVerify as (info: VerifyClientInfo, cb: VerifyClientCallback) => void)(info, (verified, code, message, headers) => {
        if (verified) afterUser(info, cb);
        else cb(false, code, message, headers);
      });
      return;
    }
    if ((userVerify as (info: VerifyClientInfo) => boolean)(info)) afterUser(info, cb);
    else cb(false, 401);
  };
}

type RawSend = NonNullable<Session['rawSend']>;

/**
 * Routes a session connection's messages through its log: `send` numbers and keeps each message,
 * and the server's shared broadcast frames are refused (session-resume.ts delivers fan-out through
 * the log instead). Topic changes are mirrored, since the server forgets them on close.
 */
export function bindSessionSocket(ws: WebSocket, session: Session, onTopic: (topic: string, subscribed: boolean) => void): RawSend {
  const originalSend = ws.send.bind(ws) as (data: SendableData, options: object, cb?: (error?: Error | null) => void) => void;
  const { subscribe, unsubscribe } = ws;
  const rawSend: RawSend = (data, options, callback) => originalSend(data, options, callback);
  const instance = ws as unknown as Record<string, unknown>;
  instance['send'] = (data: SendableData, options?: object | ((error?: Error | null) => void), callback?: (error?: Error | null) => void) => {
    if (typeof options === 'function') {
      callback = options as (error?: Error | null) => void;
      options = undefined;
    }
    const settled = settle(data);
    const binary = (options as { binary?: boolean } | undefined)?.binary ?? typeof settled !== 'string';
    session.push(settled, binary, undefined, callback);
  };
  instance['writeFrame'] = () => true;
  instance['reserveFrame'] = () => null;
  instance['subscribe'] = (topic: string) => {
    onTopic(topic, true);
    return subscribe.call(ws, topic);
  };
  instance['unsubscribe'] = (topic: string) => {
    onTopic(topic, false);
    return unsubscribe.call(ws, topic);
  };
  return rawSend;
}

function settle(data: SendableData): Buffer | string {
  if (typeof data === 'string') return data;
  if (typeof data === 'number') return String(data);
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('With sessionResume, send() takes a string, Buffer, ArrayBuffer or typed array (a Blob cannot be logged synchronously)');
}

function first(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value ?? undefined);
}
