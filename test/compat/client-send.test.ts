// ws's doc/ws.md, "websocket.send(data[, options][, callback])" on a client: what a user sees of
// sends that fail, run with ws's client and with ws6455's against ws's server, compared.
import { openAsBlob } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { compareClientBehaviours, describeError, reportClientTally, waitUntil } from './client-support.js';

reportClientTally('client-send');

/** A Blob backed by a file that is deleted before it is read: reading it fails with NotReadableError. */
async function unreadableBlob(): Promise<Blob> {
  const dir = mkdtempSync(join(tmpdir(), 'ws6455-blob-'));
  const file = join(dir, 'data.bin');
  writeFileSync(file, 'hello');
  const blob = await openAsBlob(file);
  rmSync(dir, { recursive: true });
  return blob;
}

describe('websocket.send(data[, options][, callback])', () => {
  compareClientBehaviours([
    {
      title: "an unreadable Blob: the callback and 'error' get a DOMException (NotReadableError), close 1006, the server sees 1006",
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        const serverClosed: number[] = [];
        wss.on('connection', (peer) => peer.on('close', (code) => serverClosed.push(code)));
        const ws = scope.client(url);
        const saw = scope.record(ws);
        await saw('open');
        const blob = await unreadableBlob();
        ws.send(blob, (error?: Error) => scope.note('callback', describeError(error), (error as DOMException | undefined)?.name, error instanceof DOMException));
        scope.note('bufferedAmount', ws.bufferedAmount);
        await saw('close');
        await waitUntil(() => serverClosed.length > 0, 'the server closes');
        scope.note('server close', serverClosed[0]);
      },
    },
    {
      title: 'what the server receives for strings, numbers, empty and falsy data, typed arrays, { binary }',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        const got: string[] = [];
        wss.on('connection', (peer) => peer.on('message', (data: Buffer, isBinary: boolean) => got.push(`${isBinary ? 'binary' : 'text'} ${data.toString('hex')}`)));
        const ws = scope.client(url);
        const saw = scope.record(ws);
        await saw('open');
        const inputs: unknown[] = ['a', 5, '', undefined, null, false, new Uint16Array([1]), new ArrayBuffer(2), Buffer.from('b')];
        for (const input of inputs) ws.send(input as string);
        ws.send('t', { binary: true });
        ws.send(Buffer.from('u'), { binary: false });
        await waitUntil(() => got.length === inputs.length + 2, 'every message');
        scope.note(...got);
      },
    },
    {
      title: 'after close: callbacks get "WebSocket is not open", bufferedAmount once CLOSED counts the bytes given since',
      async run(scope) {
        const { url } = await scope.wsServer();
        const ws = scope.client(url);
        const saw = scope.record(ws);
        await saw('open');
        ws.close();
        ws.send('abc', (error?: Error) => scope.note('send', describeError(error)));
        ws.ping('p', undefined, (error?: Error) => scope.note('ping', describeError(error)));
        await saw('close');
        ws.send('defg', (error?: Error) => scope.note('send', describeError(error)));
        scope.note('closed bufferedAmount', ws.bufferedAmount);
        await new Promise((resolve) => setImmediate(resolve));
      },
    },
    {
      title: 'while CONNECTING: send, ping and pong throw',
      async run(scope) {
        const { url } = await scope.wsServer();
        const ws = scope.client(url);
        for (const method of ['send', 'ping', 'pong'] as const) {
          try {
            ws[method]('x');
            scope.note(method, 'ok');
          } catch (error) {
            scope.note(method, describeError(error));
          }
        }
      },
    },
  ]);
});

describe('websocket.ping([data[, mask]][, callback]), websocket.pong(...)', () => {
  compareClientBehaviours([
    {
      title: 'data reaches the server; over 125 bytes throws RangeError; numbers become strings',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        const got: string[] = [];
        wss.on('connection', (peer) => {
          peer.on('ping', (data: Buffer) => got.push(`ping ${data.toString()}`));
          peer.on('pong', (data: Buffer) => got.push(`pong ${data.toString()}`));
        });
        const ws = scope.client(url);
        const saw = scope.record(ws);
        await saw('open');
        ws.ping('a');
        ws.ping();
        ws.ping(7 as unknown as string);
        ws.pong('b', true, (error?: Error) => scope.note('pong callback', error ?? 'none'));
        try {
          ws.ping(Buffer.alloc(126));
        } catch (error) {
          scope.note('126 bytes', describeError(error));
        }
        await waitUntil(() => got.length === 4, 'four control frames');
        scope.note(...got);
      },
    },
  ]);
});

describe('websocket.close([code[, reason]])', () => {
  compareClientBehaviours([
    {
      title: 'invalid codes and long reasons throw; a Buffer reason is sent',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        const closes: string[] = [];
        wss.on('connection', (peer) => peer.on('close', (code: number, reason: Buffer) => closes.push(`${code} ${reason.toString()}`)));
        const ws = scope.client(url);
        const saw = scope.record(ws);
        await saw('open');
        for (const args of [[1005], [999], [1004], [5000], [1000, 'x'.repeat(124)], ['1000']] as unknown[][]) {
          try {
            (ws.close as (...a: unknown[]) => void)(...args);
            scope.note(JSON.stringify(args).slice(0, 20), 'ok');
          } catch (error) {
            scope.note(JSON.stringify(args).slice(0, 20), describeError(error));
          }
        }
        ws.close(4000, Buffer.from('buffer reason'));
        ws.close(1000, 'second close is ignored');
        await saw('close');
        await waitUntil(() => closes.length > 0, 'the server close');
        scope.note(...closes);
      },
    },
  ]);
});

describe('websocket.pause(), websocket.resume(), websocket.isPaused', () => {
  compareClientBehaviours([
    {
      title: 'while CONNECTING they do nothing; once open, messages wait while paused',
      async run(scope) {
        const { url, wss } = await scope.wsServer();
        wss.on('connection', (peer) => peer.send('m'));
        const ws = scope.client(url);
        ws.pause();
        scope.note('connecting paused', ws.isPaused);
        ws.resume();
        const saw = scope.record(ws);
        ws.once('open', () => {
          ws.pause();
          scope.note('open paused', ws.isPaused);
          setTimeout(() => {
            scope.note('resume');
            ws.resume();
          }, 50);
        });
        await saw('message');
        scope.note('paused', ws.isPaused);
      },
    },
  ]);
});
