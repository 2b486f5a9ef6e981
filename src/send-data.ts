// What send() accepts, as ws accepts it, turned into a Buffer without copying where possible.

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
