// zlib contexts are the per-connection cost of permessage-deflate at scale (a deflate context at
// the default memLevel is a few hundred KiB of native memory). These tests watch every zlib
// stream the codec creates: none until a direction is used, closed after each message in a
// direction without context takeover, all closed by cleanup.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Transform } from 'node:stream';
import type { ZlibOptions } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';
import { NO_TAKEOVER, TAKEOVER, compress, decompressMessage } from './helpers.js';

interface CreatedStream {
  kind: 'deflate' | 'inflate';
  options: ZlibOptions;
  stream: Transform;
}

const created = vi.hoisted((): CreatedStream[] => []);

vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  return {
    ...zlib,
    createDeflateRaw(options: ZlibOptions) {
      const stream = zlib.createDeflateRaw(options);
      created.push({ kind: 'deflate', options, stream });
      return stream;
    },
    createInflateRaw(options: ZlibOptions) {
      const stream = zlib.createInflateRaw(options);
      created.push({ kind: 'inflate', options, stream });
      return stream;
    },
  };
});

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const openStreams = () => created.filter(({ stream }) => !stream.destroyed);

describe('contexts are created lazily', () => {
  it('1,000 idle instances create no zlib stream and cost well under 1 KiB of heap each', () => {
    created.length = 0;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const idle = Array.from({ length: 1000 }, (_, i) => new PerMessageDeflate(TAKEOVER, i % 2 ? 'server' : 'client', {}));
    collectGarbage();
    const perInstance = (process.memoryUsage().heapUsed - before) / idle.length;
    console.info(`[deflate memory] idle PerMessageDeflate: ${perInstance.toFixed(0)} bytes of heap each`);
    expect(created).toEqual([]);
    expect(perInstance).toBeLessThan(1024);
    for (const codec of idle) codec.cleanup();
  });

  it('creates only the direction that is used', async () => {
    created.length = 0;
    const codec = new PerMessageDeflate(TAKEOVER, 'server', {});
    await compress(codec, Buffer.from('only outgoing'));
    expect(created.map(({ kind }) => kind)).toEqual(['deflate']);
    codec.cleanup();
  });
});

describe('context takeover keeps one context per direction; no_context_takeover keeps none', () => {
  it('with takeover: one deflate and one inflate, reused for every message', async () => {
    created.length = 0;
    const server = new PerMessageDeflate(TAKEOVER, 'server', {});
    const client = new PerMessageDeflate(TAKEOVER, 'client', {});
    for (let i = 0; i < 5; i++) await decompressMessage(client, [await compress(server, Buffer.from(`message ${i}`))]);
    expect(created.map(({ kind }) => kind)).toEqual(['deflate', 'inflate']);
    expect(openStreams()).toHaveLength(2);
    server.cleanup();
    client.cleanup();
    expect(openStreams()).toEqual([]);
  });

  it('without takeover: every context is closed as soon as its message is done', async () => {
    created.length = 0;
    const server = new PerMessageDeflate(NO_TAKEOVER, 'server', {});
    const client = new PerMessageDeflate(NO_TAKEOVER, 'client', {});
    for (let i = 0; i < 5; i++) {
      await decompressMessage(client, [await compress(server, Buffer.from(`message ${i}`))]);
      expect(openStreams()).toEqual([]);
    }
    expect(created).toHaveLength(10);
    server.cleanup();
    client.cleanup();
  });

  it('each direction follows its own parameter', async () => {
    created.length = 0;
    // The server may not take over context; the client may.
    const params = { ...TAKEOVER, serverNoContextTakeover: true };
    const server = new PerMessageDeflate(params, 'server', {});
    const client = new PerMessageDeflate(params, 'client', {});
    await decompressMessage(client, [await compress(server, Buffer.from('down'))]);
    await decompressMessage(server, [await compress(client, Buffer.from('up'))]);
    expect(openStreams().map(({ kind }) => kind).sort()).toEqual(['deflate', 'inflate']); // the client's deflate, the server's inflate
    server.cleanup();
    client.cleanup();
  });
});

describe('window bits reach zlib', () => {
  it('uses our direction’s window for deflate and the peer’s for inflate, raising 8 to 9', async () => {
    created.length = 0;
    const params = { ...TAKEOVER, serverMaxWindowBits: 8, clientMaxWindowBits: 11 };
    const server = new PerMessageDeflate(params, 'server', { zlibDeflateOptions: { level: 3, windowBits: 15 } });
    const client = new PerMessageDeflate(params, 'client', {});
    await decompressMessage(client, [await compress(server, Buffer.from('down'))]);
    await decompressMessage(server, [await compress(client, Buffer.from('up'))]);
    const seen = created.map(({ kind, options }) => [kind, options.windowBits, options.level]);
    expect(seen).toEqual([
      ['deflate', 9, 3], // server compresses with server_max_window_bits 8 → 9; the option's windowBits is overridden
      ['inflate', 9, undefined], // client inflates the server's 8 → 9
      ['deflate', 11, undefined], // client compresses with client_max_window_bits
      ['inflate', 11, undefined], // server inflates the client's
    ]);
    server.cleanup();
    client.cleanup();
  });
});
