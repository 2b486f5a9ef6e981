// The test peer's own framing (RFC 6455 §5.2), written independently of src/ so that a bug in
// the library cannot hide itself by being mirrored in the peer. It can build frames the library
// must reject (reserved bits, reserved opcodes, oversized control frames, wrong masking).
import { randomBytes } from 'node:crypto';
import { ByteQueue } from './byte-queue.js';

export interface FrameSpec {
  opcode: number;
  /** Default true. */
  fin?: boolean;
  /** RSV1-3 as a 3-bit number (4 = RSV1, 2 = RSV2, 1 = RSV3). Default 0. */
  rsv?: number;
  payload?: Buffer | string;
  /** Mask the payload (a client must, a server must not, §5.1). */
  mask: boolean;
  /** Announce this payload length but send the given payload repeated to fill it (Autobahn's payload_len). */
  payloadLength?: number;
}

export interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** Repeats `pattern` until it is exactly `length` bytes long. */
export function repeatTo(pattern: Buffer | string, length: number): Buffer {
  const unit = toBuffer(pattern);
  const out = Buffer.allocUnsafe(length);
  if (unit.length === 0) return out.fill(0);
  for (let offset = 0; offset < length; offset += unit.length) unit.copy(out, offset, 0, Math.min(unit.length, length - offset));
  return out;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const raw = toBuffer(spec.payload);
  const payload = spec.payloadLength === undefined ? raw : repeatTo(raw, spec.payloadLength);
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (spec.mask ? 4 : 0));
  header[0] = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 0x7) << 4) | (spec.opcode & 0xf);
  header[1] = (spec.mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!spec.mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([header, masked]);
}

/** Incremental frame reader: feed bytes, pull whole frames. */
export class FrameReader {
  private readonly queue = new ByteQueue();

  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /** The next complete frame, or undefined when more bytes are needed. */
  next(): WireFrame | undefined {
    if (this.queue.length < 2) return undefined;
    const head = this.queue.peek(2);
    const masked = (head[1] & 0x80) !== 0;
    const short = head[1] & 0x7f;
    const lengthBytes = short === 126 ? 2 : short === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    if (this.queue.length < headerLength) return undefined;
    const header = this.queue.peek(headerLength);
    const length =
      lengthBytes === 0 ? short : lengthBytes === 2 ? header.readUInt16BE(2) : Number(header.readBigUInt64BE(2));
    if (this.queue.length < headerLength + length) return undefined;
    this.queue.take(headerLength);
    const payload = this.queue.take(length);
    if (masked) {
      const key = header.subarray(2 + lengthBytes, headerLength);
      for (let i = 0; i < length; i++) payload[i] ^= key[i & 3];
    }
    return { fin: (head[0] & 0x80) !== 0, rsv: (head[0] >> 4) & 0x7, opcode: head[0] & 0xf, masked, payload };
  }
}

/** A close frame payload: 2-byte code, then a UTF-8 reason (§5.5.1). */
export function closePayload(code?: number, reason: Buffer | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code, 0);
  return Buffer.concat([head, toBuffer(reason)]);
}
