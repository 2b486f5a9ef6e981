// Interop with the permessage-deflate of the ws package and with plain zlib: negotiation headers
// produced by one side are accepted by the other, and each side inflates what the other deflates.
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseExtensions } from '../../src/handshake/extensions.js';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';
import { acceptServerResponse, buildClientOffer, negotiateServer, type DeflateParams, type PerMessageDeflateOptions } from '../../src/handshake/permessage-deflate.js';
import { TRAILER, compress, decompressMessage, expectSameBytes } from './helpers.js';

type WsParams = Record<string, string | number | boolean>;
interface WsPerMessageDeflate {
  offer(): WsParams;
  accept(configurations: WsParams[]): WsParams;
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}

const require = createRequire(import.meta.url);
// ws's package "exports" hides lib/, so load its files by path.
const wsLib = join(dirname(require.resolve('ws')), 'lib');
const WsPerMessageDeflate = require(join(wsLib, 'permessage-deflate.js')) as new (options: object) => WsPerMessageDeflate;
const wsExtension = require(join(wsLib, 'extension.js')) as {
  parse(header: string): Record<string, WsParams[]>;
  format(extensions: Record<string, WsParams[]>): string;
};

function wsCall(method: (data: Buffer, fin: boolean, cb: (e: Error | null, r?: Buffer) => void) => void, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => method(data, true, (error, result) => (error ? reject(error) : resolve(result!))));
}

function parse(header: string) {
  const offers = parseExtensions(header);
  if (offers === null) throw new Error(`unparseable header: ${header}`);
  return offers;
}

/** ws as the client, us as the server; returns both ends after a real header exchange. */
function wsClientOurServer(options: PerMessageDeflateOptions) {
  const ws = new WsPerMessageDeflate({ ...options });
  const offer = wsExtension.format({ 'permessage-deflate': [ws.offer()] });
  const negotiated = negotiateServer(parse(offer), options);
  if (negotiated === null || 'error' in negotiated) throw new Error(`we declined ws's offer ${offer}: ${JSON.stringify(negotiated)}`);
  ws.accept(wsExtension.parse(negotiated.response)['permessage-deflate']!);
  return { ws, ours: new PerMessageDeflate(negotiated.params, 'server', options), params: negotiated.params, offer, response: negotiated.response };
}

/** Us as the client, ws as the server. */
function ourClientWsServer(options: PerMessageDeflateOptions) {
  const ws = new WsPerMessageDeflate({ ...options, isServer: true });
  const offer = buildClientOffer(options);
  const accepted = ws.accept(wsExtension.parse(offer)['permessage-deflate']!);
  const response = wsExtension.format({ 'permessage-deflate': [accepted] });
  const result = acceptServerResponse(parse(response), options);
  if ('error' in result) throw new Error(`we rejected ws's response ${response}: ${result.error}`);
  return { ws, ours: new PerMessageDeflate(result.params, 'client', options), params: result.params, offer, response };
}

const optionSets: [string, PerMessageDeflateOptions][] = [
  ['defaults', {}],
  ['no context takeover both ways', { serverNoContextTakeover: true, clientNoContextTakeover: true }],
  ['small windows', { serverMaxWindowBits: 10, clientMaxWindowBits: 9 }],
  ['the 8-bit window zlib cannot do', { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }],
  ['everything', { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 11 }],
];

const messages = [
  Buffer.from('Hello'),
  Buffer.alloc(0),
  Buffer.from(JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: `user-${i}`, active: i % 3 === 0 })))),
  Buffer.from(JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: `user-${i}`, active: i % 3 === 0 })))),
  Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 2654435761) & 0xff)),
];

describe.each(optionSets)('ws client ↔ our server: %s', (_label, options) => {
  it('agrees on parameters and exchanges messages both ways across one context', async () => {
    const { ws, ours, params } = wsClientOurServer(options);
    expect(params).toEqual(expectedParams(options));
    for (const message of messages) {
      expectSameBytes(await wsCall(ws.decompress.bind(ws), await compress(ours, message)), message);
      expectSameBytes(await decompressMessage(ours, [await wsCall(ws.compress.bind(ws), message)]), message);
    }
    ws.cleanup();
    ours.cleanup();
  });
});

describe.each(optionSets)('our client ↔ ws server: %s', (_label, options) => {
  it('agrees on parameters and exchanges messages both ways across one context', async () => {
    const { ws, ours, params } = ourClientWsServer(options);
    expect(params).toEqual(expectedParams(options));
    for (const message of messages) {
      expectSameBytes(await wsCall(ws.decompress.bind(ws), await compress(ours, message)), message);
      expectSameBytes(await decompressMessage(ours, [await wsCall(ws.compress.bind(ws), message)]), message);
    }
    ws.cleanup();
    ours.cleanup();
  });
});

/** Both implementations, given the same options on both ends, agree on these. */
function expectedParams(options: PerMessageDeflateOptions): DeflateParams {
  return {
    serverNoContextTakeover: options.serverNoContextTakeover === true,
    clientNoContextTakeover: options.clientNoContextTakeover === true,
    serverMaxWindowBits: options.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : 15,
  };
}

describe('arbitrary messages cross between ws and us', () => {
  it('round-trips through ws in both directions', async () => {
    const { ws, ours } = ourClientWsServer({});
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        const message = Buffer.from(bytes);
        expectSameBytes(await wsCall(ws.decompress.bind(ws), await compress(ours, message)), message);
        expectSameBytes(await decompressMessage(ours, [await wsCall(ws.compress.bind(ws), message)]), message);
      }),
      { numRuns: 80 },
    );
    ws.cleanup();
    ours.cleanup();
  });
});

describe('plain zlib reads what we write and we read what it writes', () => {
  it.each([8, 9, 12, 15])('window bits %i', async (bits) => {
    const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: bits, clientMaxWindowBits: bits };
    const server = new PerMessageDeflate(params, 'server', {});
    const message = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(500));
    const out = await compress(server, message);
    expectSameBytes(inflateRawSync(Buffer.concat([out, TRAILER]), { windowBits: Math.max(bits, 9), finishFlush: constants.Z_SYNC_FLUSH }), message);
    const theirs = deflateRawSync(message, { windowBits: Math.max(bits, 9) });
    expectSameBytes(await decompressMessage(server, [theirs]), message);
    server.cleanup();
  });
});
