// Masked frames (RFC 6455 §5.3: every client frame) built in reusable memory. A masked frame is
// a copy of the caller's payload whatever we do (their bytes cannot be masked in place), so it is
// built where the masking kernel works, the WebAssembly memory of mask-kernels.ts: the payload is
// copied in once, XORed there 16 bytes at a time, and the socket writes a view of it. Against a
// fresh Buffer per frame, masked through the kernel's scratch page (copy in, XOR, copy out), that
// is one copy less, no allocation and no page faults on new memory; the send queue hands the
// memory back once the socket has written it (releasePooledFrame).
//
// A frame in the pool must never be rewritten while the socket may still read it: nothing here
// is reused until released, and only the send queue releases, from the write's callback, for
// sockets that copy or write what they are given before calling back (net.Socket, tls.TLSSocket).
// A frame that is never released only shrinks the pool; when it is full, frames fall back to a
// Buffer of their own.
import { wasmFrameRegion, wasmKeyWord, type WasmFrameRegion } from './mask-kernels.js';

/** Frames at most this long are cut from frame-writer.ts's slab, never from the pool. */
const POOLED_ABOVE = 4 * 1024;
/** Allocation unit: a frame takes whole units, so the free list stays short. */
const UNIT = 4096;
/** Payloads are copied and masked in blocks of this size, so each block is XORed while in cache. */
const MASK_BLOCK = 64 * 1024;

/** The region, set up on the first masked frame: a process that never masks never grows it. */
let region: WasmFrameRegion | null | undefined;
let regionStart = 0;
/** Free runs of units, sorted by start and never adjacent: [start, end) in freeStarts/freeEnds. */
const freeStarts: number[] = [];
const freeEnds: number[] = [];
/** Units held by the allocation starting at a unit; 0 where none starts. */
let heldUnits = new Uint32Array(0);

function openRegion(): WasmFrameRegion | null {
  region = wasmFrameRegion();
  if (region === null) return null;
  regionStart = region.start;
  const unitCount = Math.floor((region.bytes.length - region.start) / UNIT);
  heldUnits = new Uint32Array(unitCount);
  if (unitCount > 0) {
    freeStarts.push(0);
    freeEnds.push(unitCount);
  }
  return region;
}

/** First fit: the start unit of `units` free units, or -1 when no run is long enough. */
function allocateUnits(units: number): number {
  for (let i = 0; i < freeStarts.length; i++) {
    const start = freeStarts[i]!;
    if (freeEnds[i]! - start < units) continue;
    if (freeEnds[i]! - start === units) {
      freeStarts.splice(i, 1);
      freeEnds.splice(i, 1);
    } else {
      freeStarts[i] = start + units;
    }
    heldUnits[start] = units;
    return start;
  }
  return -1;
}

function releaseUnits(start: number): void {
  const units = heldUnits[start]!;
  if (units === 0) return; // Not an allocation's start, or released already.
  heldUnits[start] = 0;
  const end = start + units;
  let i = 0;
  while (i < freeStarts.length && freeStarts[i]! < start) i++;
  const joinsBefore = i > 0 && freeEnds[i - 1] === start;
  const joinsAfter = i < freeStarts.length && freeStarts[i] === end;
  if (joinsBefore && joinsAfter) {
    freeEnds[i - 1] = freeEnds[i]!;
    freeStarts.splice(i, 1);
    freeEnds.splice(i, 1);
  } else if (joinsBefore) {
    freeEnds[i - 1] = end;
  } else if (joinsAfter) {
    freeStarts[i] = start;
  } else {
    freeStarts.splice(i, 0, start);
    freeEnds.splice(i, 0, end);
  }
}

/**
 * A pooled frame: header at `frameOffset`, then the masked payload, which starts 16-byte
 * aligned; null when the pool has no room (the caller builds the frame elsewhere).
 * `headerLength` bytes are left for the caller to fill with the header.
 */
export function maskIntoPool(payload: Uint8Array, headerLength: number, key: Uint8Array): Buffer | null {
  const region = openedRegion();
  if (region === null) return null;
  const length = payload.length;
  // The header ends where the payload starts, on a 16-byte boundary; the last 16-byte unit
  // XORed may run up to 15 bytes past the payload, into this allocation's own slack.
  const pad = (16 - (headerLength & 15)) & 15;
  const units = Math.ceil((pad + headerLength + length + 15) / UNIT);
  const unit = allocateUnits(units);
  if (unit < 0) return null;
  const frameOffset = regionStart + unit * UNIT + pad;
  const payloadOffset = frameOffset + headerLength;
  const { bytes, maskInPlace } = region;
  const keyWord = wasmKeyWord(key);
  for (let done = 0; done < length; done += MASK_BLOCK) {
    const size = Math.min(MASK_BLOCK, length - done);
    bytes.set(done === 0 && size === length ? payload : payload.subarray(done, done + size), payloadOffset + done);
    maskInPlace(payloadOffset + done, payloadOffset + done + size, keyWord);
  }
  return Buffer.from(bytes.buffer, frameOffset, headerLength + length);
}

function openedRegion(): WasmFrameRegion | null {
  return region === undefined ? openRegion() : region;
}

/** Whether `frame` lies in the pool (and must go back with releasePooledFrame once written). */
export function isPooledFrame(frame: Uint8Array): boolean {
  // Only frames above the slab's 4 KiB are pooled (frame-writer.ts): the length is read first
  // because reading .buffer on every frame was 10% of a 1 KiB echo (in-process profile).
  return frame.length > POOLED_ABOVE && region != null && frame.buffer === region.bytes.buffer && frame.byteOffset >= regionStart;
}

/** The socket is done with `frame`: its memory may be reused. Anything else is ignored. */
export function releasePooledFrame(frame: Uint8Array): void {
  if (!isPooledFrame(frame)) return;
  releaseUnits(Math.floor((frame.byteOffset - regionStart) / UNIT));
}

/** Free units, for tests: all of them once every frame is released. */
export function pooledUnitsFree(): { free: number; total: number } {
  openedRegion();
  let free = 0;
  for (let i = 0; i < freeStarts.length; i++) free += freeEnds[i]! - freeStarts[i]!;
  return { free, total: heldUnits.length };
}
