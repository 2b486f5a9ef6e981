// RFC 6455 §5.4-§5.6 message assembly: fragments, interleaved control frames, streaming UTF-8,
// compressed messages handed out and back, and the memory a fragmented message may pin.
import { describe, expect, it } from 'vitest';
import { encodeFragmentedMessage, encodeFrameToBuffer } from '../../src/protocol/frame-writer.js';
import { MessageReader, type MessageEvent, type ProtocolEvent } from '../../src/protocol/message.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { isViolation } from '../../src/protocol/violation.js';
import { clientOptions, hex, readAll, serverOptions } from './helpers.js';

function text(event: ProtocolEvent | undefined): string {
  if (event?.type !== 'message') throw new Error(`expected a message, got ${JSON.stringify(event)}`);
  return Buffer.concat(event.fragments).toString();
}

describe('§5.6 single-frame messages', () => {
  it('"Hello" from a client (masked) is one text message', () => {
    const [event] = readAll(serverOptions, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(event).toMatchObject({ type: 'message', binary: false, length: 5 });
    expect(text(event)).toBe('Hello');
  });
  it('is handed over with zero copies: fragments = [a view into the received chunk]', () => {
    const chunk = hex('82 03 01 02 03');
    const [event] = readAll(clientOptions, chunk);
    const message = event as MessageEvent;
    expect(message.fragments).toHaveLength(1);
    expect(message.fragments[0]!.buffer).toBe(chunk.buffer);
    expect(message.binary).toBe(true);
  });
  it('an empty text message', () => {
    expect(readAll(clientOptions, hex('81 00'))).toEqual([{ type: 'message', binary: false, fragments: [Buffer.alloc(0)], length: 0 }]);
  });
});

describe('§5.4 fragmented messages', () => {
  it('"Hel" + "lo" is one message', () => {
    const events = readAll(clientOptions, hex('01 03 48 65 6c 80 02 6c 6f'));
    expect(events).toHaveLength(1);
    expect(text(events[0])).toBe('Hello');
  });
  it('control frames between fragments are delivered at once, before the message', () => {
    const events = readAll(clientOptions, hex('01 03 48 65 6c 89 02 68 69 8a 00 80 02 6c 6f'));
    expect(events.map((event) => event.type)).toEqual(['ping', 'pong', 'message']);
    expect(events[0]).toEqual({ type: 'ping', data: Buffer.from('hi') });
    expect(text(events[2])).toBe('Hello');
  });
  it('empty fragments are allowed', () => {
    const events = readAll(clientOptions, hex('02 00 00 00 80 00'));
    expect(events).toEqual([{ type: 'message', binary: true, fragments: [], length: 0 }]);
  });
  it('a message spanning chunks that split headers and payloads', () => {
    const wire = Buffer.concat(encodeFragmentedMessage(Buffer.from('fragmented text ✓'), Opcode.Text, 4, { mask: true }));
    const chunks = [...wire].map((byte) => Buffer.from([byte]));
    const events = readAll(serverOptions, ...chunks);
    expect(text(events[0])).toBe('fragmented text ✓');
  });
});

describe('§5.5.1 close frames become close events', () => {
  it('1000 "bye"', () => {
    expect(readAll(clientOptions, hex('88 05 03 e8 62 79 65'))).toEqual([{ type: 'close', code: 1000, reason: 'bye' }]);
  });
  it('empty close → 1005', () => {
    expect(readAll(clientOptions, hex('88 00'))).toEqual([{ type: 'close', code: 1005, reason: '' }]);
  });
  it('1-byte close payload → 1002', () => {
    const [event] = readAll(clientOptions, hex('88 01 03'));
    expect(isViolation(event) && event.closeCode).toBe(1002);
  });
  it('invalid close code 1005 on the wire → 1002 WS_ERR_INVALID_CLOSE_CODE', () => {
    const [event] = readAll(clientOptions, hex('88 02 03 ed'));
    expect(isViolation(event) && [event.closeCode, event.errorCode]).toEqual([1002, 'WS_ERR_INVALID_CLOSE_CODE']);
  });
  it('invalid UTF-8 reason → 1007', () => {
    const [event] = readAll(clientOptions, hex('88 03 03 e8 ff'));
    expect(isViolation(event) && event.closeCode).toBe(1007);
  });
});

describe('§8.1 text is UTF-8, failing fast', () => {
  it('invalid single-frame text → 1007 WS_ERR_INVALID_UTF8', () => {
    const [event] = readAll(clientOptions, hex('81 02 c3 28'));
    expect(isViolation(event) && [event.closeCode, event.errorCode]).toEqual([1007, 'WS_ERR_INVALID_UTF8']);
  });
  it('fails at the first fragment that can no longer be valid, before FIN arrives', () => {
    const reader = new MessageReader(clientOptions);
    reader.push(hex('01 02 ce ba'));
    expect(reader.next()).toBeNull();
    reader.push(hex('00 02 ed a0')); // a surrogate lead: no continuation can make this valid
    const event = reader.next();
    expect(isViolation(event) && event.closeCode).toBe(1007);
  });
  it('a sequence split across fragments is valid', () => {
    expect(text(readAll(clientOptions, hex('01 01 e2 00 01 82 80 01 ac'))[0])).toBe('€');
  });
  it('a sequence left incomplete at FIN → 1007', () => {
    const [event] = readAll(clientOptions, hex('01 01 61 80 02 e2 82'));
    expect(isViolation(event) && event.closeCode).toBe(1007);
  });
  it('binary messages are not checked', () => {
    expect(readAll(clientOptions, hex('82 02 c3 28'))[0]).toMatchObject({ type: 'message', binary: true });
  });
  it('skipUTF8Validation: true lets invalid text through', () => {
    expect(readAll({ ...clientOptions, skipUTF8Validation: true }, hex('81 02 c3 28'))[0]).toMatchObject({ type: 'message' });
  });
});

describe('§10.4 size limits', () => {
  it('maxPayload across fragments → 1009', () => {
    const [event] = readAll({ ...clientOptions, maxPayload: 4 }, hex('02 03 01 02 03 80 02 04 05'));
    expect(isViolation(event) && [event.closeCode, event.errorCode]).toEqual([1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
  });
  it('maxMessageSize below maxPayload also limits a single frame → 1009', () => {
    const [event] = readAll({ ...clientOptions, maxPayload: 100, maxMessageSize: 2 }, hex('82 03 01 02 03'));
    expect(isViolation(event) && event.closeCode).toBe(1009);
  });
});

describe('violations are final', () => {
  it('next() keeps returning the same violation', () => {
    const reader = new MessageReader(clientOptions);
    reader.push(hex('81 01 ff 81 01 41'));
    const first = reader.next();
    expect(isViolation(first)).toBe(true);
    expect(reader.next()).toBe(first);
  });
});

describe('RFC 7692 compressed messages are handed out and their inflated output taken back', () => {
  const deflateOptions = { ...clientOptions, allowRsv1: true };

  it('frames of an RSV1 message become compressed events; continuations too', () => {
    const events = readAll(deflateOptions, hex('41 02 aa bb 89 00 80 01 cc'));
    expect(events).toEqual([
      { type: 'compressed', payload: hex('aa bb'), fin: false },
      { type: 'ping', data: Buffer.alloc(0) },
      { type: 'compressed', payload: hex('cc'), fin: true },
    ]);
  });

  it('inflated text is assembled and UTF-8 checked', () => {
    const reader = new MessageReader(deflateOptions);
    reader.push(hex('c1 01 00'));
    expect(reader.next()).toMatchObject({ type: 'compressed', fin: true });
    expect(reader.appendInflated(hex('e2 82'))).toBeNull();
    expect(reader.appendInflated(hex('ac'))).toBeNull();
    const result = reader.finishInflated();
    expect(result).toMatchObject({ type: 'message', binary: false, length: 3 });
    expect(text(result)).toBe('€');
  });

  it('inflated invalid UTF-8 fails at the chunk that breaks it → 1007', () => {
    const reader = new MessageReader(deflateOptions);
    reader.push(hex('c1 01 00'));
    reader.next();
    const failure = reader.appendInflated(hex('ed a0 80'));
    expect(failure?.closeCode).toBe(1007);
    expect(reader.next()).toBe(failure);
  });

  it('inflated text incomplete at the end → 1007', () => {
    const reader = new MessageReader(deflateOptions);
    reader.push(hex('c1 01 00'));
    reader.next();
    expect(reader.appendInflated(hex('e2'))).toBeNull();
    const result = reader.finishInflated();
    expect(isViolation(result) && result.closeCode).toBe(1007);
  });

  it('inflated output beyond maxMessageSize → 1009 (a decompression bomb stops early)', () => {
    const reader = new MessageReader({ ...deflateOptions, maxPayload: 10 });
    reader.push(hex('c2 01 00'));
    reader.next();
    expect(reader.appendInflated(Buffer.alloc(8))).toBeNull();
    expect(reader.appendInflated(Buffer.alloc(3))?.closeCode).toBe(1009);
  });

  it('binary inflated output is not UTF-8 checked; the next message can follow', () => {
    const reader = new MessageReader(deflateOptions);
    reader.push(hex('c2 01 00 81 01 41'));
    reader.next();
    expect(reader.appendInflated(hex('ff'))).toBeNull();
    expect(reader.finishInflated()).toMatchObject({ type: 'message', binary: true, length: 1 });
    expect(text(reader.next()!)).toBe('A');
  });

  it('each compressed message, inflated in turn, keeps its kind (the caller reads no further while inflating)', () => {
    const reader = new MessageReader(deflateOptions);
    reader.push(hex('c2 01 00 c1 01 00'));
    reader.next();
    reader.appendInflated(hex('ff'));
    expect(reader.finishInflated()).toMatchObject({ binary: true });
    reader.next();
    reader.appendInflated(hex('41'));
    expect(reader.finishInflated()).toMatchObject({ binary: false });
  });
});

/** Bytes of distinct backing memory that a message's fragments keep alive. */
function pinnedBytes(fragments: Buffer[]): number {
  const backings = new Set(fragments.map((fragment) => fragment.buffer));
  let total = 0;
  for (const backing of backings) total += backing.byteLength;
  return total;
}

describe('memory bound against tiny-fragment amplification', () => {
  it('50,000 one-byte fragments, each in its own 64-byte socket read, pin < 4x payload + 64 KiB', () => {
    const count = 50_000;
    const chunks: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      // Each read has its own backing memory, as socket reads do: a view would pin all 64 bytes.
      const read = Buffer.alloc(64);
      const opcode = i === 0 ? Opcode.Text : Opcode.Continuation;
      encodeFrameToBuffer(hex('61'), { opcode, fin: i === count - 1 }).copy(read);
      chunks.push(read.subarray(0, 3));
    }
    const [event] = readAll(clientOptions, ...chunks);
    const message = event as MessageEvent;
    expect(message.length).toBe(count);
    expect(Buffer.concat(message.fragments).equals(Buffer.alloc(count, 0x61))).toBe(true);
    expect(pinnedBytes(message.fragments)).toBeLessThan(4 * count + 64 * 1024);
    expect(message.fragments.length).toBeLessThan(64);
  });

  it('a 4 MiB message in 64-byte masked fragments passes maxPayload 4 MiB, in 64 KiB chunks', () => {
    const size = 4 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i++) payload[i] = i & 0xff;
    const wire = Buffer.concat(encodeFragmentedMessage(payload, Opcode.Binary, 64, { mask: true }));
    const chunks: Buffer[] = [];
    for (let at = 0; at < wire.length; at += 65536) chunks.push(wire.subarray(at, at + 65536));
    const events = readAll({ ...serverOptions, maxPayload: size }, ...chunks);
    expect(events).toHaveLength(1);
    const message = events[0] as MessageEvent;
    expect(message.length).toBe(size);
    expect(Buffer.concat(message.fragments).equals(payload)).toBe(true);
    expect(pinnedBytes(message.fragments)).toBeLessThan(4 * size);
  });

  it('large fragments that fill their chunk are kept as views (no copy)', () => {
    const first = encodeFrameToBuffer(Buffer.alloc(10_000, 1), { opcode: Opcode.Binary, fin: false });
    const last = encodeFrameToBuffer(Buffer.alloc(10_000, 2), { opcode: Opcode.Continuation });
    const [event] = readAll(clientOptions, first, last);
    const message = event as MessageEvent;
    expect(message.fragments.map((fragment) => fragment.buffer)).toEqual([first.buffer, last.buffer]);
  });

  it('a large fragment that is a small part of a big chunk is copied, not pinning the chunk', () => {
    const frames = [
      encodeFrameToBuffer(Buffer.alloc(5_000, 1), { opcode: Opcode.Binary, fin: false }),
      encodeFrameToBuffer(Buffer.alloc(1, 2), { opcode: Opcode.Continuation }),
      encodeFrameToBuffer(Buffer.alloc(50_000, 9), { opcode: Opcode.Binary }),
    ];
    const chunk = Buffer.concat(frames);
    const reader = new MessageReader(clientOptions);
    reader.push(chunk);
    const event = reader.next() as MessageEvent;
    expect(event.length).toBe(5_001);
    expect(event.fragments.every((fragment) => fragment.buffer !== chunk.buffer)).toBe(true);
  });
});
