import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNodeId, decodeEnvelope, encodeEnvelope } from '../../src/extras/adapters/envelope.js';

describe('envelope: what one node encodes, another decodes unchanged', () => {
  it('round-trips any broadcast or publish, text or binary', () => {
    const message = fc.oneof(
      fc.record({ kind: fc.constant('broadcast' as const), data: fc.uint8Array().map((b) => Buffer.from(b)), binary: fc.boolean() }),
      fc.record({ kind: fc.constant('publish' as const), topic: fc.string({ unit: 'grapheme' }), data: fc.string(), binary: fc.boolean() }),
    );
    fc.assert(
      fc.property(message, (original) => {
        const nodeId = createNodeId();
        const decoded = decodeEnvelope(encodeEnvelope(nodeId, original));
        if ('malformed' in decoded) throw new Error(decoded.malformed);
        expect(decoded.nodeId.equals(nodeId)).toBe(true);
        expect(decoded.message.kind).toBe(original.kind);
        expect(decoded.message.binary).toBe(original.binary);
        expect(decoded.message.data.equals(Buffer.from(original.data))).toBe(true);
        if (original.kind === 'publish') expect(decoded.message.topic).toBe(original.topic);
      }),
    );
  });

  it('lays out a publish exactly as documented', () => {
    const nodeId = Buffer.alloc(16, 0xab);
    const envelope = encodeEnvelope(nodeId, { kind: 'publish', topic: 'ab', data: 'hi', binary: true });
    expect([...envelope]).toEqual([1, 1, 1, ...nodeId, 0, 2, 0x61, 0x62, 0x68, 0x69]);
  });

  it('refuses a topic longer than the 16-bit length field', () => {
    expect(() => encodeEnvelope(createNodeId(), { kind: 'publish', topic: 'x'.repeat(65_536), data: '', binary: false })).toThrow(RangeError);
  });
});

describe('envelope: anything else on the channel is reported as malformed, never thrown', () => {
  const header = (version: number, kind: number): number[] => [version, kind, 0, ...Buffer.alloc(16)];
  it.each([
    ['empty', []],
    ['truncated header', [1, 0, 0, 1, 2]],
    ['unknown version', header(2, 0)],
    ['unknown kind', header(1, 7)],
    ['publish without topic length', header(1, 1)],
    ['topic past the end', [...header(1, 1), 0, 5, 0x61]],
  ])('%s', (_name, bytes) => {
    expect(decodeEnvelope(Buffer.from(bytes))).toHaveProperty('malformed');
  });

  it('arbitrary bytes decode or are malformed, without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeEnvelope(Buffer.from(bytes));
      }),
    );
  });
});
