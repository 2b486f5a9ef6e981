// What send() accepts, as ws accepts it, turned into a Buffer without copying where possible.

export type SendableData = string | Buffer | ArrayBuffer | ArrayBufferView | SharedArrayBuffer | Blob | number | readonly number[];

export function toBuffer(data: Exclude<SendableData, Blob | number>): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) {
    return Buffer.from(data);
  }
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return Buffer.from(data);
  return Buffer.from(String(data));
}
