// Properties of the whole core: what the writer produces the reader gives back, whatever the
// chunking; and arbitrary bytes never throw, only ever yielding events or an allowed violation.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser } from '../../src/protocol/frame-parser.js';
import { encodeFragmentedMessage, encodeFrameToBuffer } from '../../src/protocol/frame-writer.js';
import { MessageReader, type ProtocolEvent } from '../../src/protocol/message.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { isViolation } from '../../src/protocol/violation.js';
import { copies, readAll, splitAt } from './helpers.js';

const maskArbitrary = fc.oneof(
  fc.constant<true>(true),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((bytes) => Buffer.from(bytes)),
);

const messageArbitrary = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      binary: fc.constant(true),
      payload: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      binary: fc.constant(false),
      payload: fc.string({ unit: 'binary', maxLength: 100 }).map((text) => Buffer.from(text, 'utf8')),
    }),
  },
  {
    // Now and then large enough for 64-bit lengths, and 16-bit ones once fragmented.
    weight: 1,
    arbitrary: fc.record({
      binary: fc.constant(true),
      payload: fc.integer({ min: 60_000, max: 70_000 }).map((size) => Buffer.alloc(size, size & 0xff)),
    }),
  },
);

const pingArbitrary = fc.uint8Array({ maxLength: 125 }).map((bytes) => Buffer.from(bytes));

interface Expected {
  type: 'message' | 'ping';
  binary?: boolean;
  /** Hex: comparing strings is fast, deep-comparing 64 KiB Buffers element-wise is not. */
  bytes: string;
}

/** Observable content of an event, for comparison with what was sent. */
function observed(event: ProtocolEvent): Expected {
  if (event.type === 'message') return { type: 'message', binary: event.binary, bytes: Buffer.concat(event.fragments).toString('hex') };
  if (event.type === 'ping') return { type: 'ping', bytes: event.data.toString('hex') };
  throw new Error(`unexpected event ${JSON.stringify(event)}`);
}

describe('write → parse round trip', () => {
  it('arbitrary messages, fragment sizes, masks, pings between fragments and chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(messageArbitrary, fc.integer({ min: 1, max: 80_000 }), fc.option(pingArbitrary)), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.boolean(),
        maskArbitrary,
        fc.array(fc.nat(), { maxLength: 12 }),
        (messages, fromClient, mask, rawCuts) => {
          const wire: Buffer[] = [];
          const expected: Expected[] = [];
          const frameMask = fromClient ? mask : false;
          for (const [{ binary, payload }, fragmentSize, ping] of messages) {
            const frames = encodeFragmentedMessage(payload, binary ? Opcode.Binary : Opcode.Text, fragmentSize, {
              mask: frameMask,
            });
            const message: Expected = { type: 'message', binary, bytes: payload.toString('hex') };
            if (ping === null) {
              wire.push(...frames);
              expected.push(message);
            } else {
              // §5.5: a control frame may sit between fragments (or after a one-frame message)
              // and is delivered at once, before the message it interrupts.
              wire.push(frames[0]!, encodeFrameToBuffer(ping, { opcode: Opcode.Ping, mask: frameMask }), ...frames.slice(1));
              const pingEvent: Expected = { type: 'ping', bytes: ping.toString('hex') };
              expected.push(...(frames.length === 1 ? [message, pingEvent] : [pingEvent, message]));
            }
          }
          const bytes = Buffer.concat(wire);
          const cuts = rawCuts.map((cut) => cut % (bytes.length + 1));
          const role = fromClient ? 'server' : 'client';
          const events = readAll({ role, maxPayload: 0, allowRsv1: false }, ...copies(splitAt(bytes, cuts)));
          expect(events.map(observed)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time delivery gives the same frames as one chunk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 3 }),
        maskArbitrary,
        (messages, mask) => {
          const bytes = Buffer.concat(
            messages.flatMap(([payload, size]) => encodeFragmentedMessage(Buffer.from(payload), Opcode.Binary, size, { mask })),
          );
          const options = { role: 'server', maxPayload: 0, allowRsv1: false } as const;
          const whole = readAll(options, Buffer.from(bytes)).map(observed);
          const oneByOne = readAll(options, ...[...bytes].map((byte) => Buffer.from([byte]))).map(observed);
          expect(oneByOne).toEqual(whole);
          expect(whole.map((event) => event.bytes)).toEqual(messages.map(([payload]) => Buffer.from(payload).toString('hex')));
        },
      ),
      { numRuns: 200 },
    );
  });
});

const ALLOWED_CLOSE_CODES = [1002, 1007, 1009];

/** Arbitrary bytes, sometimes prefixed with plausible headers so parsing gets past byte 2. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(0x00, 0x01, 0x02, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8a, 0xc1, 0x41, 0x40, 0xc0),
        fc.integer({ min: 0, max: 127 }),
        fc.uint8Array({ maxLength: 30 }),
      ),
      { maxLength: 10 },
    )
    .map((frames) => Buffer.concat(frames.map(([first, second, rest]) => Buffer.from([first, second, ...rest])))),
);

describe('arbitrary bytes never throw', () => {
  it('FrameParser ends in null or a violation with close code 1002/1007/1009', () => {
    fc.assert(
      fc.property(
        hostileBytes,
        fc.array(fc.nat(200), { maxLength: 8 }),
        fc.constantFrom('server', 'client'),
        fc.boolean(),
        fc.constantFrom(0, 10, 1000),
        (bytes, cuts, role, allowRsv1, maxPayload) => {
          const parser = new FrameParser({ role, allowRsv1, maxPayload });
          for (const chunk of splitAt(bytes, cuts)) {
            parser.push(chunk);
            for (let result = parser.next(); result !== null; result = parser.next()) {
              if (isViolation(result)) {
                expect(ALLOWED_CLOSE_CODES).toContain(result.closeCode);
                expect(parser.next()).toBe(result);
                return;
              }
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('MessageReader ends in null, events, or a violation with close code 1002/1007/1009', () => {
    fc.assert(
      fc.property(
        hostileBytes,
        fc.array(fc.nat(200), { maxLength: 8 }),
        fc.constantFrom('server', 'client'),
        fc.boolean(),
        fc.constantFrom(0, 10, 1000),
        (bytes, cuts, role, allowRsv1, maxPayload) => {
          const reader = new MessageReader({ role, allowRsv1, maxPayload });
          for (const chunk of splitAt(bytes, cuts)) {
            reader.push(chunk);
            for (let event = reader.next(); event !== null; event = reader.next()) {
              if (isViolation(event)) {
                expect(ALLOWED_CLOSE_CODES).toContain(event.closeCode);
                expect(reader.next()).toBe(event);
                return;
              }
              expect(['message', 'ping', 'pong', 'close', 'compressed']).toContain(event.type);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
