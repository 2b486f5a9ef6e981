// Errors users match on: a raw TCP peer sends the same malformed frames to ws's client and to
// ws6455's; the 'error' each emits (class, code, message), the close code each sends back and
// its 'close' event are compared (ws's doc/ws.md, "Event: 'error'" and the WS_ERR_* codes).
import type net from 'node:net';
import { describe } from 'vitest';
import { acceptHandshake, compareClientBehaviours, reportClientTally, waitUntil } from './client-support.js';

reportClientTally('client-errors');

/** A server frame (unmasked unless `mask`), header bits given as they go on the wire. */
function frame(first: number, payload: Buffer | string, options: { mask?: boolean; length?: Buffer } = {}): Buffer {
  const body = Buffer.from(payload);
  const mask = options.mask ? Buffer.from([1, 2, 3, 4]) : null;
  const lengthBytes = options.length ?? (body.length < 126 ? Buffer.alloc(0) : Buffer.from([body.length >> 8, body.length & 0xff]));
  const lengthCode = options.length ? (options.length.length === 8 ? 127 : 126) : body.length < 126 ? body.length : 126;
  const header = Buffer.from([first, (mask ? 0x80 : 0) | lengthCode]);
  const masked = mask ? Buffer.from(body.map((byte, i) => byte ^ mask[i % 4]!)) : body;
  return Buffer.concat([header, lengthBytes, mask ?? Buffer.alloc(0), masked]);
}

/** The close code in the first close frame the client sent (client frames are masked). */
function closeCodeFrom(bytes: Buffer): string {
  for (let at = 0; at + 2 <= bytes.length; ) {
    const opcode = bytes[at]! & 0x0f;
    const length = bytes[at + 1]! & 0x7f;
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    const start = at + 2 + (masked ? 4 : 0);
    if (opcode === 0x8) {
      if (length < 2) return 'close frame without code';
      const key = bytes.subarray(at + 2, at + 6);
      return `close frame ${((bytes[start]! ^ key[0]!) << 8) | (bytes[start + 1]! ^ key[1]!)}`;
    }
    at = start + length;
  }
  return 'no close frame';
}

const cases: Array<[string, Buffer[], object?]> = [
  ['reserved opcode 5', [frame(0x85, 'x')]],
  ['reserved control opcode 0xB', [frame(0x8b, '')]],
  ['continuation frame without a message', [frame(0x80, 'x')]],
  ['a new text frame inside a fragmented message', [frame(0x01, 'a'), frame(0x81, 'b')]],
  ['RSV1 without permessage-deflate', [frame(0xc1, 'x')], { perMessageDeflate: false }],
  ['RSV2 set', [frame(0xa1, 'x')]],
  ['a masked server frame', [frame(0x81, 'x', { mask: true })]],
  ['a ping over 125 bytes', [frame(0x89, Buffer.alloc(126))]],
  ['a fragmented ping', [frame(0x09, 'x')]],
  ['invalid UTF-8 in a text message', [frame(0x81, Buffer.from([0xc3, 0x28]))]],
  ['invalid UTF-8 in a close reason', [frame(0x88, Buffer.from([0x03, 0xe8, 0xff]))]],
  ['a close payload of one byte', [frame(0x88, Buffer.from([0x03]))]],
  ['close code 1005 on the wire', [frame(0x88, Buffer.from([0x03, 0xed]))]],
  ['close code 2999', [frame(0x88, Buffer.from([0x0b, 0xb7]))]],
  ['a 64-bit length with the top bits set', [frame(0x82, '', { length: Buffer.from([0x00, 0x20, 0, 0, 0, 0, 0, 0]) })]],
  ['a message over maxPayload', [frame(0x82, Buffer.alloc(200))], { maxPayload: 100 }],
  ['fragments over maxPayload together', [frame(0x02, Buffer.alloc(60)), frame(0x80, Buffer.alloc(60))], { maxPayload: 100 }],
];

describe("event: 'error' for malformed frames (class, code, message) and the close that follows", () => {
  compareClientBehaviours(
    cases.map(([title, frames, options]) => ({
      title,
      async run(scope) {
        let fromClient = Buffer.alloc(0);
        let peer: net.Socket | undefined;
        const { url } = await scope.rawServer((socket) => {
          peer = socket;
          void acceptHandshake(socket).then(() => {
            socket.on('data', (chunk: Buffer) => (fromClient = Buffer.concat([fromClient, chunk])));
            for (const bytes of frames) socket.write(bytes);
          });
        });
        const ws = scope.client(url, [], options ?? {});
        const saw = scope.record(ws);
        await saw('close');
        await waitUntil(() => peer !== undefined, 'the peer');
        scope.note(closeCodeFrom(fromClient));
      },
    })),
  );
});

describe('invalid UTF-8 in the first fragment of a text message', () => {
  compareClientBehaviours([
    {
      title: 'is reported when it arrives',
      differs: {
        why: 'ws6455 fails the connection as soon as a fragment cannot be completed to valid UTF-8 (RFC 6455 §8.1); ws waits for the last fragment',
        ws: [' open 1', 'final fragment sent', ' error Error[WS_ERR_INVALID_UTF8]: Invalid WebSocket frame: invalid UTF-8 sequence 2', ' close 1006 "" 3'],
        ws6455: [' open 1', ' error Error[WS_ERR_INVALID_UTF8]: Invalid WebSocket frame: invalid UTF-8 sequence 2', ' close 1006 "" 3', 'final fragment sent'],
      },
      async run(scope) {
        const { url } = await scope.rawServer((socket) => {
          void acceptHandshake(socket).then(() => {
            socket.write(frame(0x01, Buffer.from([0xff])));
            setTimeout(() => {
              scope.note('final fragment sent');
              if (!socket.destroyed) socket.write(frame(0x80, 'x'));
            }, 500);
          });
        });
        const saw = scope.record(scope.client(url));
        await saw('close');
        await new Promise((resolve) => setTimeout(resolve, 550));
      },
    },
  ]);
});
