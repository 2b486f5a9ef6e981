import fc from 'fast-check';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PerMessageDeflate } from '../../src/transport/deflate-codec.js';
import { sharedZlibLimiter } from '../../src/transport/zlib-job-limiter.js';
import {
  NO_TAKEOVER,
  TAKEOVER,
  TRAILER,
  codecPair,
  compress,
  decompressFrame,
  decompressMessage,
  expectSameBytes,
  limitTo,
  splitAt,
} from './helpers.js';

const MiB = 1024 * 1024;
const hello = Buffer.from('Hello');
const bytes = (...values: number[]) => Buffer.from(values);

describe('RFC 7692 §7.2.1: compressing strips the 00 00 FF FF of the sync flush', () => {
  it('compresses "Hello" to the bytes of §7.2.3.1', async () => {
    const { server } = codecPair(TAKEOVER);
    expect(await compress(server, hello)).toEqual(bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00));
    server.cleanup();
  });

  it('compresses a second "Hello" against the kept window, as in §7.2.3.2', async () => {
    const { server } = codecPair(TAKEOVER);
    await compress(server, hello);
    expect(await compress(server, hello)).toEqual(bytes(0xf2, 0x00, 0x11, 0x00, 0x00));
    server.cleanup();
  });

  it('compresses an empty message to the single byte 00 (§7.2.3.6)', async () => {
    const { client } = codecPair(TAKEOVER);
    expect(await compress(client, Buffer.alloc(0))).toEqual(bytes(0x00));
    client.cleanup();
  });

  it('produces output that zlib inflates once the trailer is appended', async () => {
    const { server } = codecPair(TAKEOVER);
    const message = Buffer.from('a fairly compressible message, '.repeat(200));
    const out = await compress(server, message);
    expect(out.length).toBeLessThan(message.length / 10);
    expectSameBytes(inflateRawSync(Buffer.concat([out, TRAILER]), { finishFlush: constants.Z_SYNC_FLUSH }), message);
    server.cleanup();
  });
});

describe('RFC 7692 §7.2.2: decompressing appends 00 00 FF FF to the last frame', () => {
  it('inflates the "Hello" of §7.2.3.1', async () => {
    const { client } = codecPair(TAKEOVER);
    expect((await decompressMessage(client, [bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)])).toString()).toBe('Hello');
    client.cleanup();
  });

  it('inflates the second "Hello" of §7.2.3.2, which refers back into the first message', async () => {
    const { client } = codecPair(TAKEOVER);
    await decompressMessage(client, [bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)]);
    expect((await decompressMessage(client, [bytes(0xf2, 0x00, 0x11, 0x00, 0x00)])).toString()).toBe('Hello');
    client.cleanup();
  });

  it('inflates the compressed message split over two frames, as in §7.2.3.1', async () => {
    const { client } = codecPair(TAKEOVER);
    const frames = [bytes(0xf2, 0x48, 0xcd), bytes(0xc9, 0xc9, 0x07, 0x00)];
    expect((await decompressMessage(client, frames)).toString()).toBe('Hello');
    client.cleanup();
  });

  it('inflates a stored (uncompressed) DEFLATE block (§7.2.3.3)', async () => {
    const { client } = codecPair(TAKEOVER);
    const frame = bytes(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00);
    expect((await decompressMessage(client, [frame])).toString()).toBe('Hello');
    client.cleanup();
  });

  it('inflates a block with BFINAL set (§7.2.3.4), and the next message with a fresh context', async () => {
    const { client } = codecPair(TAKEOVER);
    const final = bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00);
    expect((await decompressMessage(client, [final])).toString()).toBe('Hello');
    expect((await decompressMessage(client, [final])).toString()).toBe('Hello');
    expect((await decompressMessage(client, [bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)])).toString()).toBe('Hello');
    client.cleanup();
  });

  it('inflates the empty message 00 (§7.2.3.6)', async () => {
    const { server } = codecPair(TAKEOVER);
    expect(await decompressMessage(server, [bytes(0x00)])).toEqual(Buffer.alloc(0));
    server.cleanup();
  });
});

describe('compress → decompress round trips', () => {
  const message = fc.oneof(
    fc.uint8Array({ maxLength: 4096 }),
    fc.string({ maxLength: 2000 }).map((text) => new TextEncoder().encode(text.repeat(3))),
  );
  const params = fc.constantFrom(TAKEOVER, NO_TAKEOVER, { ...TAKEOVER, serverMaxWindowBits: 8, clientMaxWindowBits: 9 });

  it('a sequence of messages through one pair of contexts, in any frame split', async () => {
    await fc.assert(
      fc.asyncProperty(params, fc.array(fc.tuple(message, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 })), { minLength: 1, maxLength: 6 }), async (agreed, messages) => {
        const { server, client } = codecPair(agreed);
        for (const [bytesIn, cuts] of messages) {
          const data = Buffer.from(bytesIn);
          const wire = await compress(server, data);
          expectSameBytes(await decompressMessage(client, splitAt(wire, cuts)), data);
          const back = await compress(client, data);
          expectSameBytes(await decompressMessage(server, [back]), data);
        }
        server.cleanup();
        client.cleanup();
      }),
      { numRuns: 60 },
    );
  });

  it('context takeover makes a repeated message cheap; no_context_takeover does not', async () => {
    const data = Buffer.from(JSON.stringify({ user: 'someone', items: Array.from({ length: 40 }, (_, i) => `item-${i * 7919}`) }));
    const sizes = async (agreed: typeof TAKEOVER) => {
      const { server } = codecPair(agreed);
      const first = await compress(server, data);
      const second = await compress(server, data);
      server.cleanup();
      return [first.length, second.length];
    };
    const [takeoverFirst, takeoverSecond] = await sizes(TAKEOVER);
    const [plainFirst, plainSecond] = await sizes(NO_TAKEOVER);
    expect(takeoverSecond).toBeLessThan(takeoverFirst / 5);
    expect(plainSecond).toBe(plainFirst);
  });

  it('a message too large for one zlib output chunk (1 MiB of text)', async () => {
    const { server, client } = codecPair(TAKEOVER);
    const data = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `line ${i}\n`).join(''));
    const wire = await compress(server, data);
    const { chunks, error } = await decompressFrame(client, wire, true);
    expect(error).toBeNull();
    expect(chunks.length).toBeGreaterThan(1);
    expectSameBytes(Buffer.concat(chunks), data);
    server.cleanup();
    client.cleanup();
  });
});

describe('inflated bytes are handed out frame by frame, as they come', () => {
  it('hands each frame’s output to onChunk before that frame’s callback', async () => {
    const { server, client } = codecPair(TAKEOVER);
    const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i},`).join(''));
    const wire = await compress(server, data);
    const frames = splitAt(wire, [0.25, 0.5, 0.75]);
    const perFrame: number[] = [];
    for (let i = 0; i < frames.length; i++) {
      const { chunks, error } = await decompressFrame(client, frames[i]!, i === frames.length - 1);
      expect(error).toBeNull();
      perFrame.push(Buffer.concat(chunks).length);
    }
    expect(perFrame.filter((length) => length > 0).length).toBeGreaterThanOrEqual(3);
    expect(perFrame.reduce((a, b) => a + b)).toBe(data.length);
    server.cleanup();
    client.cleanup();
  });
});

describe('a deflate bomb stops as soon as the chunk handler (the core\'s size limit) refuses', () => {
  const bomb = deflateRawSync(Buffer.alloc(100 * MiB), { level: 9 });

  it('stops a 100 MiB bomb at a 1 MiB limit and hands out nothing after the refusal', async () => {
    expect(bomb.length).toBeLessThan(200 * 1024);
    const codec = new PerMessageDeflate(TAKEOVER, 'server', {});
    const limit = limitTo(MiB);
    let calls = 0;
    let refused = false;
    let chunksAfterRefusal = 0;
    const started = performance.now();
    const { error } = await decompressFrame(codec, bomb, true, (chunk) => {
      calls++;
      if (refused) chunksAfterRefusal++;
      refused = !limit(chunk);
      return !refused;
    });
    expect(error).toMatchObject({ code: 'WS_ERR_DECOMPRESSION_ABORTED' });
    expect(limit.handed).toBeLessThanOrEqual(MiB);
    expect(limit.handed).toBeGreaterThan(MiB - 64 * 1024);
    // Stopped early: inflating all 100 MiB would take far longer than inflating 1 MiB.
    expect(performance.now() - started).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(chunksAfterRefusal).toBe(0);
    expect(calls).toBeGreaterThan(0);
    codec.cleanup();
  });

  it('stops in a later frame of the same message', async () => {
    const { server, client } = codecPair(TAKEOVER, {});
    const wire = await compress(server, Buffer.alloc(150_000, 'x'));
    const frames = splitAt(wire, [0.5]);
    const limit = limitTo(100_000);
    const first = await decompressFrame(client, frames[0]!, false, limit);
    const second = await decompressFrame(client, frames[1]!, true, limit);
    expect([first.error, second.error?.code]).toEqual([null, 'WS_ERR_DECOMPRESSION_ABORTED']);
    expect(limit.handed).toBeLessThanOrEqual(100_000);
    server.cleanup();
  });

  it('fails every later message too, since the shared context is gone', async () => {
    const codec = new PerMessageDeflate(TAKEOVER, 'client', {});
    const first = await decompressFrame(codec, deflateRawSync(Buffer.alloc(5000)), true, limitTo(1000));
    const second = await decompressFrame(codec, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true);
    expect([first.error?.code, second.error?.code]).toEqual(['WS_ERR_DECOMPRESSION_ABORTED', 'WS_ERR_DECOMPRESSION_ABORTED']);
    expect(second.chunks).toEqual([]);
    codec.cleanup();
  });
});

describe('undecodable data fails with 1007', () => {
  it('reports a corrupt block with closeCode 1007 and zlib’s error code', async () => {
    const { client } = codecPair(TAKEOVER);
    // BTYPE 11 is reserved in DEFLATE (RFC 1951 §3.2.3).
    const { error } = await decompressFrame(client, bytes(0xff, 0xff, 0xff), true);
    expect(error).toMatchObject({ closeCode: 1007, code: 'Z_DATA_ERROR' });
    client.cleanup();
  });

  it('reports a back-reference into a message the context does not hold (no_context_takeover)', async () => {
    const { client } = codecPair(NO_TAKEOVER);
    await decompressMessage(client, [bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)]);
    // The second "Hello" of §7.2.3.2 refers to the first; a fresh context cannot resolve it.
    const { error, chunks } = await decompressFrame(client, bytes(0xf2, 0x00, 0x11, 0x00, 0x00), true);
    expect(error).toMatchObject({ closeCode: 1007, code: 'Z_DATA_ERROR' });
    expect(chunks).toEqual([]);
    client.cleanup();
  });
});

describe('the chunk handler can stop decompression', () => {
  it('stops handing out chunks and reports WS_ERR_DECOMPRESSION_ABORTED', async () => {
    const { server, client } = codecPair(TAKEOVER);
    const wire = await compress(server, Buffer.from(Array.from({ length: 50_000 }, (_, i) => `${i};`).join('')));
    let calls = 0;
    const { error } = await decompressFrame(client, wire, true, () => ++calls < 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(2);
    expect(error).toMatchObject({ code: 'WS_ERR_DECOMPRESSION_ABORTED' });
    expect(error?.closeCode).toBeUndefined();
    server.cleanup();
    client.cleanup();
  });
});

describe('callbacks fire once each, in call order', () => {
  it('compress callbacks follow call order even with many calls queued', async () => {
    const { server, client } = codecPair(TAKEOVER, { concurrencyLimit: 2 });
    const order: number[] = [];
    const messages = Array.from({ length: 30 }, (_, i) => Buffer.from(`message ${i} `.repeat(i * 50)));
    const results = await Promise.all(
      messages.map(
        (data, i) =>
          new Promise<Buffer>((resolve, reject) =>
            server.compress(data, (error, out) => {
              order.push(i);
              if (error) reject(error);
              else resolve(out!);
            }),
          ),
      ),
    );
    expect(order).toEqual(messages.map((_, i) => i));
    for (let i = 0; i < messages.length; i++) expectSameBytes(await decompressMessage(client, [results[i]!]), messages[i]!);
    server.cleanup();
    client.cleanup();
  });

  it('decompress callbacks follow call order, and every output belongs to its frame', async () => {
    const { server, client } = codecPair(TAKEOVER);
    const messages = Array.from({ length: 10 }, (_, i) => Buffer.from(`${i}`.repeat(1000 + i)));
    const wires: Buffer[] = [];
    for (const data of messages) wires.push(await compress(server, data));
    const order: number[] = [];
    const outputs = messages.map(() => [] as Buffer[]);
    await Promise.all(
      wires.map(
        (wire, i) =>
          new Promise<void>((resolve) =>
            client.decompress(wire, true, (chunk) => outputs[i]!.push(chunk) > 0, () => {
              order.push(i);
              resolve();
            }),
          ),
      ),
    );
    expect(order).toEqual(messages.map((_, i) => i));
    outputs.forEach((chunks, i) => expectSameBytes(Buffer.concat(chunks), messages[i]!));
    server.cleanup();
    client.cleanup();
  });

  it('fires callbacks asynchronously, never inside the call', () => {
    const { server } = codecPair(TAKEOVER);
    let called = false;
    server.compress(hello, () => (called = true));
    expect(called).toBe(false);
    server.cleanup();
  });
});

describe('the shared limiter bounds zlib jobs across instances', () => {
  it('never runs more than concurrencyLimit jobs at once', async () => {
    const limit = 3;
    const limiter = sharedZlibLimiter(limit);
    const pairs = Array.from({ length: 12 }, () => codecPair(TAKEOVER, { concurrencyLimit: limit }));
    let peak = 0;
    const data = Buffer.from('x'.repeat(50_000));
    const wires = await Promise.all(
      pairs.map(({ server }) => {
        peak = Math.max(peak, limiter.active);
        return compress(server, data);
      }),
    );
    await Promise.all(
      pairs.map(({ client }, i) =>
        decompressFrame(client, wires[i]!, true, () => {
          peak = Math.max(peak, limiter.active);
          return true;
        }),
      ),
    );
    expect(peak).toBe(limit);
    expect(limiter.active).toBe(0);
    expect(limiter.pending).toBe(0);
    for (const { server, client } of pairs) {
      server.cleanup();
      client.cleanup();
    }
  });
});

describe('cleanup releases everything and never throws', () => {
  it('fails queued and running jobs with WS_ERR_DEFLATE_CLOSED on the next tick', async () => {
    const limit = 1;
    const limiter = sharedZlibLimiter(limit);
    const { server, client } = codecPair(TAKEOVER, { concurrencyLimit: limit });
    const errors: (string | undefined)[] = [];
    const record = (error: (Error & { code?: string }) | null) => errors.push(error?.code);
    server.compress(Buffer.alloc(100_000, 'a'), record);
    server.compress(Buffer.alloc(100_000, 'b'), record);
    client.decompress(bytes(0xf2, 0x48), false, () => true, record);
    expect(() => server.cleanup()).not.toThrow();
    expect(() => client.cleanup()).not.toThrow();
    expect(errors).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toEqual(['WS_ERR_DEFLATE_CLOSED', 'WS_ERR_DEFLATE_CLOSED', 'WS_ERR_DEFLATE_CLOSED']);
    expect(limiter.active).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  it('fails calls made after cleanup', async () => {
    const { server } = codecPair(TAKEOVER);
    server.cleanup();
    server.cleanup();
    await expect(compress(server, hello)).rejects.toMatchObject({ code: 'WS_ERR_DEFLATE_CLOSED' });
    expect((await decompressFrame(server, hello, true)).error).toMatchObject({ code: 'WS_ERR_DEFLATE_CLOSED' });
  });

  it('may be called from inside onChunk', async () => {
    const { server, client } = codecPair(TAKEOVER);
    const wire = await compress(server, Buffer.from(Array.from({ length: 50_000 }, (_, i) => `${i};`).join('')));
    let calls = 0;
    const { error } = await decompressFrame(client, wire, true, () => {
      calls++;
      client.cleanup();
      return true;
    });
    expect(calls).toBe(1);
    expect(error).toMatchObject({ code: 'WS_ERR_DEFLATE_CLOSED' });
    server.cleanup();
  });
});

describe('threshold', () => {
  it('defaults to 1024 and follows the option', () => {
    expect(new PerMessageDeflate(TAKEOVER, 'server', {}).threshold).toBe(1024);
    expect(new PerMessageDeflate(TAKEOVER, 'server', { threshold: 0 }).threshold).toBe(0);
  });
});
