// Regression: with permessage-deflate, a client that closes while the server is still sending
// compressed messages reported 1006 (not clean): the server's close frame, queued behind a message
// being inflated, was dropped when TCP closed first. Everything received is now processed first.
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { WebSocket } from '../../src/index.js';

const servers: WsServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe('a close frame behind compressed messages', () => {
  it('is received and reported (3000, clean) although TCP closes before inflation catches up', async () => {
    const server = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
    servers.push(server);
    await once(server, 'listening');
    server.on('connection', (ws) => {
      for (let i = 0; i < 400; i++) ws.send(randomBytes(64 * 1024));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
    await once(client, 'open');
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) =>
      client.addEventListener('close', (event) => resolve({ code: event.code, wasClean: event.wasClean })),
    );
    client.close(3000);
    expect(await closed).toEqual({ code: 3000, wasClean: true });
  });
});
