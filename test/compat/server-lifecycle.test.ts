// WebSocketServer compatibility, organized like ws's doc/ws.md: server.address(), server.close(),
// server.handleUpgrade(), server.shouldHandle() and the events 'listening', 'error' and 'close',
// run side by side on ws and ws6455 (see server-support.ts).
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describe } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { compareBehaviours, describeError, describeResponse, nextEvent, outcome, reportTally, upgradeRequest, type Scope } from './server-support.js';

reportTally('server-lifecycle');

const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts 'close' events and logs each callback's argument. */
function watchClose(s: Scope, wss: WebSocketServer): { events: () => number; callback: (label: string) => (error?: Error) => void } {
  let count = 0;
  wss.on('close', () => count++);
  return {
    events: () => count,
    callback: (label) => (error) => s.note(label, error === undefined ? 'no error' : describeError(error)),
  };
}

describe('server.address()', () => {
  compareBehaviours([
    {
      title: 'noServer: throws',
      run: async (s) => s.note(outcome(() => s.own(new s.impl.WebSocketServer({ noServer: true })).address())),
    },
    {
      title: '{ server }: null until the http server listens, then its address; null after close()',
      run: async (s) => {
        const { http } = await s.httpServer().then(async (first) => {
          await new Promise((resolve) => first.http.close(resolve));
          return first;
        });
        const wss = s.own(new s.impl.WebSocketServer({ server: http }));
        s.note('before listen', JSON.stringify(wss.address()));
        http.listen(0, '127.0.0.1');
        await nextEvent(wss, 'listening');
        s.note('listening', typeof (wss.address() as { port: number }).port);
        wss.close();
        s.note('after close', JSON.stringify(wss.address()), http.listening);
      },
    },
    {
      title: 'standalone: null after close()',
      run: async (s) => {
        const { wss } = await s.standalone();
        wss.close();
        s.note(JSON.stringify(wss.address()));
      },
    },
  ]);
});

describe("events: 'listening' and 'error' (forwarded from the http server)", () => {
  compareBehaviours([
    {
      title: "{ server }: the http server's 'listening' and 'error' are re-emitted",
      run: async (s) => {
        const { http } = await s.httpServer();
        const wss = s.own(new s.impl.WebSocketServer({ server: http }));
        wss.on('error', (error: Error) => s.note('error', error.message));
        wss.on('listening', () => s.note('listening'));
        http.emit('error', new Error('boom'));
        http.emit('listening');
        wss.close();
        s.note('after close: upgrade listeners', http.listenerCount('upgrade'), 'error listeners', http.listenerCount('error'));
      },
    },
  ]);
});

describe("server.close([callback]) and event 'close'", () => {
  compareBehaviours([
    {
      title: 'three calls in a row: one close event, three callbacks without error',
      run: async (s) => {
        const { wss } = await s.standalone();
        const watch = watchClose(s, wss);
        wss.close(watch.callback('first'));
        wss.close(watch.callback('second'));
        wss.close(watch.callback('third'));
        s.note('sync events', watch.events());
        await nextEvent(wss, 'close').catch(() => undefined);
        await tick();
        s.note('events', watch.events());
      },
    },
    {
      title: "a call after 'close': the event again, and the callback gets 'The server is not running'",
      run: async (s) => {
        const { wss } = await s.standalone();
        const watch = watchClose(s, wss);
        await new Promise((resolve) => wss.close(resolve));
        wss.close(watch.callback('again'));
        s.note('sync events', watch.events());
        await tick();
        wss.close();
        await tick();
        s.note('events', watch.events());
      },
    },
    {
      title: 'noServer without clients: close is emitted on a later tick',
      run: async (s) => {
        const wss = s.own(new s.impl.WebSocketServer({ noServer: true }));
        const watch = watchClose(s, wss);
        wss.close(watch.callback('cb'));
        s.note('sync events', watch.events());
        await new Promise((resolve) => process.nextTick(resolve));
        await tick(5);
        s.note('events', watch.events());
      },
    },
    {
      title: '{ server }: the http server keeps listening',
      run: async (s) => {
        const { wss, http } = await s.attached();
        await new Promise((resolve) => wss.close(resolve));
        s.note(http!.listening, http!.listenerCount('upgrade'));
      },
    },
    {
      title: 'with an open client',
      run: async (s) => {
        const started = await s.standalone();
        const [client] = await s.connect(started);
        const serverClosed = nextEvent(started.wss, 'close');
        started.wss.close();
        client.ping();
        const first = await Promise.race([
          nextEvent(client, 'pong').then(() => 'pong'),
          nextEvent(client, 'close').then(([code]) => `client close ${String(code)}`),
        ]);
        s.note(first);
        if (client.readyState === client.OPEN) client.close(1000);
        await serverClosed;
        s.note('server closed');
      },
      differs: {
        why: 'a server that stops is going away: open clients are closed with 1001 (ws leaves them open)',
        ws: ['pong', 'server closed'],
        ws6455: ['client close 1001', 'server closed'],
      },
    },
  ]);
});

describe('server.handleUpgrade(request, socket, head, callback)', () => {
  /** An http server whose 'upgrade' runs `onUpgrade` for a noServer WebSocketServer. */
  async function upgradeWith(
    s: Scope,
    onUpgrade: (wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer) => void,
    options = {},
  ): Promise<{ wss: WebSocketServer; port: number; url: string }> {
    const { http, port } = await s.httpServer();
    const wss = s.own(new s.impl.WebSocketServer({ noServer: true, ...options }));
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(wss, req, socket, head));
    return { wss, port, url: `ws://127.0.0.1:${port}` };
  }

  compareBehaviours([
    {
      title: "the callback gets (ws, req); no 'connection' is emitted by itself",
      run: async (s) => {
        const { wss, url } = await upgradeWith(s, (wss, req, socket, head) => {
          wss.handleUpgrade(req, socket, head, (ws: WebSocket, request: IncomingMessage) => {
            s.note('callback', ws.readyState, request === req, wss.clients.has(ws));
          });
        });
        wss.on('connection', () => s.note('connection'));
        await nextEvent(s.client(url), 'open');
        await tick();
      },
    },
    {
      title: 'a second call with the same socket throws',
      run: async (s) => {
        const { url } = await upgradeWith(s, (wss, req, socket, head) => {
          wss.handleUpgrade(req, socket, head, () => {
            s.note(outcome(() => wss.handleUpgrade(req, socket, head, () => s.note('second callback'))));
          });
        });
        await nextEvent(s.client(url), 'open');
      },
    },
    {
      title: 'a socket destroyed before the call is dropped without an answer',
      run: async (s) => {
        const { port } = await upgradeWith(s, (wss, req, socket, head) => {
          socket.destroy();
          wss.handleUpgrade(req, socket, head, () => s.note('callback'));
        });
        s.note(describeResponse(await s.raw(port, upgradeRequest()))[0]);
      },
    },
    {
      title: 'a client gone while an async verifyClient decides is dropped',
      run: async (s) => {
        let verdict: (ok: boolean) => void = () => {};
        const asked = new Promise<void>((resolve) => {
          verdict = () => resolve();
        });
        const { wss, port } = await upgradeWith(
          s,
          (wss, req, socket, head) => wss.handleUpgrade(req, socket, head, () => s.note('callback')),
          {
            verifyClient: (_info: unknown, cb: (ok: boolean) => void) => {
              s.note('verifyClient');
              const ask = verdict;
              verdict = cb;
              ask(true);
            },
          },
        );
        wss.on('connection', () => s.note('connection'));
        const client = net.connect(port, '127.0.0.1');
        client.write(upgradeRequest());
        await asked;
        client.destroy();
        await tick();
        verdict(true);
        await tick();
        s.note('clients', wss.clients.size);
      },
    },
    {
      title: 'after close(): 503',
      run: async (s) => {
        const { wss, port } = await upgradeWith(s, (wss, req, socket, head) => {
          wss.close();
          wss.handleUpgrade(req, socket, head, () => s.note('callback'));
        });
        void wss;
        for (const line of describeResponse(await s.raw(port, upgradeRequest()))) s.note(line);
      },
    },
  ]);
});

describe('server.shouldHandle(request)', () => {
  compareBehaviours([
    {
      title: 'matches the path without the query string; true without a path',
      run: async (s) => {
        const withPath = s.own(new s.impl.WebSocketServer({ noServer: true, path: '/a' }));
        const without = s.own(new s.impl.WebSocketServer({ noServer: true }));
        for (const url of ['/a', '/a?x=1', '/b', '/a/', '/']) {
          const req = { url } as IncomingMessage;
          s.note(url, withPath.shouldHandle(req), without.shouldHandle(req));
        }
      },
    },
    {
      title: 'a subclass override is what handleUpgrade consults (400 when false)',
      run: async (s) => {
        class Picky extends (s.impl.WebSocketServer as unknown as new (options: object) => WebSocketServer) {
          override shouldHandle(req: IncomingMessage): boolean {
            return req.url === '/yes';
          }
        }
        const { http, port } = await s.httpServer();
        const wss = s.own(new Picky({ noServer: true }));
        http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
          wss.handleUpgrade(req, socket, head, (ws: WebSocket) => s.note('upgraded', ws.readyState)),
        );
        s.note(describeResponse(await s.raw(port, upgradeRequest({ path: '/no' })))[0]);
        s.note(describeResponse(await s.raw(port, upgradeRequest({ path: '/yes' })))[0]);
      },
    },
  ]);
});
