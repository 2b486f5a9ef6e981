// Autobahn 7.x: the closing handshake (§5.5.1, §7). After a close frame nothing more is processed;
// close payloads are empty or a valid code plus UTF-8 reason of at most 123 bytes; valid codes are
// echoed, invalid ones fail with 1002.
import { KILL_AFTER_MS, cleanNormalClose, message, type CloseExpectation, type ConformanceCase } from './case.js';
import { closePayload, repeatTo } from '../peer/wire.js';

const TEXT = 'Hello World!';
const INVALID_UTF8_REASON = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/** We close with a bad payload; the implementation answers with one of these codes. */
const answeredWith = (...codes: number[]): CloseExpectation => ({ closedByMe: true, codes, requireClean: false });

function closeWithPayload(id: string, description: string, payload: Buffer, close: CloseExpectation): ConformanceCase {
  return {
    id,
    description,
    ok: [],
    close,
    suppressClose: true,
    async play(peer) {
      await peer.sendCloseFrame(payload);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function nothingAfterClose(id: string, description: string, after: { opcode: number; payload: string }): ConformanceCase {
  return {
    id,
    description,
    ok: [],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendClose(1000);
      await peer.sendFrame(after);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

export const closeGroup: ConformanceCase[] = [
  {
    id: '7.1.1',
    description: 'Send a message followed by a close frame.',
    ok: [message(TEXT)],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, payload: TEXT });
      await peer.sendClose(1000);
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  {
    id: '7.1.2',
    description: 'Send two close frames.',
    ok: [],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendClose(1000);
      await peer.sendCloseFrame(closePayload(1000));
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  nothingAfterClose('7.1.3', 'Send a ping after the close frame: no pong.', { opcode: 0x9, payload: 'payload' }),
  nothingAfterClose('7.1.4', 'Send a text message after the close frame: no echo.', { opcode: 0x1, payload: TEXT }),
  {
    id: '7.1.5',
    description: 'Send message fragment 1, then close, then fragment 2: no echo.',
    ok: [],
    close: cleanNormalClose,
    suppressClose: true,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment1' });
      await peer.sendClose(1000);
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment2' });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  {
    id: '7.1.6',
    description: 'Send a 256 KiB message, a small message, close, then a ping (outcome implementation-defined).',
    ok: [message(TEXT)],
    nonStrict: [],
    close: cleanNormalClose,
    informational: true,
    suppressClose: true,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, payload: repeatTo('BAsd7&jh23', 256 * 1024) });
      await peer.sendFrame({ opcode: 0x1, payload: TEXT });
      await peer.sendClose(1000);
      await peer.sendFrame({ opcode: 0x9, payload: '' });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  closeWithPayload('7.3.1', 'Send a close frame with payload length 0.', Buffer.alloc(0), cleanNormalClose),
  closeWithPayload('7.3.2', 'Send a close frame with payload length 1.', Buffer.from('a'), answeredWith(1002)),
  closeWithPayload('7.3.3', 'Send a close frame with payload length 2 (code only).', closePayload(1000), cleanNormalClose),
  closeWithPayload('7.3.4', 'Send a close frame with code and reason.', closePayload(1000, TEXT), cleanNormalClose),
  closeWithPayload('7.3.5', 'Send a close frame with code and a 123-byte reason (payload 125).', closePayload(1000, '*'.repeat(123)), cleanNormalClose),
  closeWithPayload('7.3.6', 'Send a close frame with code and a 124-byte reason (payload 126).', closePayload(1000, '*'.repeat(124)), answeredWith(1002)),
  closeWithPayload('7.5.1', 'Send a close frame with an invalid UTF-8 reason.', closePayload(1000, INVALID_UTF8_REASON), answeredWith(1002, 1007)),
  ...VALID_CODES.map((code, index) =>
    closeWithPayload(`7.7.${index + 1}`, `Send close with valid close code ${code}: echoed or answered with 1000.`, closePayload(code), {
      closedByMe: true,
      codes: [1000, code],
      requireClean: true,
    }),
  ),
  ...INVALID_CODES.map((code, index) =>
    closeWithPayload(`7.9.${index + 1}`, `Send close with invalid close code ${code}.`, closePayload(code), answeredWith(1002)),
  ),
  ...[5000, 65535].map((code, index) => ({
    ...closeWithPayload(`7.13.${index + 1}`, `Send close with close code ${code} (outcome undefined by the spec).`, closePayload(code), answeredWith(1000, code, 1002)),
    informational: true,
  })),
];
