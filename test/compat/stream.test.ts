// ws's doc/ws.md, "createWebSocketStream(websocket[, options])": the Duplex's events in order,
// what reaches the server, and how each side ends; run over ws's client and ws6455's (each with
// its own createWebSocketStream) against ws's server, compared.
import type { Duplex } from 'node:stream';
import { describe } from 'vitest';
import type { WebSocket } from 'ws';
import { compareClientBehaviours, describeError, reportClientTally, waitUntil, type ClientScope } from './client-support.js';

reportClientTally('stream');

/** A client to `url` wrapped by the implementation's createWebSocketStream, its events watched from the start. */
function streamTo(scope: ClientScope, url: string) {
  const ws = scope.client(url);
  const duplex = scope.impl.createWebSocketStream(ws);
  return { ws, duplex, saw: watch(scope, duplex) };
}

/** Logs the duplex's events (and whether it is destroyed) and returns a way to wait for one. */
function watch(scope: ClientScope, duplex: Duplex): (event: string) => Promise<void> {
  const seen = new Set<string>();
  for (const event of ['data', 'end', 'finish', 'close', 'error']) {
    duplex.on(event, (value?: unknown) => {
      seen.add(event);
      const shown = value === undefined ? '' : value instanceof Error ? describeError(value) : typeof value === 'string' ? `string ${value}` : `${Buffer.isBuffer(value) ? 'Buffer' : typeof value} ${String(value)}`;
      scope.note('duplex', event, shown, `destroyed=${duplex.destroyed}`);
    });
  }
  return (event) => waitUntil(() => seen.has(event), `duplex '${event}'`);
}

/** ws's server echoing messages; records the close code each server-side socket gets. */
async function echoServer(scope: ClientScope): Promise<{ url: string; closes: number[]; peers: WebSocket[] }> {
  const { url, wss } = await scope.wsServer();
  const closes: number[] = [];
  const peers: WebSocket[] = [];
  wss.on('connection', (peer) => {
    peers.push(peer);
    peer.on('message', (data, isBinary) => peer.send(data, { binary: isBinary }));
    peer.on('close', (code) => closes.push(code));
  });
  return { url, closes, peers };
}

describe('createWebSocketStream(websocket[, options])', () => {
  compareClientBehaviours([
    {
      title: 'a round trip, then end(): finish, end and close in order, the server sees 1005',
      async run(scope) {
        const { url, closes } = await echoServer(scope);
        const { ws, duplex, saw } = streamTo(scope, url);
        ws.on('close', (code: number) => scope.note('ws close', code));
        duplex.write('hello');
        await saw('data');
        duplex.end();
        await saw('close');
        await waitUntil(() => closes.length > 0, 'the server close');
        scope.note('server close', closes[0]);
      },
    },
    {
      title: 'end() while CONNECTING: the WebSocket opens, then closes (1005)',
      async run(scope) {
        const { url, closes } = await echoServer(scope);
        const { ws, duplex, saw } = streamTo(scope, url);
        ws.on('open', () => scope.note('ws open'));
        ws.on('close', (code: number) => scope.note('ws close', code));
        duplex.end();
        duplex.resume();
        await saw('close');
        await waitUntil(() => closes.length > 0, 'the server close');
        scope.note('server close', closes[0]);
      },
    },
    {
      title: 'writes while CONNECTING are sent once open, in order',
      async run(scope) {
        const { url } = await echoServer(scope);
        const ws = scope.client(url);
        const duplex = scope.impl.createWebSocketStream(ws, { encoding: 'utf8' });
        let text = '';
        duplex.on('data', (chunk: string) => (text += chunk));
        duplex.write('a');
        duplex.write('b');
        await waitUntil(() => text === 'ab', 'both echoes');
        scope.note('received', text);
      },
    },
    {
      title: "a write after the WebSocket closed destroys the stream with ws's error",
      async run(scope) {
        const { url } = await echoServer(scope);
        const ws = scope.client(url);
        const duplex = scope.impl.createWebSocketStream(ws);
        duplex.resume();
        await new Promise((resolve) => ws.once('open', resolve));
        ws.close();
        await new Promise((resolve) => ws.once('close', resolve));
        const saw = watch(scope, duplex);
        duplex.write('late', (error?: Error | null) => scope.note('write callback', describeError(error)));
        await saw('close');
      },
    },
    {
      title: "the server closes: the readable side ends; the stream is destroyed only after the writable side finishes",
      async run(scope) {
        const { url, peers } = await echoServer(scope);
        const { ws, duplex, saw } = streamTo(scope, url);
        duplex.resume();
        await new Promise((resolve) => ws.once('open', resolve));
        await waitUntil(() => peers.length > 0, 'the server socket');
        peers[0]!.close(1000, 'bye');
        await saw('end');
        await new Promise((resolve) => setTimeout(resolve, 20));
        scope.note('after end: destroyed', duplex.destroyed, 'writableFinished', duplex.writableFinished);
        duplex.end();
        await saw('close');
      },
    },
    {
      title: 'destroy(): the WebSocket is terminated, close follows its close; the server sees 1006',
      async run(scope) {
        const { url, closes } = await echoServer(scope);
        const { ws, duplex, saw } = streamTo(scope, url);
        ws.on('close', (code: number) => scope.note('ws close', code));
        await new Promise((resolve) => ws.once('open', resolve));
        duplex.destroy();
        await saw('close');
        await waitUntil(() => closes.length > 0, 'the server close');
        scope.note('server close', closes[0]);
      },
    },
    {
      title: "an 'error' on the WebSocket destroys the stream with it; the close handshake is not cut short",
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        wss.on('connection', (peer) => (peer as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.from([0x85, 0x00])));
        const { ws, duplex, saw } = streamTo(scope, url);
        ws.on('close', (code: number) => scope.note('ws close', code));
        await saw('close');
      },
    },
    {
      title: 'readableObjectMode: text messages are strings, binary ones Buffers',
      async run(scope) {
        const { url } = await echoServer(scope);
        const ws = scope.client(url);
        const duplex = scope.impl.createWebSocketStream(ws, { readableObjectMode: true });
        const chunks: string[] = [];
        duplex.on('data', (chunk: unknown) => chunks.push(`${typeof chunk === 'string' ? 'string' : 'Buffer'} ${String(chunk)}`));
        await new Promise((resolve) => ws.once('open', resolve));
        ws.send('text');
        ws.send(Buffer.from('bin'));
        await waitUntil(() => chunks.length === 2, 'two chunks');
        scope.note(...chunks);
      },
    },
    {
      title: 'a full readable buffer pauses the WebSocket; reading resumes it',
      async run(scope) {
        const { url, peers } = await echoServer(scope);
        const ws = scope.client(url);
        const duplex = scope.impl.createWebSocketStream(ws, { highWaterMark: 4 });
        await new Promise((resolve) => ws.once('open', resolve));
        await waitUntil(() => peers.length > 0, 'the server socket');
        peers[0]!.send('12345678');
        await waitUntil(() => duplex.readableLength > 0, 'buffered data');
        scope.note('paused', ws.isPaused);
        duplex.read();
        await new Promise((resolve) => setTimeout(resolve, 10));
        scope.note('after read: paused', ws.isPaused);
      },
    },
  ]);
});
