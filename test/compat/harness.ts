// Runs one compatibility scenario against an implementation and records what a user of the ws
// API can observe, as a transcript of short strings. The same scenario run on the `ws` package
// and on ws6455 must produce the same transcript. The client's and the server's observations
// are kept in separate lists because their relative order depends on the network, not on the
// library.
import { Blob, isUtf8 } from 'node:buffer';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocket, WebSocketServer, ServerOptions } from 'ws';
import { closeHttpServer, listenOnFreePort, nextEvent } from '../interop/support/events.js';
import type { Implementation } from '../interop/support/implementation.js';

export interface Transcript {
  readonly client: string[];
  readonly server: string[];
}

/** Everything a scenario may use; resources it opens through here are released afterwards. */
export class Harness {
  readonly transcript: Transcript = { client: [], server: [] };
  private readonly cleanups: Array<() => Promise<void> | void> = [];

  constructor(readonly impl: Implementation) {}

  client(...parts: unknown[]): void {
    this.transcript.client.push(parts.map(String).join(' '));
  }

  server(...parts: unknown[]): void {
    this.transcript.server.push(parts.map(String).join(' '));
  }

  /** A standalone WebSocketServer on an ephemeral loopback port. */
  async startServer(options: ServerOptions = {}): Promise<{ wss: WebSocketServer; url: string }> {
    const wss = new this.impl.WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
    this.cleanups.push(() => closeServer(wss));
    await nextEvent(wss, 'listening');
    return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` };
  }

  /** A plain HTTP server on an ephemeral loopback port, for { server } and noServer setups. */
  async startHttpServer(): Promise<{ http: HttpServer; port: number }> {
    const http = createServer((_request, response) => response.writeHead(404).end());
    this.cleanups.push(() => closeHttpServer(http));
    return { http, port: await listenOnFreePort(http) };
  }

  /** A client of this implementation; `terminate()`d after the scenario if still open. */
  connect(url: string, protocols?: string | string[], options?: object): WebSocket {
    const socket =
      protocols === undefined
        ? new this.impl.WebSocket(url, options)
        : new this.impl.WebSocket(url, protocols, options);
    this.cleanups.push(() => {
      if (socket.readyState !== socket.CLOSED) socket.terminate();
    });
    return socket;
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Cleanup is best effort: a scenario may already have closed what it opened.
      }
    }
  }
}

function closeServer(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients ?? []) client.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

/** Runs `scenario` on `impl` and returns its transcript, releasing everything it opened. */
export async function transcriptOf(
  impl: Implementation,
  scenario: (harness: Harness) => Promise<void>,
): Promise<Transcript> {
  const harness = new Harness(impl);
  try {
    await scenario(harness);
    // Snapshot now: closing leftovers below may still fire events into the live lists.
    return { client: [...harness.transcript.client], server: [...harness.transcript.server] };
  } finally {
    await harness.dispose();
  }
}

/** How a received payload looks to the user: its type and its bytes. */
export function describeData(data: unknown): string {
  if (Buffer.isBuffer(data)) return `Buffer<${readable(data)}>`;
  if (data instanceof ArrayBuffer) return `ArrayBuffer<${readable(Buffer.from(data))}>`;
  if (Array.isArray(data)) return `Array[${data.map(describeData).join(',')}]`;
  if (data instanceof Blob) return `Blob<size ${data.size}, type '${data.type}'>`;
  if (typeof data === 'string') return `string<${data}>`;
  return Object.prototype.toString.call(data);
}

/** Printable UTF-8 as a quoted string (what a reader can check at a glance), anything else as hex. */
function readable(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return isUtf8(bytes) && !/[\x00-\x1f\x7f]/.test(text) ? JSON.stringify(text) : `0x${bytes.toString('hex')}`;
}

/** An error as the user can tell it apart: its class, its `code` if any, and its message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  return `${error.constructor.name}${code === undefined ? '' : `[${String(code)}]`}: ${error.message}`;
}

/** Only the class and code: for errors whose wording ws6455 is free to choose. */
export function describeErrorKind(error: unknown): string {
  if (!(error instanceof Error)) return `non-error ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  return `${error.constructor.name}${code === undefined ? '' : `[${String(code)}]`}`;
}

/** The outcome of a call that may throw. */
export function attempt(action: () => unknown): string {
  try {
    action();
    return 'ok';
  } catch (error) {
    return `throws ${describeErrorKind(error)}`;
  }
}
