// Small messages run synchronously on the zlib context they share with the pool path (context
// takeover kept). These tests pin which path a job takes (by counting limiter slots) and the
// RFC 7692 behaviour on the synchronous one, on contexts that have already carried a message.
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';
import { sharedZlibLimiter } from '../../src/transport/zlib-job-limiter.js';
import { NO_TAKEOVER, TAKEOVER, codecPair, compress, decompressFrame, decompressMessage, expectSameBytes, limitTo } from './helpers.js';

const MiB = 1024 * 1024;
// A limit no other test file uses, so the slots counted here are this file's alone.
const LIMIT = 7;
const options = { concurrencyLimit: LIMIT };
const bytes = (...values: number[]) => Buffer.from(values);
const helloFinal = bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
const helloOpen = bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);

function jsonMessage(seed: number, size = 1024): Buffer {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: seed * 100 + i, user: `user-${(i * 7919 + seed) % 1000}`, ok: i % 2 === 0 }));
  return Buffer.from(JSON.stringify(items).slice(0, size));
}

/** Counts jobs that go through the limiter, i.e. onto the thread pool. */
function countPoolJobs() {
  return vi.spyOn(sharedZlibLimiter(LIMIT), 'run');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('small messages skip the thread pool (synchronous zlib on the kept context)', () => {
  it('compress and decompress five 1 KiB messages with no pool job', async () => {
    const { server, client } = codecPair(TAKEOVER, options);
    const poolJobs = countPoolJobs();
    for (let i = 0; i < 5; i++) {
      const message = jsonMessage(i);
      expectSameBytes(await decompressMessage(client, [await compress(server, message)]), message);
    }
    expect(poolJobs).not.toHaveBeenCalled();
    server.cleanup();
    client.cleanup();
  });

  it('a message over 16 KiB still goes to the pool', async () => {
    const { server, client } = codecPair(TAKEOVER, options);
    await decompressMessage(client, [await compress(server, jsonMessage(0))]);
    const poolJobs = countPoolJobs();
    const large = Buffer.concat(Array.from({ length: 40 }, (_, i) => jsonMessage(i)));
    expect(large.length).toBeGreaterThan(16 * 1024);
    const wire = await compress(server, large);
    expect(poolJobs).toHaveBeenCalledTimes(1);
    expectSameBytes(await decompressMessage(client, [wire]), large); // the compressed frame is small: synchronous
    expect(poolJobs).toHaveBeenCalledTimes(1);
    server.cleanup();
    client.cleanup();
  });

  it('without context takeover too (a fresh context per message)', async () => {
    const { server, client } = codecPair(NO_TAKEOVER, options);
    const poolJobs = countPoolJobs();
    for (let i = 0; i < 3; i++) {
      const message = jsonMessage(i);
      expectSameBytes(await decompressMessage(client, [await compress(server, message)]), message);
    }
    expect(poolJobs).not.toHaveBeenCalled();
    server.cleanup();
    client.cleanup();
  });
});

describe('callbacks stay asynchronous and in call order when the two paths mix', () => {
  it('small, large, small, small: called back in that order, never inside the call', async () => {
    const { server, client } = codecPair(TAKEOVER, options);
    await decompressMessage(client, [await compress(server, jsonMessage(0))]);
    const messages = [jsonMessage(1), Buffer.alloc(100_000, 'y'), jsonMessage(2), jsonMessage(3)];
    const order: number[] = [];
    const outputs: Buffer[] = [];
    let returned = false;
    const settled = messages.map(
      (message, i) =>
        new Promise<void>((resolve, reject) => {
          server.compress(message, (error, result) => {
            if (error || !returned) reject(error ?? new Error('called back inside compress()'));
            order.push(i);
            outputs[i] = result!;
            resolve();
          });
        }),
    );
    returned = true;
    await Promise.all(settled);
    expect(order).toEqual([0, 1, 2, 3]);
    for (const [i, message] of messages.entries()) expectSameBytes(await decompressMessage(client, [outputs[i]!]), message);
    server.cleanup();
    client.cleanup();
  });

  it('decompress: a synchronous job calls neither onChunk nor its callback inside the call', async () => {
    const { server, client } = codecPair(TAKEOVER, options);
    await decompressMessage(client, [await compress(server, jsonMessage(0))]);
    const wire = await compress(server, jsonMessage(1));
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      client.decompress(
        wire,
        true,
        () => {
          events.push('chunk');
          return true;
        },
        () => {
          events.push('callback');
          resolve();
        },
      );
    });
    events.push('returned');
    await done;
    expect(events).toEqual(['returned', 'chunk', 'callback']);
    server.cleanup();
    client.cleanup();
  });
});

describe('RFC 7692 §7.2.3.6: an empty message on a warm context is 00', () => {
  it('compresses to the single byte 00 and inflates back to nothing', async () => {
    const { server, client } = codecPair(TAKEOVER, options);
    await decompressMessage(client, [await compress(server, jsonMessage(0))]);
    const wire = await compress(server, Buffer.alloc(0));
    expect(wire).toEqual(bytes(0x00));
    expect(await decompressMessage(client, [wire])).toEqual(Buffer.alloc(0));
    // The contexts still agree afterwards.
    const next = jsonMessage(1);
    expectSameBytes(await decompressMessage(client, [await compress(server, next)]), next);
    server.cleanup();
    client.cleanup();
  });
});

describe('RFC 7692 §7.2.3.4: BFINAL on a warm context', () => {
  it('inflates a final block and starts the next message on a fresh context', async () => {
    const codec = new PerMessageDeflate(TAKEOVER, 'client', options);
    expect((await decompressMessage(codec, [helloOpen])).toString()).toBe('Hello');
    expect((await decompressMessage(codec, [helloFinal])).toString()).toBe('Hello');
    expect((await decompressMessage(codec, [helloFinal])).toString()).toBe('Hello');
    expect((await decompressMessage(codec, [helloOpen])).toString()).toBe('Hello');
    codec.cleanup();
  });
});

describe('undecodable data on a warm context fails with 1007', () => {
  it('reports Z_DATA_ERROR with closeCode 1007, and fails later frames too', async () => {
    const codec = new PerMessageDeflate(TAKEOVER, 'client', options);
    await decompressMessage(codec, [helloOpen]);
    // BTYPE 11 is reserved in DEFLATE (RFC 1951 §3.2.3).
    const first = await decompressFrame(codec, bytes(0xff, 0xff, 0xff), true);
    const second = await decompressFrame(codec, helloOpen, true);
    expect(first.error).toMatchObject({ closeCode: 1007, code: 'Z_DATA_ERROR' });
    expect(second.error).toBe(first.error);
    codec.cleanup();
  });
});

describe('a deflate bomb in a small frame', () => {
  // 8 MiB of zeros deflate to about 8 KiB: small enough for the synchronous path.
  const bomb = deflateRawSync(Buffer.alloc(8 * MiB));

  it('hands the rest of the frame to the pool after 256 KiB, and inflates all of it', async () => {
    expect(bomb.length).toBeLessThan(16 * 1024);
    const codec = new PerMessageDeflate(TAKEOVER, 'server', options);
    await decompressMessage(codec, [helloOpen]);
    const poolJobs = countPoolJobs();
    let inflated = 0;
    let nonZero = 0;
    const { error } = await decompressFrame(codec, bomb, true, (chunk) => {
      inflated += chunk.length;
      for (const byte of chunk) nonZero += byte === 0 ? 0 : 1;
      return true;
    });
    expect(error).toBeNull();
    expect([inflated, nonZero]).toEqual([8 * MiB, 0]);
    expect(poolJobs).toHaveBeenCalledTimes(1);
    codec.cleanup();
  });

  it('stops when the chunk handler refuses and hands out no more than its limit', async () => {
    const codec = new PerMessageDeflate(TAKEOVER, 'server', options);
    await decompressMessage(codec, [helloOpen]);
    const limit = limitTo(200 * 1024);
    const { error } = await decompressFrame(codec, bomb, true, limit);
    expect(error).toMatchObject({ code: 'WS_ERR_DECOMPRESSION_ABORTED' });
    expect(limit.handed).toBeLessThanOrEqual(200 * 1024);
    codec.cleanup();
  });
});
