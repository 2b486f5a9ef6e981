// The few WebIDL conversions the WebSockets Standard's signatures need, done as WebIDL does them
// (https://webidl.spec.whatwg.org/#es-type-mapping), so that odd arguments behave as in browsers.

/** A close reason is at most 123 bytes: 125 bytes of control payload less the 2-byte code (RFC 6455 §5.5). */
export const MAX_REASON_BYTES = 123;

/** DOMString: ToString, which throws a TypeError for a Symbol (String() would not). */
export function toDOMString(value: unknown): string {
  return `${value as string}`;
}

/** USVString: a DOMString whose lone surrogates become U+FFFD. */
export function toUSVString(value: unknown): string {
  const text = toDOMString(value);
  return hasLoneSurrogate(text) ? Buffer.from(text, 'utf8').toString('utf8') : text;
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit >= 0xdc00) return true;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** ToNumber as WebIDL applies it: a BigInt or Symbol is a TypeError (unary plus throws for both). */
function toNumber(value: unknown): number {
  return +(value as number);
}

/** [Clamp] unsigned short: NaN is 0, clamp to 0..65535, round half to even. */
export function toClampedUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (Number.isNaN(x)) return 0;
  const clamped = Math.min(Math.max(x, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** unsigned short without [Clamp]: truncate, then modulo 2^16. */
export function toUnsignedShort(value: unknown): number {
  const x = toNumber(value);
  if (!Number.isFinite(x)) return 0;
  const truncated = Math.trunc(x);
  return ((truncated % 65536) + 65536) % 65536;
}

/** A dictionary argument: undefined and null are empty, any other non-object is a TypeError. */
export function toDictionary(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' && typeof value !== 'function') {
    throw new TypeError(`Failed to convert value to '${name}': not an object.`);
  }
  return value as Record<string, unknown>;
}

/** sequence<T>: an object with Symbol.iterator, read to its end. */
export function toSequence<T>(value: unknown, convert: (item: unknown) => T, name: string): T[] {
  const iterator = isObject(value) ? (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] : undefined;
  if (typeof iterator !== 'function') {
    throw new TypeError(`Failed to convert value to 'sequence<${name}>': the object must have a callable @@iterator property.`);
  }
  const result: T[] = [];
  for (const item of { [Symbol.iterator]: () => iterator.call(value) } as Iterable<unknown>) result.push(convert(item));
  return result;
}

export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/** Is this a BufferSource (ArrayBuffer or a view of one), as a WebIDL union tells them apart? */
export function isBufferSource(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) || isSharedArrayBuffer(value);
}

export function isSharedArrayBuffer(value: unknown): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer;
}

export function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/**
 * The bytes of a BufferSource, copied: the standard sends the data as it is at the call, and the
 * caller may reuse its buffer as soon as send() returns. A shared buffer is a TypeError (BufferSource
 * excludes [AllowShared]).
 */
export function copyBufferSource(data: ArrayBuffer | ArrayBufferView): Buffer {
  if (isSharedArrayBuffer(data) || (ArrayBuffer.isView(data) && isSharedArrayBuffer(data.buffer))) {
    throw new TypeError('Failed to execute: the provided ArrayBufferView value must not be shared.');
  }
  if (ArrayBuffer.isView(data)) return Buffer.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return Buffer.from(new Uint8Array(data));
}
