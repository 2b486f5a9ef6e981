// API compatibility with the `ws` package: every scenario runs on ws and on ws6455 and the two
// transcripts of what a ws user can observe (events and their order, arguments and their types,
// readyState, errors) must be equal. Each scenario also pins ws's transcript, so a scenario
// that stopped observing anything would fail instead of comparing two empty lists.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { nextEvent, waitUntil } from '../interop/support/events.js';
import { ws6455, wsReference } from '../interop/support/implementation.js';
import { attempt, describeData, describeError, describeErrorKind, transcriptOf, type Harness, type Transcript } from './harness.js';

interface Scenario {
  readonly title: string;
  /** What ws does, pinned. */
  readonly expected: Transcript;
  /**
   * Where ws6455 differs from ws on purpose (each difference is documented in the README,
   * "What differs from ws"), what ws6455 must do instead.
   */
  readonly deliberateDifference?: { readonly why: string; readonly ws6455: Transcript };
  readonly run: (harness: Harness) => Promise<void>;
}

/** Resolves with the server-side socket of the next connection. */
async function accepted(wss: WebSocketServer): Promise<WebSocket> {
  const [socket] = (await nextEvent(wss, 'connection')) as [WebSocket];
  return socket;
}

/**
 * Records every ws event of `socket` through `log`, with argument types, and returns a way to
 * wait until `count` events of a kind were seen (several can fire in one tick, so waiting for
 * "the next one" would miss them).
 */
function recordEvents(socket: WebSocket, log: (...parts: unknown[]) => void): (event: string, count?: number) => Promise<void> {
  const seen = new Map<string, number>();
  const count = (event: string) => seen.set(event, (seen.get(event) ?? 0) + 1);
  socket.on('open', () => (log('open', `readyState=${socket.readyState}`), count('open')));
  socket.on('message', (data, isBinary) => (log('message', describeData(data), `isBinary=${isBinary}`), count('message')));
  socket.on('ping', (data) => (log('ping', describeData(data)), count('ping')));
  socket.on('pong', (data) => (log('pong', describeData(data)), count('pong')));
  // The class only: ws6455 may give errors a `code` where ws has none; scenarios that depend
  // on a code ws does set (maxPayload) record it themselves.
  socket.on('error', (error) => (log('error', error.constructor.name), count('error')));
  socket.on('close', (code, reason) => (log('close', code, describeData(reason), `readyState=${socket.readyState}`), count('close')));
  return (event, total = 1) => waitUntil(() => (seen.get(event) ?? 0) >= total, `${total} '${event}' event(s)`);
}

/** What ws delivers for each binaryType (the same server messages each time). */
const expectedByBinaryType: Record<'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob', Transcript> = {
  nodebuffer: {
    client: [
      'default binaryType nodebuffer',
      'binaryType nodebuffer',
      'open readyState=1',
      'message Buffer<0x010203> isBinary=true',
      'message Buffer<"abcd"> isBinary=true',
      'message Buffer<"text"> isBinary=false',
      'after setting bogus nodebuffer',
    ],
    server: [],
  },
  arraybuffer: {
    client: [
      'default binaryType nodebuffer',
      'binaryType arraybuffer',
      'open readyState=1',
      'message ArrayBuffer<0x010203> isBinary=true',
      'message ArrayBuffer<"abcd"> isBinary=true',
      'message Buffer<"text"> isBinary=false',
      'after setting bogus arraybuffer',
    ],
    server: [],
  },
  fragments: {
    client: [
      'default binaryType nodebuffer',
      'binaryType fragments',
      'open readyState=1',
      'message Array[Buffer<0x010203>] isBinary=true',
      'message Array[Buffer<"ab">,Buffer<"cd">] isBinary=true',
      'message Buffer<"text"> isBinary=false',
      'after setting bogus fragments',
    ],
    server: [],
  },
  blob: {
    client: [
      'default binaryType nodebuffer',
      'binaryType blob',
      'open readyState=1',
      'message Blob<size 3, type \'\'> isBinary=true',
      'message Blob<size 4, type \'\'> isBinary=true',
      'message Buffer<"text"> isBinary=false',
      'after setting bogus blob',
    ],
    server: [],
  },
};

const scenarios: Scenario[] = [
  {
    title: 'event order and arguments: open, message(data, isBinary), ping/pong, close(code, reason)',
    expected: {
      client: [
        'constructed readyState=0',
        'open readyState=1',
        'message Buffer<"hello"> isBinary=false',
        'message Buffer<0x010203> isBinary=true',
        'pong Buffer<"from client">',
        'ping Buffer<"from server">',
        'after close() readyState=2',
        'close 1000 Buffer<"done"> readyState=3',
      ],
      server: [
        'ping Buffer<"from client">',
        'pong Buffer<"from server">',
        'message Buffer<"text from client"> isBinary=false',
        'close 1000 Buffer<"done"> readyState=3',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const client = h.connect(url);
      h.client('constructed', `readyState=${client.readyState}`);
      const clientSaw = recordEvents(client, h.client.bind(h));
      const serverSide = await accepted(wss);
      const serverSaw = recordEvents(serverSide, h.server.bind(h));
      await clientSaw('open');
      serverSide.send('hello');
      serverSide.send(Buffer.from([1, 2, 3]));
      await clientSaw('message', 2);
      client.ping(Buffer.from('from client'));
      await clientSaw('pong');
      serverSide.ping('from server');
      await serverSaw('pong');
      client.send('text from client');
      await serverSaw('message');
      client.close(1000, 'done');
      h.client('after close()', `readyState=${client.readyState}`);
      await Promise.all([clientSaw('close'), serverSaw('close')]);
    },
  },
  {
    title: 'readyState constants on the class and on instances',
    expected: {
      client: [
        'static 0 1 2 3',
        'instance 0 1 2 3',
        'url ws://127.0.0.1:PORT/ protocol "" bufferedAmount 0',
      ],
      server: [],
    },
    async run(h) {
      const { WebSocket } = h.impl;
      h.client('static', WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED);
      const { url } = await h.startServer();
      const client = h.connect(url);
      h.client('instance', client.CONNECTING, client.OPEN, client.CLOSING, client.CLOSED);
      h.client('url', client.url.replace(/:\d+/, ':PORT'), 'protocol', JSON.stringify(client.protocol), 'bufferedAmount', client.bufferedAmount);
      await once(client, 'open');
    },
  },
  {
    title: 'send(): callback once written, errors in CONNECTING, CLOSING and CLOSED',
    expected: {
      client: [
        'send while CONNECTING: throws Error',
        'ping while CONNECTING: throws Error',
        'send callback: no error',
        'ping of 126 bytes: throws RangeError',
        'ping of 125 bytes: ok',
        'send callback while CLOSING: Error: WebSocket is not open: readyState 2 (CLOSING)',
        'send without callback while CLOSED: ok',
        'send callback while CLOSED: Error: WebSocket is not open: readyState 3 (CLOSED)',
      ],
      server: [
        'message Buffer<"first"> isBinary=false',
        'ping Buffer<"ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp">',
        'close 1005 Buffer<""> readyState=3',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const client = h.connect(url);
      const outcome = (error?: Error | null) => (error == null ? 'no error' : describeError(error));
      h.client('send while CONNECTING:', attempt(() => client.send('early')));
      h.client('ping while CONNECTING:', attempt(() => client.ping()));
      const serverSide = await accepted(wss);
      const serverSaw = recordEvents(serverSide, h.server.bind(h));
      await once(client, 'open');
      await new Promise<void>((resolve) =>
        client.send('first', (error) => {
          h.client('send callback:', outcome(error));
          resolve();
        }),
      );
      h.client('ping of 126 bytes:', attempt(() => client.ping(Buffer.alloc(126, 'p'))));
      h.client('ping of 125 bytes:', attempt(() => client.ping(Buffer.alloc(125, 'p'))));
      await serverSaw('ping');
      client.close();
      const closing = new Promise<void>((resolve) =>
        client.send('while closing', (error) => {
          h.client('send callback while CLOSING:', outcome(error));
          resolve();
        }),
      );
      await closing;
      await once(client, 'close');
      const closed = new Promise<void>((resolve) =>
        client.send('while closed', (error) => {
          h.client('send callback while CLOSED:', outcome(error));
          resolve();
        }),
      );
      h.client('send without callback while CLOSED:', attempt(() => client.send('ignored')));
      await closed;
      await serverSaw('close');
    },
  },
  {
    title: 'close(code, reason): validation errors, codes and reasons delivered, 1005 for no code',
    expected: {
      client: [
        'open readyState=1',
        'close(999): throws TypeError',
        'close(1004): throws TypeError',
        'close(1005): throws TypeError',
        'close(1006): throws TypeError',
        'close(1015): throws TypeError',
        'close(2999): throws TypeError',
        'close(5000): throws TypeError',
        'close(1000, 124-byte reason): throws RangeError',
        'close(4999, 123-byte reason): ok',
        'close 4999 Buffer<"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééx"> readyState=3',
        'open readyState=1',
        'close 1005 Buffer<""> readyState=3',
      ],
      server: [
        'close 4999 Buffer<"éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééx"> readyState=3',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const first = h.connect(url);
      const firstSaw = recordEvents(first, h.client.bind(h));
      const firstServerSide = await accepted(wss);
      const firstServerSaw = recordEvents(firstServerSide, h.server.bind(h));
      await firstSaw('open');
      for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000]) {
        h.client(`close(${code}):`, attempt(() => first.close(code)));
      }
      h.client('close(1000, 124-byte reason):', attempt(() => first.close(1000, 'x'.repeat(124))));
      h.client('close(4999, 123-byte reason):', attempt(() => first.close(4999, 'é'.repeat(61) + 'x')));
      await Promise.all([firstSaw('close'), firstServerSaw('close')]);

      const second = h.connect(url);
      const secondSaw = recordEvents(second, h.client.bind(h));
      const secondServerSide = await accepted(wss);
      await secondSaw('open');
      secondServerSide.close();
      await secondSaw('close');
    },
  },
  {
    title: 'close() while CONNECTING aborts the handshake',
    expected: {
      client: [
        'after close() readyState=2',
        'error Error',
        'error message: WebSocket was closed before the connection was established',
        'close 1006 Buffer<""> readyState=3',
      ],
      server: [],
    },
    async run(h) {
      const { url } = await h.startServer();
      const client = h.connect(url);
      const saw = recordEvents(client, h.client.bind(h));
      client.on('error', (error) => h.client('error message:', error.message));
      client.close();
      h.client('after close()', `readyState=${client.readyState}`);
      await saw('close');
    },
  },
  {
    title: 'terminate() ends the connection without a close frame: 1006 on both sides',
    expected: {
      client: [
        'open readyState=1',
        'after terminate() readyState=2',
        'close 1006 Buffer<""> readyState=3',
        'open readyState=1',
        'close 1006 Buffer<""> readyState=3',
      ],
      server: [
        'close 1006 Buffer<""> readyState=3',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const client = h.connect(url);
      const clientSaw = recordEvents(client, h.client.bind(h));
      const serverSide = await accepted(wss);
      const serverSaw = recordEvents(serverSide, h.server.bind(h));
      await clientSaw('open');
      client.terminate();
      h.client('after terminate()', `readyState=${client.readyState}`);
      await Promise.all([clientSaw('close'), serverSaw('close')]);

      const other = h.connect(url);
      const otherSaw = recordEvents(other, h.client.bind(h));
      const otherServerSide = await accepted(wss);
      await otherSaw('open');
      otherServerSide.terminate();
      await otherSaw('close');
    },
  },
  ...(['nodebuffer', 'arraybuffer', 'fragments', 'blob'] as const).map(
    (binaryType): Scenario => ({
      title: `binaryType '${binaryType}': binary, fragmented and text messages`,
      expected: expectedByBinaryType[binaryType],
      ...(binaryType === 'fragments'
        ? {
            deliberateDifference: {
              why: 'small fragments are coalesced so that tiny-fragment floods cannot pin memory; the array holds the same bytes',
              ws6455: {
                client: expectedByBinaryType.fragments.client.map((line) =>
                  line.replace('Array[Buffer<"ab">,Buffer<"cd">]', 'Array[Buffer<"abcd">]'),
                ),
                server: [],
              },
            },
          }
        : {}),
      async run(h) {
        const { wss, url } = await h.startServer({ perMessageDeflate: false });
        const client = h.connect(url);
        h.client('default binaryType', client.binaryType);
        client.binaryType = binaryType as typeof client.binaryType; // @types/ws predates 'blob'
        h.client('binaryType', client.binaryType);
        const saw = recordEvents(client, h.client.bind(h));
        const serverSide = await accepted(wss);
        await saw('open');
        serverSide.send(Buffer.from([1, 2, 3]));
        serverSide.send(Buffer.from('ab'), { binary: true, fin: false });
        serverSide.send(Buffer.from('cd'), { binary: true, fin: true });
        serverSide.send('text');
        await saw('message', 3);
        client.binaryType = 'bogus' as never;
        h.client('after setting bogus', client.binaryType);
      },
    }),
  ),
  {
    title: 'EventTarget API: on* handlers, addEventListener once, MessageEvent and CloseEvent',
    expected: {
      client: [
        'handlers before set null null null null',
        'onmessage is the handler function',
        'onopen open true',
        'onmessage message string<one> true',
        'once listener string<one>',
        'onmessage message Buffer<"two"> true',
        'onclose close 4000 "bye" wasClean=true',
        'onmessage after null null',
      ],
      server: [],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const client = h.connect(url);
      h.client('handlers before set', client.onopen, client.onmessage, client.onclose, client.onerror);
      client.onopen = (event) => h.client('onopen', event.type, event.target === client);
      client.onmessage = (event) => h.client('onmessage', event.type, describeData(event.data), event.target === client);
      client.addEventListener('message', (event) => h.client('once listener', describeData(event.data)), { once: true });
      const removed = () => h.client('removed listener must not run');
      client.addEventListener('message', removed);
      client.removeEventListener('message', removed);
      const closed = new Promise<void>((resolve) => {
        client.onclose = (event) => {
          h.client('onclose', event.type, event.code, JSON.stringify(event.reason), `wasClean=${event.wasClean}`);
          resolve();
        };
      });
      client.onerror = (event) => h.client('onerror', event.type, event.message);
      h.client('onmessage is the handler', typeof client.onmessage);
      const serverSide = await accepted(wss);
      await once(client, 'open');
      serverSide.send('one');
      serverSide.send(Buffer.from('two'));
      serverSide.close(4000, 'bye');
      await closed;
      client.onmessage = null;
      h.client('onmessage after null', client.onmessage);
    },
  },
  {
    title: "'unexpected-response' on a 403, or an error naming the status without a listener",
    expected: {
      client: [
        'unexpected-response 403 Forbidden compat test function',
        'error Error',
        'close 1006 Buffer<""> readyState=3',
        'error Error',
        'error message: Unexpected server response: 403',
        'close 1006 Buffer<""> readyState=3',
      ],
      server: [],
    },
    async run(h) {
      const { url } = await h.startServer({
        verifyClient: (_info, callback) => callback(false, 403, 'Forbidden', { 'X-Why': 'compat test' }),
      });
      const handled = h.connect(url);
      const handledSaw = recordEvents(handled, h.client.bind(h));
      handled.on('unexpected-response', (request, response) => {
        h.client('unexpected-response', response.statusCode, response.statusMessage, response.headers['x-why'], typeof request.destroy);
        handled.terminate();
      });
      await handledSaw('close');

      const unhandled = h.connect(url);
      const unhandledSaw = recordEvents(unhandled, h.client.bind(h));
      unhandled.on('error', (error) => h.client('error message:', error.message));
      await unhandledSaw('close');
    },
  },
  {
    title: 'connection refused: error with code ECONNREFUSED, then close 1006, on both APIs',
    expected: {
      client: [
        'error Error',
        'onerror error Error[ECONNREFUSED] true',
        'close 1006 Buffer<""> readyState=3',
        'onclose 1006 "" wasClean=false',
      ],
      server: [],
    },
    async run(h) {
      const { http, port } = await h.startHttpServer();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      const client = h.connect(`ws://127.0.0.1:${port}`);
      const saw = recordEvents(client, h.client.bind(h));
      client.onerror = (event) => h.client('onerror', event.type, describeErrorKind(event.error), event.message.includes('ECONNREFUSED'));
      client.onclose = (event) => h.client('onclose', event.code, JSON.stringify(event.reason), `wasClean=${event.wasClean}`);
      await saw('close');
    },
  },
  {
    title: 'verifyClient: false gives 401, the info it receives, async refusal with custom status',
    expected: {
      client: [
        'error Error',
        'error message: Unexpected server response: 401',
        'close 1006 Buffer<""> readyState=3',
        'async refusal 401 Unauthorized',
        'error Error',
        'close 1006 Buffer<""> readyState=3',
      ],
      server: [
        'verifyClient "https://example.test" false /path?q=1 https://example.test',
      ],
    },
    async run(h) {
      const { url } = await h.startServer({
        verifyClient: (info: { origin: string; secure: boolean; req: IncomingMessage }) => {
          h.server('verifyClient', JSON.stringify(info.origin), info.secure, info.req.url, info.req.headers.origin);
          return false;
        },
      });
      const client = h.connect(`${url}/path?q=1`, undefined, { origin: 'https://example.test' });
      const saw = recordEvents(client, h.client.bind(h));
      client.on('error', (error) => h.client('error message:', error.message));
      await saw('close');

      const { url: asyncUrl } = await h.startServer({
        verifyClient: (_info, callback) => setTimeout(() => callback(false), 5),
      });
      const refused = h.connect(asyncUrl);
      const refusedSaw = recordEvents(refused, h.client.bind(h));
      refused.on('unexpected-response', (_request, response) => {
        h.client('async refusal', response.statusCode, response.statusMessage);
        refused.terminate();
      });
      await refusedSaw('close');
    },
  },
  {
    title: 'handleProtocols: receives a Set, its choice is the protocol on both sides',
    expected: {
      client: [
        'protocol chat.v2',
        'error Error',
        'error message: Server sent no subprotocol',
        'close 1006 Buffer<""> readyState=3',
        'no protocol offered ""',
        'duplicate protocols: throws SyntaxError',
        'invalid protocol name: throws SyntaxError',
      ],
      server: [
        'handleProtocols true chat.v1|chat.v2 /chat',
        'protocol chat.v2',
        'handleProtocols true chat.v1 /chat',
        'no protocol offered ""',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer({
        handleProtocols: (protocols: Set<string>, request: IncomingMessage) => {
          h.server('handleProtocols', protocols instanceof Set, [...protocols].join('|'), request.url);
          return protocols.has('chat.v2') ? 'chat.v2' : false;
        },
      });
      const chosen = h.connect(`${url}/chat`, ['chat.v1', 'chat.v2']);
      const serverSide = await accepted(wss);
      await once(chosen, 'open');
      h.client('protocol', chosen.protocol);
      h.server('protocol', serverSide.protocol);

      const notChosen = h.connect(`${url}/chat`, 'chat.v1');
      const saw = recordEvents(notChosen, h.client.bind(h));
      notChosen.on('error', (error) => h.client('error message:', error.message));
      await saw('close');

      const noneOffered = h.connect(`${url}/plain`);
      const plainServerSide = await accepted(wss);
      await once(noneOffered, 'open');
      h.client('no protocol offered', JSON.stringify(noneOffered.protocol));
      h.server('no protocol offered', JSON.stringify(plainServerSide.protocol));

      h.client('duplicate protocols:', attempt(() => h.connect(url, ['a', 'a'])));
      h.client('invalid protocol name:', attempt(() => h.connect(url, 'not valid')));
    },
  },
  {
    title: "the 'headers' event can add response headers; the client sees them on 'upgrade'",
    expected: {
      client: [
        'upgrade 101 yes',
      ],
      server: [
        'headers true HTTP/1.1 101 Switching Protocols /h',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      wss.on('headers', (headers: string[], request: IncomingMessage) => {
        h.server('headers', Array.isArray(headers), headers[0], request.url);
        headers.push('X-Compat: yes');
      });
      const client = h.connect(`${url}/h`);
      client.on('upgrade', (response: IncomingMessage) => h.client('upgrade', response.statusCode, response.headers['x-compat']));
      await once(client, 'open');
    },
  },
  {
    title: 'clients: the set of open server-side sockets, or undefined without clientTracking',
    expected: {
      client: [],
      server: [
        'clients true 0',
        'after two 2 true',
        'after one closed 1 false',
        'clientTracking false undefined',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      h.server('clients', wss.clients instanceof Set, wss.clients.size);
      const first = h.connect(url);
      const firstServerSide = await accepted(wss);
      await once(first, 'open');
      const second = h.connect(url);
      await accepted(wss);
      await once(second, 'open');
      h.server('after two', wss.clients.size, wss.clients.has(firstServerSide));
      first.close();
      await once(firstServerSide, 'close');
      h.server('after one closed', wss.clients.size, wss.clients.has(firstServerSide));

      const { wss: untracked } = await h.startServer({ clientTracking: false });
      h.server('clientTracking false', String(untracked.clients));
    },
  },
  {
    title: "server close(cb): existing clients are left open, cb and 'close' once they are gone",
    deliberateDifference: {
      why: 'a server that stops is going away: close(cb) closes every client with 1001 and calls back once they are closed',
      ws6455: {
        client: [
          'open readyState=1',
          'close 1001 Buffer<"Server shutting down"> readyState=3',
          'readyState 50 ms after wss.close() 3',
          'error Error',
          'close 1006 Buffer<""> readyState=3',
        ],
        server: [
          'server-side socket close 1001',
          "wss 'close' event",
          'close callback: no error',
          "wss 'close' event",
          'second close callback: Error: The server is not running',
        ],
      },
    },
    expected: {
      client: [
        'open readyState=1',
        'readyState 50 ms after wss.close() 1',
        'error Error',
        'close 1006 Buffer<""> readyState=3',
        'close 1000 Buffer<"leaving"> readyState=3',
      ],
      server: [
        'wss \'close\' event',
        'close callback: no error',
        'server-side socket close 1000',
        'wss \'close\' event',
        'second close callback: Error: The server is not running',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      const client = h.connect(url);
      const clientSaw = recordEvents(client, h.client.bind(h));
      const serverSide = await accepted(wss);
      serverSide.on('close', (code) => h.server('server-side socket close', code));
      await clientSaw('open');
      wss.on('close', () => h.server("wss 'close' event"));
      const closed = new Promise<void>((resolve) =>
        wss.close((error) => {
          h.server('close callback:', error == null ? 'no error' : describeError(error));
          resolve();
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      h.client('readyState 50 ms after wss.close()', client.readyState);
      const refused = h.connect(url);
      const refusedSaw = recordEvents(refused, h.client.bind(h));
      await refusedSaw('close');
      client.close(1000, 'leaving');
      await closed;
      await clientSaw('close');
      await new Promise<void>((resolve) =>
        wss.close((error) => {
          h.server('second close callback:', error == null ? 'no error' : describeError(error));
          resolve();
        }),
      );
    },
  },
  {
    title: 'noServer + handleUpgrade: routing upgrades by path on an existing HTTP server',
    expected: {
      client: [
        'error Error',
        'error message: Unexpected server response: 404',
        'close 1006 Buffer<""> readyState=3',
        'open readyState=1',
        'message Buffer<"routed"> isBinary=false',
        'close 1005 Buffer<""> readyState=3',
      ],
      server: [
        'address() in noServer mode: throws Error',
        'upgrade /elsewhere shouldHandle=true',
        'upgrade /ws shouldHandle=true',
        'handleUpgrade callback true 1',
        'connection /ws',
      ],
    },
    async run(h) {
      const wss = new h.impl.WebSocketServer({ noServer: true });
      h.server('address() in noServer mode:', attempt(() => wss.address()));
      const { http, port } = await h.startHttpServer();
      http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        h.server('upgrade', request.url, `shouldHandle=${wss.shouldHandle(request)}`);
        if (request.url !== '/ws') {
          socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
          return;
        }
        wss.handleUpgrade(request, socket, head, (ws, upgradeRequest) => {
          h.server('handleUpgrade callback', upgradeRequest === request, ws.readyState);
          wss.emit('connection', ws, upgradeRequest);
        });
      });
      wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
        h.server('connection', request.url);
        ws.send('routed');
      });
      const lost = h.connect(`ws://127.0.0.1:${port}/elsewhere`);
      const lostSaw = recordEvents(lost, h.client.bind(h));
      lost.on('error', (error) => h.client('error message:', error.message));
      await lostSaw('close');
      const routed = h.connect(`ws://127.0.0.1:${port}/ws`);
      const routedSaw = recordEvents(routed, h.client.bind(h));
      await routedSaw('message');
      routed.close();
      await routedSaw('close');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  },
  {
    title: "{ server, path }: upgrades to another path are refused with 400",
    deliberateDifference: {
      why: 'a path nobody serves is 404 Not Found (ws answers 400)',
      ws6455: {
        client: [
          'unexpected-response 404',
          'error Error',
          'close 1006 Buffer<""> readyState=3',
          'open readyState=1',
          'close 1005 Buffer<""> readyState=3',
        ],
        server: [],
      },
    },
    expected: {
      client: [
        'unexpected-response 400',
        'error Error',
        'close 1006 Buffer<""> readyState=3',
        'open readyState=1',
        'close 1005 Buffer<""> readyState=3',
      ],
      server: [],
    },
    async run(h) {
      const { http, port } = await h.startHttpServer();
      const wss = new h.impl.WebSocketServer({ server: http, path: '/only-here' });
      const wrongPath = h.connect(`ws://127.0.0.1:${port}/elsewhere`);
      const wrongSaw = recordEvents(wrongPath, h.client.bind(h));
      wrongPath.on('unexpected-response', (_request, response) => {
        h.client('unexpected-response', response.statusCode);
        wrongPath.terminate();
      });
      await wrongSaw('close');
      const rightPath = h.connect(`ws://127.0.0.1:${port}/only-here?x=1`);
      const rightSaw = recordEvents(rightPath, h.client.bind(h));
      await rightSaw('open');
      rightPath.close();
      await rightSaw('close');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  },
  {
    title: 'createWebSocketStream: a Duplex round trip, end() closes the socket',
    expected: {
      client: [
        'data Buffer<"abc">',
        'data Buffer<"def">',
        'socket close 1005 Buffer<"">',
        'end',
        'close',
      ],
      server: [],
    },
    async run(h) {
      const { wss, url } = await h.startServer();
      wss.on('connection', (ws: WebSocket) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
      const client = h.connect(url);
      client.on('close', (code, reason) => h.client('socket close', code, describeData(reason)));
      const duplex = h.impl.createWebSocketStream(client);
      let received = '';
      duplex.on('data', (chunk: Buffer) => {
        h.client('data', describeData(chunk));
        received += chunk.toString();
      });
      duplex.on('end', () => h.client('end'));
      const closed = new Promise<void>((resolve) => duplex.on('close', () => (h.client('close'), resolve())));
      duplex.write('abc');
      duplex.write(Buffer.from('def'));
      await waitUntil(() => received === 'abcdef', 'the echo of both writes');
      duplex.end();
      // Bounded, so an implementation that never emits 'close' shows up in the transcript.
      const giveUp = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
      await Promise.race([closed, giveUp.then(() => h.client("no 'close' within 2 s"))]);
    },
  },
  {
    title: 'maxPayload exceeded: 1009 to the peer, RangeError on the receiving side (server and client)',
    expected: {
      client: [
        'open readyState=1',
        'close 1009 Buffer<""> readyState=3',
        'open readyState=1',
        'error RangeError',
        'error code WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
        'close 1006 Buffer<""> readyState=3',
      ],
      server: [
        'message Buffer<0x01010101010101010101010101010101> isBinary=true',
        'error RangeError',
        'error code WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
        'close 1006 Buffer<""> readyState=3',
        'close 1009 Buffer<""> readyState=3',
      ],
    },
    async run(h) {
      const { wss, url } = await h.startServer({ maxPayload: 16 });
      const client = h.connect(url);
      const clientSaw = recordEvents(client, h.client.bind(h));
      const serverSide = await accepted(wss);
      const serverSaw = recordEvents(serverSide, h.server.bind(h));
      serverSide.on('error', (error) => h.server('error code', (error as { code?: string }).code));
      await clientSaw('open');
      client.send(Buffer.alloc(16, 1));
      await serverSaw('message');
      client.send(Buffer.alloc(17, 2));
      await Promise.all([clientSaw('close'), serverSaw('close')]);

      const { wss: bigServer, url: bigUrl } = await h.startServer();
      const limited = h.connect(bigUrl, undefined, { maxPayload: 16 });
      const limitedSaw = recordEvents(limited, h.client.bind(h));
      limited.on('error', (error) => h.client('error code', (error as { code?: string }).code));
      const bigServerSide = await accepted(bigServer);
      const bigServerSaw = recordEvents(bigServerSide, h.server.bind(h));
      await limitedSaw('open');
      bigServerSide.send('x'.repeat(17));
      await Promise.all([limitedSaw('close'), bigServerSaw('close')]);
    },
  },
];

describe('ws API compatibility: same observable behaviour as the ws package', () => {
  for (const scenario of scenarios) {
    it(scenario.title, async () => {
      const reference = await transcriptOf(wsReference, scenario.run);
      if (process.env.COMPAT_PRINT) console.log(JSON.stringify({ title: scenario.title, reference }));
      expect(reference, 'ws itself behaves as pinned').toEqual(scenario.expected);
      const ours = await transcriptOf(ws6455, scenario.run);
      if (process.env.COMPAT_PRINT) console.log(JSON.stringify({ title: scenario.title, ours }));
      expect(ours).toEqual(scenario.deliberateDifference?.ws6455 ?? reference);
    });
  }
});
