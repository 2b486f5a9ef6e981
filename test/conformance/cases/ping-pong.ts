// Autobahn 2.x: pings and pongs (§5.5.2, §5.5.3). A ping is answered with a pong carrying the
// same payload; unsolicited pongs are ignored; a control payload over 125 bytes fails (1002).
import {
  KILL_AFTER_MS,
  OCTET_WISE,
  REACTION_WAIT_MS,
  cleanNormalClose,
  failsWith,
  pong,
  type ConformanceCase,
} from './case.js';
import type { SendOptions } from '../peer/peer.js';

const SMALL_BINARY = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);

function pingCase(id: string, description: string, payload: Buffer | string, options: SendOptions = {}): ConformanceCase {
  return {
    id,
    description,
    ok: [pong(payload)],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x9, payload }, options);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function unsolicitedPongCase(id: string, payload: string): ConformanceCase {
  return {
    id,
    description: `Send unsolicited pong with payload '${payload}'; nothing comes back.`,
    ok: [],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0xa, payload });
      peer.closeAfter(REACTION_WAIT_MS);
    },
  };
}

function tenPingsCase(id: string, options: SendOptions): ConformanceCase {
  const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
  return {
    id,
    description: `Send 10 pings with payload${options.chop === 1 ? ', octet-wise' : ''}; expect 10 pongs.`,
    ok: payloads.map((payload) => pong(payload)),
    close: cleanNormalClose,
    async play(peer) {
      for (const payload of payloads) await peer.sendFrame({ opcode: 0x9, payload }, options);
      peer.closeAfter(3000);
    },
  };
}

export const pingPongGroup: ConformanceCase[] = [
  pingCase('2.1', 'Send ping without payload.', ''),
  pingCase('2.2', 'Send ping with small text payload.', 'Hello, world!'),
  pingCase('2.3', 'Send ping with small binary (non UTF-8) payload.', SMALL_BINARY),
  pingCase('2.4', 'Send ping with binary payload of 125 octets.', Buffer.alloc(125, 0xfe)),
  {
    id: '2.5',
    description: 'Send ping with binary payload of 126 octets: a control frame over 125 bytes (§5.5).',
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode: 0x9, payload: Buffer.alloc(126, 0xfe) });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  pingCase('2.6', 'Send ping with binary payload of 125 octets, octet-wise with delay.', Buffer.alloc(125, 0xfe), OCTET_WISE),
  unsolicitedPongCase('2.7', ''),
  unsolicitedPongCase('2.8', 'unsolicited pong payload'),
  {
    id: '2.9',
    description: 'Send unsolicited pong with payload, then ping with payload; expect only the pong for the ping.',
    ok: [pong('ping payload')],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0xa, payload: 'unsolicited pong payload' });
      await peer.sendFrame({ opcode: 0x9, payload: 'ping payload' });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  tenPingsCase('2.10', {}),
  tenPingsCase('2.11', { chop: 1 }),
];
