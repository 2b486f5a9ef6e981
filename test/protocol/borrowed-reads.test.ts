// Reads into memory the transport reuses (transport/shared-read-buffer.ts): the core may read
// events from a borrowed chunk, but nothing it hands out or keeps may point into that memory once
// release() returns. Checked by overwriting the borrowed memory after every release and comparing
// everything delivered, at the end, with what was sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFragmentedMessage, encodeFrameToBuffer } from '../../src/protocol/frame-writer.js';
import { MessageReader, type ProtocolEvent } from '../../src/protocol/message.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { isViolation } from '../../src/protocol/violation.js';
import { splitAt } from './helpers.js';

const GARBAGE = 0xee;

/**
 * Deliver `pieces` the way the transport does: each copied into one reused buffer, read until
 * the reader has nothing more or `pauseAfter` says to stop (a paused socket), then released and
 * the buffer overwritten.
 */
function readBorrowed(reader: MessageReader, pieces: Buffer[], pauseAfter: (index: number) => number): ProtocolEvent[] {
  const scratch = Buffer.alloc(Math.max(1, ...pieces.map((piece) => piece.length)));
  const events: ProtocolEvent[] = [];
  pieces.forEach((piece, index) => {
    piece.copy(scratch);
    reader.pushBorrowed(scratch.subarray(0, piece.length));
    const budget = pauseAfter(index);
    for (let taken = 0, event = reader.next(); event !== null; event = taken < budget ? reader.next() : null) {
      events.push(event);
      taken++;
      if (isViolation(event)) break;
    }
    reader.release();
    scratch.fill(GARBAGE);
  });
  // The "socket" resumes: what waited is read from the reader's own copies.
  for (let event = reader.next(); event !== null && !isViolation(events.at(-1) ?? {}); event = reader.next()) events.push(event);
  return events;
}

function describeEvent(event: ProtocolEvent): string {
  if (event.type === 'message') return `${event.binary ? 'binary' : 'text'}:${Buffer.concat(event.fragments).toString('hex')}`;
  if (event.type === 'ping') return `ping:${event.data.toString('hex')}`;
  return JSON.stringify(event);
}

const payloadArbitrary = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ binary: true, payload: Buffer.from(bytes) })) },
  {
    weight: 3,
    arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ binary: false, payload: Buffer.from(text.repeat(1 + (text.length % 7) * 40)) })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 140_000 }).map((size) => ({ binary: size % 2 === 0, payload: Buffer.from('é✓'.repeat(size / 5)) })),
  },
);

describe('borrowed chunks', () => {
  it('give the same events as owned chunks, and nothing delivered changes when the memory is reused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(payloadArbitrary, fc.integer({ min: 1, max: 200_000 }), fc.boolean()), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 14 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 16 }),
        (messages, fromClient, rawCuts, pauses) => {
          const mask = fromClient ? true : false;
          const wire: Buffer[] = [];
          const expected: string[] = [];
          for (const [{ binary, payload }, fragmentSize, withPing] of messages) {
            const frames = encodeFragmentedMessage(payload, binary ? Opcode.Binary : Opcode.Text, fragmentSize, { mask });
            wire.push(...frames);
            expected.push(`${binary ? 'binary' : 'text'}:${payload.toString('hex')}`);
            if (withPing) {
              wire.push(encodeFrameToBuffer(Buffer.from('ping'), { opcode: Opcode.Ping, mask }));
              expected.push(`ping:${Buffer.from('ping').toString('hex')}`);
            }
          }
          const bytes = Buffer.concat(wire);
          const pieces = splitAt(bytes, rawCuts.map((cut) => cut % (bytes.length + 1)));
          const reader = new MessageReader({ role: fromClient ? 'server' : 'client', maxPayload: 0, allowRsv1: false });
          const events = readBorrowed(reader, pieces, (index) => (pauses.length === 0 ? Infinity : pauses[index % pauses.length]!));
          expect(events.map(describeEvent)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fail invalid UTF-8 in a long text frame while it is still arriving (§8.1), across borrowed reads', () => {
    const text = Buffer.concat([Buffer.from('a'.repeat(40_000)), Buffer.from([0xff]), Buffer.from('b'.repeat(40_000))]);
    const frame = encodeFrameToBuffer(text, { opcode: Opcode.Text, mask: true });
    const reader = new MessageReader({ role: 'server', maxPayload: 0, allowRsv1: false });
    // The first 60,000 bytes hold the invalid byte; the rest never needs to come.
    const events = readBorrowed(reader, [frame.subarray(0, 30_000), frame.subarray(30_000, 60_000)], () => Infinity);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ closeCode: 1007 });
  });

  it('keep no more than twice the bytes that arrived, whatever length a header announces (§10.4)', () => {
    const announced = 64 * 1024 * 1024;
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x04, 0, 0, 0, 1, 2, 3, 4]);
    const reader = new MessageReader({ role: 'server', maxPayload: 0, allowRsv1: false });
    const before = process.memoryUsage().arrayBuffers;
    const scratch = Buffer.alloc(1024 + header.length);
    header.copy(scratch);
    reader.pushBorrowed(scratch);
    expect(reader.next()).toBeNull();
    reader.release();
    scratch.fill(GARBAGE);
    expect(reader.bufferedBytes).toBe(1024);
    // Nothing near the announced 64 MiB was set aside for it.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });
});
