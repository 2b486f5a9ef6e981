// ws's doc/ws.md, the client's events: 'upgrade', 'unexpected-response', 'redirect', 'open',
// 'close', and what close()/terminate() do from inside them; run with ws's client and with
// ws6455's against the same peer, compared.
import { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { describe } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { compareClientBehaviours, reportClientTally, respond, waitUntil, type ClientScope } from './client-support.js';

reportClientTally('client-events');

/** A peer that answers every upgrade with `status` and a body written in two parts. */
async function refusing(scope: ClientScope, status = '403 Forbidden'): Promise<string> {
  const { url } = await scope.httpServer(undefined, (_req, socket) => {
    socket.write(`HTTP/1.1 ${status}\r\nX-Why: test\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 9\r\n\r\npart`);
    const timer = setTimeout(() => socket.end('-rest'), 100);
    socket.on('close', () => clearTimeout(timer));
  });
  return url;
}

/** Logs what a user sees of the response: its events, in order. */
function watchResponse(scope: ClientScope, response: IncomingMessage, request: ClientRequest): void {
  for (const event of ['data', 'end', 'aborted', 'close', 'error']) {
    response.on(event, (value?: unknown) => scope.note('res', event, value instanceof Error ? `${(value as { code?: string }).code} ${value.message}` : value === undefined ? '' : String(value)));
  }
  for (const event of ['abort', 'error']) request.on(event, (value?: Error) => scope.note('req', event, value?.message ?? ''));
}

describe("event: 'upgrade' (response)", () => {
  compareClientBehaviours([
    {
      title: 'the response is an http.IncomingMessage with status, headers and version, before open',
      async run(scope) {
        const { url } = await scope.wsServer();
        const ws = scope.client(url);
        ws.on('upgrade', (response: IncomingMessage) => {
          scope.note('upgrade', response instanceof IncomingMessage, response.statusCode, response.statusMessage, response.httpVersion, ws.readyState);
          scope.note(Object.keys(response.headers).join(','), typeof response.headers['sec-websocket-accept'], response.rawHeaders.length);
          scope.note(typeof response.on, typeof response.pipe, response.socket !== null);
        });
        const saw = scope.record(ws);
        await saw('open');
      },
    },
    ...(['close', 'terminate', 'close via an agent'] as const).map((how) => ({
      title: `${how}() inside the listener cancels: no 'open', error, close 1006, readyState 2 then 3`,
      async run(scope: ClientScope) {
        const { url } = await scope.wsServer();
        const method = how === 'terminate' ? 'terminate' : 'close';
        const agent = new Agent();
        scope.later(() => agent.destroy());
        const ws = scope.client(url, [], how === 'close via an agent' ? { agent } : {});
        ws.on('upgrade', () => {
          ws[method]();
          scope.note('after', method, ws.readyState);
        });
        const saw = scope.record(ws);
        await saw('close');
      },
    })),
  ]);
});

describe("event: 'unexpected-response' (request, response)", () => {
  compareClientBehaviours([
    {
      title: 'request is an http.ClientRequest, response an http.IncomingMessage with status, headers (set-cookie as an array) and body',
      async run(scope) {
        const url = await refusing(scope);
        const ws = scope.client(url);
        const saw = scope.record(ws);
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          scope.note(request instanceof ClientRequest, request.method, request.path, typeof request.abort, typeof request.destroy, request.getHeader('host') !== undefined);
          scope.note(response instanceof IncomingMessage, response.statusCode, response.statusMessage, response.httpVersion, response.headers['x-why'], JSON.stringify(response.headers['set-cookie']));
          scope.note('readyState', ws.readyState);
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            scope.note('body', body);
            ws.terminate();
          });
        });
        await saw('close');
      },
    },
    ...(['close', 'terminate'] as const).map((method) => ({
      title: `ws.${method}() in the listener: the request is aborted, the response cut short with 'aborted', close 1006`,
      async run(scope: ClientScope) {
        const url = await refusing(scope);
        const ws = scope.client(url);
        const saw = scope.record(ws);
        let closed = false;
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          watchResponse(scope, response, request);
          response.once('data', () => {
            ws[method]();
            scope.note('after', ws.readyState);
          });
          response.on('close', () => (closed = true));
        });
        await saw('close');
        await waitUntil(() => closed, 'the response closes');
      },
    })),
    {
      title: "request.destroy(error) in the listener: 'error' with that error, close 1006, the response cut short",
      async run(scope: ClientScope) {
        const url = await refusing(scope);
        const ws = scope.client(url);
        const saw = scope.record(ws);
        let closed = false;
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          watchResponse(scope, response, request);
          response.once('data', () => request.destroy(new Error('boom')));
          response.on('close', () => (closed = true));
        });
        await saw('close');
        await waitUntil(() => closed, 'the response closes');
      },
    },
    ...(['abort', 'destroy'] as const).map((method) => ({
      title: `request.${method}() in the listener ends the response with 'aborted'`,
      differs: {
        why: 'ws6455 then closes the WebSocket with 1006 (no error); ws leaves it CONNECTING until close()/terminate()',
        ws: ['res data part', ...(method === 'abort' ? ['req abort '] : []), 'res aborted ', 'res error ECONNRESET aborted', 'res close ', 'readyState 0'],
        ws6455: ['res data part', ...(method === 'abort' ? ['req abort '] : []), 'res aborted ', 'res error ECONNRESET aborted', 'res close ', ' close 1006 "" 3', 'readyState 3'],
      },
      async run(scope: ClientScope) {
        const url = await refusing(scope);
        const ws = scope.client(url);
        scope.record(ws);
        let closed = false;
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          watchResponse(scope, response, request);
          response.once('data', () => request[method]());
          response.on('close', () => (closed = true));
        });
        await waitUntil(() => closed, 'the response closes');
        await new Promise((resolve) => setTimeout(resolve, 30));
        scope.note('readyState', ws.readyState);
      },
    })),
    {
      title: 'the body read to its end',
      differs: {
        why: 'ws6455 then closes the WebSocket with 1006 (no error); ws leaves it CONNECTING until close()/terminate()',
        ws: ['res data part', 'res data -rest', 'res end ', 'res close ', 'readyState 0'],
        ws6455: ['res data part', 'res data -rest', 'res end ', 'res close ', ' close 1006 "" 3', 'readyState 3'],
      },
      async run(scope: ClientScope) {
        const url = await refusing(scope);
        const ws = scope.client(url);
        scope.record(ws);
        let closed = false;
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          watchResponse(scope, response, request);
          response.on('close', () => (closed = true));
        });
        await waitUntil(() => closed, 'the response closes');
        await new Promise((resolve) => setTimeout(resolve, 30));
        scope.note('readyState', ws.readyState);
      },
    },
    {
      title: 'through an agent (http.request): ws.terminate() in the listener aborts the request and cuts the response short',
      async run(scope: ClientScope) {
        const url = await refusing(scope);
        const agent = new Agent();
        scope.later(() => agent.destroy());
        const ws = scope.client(url, [], { agent });
        const saw = scope.record(ws);
        let closed = false;
        ws.on('unexpected-response', (request: ClientRequest, response: IncomingMessage) => {
          scope.note(request instanceof ClientRequest, response instanceof IncomingMessage, response.statusCode);
          watchResponse(scope, response, request);
          response.once('data', () => ws.terminate());
          response.on('close', () => (closed = true));
        });
        await saw('close');
        await waitUntil(() => closed, 'the response closes');
      },
    },
    {
      title: "without a listener: error 'Unexpected server response: 403', close 1006",
      async run(scope) {
        const saw = scope.record(scope.client(await refusing(scope)));
        await saw('close');
      },
    },
  ]);
});

describe("event: 'redirect' (url, request)", () => {
  compareClientBehaviours([
    {
      title: 'the listener can remove a header from the next request; credentials kept on the same host',
      async run(scope) {
        const wss = new WsServer({ noServer: true });
        let hop = 0;
        const { url, upgrades } = await scope.httpServer(undefined, (req, socket, head) => {
          if (hop++ === 0) return respond(socket, '302 Found', { Location: '/next' });
          wss.handleUpgrade(req, socket, head, () => {});
        });
        const ws = scope.client(`${url}/first`, [], { followRedirects: true, headers: { 'X-Secret': 's', Cookie: 'c=1' } });
        ws.on('redirect', (_to: string, request: ClientRequest) => {
          scope.note('redirect', request.getHeader('x-secret'), request.getHeader('cookie'));
          request.removeHeader('x-secret');
        });
        const saw = scope.record(ws);
        await saw('open');
        scope.note(upgrades.map((request) => `${request.url} ${request.headers['x-secret'] ?? '-'} ${request.headers.cookie ?? '-'}`).join(' | '));
      },
    },
    {
      title: 'close() in the listener: the redirect is not followed, error and close 1006',
      async run(scope) {
        const { url, upgrades } = await scope.httpServer(undefined, (_req, socket) => respond(socket, '302 Found', { Location: '/next' }));
        const ws = scope.client(`${url}/first`, [], { followRedirects: true });
        ws.on('redirect', () => {
          ws.close();
          scope.note('after close', ws.readyState);
        });
        const saw = scope.record(ws);
        await saw('close');
        await new Promise((resolve) => setTimeout(resolve, 30));
        scope.note('requests', upgrades.length);
      },
    },
    {
      title: 'to another host without a listener: Authorization and Cookie are dropped',
      async run(scope) {
        const wss = new WsServer({ noServer: true });
        const target = await scope.httpServer(undefined, (req, socket, head) => wss.handleUpgrade(req, socket, head, () => {}));
        const { url } = await scope.httpServer(undefined, (_req, socket) => respond(socket, '302 Found', { Location: target.url.replace('127.0.0.1', 'localhost') }));
        const ws = scope.client(`${url}/`, [], { followRedirects: true, headers: { Authorization: 'Bearer x', Cookie: 'c=1', 'X-Other': 'o' } });
        const saw = scope.record(ws);
        await saw('open');
        const seen = target.upgrades[0]!.headers;
        scope.note(seen.authorization ?? '-', seen.cookie ?? '-', seen['x-other']);
      },
    },
  ]);
});
