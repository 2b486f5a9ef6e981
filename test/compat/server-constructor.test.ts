// WebSocketServer compatibility, organized like ws's doc/ws.md: `new WebSocketServer(options[,
// callback])` and each of its options, run side by side on ws and ws6455 (see server-support.ts).
import { IncomingMessage } from 'node:http';
import { describe } from 'vitest';
import type { ServerOptions, WebSocket } from 'ws';
import { compareBehaviours, describeError, nextEvent, outcome, reportTally, type Scope } from './server-support.js';

reportTally('server-constructor');

/** Constructing with `options` (cast: some are invalid on purpose) and logging the outcome. */
function construct(scope: Scope, options: unknown): void {
  let created: { close(): void } | undefined;
  scope.note(
    outcome(() => {
      created = new scope.impl.WebSocketServer(options as ServerOptions);
    }),
  );
  created?.close();
}

describe('new WebSocketServer(options[, callback])', () => {
  compareBehaviours([
    { title: 'without options: TypeError naming port, server and noServer', run: async (s) => construct(s, undefined) },
    { title: 'with {}: the same TypeError', run: async (s) => construct(s, {}) },
    { title: 'port and noServer together: TypeError', run: async (s) => construct(s, { port: 0, noServer: true }) },
    {
      title: 'server and noServer together: TypeError',
      run: async (s) => {
        const { http } = await s.httpServer();
        construct(s, { server: http, noServer: true });
      },
    },
    { title: 'noServer: false with port is fine', run: async (s) => construct(s, { host: '127.0.0.1', port: 0, noServer: false }) },
    { title: 'noServer alone is fine', run: async (s) => construct(s, { noServer: true }) },
    {
      title: 'the callback is a listener for listening; address() is the bound address',
      run: async (s) => {
        let wss: { close(): void; address(): unknown; on(e: string, f: () => void): void } | undefined;
        await new Promise<void>((resolve) => {
          wss = new s.impl.WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
            s.note('callback');
            resolve();
          });
          wss.on('listening', () => s.note('listening event'));
        });
        const address = wss!.address() as { address: string; family: string; port: number };
        s.note(address.address, address.family, typeof address.port, Object.keys(address).sort().join());
        wss!.close();
      },
    },
    {
      title: "'error' is emitted when the port is taken (EADDRINUSE)",
      run: async (s) => {
        const { port } = await s.standalone();
        const second = s.own(new s.impl.WebSocketServer({ host: '127.0.0.1', port }));
        const [error] = await nextEvent(second, 'error');
        s.note(describeError(error).replace(String(port), 'PORT'));
      },
    },
    {
      title: 'options are readable back: defaults, and perMessageDeflate true as {}',
      run: async (s) => {
        const { wss } = await s.standalone({ perMessageDeflate: true });
        const { options } = wss;
        s.note(JSON.stringify(options.perMessageDeflate), options.maxPayload, options.clientTracking, options.port, options.host);
        s.note(options.skipUTF8Validation, options.autoPong);
      },
    },
    {
      title: 'options read back with ws 8 defaults',
      run: async (s) => {
        const { options } = s.own(new s.impl.WebSocketServer({ noServer: true }));
        const newer = options as typeof options & { maxBufferedChunks?: number; maxFragments?: number; maxPendingAutoPongs?: number };
        s.note(options.allowSynchronousEvents, newer.maxBufferedChunks, newer.maxFragments, newer.maxPendingAutoPongs);
        s.note(options.perMessageDeflate, options.noServer, options.clientTracking, options.maxPayload, options.skipUTF8Validation, options.autoPong);
      },
    },
    {
      title: 'a negative port: RangeError',
      run: async (s) => {
        s.note(outcome(() => new s.impl.WebSocketServer({ port: -1 })).replace(/:.*/, ''));
      },
    },
    {
      title: 'an invalid perMessageDeflate window is refused at construction',
      run: async (s) => construct(s, { noServer: true, perMessageDeflate: { serverMaxWindowBits: 20 } }),
      differs: {
        why: 'options are validated once at construction (ws fails at the first compressed handshake)',
        ws: ['ok'],
        ws6455: ['throws RangeError: serverMaxWindowBits must be an integer from 8 to 15, got 20'],
      },
    },
    {
      title: 'a negative maxPayload is refused at construction',
      run: async (s) => construct(s, { noServer: true, maxPayload: -1 }),
      differs: {
        why: 'options are validated once at construction (ws reads -1 as no limit)',
        ws: ['ok'],
        ws6455: ['throws RangeError: The "maxPayload" option must be a number >= 0, got -1'],
      },
    },
    {
      title: 'ws 8.21+ options are accepted: allowSynchronousEvents, maxBufferedChunks, maxFragments, maxPendingAutoPongs, closeTimeout',
      run: async (s) => {
        const { wss, url } = await s.standalone({
          allowSynchronousEvents: false,
          // Newer than the installed @types/ws.
          ...({ closeTimeout: 1000, maxBufferedChunks: 1024, maxFragments: 16, maxPendingAutoPongs: 4 } as object),
        });
        wss.on('connection', (ws: WebSocket) => ws.send('hi'));
        const client = s.client(url);
        const [data] = await nextEvent(client, 'message');
        s.note(String(data));
      },
    },
  ]);
});

describe('option: clientTracking', () => {
  compareBehaviours([
    {
      title: 'true (default): clients holds each connection until its close event',
      run: async (s) => {
        const started = await s.standalone();
        const { wss } = started;
        s.note('empty', wss.clients instanceof Set, wss.clients.size);
        const [client, ws] = await s.connect(started);
        s.note('connected', wss.clients.size, wss.clients.has(ws));
        const closed = new Promise<void>((resolve) => ws.on('close', () => (s.note('in close', wss.clients.has(ws)), resolve())));
        client.close();
        await closed;
      },
    },
    {
      title: 'false: clients is undefined',
      run: async (s) => {
        const { wss, url } = await s.standalone({ clientTracking: false });
        s.client(url);
        await nextEvent(wss, 'connection');
        s.note(String(wss.clients));
      },
    },
  ]);
});

describe('option: WebSocket', () => {
  compareBehaviours([
    {
      title: 'connections are instances of the given subclass',
      run: async (s) => {
        class Tagged extends (s.impl.WebSocket as unknown as new (...args: never[]) => WebSocket) {
          tag = 'mine';
        }
        const { wss, url } = await s.standalone({ WebSocket: Tagged as unknown as typeof WebSocket });
        s.client(url);
        const [ws] = (await nextEvent(wss, 'connection')) as [WebSocket & { tag?: string }];
        s.note(ws instanceof Tagged, ws instanceof s.impl.WebSocket, ws.tag, ws.readyState);
      },
    },
  ]);
});

describe('option: maxPayload', () => {
  compareBehaviours([
    {
      title: 'a larger message closes with 1009 and an error coded WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
      run: async (s) => {
        const [client, ws] = await s.connect(await s.standalone({ maxPayload: 8 }));
        const error = nextEvent(ws, 'error');
        const closed = nextEvent(client, 'close');
        client.send('123456789');
        s.note(describeError((await error)[0]));
        s.note('client close', (await closed)[0]);
      },
    },
  ]);
});

describe('option: skipUTF8Validation', () => {
  const invalidText = async (s: Scope, skip: boolean): Promise<void> => {
    const [client, ws] = await s.connect(await s.standalone({ skipUTF8Validation: skip }));
    ws.on('error', (error) => s.note('error', describeError(error)));
    ws.on('message', (data, isBinary) => s.note('message', Buffer.from(data as Buffer).toString('hex'), isBinary));
    const closed = nextEvent(client, 'close');
    client.send(Buffer.from([0xff, 0xfe]), { binary: false });
    client.send('end');
    if (skip) await nextEvent(ws, 'message');
    else s.note('client close', (await closed)[0]);
  };
  compareBehaviours([
    { title: 'false (default): invalid UTF-8 text closes with 1007', run: (s) => invalidText(s, false) },
    { title: 'true: invalid UTF-8 text is delivered', run: (s) => invalidText(s, true) },
  ]);
});

describe('option: autoPong', () => {
  const pingThenMessage = async (s: Scope, autoPong: boolean): Promise<void> => {
    const [client, ws] = await s.connect(await s.standalone({ autoPong }));
    ws.on('ping', (data) => s.note('server ping', String(data)));
    ws.on('message', () => ws.send('after'));
    client.on('pong', (data) => s.note('client pong', String(data)));
    client.ping('p');
    client.send('m');
    await nextEvent(client, 'message');
    s.note('client message');
  };
  compareBehaviours([
    { title: 'true (default): pings are answered', run: (s) => pingThenMessage(s, true) },
    { title: 'false: pings are only reported', run: (s) => pingThenMessage(s, false) },
  ]);
});

describe('option: host', () => {
  compareBehaviours([
    {
      title: 'binds the given address',
      run: async (s) => {
        const { wss } = await s.standalone({ host: '127.0.0.1' });
        s.note((wss.address() as { address: string }).address);
      },
    },
  ]);
});

describe("event: 'connection' (socket, request)", () => {
  const requestShape = async (s: Scope, mode: 'standalone' | 'attached' | 'noServer'): Promise<void> => {
    const { wss, url } = await s[mode]();
    s.client(`${url}/chat?room=1`, ['one', 'two'], { headers: { 'X-Extra': 'yes' } });
    const [ws, req] = (await nextEvent(wss, 'connection')) as [WebSocket, IncomingMessage];
    s.note(req instanceof IncomingMessage, req.method, req.url, req.httpVersion, req.httpVersionMajor, req.httpVersionMinor);
    s.note(req.headers['x-extra'], req.headers['sec-websocket-protocol'], typeof req.headers.host, req.rawHeaders.includes('X-Extra'));
    s.note(req.socket.remoteAddress, req.socket === req.connection, req.complete, (req as { upgrade?: boolean }).upgrade);
    s.note(typeof req.on, typeof req.pipe, req.readable, req.readableEnded, req.destroyed, req.aborted);
    s.note(JSON.stringify(req.headersDistinct['x-extra']), JSON.stringify(req.trailers), typeof req.setTimeout);
    s.note(ws.protocol, ws.readyState);
  };
  compareBehaviours([
    { title: 'standalone: req is an http.IncomingMessage with the request', run: (s) => requestShape(s, 'standalone') },
    { title: '{ server }: req is the http server\'s IncomingMessage', run: (s) => requestShape(s, 'attached') },
    { title: 'noServer: req is what handleUpgrade was given', run: (s) => requestShape(s, 'noServer') },
  ]);
});
