// Plain TCP sockets read into one buffer shared by every connection of the process, instead of
// into a fresh allocation per read.
//
// Why: for each read Node allocates 64 KiB, shrinks it to what arrived and wraps it in a Buffer
// pushed through the socket's Readable. Above a few KiB per message that is where the server's
// time goes: the kernel copies into pages never touched before, and each first touch is a page
// fault (bench/PROFILE.md: half the page faults of a 64 KiB echo were in the read itself). One
// reused buffer is what uWebSockets does, and what Node offers for sockets it connects itself
// (`net.connect({ onread })`). Node has no public switch for a socket it already made (an
// accepted one, or one handed over by http's 'upgrade'), so the same mechanism is set up on it:
// the socket's stream handle reads into our buffer (`useUserBuffer`) and Node's read callback
// finds our callback where `onread` would have put it. Where anything of that is missing (another
// Node version, TLS, a socket that is not a TCP or pipe handle), the socket simply keeps its
// 'data' events.
//
// Sharing one buffer is safe because reads are delivered one at a time on the main thread and
// the session keeps no reference to it past the callback (protocol/chunk-queue.ts, borrowed).

import { Socket } from 'node:net';

/** As large as the reads Node makes by default, so a read returns as much as it would have. */
const READ_BUFFER_SIZE = 64 * 1024;

/** Called with the bytes of one read, valid only until it returns. */
export type BorrowedReadCallback = (this: Socket, length: number, buffer: Buffer) => void;

interface OnreadSlots {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

interface StreamHandle {
  useUserBuffer?: (buffer: Uint8Array) => void;
  constructor?: { name?: string };
}

type SlottedSocket = Socket & { _handle?: StreamHandle | null } & Record<symbol, unknown>;

/** Find where Node keeps an `onread` option on a socket, by making two sockets that have one. */
function findOnreadSlots(): OnreadSlots | null {
  try {
    const buffer = Buffer.alloc(1);
    const callback = (): void => {};
    const generator = (): Buffer => buffer;
    const withBuffer = new Socket({ onread: { buffer, callback } } as never) as SlottedSocket;
    const withGenerator = new Socket({ onread: { buffer: generator, callback } } as never) as SlottedSocket;
    const slotHolding = (socket: SlottedSocket, value: unknown): symbol | undefined =>
      Object.getOwnPropertySymbols(socket).find((key) => socket[key] === value);
    const slots = {
      buffer: slotHolding(withBuffer, buffer),
      callback: slotHolding(withBuffer, callback),
      generator: slotHolding(withGenerator, generator),
    };
    if (slots.buffer === undefined || slots.callback === undefined || slots.generator === undefined) return null;
    // Without a generator Node must have left that slot empty, or reads would go elsewhere.
    if (withBuffer[slots.generator] != null) return null;
    return slots as OnreadSlots;
  } catch {
    return null;
  }
}

const slots = findOnreadSlots();
let sharedBuffer: Buffer | null = null;

/** Whether this runtime lets sockets read into the shared buffer. */
export const canShareReadBuffer = slots !== null;

/**
 * Make `socket`'s further reads land in the shared buffer and reach `callback` instead of
 * 'data' (chunks already read and buffered still come as 'data'). False when the socket cannot.
 */
export function readIntoSharedBuffer(socket: unknown, callback: BorrowedReadCallback): boolean {
  if (slots === null || !(socket instanceof Socket)) return false;
  const slotted = socket as SlottedSocket;
  const handle = slotted._handle;
  if (handle == null || typeof handle.useUserBuffer !== 'function') return false;
  const kind = handle.constructor?.name;
  if ((kind !== 'TCP' && kind !== 'Pipe') || (socket as { encrypted?: boolean }).encrypted === true) return false;
  if (slotted[slots.buffer] != null) return false;
  sharedBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);
  handle.useUserBuffer(sharedBuffer);
  slotted[slots.buffer] = sharedBuffer;
  slotted[slots.callback] = callback;
  return true;
}

/** Whether `socket` reads into the shared buffer (for tests). */
export function readsIntoSharedBuffer(socket: unknown): boolean {
  return slots !== null && socket instanceof Socket && (socket as SlottedSocket)[slots.buffer] === sharedBuffer && sharedBuffer !== null;
}
