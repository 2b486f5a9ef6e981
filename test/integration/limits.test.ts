// Counts and deadlines of the opening handshake (issue 15): maxConnections, handshakeTimeout that
// means the same in all three modes (0 = no limit, undefined = the default), a deadline for an
// async verifyClient, and the listening net.Server within reach.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { closed, delay, listen, onCleanup, openClient, rawExchange, startServer, statusLine, trackHttpServer, trackServer, upgradeRequest } from './helpers.js';

function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => {});
    ws.on('open', () => reject(new Error('opened')));
  });
}

describe('maxConnections', () => {
  it('answers 503 beyond the limit, before any WebSocket exists, and accepts again once one closes', async () => {
    const { wss, url } = await startServer({ maxConnections: 2 });
    let created = 0;
    wss.on('connection', () => created++);
    const first = await openClient(url);
    await openClient(url);
    expect(await refusedStatus(url)).toBe(503);
    expect(created).toBe(2);
    first.close();
    await closed(first);
    await delay(20);
    const third = await openClient(url);
    expect(third.readyState).toBe(WebSocket.OPEN);
  });

  it('counts in noServer mode too (handleUpgrade answers 503)', async () => {
    const wss = new WebSocketServer({ noServer: true, maxConnections: 1 });
    trackServer(wss);
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
    trackHttpServer(server);
    const port = await listen(server);
    await openClient(`ws://127.0.0.1:${port}`);
    expect(await refusedStatus(`ws://127.0.0.1:${port}`)).toBe(503);
  });
});

describe('handshakeTimeout', () => {
  it('undefined means the default (a slow client still gets 408, not an unbounded wait)', async () => {
    const { wss } = await startServer({ handshakeTimeout: undefined });
    expect(wss.options.handshakeTimeout).toBe(10_000);
  });

  it('0 means no limit, as in Node: a half-sent request is not answered 408', async () => {
    const { wss } = await startServer({ handshakeTimeout: 0 });
    const socket = net.connect((wss.address() as net.AddressInfo).port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    let answered = false;
    socket.on('data', () => (answered = true));
    await delay(300);
    expect(answered).toBe(false);
  });

  it('bounds an async verifyClient that never calls back, in every mode (here on an http server): 408', async () => {
    const server = http.createServer();
    trackHttpServer(server);
    const wss = new WebSocketServer({ server, handshakeTimeout: 200, verifyClient: (_info, _cb) => {} });
    trackServer(wss);
    const port = await listen(server);
    const response = await rawExchange(port, upgradeRequest());
    expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
  });
});

describe('the listening net.Server', () => {
  it('is wss.netServer in standalone mode (and the given server otherwise)', async () => {
    const { wss } = await startServer();
    expect(wss.netServer).toBeInstanceOf(net.Server);
    expect(wss.netServer?.listening).toBe(true);
    const server = http.createServer();
    const attached = new WebSocketServer({ server });
    expect(attached.netServer).toBe(server);
    attached.close();
    expect(new WebSocketServer({ noServer: true }).netServer).toBeNull();
  });
});
