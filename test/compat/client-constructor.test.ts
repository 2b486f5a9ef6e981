// ws's doc/ws.md, "new WebSocket(address[, protocols][, options])": the client's constructor and
// each of its options, run with ws's client and with ws6455's against the same peer, compared.
import { Agent, ClientRequest, createServer, type ClientRequestArgs, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { acceptHandshake, compareClientBehaviours, describeError, nextEvent, outcome, reportClientTally, respond, waitUntil, withoutPort, type ClientScope } from './client-support.js';

reportClientTally('client-constructor');

/** The upgrade request's headers as the server saw them (names in `names`). */
function headersOf(request: IncomingMessage, names: string[]): string[] {
  return names.map((name) => `${name}: ${JSON.stringify(request.headers[name] ?? '(absent)')}`);
}

/** Connects with `options` to a recording http server, logs the named request headers and the outcome. */
async function sentHeaders(scope: ClientScope, names: string[], options: object, path = '', protocols: string[] = []): Promise<void> {
  const { url, upgrades } = await scope.httpServer();
  const ws = scope.client(url + path, protocols, options);
  const saw = scope.record(ws);
  await Promise.race([saw('open'), saw('close')]);
  scope.note(...headersOf(upgrades[0]!, names));
}

describe('new WebSocket(address[, protocols][, options])', () => {
  compareClientBehaviours([
    {
      title: 'invalid addresses throw SyntaxError with ws\'s messages',
      async run(scope) {
        for (const address of ['nope', 'ftp://example.com', 'ws://example.com/#frag', 'ws+unix:', 'http://[::1']) {
          scope.note(address, outcome(() => new scope.impl.WebSocket(address)));
        }
      },
    },
    {
      title: 'url: http:/https: become ws:/wss:, a URL object is accepted, credentials are kept',
      async run(scope) {
        const { port } = await scope.wsServer();
        for (const address of [`http://127.0.0.1:${port}/a?b=1`, new URL(`ws://127.0.0.1:${port}/x`), `ws://u:p@127.0.0.1:${port}/`]) {
          const ws = scope.client(address as string);
          scope.note(withoutPort(ws.url), ws.readyState, ws.protocol === '', ws.extensions === '', ws.bufferedAmount, ws.binaryType);
          ws.terminate();
        }
      },
    },
    {
      title: 'protocols: a string or an array is offered; invalid or duplicated names throw',
      async run(scope) {
        scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', ['a', 'a'])));
        scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', 'a b')));
        scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', [''])));
        scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', [1 as unknown as string])));
        await sentHeaders(scope, ['sec-websocket-protocol'], {}, '', ['chat', 'superchat']);
      },
    },
    {
      title: 'argument forms: protocols omitted, undefined, null, a number, options in second place',
      async run(scope) {
        const { url, upgrades } = await scope.httpServer();
        const forms: Array<[string, unknown[]]> = [
          ['(url)', []],
          ['(url, undefined, options)', [undefined, { headers: { 'X-Form': '1' } }]],
          ['(url, options)', [{ headers: { 'X-Form': '2' } }]],
          ['(url, null)', [null]],
          ['(url, 5)', [5]],
          ['(url, "p", options)', ['p', { headers: { 'X-Form': '3' } }]],
        ];
        for (const [form, args] of forms) {
          let ws: unknown;
          scope.note(form, outcome(() => (ws = new scope.impl.WebSocket(url, ...(args as [])))));
          if (ws !== undefined) {
            const socket = ws as import('ws').WebSocket;
            socket.on('error', () => {});
            await new Promise((resolve) => socket.once('close', resolve).once('open', resolve));
            socket.terminate();
          }
        }
        scope.note(...upgrades.map((request) => `${request.headers['x-form'] ?? '-'} ${request.headers['sec-websocket-protocol'] ?? '-'}`));
      },
    },
    {
      title: 'the request: method, path and query, Host, Upgrade, Connection, Version, key shape',
      async run(scope) {
        const { url, upgrades } = await scope.httpServer();
        const ws = scope.client(`${url}/some/path?q=1`);
        await nextEvent(ws, 'open');
        const request = upgrades[0]!;
        scope.note(request.method, request.url, request.httpVersion, request.headers.host === url.slice(5));
        scope.note(...headersOf(request, ['upgrade', 'connection', 'sec-websocket-version']));
        scope.note(Buffer.from(request.headers['sec-websocket-key'] ?? '', 'base64').length);
      },
    },
  ]);
});

describe('option: headers', () => {
  compareClientBehaviours([
    {
      title: 'extra headers are sent; an array value and a number are accepted',
      run: (scope) => sentHeaders(scope, ['x-one', 'x-num', 'cookie'], { headers: { 'X-One': 'a', 'X-Num': 5, Cookie: ['a=1', 'b=2'] } }),
    },
    {
      title: "a user Host header replaces the default; the handshake's own headers win over user values",
      run: (scope) => sentHeaders(scope, ['host', 'upgrade', 'sec-websocket-version'], { headers: { Host: 'example.com', 'Sec-WebSocket-Version': '99' } }),
    },
    {
      title: 'invalid header names and values throw node\'s errors in the constructor',
      async run(scope) {
        for (const headers of [{ 'x-a': 'a\r\nb' }, { 'x a': '1' }, { 'x-a': undefined }, { 'x-a': 'a\nb' }, { '': 'x' }]) {
          scope.note(JSON.stringify(headers), outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', { headers: headers as unknown as Record<string, string> })));
        }
      },
    },
  ]);
});

describe('option: origin', () => {
  compareClientBehaviours([
    { title: 'sent as Origin', run: (scope) => sentHeaders(scope, ['origin', 'sec-websocket-origin'], { origin: 'https://example.com' }) },
    {
      title: 'sent as Sec-WebSocket-Origin with protocolVersion 8',
      run: (scope) => sentHeaders(scope, ['origin', 'sec-websocket-origin', 'sec-websocket-version'], { origin: 'https://example.com', protocolVersion: 8 }),
    },
    { title: 'a CRLF in it throws', async run(scope) { scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', { origin: 'a\r\nb' }))); } },
  ]);
});

describe('option: protocolVersion', () => {
  compareClientBehaviours([
    {
      title: '8 and 13 are offered as Sec-WebSocket-Version; anything else throws RangeError',
      async run(scope) {
        for (const version of [0, 7, 9, 14, '13']) {
          scope.note(version, outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', { protocolVersion: version as number })));
        }
        await sentHeaders(scope, ['sec-websocket-version'], { protocolVersion: 8 });
        await sentHeaders(scope, ['sec-websocket-version'], { protocolVersion: 13 });
      },
    },
  ]);
});

describe('option: auth, and credentials in the URL', () => {
  compareClientBehaviours([
    { title: 'auth sends Authorization: Basic', run: (scope) => sentHeaders(scope, ['authorization'], { auth: 'user:pa ss' }) },
    {
      title: 'user:pass@ in the URL sends Authorization: Basic (percent-decoded) and wins over auth',
      async run(scope) {
        const { port, upgrades } = await scope.httpServer();
        const ws = scope.client(`ws://us%40er:p%3Ass@127.0.0.1:${port}/`, [], { auth: 'other:one' });
        await nextEvent(ws, 'open');
        scope.note(...headersOf(upgrades[0]!, ['authorization']));
        scope.note(Buffer.from(String(upgrades[0]!.headers.authorization).slice(6), 'base64').toString());
      },
    },
    { title: 'a user Authorization header wins over auth', run: (scope) => sentHeaders(scope, ['authorization'], { auth: 'a:b', headers: { Authorization: 'Bearer t' } }) },
  ]);
});

describe('option: agent', () => {
  compareClientBehaviours([
    {
      title: "the agent's addRequest runs with the handshake request, and the connection opens through it",
      async run(scope) {
        const { url } = await scope.wsServer();
        const calls: string[] = [];
        class CountingAgent extends Agent {
          addRequest(request: ClientRequest, options: object): void {
            calls.push(`addRequest ${request instanceof ClientRequest} ${request.method} ${request.path} ${(options as { host?: string }).host}`);
            (Agent.prototype as unknown as { addRequest: (r: ClientRequest, o: object) => void }).addRequest.call(this, request, options);
          }
        }
        const agent = new CountingAgent();
        scope.later(() => agent.destroy());
        const ws = scope.client(`${url}/via-agent`, [], { agent });
        const saw = scope.record(ws);
        await saw('open');
        scope.note(...calls);
      },
    },
    {
      title: 'a proxy agent: the connection is tunnelled through an HTTP CONNECT proxy',
      async run(scope) {
        const { port } = await scope.wsServer();
        const tunnels: string[] = [];
        const proxy = await scope.rawServer((client) => {
          client.once('data', (head: Buffer) => {
            const target = /^CONNECT (\S+) HTTP/.exec(head.toString('latin1'))?.[1] ?? '';
            tunnels.push(target.replace(/:\d+$/, ':PORT'));
            const [host, targetPort] = target.split(':');
            const upstream = net.connect(Number(targetPort), host, () => {
              client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
              upstream.pipe(client).pipe(upstream);
            });
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
          });
        });
        /** What proxy agents (https-proxy-agent and the like) do: a CONNECT tunnel, handed over by callback. */
        class TunnelAgent extends Agent {
          override createConnection(options: ClientRequestArgs, callback?: (error: Error | null, socket: Duplex) => void): undefined {
            const done = callback ?? (() => {});
            const socket = net.connect(proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${options.host}:${options.port} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n\r\n`));
            socket.once('data', (answer: Buffer) => {
              if (answer.toString('latin1').startsWith('HTTP/1.1 200')) done(null, socket);
              else done(new Error('proxy refused'), socket);
            });
            socket.once('error', (error) => done(error, socket));
            return undefined;
          }
        }
        const agent = new TunnelAgent();
        scope.later(() => agent.destroy());
        const ws = scope.client(`ws://127.0.0.1:${port}/through-proxy`, [], { agent });
        const saw = scope.record(ws);
        await saw('open');
        scope.note('tunnels', ...tunnels);
      },
    },
    {
      title: 'connection refused through an agent: ECONNREFUSED, then close 1006',
      async run(scope) {
        const { port, http } = await scope.httpServer();
        await new Promise((resolve) => http.close(resolve));
        const agent = new Agent();
        scope.later(() => agent.destroy());
        const ws = scope.client(`ws://127.0.0.1:${port}/`, [], { agent });
        ws.on('error', (error: Error & { code?: string }) => scope.note('error', error.constructor.name, error.code, error.message.replace(String(port), 'PORT'), ws.readyState));
        await new Promise((resolve) => ws.on('close', (code: number) => resolve(scope.note('close', code, ws.readyState))));
      },
    },
    {
      title: 'an agent that is not an Agent throws',
      async run(scope) {
        scope.note(outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', { agent: {} as Agent })));
      },
    },
  ]);
});

describe('option: finishRequest', () => {
  compareClientBehaviours([
    {
      title: 'called with the ClientRequest and the WebSocket before the request is ended; headers set there are sent',
      async run(scope) {
        const { url, upgrades } = await scope.httpServer();
        let self: unknown;
        const ws = scope.client(url, [], {
          finishRequest(request: ClientRequest, websocket: unknown) {
            scope.note('finishRequest', request instanceof ClientRequest, request.headersSent, request.writableEnded, websocket === self);
            request.setHeader('X-Late', 'yes');
            request.end();
          },
        });
        self = ws;
        const saw = scope.record(ws);
        await saw('open');
        scope.note(...headersOf(upgrades[0]!, ['x-late']));
      },
    },
  ]);
});

describe('option: handshakeTimeout', () => {
  compareClientBehaviours([
    {
      title: 'a server that never answers: error "Opening handshake has timed out", then close 1006',
      differs: {
        why: 'ws6455 adds a code (WS_ERR_HANDSHAKE_TIMEOUT) to the same Error and message',
        ws: ['error Error: Opening handshake has timed out 2', 'close 3'],
        ws6455: ['error Error[WS_ERR_HANDSHAKE_TIMEOUT]: Opening handshake has timed out 2', 'close 3'],
      },
      async run(scope) {
        const { url } = await scope.rawServer(() => {});
        const ws = scope.client(url, [], { handshakeTimeout: 50 });
        ws.on('error', (error: Error) => scope.note('error', describeError(error), ws.readyState));
        await new Promise((resolve) => ws.on('close', resolve));
        scope.note('close', ws.readyState);
      },
    },
    {
      title: 'invalid values throw node\'s errors for "timeout"',
      async run(scope) {
        for (const value of [-1, 'abc', Number.POSITIVE_INFINITY, null]) {
          scope.note(String(value), outcome(() => new scope.impl.WebSocket('ws://127.0.0.1:1', { handshakeTimeout: value as number })));
        }
      },
    },
  ]);
});

describe('option: perMessageDeflate', () => {
  compareClientBehaviours([
    { title: 'offered by default with client_max_window_bits', run: (scope) => sentHeaders(scope, ['sec-websocket-extensions'], {}) },
    { title: 'false offers nothing', run: (scope) => sentHeaders(scope, ['sec-websocket-extensions'], { perMessageDeflate: false }) },
    {
      title: 'parameters are offered as asked',
      run: (scope) =>
        sentHeaders(scope, ['sec-websocket-extensions'], {
          perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 },
        }),
    },
    {
      title: 'a window outside 8..15',
      differs: {
        why: 'ws6455 refuses the option in the constructor; ws offers it and the server refuses the handshake',
        ws: ['ok'],
        ws6455: ['throws RangeError: serverMaxWindowBits must be an integer from 8 to 15, got 20'],
      },
      async run(scope) {
        scope.note(outcome(() => scope.client('ws://127.0.0.1:1', [], { perMessageDeflate: { serverMaxWindowBits: 20 } })));
      },
    },
  ]);
});

describe('options: followRedirects, maxRedirects', () => {
  /** A server that redirects /hop/N to /hop/N-1 and /hop/0 to the WebSocket endpoint. */
  async function hops(scope: ClientScope): Promise<{ url: string }> {
    return scope.httpServer(undefined, (req, socket) => {
      const hop = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      respond(socket, '302 Found', { Location: hop > 0 ? `/hop/${hop - 1}` : '/end' });
    });
  }
  compareClientBehaviours([
    {
      title: "3xx is followed; 'redirect' gets the new URL and the request; url is the final one",
      async run(scope) {
        let first = true;
        const { url } = await scope.httpServer(undefined, (req, socket, head) => {
          if (first) return (first = false), respond(socket, '301 Moved Permanently', { Location: '/target' });
          wss.handleUpgrade(req, socket, head, () => {});
        });
        const wss = new WsServer({ noServer: true });
        const ws = scope.client(`${url}/start`, [], { followRedirects: true, headers: { Authorization: 'x' } });
        ws.on('redirect', (to: string, request: ClientRequest) => {
          scope.note('redirect', to.replace(/\d+/g, 'N'), request instanceof ClientRequest, typeof request.getHeader('authorization'), ws.readyState, ws.url === to);
        });
        const saw = scope.record(ws);
        await Promise.race([saw('open'), saw('close')]);
        scope.note(ws.url.replace(/\d+/g, 'N'));
      },
    },
    {
      title: 'without followRedirects a 3xx is an unexpected response',
      async run(scope) {
        const { url } = await scope.httpServer(undefined, (_req, socket) => respond(socket, '302 Found', { Location: '/x' }));
        const saw = scope.record(scope.client(url));
        await saw('close');
      },
    },
    {
      title: 'more hops than maxRedirects: error "Maximum redirects exceeded", close 1006',
      async run(scope) {
        const { url } = await hops(scope);
        const ws = scope.client(`${url.replace('ws:', 'ws:')}/hop/5`, [], { followRedirects: true, maxRedirects: 2 });
        let redirects = 0;
        ws.on('redirect', () => redirects++);
        const saw = scope.record(ws);
        await saw('close');
        scope.note('redirects', redirects);
      },
    },
    {
      title: 'a Location that is not a WebSocket URL: SyntaxError, close 1006',
      async run(scope) {
        const { url } = await scope.httpServer(undefined, (_req, socket) => respond(socket, '302 Found', { Location: 'ftp://example.com/' }));
        const saw = scope.record(scope.client(url, [], { followRedirects: true }));
        await saw('close');
      },
    },
  ]);
});

describe('options: allowSynchronousEvents, maxBufferedChunks, maxFragments (ws 8.21+)', () => {
  compareClientBehaviours([
    {
      title: 'accepted: the connection opens and messages flow',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        wss.on('connection', (peer) => peer.send('hi'));
        const ws = scope.client(url, [], { allowSynchronousEvents: false, maxBufferedChunks: 10, maxFragments: 10 });
        const saw = scope.record(ws);
        await saw('message');
      },
    },
  ]);
});


describe('ws+unix: addresses and option: socketPath', () => {
  compareClientBehaviours([
    {
      title: 'ws+unix:<socket>:<path> dials the socket and requests the path',
      async run(scope) {
        const dir = mkdtempSync(join(tmpdir(), 'ws6455-unix-'));
        const socketPath = join(dir, 's.sock');
        const wss = new WsServer({ noServer: true });
        const seen: string[] = [];
        const http = createServer();
        http.on('upgrade', (req, socket, head) => {
          seen.push(`${req.url} ${req.headers.host}`);
          wss.handleUpgrade(req, socket, head, () => {});
        });
        http.listen(socketPath);
        await nextEvent(http, 'listening');
        scope.later(() => {
          http.closeAllConnections();
          return new Promise((resolve) => http.close(() => resolve(rmSync(dir, { recursive: true, force: true }))));
        });
        for (const suffix of [':/chat?x=1', '']) {
          const ws = scope.client(`ws+unix:${socketPath}${suffix}`);
          const saw = scope.record(ws);
          await saw('open');
          scope.note(ws.url === `ws+unix:${socketPath}${suffix}`);
          ws.terminate();
        }
        scope.note(...seen);
      },
    },
  ]);
});

describe('option: createConnection', () => {
  compareClientBehaviours([
    {
      title: 'called with the target host and port; its socket carries the handshake',
      async run(scope) {
        const { url, port } = await scope.wsServer();
        const ws = scope.client(`${url}/p`, [], {
          createConnection(options: { host?: string; port?: number | string; path?: string }) {
            scope.note('createConnection', options.host, String(options.port) === String(port));
            return net.connect(Number(options.port), options.host);
          },
        });
        const saw = scope.record(ws);
        await saw('open');
      },
    },
  ]);
});

describe('option: skipUTF8Validation', () => {
  compareClientBehaviours([
    {
      title: 'invalid UTF-8 in a text message is delivered',
      async run(scope) {
        const { url } = await scope.rawServer((socket) => {
          void acceptHandshake(socket).then(() => socket.write(Buffer.from([0x81, 0x02, 0xc3, 0x28])));
        });
        const ws = scope.client(url, [], { skipUTF8Validation: true });
        ws.on('message', (data: Buffer, isBinary: boolean) => scope.note('message', data.toString('hex'), isBinary));
        const saw = scope.record(ws);
        await waitUntil(() => scope.log.some((line) => line.startsWith('message')), 'the message');
        ws.terminate();
        await saw('close');
      },
    },
  ]);
});

describe('option: closeTimeout', () => {
  compareClientBehaviours([
    {
      title: 'a peer that answers the close frame but never closes TCP: the client gives up after closeTimeout',
      async run(scope) {
        const { url } = await scope.rawServer((socket) => {
          void acceptHandshake(socket).then(() => {
            socket.once('data', () => socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8])));
          });
        });
        const ws = scope.client(url, [], { closeTimeout: 100 });
        const saw = scope.record(ws);
        await saw('open');
        ws.close(1000);
        await saw('close');
      },
    },
  ]);
});

describe('option: autoPong', () => {
  compareClientBehaviours([
    ...[true, false].map((autoPong) => ({
      title: `autoPong ${autoPong}: 'ping' is emitted, a pong is ${autoPong ? '' : 'not '}sent`,
      async run(scope: ClientScope) {
        const { url, wss } = await scope.wsServer();
        const pongs: string[] = [];
        wss.on('connection', (peer) => {
          peer.on('pong', (data: Buffer) => pongs.push(data.toString()));
          peer.ping('hey');
          setTimeout(() => peer.send('done'), 30);
        });
        const ws = scope.client(url, [], { autoPong });
        ws.on('ping', (data: Buffer) => scope.note('ping', data.toString()));
        const saw = scope.record(ws);
        await saw('message');
        await new Promise((resolve) => setTimeout(resolve, 20));
        scope.note('pongs', ...pongs);
      },
    })),
  ]);
});

describe('option: maxPayload', () => {
  compareClientBehaviours([
    {
      title: 'a message of exactly maxPayload bytes passes, one more fails with 1009',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        const closes: number[] = [];
        wss.on('connection', (peer) => {
          peer.on('close', (code: number) => closes.push(code));
          peer.send(Buffer.alloc(16));
          peer.send(Buffer.alloc(17));
        });
        const ws = scope.client(url, [], { maxPayload: 16 });
        ws.on('message', (data: Buffer) => scope.note('message', data.length));
        const saw = scope.record(ws);
        await saw('close');
        await waitUntil(() => closes.length > 0, 'the server close');
        scope.note('server close', closes[0]);
      },
    },
  ]);
});
