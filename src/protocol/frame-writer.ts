// Frame encoding (RFC 6455 §5.2): header with minimal 7/16/64-bit length, optional masking
// (§5.3, clients only), fragmentation (§5.4).
import { encodeClosePayload } from './close.js';
import { maskIntoPool } from './frame-pool.js';
import { applyMask, randomMaskKey } from './mask.js';
import { Opcode } from './opcodes.js';

export interface FrameOptions {
  opcode: number;
  /** Last frame of the message. Default true. */
  fin?: boolean;
  /** RSV1 bit, set by permessage-deflate on a compressed message's first frame. Default false. */
  rsv1?: boolean;
  /** true → random key from randomMaskKey(); a Buffer → that 4-byte key; false/undefined → unmasked. Default unmasked. */
  mask?: boolean | Buffer;
}

/**
 * Unmasked payloads up to this size are copied behind their header into one buffer; larger ones
 * travel as [header, payload]. bench/parser-writev.mjs (loopback socket, cork + two writes vs one
 * copied write) showed no consistent winner up to 1 KiB, and writev ahead from 2 KiB on (e.g.
 * 4 KiB: 356-412 vs 159-311 MiB/s), where the copy starts to cost more than the extra iovec.
 */
export const SINGLE_BUFFER_THRESHOLD = 1024;

/**
 * Frames up to this size are carved from a shared slab rather than each getting a Buffer of its
 * own: consecutive frames then lie back to back, so the send queue writes a tick's frames as one
 * view (one Writable chunk, one iovec), and an ArrayBuffer is made per slab, not per 8 KiB
 * Buffer pool. The slab is 32 KiB: a frame still queued to a slow peer pins at most that.
 */
const SLAB_FRAME_MAX = 4 * 1024;
const SLAB_SIZE = 32 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabOffset = 0;

/** `size` bytes for one frame: from the slab when small, else a Buffer of its own. */
function allocateFrame(size: number): Buffer {
  if (size > SLAB_FRAME_MAX) return Buffer.allocUnsafe(size);
  if (SLAB_SIZE - slabOffset < size) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabOffset = 0;
  }
  const frame = slab.subarray(slabOffset, slabOffset + size);
  slabOffset += size;
  return frame;
}

const MAX_7BIT_LENGTH = 125;
const MAX_16BIT_LENGTH = 0xffff;
const TWO_POW_32 = 2 ** 32;

/** Header size in bytes for a payload length, with the 4-byte key when masked (§5.2). */
export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength <= MAX_7BIT_LENGTH ? 0 : payloadLength <= MAX_16BIT_LENGTH ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/**
 * Write a frame header into `target` at `offset`, with the minimal length encoding (§5.2).
 * Returns the offset just past the header. Works for any length up to 2^53-1 without touching
 * a payload, which is how lengths beyond 4 GiB are tested.
 */
export function writeFrameHeader(
  target: Buffer,
  offset: number,
  payloadLength: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  maskKey: Buffer | undefined,
): number {
  target[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = maskKey === undefined ? 0 : 0x80;
  let at = offset + 2;
  if (payloadLength <= MAX_7BIT_LENGTH) {
    target[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength <= MAX_16BIT_LENGTH) {
    target[offset + 1] = maskBit | 126;
    target.writeUInt16BE(payloadLength, at);
    at += 2;
  } else {
    target[offset + 1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(payloadLength / TWO_POW_32), at);
    target.writeUInt32BE(payloadLength >>> 0, at + 4);
    at += 8;
  }
  if (maskKey !== undefined) {
    target[at] = maskKey[0]!;
    target[at + 1] = maskKey[1]!;
    target[at + 2] = maskKey[2]!;
    target[at + 3] = maskKey[3]!;
    at += 4;
  }
  return at;
}

function resolveMaskKey(mask: boolean | Buffer | undefined): Buffer | undefined {
  if (mask === true) return randomMaskKey();
  if (mask === false || mask === undefined) return undefined;
  return mask;
}

/**
 * The frame as a list of buffers ready for writev/cork: [header+payload] in one buffer when the
 * payload is small (≤ SINGLE_BUFFER_THRESHOLD) or masked, else [header, payload]. When masked,
 * the payload is copied while masking, never mutated: the caller's buffer stays intact. A masked
 * frame larger than a slab's share is built in the frame pool (frame-pool.ts): whoever writes it
 * hands it back with releasePooledFrame once the socket is done with it (the send queue does).
 */
export function encodeFrame(payload: Buffer, options: FrameOptions): Buffer[] {
  const maskKey = resolveMaskKey(options.mask);
  const fin = options.fin ?? true;
  const rsv1 = options.rsv1 ?? false;
  const length = payload.length;
  const headerLength = frameHeaderLength(length, maskKey !== undefined);
  // Masking copies the payload anyway, so the header rides along in the same allocation.
  if (maskKey === undefined) {
    if (length > SINGLE_BUFFER_THRESHOLD) {
      const header = allocateFrame(headerLength);
      writeFrameHeader(header, 0, length, options.opcode, fin, rsv1, undefined);
      return [header, payload];
    }
  } else if (headerLength + length > SLAB_FRAME_MAX) {
    const frame = maskIntoPool(payload, headerLength, maskKey);
    if (frame !== null) {
      writeFrameHeader(frame, 0, length, options.opcode, fin, rsv1, maskKey);
      return [frame];
    }
  }
  return [buildSingleBuffer(payload, options.opcode, fin, rsv1, maskKey, headerLength)];
}

/** Same as encodeFrame but joined into one Buffer (used for broadcast and tests). */
export function encodeFrameToBuffer(payload: Buffer, options: FrameOptions): Buffer {
  const maskKey = resolveMaskKey(options.mask);
  const headerLength = frameHeaderLength(payload.length, maskKey !== undefined);
  return buildSingleBuffer(payload, options.opcode, options.fin ?? true, options.rsv1 ?? false, maskKey, headerLength);
}

function buildSingleBuffer(
  payload: Buffer,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  maskKey: Buffer | undefined,
  headerLength: number,
): Buffer {
  const frame = allocateFrame(headerLength + payload.length);
  writeFrameHeader(frame, 0, payload.length, opcode, fin, rsv1, maskKey);
  // TypedArray#set: Buffer#copy wraps the same memcpy in argument checks and a view.
  if (maskKey === undefined) frame.set(payload, headerLength);
  else applyMask(payload, maskKey, frame, headerLength, 0, payload.length);
  return frame;
}

/**
 * Split one message into frames of at most fragmentSize payload bytes (§5.4): the first frame
 * has the message opcode (and rsv1 if given), then continuations; FIN only on the last. An empty
 * message is one frame. Returns one Buffer per frame, so a caller may interleave control frames
 * between them; writing them all in order gives the whole message. With `mask: true` every frame
 * gets its own random key.
 */
export function encodeFragmentedMessage(
  payload: Buffer,
  opcode: number,
  fragmentSize: number,
  options: { mask?: boolean | Buffer; rsv1?: boolean } = {},
): Buffer[] {
  if (!(fragmentSize >= 1)) throw new RangeError(`fragmentSize must be at least 1, got ${fragmentSize}`);
  const frames: Buffer[] = [];
  let offset = 0;
  do {
    const end = Math.min(offset + fragmentSize, payload.length);
    const first = offset === 0;
    frames.push(
      encodeFrameToBuffer(payload.subarray(offset, end), {
        opcode: first ? opcode : Opcode.Continuation,
        fin: end === payload.length,
        rsv1: first && (options.rsv1 ?? false),
        mask: options.mask,
      }),
    );
    offset = end;
  } while (offset < payload.length);
  return frames;
}

/** A close frame (§5.5.1); code undefined → empty payload. Code and reason must be pre-validated. */
export function encodeCloseFrame(
  code: number | undefined,
  reason: string | Buffer | undefined,
  mask: boolean | Buffer,
): Buffer {
  return encodeFrameToBuffer(encodeClosePayload(code, reason), { opcode: Opcode.Close, mask });
}
