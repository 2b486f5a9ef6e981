// Plumbing for the hostile-input suite: a standalone echo server on 127.0.0.1, raw TCP peers that
// write exact bytes and read exact bytes back, and the checks every case ends with (RFC-mandated
// answer, the server still serves a well-behaved client, nothing left behind).
import { once } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import { WebSocket, WebSocketServer, type ServerOptions } from '../../src/index.js';

export const LOOPBACK = '127.0.0.1';

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];

/** Undo after the current test, in reverse order of registration. */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

export interface HostileServer {
  wss: WebSocketServer;
  port: number;
  url: string;
  /** Errors the server-side sockets emitted (protocol failures are reported there, as in ws). */
  socketErrors: Array<Error & { code?: string; closeCode?: number }>;
  /** Close codes the server-side sockets reported in 'close'. */
  closeCodes: number[];
}

/** A standalone echo server (it parses HTTP itself: the code under test) on an ephemeral port. */
export async function startEchoServer(options: Omit<ServerOptions, 'port'> = {}): Promise<HostileServer> {
  const wss = new WebSocketServer({ host: LOOPBACK, ...options, port: 0 });
  const server: HostileServer = { wss, port: 0, url: '', socketErrors: [], closeCodes: [] };
  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', (error: Error) => server.socketErrors.push(error));
    ws.on('close', (code: number) => server.closeCodes.push(code));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: isBinary });
    });
  });
  onCleanup(() => closeServer(wss));
  await once(wss, 'listening');
  server.port = (wss.address() as net.AddressInfo).port;
  server.url = `ws://${LOOPBACK}:${server.port}`;
  return server;
}

export async function closeServer(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** The net.Server behind a standalone WebSocketServer (private field: the only way to count its sockets). */
export function netServerOf(wss: WebSocketServer): net.Server {
  return (wss as unknown as { server: net.Server }).server;
}

export function connectionCount(wss: WebSocketServer): Promise<number> {
  return new Promise((resolve, reject) => netServerOf(wss).getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/**
 * A raw TCP peer that records everything it receives, so a test can await an HTTP head, server
 * frames, or the end of the connection, in whatever order the bytes arrive.
 */
export class RawPeer {
  readonly socket: net.Socket;
  private received = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  /** Resolves when the TCP connection is fully closed. */
  readonly closed: Promise<void>;
  ended = false;
  errorCode: string | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', (error: Error & { code?: string }) => {
      this.errorCode = error.code;
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** A peer over a socket accepted by a fake server (to read what our client sends). */
  static wrap(socket: net.Socket): RawPeer {
    onCleanup(() => socket.destroy());
    return new RawPeer(socket);
  }

  /** `allowHalfOpen`: keep our side open after the server's FIN (a peer that never closes TCP). */
  static async connect(port: number, allowHalfOpen = false): Promise<RawPeer> {
    const socket = net.connect({ port, host: LOOPBACK, allowHalfOpen });
    const peer = new RawPeer(socket);
    onCleanup(() => socket.destroy());
    await once(socket, 'connect');
    return peer;
  }

  /** Connect and complete a valid handshake; any bytes after the 101 stay in the buffer. */
  static async open(port: number, extraHeaders = '', allowHalfOpen = false): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, allowHalfOpen);
    peer.write(upgradeRequest(extraHeaders));
    const head = await peer.readHttpHead();
    expect(head.status).toBe(101);
    return peer;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Wait until `ready()` returns a value (checked on every arrival), or fail after `ms`. */
  private until<T>(ready: () => T | undefined, what: string, ms = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = ready();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.ended) {
          done();
          reject(new Error(`connection ended while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; have ${this.received.length} bytes`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The response head: status code and lower-cased headers; its bytes are consumed. */
  readHttpHead(ms?: number): Promise<{ status: number; headers: Record<string, string>; raw: string }> {
    return this.until(
      () => {
        const end = this.received.indexOf('\r\n\r\n');
        if (end === -1) return undefined;
        const raw = this.received.toString('latin1', 0, end);
        this.received = this.received.subarray(end + 4);
        const [statusLine, ...lines] = raw.split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        return { status: Number(statusLine!.split(' ')[1]), headers, raw };
      },
      'an HTTP response head',
      ms,
    );
  }

  /** The next frame the server sent (servers never mask, RFC 6455 §5.1). */
  readFrame(ms?: number): Promise<ServerFrame> {
    return this.until(
      () => {
        const frame = parseServerFrame(this.received);
        if (frame === undefined) return undefined;
        this.received = this.received.subarray(frame.size);
        return frame;
      },
      'a frame',
      ms,
    );
  }

  /** A complete frame already received, consumed; undefined when none is buffered. */
  takeFrame(): ServerFrame | undefined {
    const frame = parseServerFrame(this.received);
    if (frame !== undefined) this.received = this.received.subarray(frame.size);
    return frame;
  }

  /** Skip data frames until a close frame; returns its status code (1005 for an empty payload). */
  async readCloseCode(ms?: number): Promise<number> {
    for (;;) {
      const frame = await this.readFrame(ms);
      if (frame.opcode === 0x8) return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
    }
  }

  /** Resolves true once the server ended the connection within `ms`. */
  async closedWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.closed.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  /** Bytes received and not consumed by the read methods. */
  get pending(): Buffer {
    return this.received;
  }
}

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  size: number;
}

/** Parse one frame from the start of `bytes` (any role: unmasks when masked), or undefined if incomplete. */
export function parseServerFrame(bytes: Buffer): ServerFrame | undefined {
  if (bytes.length < 2) return undefined;
  const masked = (bytes[1]! & 0x80) !== 0;
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  const keyAt = offset;
  if (masked) offset += 4;
  if (bytes.length < offset + length) return undefined;
  const payload = Buffer.from(bytes.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= bytes[keyAt + (i % 4)]!;
  return { fin: (bytes[0]! & 0x80) !== 0, rsv: (bytes[0]! >> 4) & 0x7, opcode: bytes[0]! & 0x0f, masked, payload, size: offset + length };
}

export function upgradeRequest(extraHeaders = '', key = randomBytes(16).toString('base64')): string {
  return (
    `GET / HTTP/1.1\r\nHost: ${LOOPBACK}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`
  );
}

export interface FrameOptions {
  fin?: boolean;
  /** RSV1-3 as a 3-bit number (RSV1 = 4). */
  rsv?: number;
  mask?: boolean;
  /** Write this length in the header instead of the payload's (the payload bytes still follow). */
  declaredLength?: bigint | number;
}

/** One frame exactly as written (clients mask by default, RFC 6455 §5.3). */
export function frame(opcode: number, payload: Buffer | string = Buffer.alloc(0), options: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { fin = true, rsv = 0, mask = true } = options;
  const length = BigInt(options.declaredLength ?? body.length);
  let header: Buffer;
  if (length < 126n) {
    header = Buffer.from([0, Number(length)]);
  } else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(length, 2);
  }
  header[0] = (fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f);
  if (!mask) return Buffer.concat([header, body]);
  header[1]! |= 0x80;
  const key = randomBytes(4);
  const masked = Buffer.from(body);
  for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
  return Buffer.concat([header, key, masked]);
}

export function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return Buffer.concat([payload, typeof reason === 'string' ? Buffer.from(reason) : reason]);
}

/** A ws6455 client connects, gets an echo back and closes cleanly: the server still serves. */
export async function expectServesFreshClient(url: string): Promise<void> {
  const ws = new WebSocket(url);
  onCleanup(() => ws.terminate());
  await once(ws, 'open');
  const echoed = once(ws, 'message');
  ws.send('still serving');
  const [data] = await echoed;
  expect(String(data)).toBe('still serving');
  const closed = once(ws, 'close');
  ws.close(1000);
  const [code] = await closed;
  expect(code).toBe(1000);
}

/** Counts of process.getActiveResourcesInfo() by kind (TCPSocketWrap, Timeout, ...). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds of which more are active than in `baseline`. */
function extraResources(baseline: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [kind, count] of activeResources()) {
    if (count > (baseline.get(kind) ?? 0)) extra.push(`${kind} ${baseline.get(kind) ?? 0} -> ${count}`);
  }
  return extra;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The end of every hostile case: the server still serves a fresh client, then, once the peers are
 * gone, it holds no client and no socket, and after close() nothing it created is still active.
 */
export async function expectCleanAfter(server: HostileServer, baseline: Map<string, number>, peers: RawPeer[] = []): Promise<void> {
  await expectServesFreshClient(server.url);
  for (const peer of peers) peer.socket.destroy();
  await waitFor(() => server.wss.clients.size === 0, 2000, 'wss.clients to empty');
  await waitFor(async () => (await connectionCount(server.wss)) === 0, 2000, 'the net server to hold no connection');
  await closeServer(server.wss);
  let extra: string[] = [];
  await waitFor(
    () => {
      extra = extraResources(baseline);
      return extra.length === 0;
    },
    2000,
    'active resources back to the baseline',
  ).catch(() => {
    throw new Error(`left behind: ${extra.join(', ')}`);
  });
}

/**
 * A raw peer that completes the opening handshake (with `extraHeaders`), then stops reading for
 * good: the kernel buffers fill and TCP pushes back on the server. It may still write.
 */
export async function nonReadingPeer(port: number, extraHeaders = ''): Promise<net.Socket> {
  const socket = net.connect({ port, host: LOOPBACK });
  onCleanup(() => socket.destroy());
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(upgradeRequest(extraHeaders));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.pause();
  return socket;
}
