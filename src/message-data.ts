// Message data both ways, as ws handles it: what send() accepts, turned into a Buffer without a
// copy where possible, and a received binary message in the form binaryType asks for.

import { isValidWireCloseCode } from './protocol/opcodes.js';
import type { BufferLike } from './websocket-events.js';

/** Everything ws's send() accepts (issue 11: the same union as ws's types, valueOf() objects included). */
export type SendableData = BufferLike;

export function toBuffer(data: Exclude<SendableData, Blob | number>): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) {
    return Buffer.from(data);
  }
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.from(data);
  // Objects converting through valueOf() or Symbol.toPrimitive, by Buffer.from's rules as in ws.
  return Buffer.from(data as unknown as string);
}

const EMPTY = Buffer.alloc(0);

export function isBlob(data: unknown): data is Blob {
  return typeof Blob !== 'undefined' && data instanceof Blob;
}

/** A message's data as ws reads it: a number as its text; undefined, null and false as nothing. */
export function normalizeMessageData(data: SendableData | null | undefined | false): Exclude<SendableData, number> {
  if (typeof data === 'number') return String(data);
  return data == null || data === false ? EMPTY : data;
}

/** A ping or pong payload as ws reads it (a Blob cannot be read synchronously: empty). */
export function controlPayload(data: SendableData | null | undefined | false): Buffer {
  const normalized = normalizeMessageData(data);
  return isBlob(normalized) ? EMPTY : toBuffer(normalized);
}

export type BinaryForm = 'nodebuffer' | 'arraybuffer' | 'fragments' | 'blob';

/** A received binary message in the form `binaryType` asks for. */
export function convertBinary(type: BinaryForm, fragments: Buffer[], length: number): unknown {
  switch (type) {
    case 'nodebuffer':
      return fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, length);
    case 'fragments':
      return fragments;
    case 'blob':
      return new Blob(fragments);
    case 'arraybuffer': {
      const buffer = fragments.length === 1 ? fragments[0] : Buffer.concat(fragments, length);
      if (buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength) return buffer.buffer;
      return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    }
  }
}

/** close(code, reason)'s arguments as ws checks them (RFC 6455 §7.4 codes, a reason of at most 123 bytes, §5.5). */
export function checkCloseArguments(code: number | undefined, reason: string | Buffer | undefined): Buffer | undefined {
  if (code !== undefined && (typeof code !== 'number' || !isValidWireCloseCode(code))) {
    throw new TypeError('First argument must be a valid error code number');
  }
  const reasonBuffer = reason === undefined ? undefined : typeof reason === 'string' ? Buffer.from(reason) : reason;
  if (reasonBuffer !== undefined && reasonBuffer.length > 123) throw new RangeError('The message must not be greater than 123 bytes');
  return reasonBuffer;
}
