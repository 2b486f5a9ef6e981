// The client (new WebSocket(url, protocols, options)) against real loopback servers: ws://, wss://,
// ws+unix:, the request it sends (protocols, headers, origin, extensions offer), the handshake
// events ('upgrade', 'unexpected-response', 'redirect') and how a failed connection ends.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type UpgradeRequest } from '../../src/index.js';
import {
  LOOPBACK,
  client,
  hasProgram,
  listen,
  makeCertificate,
  nextMessage,
  onCleanup,
  openClient,
  requireProgram,
  startServer,
  trackHttpServer,
  trackServer,
  within,
} from './helpers.js';

/** The request head the server saw for the next connection. */
async function requestSeen(wss: WebSocketServer): Promise<UpgradeRequest> {
  const [, req] = (await once(wss, 'connection')) as [WebSocket, UpgradeRequest];
  return req;
}

/** Error then close: the order ws reports a failed connection in. */
async function failure(ws: WebSocket): Promise<{ events: string[]; error: Error & { code?: string }; code: number }> {
  const events: string[] = [];
  let error: (Error & { code?: string }) | undefined;
  ws.on('error', (e: Error) => {
    events.push('error');
    error = e;
  });
  // Not events.once: it rejects on 'error', which is the event under test here.
  const code = await within(new Promise<number>((resolve) => ws.once('close', resolve)), 2000, 'close');
  events.push('close');
  return { events, error: error!, code };
}

describe('ws:// to a loopback server', () => {
  it('opens, reports url, and exchanges a message', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws: WebSocket) => ws.on('message', (data) => ws.send(`echo:${data}`)));
    const ws = await openClient(`${url}/room`);
    expect(ws.url).toBe(`${url}/room`);
    ws.send('hi');
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('echo:hi'), isBinary: false });
  });
});

const certificate = makeCertificate();
const openssl = requireProgram(certificate !== null || hasProgram('openssl'), 'openssl', 'apt-get install openssl');

describe.skipIf(openssl.skip)(`wss:// to an https server${openssl.skip ? ` (skipped: ${openssl.reason})` : ''}`, () => {
  async function tlsServer(): Promise<number> {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert });
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    wss.on('connection', (ws: WebSocket) => ws.send('secure hello'));
    return listen(server);
  }

  it('connects when the certificate is trusted through `ca`', async () => {
    const port = await tlsServer();
    const ws = client(`wss://localhost:${port}`, { ca: certificate!.cert });
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('secure hello'), isBinary: false });
  });

  it('connects with rejectUnauthorized: false', async () => {
    const port = await tlsServer();
    const ws = client(`wss://localhost:${port}`, { rejectUnauthorized: false });
    expect((await nextMessage(ws)).data).toEqual(Buffer.from('secure hello'));
  });

  it('rejects the self-signed certificate by default: error, then close 1006', async () => {
    const port = await tlsServer();
    const { events, error, code } = await failure(new WebSocket(`wss://localhost:${port}`));
    expect(events).toEqual(['error', 'close']);
    expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(code).toBe(1006);
  });
});

describe('ws+unix: URLs reach a server on a unix socket', () => {
  it('connects to ws+unix:<socket path>:<request path>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws6455-unix-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const socketPath = join(dir, 'ws.sock');
    const server = http.createServer();
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    server.listen(socketPath);
    await once(server, 'listening');
    const seen = requestSeen(wss);
    const ws = await openClient(`ws+unix:${socketPath}:/chat?x=1`);
    expect((await seen).url).toBe('/chat?x=1');
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('what the client asks for', () => {
  it('offers its protocols and reports the one the server chose', async () => {
    const { wss, url } = await startServer({ handleProtocols: (offered: Set<string>) => (offered.has('b') ? 'b' : false) });
    const seen = requestSeen(wss);
    const ws = await openClient(url, ['a', 'b']);
    expect((await seen).headers['sec-websocket-protocol']?.toString().split(/\s*,\s*/)).toEqual(['a', 'b']);
    expect(ws.protocol).toBe('b');
  });

  it('accepts a single protocol as a string', async () => {
    const { url } = await startServer();
    expect((await openClient(url, 'solo')).protocol).toBe('solo');
  });

  it('throws SyntaxError for an invalid or duplicated subprotocol', () => {
    expect(() => new WebSocket(`ws://${LOOPBACK}:1`, ['dup', 'dup'])).toThrow(SyntaxError);
    expect(() => new WebSocket(`ws://${LOOPBACK}:1`, ['bad protocol'])).toThrow(SyntaxError);
  });

  it('sends extra `headers` and `origin`', async () => {
    const { wss, url } = await startServer();
    const seen = requestSeen(wss);
    await openClient(url, { headers: { Authorization: 'Bearer t0k', 'X-Multi': ['1', '2'] }, origin: 'https://origin.example' });
    const req = await seen;
    expect(req.headers.authorization).toBe('Bearer t0k');
    expect(req.headers['x-multi']).toBe('1, 2');
    expect(req.headers.origin).toBe('https://origin.example');
  });

  it('offers permessage-deflate by default and nothing with perMessageDeflate: false', async () => {
    const { wss, url } = await startServer();
    const first = requestSeen(wss);
    await openClient(url);
    expect((await first).headers['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    const second = requestSeen(wss);
    await openClient(url, { perMessageDeflate: false });
    expect((await second).headers['sec-websocket-extensions']).toBeUndefined();
  });

  it('uses createConnection to build the socket', async () => {
    const { port, url } = await startServer();
    const calls: Array<Record<string, unknown>> = [];
    const ws = await openClient(url, {
      createConnection: (options: Record<string, unknown>): Duplex => {
        calls.push(options);
        return net.connect(port, LOOPBACK);
      },
    });
    expect(calls.length).toBe(1);
    expect(calls[0].port).toBe(port);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe("'upgrade' and 'unexpected-response'", () => {
  it("emits 'upgrade' with the 101 response before 'open'", async () => {
    const { url } = await startServer();
    const ws = client(url);
    const order: string[] = [];
    let response: IncomingMessage | undefined;
    ws.on('upgrade', (res: IncomingMessage) => {
      order.push('upgrade');
      response = res;
    });
    ws.on('open', () => order.push('open'));
    await once(ws, 'open');
    expect(order).toEqual(['upgrade', 'open']);
    expect(response!.statusCode).toBe(101);
    expect(response!.headers.upgrade).toBe('websocket');
  });

  it("hands a non-101 response to 'unexpected-response' with a readable body", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end('Not allowed!');
    });
    trackHttpServer(server);
    const port = await listen(server);
    const ws = client(`ws://${LOOPBACK}:${port}`);
    const [req, res] = (await once(ws, 'unexpected-response')) as [{ abort(): void }, IncomingMessage & Readable];
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('text/plain');
    let body = '';
    res.on('data', (chunk: Buffer) => (body += chunk));
    // The body has a Content-Length: it ends there, as an http.IncomingMessage would, even
    // though node keeps the connection alive.
    await within(once(res, 'end'), 2000, "the response's 'end'");
    expect(body).toBe('Not allowed!');
    expect(typeof req.abort).toBe('function');
  });

  it("without an 'unexpected-response' listener: error 'Unexpected server response: 401', close 1006", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401);
      res.end();
    });
    trackHttpServer(server);
    const port = await listen(server);
    const { events, error, code } = await failure(new WebSocket(`ws://${LOOPBACK}:${port}`));
    expect(events).toEqual(['error', 'close']);
    expect(error.message).toBe('Unexpected server response: 401');
    expect(code).toBe(1006);
  });
});

describe('redirects', () => {
  /** An http server that redirects /hopN to /hop(N-1) and upgrades /final. */
  async function redirectingServer(): Promise<number> {
    const server = http.createServer();
    trackHttpServer(server);
    const wss = new WebSocketServer({ noServer: true });
    trackServer(wss);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const hop = /^\/hop(\d+)$/.exec(req.url ?? '');
      if (hop) {
        const next = Number(hop[1]) === 1 ? '/final' : `/hop${Number(hop[1]) - 1}`;
        socket.end(`HTTP/1.1 302 Found\r\nLocation: ${next}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => ws.send(`arrived at ${req.url}`));
    });
    return listen(server);
  }

  it("follows a redirect with followRedirects, emitting 'redirect' with the new URL", async () => {
    const port = await redirectingServer();
    const ws = client(`ws://${LOOPBACK}:${port}/hop1`, { followRedirects: true });
    const redirects: string[] = [];
    ws.on('redirect', (url: string) => redirects.push(url));
    expect((await nextMessage(ws)).data).toEqual(Buffer.from('arrived at /final'));
    expect(redirects).toEqual([`ws://${LOOPBACK}:${port}/final`]);
  });

  it('reports the final URL in ws.url after a redirect', async () => {
    const port = await redirectingServer();
    const ws = await openClient(`ws://${LOOPBACK}:${port}/hop1`, { followRedirects: true });
    expect(ws.url).toBe(`ws://${LOOPBACK}:${port}/final`);
  });

  it('stops after maxRedirects: error, then close 1006', async () => {
    const port = await redirectingServer();
    const { events, error, code } = await failure(new WebSocket(`ws://${LOOPBACK}:${port}/hop3`, { followRedirects: true, maxRedirects: 2 }));
    expect(events).toEqual(['error', 'close']);
    expect(error.message).toBe('Maximum redirects exceeded');
    expect(code).toBe(1006);
  });

  it('does not follow without followRedirects: the 302 is an unexpected response', async () => {
    const port = await redirectingServer();
    const { error, code } = await failure(new WebSocket(`ws://${LOOPBACK}:${port}/hop1`));
    expect(error.message).toBe('Unexpected server response: 302');
    expect(code).toBe(1006);
  });
});

describe('failing to connect', () => {
  it('throws SyntaxError for an invalid URL', () => {
    expect(() => new WebSocket('not a url')).toThrow(SyntaxError);
    expect(() => new WebSocket('ftp://example.com')).toThrow(SyntaxError);
    expect(() => new WebSocket(`ws://${LOOPBACK}:1/#fragment`)).toThrow(SyntaxError);
  });

  it("ECONNREFUSED: 'error' (code ECONNREFUSED), then 'close' 1006", async () => {
    const probe = net.createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const ws = new WebSocket(`ws://${LOOPBACK}:${port}`);
    const { events, error, code } = await failure(ws);
    expect(events).toEqual(['error', 'close']);
    expect(error.code).toBe('ECONNREFUSED');
    expect(code).toBe(1006);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('handshakeTimeout: a server that never answers → error, then close 1006', async () => {
    // Reads (so it sees the client's FIN and lets go) but never answers.
    const silent = net.createServer((socket) => socket.on('error', () => {}).resume());
    trackHttpServer(silent);
    const port = await listen(silent);
    const started = Date.now();
    const { events, error, code } = await failure(new WebSocket(`ws://${LOOPBACK}:${port}`, { handshakeTimeout: 150 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(events).toEqual(['error', 'close']);
    expect(error.message).toBe('Opening handshake has timed out');
    expect(code).toBe(1006);
  });

  it('close() while CONNECTING: error, then close 1006, emitted after close() returns (as ws does)', async () => {
    const { url } = await startServer();
    const ws = new WebSocket(url);
    const early: string[] = [];
    ws.on('error', () => early.push('error'));
    ws.close();
    expect(early).toEqual([]);
    const { events, error, code } = await failure(ws);
    expect(events).toEqual(['error', 'close']);
    expect(error.message).toBe('WebSocket was closed before the connection was established');
    expect(code).toBe(1006);
  });

  it('send() while CONNECTING throws', async () => {
    const { url } = await startServer();
    const ws = client(url);
    expect(() => ws.send('too early')).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
    await once(ws, 'open');
  });
});
