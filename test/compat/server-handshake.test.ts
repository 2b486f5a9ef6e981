// WebSocketServer compatibility, organized like ws's doc/ws.md: the opening handshake as the
// server answers it (refusals with their status, headers and body; options verifyClient,
// handleProtocols, path, perMessageDeflate; events 'headers' and 'wsClientError'), run side by
// side on ws and ws6455 (see server-support.ts).
import { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { describe } from 'vitest';
import type { ServerOptions } from 'ws';
import { compareBehaviours, describeResponse, reportTally, upgradeRequest, type Behaviour, type Scope } from './server-support.js';

reportTally('server-handshake');

/** A raw request to a standalone server with `options`, described with `names` headers. */
async function answer(s: Scope, request: string, options: ServerOptions = {}, names?: string[]): Promise<void> {
  const { port } = await s.standalone(options);
  for (const line of describeResponse(await s.raw(port, request), names)) s.note(line);
}

const refusal = (title: string, request: string, names?: string[], options?: ServerOptions): Behaviour => ({
  title,
  run: (s) => answer(s, request, options, names),
});

describe('handshake refusals (standalone; status line, headers, body)', () => {
  compareBehaviours([
    refusal('Upgrade: h2c is 400 "Invalid Upgrade header"', upgradeRequest({ headers: { Upgrade: 'h2c' } })),
    refusal('a key of 8 bytes is 400', upgradeRequest({ headers: { 'Sec-WebSocket-Key': 'c2hvcnRrZXk=' } })),
    refusal('no key is 400', upgradeRequest({ headers: { 'Sec-WebSocket-Key': undefined } })),
    refusal('version 7 is 400 with Sec-WebSocket-Version: 13, 8', upgradeRequest({ headers: { 'Sec-WebSocket-Version': '7' } }), [
      'connection',
      'content-type',
      'content-length',
      'sec-websocket-version',
    ]),
    refusal('no version is 400 with Sec-WebSocket-Version: 13, 8', upgradeRequest({ headers: { 'Sec-WebSocket-Version': undefined } }), [
      'sec-websocket-version',
    ]),
    refusal('version 8 (hybi drafts) is accepted', upgradeRequest({ headers: { 'Sec-WebSocket-Version': '8' } }), ['sec-websocket-accept']),
    refusal('repeated subprotocols are 400', upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'chat, chat' } })),
    refusal('a subprotocol that is not a token is 400', upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'a b' } })),
    refusal('a plain GET (no Upgrade) is 426 "Upgrade Required"', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', ['content-type']),
    refusal('Connection without the upgrade token is 426', upgradeRequest({ headers: { Connection: 'keep-alive' } }), ['content-type']),
    {
      title: 'POST is 405 "Invalid HTTP method"',
      run: (s) => answer(s, upgradeRequest({ method: 'POST' }), {}, ['connection', 'content-type', 'allow']),
      differs: {
        why: 'RFC 7231 §6.5.5: a 405 carries Allow',
        ws: ['HTTP/1.1 405 Method Not Allowed', 'connection: close', 'content-type: text/html', 'allow: (absent)', 'body: "Invalid HTTP method"'],
        ws6455: ['HTTP/1.1 405 Method Not Allowed', 'connection: close', 'content-type: text/html', 'allow: GET', 'body: "Invalid HTTP method"'],
      },
    },
    {
      title: 'HTTP/1.0 is refused',
      run: (s) => answer(s, upgradeRequest({ version: '1.0' }), {}, ['upgrade']),
      differs: {
        why: 'RFC 6455 §4.1: the handshake needs HTTP/1.1 or later (ws upgrades it)',
        ws: ['HTTP/1.1 101 Switching Protocols', 'upgrade: websocket'],
        ws6455: ['HTTP/1.1 400 Bad Request', 'upgrade: (absent)', 'body: "HTTP/1.1 or later is required"'],
      },
    },
    {
      title: 'no Host',
      run: async (s) => {
        const { port } = await s.standalone();
        s.note(describeResponse(await s.raw(port, upgradeRequest({ headers: { Host: undefined } })))[0]);
      },
      differs: {
        why: 'RFC 7230 §5.4 and RFC 6455 §4.1: a request without Host is 400 (ws upgrades it)',
        ws: ['HTTP/1.1 101 Switching Protocols'],
        ws6455: ['HTTP/1.1 400 Bad Request'],
      },
    },
    {
      title: 'a malformed header line is 400',
      run: async (s) => {
        const { port } = await s.standalone();
        s.note(describeResponse(await s.raw(port, upgradeRequest().replace('Upgrade: websocket', 'Upgrade websocket')))[0]);
      },
    },
    {
      title: 'a head over 16 KiB is 431',
      run: async (s) => {
        const { port } = await s.standalone();
        s.note(describeResponse(await s.raw(port, upgradeRequest({ headers: { 'X-Big': 'a'.repeat(17 * 1024) } })))[0]);
      },
    },
  ]);
});

describe('option: path', () => {
  compareBehaviours([
    refusal('the query string is ignored when matching', upgradeRequest({ path: '/chat?room=1' }), ['upgrade'], { path: '/chat' }),
    {
      title: 'another path (standalone)',
      run: (s) => answer(s, upgradeRequest({ path: '/other' }), { path: '/chat' }, ['connection']),
      differs: {
        why: 'a path mismatch is 404 (Not Found), and on a shared http server is left to other upgrade listeners',
        ws: ['HTTP/1.1 400 Bad Request', 'connection: close', 'body: "Bad Request"'],
        ws6455: ['HTTP/1.1 404 Not Found', 'connection: close', 'body: "Not Found"'],
      },
    },
    {
      title: 'two servers by path on one http server',
      run: async (s) => {
        const { http, port } = await s.httpServer();
        const a = s.own(new s.impl.WebSocketServer({ server: http, path: '/a' }));
        const b = s.own(new s.impl.WebSocketServer({ server: http, path: '/b' }));
        a.on('connection', () => s.note('a connection'));
        b.on('connection', () => s.note('b connection'));
        s.note(describeResponse(await s.raw(port, upgradeRequest({ path: '/b' })), [])[0]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      differs: {
        why: 'a path mismatch leaves the request to the other upgrade listeners (ws answers 400 first, its docs say to use noServer)',
        ws: ['HTTP/1.1 400 Bad Request'],
        ws6455: ['b connection', 'HTTP/1.1 101 Switching Protocols'],
      },
    },
    {
      title: 'another path through handleUpgrade (noServer) is 400, with no wsClientError',
      run: async (s) => {
        const { wss, port } = await s.noServer({ path: '/chat' });
        wss.on('wsClientError', () => s.note('wsClientError'));
        for (const line of describeResponse(await s.raw(port, upgradeRequest({ path: '/other' })))) s.note(line);
      },
    },
  ]);
});

describe('option: verifyClient', () => {
  const verdict = (title: string, verifyClient: ServerOptions['verifyClient'], names?: string[]): Behaviour =>
    refusal(title, upgradeRequest(), names, { verifyClient });
  compareBehaviours([
    verdict('sync false is 401 "Unauthorized"', () => false),
    verdict('sync true upgrades', () => true, ['upgrade']),
    verdict('async cb(false) is 401', (_info, cb) => cb(false)),
    verdict('async cb(false, 403, message, headers) answers them', (_info, cb) => cb(false, 403, 'Go away', { 'X-Reason': 'policy' }), [
      'connection',
      'content-type',
      'content-length',
      'x-reason',
    ]),
    verdict('async cb(true) later upgrades', (_info, cb) => setTimeout(() => cb(true), 5), ['upgrade']),
    {
      title: 'info: origin, secure and req',
      run: async (s) => {
        const started = await s.standalone({
          verifyClient: (info: { origin: string; secure: boolean; req: IncomingMessage }) => {
            s.note(info.origin, info.secure, info.req instanceof IncomingMessage, info.req.url, Object.keys(info).sort().join());
            return true;
          },
        });
        await s.connect(started, '/v?x=1', undefined, { origin: 'https://example.test' });
      },
    },
    {
      title: 'info.origin comes from Sec-WebSocket-Origin for version 8',
      run: async (s) => {
        const { port } = await s.standalone({
          verifyClient: (info: { origin: string }) => (s.note('origin', info.origin), true),
        });
        const request = upgradeRequest({ headers: { 'Sec-WebSocket-Version': '8', 'Sec-WebSocket-Origin': 'http://old.test', Origin: 'http://new.test' } });
        s.note(describeResponse(await s.raw(port, request))[0]);
      },
    },
    {
      title: 'verifyClient runs before handleProtocols, which runs before the headers event',
      run: async (s) => {
        const started = await s.standalone({
          verifyClient: () => (s.note('verifyClient'), true),
          handleProtocols: (protocols: Set<string>) => (s.note('handleProtocols', [...protocols].join()), 'b'),
        });
        started.wss.on('headers', () => s.note('headers'));
        started.wss.on('connection', () => s.note('connection'));
        const [client] = await s.connect(started, '', ['a', 'b']);
        s.note('protocol', client.protocol);
      },
    },
  ]);
});

describe('option: handleProtocols', () => {
  const protocolOf = (title: string, offered: string | undefined, handleProtocols?: ServerOptions['handleProtocols']): Behaviour =>
    refusal(title, upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': offered } }), ['sec-websocket-protocol'], { handleProtocols });
  compareBehaviours([
    protocolOf('default: the first offered', 'one, two'),
    protocolOf('the handler chooses', 'one, two', (protocols) => ([...protocols].includes('two') ? 'two' : false)),
    protocolOf('false: no Sec-WebSocket-Protocol', 'one, two', () => false),
    {
      title: 'it gets a Set and the request, and is not called when none is offered',
      run: async (s) => {
        const { port } = await s.standalone({
          handleProtocols: (protocols: Set<string>, req: IncomingMessage) => {
            s.note(protocols instanceof Set, [...protocols].join('|'), req instanceof IncomingMessage);
            return 'y';
          },
        });
        await s.raw(port, upgradeRequest({ headers: { 'Sec-WebSocket-Protocol': 'x,y' } }));
        await s.raw(port, upgradeRequest());
        s.note('done');
      },
    },
  ]);
});

describe('option: perMessageDeflate (negotiation)', () => {
  // Parameters are compared as a set: RFC 7692 gives their order no meaning (ws keeps the offer's).
  const offer = (title: string, extensions: string, perMessageDeflate: ServerOptions['perMessageDeflate'] = true): Behaviour => ({
    title,
    run: async (s) => {
      const { port } = await s.standalone({ perMessageDeflate });
      const response = await s.raw(port, upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': extensions } }));
      for (const line of describeResponse(response, ['sec-websocket-extensions'])) {
        const [name, value] = line.split(': ');
        s.note(name === 'sec-websocket-extensions' ? `${name}: ${value!.split('; ').sort().join('; ')}` : line);
      }
    },
  });
  compareBehaviours([
    offer('a bare client_max_window_bits is not echoed', 'permessage-deflate; client_max_window_bits'),
    offer('server_max_window_bits is echoed', 'permessage-deflate; server_max_window_bits=10'),
    offer('client_no_context_takeover is echoed', 'permessage-deflate; client_no_context_takeover'),
    offer(
      'server options are added',
      'permessage-deflate; client_max_window_bits',
      { serverNoContextTakeover: true, clientMaxWindowBits: 12, serverMaxWindowBits: 11 },
    ),
    offer('off (default): offers are ignored', 'permessage-deflate', false),
    offer('other extensions are ignored', 'x-webkit-deflate-frame, permessage-deflate'),
    offer('an unknown parameter is 400', 'permessage-deflate; foo=1'),
    offer('a window of 16 is 400', 'permessage-deflate; server_max_window_bits=16'),
    offer('a malformed header is 400', 'permessage-deflate;;'),
    {
      title: 'an offer the options cannot meet',
      run: (s) =>
        answer(s, upgradeRequest({ headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } }), { perMessageDeflate: { clientMaxWindowBits: 10 } }, [
          'sec-websocket-extensions',
        ]),
      differs: {
        why: 'RFC 7692 §5: an offer that cannot be accepted is declined and the connection proceeds uncompressed',
        ws: ['HTTP/1.1 400 Bad Request', 'sec-websocket-extensions: (absent)', 'body: "Invalid or unacceptable Sec-WebSocket-Extensions header"'],
        ws6455: ['HTTP/1.1 101 Switching Protocols', 'sec-websocket-extensions: (absent)'],
      },
    },
  ]);
});

describe("event: 'headers' (headers, request)", () => {
  compareBehaviours([
    {
      title: 'the 101 lines are shown before writing, and added lines are sent',
      run: async (s) => {
        const started = await s.standalone();
        started.wss.on('headers', (headers: string[], req: IncomingMessage) => {
          s.note(headers.map((line) => line.replace(/Accept: .*/, 'Accept: ...')).join(' | '), req instanceof IncomingMessage);
          headers.push('Set-Cookie: session=1');
        });
        const client = s.client(started.url);
        const [response] = (await new Promise((resolve) => client.once('upgrade', (res) => resolve([res])))) as [IncomingMessage];
        s.note(String(response.headers['set-cookie']));
      },
    },
  ]);
});

describe("event: 'wsClientError' (error, socket, request)", () => {
  compareBehaviours([
    {
      title: 'an invalid request is handed to the listener, which answers',
      run: async (s) => {
        const { wss, port } = await s.standalone();
        wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => {
          s.note(error.constructor.name, error.message, (error as { code?: string }).code, socket instanceof Duplex, req.url);
          socket.end('HTTP/1.1 418 I\'m a teapot\r\nConnection: close\r\n\r\n');
        });
        s.note(describeResponse(await s.raw(port, upgradeRequest({ path: '/k', headers: { 'Sec-WebSocket-Key': 'bad' } })), [])[0]);
      },
    },
    {
      title: 'a verifyClient refusal is not a wsClientError',
      run: async (s) => {
        const { wss, port } = await s.standalone({ verifyClient: () => false });
        wss.on('wsClientError', () => s.note('wsClientError'));
        s.note(describeResponse(await s.raw(port, upgradeRequest()), [])[0]);
      },
    },
  ]);
});

describe('the accepted connection', () => {
  compareBehaviours([
    {
      title: 'bytes after the request head are the first frames',
      run: async (s) => {
        const { wss, port } = await s.standalone();
        wss.on('connection', (ws: import('ws').WebSocket) => ws.on('message', (data, isBinary) => s.note('message', String(data), isBinary)));
        // A masked text frame "hi" (mask 0x01020304) in the same write as the request.
        const frame = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 'h'.charCodeAt(0) ^ 1, 'i'.charCodeAt(0) ^ 2]);
        s.note(describeResponse(await s.raw(port, Buffer.concat([Buffer.from(upgradeRequest()), frame])))[0]);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    },
    {
      title: "server-side attributes: protocol, extensions, url, binaryType, readyState",
      run: async (s) => {
        const started = await s.standalone({ perMessageDeflate: true });
        const [, ws] = await s.connect(started, '', ['p1']);
        s.note(ws.protocol, ws.extensions, String(ws.url), ws.binaryType, ws.readyState, ws.isPaused);
      },
    },
    {
      title: 'allowSynchronousEvents: false, two messages in one chunk',
      run: async (s) => {
        const { wss, port } = await s.standalone({ allowSynchronousEvents: false });
        wss.on('connection', (ws: import('ws').WebSocket) =>
          ws.on('message', (data) => {
            s.note('message', String(data));
            process.nextTick(() => s.note('tick after', String(data)));
          }),
        );
        const frame = (text: string): Buffer => Buffer.from([0x81, 0x80 | text.length, 0, 0, 0, 0, ...Buffer.from(text)]);
        await s.raw(port, Buffer.concat([Buffer.from(upgradeRequest()), frame('a'), frame('b')]));
        await new Promise((resolve) => setTimeout(resolve, 30));
      },
      differs: {
        why: 'the option is accepted but not honoured: ws6455 emits as with ws\'s default (true)',
        ws: ['message a', 'tick after a', 'message b', 'tick after b'],
        ws6455: ['message a', 'message b', 'tick after a', 'tick after b'],
      },
    },
  ]);
});
