// Tiny-fragment amplification: tens of thousands of 1-byte fragments must not make the server hold
// many times the payload (per-fragment Buffer objects, or 1-byte views pinning whole socket chunks),
// while a legitimate large message in small fragments still passes. The budget is the memory a
// message pins relative to its payload, not a cap on the number of fragments.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { activeResources, expectCleanAfter, frame, onCleanup, RawPeer, startEchoServer } from './helpers.js';
import { FrameParser } from '../../src/protocol/frame-parser.js';

const BINARY = 0x2;
const CONTINUATION = 0x0;
const PING = 0x9;
const PONG = 0xa;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap and Buffer bytes in use after a full collection. */
function retainedMemory(): { heap: number; buffers: number } {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

function retainedBytes(): number {
  const { heap, buffers } = retainedMemory();
  return heap + buffers;
}

/** Wait until the server has processed everything before the ping: it answers in order. */
async function syncWithServer(peer: RawPeer, token: string): Promise<void> {
  peer.write(frame(PING, token));
  for (;;) {
    const received = await peer.readFrame(10_000);
    if (received.opcode === PONG && received.payload.toString() === token) return;
  }
}

describe('a message in tiny fragments pins memory proportional to its payload, not to its fragment count', () => {
  it('holds under 15x the payload while 200,000 one-byte fragments of an unfinished message are buffered', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    const fragmentCount = 200_000;
    // Masked 1-byte frames, 7 bytes each on the wire; the message is never finished.
    const wire = Buffer.concat(Array.from({ length: fragmentCount }, (_, index) => frame(index === 0 ? BINARY : CONTINUATION, Buffer.of(index & 0xff), { fin: false })));
    await syncWithServer(peer, 'warm-up');
    const before = retainedBytes();
    for (let offset = 0; offset < wire.length; offset += 64 * 1024) peer.write(wire.subarray(offset, offset + 64 * 1024));
    await syncWithServer(peer, 'after fragments');
    const growth = retainedBytes() - before;
    const ratio = growth / fragmentCount;
    console.log(`[fragment-amplification] ${fragmentCount} one-byte fragments pinned ${growth} bytes (${ratio.toFixed(2)}x payload)`);
    expect(ratio).toBeLessThan(15);
    expect(server.wss.clients.size).toBe(1);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('holds under 15x the inflated payload while a compressed message arrives in 10,000 one-byte fragments', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    // Incompressible data: each wire byte inflates to about one byte.
    const inflated = randomBytes(10_000);
    const deflated = deflateRawSync(inflated, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const compressed = deflated.subarray(0, deflated.length - 4);
    // All but the last byte, so that the message stays unfinished while we measure.
    const wire = Buffer.concat(Array.from({ length: compressed.length - 1 }, (_, index) => frame(index === 0 ? BINARY : CONTINUATION, compressed.subarray(index, index + 1), { fin: false, rsv: index === 0 ? 4 : 0 })));
    await syncWithServer(peer, 'warm-up');
    const before = retainedMemory();
    const started = Date.now();
    for (let offset = 0; offset < wire.length; offset += 64 * 1024) peer.write(wire.subarray(offset, offset + 64 * 1024));
    await syncWithServer(peer, 'after fragments');
    const after = retainedMemory();
    // One zlib job per fragment costs time, not memory: a few thousand fragments a second on a loaded 2-core machine.
    console.log(`[fragment-amplification] ${compressed.length - 1} one-byte compressed fragments: ${Date.now() - started} ms, buffers +${after.buffers - before.buffers} B, heap +${after.heap - before.heap} B`);
    // Buffers are what a message pins; the heap moves by a few hundred KB whatever the fragment
    // count (code, inline caches), so it gets a fixed allowance instead of a ratio.
    // One socket read (64 KiB) may stay referenced while the message is unfinished: a constant
    // per connection (measured: 2,500 / 5,000 / 20,000 fragments retain 64 KiB + 1.6 B per byte).
    expect((after.buffers - before.buffers - 64 * 1024) / inflated.length).toBeLessThan(15);
    expect(after.heap - before.heap).toBeLessThan(2 << 20);
    peer.write(frame(CONTINUATION, compressed.subarray(compressed.length - 1), { fin: true }));
    const echo = await peer.readFrame(10_000);
    expect(echo.rsv).toBe(4);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('passes a legitimate 4 MiB message sent in 64-byte fragments (65,536 of them) intact', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ maxPayload: 5 << 20 });
    const peer = await RawPeer.open(server.port);
    const message = randomBytes(4 << 20);
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < message.length; offset += 64) {
      pieces.push(frame(offset === 0 ? BINARY : CONTINUATION, message.subarray(offset, offset + 64), { fin: offset + 64 >= message.length }));
    }
    peer.write(Buffer.concat(pieces));
    const echo = await peer.readFrame(10_000);
    expect(echo.opcode).toBe(BINARY);
    expect(echo.payload.length).toBe(message.length);
    expect(createHash('sha256').update(echo.payload).digest('hex')).toBe(createHash('sha256').update(message).digest('hex'));
    await expectCleanAfter(server, baseline, [peer]);
  });
});

/**
 * The trickling peer runs in a child process: 30,000 awaited writes leave their own garbage and
 * compiled code in the process that makes them, which would be counted as the server's.
 */
const TRICKLER = `
const net = require('node:net');
const [port, pieceSize, total] = process.argv.slice(1).map(Number);
const socket = net.connect(port, '127.0.0.1', async () => {
  socket.setNoDelay(true);
  // The request line and Host first, so that the trickle is one endless header line.
  await new Promise((resolve) => socket.write('GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX-Trickle: ', resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const piece = 'a'.repeat(pieceSize);
  for (let sent = 0; sent < total; sent += pieceSize) {
    await new Promise((resolve) => socket.write(piece, resolve));
    if ((sent / pieceSize) % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  process.stdout.write('done');
});
process.stdin.on('end', () => process.exit(0)).resume();
`;

describe('a request head trickled in 1-byte reads pins memory proportional to its bytes', () => {
  /** A peer sends the start of a request, then `bytes` of one header line in `pieceSize`-byte reads; the server's retained growth. */
  async function trickle(port: number, bytes: number, pieceSize: number): Promise<{ growth: number; child: ChildProcess }> {
    const before = retainedBytes();
    const child = spawn(process.execPath, ['-e', TRICKLER, String(port), String(pieceSize), String(bytes)], { stdio: ['pipe', 'pipe', 'inherit'] });
    onCleanup(() => child.kill());
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { growth: retainedBytes() - before, child };
  }

  it('holds under 5x the received bytes for a 60,000-byte header line that arrives one byte per read', async () => {
    const baseline = activeResources();
    // A raised limit, so that the head can grow well past the heap's measurement noise.
    const server = await startEchoServer({ handshakeTimeout: 20_000, maxHeaderSize: 128 * 1024 });
    const bytes = 60_000;
    // The same bytes in 100-byte reads first: it warms the code paths and measures the noise.
    const control = await trickle(server.port, bytes, 100);
    const trickled = await trickle(server.port, bytes, 1);
    const perByte = (trickled.growth - control.growth) / bytes;
    console.log(
      `[fragment-amplification] ${bytes} header bytes: ${control.growth} B retained in 100-byte reads, ${trickled.growth} B in 1-byte reads (${perByte.toFixed(1)} extra bytes per byte)`,
    );
    // The head parser promises "at most limit + one chunk" in bytes; memory should follow (a
    // Buffer per read cost ~9-10 extra bytes per byte; heap noise here is ~±3 per byte).
    expect(perByte).toBeLessThan(5);
    // Closing stdin ends the peers; then the server must let go of both.
    for (const peer of [control.child, trickled.child]) peer.stdin!.end();
    await Promise.all([control.child, trickled.child].map((peer) => (peer.exitCode === null ? once(peer, 'exit') : undefined)));
    await expectCleanAfter(server, baseline);
  });
});

describe('reads consumed by a frame are let go at once', () => {
  it('64 KiB frames in 64 KiB reads (never ending on a read boundary) keep about one read, not the last 64', () => {
    const parser = new FrameParser({ role: 'server', maxPayload: 0, allowRsv1: false });
    const payload = Buffer.alloc(65_536, 7);
    const frame = Buffer.concat([Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]), payload]);
    // And half a frame more: the last read does not empty the queue either.
    const stream = Buffer.concat([...Array.from({ length: 40 }, () => frame), frame.subarray(0, 30_000)]);
    const before = retainedMemory().buffers;
    let frames = 0;
    for (let at = 0; at < stream.length; at += 65_536) {
      // Each read in memory of its own, as Node hands them over.
      parser.push(Buffer.from(stream.subarray(at, at + 65_536)));
      for (let next = parser.next(); next !== null && 'payload' in next; next = parser.next()) frames++;
    }
    expect(frames).toBe(40);
    // Before the fix the queue held every consumed read since its last compaction: 40 × 64 KiB.
    const retained = retainedMemory().buffers - before;
    // The parser is still in use (a frame in progress), so what it holds counts.
    expect(parser.bufferedBytes).toBeGreaterThan(0);
    expect(retained).toBeLessThan(4 * 65_536);
  });
});
