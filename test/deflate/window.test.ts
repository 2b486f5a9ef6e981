// Our compressor's LZ77 window: the negotiated *_max_window_bits is an upper bound for the sender
// (RFC 7692 §7.1.2.1, §7.1.2.2), so it may use less, and by default uses 13 bits to keep a kept
// context small. The inflater must always take the full negotiated window.
import type { ZlibOptions } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';
import type { DeflateParams, PerMessageDeflateOptions } from '../../src/handshake/permessage-deflate.js';
import { TAKEOVER, compress, decompressMessage, expectSameBytes } from './helpers.js';

const created = vi.hoisted((): { kind: string; windowBits: number | undefined }[] => []);

vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  return {
    ...zlib,
    createDeflateRaw(options: ZlibOptions) {
      created.push({ kind: 'deflate', windowBits: options.windowBits });
      return zlib.createDeflateRaw(options);
    },
    createInflateRaw(options: ZlibOptions) {
      created.push({ kind: 'inflate', windowBits: options.windowBits });
      return zlib.createInflateRaw(options);
    },
  };
});

async function windowsUsed(params: DeflateParams, serverOptions: PerMessageDeflateOptions) {
  created.length = 0;
  const server = new PerMessageDeflate(params, 'server', serverOptions);
  const client = new PerMessageDeflate(params, 'client', {});
  // Far-apart repeats, so a window larger than the compressor's would show in the output.
  const message = Buffer.from(Array.from({ length: 3000 }, (_, i) => `${(i * 7919) % 10007},`).join(''));
  expectSameBytes(await decompressMessage(client, [await compress(server, message)]), message);
  server.cleanup();
  client.cleanup();
  return created.map(({ kind, windowBits }) => [kind, windowBits]);
}

describe('RFC 7692 §7.1.2.1: server_max_window_bits bounds the window the server compresses with', () => {
  it('negotiated 15: the compressor uses 13 bits by default, the peer inflates with 15', async () => {
    expect(await windowsUsed(TAKEOVER, {})).toEqual([
      ['deflate', 13],
      ['inflate', 15],
    ]);
  });

  it('negotiated 10: the compressor stays within 10', async () => {
    expect(await windowsUsed({ ...TAKEOVER, serverMaxWindowBits: 10 }, {})).toEqual([
      ['deflate', 10],
      ['inflate', 10],
    ]);
  });

  it('zlibDeflateOptions.windowBits picks another window within the negotiated bound', async () => {
    expect(await windowsUsed(TAKEOVER, { zlibDeflateOptions: { windowBits: 15 } })).toEqual([
      ['deflate', 15],
      ['inflate', 15],
    ]);
    expect(await windowsUsed({ ...TAKEOVER, serverMaxWindowBits: 11 }, { zlibDeflateOptions: { windowBits: 15 } })).toEqual([
      ['deflate', 11],
      ['inflate', 11],
    ]);
  });
});
