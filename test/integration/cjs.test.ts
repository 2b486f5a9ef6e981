// The CommonJS entry, as `require('ws')` users load it: the WebSocket class itself, carrying
// WebSocketServer, Server, createWebSocketStream and WebSocket as properties. dist/ is built by
// the vitest global setup before every run.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { onCleanup } from './helpers.js';

const require = createRequire(import.meta.url);

describe("require('../../dist/cjs/index.cjs')", () => {
  // Loaded lazily so a missing build fails these tests, not the whole file's collection.
  const load = (): any => require('../../dist/cjs/index.cjs');

  it('is the WebSocket class, with the ws-shaped properties', () => {
    const WebSocket = load();
    expect(typeof WebSocket).toBe('function');
    expect(WebSocket.WebSocket).toBe(WebSocket);
    expect(typeof WebSocket.WebSocketServer).toBe('function');
    expect(WebSocket.Server).toBe(WebSocket.WebSocketServer);
    expect(typeof WebSocket.createWebSocketStream).toBe('function');
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
  });

  it('runs a client/server round trip', async () => {
    const WebSocket = load();
    const wss = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
    onCleanup(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, 'listening');
    wss.on('connection', (ws: any) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    ws.send('through commonjs');
    const [data, isBinary] = await once(ws, 'message');
    expect(String(data)).toBe('through commonjs');
    expect(isBinary).toBe(false);
    const closedPromise = once(ws, 'close');
    ws.close(1000, 'done');
    const [code, reason] = await closedPromise;
    expect(code).toBe(1000);
    expect(String(reason)).toBe('done');
  });
});
