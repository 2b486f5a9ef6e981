// Autobahn 3.x: RSV1-3 must be 0 when no extension defines them (§5.2); the connection fails with
// 1002. A valid message sent before the bad frame is still echoed.
import { FRAME_WISE, KILL_AFTER_MS, OCTET_WISE, failsWith, message, type ConformanceCase } from './case.js';
import type { SendOptions } from '../peer/peer.js';

const TEXT = 'Hello, world!';
const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

function single(id: string, description: string, opcode: number, rsv: number, payload: Buffer | string): ConformanceCase {
  return {
    id,
    description,
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode, rsv, payload });
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function afterValidMessage(id: string, rsv: number, options: SendOptions, how: string): ConformanceCase {
  return {
    id,
    description: `Send small text message, then again with RSV = ${rsv}, then a ping${how}.`,
    ok: [message(TEXT)],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, payload: TEXT }, options);
      await peer.sendFrame({ opcode: 0x1, rsv, payload: TEXT }, options);
      await peer.sendFrame({ opcode: 0x9, payload: '' }, options);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

export const reservedBitsGroup: ConformanceCase[] = [
  single('3.1', 'Send small text message with RSV = 1.', 0x1, 1, TEXT),
  afterValidMessage('3.2', 2, {}, ''),
  afterValidMessage('3.3', 3, FRAME_WISE, ', frame-wise'),
  afterValidMessage('3.4', 4, OCTET_WISE, ', octet-wise with delay'),
  single('3.5', 'Send small binary message with RSV = 5.', 0x2, 5, SMALL_BINARY),
  single('3.6', 'Send ping with RSV = 6.', 0x9, 6, TEXT),
  single('3.7', 'Send close with RSV = 7.', 0x8, 7, Buffer.from([0x03, 0xe8])),
];
