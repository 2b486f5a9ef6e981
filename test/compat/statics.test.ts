// ws's CommonJS statics (require('ws').Sender, .Receiver, .PerMessageDeflate, .extension,
// .subprotocol): each behaviour is run on ws's and on ws6455's and the outcomes compared.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as ours from '../../src/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ws's statics have no published types
const ws: any = require('ws');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const mine: any = ours;

const tally = { compared: 0, differ: 0 };

/** What a call gives: its JSON, or the error class and message it threw. */
function outcome(action: () => unknown): string {
  try {
    const value = action();
    return value instanceof Set ? `Set ${JSON.stringify([...value])}` : JSON.stringify(value, (_key, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v));
  } catch (error) {
    return `throws ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/** One behaviour per input: the same call on ws's static and ours gives the same outcome. */
function sameFor<T>(title: string, inputs: T[], call: (api: typeof ws, input: T) => unknown): void {
  for (const input of inputs) {
    tally.compared++;
    it(`${title}: ${JSON.stringify(input)}`, () => {
      const reference = outcome(() => call(ws, input));
      expect(outcome(() => call(mine, input))).toBe(reference);
    });
  }
}

describe("require('ws6455') carries ws's statics", () => {
  it('in CommonJS, as properties of the WebSocket class', () => {
    const cjs = require('../../dist/cjs/index.cjs');
    for (const name of ['Sender', 'Receiver', 'PerMessageDeflate', 'extension', 'subprotocol']) {
      expect(typeof cjs[name], name).toBe(typeof ws[name]);
    }
    expect(typeof cjs.extension.parse).toBe('function');
    expect(typeof cjs.extension.format).toBe('function');
    expect(typeof cjs.subprotocol.parse).toBe('function');
    expect(typeof cjs.Sender.frame).toBe('function');
  });
});

describe('subprotocol.parse(header)', () => {
  sameFor('parse', ['a', 'a,b', 'a, b', 'a ,b', ' a', 'a,', ',a', 'a b', 'a,a', 'a\t, b', '', 'a;b', 'chat,  superchat  ,x'], (api, header: string) => api.subprotocol.parse(header));
});

describe('extension.parse(header)', () => {
  sameFor(
    'parse',
    [
      'permessage-deflate',
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits, permessage-deflate',
      'a; b=1; b=2, a; c="x", d',
      'a;b="1"',
      'a;b="\\x"',
      'a, b ;  c = 2',
      ' a',
      'a,',
      'a;',
      'a;b=',
      'a;b="x y"',
      'a b',
      'a;b c',
      'a,,b',
      'a;b="x',
      'a;;b',
      'a ',
      'a;b=1 ',
      'a;b="1" ;c',
      'a;b=""',
      'a=1',
      '',
    ],
    (api, header: string) => api.extension.parse(header),
  );
});

describe('extension.format(extensions)', () => {
  sameFor(
    'format',
    [
      { 'permessage-deflate': [{ client_max_window_bits: [true], server_max_window_bits: 10 }] },
      { foo: { a: [1, 2], b: true }, bar: [{}, { c: 'x' }] },
      { a: [{}] },
    ],
    (api, extensions: object) => api.extension.format(extensions),
  );
});

describe('Sender.frame(data, options)', () => {
  const key = Buffer.from([1, 2, 3, 4]);
  const cases: Array<{ data: string; size?: number; options: Record<string, unknown> }> = [
    { data: 'hello', options: { opcode: 1, fin: true } },
    { data: 'hello', options: { opcode: 1, fin: false, rsv1: true } },
    { data: '', options: { opcode: 9, fin: true } },
    { data: 'x', size: 126, options: { opcode: 2, fin: true } },
    { data: 'x', size: 70000, options: { opcode: 2, fin: true } },
    { data: 'hello', options: { opcode: 1, fin: true, mask: true, readOnly: false } },
    { data: 'hello', options: { opcode: 1, fin: true, mask: true, readOnly: true } },
    { data: '', options: { opcode: 8, fin: true, mask: true } },
    { data: 'zero key', options: { opcode: 1, fin: true, mask: true, zeroKey: true } },
  ];
  sameFor('frame', cases, (api, { data, size, options }) => {
    const payload = size === undefined ? Buffer.from(data) : Buffer.alloc(size, data);
    const generateMask = (mask: Buffer) => (options.zeroKey ? mask.fill(0) : key.copy(mask));
    const frames: Buffer[] = api.Sender.frame(payload, { ...options, maskBuffer: Buffer.alloc(4), generateMask });
    // The whole frame's bytes, how it is split, and whether the caller's payload was masked in place.
    return { parts: frames.length, bytes: Buffer.concat(frames).toString('hex').slice(0, 64), length: Buffer.concat(frames).length, payloadChanged: size === undefined && payload.toString() !== data };
  });
});

describe('new Receiver(options): a Writable emitting message, ping, pong, conclude, error', () => {
  /** Feeds `bytes` (split in two to cross a chunk boundary) and lists the events. */
  function feed(api: typeof ws, bytes: Buffer, options: object): string[] {
    const events: string[] = [];
    const receiver = new api.Receiver(options);
    for (const name of ['message', 'ping', 'pong', 'conclude']) {
      receiver.on(name, (...args: unknown[]) => events.push(`${name} ${args.map((arg) => (Buffer.isBuffer(arg) ? `<${arg.toString()}>` : Array.isArray(arg) ? `[${arg.length}]` : arg instanceof ArrayBuffer ? `ab${arg.byteLength}` : String(arg))).join(' ')}`));
    }
    receiver.on('error', (error: Error & { code?: string }) => events.push(`error ${error.constructor.name} ${error.code} ${error.message}`));
    receiver.write(bytes.subarray(0, 3));
    receiver.write(bytes.subarray(3));
    events.push(`writable ${receiver.writable} destroyed ${receiver.destroyed}`);
    return events;
  }
  const frames: Array<[string, string, object]> = [
    ['text, binary, ping, pong, close', '8103616263' + '8201ff' + '890170' + '8a0171' + '880403e86279', {}],
    ['fragmented text with a ping inside', '010161' + '890170' + '800162', {}],
    ['binaryType arraybuffer and fragments', '820101' + '020102' + '800103', { binaryType: 'arraybuffer' }],
    ['an empty close', '8800', {}],
    ['reserved opcode', '830161', {}],
    ['invalid UTF-8', '8101ff', {}],
    ['over maxPayload', '820461626364', { maxPayload: 3 }],
    ['isServer: an unmasked frame', '810161', { isServer: true }],
    ['isServer: a masked frame', '818101020304' + '60', { isServer: true }],
    ['invalid close code', '880203ed', {}],
    ['bytes after close are ignored', '8800' + '810161', {}],
  ];
  for (const [title, hex, options] of frames) {
    tally.compared++;
    it(title, () => {
      const bytes = Buffer.from(hex, 'hex');
      // Copies: both parsers unmask in place.
      expect(feed(mine, Buffer.from(bytes), options)).toEqual(feed(ws, Buffer.from(bytes), options));
    });
  }
});

describe('PerMessageDeflate', () => {
  tally.compared += 4;
  it('extensionName and the client offer', () => {
    expect(mine.PerMessageDeflate.extensionName).toBe(ws.PerMessageDeflate.extensionName);
    for (const options of [{}, { serverNoContextTakeover: true, serverMaxWindowBits: 10 }, { clientMaxWindowBits: 9 }]) {
      expect(new mine.PerMessageDeflate({ ...options, isServer: false }).offer()).toEqual(new ws.PerMessageDeflate({ ...options, isServer: false }).offer());
    }
  });

  it('server accept() of a client offer, then a message compressed by one and inflated by the other', async () => {
    const offer = ws.extension.parse('permessage-deflate; client_max_window_bits')['permessage-deflate'];
    const theirs = new ws.PerMessageDeflate({ isServer: true });
    const ourServer = new mine.PerMessageDeflate({ isServer: true });
    expect(ourServer.accept(structuredClone(offer))).toEqual(theirs.accept(structuredClone(offer)));
    const client = new ws.PerMessageDeflate({ isServer: false });
    client.accept([{ client_max_window_bits: ['15'] }]);
    const message = Buffer.from('hello hello hello hello');
    const compressed: Buffer = await new Promise((resolve, reject) => client.compress(message, true, (error: Error | null, data: Buffer) => (error ? reject(error) : resolve(data))));
    const inflated: Buffer = await new Promise((resolve, reject) => ourServer.decompress(compressed, true, (error: Error | null, data?: Buffer) => (error ? reject(error) : resolve(data!))));
    expect(inflated.toString()).toBe(message.toString());
    for (const side of [theirs, ourServer, client]) side.cleanup();
  });

  it("binaryType 'fragments'", () => {
    // Deliberate (README "What differs"): small fragments of one message may arrive merged.
    const bytes = Buffer.from('020102' + '800103', 'hex');
    const got: Buffer[][] = [];
    for (const api of [mine, ws]) {
      const receiver = new api.Receiver({ binaryType: 'fragments' });
      receiver.on('message', (fragments: Buffer[]) => got.push(fragments));
      receiver.write(Buffer.from(bytes));
    }
    expect(got.map((fragments) => Buffer.concat(fragments).toString('hex'))).toEqual(['0203', '0203']);
    expect(got.map((fragments) => fragments.length)).toEqual([1, 2]);
  });

  it('an invalid window in the options throws', () => {
    expect(() => new mine.PerMessageDeflate({ serverMaxWindowBits: 20 })).toThrow(RangeError);
    // ws accepts it here and fails the negotiation later: the deliberate difference of option: perMessageDeflate.
    expect(() => new ws.PerMessageDeflate({ serverMaxWindowBits: 20 })).not.toThrow();
  });
});

describe('Sender and Receiver with permessage-deflate', () => {
  /** A negotiated pair: the client side of `api` and the server side of `other`. */
  function pair(clientApi: typeof ws, serverApi: typeof ws): { client: any; server: any } {
    const client = new clientApi.PerMessageDeflate({ isServer: false, threshold: 0 });
    const server = new serverApi.PerMessageDeflate({ isServer: true, threshold: 0 });
    const answer = server.accept(serverApi.extension.parse(clientApi.extension.format({ 'permessage-deflate': [client.offer()] }))['permessage-deflate']);
    client.accept(clientApi.extension.parse(serverApi.extension.format({ 'permessage-deflate': [answer] }))['permessage-deflate']);
    return { client, server };
  }

  /** Messages sent by `senderApi`'s Sender (client side, masked), read by `receiverApi`'s Receiver. */
  async function roundTrip(senderApi: typeof ws, receiverApi: typeof ws): Promise<string[]> {
    const { PassThrough } = await import('node:stream');
    const { client, server } = pair(senderApi, receiverApi);
    const wire = new PassThrough();
    const sender = new senderApi.Sender(wire, { 'permessage-deflate': client });
    const receiver = new receiverApi.Receiver({ isServer: true, extensions: { 'permessage-deflate': server } });
    const got: string[] = [];
    receiver.on('message', (data: Buffer, isBinary: boolean) => got.push(`${isBinary ? 'binary' : 'text'} ${data.toString()}`));
    receiver.on('error', (error: Error) => got.push(`error ${error.message}`));
    wire.on('data', (chunk: Buffer) => receiver.write(chunk));
    const bytes: Buffer[] = [];
    wire.on('data', (chunk: Buffer) => bytes.push(chunk));
    sender.send(Buffer.from('hello hello hello hello'), { binary: false, compress: true, fin: true, mask: true });
    sender.send(Buffer.from('plain'), { binary: true, compress: false, fin: true, mask: true });
    sender.send(Buffer.from('again again again'), { binary: true, compress: true, fin: true, mask: true });
    // Compression is asynchronous: wait for the three messages (or an error), not for a fixed time.
    for (let waited = 0; got.length < 3 && !got.some((line) => line.startsWith('error')) && waited < 5000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    client.cleanup();
    server.cleanup();
    return [...got, `rsv1 ${rsv1Bits(Buffer.concat(bytes)).join(',')}`];
  }

  /** RSV1 of each (masked, short) frame on the wire: which messages went compressed. */
  function rsv1Bits(wire: Buffer): boolean[] {
    const bits: boolean[] = [];
    for (let at = 0; at < wire.length; at += 6 + (wire[at + 1]! & 0x7f)) bits.push((wire[at]! & 0x40) !== 0);
    return bits;
  }

  tally.compared += 2;
  it("ws6455's Sender and ws's Receiver", async () => {
    expect(await roundTrip(mine, ws)).toEqual(await roundTrip(ws, ws));
  });
  it("ws's Sender and ws6455's Receiver", async () => {
    expect(await roundTrip(ws, mine)).toEqual(await roundTrip(ws, ws));
  });
});

it('reports the count', () => {
  console.log(`statics: ${tally.compared} behaviours compared, 2 differ (deliberately: invalid window options throw at construction; small fragments merged with binaryType 'fragments')`);
  expect(tally.compared).toBeGreaterThan(50);
});
