// Autobahn 5.x: fragmentation (§5.4). Control frames cannot be fragmented, a continuation needs a
// started message and a data frame cannot start inside one (1002); pings between fragments are
// answered at once.
import {
  FRAME_WISE,
  KILL_AFTER_MS,
  OCTET_WISE,
  REACTION_WAIT_MS,
  cleanNormalClose,
  failsWith,
  message,
  pong,
  sleep,
  type ConformanceCase,
} from './case.js';
import type { SendOptions } from '../peer/peer.js';

type Delivery = { label: string; options: SendOptions };
const ONE_CHOP: Delivery = { label: 'in one chop', options: {} };
const PER_FRAME: Delivery = { label: 'frame-wise', options: FRAME_WISE };
const PER_OCTET: Delivery = { label: 'octet-wise with delay', options: OCTET_WISE };

function fragmentedControl(id: string, opcode: number, name: string): ConformanceCase {
  return {
    id,
    description: `Send ${name} fragmented into 2 fragments.`,
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode, fin: false, payload: 'fragment1' });
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment2' });
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function twoFragments(id: string, delivery: Delivery): ConformanceCase {
  return {
    id,
    description: `Send text message fragmented into 2 fragments, ${delivery.label}.`,
    ok: [message('fragment1fragment2')],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment1' }, delivery.options);
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment2' }, delivery.options);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function pingBetweenFragments(id: string, delivery: Delivery): ConformanceCase {
  return {
    id,
    description: `Send text message in 2 fragments with a ping in between, ${delivery.label}.`,
    ok: [pong('ping payload'), message('fragment1fragment2')],
    close: cleanNormalClose,
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment1' }, delivery.options);
      await peer.sendFrame({ opcode: 0x9, payload: 'ping payload' }, delivery.options);
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment2' }, delivery.options);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function continuationFirst(id: string, fin: boolean, delivery: Delivery): ConformanceCase {
  return {
    id,
    description: `Send continuation frame with FIN = ${fin} where there is nothing to continue, then a text message, ${delivery.label}.`,
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode: 0x0, fin, payload: 'non-continuation payload' }, delivery.options);
      await peer.sendFrame({ opcode: 0x1, payload: 'Hello, world!' }, delivery.options);
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function strayContinuationTwice(id: string, fin: boolean): ConformanceCase {
  return {
    id,
    description: `Repeated 2x: continuation frame with FIN = ${fin} (nothing to continue), then text message in 2 fragments.`,
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      for (let round = 0; round < 2; round++) {
        await peer.sendFrame({ opcode: 0x0, fin, payload: 'fragment1' });
        await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment2' });
        await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment3' });
      }
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

function fiveFragmentsTwoPings(id: string, delivery: Delivery): ConformanceCase {
  const fragments = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
  return {
    id,
    description: `Text message in 5 fragments with 2 pings in between and a pause, ${delivery.label}; the first ping is answered before the message ends.`,
    ok: [pong('pongme 1!'), pong('pongme 2!'), message(fragments.join(''))],
    close: cleanNormalClose,
    async play(peer) {
      const { options } = delivery;
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: fragments[0] }, options);
      await peer.sendFrame({ opcode: 0x0, fin: false, payload: fragments[1] }, options);
      await peer.sendFrame({ opcode: 0x9, payload: 'pongme 1!' }, options);
      await sleep(REACTION_WAIT_MS);
      // The pong must already be here: the implementation answers pings mid-message (§5.4, §5.5.2).
      if (peer.received.length !== 1) peer.caseFailure = 'the first ping was not answered before the message ended';
      await peer.sendFrame({ opcode: 0x0, fin: false, payload: fragments[2] }, options);
      await peer.sendFrame({ opcode: 0x0, fin: false, payload: fragments[3] }, options);
      await peer.sendFrame({ opcode: 0x9, payload: 'pongme 2!' }, options);
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: fragments[4] }, options);
      peer.closeAfter(KILL_AFTER_MS);
    },
  };
}

export const fragmentationGroup: ConformanceCase[] = [
  fragmentedControl('5.1', 0x9, 'ping'),
  fragmentedControl('5.2', 0xa, 'pong'),
  twoFragments('5.3', ONE_CHOP),
  twoFragments('5.4', PER_FRAME),
  twoFragments('5.5', PER_OCTET),
  pingBetweenFragments('5.6', ONE_CHOP),
  pingBetweenFragments('5.7', PER_FRAME),
  pingBetweenFragments('5.8', PER_OCTET),
  continuationFirst('5.9', true, ONE_CHOP),
  continuationFirst('5.10', true, PER_FRAME),
  continuationFirst('5.11', true, PER_OCTET),
  continuationFirst('5.12', false, ONE_CHOP),
  continuationFirst('5.13', false, PER_FRAME),
  continuationFirst('5.14', false, PER_OCTET),
  {
    id: '5.15',
    description: 'Text message in 2 fragments, then a continuation with FIN = false and nothing to continue, then a text message, in one chop.',
    ok: [message('fragment1fragment2')],
    nonStrict: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment1' });
      await peer.sendFrame({ opcode: 0x0, fin: true, payload: 'fragment2' });
      await peer.sendFrame({ opcode: 0x0, fin: false, payload: 'fragment3' });
      await peer.sendFrame({ opcode: 0x1, fin: true, payload: 'fragment4' });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  strayContinuationTwice('5.16', false),
  strayContinuationTwice('5.17', true),
  {
    id: '5.18',
    description: 'Text message in 2 fragments with both opcodes set to text, in one chop.',
    ok: [],
    close: failsWith(1002),
    async play(peer) {
      await peer.sendFrame({ opcode: 0x1, fin: false, payload: 'fragment1' });
      await peer.sendFrame({ opcode: 0x1, fin: true, payload: 'fragment2' });
      peer.killAfter(KILL_AFTER_MS);
    },
  },
  fiveFragmentsTwoPings('5.19', ONE_CHOP),
  fiveFragmentsTwoPings('5.20', PER_FRAME),
];
