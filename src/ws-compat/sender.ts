// ws's `Sender` (require('ws').Sender): the static `Sender.frame(data, options)` that code built
// on ws calls to frame data itself, and a small Sender writing frames to a socket. Built on the
// protocol core's header writer and masking.

import type { Duplex } from 'node:stream';
import { writeFrameHeader, frameHeaderLength } from '../protocol/frame-writer.js';
import { applyMask, randomMaskKey } from '../protocol/mask.js';
import { encodeClosePayload } from '../protocol/close.js';
import { isValidWireCloseCode, Opcode } from '../protocol/opcodes.js';
import { toBuffer, type SendableData } from '../message-data.js';

export interface FrameOptions {
  /** The opcode (0-15). */
  opcode: number;
  /** Set FIN. Default false. */
  fin?: boolean;
  /** Set RSV1 (a compressed message's first frame). Default false. */
  rsv1?: boolean;
  /** Mask the payload (client frames). Default false. */
  mask?: boolean;
  /** Where the 4-byte key is written; default a shared buffer. */
  maskBuffer?: Buffer;
  /** Fills the key; default random bytes. */
  generateMask?: (mask: Buffer) => void;
  /** The payload must not be modified: a masked frame is then copied into one buffer. Default false. */
  readOnly?: boolean;
}

type SendCallback = (error?: Error | null) => void;

/** What compresses: this module's PerMessageDeflate, or anything with ws's compress() shape. */
interface Deflater {
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  threshold?: number;
  _threshold?: number;
}

/** Shared key buffer when no maskBuffer is given (the frame's header keeps its own copy). */
const sharedMask = Buffer.alloc(4);
const EMPTY = Buffer.alloc(0);

export class Sender {
  private readonly generateMask: ((mask: Buffer) => void) | undefined;
  private readonly deflater: Deflater | null;
  /** Frames wait here while a compression runs, so that they leave in order. */
  private tail: Promise<void> = Promise.resolve();
  private compressing = 0;
  private readonly maskKey = Buffer.alloc(4);
  /** Whether the next data frame starts a message (its opcode is then 1 or 2, else 0). */
  private firstFragment = true;
  /** ws's callback for errors that make the connection unusable. */
  onerror: (error: Error) => void = () => {};

  /**
   * Frame `data`: the list of buffers to write, [header, payload] or a single buffer. Masking
   * (unless `readOnly`) is done in place on `data`, as ws does.
   */
  static frame(data: Buffer | string, options: FrameOptions): Buffer[] {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const key = options.mask ? maskKeyFor(options) : undefined;
    const headerLength = frameHeaderLength(payload.length, key !== undefined);
    const skipMasking = key !== undefined && (key[0]! | key[1]! | key[2]! | key[3]!) === 0;
    const merge = key !== undefined && options.readOnly === true && !skipMasking && payload.length > 0;
    const target = Buffer.allocUnsafe(merge ? headerLength + payload.length : headerLength);
    writeFrameHeader(target, 0, payload.length, options.opcode, options.fin === true, options.rsv1 === true, key);
    if (payload.length === 0) return [target];
    if (key === undefined || skipMasking) return [target, payload];
    if (merge) {
      applyMask(payload, key, target, headerLength, 0, payload.length);
      return [target];
    }
    applyMask(payload, key, payload, 0, 0, payload.length);
    return [target, payload];
  }

  constructor(
    private readonly socket: Duplex,
    extensions?: Record<string, unknown>,
    generateMask?: (mask: Buffer) => void,
  ) {
    this.generateMask = generateMask;
    this.deflater = (extensions?.['permessage-deflate'] as Deflater | undefined) ?? null;
  }

  /**
   * A data frame; `fin: false` leaves the message open for the next send (fragmentation). With
   * permessage-deflate, a whole message (`fin` on its first frame) of at least the threshold's
   * size is compressed unless `compress: false`; fragmented messages are sent uncompressed.
   */
  send(data: SendableData, options: { binary?: boolean; fin?: boolean; mask?: boolean; compress?: boolean } = {}, callback?: SendCallback): void {
    const payload = typeof data === 'number' ? Buffer.from(String(data)) : toBuffer(data as Exclude<SendableData, Blob | number>);
    const opcode = this.firstFragment ? (options.binary ? Opcode.Binary : Opcode.Text) : Opcode.Continuation;
    const fin = options.fin ?? true;
    const whole = this.firstFragment && fin;
    this.firstFragment = fin;
    const deflater = this.deflater;
    const threshold = deflater?.threshold ?? deflater?._threshold ?? 0;
    if (deflater === null || !whole || options.compress === false || payload.length < threshold) {
      this.write(payload, opcode, fin, options.mask === true, callback);
      return;
    }
    this.enqueue((done) => {
      deflater.compress(payload, true, (error, compressed) => {
        if (error) callback?.(error);
        else this.sendFrame(Sender.frame(compressed!, this.frameOptions(opcode, true, options.mask === true, true)), callback);
        done();
      });
    });
  }

  ping(data: SendableData | undefined, mask: boolean, callback?: SendCallback): void {
    this.control(Opcode.Ping, data, mask, callback);
  }

  pong(data: SendableData | undefined, mask: boolean, callback?: SendCallback): void {
    this.control(Opcode.Pong, data, mask, callback);
  }

  close(code: number | undefined, reason: string | Buffer | undefined, mask: boolean, callback?: SendCallback): void {
    if (code !== undefined && (typeof code !== 'number' || !isValidWireCloseCode(code))) {
      throw new TypeError('First argument must be a valid error code number');
    }
    const reasonBytes = reason === undefined ? EMPTY : Buffer.from(reason);
    if (reasonBytes.length > 123) throw new RangeError('The message must not be greater than 123 bytes');
    const payload = code === undefined ? EMPTY : encodeClosePayload(code, reasonBytes);
    this.write(payload, Opcode.Close, true, mask, callback);
  }

  /** Pre-framed buffers, written in order. */
  sendFrame(list: Buffer[], callback?: SendCallback): void {
    if (list.length === 2) {
      this.socket.cork();
      this.socket.write(list[0]);
      this.socket.write(list[1], callback);
      this.socket.uncork();
    } else {
      this.socket.write(list[0], callback);
    }
  }

  private control(opcode: number, data: SendableData | undefined, mask: boolean, callback?: SendCallback): void {
    const payload = data === undefined ? EMPTY : typeof data === 'number' ? Buffer.from(String(data)) : toBuffer(data as Exclude<SendableData, Blob | number>);
    if (payload.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
    this.write(payload, opcode, true, mask, callback);
  }

  private write(payload: Buffer, opcode: number, fin: boolean, mask: boolean, callback?: SendCallback): void {
    const frame = Sender.frame(payload, this.frameOptions(opcode, fin, mask, false));
    if (this.compressing === 0) this.sendFrame(frame, callback);
    else this.enqueue((done) => (this.sendFrame(frame, callback), done()));
  }

  private frameOptions(opcode: number, fin: boolean, mask: boolean, rsv1: boolean): FrameOptions {
    return { opcode, fin, mask, rsv1, readOnly: true, maskBuffer: this.maskKey, generateMask: this.generateMask };
  }

  /** Runs `step` after every step queued before it. */
  private enqueue(step: (done: () => void) => void): void {
    this.compressing++;
    this.tail = this.tail.then(
      () =>
        new Promise<void>((resolve) =>
          step(() => {
            this.compressing--;
            resolve();
          }),
        ),
    );
  }
}

function maskKeyFor(options: FrameOptions): Buffer {
  const key = options.maskBuffer ?? sharedMask;
  if (options.generateMask) options.generateMask(key);
  else randomMaskKey().copy(key);
  return key;
}
