// Side-by-side support for the client compatibility suites (client-*.test.ts, stream.test.ts):
// one behaviour is a scenario that logs what a ws user can observe of a client WebSocket; it runs
// once with the `ws` package's WebSocket and once with ws6455's, against the same kind of peer
// (always ws's server, a plain http server or a raw TCP peer, so any difference comes from the
// client), and the two logs must be equal, or, for a deliberate difference (README "What differs
// from ws"), both logs are pinned.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer as WsServer, type ServerOptions, type WebSocket } from 'ws';
import { closeHttpServer, listenOnFreePort, nextEvent, waitUntil } from '../interop/support/events.js';
import type { Implementation } from '../interop/support/implementation.js';
import { outcomeOf, sideBySide, type SideBySideBehaviour } from './side-by-side.js';

export { nextEvent, waitUntil };

export type ClientBehaviour = SideBySideBehaviour<ClientScope>;

/** The resources of one run of one behaviour with one implementation's client, released afterwards. */
export class ClientScope {
  readonly log: string[] = [];
  private readonly cleanups: Array<() => Promise<unknown> | unknown> = [];

  constructor(readonly impl: Implementation) {}

  note(...parts: unknown[]): void {
    this.log.push(parts.map(String).join(' '));
  }

  later(cleanup: () => Promise<unknown> | unknown): void {
    this.cleanups.push(cleanup);
  }

  /** The `ws` package's server on an ephemeral loopback port (the reference peer). */
  async wsServer(options: ServerOptions = {}): Promise<{ wss: WsServer; url: string; port: number }> {
    const wss = new WsServer({ host: '127.0.0.1', port: 0, ...options });
    this.later(() => {
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(resolve));
    });
    await nextEvent(wss, 'listening');
    const { port } = wss.address() as AddressInfo;
    return { wss, port, url: `ws://127.0.0.1:${port}` };
  }

  /**
   * A plain http server: `onRequest` answers ordinary requests, upgrades are recorded in
   * `upgrades` and accepted by ws's server unless `onUpgrade` takes them.
   */
  async httpServer(
    onRequest: (req: IncomingMessage, res: import('node:http').ServerResponse) => void = (_req, res) => res.writeHead(404).end(),
    onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
  ): Promise<{ http: HttpServer; port: number; url: string; upgrades: IncomingMessage[] }> {
    const http = createServer(onRequest);
    const upgrades: IncomingMessage[] = [];
    const wss = new WsServer({ noServer: true });
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgrades.push(req);
      if (onUpgrade) return onUpgrade(req, socket, head);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    this.later(() => {
      for (const client of wss.clients) client.terminate();
      return closeHttpServer(http);
    });
    const port = await listenOnFreePort(http);
    return { http, port, url: `ws://127.0.0.1:${port}`, upgrades };
  }

  /** A raw TCP peer: `onSocket` gets each connection (see acceptHandshake). */
  async rawServer(onSocket: (socket: net.Socket) => void): Promise<{ url: string; port: number }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      onSocket(socket);
    });
    server.listen(0, '127.0.0.1');
    await nextEvent(server, 'listening');
    this.later(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    });
    const { port } = server.address() as AddressInfo;
    return { port, url: `ws://127.0.0.1:${port}` };
  }

  /** A client of the implementation under test; its errors never become uncaught, it is terminated afterwards. */
  client(url: string, protocols?: string | string[] | object, options?: object): WebSocket {
    const ws = options === undefined ? new this.impl.WebSocket(url, protocols as string[]) : new this.impl.WebSocket(url, protocols as string[], options);
    ws.on('error', () => {});
    this.later(() => {
      if (ws.readyState !== ws.CLOSED) ws.terminate();
    });
    return ws;
  }

  /** Logs the client's events (with readyState) and returns a way to wait for them. */
  record(ws: WebSocket, prefix = ''): (event: string, count?: number) => Promise<void> {
    const seen = new Map<string, number>();
    const count = (event: string): void => void seen.set(event, (seen.get(event) ?? 0) + 1);
    const log = (...parts: unknown[]): void => this.note(prefix, ...parts);
    ws.on('open', () => (log('open', ws.readyState), count('open')));
    ws.on('message', (data: Buffer, isBinary: boolean) => (log('message', String(data), isBinary), count('message')));
    ws.on('error', (error: Error) => (log('error', describeError(error, true), ws.readyState), count('error')));
    ws.on('close', (code: number, reason: Buffer) => (log('close', code, JSON.stringify(String(reason)), ws.readyState), count('close')));
    return (event, total = 1) => waitUntil(() => (seen.get(event) ?? 0) >= total, `${total} '${event}' event(s)`);
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: a scenario may already have closed what it opened.
      }
    }
  }
}

/** Reads one upgrade request from a raw socket and answers 101; resolves with the request head. */
export function acceptHandshake(socket: net.Socket, extraHeaders = ''): Promise<string> {
  return new Promise((resolve) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extraHeaders}\r\n`);
      resolve(head.slice(0, end));
    };
    socket.on('data', onData);
  });
}

/** Answers an upgrade request on its raw socket with a plain HTTP response, then ends. */
export function respond(socket: Duplex, status: string, headers: Record<string, string> = {}, body = ''): void {
  let head = `HTTP/1.1 ${status}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
}

/** Replaces port numbers (different on every run) in a URL. */
export function withoutPort(url: string): string {
  return url.replace(/:\d+\//, ':PORT/');
}

/**
 * Codes ws6455 adds to ws's handshake errors (same class and message; README "What differs").
 * One behaviour (option: handshakeTimeout) pins the difference; elsewhere they are left out.
 */
const ADDED_CODES = new Set(['WS_ERR_HANDSHAKE_TIMEOUT', 'WS_ERR_UNEXPECTED_RESPONSE', 'WS_ERR_MAX_REDIRECTS', 'WS_ERR_INVALID_HANDSHAKE', 'WS_ERR_INVALID_RESPONSE']);

/** An error as a user tells it apart: class, code if any, message. */
export function describeError(error: unknown, withoutAddedCodes = false): string {
  if (!(error instanceof Error) && !(error instanceof DOMException)) return `non-error ${String(error)}`;
  let code = (error as { code?: unknown }).code;
  if (withoutAddedCodes && typeof code === 'string' && ADDED_CODES.has(code)) code = undefined;
  return `${(error as Error).constructor.name}${code === undefined ? '' : `[${String(code)}]`}: ${(error as Error).message}`;
}

/** What a call did: 'ok' or the error it threw. */
export function outcome(action: () => unknown): string {
  return outcomeOf(action, describeError);
}

const runner = sideBySide((impl) => new ClientScope(impl));
export const observe = runner.observe;
/** One `it` per behaviour: run with ws's client and with ws6455's, compare (or check the pinned difference). */
export const compareClientBehaviours = runner.compare;
/** Prints this file's count ("N behaviours compared, M differ") after its tests. */
export const reportClientTally = runner.report;
