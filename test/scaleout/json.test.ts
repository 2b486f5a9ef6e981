import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/index.js';
import { JsonChannel, type JsonMessageError, parseJsonMessage, sendJson } from '../../src/extras/json.js';

type ToServer = { type: 'say'; text: string } | { type: 'join'; room: string };
type ToClient = { type: 'chat'; from: string; text: string };

interface Pair {
  server: WebSocketServer;
  serverSide: WebSocket;
  client: WebSocket;
  received: string[];
}

let pairs: Pair[] = [];
afterEach(async () => {
  for (const { server, client } of pairs) {
    client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  pairs = [];
});

/** A ws6455 server and a connected client; `received` records what the client got, as text. */
async function connectedPair(): Promise<Pair> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as { port: number };
  const serverSideReady = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  await new Promise<void>((resolve) => client.once('open', () => resolve()));
  const pair = { server, serverSide: await serverSideReady, client, received };
  pairs.push(pair);
  return pair;
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
};

describe('sendJson: one object, one text message of its JSON', () => {
  it('sends JSON.stringify of the value as text', async () => {
    const { serverSide, client } = await connectedPair();
    const got: Array<{ text: string; isBinary: boolean }> = [];
    serverSide.on('message', (data, isBinary) => got.push({ text: String(data), isBinary }));
    sendJson(client, { type: 'say', text: 'héllo' });
    await until(() => got.length === 1);
    expect(got).toEqual([{ text: '{"type":"say","text":"héllo"}', isBinary: false }]);
  });

  it('throws in the caller for what JSON cannot represent', () => {
    const sent: unknown[] = [];
    const socket = { send: (data: unknown) => void sent.push(data) };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => sendJson(socket, cyclic)).toThrow(TypeError);
    expect(() => sendJson(socket, undefined)).toThrow(TypeError);
    expect(sent).toEqual([]);
  });
});

describe('JsonChannel: messages reach the handler of their type, typed', () => {
  it('dispatches by type, then to onAny, in arrival order, and sends the other way', async () => {
    const { serverSide, client, received } = await connectedPair();
    const channel = new JsonChannel<ToServer, ToClient>(serverSide, { onInvalid: () => {} });
    const seen: string[] = [];
    channel.on('say', (message) => {
      seen.push(`say ${message.text}`);
      channel.send({ type: 'chat', from: 'server', text: message.text.toUpperCase() });
    });
    channel.on('join', (message) => seen.push(`join ${message.room}`));
    channel.onAny((message) => seen.push(`any ${message.type}`));
    client.send('{"type":"join","room":"lobby"}');
    client.send('{"type":"say","text":"hi"}');
    client.send('{"type":"unknown"}');
    await until(() => seen.length === 5);
    expect(seen).toEqual(['join lobby', 'any join', 'say hi', 'any say', 'any unknown']);
    await until(() => received.length === 1);
    expect(received).toEqual(['{"type":"chat","from":"server","text":"HI"}']);
  });

  it('is checked by the compiler: a handler sees only its member of the union', () => {
    const socket = { send: () => {}, on: () => socket, removeListener: () => socket };
    const channel = new JsonChannel<ToServer, ToClient>(socket);
    channel.on('join', (message) => {
      const room: string = message.room;
      // @ts-expect-error a join message has no text
      void message.text;
      void room;
    });
    // @ts-expect-error no such message type
    channel.on('leave', () => {});
    // @ts-expect-error outgoing messages are ToClient
    expect(() => channel.send({ type: 'say', text: 'x' })).not.toThrow();
  });
});

describe('JsonChannel: invalid messages are reported, never thrown into the event loop', () => {
  it.each([
    ['not JSON', 'hello', 'ERR_JSON_SYNTAX'],
    ['truncated JSON', '{"type":"say"', 'ERR_JSON_SYNTAX'],
    ['an array', '[1,2]', 'ERR_JSON_UNTYPED'],
    ['null', 'null', 'ERR_JSON_UNTYPED'],
    ['a number type', '{"type":5}', 'ERR_JSON_UNTYPED'],
    ['no type', '{"text":"hi"}', 'ERR_JSON_UNTYPED'],
  ])('%s: %s → %s, and the channel keeps working', async (_name, text, code) => {
    const { serverSide, client } = await connectedPair();
    const errors: JsonMessageError[] = [];
    const texts: string[] = [];
    new JsonChannel<ToServer>(serverSide, { onInvalid: (error) => errors.push(error) }).on('say', (m) => texts.push(m.text));
    client.send(text);
    client.send('{"type":"say","text":"still here"}');
    await until(() => texts.length === 1);
    expect(errors.map((e) => [e.code, e.raw])).toEqual([[code, text]]);
    expect(texts).toEqual(['still here']);
  });

  it('a binary message is refused unless acceptBinary', async () => {
    const { serverSide, client } = await connectedPair();
    const errors: string[] = [];
    const strict = new JsonChannel<ToServer>(serverSide).onInvalid((error) => errors.push(error.code));
    const lenient = new JsonChannel<ToServer>(serverSide, { acceptBinary: true });
    const lenientTexts: string[] = [];
    lenient.on('say', (m) => lenientTexts.push(m.text));
    client.send(Buffer.from('{"type":"say","text":"bytes"}'));
    await until(() => errors.length === 1 && lenientTexts.length === 1);
    expect(errors).toEqual(['ERR_JSON_BINARY_MESSAGE']);
    expect(lenientTexts).toEqual(['bytes']);
    strict.dispose();
  });

  it('the validator is the trust boundary: a refused message reaches no handler', async () => {
    const { serverSide, client } = await connectedPair();
    const isToServer = (m: { type: string }): m is ToServer =>
      (m.type === 'say' && typeof (m as { text?: unknown }).text === 'string') ||
      (m.type === 'join' && typeof (m as { room?: unknown }).room === 'string');
    const errors: JsonMessageError[] = [];
    const seen: string[] = [];
    new JsonChannel<ToServer>(serverSide, { validate: isToServer, onInvalid: (e) => errors.push(e) }).onAny((m) => seen.push(m.type));
    client.send('{"type":"say","text":42}');
    client.send('{"type":"join","room":"r"}');
    await until(() => seen.length === 1);
    expect(errors.map((e) => [e.code, e.raw])).toEqual([['ERR_JSON_INVALID', '{"type":"say","text":42}']]);
    expect(seen).toEqual(['join']);
  });

  it('without an onInvalid handler, the first invalid message becomes one process warning', async () => {
    const { serverSide, client } = await connectedPair();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const seen: string[] = [];
      new JsonChannel<ToServer>(serverSide).onAny((m) => seen.push(m.type));
      client.send('garbage 1');
      client.send('garbage 2');
      client.send('{"type":"join","room":"r"}');
      await until(() => seen.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings.map((w) => (w as JsonMessageError).code)).toEqual(['ERR_JSON_SYNTAX']);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('dispose stops dispatching; the socket stays open', async () => {
    const { serverSide, client } = await connectedPair();
    const seen: string[] = [];
    const channel = new JsonChannel<ToServer>(serverSide).onAny((m) => seen.push(m.type));
    channel.dispose();
    const raw: string[] = [];
    serverSide.on('message', (data) => raw.push(String(data)));
    client.send('{"type":"join","room":"r"}');
    await until(() => raw.length === 1);
    expect(seen).toEqual([]);
    expect(serverSide.readyState).toBe(WebSocket.OPEN);
  });
});

describe('parseJsonMessage: any bytes give a value or an error, and objects survive the trip', () => {
  it('never throws on arbitrary bytes, text or binary', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, isBinary) => {
        const result = parseJsonMessage(Buffer.from(bytes), isBinary, true);
        expect(typeof result.ok).toBe('boolean');
      }),
    );
  });

  it('round-trips any JSON object with a string type, from a Buffer, fragments or an ArrayBuffer', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string().filter((k) => k !== 'type' && k !== '__proto__'), fc.jsonValue()), (type, rest) => {
        const value = { ...rest, type };
        const bytes = Buffer.from(JSON.stringify(value));
        const middle = bytes.length >> 1;
        for (const data of [bytes, [bytes.subarray(0, middle), bytes.subarray(middle)], new Uint8Array(bytes).buffer]) {
          const result = parseJsonMessage(data, false);
          if (!result.ok) throw result.error;
          expect(result.value).toEqual(JSON.parse(JSON.stringify(value)));
        }
      }),
    );
  });
});
