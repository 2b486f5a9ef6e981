// Side-by-side support for the server compatibility suites (server-*.test.ts): one behaviour is a
// scenario that logs what a ws user can observe of a WebSocketServer; it runs once on the `ws`
// package and once on ws6455, and the two logs must be equal, or, for a deliberate difference
// (README "What differs from ws"), ws's and ws6455's logs are both pinned. Clients are always the
// `ws` package's (or raw sockets), so that any difference comes from the server under test.
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket as WsClient, type ClientOptions, type ServerOptions, type WebSocket, type WebSocketServer } from 'ws';
import { closeHttpServer, listenOnFreePort, nextEvent } from '../interop/support/events.js';
import type { Implementation } from '../interop/support/implementation.js';
import { outcomeOf, sideBySide, type SideBySideBehaviour } from './side-by-side.js';

export { nextEvent };

export type Behaviour = SideBySideBehaviour<Scope>;

export interface Started {
  readonly wss: WebSocketServer;
  readonly port: number;
  readonly url: string;
  readonly http?: HttpServer;
}

/** The resources of one run of one behaviour on one implementation, released afterwards. */
export class Scope {
  readonly log: string[] = [];
  private readonly cleanups: Array<() => Promise<unknown> | unknown> = [];

  constructor(readonly impl: Implementation) {}

  note(...parts: unknown[]): void {
    this.log.push(parts.map(String).join(' '));
  }

  /** Registers `wss` for closing afterwards (terminating its clients first). */
  own(wss: WebSocketServer): WebSocketServer {
    this.cleanups.push(() => {
      for (const client of wss.clients ?? []) client.terminate();
      return new Promise((resolve) => wss.close(resolve));
    });
    return wss;
  }

  /** Standalone mode on an ephemeral loopback port. */
  async standalone(options: ServerOptions = {}): Promise<Started> {
    const wss = this.own(new this.impl.WebSocketServer({ host: '127.0.0.1', port: 0, ...options }));
    await nextEvent(wss, 'listening');
    const { port } = wss.address() as AddressInfo;
    return { wss, port, url: `ws://127.0.0.1:${port}` };
  }

  /** A plain http server answering 404, listening on an ephemeral loopback port. */
  async httpServer(): Promise<{ http: HttpServer; port: number }> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    this.cleanups.push(() => closeHttpServer(http));
    return { http, port: await listenOnFreePort(http) };
  }

  /** `{ server }` mode on a fresh http server. */
  async attached(options: ServerOptions = {}): Promise<Started> {
    const { http, port } = await this.httpServer();
    const wss = this.own(new this.impl.WebSocketServer({ server: http, ...options }));
    return { wss, port, url: `ws://127.0.0.1:${port}`, http };
  }

  /** noServer mode: the http server's 'upgrade' calls handleUpgrade and emits 'connection'. */
  async noServer(options: ServerOptions = {}): Promise<Started> {
    const { http, port } = await this.httpServer();
    const wss = this.own(new this.impl.WebSocketServer({ noServer: true, ...options }));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws, request) => wss.emit('connection', ws, request));
    });
    return { wss, port, url: `ws://127.0.0.1:${port}`, http };
  }

  /** A `ws` client, terminated afterwards; its errors are kept from becoming uncaught. */
  client(url: string, protocols?: string | string[], options?: ClientOptions): WsClient {
    const client = new WsClient(url, protocols ?? [], options);
    client.on('error', () => {});
    this.cleanups.push(() => {
      if (client.readyState !== client.CLOSED) client.terminate();
    });
    return client;
  }

  /** A `ws` client of `started`, once both its 'open' and the server's 'connection' have fired. */
  async connect(started: Started, path = '', protocols?: string | string[], options?: ClientOptions): Promise<[WsClient, WebSocket, IncomingMessage]> {
    const client = this.client(`${started.url}${path}`, protocols, options);
    const [[ws, req]] = (await Promise.all([nextEvent(started.wss, 'connection'), nextEvent(client, 'open')])) as [[WebSocket, IncomingMessage], unknown];
    return [client, ws, req];
  }

  /** Sends raw bytes and returns what came back (see readResponse). */
  async raw(port: number, request: string | Buffer): Promise<string> {
    const socket = net.connect(port, '127.0.0.1');
    this.cleanups.push(() => socket.destroy());
    socket.write(request);
    return readResponse(socket);
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

/**
 * One HTTP response from `socket`: up to the blank line for a 101, up to Content-Length bytes of
 * body when given (node keeps such connections alive), else up to the end of the stream.
 */
export function readResponse(socket: net.Socket, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve(text);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (text.startsWith('HTTP/1.1 101')) return finish();
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (length && text.length >= end + 4 + Number(length[1])) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  });
}

/**
 * A response as comparable lines: the status line, then `name: value` for each header in
 * `names` (lower case; absent ones say so), then the body. Date and keep-alive headers, which
 * node's http server adds to some of ws's answers, are left out unless named.
 */
export function describeResponse(response: string, names: readonly string[] = ['connection', 'content-type', 'content-length']): string[] {
  if (response === '') return ['(no response)'];
  const end = response.indexOf('\r\n\r\n');
  const [status, ...lines] = response.slice(0, end === -1 ? undefined : end).split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const described = [status ?? ''];
  for (const name of names) described.push(`${name}: ${headers.get(name) ?? '(absent)'}`);
  if (!status?.startsWith('HTTP/1.1 101')) described.push(`body: ${end === -1 ? '(none)' : JSON.stringify(response.slice(end + 4))}`);
  return described;
}

/** A valid upgrade request with `headers` overriding (undefined removes a header). */
export function upgradeRequest(options: { path?: string; method?: string; version?: string; headers?: Record<string, string | undefined> } = {}): string {
  const headers: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...options.headers,
  };
  let head = `${options.method ?? 'GET'} ${options.path ?? '/'} HTTP/${options.version ?? '1.1'}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/** An error as a user tells it apart: class, code if any, message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  return `${error.constructor.name}${code === undefined ? '' : `[${String(code)}]`}: ${error.message}`;
}

/** What a call did: 'ok' or the error it threw. */
export function outcome(action: () => unknown): string {
  return outcomeOf(action, describeError);
}

const runner = sideBySide((impl) => new Scope(impl));
export const observe = runner.observe;
/** One `it` per behaviour: run on ws and on ws6455, compare (or check the pinned difference). */
export const compareBehaviours = runner.compare;
/** Prints this file's count ("N behaviours compared, M differ") after its tests. */
export const reportTally = runner.report;
