// RFC 6455 §5 rules enforced by the frame parser: exact bytes in, exact close code out.
import { describe, expect, it } from 'vitest';
import { FrameParser, type Frame } from '../../src/protocol/frame-parser.js';
import { isViolation } from '../../src/protocol/violation.js';
import { clientOptions, hex, parseAll, serverOptions, violationOf } from './helpers.js';

function frames(results: ReturnType<typeof parseAll>): Frame[] {
  for (const result of results) if (isViolation(result)) throw new Error(`unexpected violation ${result.reason}`);
  return results as Frame[];
}

describe('§5.7 examples, parsed', () => {
  it('single-frame unmasked text "Hello"', () => {
    const [frame] = frames(parseAll(clientOptions, hex('81 05 48 65 6c 6c 6f')));
    expect(frame).toEqual({ fin: true, rsv1: false, opcode: 1, payload: Buffer.from('Hello') });
  });

  it('single-frame masked text "Hello"', () => {
    const [frame] = frames(parseAll(serverOptions, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58')));
    expect(frame).toEqual({ fin: true, rsv1: false, opcode: 1, payload: Buffer.from('Hello') });
  });

  it('fragmented unmasked text "Hel" + "lo"', () => {
    const result = frames(parseAll(clientOptions, hex('01 03 48 65 6c'), hex('80 02 6c 6f')));
    expect(result).toEqual([
      { fin: false, rsv1: false, opcode: 1, payload: Buffer.from('Hel') },
      { fin: true, rsv1: false, opcode: 0, payload: Buffer.from('lo') },
    ]);
  });

  it('unmasked ping "Hello"', () => {
    const [frame] = frames(parseAll(clientOptions, hex('89 05 48 65 6c 6c 6f')));
    expect(frame).toEqual({ fin: true, rsv1: false, opcode: 9, payload: Buffer.from('Hello') });
  });

  it('masked pong "Hello"', () => {
    const [frame] = frames(parseAll(serverOptions, hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')));
    expect(frame).toEqual({ fin: true, rsv1: false, opcode: 10, payload: Buffer.from('Hello') });
  });

  it('256 bytes binary with a 16-bit length', () => {
    const payload = Buffer.alloc(256, 0xab);
    const [frame] = frames(parseAll(clientOptions, Buffer.concat([hex('82 7e 01 00'), payload])));
    expect(frame!.opcode).toBe(2);
    expect(frame!.payload).toEqual(payload);
  });

  it('64 KiB binary with a 64-bit length', () => {
    const payload = Buffer.alloc(65536, 0xcd);
    const [frame] = frames(parseAll(clientOptions, Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), payload])));
    expect(frame!.payload.length).toBe(65536);
    expect(frame!.payload.equals(payload)).toBe(true);
  });
});

describe('§5.2 non-minimal length encodings are accepted', () => {
  it('5 bytes announced with a 16-bit length', () => {
    const [frame] = frames(parseAll(clientOptions, hex('82 7e 00 05 01 02 03 04 05')));
    expect(frame!.payload).toEqual(hex('01 02 03 04 05'));
  });
  it('5 bytes announced with a 64-bit length', () => {
    const [frame] = frames(parseAll(clientOptions, hex('82 7f 00 00 00 00 00 00 00 05 01 02 03 04 05')));
    expect(frame!.payload).toEqual(hex('01 02 03 04 05'));
  });
});

describe('§5.2 RSV2 and RSV3 must be 0', () => {
  it.each([
    ['RSV2', 'a2 00'],
    ['RSV3', '92 00'],
  ])('%s set → 1002 WS_ERR_UNEXPECTED_RSV_2_3', (_name, bytes) => {
    const failure = violationOf(clientOptions, hex(bytes));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_UNEXPECTED_RSV_2_3']);
  });
  it('RSV2 set even with permessage-deflate negotiated → 1002', () => {
    expect(violationOf({ ...clientOptions, allowRsv1: true }, hex('a2 00')).closeCode).toBe(1002);
  });
});

describe('RFC 7692 RSV1 only on the first frame of a data message, when negotiated', () => {
  it('RSV1 without permessage-deflate → 1002 WS_ERR_UNEXPECTED_RSV_1', () => {
    const failure = violationOf(clientOptions, hex('c2 00'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_UNEXPECTED_RSV_1']);
  });
  it('RSV1 on a control frame → 1002 WS_ERR_UNEXPECTED_RSV_1', () => {
    const failure = violationOf({ ...clientOptions, allowRsv1: true }, hex('c9 00'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_UNEXPECTED_RSV_1']);
  });
  it('RSV1 on a continuation → 1002 WS_ERR_UNEXPECTED_RSV_1', () => {
    const failure = violationOf({ ...clientOptions, allowRsv1: true }, hex('42 01 aa c0 01 bb'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_UNEXPECTED_RSV_1']);
  });
  it('RSV1 on a first frame when negotiated is accepted', () => {
    const [frame] = frames(parseAll({ ...clientOptions, allowRsv1: true }, hex('c2 01 aa')));
    expect(frame).toEqual({ fin: true, rsv1: true, opcode: 2, payload: hex('aa') });
  });
  it('setAllowRsv1 turns acceptance on after construction', () => {
    const parser = new FrameParser(clientOptions);
    parser.setAllowRsv1(true);
    parser.push(hex('c1 00'));
    expect(parser.next()).toEqual({ fin: true, rsv1: true, opcode: 1, payload: Buffer.alloc(0) });
  });
});

describe('§5.2 reserved opcodes', () => {
  it.each([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf])('opcode 0x%s → 1002 WS_ERR_INVALID_OPCODE', (opcode) => {
    const failure = violationOf(clientOptions, Buffer.from([0x80 | opcode, 0x00]));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_OPCODE']);
  });
});

describe('§5.5 control frames carry at most 125 bytes', () => {
  it('ping of 126 bytes (16-bit length) → 1002 WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', () => {
    const failure = violationOf(clientOptions, hex('89 7e 00 7e'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH']);
  });
  it('close announced with a 64-bit length → 1002, judged from the first two bytes', () => {
    const failure = violationOf(clientOptions, hex('88 7f'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH']);
  });
  it('ping of exactly 125 bytes is accepted', () => {
    const [frame] = frames(parseAll(clientOptions, Buffer.concat([hex('89 7d'), Buffer.alloc(125, 1)])));
    expect(frame!.payload.length).toBe(125);
  });
});

describe('§5.5 control frames are not fragmented', () => {
  it.each([
    ['close', '08 00'],
    ['ping', '09 00'],
    ['pong', '0a 00'],
  ])('%s without FIN → 1002 WS_ERR_EXPECTED_FIN', (_name, bytes) => {
    const failure = violationOf(clientOptions, hex(bytes));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_EXPECTED_FIN']);
  });
});

describe('§5.1 masking direction', () => {
  it('server receiving an unmasked frame → 1002 WS_ERR_EXPECTED_MASK', () => {
    const failure = violationOf(serverOptions, hex('81 05 48 65 6c 6c 6f'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_EXPECTED_MASK']);
  });
  it('client receiving a masked frame → 1002 WS_ERR_UNEXPECTED_MASK', () => {
    const failure = violationOf(clientOptions, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_UNEXPECTED_MASK']);
  });
});

describe('§5.2 64-bit length: most significant bit must be 0', () => {
  it('top bit set → 1009 WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', () => {
    const failure = violationOf(clientOptions, hex('82 7f 80 00 00 00 00 00 00 00'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH']);
  });
  it('2^53 (above Number.MAX_SAFE_INTEGER) → 1009 WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', () => {
    const failure = violationOf(clientOptions, hex('82 7f 00 20 00 00 00 00 00 00'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH']);
  });
  it('2^53 - 1 is a countable length: the parser waits for the payload', () => {
    const parser = new FrameParser(clientOptions);
    parser.push(hex('82 7f 00 1f ff ff ff ff ff ff 00'));
    expect(parser.next()).toBeNull();
    expect(parser.bufferedBytes).toBe(1);
  });
});

describe('§10.4 maxPayload, checked from the header before buffering', () => {
  const limited = { ...clientOptions, maxPayload: 10 };
  it('a frame of 11 bytes with maxPayload 10 → 1009 WS_ERR_UNSUPPORTED_MESSAGE_LENGTH from the header alone', () => {
    const failure = violationOf(limited, hex('82 0b'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
  });
  it('a frame of exactly maxPayload bytes is accepted', () => {
    const [frame] = frames(parseAll(limited, Buffer.concat([hex('82 0a'), Buffer.alloc(10)])));
    expect(frame!.payload.length).toBe(10);
  });
  it('fragments summing past maxPayload → 1009 at the fragment that crosses it', () => {
    const results = parseAll(limited, hex('02 06 01 02 03 04 05 06 80 05'));
    expect(results).toHaveLength(2);
    const failure = results[1]!;
    expect(isViolation(failure) && [failure.closeCode, failure.errorCode]).toEqual([1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH']);
  });
  it('control frames between fragments do not count toward the message', () => {
    const results = frames(parseAll(limited, hex('02 06 01 02 03 04 05 06 89 05 00 00 00 00 00 80 04 07 08 09 0a')));
    expect(results.map((frame) => frame.opcode)).toEqual([2, 9, 0]);
  });
  it('a 1 GiB header with maxPayload 1 MiB fails without waiting for any payload', () => {
    const failure = violationOf({ ...clientOptions, maxPayload: 1 << 20 }, hex('82 7f 00 00 00 00 40 00 00 00'));
    expect(failure.closeCode).toBe(1009);
  });
});

describe('§5.4 fragmentation', () => {
  it('continuation without a started message → 1002 WS_ERR_INVALID_OPCODE', () => {
    const failure = violationOf(clientOptions, hex('80 02 6c 6f'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_OPCODE']);
  });
  it('a new text frame while a message is in progress → 1002 WS_ERR_INVALID_OPCODE', () => {
    const failure = violationOf(clientOptions, hex('01 03 48 65 6c 81 02 6c 6f'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_OPCODE']);
  });
  it('a new binary frame while a message is in progress → 1002 WS_ERR_INVALID_OPCODE', () => {
    const failure = violationOf(clientOptions, hex('01 00 02 00'));
    expect([failure.closeCode, failure.errorCode]).toEqual([1002, 'WS_ERR_INVALID_OPCODE']);
  });
  it('a continuation after the message ended (FIN) → 1002', () => {
    expect(violationOf(clientOptions, hex('01 01 41 80 01 42 80 01 43')).closeCode).toBe(1002);
  });
  it('control frames may arrive between fragments', () => {
    const result = frames(parseAll(clientOptions, hex('01 03 48 65 6c 89 00 80 02 6c 6f')));
    expect(result.map((frame) => [frame.opcode, frame.fin])).toEqual([
      [1, false],
      [9, true],
      [0, true],
    ]);
  });
});

describe('violations are final', () => {
  it('after a violation the parser returns the same violation, whatever follows', () => {
    const parser = new FrameParser(clientOptions);
    parser.push(hex('83 00'));
    const failure = parser.next();
    parser.push(hex('81 01 41'));
    expect(parser.next()).toBe(failure);
    expect(parser.next()).toBe(failure);
  });
});

describe('chunk handling', () => {
  it('a frame that lies in one chunk is a view into it, unmasked in place', () => {
    const chunk = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const parser = new FrameParser(serverOptions);
    parser.push(chunk);
    const frame = parser.next() as Frame;
    expect(frame.payload.buffer).toBe(chunk.buffer);
    expect(chunk.subarray(6).toString()).toBe('Hello');
  });
  it('a frame spanning chunks is copied, and the header may be split anywhere', () => {
    const wire = hex('82 7e 01 00');
    const payload = Buffer.alloc(256, 7);
    const parser = new FrameParser(clientOptions);
    const all = Buffer.concat([wire, payload]);
    for (let i = 0; i < all.length; i++) {
      parser.push(all.subarray(i, i + 1));
      if (i < all.length - 1) expect(parser.next()).toBeNull();
    }
    expect((parser.next() as Frame).payload).toEqual(payload);
    expect(parser.bufferedBytes).toBe(0);
  });
  it('bufferedBytes counts bytes not yet consumed', () => {
    const parser = new FrameParser(clientOptions);
    parser.push(hex('81 05 48 65'));
    expect(parser.next()).toBeNull();
    expect(parser.bufferedBytes).toBe(2);
    parser.push(hex('6c 6c 6f 81'));
    expect(parser.next()).not.toBeNull();
    expect(parser.bufferedBytes).toBe(1);
  });
});
