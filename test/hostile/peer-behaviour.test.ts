// Hostile behaviour rather than hostile bytes: peers that stop halfway through the closing
// handshake, reset mid-frame, never read, or send a deflate bomb. Each must end with the server's
// memory and sockets bounded, the right close code, and the server still serving.
import { once } from 'node:events';
import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from '../../src/index.js';
import { activeResources, closePayload, connectionCount, expectCleanAfter, frame, RawPeer, startEchoServer, upgradeRequest, waitFor } from './helpers.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;

describe('RFC 6455 §7.1.1: a peer that never closes TCP is dropped after closeTimeout', () => {
  it('destroys the socket when the peer sent its close frame but keeps the connection open', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ closeTimeout: 300 });
    const peer = await RawPeer.open(server.port, '', true);
    peer.write(frame(CLOSE, closePayload(1000)));
    expect(await peer.readCloseCode()).toBe(1000);
    // The server half-closes at once (it closes TCP first, §7.1.1); the peer never answers the
    // FIN, so only the server's timer can release the socket (the peer, half-open, sees nothing more).
    const started = Date.now();
    await waitFor(() => server.closeCodes.length === 1, 2000, "the server socket's 'close'");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await connectionCount(server.wss)).toBe(0);
    expect(server.closeCodes).toEqual([1000]);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('destroys the socket when the server started closing and the peer never answers at all', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ closeTimeout: 300 });
    const accepted = once(server.wss, 'connection');
    const peer = await RawPeer.open(server.port, '', true);
    const [ws] = (await accepted) as [WebSocket];
    ws.close(1000, 'bye');
    expect(await peer.readCloseCode()).toBe(1000);
    const started = Date.now();
    await waitFor(() => server.closeCodes.length === 1, 2000, "the server socket's 'close'");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await connectionCount(server.wss)).toBe(0);
    // No close frame came back: abnormal closure (§7.1.5).
    expect(server.closeCodes).toEqual([1006]);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('a connection reset in the middle of a frame', () => {
  it('reports 1006 with no uncaught error when the peer resets after 10 of 1000 payload bytes', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    const whole = frame(BINARY, Buffer.alloc(1000, 7));
    peer.write(whole.subarray(0, 8 + 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer.socket.resetAndDestroy();
    await waitFor(() => server.closeCodes.length === 1, 2000, "the server socket's 'close'");
    expect(server.closeCodes).toEqual([1006]);
    expect(server.socketErrors).toEqual([]);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('reports 1006 when the peer resets inside a fragmented message and a frame header', async () => {
    const baseline = activeResources();
    const server = await startEchoServer();
    const peer = await RawPeer.open(server.port);
    peer.write(Buffer.concat([frame(TEXT, 'part one ', { fin: false }), frame(CONTINUATION, 'two').subarray(0, 3)]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer.socket.resetAndDestroy();
    await waitFor(() => server.closeCodes.length === 1, 2000, "the server socket's 'close'");
    expect(server.closeCodes).toEqual([1006]);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('maxBufferedAmount: a peer that never reads cannot make the server buffer without bound', () => {
  it('refuses the send that would pass the limit, closes with 1008, and queued data stays under the limit', async () => {
    const baseline = activeResources();
    const limit = 1 << 20;
    const server = await startEchoServer({ maxBufferedAmount: limit });
    const accepted = once(server.wss, 'connection');
    const peer = await RawPeer.open(server.port);
    peer.socket.pause();
    const [ws] = (await accepted) as [WebSocket];
    const message = Buffer.alloc(64 * 1024, 1);
    const results: Array<string | null> = [];
    let bufferedAtRefusal = -1;
    for (let i = 0; i < 512 && ws.readyState === ws.OPEN; i++) {
      const before = ws.bufferedAmount;
      ws.send(message, (error) => results.push(error ? ((error as Error & { code?: string }).code ?? error.message) : null));
      if (ws.readyState !== ws.OPEN) bufferedAtRefusal = before;
    }
    await waitFor(() => results.includes('WS_ERR_BUFFER_LIMIT'), 2000, 'the refused send callback');
    expect(bufferedAtRefusal).toBeGreaterThan(0);
    expect(bufferedAtRefusal).toBeLessThanOrEqual(limit);
    // The peer starts reading: it gets what was accepted, then the 1008 close.
    peer.socket.resume();
    let dataBytes = 0;
    for (;;) {
      const received = await peer.readFrame();
      if (received.opcode === CLOSE) {
        expect(received.payload.readUInt16BE(0)).toBe(1008);
        break;
      }
      dataBytes += received.payload.length;
    }
    // What the peer gets is exactly what was accepted: our buffer never held more than the limit
    // (above), and the kernel's socket buffers took the rest as the sends went out.
    expect(dataBytes).toBe(results.filter((result) => result === null).length * message.length);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('applies the same limit to broadcast: the stalled peer is closed, a reading client gets everything', async () => {
    const baseline = activeResources();
    const limit = 256 * 1024;
    const server = await startEchoServer({ maxBufferedAmount: limit });
    const stalled = await RawPeer.open(server.port);
    stalled.socket.pause();
    const reader = await RawPeer.open(server.port);
    await waitFor(() => server.wss.clients.size === 2, 1000, 'both clients');
    // 25 MiB in all: far more than the loopback socket buffers can absorb for the stalled peer.
    const message = Buffer.alloc(64 * 1024, 2);
    let received = 0;
    const count = 400;
    let reached = 0;
    for (let i = 0; i < count; i++) {
      reached += server.wss.broadcast(message);
      // Let the reading client's socket drain between bursts, as a live server would.
      await new Promise((resolve) => setImmediate(resolve));
      while (reader.takeFrame() !== undefined) received++;
    }
    await waitFor(
      () => {
        while (reader.takeFrame() !== undefined) received++;
        return received === count;
      },
      3000,
      'every broadcast at the reading client',
    );
    expect(reached).toBeLessThan(2 * count);
    stalled.socket.resume();
    expect(await stalled.readCloseCode()).toBe(1008);
    await expectCleanAfter(server, baseline, [stalled, reader]);
  });
});

/** permessage-deflate payload (RFC 7692 §7.2.1): raw DEFLATE, sync-flushed, without 00 00 FF FF. */
function compressForWire(data: Buffer): Buffer {
  const deflated = deflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return deflated.subarray(0, deflated.length - 4);
}

describe('RFC 7692 and §10.4: a deflate bomb stops at maxPayload', () => {
  const bomb = compressForWire(Buffer.alloc(64 << 20));

  it(`closes with 1009 on one ${bomb.length}-byte frame that inflates to 64 MiB (maxPayload 1 MiB)`, async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true, maxPayload: 1 << 20 });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const before = process.memoryUsage().arrayBuffers;
    peer.write(frame(BINARY, bomb, { rsv: 4 }));
    expect(await peer.readCloseCode()).toBe(1009);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
    expect(server.socketErrors.map((error) => error.code)).toEqual(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('closes with 1009 when the bomb is spread over 64 fragments', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true, maxPayload: 1 << 20 });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const pieceLength = Math.ceil(bomb.length / 64);
    const frames = [];
    for (let index = 0; index * pieceLength < bomb.length; index++) {
      const piece = bomb.subarray(index * pieceLength, (index + 1) * pieceLength);
      const last = (index + 1) * pieceLength >= bomb.length;
      frames.push(frame(index === 0 ? BINARY : CONTINUATION, piece, { fin: last, rsv: index === 0 ? 4 : 0 }));
    }
    peer.write(Buffer.concat(frames));
    expect(await peer.readCloseCode()).toBe(1009);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('closes with 1007 on data that is not DEFLATE', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    peer.write(frame(TEXT, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x12]), { rsv: 4 }));
    expect(await peer.readCloseCode()).toBe(1007);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('still answers a ping that follows a bomb in the same write (no stall), then closes 1009', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true, maxPayload: 1 << 20 });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    peer.write(Buffer.concat([frame(PING, 'before'), frame(BINARY, bomb, { rsv: 4 }), frame(PING, 'after')]));
    const pong = await peer.readFrame();
    expect(pong.payload.toString()).toBe('before');
    expect(await peer.readCloseCode()).toBe(1009);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('pings answered while a compressed reply is being deflated leave no listener behind', () => {
  it("keeps the server socket's 'drain' listeners bounded over 200 rounds of (compressed message + ping)", async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const accepted = once(server.wss, 'connection');
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const [ws] = (await accepted) as [WebSocket];
    // 2,000 bytes: over the 1,024-byte threshold, so the echo is compressed asynchronously and
    // the ping right behind it arrives while the send queue is busy (its pong is deferred).
    const message = compressForWire(Buffer.alloc(2000, 0x61));
    const rounds = 200;
    for (let round = 0; round < rounds; round++) {
      peer.write(Buffer.concat([frame(TEXT, message, { rsv: 4 }), frame(PING, 'p')]));
      if (round % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    peer.write(frame(PING, 'last'));
    for (;;) {
      const received = await peer.readFrame();
      if (received.opcode === 0xa && received.payload.toString() === 'last') break;
    }
    // One pending 'drain' listener at most; one per deferred pong is a leak (and a
    // MaxListenersExceededWarning after 10) on a socket that never needs to drain.
    expect(ws._socket!.listenerCount('drain')).toBeLessThanOrEqual(1);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('RFC 6455 §5.5.1 and §7.1.7: the close frame follows data still being compressed', () => {
  it('sends the echo and then the close frame when a close arrives while the echo is being deflated', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    // Over the 1,024-byte threshold: the echo goes through zlib, asynchronously.
    peer.write(Buffer.concat([frame(TEXT, compressForWire(Buffer.alloc(2000, 0x61)), { rsv: 4 }), frame(CLOSE, closePayload(1000))]));
    const echo = await peer.readFrame();
    expect(echo.opcode).toBe(TEXT);
    expect(echo.rsv).toBe(4);
    expect(await peer.readCloseCode()).toBe(1000);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('sends close 1002 after a protocol error that arrives while an echo is being deflated', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    peer.write(Buffer.concat([frame(TEXT, compressForWire(Buffer.alloc(2000, 0x61)), { rsv: 4 }), frame(0x3, 'reserved opcode')]));
    expect(await peer.readCloseCode()).toBe(1002);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('RFC 7692 §7.2.3.6: an empty compressed message is still a message', () => {
  it('echoes an empty message sent compressed (payload 0x00), then the close', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    // deflate of nothing, sync-flushed, without 00 00 FF FF: the single byte 0x00 (§7.2.3.6).
    peer.write(Buffer.concat([frame(BINARY, compressForWire(Buffer.alloc(0)), { rsv: 4 }), frame(CLOSE, closePayload(1000))]));
    const echo = await peer.readFrame();
    expect(echo.opcode).toBe(BINARY);
    expect(echo.payload.length).toBe(0);
    expect(await peer.readCloseCode()).toBe(1000);
    await expectCleanAfter(server, baseline, [peer]);
  });

  it('echoes an empty compressed message when nothing follows it', async () => {
    const baseline = activeResources();
    const server = await startEchoServer({ perMessageDeflate: true });
    const peer = await RawPeer.open(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    peer.write(frame(BINARY, compressForWire(Buffer.alloc(0)), { rsv: 4 }));
    const echo = await peer.readFrame();
    expect(echo.opcode).toBe(BINARY);
    expect(echo.payload.length).toBe(0);
    await expectCleanAfter(server, baseline, [peer]);
  });
});

describe('RFC 6455 §4.2.1: frames in the same packet as the request are the first frames', () => {
  for (const [name, payload] of [
    ['an empty compressed message', Buffer.alloc(0)],
    ['a short compressed message', Buffer.from('hello')],
  ] as const) {
    it(`echoes ${name} sent with the request head, then answers its close`, async () => {
      const baseline = activeResources();
      const server = await startEchoServer({ perMessageDeflate: true });
      const peer = await RawPeer.connect(server.port);
      peer.write(
        Buffer.concat([
          Buffer.from(upgradeRequest('Sec-WebSocket-Extensions: permessage-deflate\r\n')),
          frame(BINARY, compressForWire(payload), { rsv: 4 }),
          frame(CLOSE, closePayload(1000)),
        ]),
      );
      expect((await peer.readHttpHead()).status).toBe(101);
      const echo = await peer.readFrame();
      expect(echo.opcode).toBe(BINARY);
      expect(echo.payload.equals(payload)).toBe(true);
      expect(await peer.readCloseCode()).toBe(1000);
      await expectCleanAfter(server, baseline, [peer]);
    });
  }
});
