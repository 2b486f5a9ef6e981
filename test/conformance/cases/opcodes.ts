// Autobahn 4.x: reserved opcodes 3-7 (non-control, 4.1.x) and 0xB-0xF (control, 4.2.x) fail the
// connection with 1002 (§5.2); a valid message before the bad frame is still echoed.
import { KILL_AFTER_MS, failsWith, message, type ConformanceCase } from './case.js';

const TEXT = 'Hello, world!';
const RESERVED_PAYLOAD = 'reserved opcode payload';

function reservedOpcodeCases(group: string, opcodes: number[]): ConformanceCase[] {
  return opcodes.map((opcode, index) => {
    const afterMessage = index >= 2;
    const payload = index === 0 || index === 2 ? '' : RESERVED_PAYLOAD;
    return {
      id: `${group}.${index + 1}`,
      description: afterMessage
        ? `Send small text message, then frame with reserved opcode ${opcode}${payload ? ' and non-empty payload' : ''}, then ping.`
        : `Send frame with reserved opcode ${opcode}${payload ? ' and non-empty payload' : ''}.`,
      ok: afterMessage ? [message(TEXT)] : [],
      close: failsWith(1002),
      async play(peer) {
        if (afterMessage) await peer.sendFrame({ opcode: 0x1, payload: TEXT });
        await peer.sendFrame({ opcode, payload });
        if (afterMessage) await peer.sendFrame({ opcode: 0x9, payload: '' });
        peer.killAfter(KILL_AFTER_MS);
      },
    };
  });
}

export const opcodesGroup: ConformanceCase[] = [
  ...reservedOpcodeCases('4.1', [3, 4, 5, 6, 7]),
  ...reservedOpcodeCases('4.2', [11, 12, 13, 14, 15]),
];
