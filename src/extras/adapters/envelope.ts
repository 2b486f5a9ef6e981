// Wire format of a forwarded broadcast/publish, shared by every adapter that moves bytes.
//
//   byte 0      format version (1)
//   byte 1      kind: 0 broadcast, 1 publish
//   byte 2      flags: bit 0 = binary frame (else text)
//   bytes 3-18  id of the node that sent it (16 random bytes per adapter instance)
//   publish only: 2-byte big-endian topic length, then the topic in UTF-8
//   the rest    the message payload, unchanged
//
// Binary rather than JSON so payloads travel without base64 or escaping, and the receiving node
// can hand the payload on as a view without copying it. The node id lets a node drop its own
// messages when the bus echoes them back (Redis delivers a PUBLISH to every subscriber, the
// publisher's own subscription included), which is what makes delivery exactly-once per node.

import { randomBytes } from 'node:crypto';
import type { ForwardedMessage } from './adapter.js';

const FORMAT_VERSION = 1;
const KIND_BROADCAST = 0;
const KIND_PUBLISH = 1;
const FLAG_BINARY = 0b1;
export const NODE_ID_LENGTH = 16;
const FIXED_HEADER_LENGTH = 3 + NODE_ID_LENGTH;
const MAX_TOPIC_BYTES = 0xffff;

export function createNodeId(): Buffer {
  return randomBytes(NODE_ID_LENGTH);
}

export function encodeEnvelope(nodeId: Buffer, message: ForwardedMessage): Buffer {
  const payload = typeof message.data === 'string' ? Buffer.from(message.data, 'utf8') : message.data;
  const topic = message.kind === 'publish' ? Buffer.from(message.topic ?? '', 'utf8') : undefined;
  if (topic !== undefined && topic.length > MAX_TOPIC_BYTES) {
    throw new RangeError(`topic is ${topic.length} bytes long; at most ${MAX_TOPIC_BYTES} can be forwarded`);
  }
  const headerLength = FIXED_HEADER_LENGTH + (topic === undefined ? 0 : 2 + topic.length);
  const envelope = Buffer.allocUnsafe(headerLength + payload.length);
  envelope[0] = FORMAT_VERSION;
  envelope[1] = topic === undefined ? KIND_BROADCAST : KIND_PUBLISH;
  envelope[2] = message.binary ? FLAG_BINARY : 0;
  nodeId.copy(envelope, 3);
  if (topic !== undefined) {
    envelope.writeUInt16BE(topic.length, FIXED_HEADER_LENGTH);
    topic.copy(envelope, FIXED_HEADER_LENGTH + 2);
  }
  payload.copy(envelope, headerLength);
  return envelope;
}

export interface DecodedEnvelope {
  /** A view into the envelope; compare with `equals`. */
  nodeId: Buffer;
  message: ForwardedMessage & { data: Buffer };
}

/** Returns a description of the problem instead of throwing: a bus may carry anything. */
export function decodeEnvelope(envelope: Buffer): DecodedEnvelope | { malformed: string } {
  if (envelope.length < FIXED_HEADER_LENGTH) return { malformed: `too short (${envelope.length} bytes)` };
  if (envelope[0] !== FORMAT_VERSION) return { malformed: `unknown format version ${envelope[0]}` };
  const kind = envelope[1];
  const binary = (envelope[2]! & FLAG_BINARY) !== 0;
  const nodeId = envelope.subarray(3, FIXED_HEADER_LENGTH);
  if (kind === KIND_BROADCAST) {
    return { nodeId, message: { kind: 'broadcast', binary, data: envelope.subarray(FIXED_HEADER_LENGTH) } };
  }
  if (kind !== KIND_PUBLISH) return { malformed: `unknown kind ${kind}` };
  if (envelope.length < FIXED_HEADER_LENGTH + 2) return { malformed: 'topic length missing' };
  const topicStart = FIXED_HEADER_LENGTH + 2;
  const topicEnd = topicStart + envelope.readUInt16BE(FIXED_HEADER_LENGTH);
  if (topicEnd > envelope.length) return { malformed: 'topic runs past the end' };
  const topic = envelope.toString('utf8', topicStart, topicEnd);
  return { nodeId, message: { kind: 'publish', topic, binary, data: envelope.subarray(topicEnd) } };
}
