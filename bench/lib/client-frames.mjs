// Pre-built client frames for the load generator, written from RFC 6455 §5.2 directly so the
// load generator depends on no WebSocket library, least of all the ones under test.
import { randomFillSync } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

const FIN = 0x80;
const RSV1 = 0x40;
const MASK_BIT = 0x80;

/**
 * permessage-deflate (RFC 7692 §7.2.1): compress with raw DEFLATE, flush, and drop the final
 * 0x00 0x00 0xff 0xff of the empty stored block, which the receiver appends back.
 * The load generator offers client_no_context_takeover, so every message is compressed on its
 * own and one pre-built frame can be sent again and again. `windowBits` is the negotiated
 * client_max_window_bits (the first message of a context-takeover stream is compressed alike).
 */
export function compressMessage(payload, windowBits = 15) {
  // zlib has no raw window of 8 bits; 9 only emits distances a 256-byte window holds (2^9 - 262).
  const flushed = deflateRawSync(payload, { windowBits: Math.max(9, windowBits), finishFlush: 2 /* Z_SYNC_FLUSH */ });
  return flushed.subarray(0, flushed.length - 4);
}

/**
 * One complete, masked client frame (FIN set) carrying `payload`.
 * A single mask key is enough here: servers cannot tell, and the key only has to be
 * unpredictable to defeat cache poisoning through intermediaries (§10.3), not on loopback.
 */
export function buildMaskedFrame(payload, { opcode = OPCODE_BINARY, compressed = false } = {}) {
  const lengthBytes = payload.length < 126 ? 0 : payload.length < 0x10000 ? 2 : 8;
  const headerLength = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(headerLength + payload.length);
  frame[0] = FIN | (compressed ? RSV1 : 0) | opcode;
  if (lengthBytes === 0) {
    frame[1] = MASK_BIT | payload.length;
  } else if (lengthBytes === 2) {
    frame[1] = MASK_BIT | 126;
    frame.writeUInt16BE(payload.length, 2);
  } else {
    frame[1] = MASK_BIT | 127;
    frame.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  const key = randomFillSync(Buffer.alloc(4));
  key.copy(frame, 2 + lengthBytes);
  const body = headerLength;
  for (let i = 0; i < payload.length; i++) frame[body + i] = payload[i] ^ key[i & 3];
  return frame;
}

/**
 * `count` copies of one frame laid end to end, so that sending k frames is a single write of
 * the first k * frameLength bytes, without copying anything at send time.
 */
export function repeatFrame(frame, count) {
  const batch = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) frame.copy(batch, i * frame.length);
  return batch;
}
