// WebSocketServer in each of its modes over real loopback sockets: standalone (ws6455 parses HTTP
// itself), attached to an http or https server, and noServer with handleUpgrade; plus the hooks
// ws users rely on (verifyClient, handleProtocols, 'headers', wsClientError) and the lifecycle
// (listening, address, error, close).
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type UpgradeRequest, type VerifyClientInfo } from '../../src/index.js';
import {
  LOOPBACK,
  SAMPLE_ACCEPT,
  bodyOf,
  closed,
  connectPair,
  headersOf,
  listen,
  makeCertificate,
  nextMessage,
  openClient,
  client,
  rawExchange,
  rawSocket,
  readHead,
  requireProgram,
  hasProgram,
  startServer,
  statusLine,
  trackHttpServer,
  trackServer,
  upgradeRequest,
} from './helpers.js';

describe('standalone mode ({ port }): ws6455 reads the HTTP request itself', () => {
  it('answers a valid upgrade with exactly the 101 head of RFC 6455 §4.2.2', async () => {
    const { port } = await startServer();
    const socket = await rawSocket(port);
    socket.write(upgradeRequest());
    const { head, rest } = await readHead(socket);
    expect(head).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}\r\n` +
        '\r\n',
    );
    expect(rest.length).toBe(0);
  });

  it('emits connection(ws, req) with the request line and headers', async () => {
    const { wss, url } = await startServer();
    const accepted = once(wss, 'connection') as Promise<[WebSocket, UpgradeRequest]>;
    await openClient(`${url}/chat?room=1`, { headers: { 'X-Trace': 'abc' } });
    const [ws, req] = await accepted;
    expect(ws).toBeInstanceOf(WebSocket);
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/chat?room=1');
    expect(req.headers['x-trace']).toBe('abc');
    expect(req.socket.remoteAddress).toBe(LOOPBACK);
  });

  it('exchanges messages both ways', async () => {
    const { client: ws, server } = await connectPair();
    server.on('message', (data, isBinary) => server.send(data as Buffer, { binary: isBinary }));
    ws.send('echo me');
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('echo me'), isBinary: false });
  });
});

describe('{ server }: attached to an existing http server', () => {
  it('upgrades on the http server and leaves plain requests to it', async () => {
    const server = http.createServer((req, res) => res.end('plain http'));
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    const port = await listen(server);
    wss.on('connection', (ws) => ws.send('hello over http server'));
    const ws = client(`ws://${LOOPBACK}:${port}`);
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('hello over http server'), isBinary: false });
    const plain = await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(statusLine(plain)).toBe('HTTP/1.1 200 OK');
    expect(bodyOf(plain)).toContain('plain http');
  });

  it('emits listening when the http server listens, and address() is its address', async () => {
    const server = http.createServer();
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    const listening = once(wss, 'listening');
    const port = await listen(server);
    await listening;
    expect(wss.listening).toBe(true);
    expect(wss.address()).toEqual({ address: LOOPBACK, family: 'IPv4', port });
  });
});

const certificate = makeCertificate();
const openssl = requireProgram(certificate !== null || hasProgram('openssl'), 'openssl', 'apt-get install openssl');

describe.skipIf(openssl.skip)(`{ server }: attached to an https server${openssl.skip ? ` (skipped: ${openssl.reason})` : ''}`, () => {
  it('accepts wss:// clients that trust the certificate', async () => {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert });
    trackHttpServer(server);
    const wss = new WebSocketServer({ server });
    trackServer(wss);
    const port = await listen(server);
    const accepted = once(wss, 'connection') as Promise<[WebSocket, IncomingMessage]>;
    const ws = await openClient(`wss://localhost:${port}`, { ca: certificate!.cert });
    const [serverSide] = await accepted;
    serverSide.send('over tls');
    expect(await nextMessage(ws)).toEqual({ data: Buffer.from('over tls'), isBinary: false });
  });

  it('tells verifyClient the connection is secure', async () => {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert });
    trackHttpServer(server);
    const seen: boolean[] = [];
    const wss = new WebSocketServer({ server, verifyClient: (info: VerifyClientInfo) => (seen.push(info.secure), true) });
    trackServer(wss);
    const port = await listen(server);
    await openClient(`wss://localhost:${port}`, { rejectUnauthorized: false });
    expect(seen).toEqual([true]);
  });
});

describe('{ path }: only one path is a WebSocket endpoint', () => {
  it('accepts the path (ignoring the query string)', async () => {
    const { url } = await startServer({ path: '/live' });
    const ws = await openClient(`${url}/live?token=1`);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers 404 Not Found for another path in standalone mode', async () => {
    const { port } = await startServer({ path: '/live' });
    const response = await rawExchange(port, upgradeRequest({ path: '/other' }));
    expect(statusLine(response)).toBe('HTTP/1.1 404 Not Found');
    expect(headersOf(response).connection).toBe('close');
  });

  it('lets two servers share one http server by path', async () => {
    const server = http.createServer();
    trackHttpServer(server);
    const a = new WebSocketServer({ server, path: '/a' });
    const b = new WebSocketServer({ server, path: '/b' });
    trackServer(a);
    trackServer(b);
    a.on('connection', (ws) => ws.send('from a'));
    b.on('connection', (ws) => ws.send('from b'));
    const port = await listen(server);
    expect((await nextMessage(client(`ws://${LOOPBACK}:${port}/b`))).data).toEqual(Buffer.from('from b'));
    expect((await nextMessage(client(`ws://${LOOPBACK}:${port}/a`))).data).toEqual(Buffer.from('from a'));
  });
});

describe('{ noServer: true }: the application routes upgrades with handleUpgrade', () => {
  it('completes the upgrade it is handed and calls back with (ws, req)', async () => {
    const wss = new WebSocketServer({ noServer: true });
    trackServer(wss);
    const server = http.createServer();
    trackHttpServer(server);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws, request) => {
        expect(request).toBe(req);
        wss.emit('connection', ws, request);
      });
    });
    wss.on('connection', (ws) => ws.send('routed'));
    const port = await listen(server);
    expect((await nextMessage(client(`ws://${LOOPBACK}:${port}/any`))).data).toEqual(Buffer.from('routed'));
  });

  it('refuses with 400 what a custom shouldHandle() declines', async () => {
    class TokenServer extends WebSocketServer {
      override shouldHandle(req: UpgradeRequest | IncomingMessage): boolean {
        return (req.url ?? '').includes('token=good');
      }
    }
    const wss = new TokenServer({ noServer: true });
    trackServer(wss);
    const server = http.createServer();
    trackHttpServer(server);
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.send('welcome')));
    const port = await listen(server);
    const refused = await rawExchange(port, upgradeRequest({ path: '/?token=bad' }));
    expect(statusLine(refused)).toBe('HTTP/1.1 400 Bad Request');
    expect((await nextMessage(client(`ws://${LOOPBACK}:${port}/?token=good`))).data).toEqual(Buffer.from('welcome'));
  });

  it('has no address in noServer mode', () => {
    const wss = new WebSocketServer({ noServer: true });
    trackServer(wss);
    expect(() => wss.address()).toThrow('The server is operating in "noServer" mode');
  });

  it('requires exactly one of port, server, noServer', () => {
    expect(() => new WebSocketServer({})).toThrow(TypeError);
    expect(() => new WebSocketServer({ port: 0, noServer: true })).toThrow(TypeError);
  });
});

describe("the 'headers' event: last chance to edit the 101 response", () => {
  it('adds a Set-Cookie line that the client sees in its upgrade response', async () => {
    const { wss, url } = await startServer();
    wss.on('headers', (headers: string[], req: UpgradeRequest) => {
      expect(req.url).toBe('/');
      headers.push('Set-Cookie: session=abc; Path=/');
    });
    const ws = client(url);
    const opened = once(ws, 'open');
    const [response] = (await once(ws, 'upgrade')) as [IncomingMessage];
    expect(response.statusCode).toBe(101);
    expect(response.rawHeaders).toContain('session=abc; Path=/');
    await opened;
  });

  it("presents Set-Cookie as node's IncomingMessage does: an array", async () => {
    const { wss, url } = await startServer();
    wss.on('headers', (headers: string[]) => headers.push('Set-Cookie: a=1', 'Set-Cookie: b=2'));
    const [response] = (await once(client(url), 'upgrade')) as [IncomingMessage];
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
  });
});

describe("'wsClientError': the application answers invalid handshakes itself", () => {
  it('hands over the error, the socket and the request instead of writing a response', async () => {
    const { wss, port } = await startServer();
    wss.on('wsClientError', (error: Error & { code?: string }, socket: Duplex, req: UpgradeRequest) => {
      socket.end(`HTTP/1.1 418 I'm a Teapot\r\nX-Why: ${error.message.replace(/[^A-Za-z -]/g, '')}\r\nX-Url: ${req.url}\r\n\r\n`);
    });
    const response = await rawExchange(port, upgradeRequest({ path: '/t', headers: { 'Sec-WebSocket-Key': 'short' } }));
    expect(statusLine(response)).toBe("HTTP/1.1 418 I'm a Teapot");
    expect(headersOf(response)['x-why']).toBe('Missing or invalid Sec-WebSocket-Key header');
    expect(headersOf(response)['x-url']).toBe('/t');
  });
});

describe('verifyClient', () => {
  it('sync false → 401 Unauthorized', async () => {
    const { wss, port } = await startServer({ verifyClient: () => false });
    let connections = 0;
    wss.on('connection', () => connections++);
    const response = await rawExchange(port, upgradeRequest());
    expect(statusLine(response)).toBe('HTTP/1.1 401 Unauthorized');
    expect(connections).toBe(0);
  });

  it("async cb(false, 403, 'Forbidden') → 403 with that body", async () => {
    const { port } = await startServer({
      verifyClient: (_info: VerifyClientInfo, cb: (ok: boolean, code?: number, message?: string) => void) => {
        setImmediate(() => cb(false, 403, 'Forbidden'));
      },
    });
    const response = await rawExchange(port, upgradeRequest());
    expect(statusLine(response)).toBe('HTTP/1.1 403 Forbidden');
    expect(bodyOf(response)).toBe('Forbidden');
    expect(headersOf(response)['content-length']).toBe('9');
  });

  it('async cb(true) accepts', async () => {
    const { url } = await startServer({
      verifyClient: (_info: VerifyClientInfo, cb: (ok: boolean) => void) => setImmediate(() => cb(true)),
    });
    expect((await openClient(url)).readyState).toBe(WebSocket.OPEN);
  });

  it('an Origin allow-list: allowed origin opens, any other gets 403', async () => {
    const allowed = new Set(['https://app.example']);
    const { url, port } = await startServer({
      verifyClient: (info: VerifyClientInfo, cb: (ok: boolean, code?: number) => void) => cb(allowed.has(info.origin ?? ''), 403),
    });
    expect((await openClient(url, { origin: 'https://app.example' })).readyState).toBe(WebSocket.OPEN);
    const refused = await rawExchange(port, upgradeRequest({ headers: { Origin: 'https://evil.example' } }));
    expect(statusLine(refused)).toBe('HTTP/1.1 403 Forbidden');
    const ws = client(url, { origin: 'https://evil.example' });
    const [error] = (await once(ws, 'error')) as [Error];
    expect(error.message).toBe('Unexpected server response: 403');
  });
});

describe('handleProtocols: the server picks the subprotocol', () => {
  it('chooses from the offered set and both sides report it', async () => {
    const offered: string[][] = [];
    const { wss, url } = await startServer({
      handleProtocols: (protocols: Set<string>) => (offered.push([...protocols]), protocols.has('v2') ? 'v2' : false),
    });
    const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
    const ws = await openClient(url, ['v1', 'v2']);
    const [serverSide] = await accepted;
    expect(offered).toEqual([['v1', 'v2']]);
    expect(ws.protocol).toBe('v2');
    expect(serverSide.protocol).toBe('v2');
  });

  it('returning false sends no Sec-WebSocket-Protocol header', async () => {
    const { port } = await startServer({ handleProtocols: () => false });
    const socket = await rawSocket(port);
    socket.write(upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'chat' } }));
    const { head } = await readHead(socket);
    expect(statusLine(head)).toBe('HTTP/1.1 101 Switching Protocols');
    expect(headersOf(head)['sec-websocket-protocol']).toBeUndefined();
  });

  it('without handleProtocols the first offered protocol is chosen; none offered, none chosen', async () => {
    const { url } = await startServer();
    expect((await openClient(url, ['first', 'second'])).protocol).toBe('first');
    expect((await openClient(url)).protocol).toBe('');
  });
});

describe('clientTracking', () => {
  it('on (default): clients holds open connections and drops closed ones', async () => {
    const { wss, client: ws, server } = await connectPair();
    expect([...wss.clients]).toEqual([server]);
    const serverClosed = closed(server);
    ws.close();
    await serverClosed;
    expect(wss.clients.size).toBe(0);
  });

  it('off: connections are not tracked', async () => {
    const { wss } = await connectPair({ clientTracking: false });
    expect(wss.clients).toBeUndefined();
  });
});

describe('close(cb)', () => {
  it('closes open clients with 1001 Going Away, then emits close and calls back without error', async () => {
    const { wss, client: ws } = await connectPair();
    const clientClosed = closed(ws);
    const serverClose = once(wss, 'close');
    const callbackError = await new Promise<Error | undefined>((resolve) => wss.close(resolve));
    expect(callbackError).toBeUndefined();
    await serverClose;
    const { code, reason } = await clientClosed;
    expect(code).toBe(1001);
    expect(reason.toString()).toBe('Server shutting down');
    expect(wss.listening).toBe(false);
  });

  it('refuses new connections once closed', async () => {
    const { wss, port } = await startServer();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const socket = net.connect(port, LOOPBACK);
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('a second close() calls back with an error (the server is not running)', async () => {
    const { wss } = await startServer();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const error = await new Promise<Error | undefined>((resolve) => wss.close(resolve));
    expect(error?.message).toBe('The server is not running');
  });
});

describe('lifecycle: listening, address(), error', () => {
  it("emits 'listening', calls the constructor callback, and address() gives the bound port", async () => {
    let called = false;
    const wss = new WebSocketServer({ port: 0, host: LOOPBACK }, () => (called = true));
    trackServer(wss);
    expect(wss.listening).toBe(false);
    await once(wss, 'listening');
    expect(called).toBe(true);
    expect(wss.listening).toBe(true);
    const address = wss.address() as net.AddressInfo;
    expect(address.address).toBe(LOOPBACK);
    expect(address.family).toBe('IPv4');
    expect(address.port).toBeGreaterThan(0);
  });

  it("emits 'error' with EADDRINUSE when the port is taken", async () => {
    const { port } = await startServer();
    const second = new WebSocketServer({ port, host: LOOPBACK });
    trackServer(second);
    const [error] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('EADDRINUSE');
    expect(second.listening).toBe(false);
  });
});
