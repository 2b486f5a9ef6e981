// Autobahn 6.x: UTF-8 handling (§8.1). Valid text is echoed however it is fragmented; invalid text
// fails the connection with 1007, and 6.4.x check that it fails fast: at the fragment (or the
// bytes of a frame) where the text became invalid, before the rest of the message arrives.
// The byte sequences of 6.5-6.23 are Markus Kuhn's UTF-8 decoder stress test, grouped as the
// suite groups them (autobahntestsuite/case/case6_x_x.py).
import { isUtf8 } from 'node:buffer';
import {
  KILL_AFTER_MS,
  REACTION_WAIT_MS,
  cleanNormalClose,
  failsWith,
  message,
  sleep,
  timeout,
  type ConformanceCase,
} from './case.js';
import type { RawPeer } from '../peer/peer.js';
import { encodeFrame } from '../peer/wire.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const KOSME = hex('ceba e1bdb9 cf83 cebc ceb5'); // "κόσμε"
const HELLO_UTF8 = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!', 'utf8');
const INVALID_TEXT = hex('cebae1bdb9cf83cebcceb5 eda080 656469746564');

function echoFragments(id: string, description: string, fragments: Buffer[]): ConformanceCase {
  return {
    id,
    description,
    ok: [message(Buffer.concat(fragments))],
    close: cleanNormalClose,
    async play(peer) {
      for (const [index, fragment] of fragments.entries()) {
        await peer.sendFrame({ opcode: index === 0 ? 0x1 : 0x0, fin: index === fragments.length - 1, payload: fragment });
      }
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

const octets = (bytes: Buffer): Buffer[] => [...bytes].map((byte) => Buffer.from([byte]));

function invalidFragments(id: string, description: string, fragments: Buffer[]): ConformanceCase {
  return { ...echoFragments(id, description, fragments), ok: [], close: failsWith(1007) };
}

/** 6.4.x: the message is sent in three parts with pauses; the second part makes it invalid. */
function failFast(id: string, parts: [string, string, string], asOneFrame: boolean): ConformanceCase {
  const [first, second, third] = parts.map(hex);
  const whole = Buffer.concat([first, second, third]);
  return {
    id,
    description: `Invalid UTF-8 text in 3 ${asOneFrame ? 'chops of one frame' : 'fragments'} (${parts.join(' | ')}), pausing after each; the connection must fail right after the 2nd.`,
    ok: [timeout('A')],
    nonStrict: [timeout('A'), timeout('B')],
    close: failsWith(1007),
    async play(peer) {
      if (asOneFrame) {
        // One masked frame header announcing the whole length, then its payload in three writes.
        const frame = encodeFrame({ opcode: 0x1, payload: whole, mask: peer.role === 'client' });
        const headerLength = frame.length - whole.length;
        const cuts = [headerLength + first.length, headerLength + first.length + second.length];
        await peer.sendRaw(frame.subarray(0, cuts[0]));
        await pauseThen(peer, 'A', () => peer.sendRaw(frame.subarray(cuts[0], cuts[1])));
        await pauseThen(peer, 'B', () => peer.sendRaw(frame.subarray(cuts[1])));
      } else {
        await peer.sendFrame({ opcode: 0x1, fin: false, payload: first });
        await pauseThen(peer, 'A', () => peer.sendFrame({ opcode: 0x0, fin: false, payload: second }));
        await pauseThen(peer, 'B', () => peer.sendFrame({ opcode: 0x0, fin: true, payload: third }));
      }
      peer.killAfter(KILL_AFTER_MS);
    },
  };
}

/** Records that the implementation was still open after the pause, then sends the next part. */
async function pauseThen(peer: RawPeer, label: string, next: () => Promise<void>): Promise<void> {
  await sleep(REACTION_WAIT_MS);
  if (!peer.isOpen) return;
  peer.received.push(timeout(label));
  await next();
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Kuhn's stress-test sequences, in the suite's groups 6.5 to 6.23 (validity decided by isUtf8). */
function stressSequences(): Buffer[][] {
  const missingLast = ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf'];
  const nonCharacters = ['efbfbe', 'efbfbf'];
  for (const lead of ['f0', 'f1', 'f2', 'f3', 'f4']) {
    for (const second of ['8f', '9f', 'af', 'bf']) {
      if (lead === 'f4' && second !== '8f') continue; // above U+10FFFF
      for (const last of ['be', 'bf']) {
        if (lead === 'f0' && second === '8f') continue; // overlong
        nonCharacters.push(lead + second + 'bf' + last);
      }
    }
  }
  const lonelyStarts = [
    [0xc0, 0xdf],
    [0xe0, 0xef],
    [0xf0, 0xf7],
    [0xf8, 0xfb],
    [0xfc, 0xfd],
  ].map(([from, to]) => Buffer.from(range(from, to).flatMap((byte) => [byte, 0x20])));
  const groups: (string | Buffer)[][] = [
    ['68656c6c6f24776f726c64', '68656c6c6fc2a2776f726c64', '68656c6c6fe282ac776f726c64', '68656c6c6ff0a4ada2776f726c64', KOSME],
    range(1, KOSME.length + 1).map((end) => KOSME.subarray(0, end)),
    ['00', 'c280', 'e0a080', 'f0908080'],
    ['f888808080', 'fc8480808080'],
    ['7f', 'dfbf', 'efbfbf', 'f48fbfbf'],
    ['f7bfbfbf', 'fbbfbfbfbf', 'fdbfbfbfbfbf'],
    ['ed9fbf', 'ee8080', 'efbfbd', 'f48fbfbf', 'f4908080'],
    ['80', 'bf', '80bf', '80bf80', '80bf80bf', '80bf80bf80', '80bf80bf80bf', Buffer.from(range(0x80, 0xbf))],
    lonelyStarts,
    missingLast,
    [missingLast.join('')],
    ['fe', 'ff', 'fefeffff'],
    ['c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af'],
    ['c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf'],
    ['c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080'],
    ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf'],
    ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf'],
    nonCharacters,
    ['efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbd', 'efbfbe', 'efbfbf'],
  ];
  return groups.map((group) => group.map((item) => (typeof item === 'string' ? hex(item) : item)));
}

function stressCases(): ConformanceCase[] {
  return stressSequences().flatMap((group, groupIndex) =>
    group.map((payload, index): ConformanceCase => {
      const valid = isUtf8(payload);
      return {
        id: `6.${groupIndex + 5}.${index + 1}`,
        description: `Send a text message with ${valid ? 'valid' : 'invalid'} UTF-8 payload 0x${payload.toString('hex')} in one fragment.`,
        ok: valid ? [message(payload)] : [],
        close: valid ? cleanNormalClose : failsWith(1007),
        async play(peer) {
          await peer.sendFrame({ opcode: 0x1, payload });
          peer.killAfter(KILL_AFTER_MS);
        },
      };
    }),
  );
}

export const utf8Group: ConformanceCase[] = [
  echoFragments('6.1.1', 'Send text message of length 0.', [Buffer.alloc(0)]),
  echoFragments('6.1.2', 'Send fragmented text message, 3 fragments each of length 0.', [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)]),
  echoFragments('6.1.3', 'Send fragmented text message, 3 fragments, first and last of length 0.', [
    Buffer.alloc(0),
    Buffer.from('middle frame payload'),
    Buffer.alloc(0),
  ]),
  echoFragments('6.2.1', 'Send a valid UTF-8 text message in one fragment.', [HELLO_UTF8]),
  echoFragments('6.2.2', 'Send a valid UTF-8 text message in two fragments, split on a code point boundary.', [
    HELLO_UTF8.subarray(0, 11),
    HELLO_UTF8.subarray(11),
  ]),
  echoFragments('6.2.3', 'Send a valid UTF-8 text message in fragments of 1 octet.', octets(HELLO_UTF8)),
  echoFragments('6.2.4', 'Send a valid UTF-8 text message in fragments of 1 octet, splitting code points.', octets(KOSME)),
  invalidFragments('6.3.1', 'Send invalid UTF-8 text message unfragmented.', [INVALID_TEXT]),
  invalidFragments('6.3.2', 'Send invalid UTF-8 text message in fragments of 1 octet.', octets(INVALID_TEXT)),
  failFast('6.4.1', ['cebae1bdb9cf83cebcceb5', 'f4908080', '656469746564'], false),
  failFast('6.4.2', ['cebae1bdb9cf83cebcceb5f4', '90', '8080656469746564'], false),
  failFast('6.4.3', ['cebae1bdb9cf83cebcceb5', 'f4908080', '656469746564'], true),
  failFast('6.4.4', ['cebae1bdb9cf83cebcceb5f4', '90', '8080656469746564'], true),
  ...stressCases(),
];
