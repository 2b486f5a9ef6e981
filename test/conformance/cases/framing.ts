// Autobahn 1.x: framing. Text (1.1.x) and binary (1.2.x) messages in every payload length class
// of §5.2 (7-bit, 16-bit, 64-bit lengths and their edges), the last one delivered in 997-byte chops.
import { KILL_AFTER_MS, cleanNormalClose, message, type ConformanceCase } from './case.js';
import { repeatTo } from '../peer/wire.js';

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];
const CHOPPED_LENGTH = 65536;

function framingCases(group: string, binary: boolean): ConformanceCase[] {
  const unit = binary ? Buffer.from([0xfe]) : Buffer.from('*');
  const kind = binary ? 'binary' : 'text';
  const sized = [...LENGTHS.map((length) => ({ length, chop: 0 })), { length: CHOPPED_LENGTH, chop: 997 }];
  return sized.map(({ length, chop }, index) => {
    const payload = repeatTo(unit, length);
    return {
      id: `${group}.${index + 1}`,
      description: `Send ${kind} message with payload of length ${length}${chop > 0 ? `, in chops of ${chop} octets` : ''}.`,
      ok: [message(payload, binary)],
      close: cleanNormalClose,
      async play(peer) {
        await peer.sendFrame({ opcode: binary ? 0x2 : 0x1, payload }, { chop });
        peer.killAfter(KILL_AFTER_MS);
      },
    };
  });
}

export const framingGroup: ConformanceCase[] = [...framingCases('1.1', false), ...framingCases('1.2', true)];
