// Shared loopback plumbing for the integration tests: servers on port 0 of 127.0.0.1, clients
// that resolve when open, raw HTTP exchanges over node:net, and a cleanup list every test file
// drains in afterEach so that no socket, server or timer outlives its test.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import net from 'node:net';
import { afterEach } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from '../../src/index.js';
import { selfSignedCertificate, type Certificate } from '../support/tls-certificate.js';

export const LOOPBACK = '127.0.0.1';
/** A valid Sec-WebSocket-Key (RFC 6455 §1.3 example) and its accept value. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];

/** Register something to undo after the current test (run in reverse order). */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

afterEach(async () => {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    await cleanup();
  }
});

/** A standalone server on an ephemeral loopback port; closed after the test. */
export async function startServer(options: Omit<ServerOptions, 'port'> = {}): Promise<{ wss: WebSocketServer; port: number; url: string }> {
  const wss = new WebSocketServer({ host: LOOPBACK, ...options, port: 0 });
  trackServer(wss);
  await once(wss, 'listening');
  const port = (wss.address() as net.AddressInfo).port;
  return { wss, port, url: `ws://${LOOPBACK}:${port}` };
}

/** Close a WebSocketServer after the test, terminating its clients first so close is prompt. */
export function trackServer(wss: WebSocketServer): void {
  onCleanup(async () => {
    for (const client of wss.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}

export function trackHttpServer(server: HttpServer | net.Server): void {
  onCleanup(async () => {
    (server as HttpServer).closeAllConnections?.();
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/** Listen on an ephemeral loopback port and return it. */
export async function listen(server: net.Server): Promise<number> {
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** A client, terminated after the test. */
export function client(url: string, protocols?: string | string[] | ClientOptions, options?: ClientOptions): WebSocket {
  const ws = new WebSocket(url, protocols as string[], options);
  // Tests that expect an error assert it themselves; this keeps an unexpected one from crashing the run.
  ws.on('error', () => {});
  onCleanup(() => ws.terminate());
  return ws;
}

/** A client that has opened. */
export async function openClient(url: string, protocols?: string | string[] | ClientOptions, options?: ClientOptions): Promise<WebSocket> {
  const ws = client(url, protocols, options);
  await once(ws, 'open');
  return ws;
}

/** A connected pair: the client and the server's socket for it. */
export async function connectPair(
  serverOptions: Omit<ServerOptions, 'port'> = {},
  clientOptions: ClientOptions = {},
): Promise<{ wss: WebSocketServer; url: string; client: WebSocket; server: WebSocket }> {
  const { wss, url } = await startServer(serverOptions);
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const ws = await openClient(url, clientOptions);
  const [server] = await accepted;
  server.on('error', () => {});
  return { wss, url, client: ws, server };
}

/** The next 'message' event's arguments. */
export async function nextMessage(ws: WebSocket): Promise<{ data: unknown; isBinary: boolean }> {
  const [data, isBinary] = (await once(ws, 'message')) as [unknown, boolean];
  return { data, isBinary };
}

/** The 'close' event's code and reason. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: Buffer }> {
  if (ws.readyState === ws.CLOSED) throw new Error('already closed; listen before closing');
  // Not events.once: it rejects on 'error', and a failed connection emits 'error' before 'close'.
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason })));
}

/** A raw TCP connection, destroyed after the test. */
export async function rawSocket(port: number, host = LOOPBACK): Promise<net.Socket> {
  const socket = net.connect(port, host);
  socket.on('error', () => {});
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** Everything the peer sends until it closes the connection (or `ms` pass). */
export function readUntilClosed(socket: net.Socket, ms = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`peer did not close within ${ms} ms; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1'))}`));
    }, ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Read until the response head (up to and including the blank line) has arrived. */
export function readHead(socket: net.Socket, ms = 5000): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.removeListener('data', onData);
      reject(new Error(`no complete response head within ${ms} ms; got ${JSON.stringify(received.toString('latin1'))}`));
    }, ms);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      resolve({ head: received.subarray(0, end + 4).toString('latin1'), rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Send a raw request and return the whole response, read until the server closes. */
export async function rawExchange(port: number, request: string | Buffer): Promise<string> {
  const socket = await rawSocket(port);
  const response = readUntilClosed(socket);
  socket.write(request);
  return (await response).toString('latin1');
}

/** A well-formed upgrade request head; `overrides` replace (or with undefined, drop) headers. */
export function upgradeRequest(
  options: { method?: string; path?: string; version?: string; headers?: Record<string, string | undefined> } = {},
): string {
  const headers: Record<string, string | undefined> = {
    Host: `${LOOPBACK}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': SAMPLE_KEY,
    'Sec-WebSocket-Version': '13',
    ...options.headers,
  };
  const lines = [`${options.method ?? 'GET'} ${options.path ?? '/'} ${options.version ?? 'HTTP/1.1'}`];
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The status line of a raw response. */
export function statusLine(response: string): string {
  return response.slice(0, response.indexOf('\r\n'));
}

/** Header lines of a raw response head as lower-cased name → value. */
export function headersOf(response: string): Record<string, string> {
  const head = response.slice(0, response.indexOf('\r\n\r\n'));
  const result: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    result[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return result;
}

/** The body of a raw response. */
export function bodyOf(response: string): string {
  return response.slice(response.indexOf('\r\n\r\n') + 4);
}

/** A masked client frame (RFC 6455 §5.2), fixed mask so tests show exact bytes. */
export function maskedFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const header: number[] = [(fin ? 0x80 : 0) | opcode];
  if (data.length < 126) header.push(0x80 | data.length);
  else if (data.length < 65536) header.push(0x80 | 126, data.length >> 8, data.length & 0xff);
  else throw new Error('maskedFrame: payload too large for this helper');
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ mask[i % 4];
  return Buffer.concat([Buffer.from(header), mask, masked]);
}

/** Wait until `predicate` holds, polling every few ms; fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Require an external program: fail under CI, otherwise tell how to install it. */
export function requireProgram(found: boolean, name: string, install: string): { skip: boolean; reason: string } {
  const reason = `${name} not found; install it (${install}) to run these tests`;
  if (!found && process.env.CI === 'true') throw new Error(`${reason} (required under CI=true)`);
  return { skip: !found, reason };
}

/** Whether an executable is on PATH. */
export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A throwaway self-signed certificate for CN=localhost (test/support/tls-certificate.ts).
 * Returns null when openssl is missing (callers skip, or fail under CI via requireProgram).
 */
export function makeCertificate(): Certificate | null {
  return hasProgram('openssl') ? selfSignedCertificate('localhost') : null;
}

/** Fail with a clear message instead of the test's global timeout when `promise` never settles. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A raw TCP client that has completed the opening handshake; `rest` holds bytes after the 101 head. */
export async function rawUpgraded(port: number, headers: Record<string, string | undefined> = {}): Promise<{ socket: net.Socket; head: string; rest: Buffer }> {
  const socket = await rawSocket(port);
  socket.write(upgradeRequest({ headers }));
  const { head, rest } = await readHead(socket);
  if (!head.startsWith('HTTP/1.1 101 ')) throw new Error(`upgrade refused: ${head}`);
  return { socket, head, rest };
}
