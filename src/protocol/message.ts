// From frames to messages (RFC 6455 §5.4, §5.5, §5.6): reassembles fragments, hands control
// frames over as soon as they arrive (even between fragments), validates text as UTF-8 while it
// arrives, and passes compressed frames (RFC 7692) out for inflation and takes the output back.
import { parseClosePayload } from './close.js';
import { FragmentAssembler } from './fragment-assembler.js';
import { FrameParser, type Frame, type FrameParserOptions } from './frame-parser.js';
import { Opcode } from './opcodes.js';
import { Utf8Validator, isValidUtf8 } from './utf8.js';
import { isViolation, violation, type ProtocolViolation } from './violation.js';

export interface MessageEvent {
  type: 'message';
  binary: boolean;
  /** The message's bytes in order; a single-frame message is [its payload] with no copy. */
  fragments: Buffer[];
  /** Total bytes across `fragments`. */
  length: number;
}

/**
 * A violation as one of the events: its optional, always-absent `type` lets callers `switch
 * (event.type)` over all events and meet violations in the default branch (they carry `kind`).
 */
export type ViolationEvent = ProtocolViolation & { readonly type?: undefined };

export type ProtocolEvent =
  | MessageEvent
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string }
  | { type: 'compressed'; payload: Buffer; fin: boolean }
  | ViolationEvent;

export interface MessageReaderOptions extends FrameParserOptions {
  /** When true, text is not UTF-8 checked. Default false. */
  skipUTF8Validation?: boolean;
  /** Max decompressed/assembled bytes per message; 0 = none. Default: maxPayload. */
  maxMessageSize?: number;
}

const invalidUtf8 = (): ProtocolViolation => violation(1007, 'WS_ERR_INVALID_UTF8', 'invalid UTF-8 sequence');
const tooBig = (): ProtocolViolation => violation(1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded');

/** Incoming text is checked as it arrives, or (after inflation) as it is produced. */
class MessageBody {
  readonly assembler = new FragmentAssembler();
  readonly utf8 = new Utf8Validator();
  binary = false;

  constructor(
    private readonly checkUtf8: boolean,
    private readonly maxSize: number,
  ) {}

  start(binary: boolean): void {
    this.binary = binary;
    this.utf8.reset();
  }

  append(piece: Buffer): ProtocolViolation | null {
    if (this.maxSize > 0 && this.assembler.length + piece.length > this.maxSize) return tooBig();
    // §8.1: fail as soon as the text can no longer be valid, not at the end of the message.
    if (this.checkUtf8 && !this.binary && this.utf8.push(piece) !== -1) return invalidUtf8();
    this.assembler.add(piece);
    return null;
  }

  finish(): MessageEvent | ProtocolViolation {
    if (this.checkUtf8 && !this.binary && !this.utf8.finish()) return invalidUtf8();
    const length = this.assembler.length;
    return { type: 'message', binary: this.binary, fragments: this.assembler.finish(), length };
  }
}

export class MessageReader {
  private readonly parser: FrameParser;
  private readonly checkUtf8: boolean;
  private readonly maxMessageSize: number;
  /** The uncompressed message being reassembled from the wire. */
  private readonly wireBody: MessageBody;
  /** The compressed message whose inflated output the caller is handing back. */
  private readonly inflatedBody: MessageBody;
  /** Whether the data message in progress on the wire started with RSV1. */
  private wireCompressed = false;
  /**
   * Binary flags of compressed messages whose frames were handed out but whose inflation is
   * not finished, oldest first: the caller may read ahead while inflation runs asynchronously.
   */
  private readonly pendingInflations: boolean[] = [];
  private inflationStarted = false;
  private failure: ProtocolViolation | null = null;

  constructor(options: MessageReaderOptions) {
    this.parser = new FrameParser(options);
    this.checkUtf8 = !(options.skipUTF8Validation ?? false);
    this.maxMessageSize = options.maxMessageSize ?? options.maxPayload;
    this.wireBody = new MessageBody(this.checkUtf8, this.maxMessageSize);
    this.inflatedBody = new MessageBody(this.checkUtf8, this.maxMessageSize);
  }

  get bufferedBytes(): number {
    return this.parser.bufferedBytes;
  }

  setAllowRsv1(allow: boolean): void {
    this.parser.setAllowRsv1(allow);
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  /**
   * Next event or null when more bytes are needed. After a 'compressed' event with fin=false the
   * caller may keep calling next() (further 'compressed' events follow); after a violation it
   * keeps returning it.
   */
  next(): ProtocolEvent | null {
    if (this.failure !== null) return this.failure;
    for (;;) {
      const frame = this.parser.next();
      if (frame === null) return null;
      if (isViolation(frame)) return this.fail(frame);
      const event = this.handleFrame(frame);
      if (event !== null) return isViolation(event) ? this.fail(event) : event;
    }
  }

  /**
   * Inflated output of the current compressed message: size-checked (1009) and UTF-8-checked as
   * it arrives (1007 fail-fast). Returns a violation or null.
   */
  appendInflated(chunk: Buffer): ProtocolViolation | null {
    if (this.failure !== null) return this.failure;
    this.startInflation();
    const failure = this.inflatedBody.append(chunk);
    return failure === null ? null : this.fail(failure);
  }

  /** After the last compressed frame was inflated: the message or a violation (incomplete UTF-8 → 1007). */
  finishInflated(): MessageEvent | ViolationEvent {
    if (this.failure !== null) return this.failure;
    this.startInflation();
    this.pendingInflations.shift();
    this.inflationStarted = false;
    const result = this.inflatedBody.finish();
    return isViolation(result) ? this.fail(result) : result;
  }

  private startInflation(): void {
    if (this.inflationStarted) return;
    this.inflationStarted = true;
    this.inflatedBody.start(this.pendingInflations[0] ?? false);
  }

  private fail(failure: ProtocolViolation): ProtocolViolation {
    this.failure = failure;
    return failure;
  }

  /** The event a frame produces, or null when it only extends the message in progress. */
  private handleFrame(frame: Frame): ProtocolEvent | null {
    switch (frame.opcode) {
      case Opcode.Text:
      case Opcode.Binary:
        return this.startMessage(frame);
      case Opcode.Continuation:
        return this.continueMessage(frame);
      case Opcode.Ping:
        return { type: 'ping', data: frame.payload };
      case Opcode.Pong:
        return { type: 'pong', data: frame.payload };
      default: {
        // The parser only lets known opcodes through, so this is Close (§5.5.1).
        const close = parseClosePayload(frame.payload);
        return isViolation(close) ? close : { type: 'close', code: close.code, reason: close.reason };
      }
    }
  }

  private startMessage(frame: Frame): ProtocolEvent | null {
    const binary = frame.opcode === Opcode.Binary;
    if (frame.rsv1) {
      this.wireCompressed = !frame.fin;
      this.pendingInflations.push(binary);
      return { type: 'compressed', payload: frame.payload, fin: frame.fin };
    }
    if (frame.fin) return this.singleFrameMessage(frame.payload, binary);
    this.wireCompressed = false;
    this.wireBody.start(binary);
    return this.wireBody.append(frame.payload);
  }

  private continueMessage(frame: Frame): ProtocolEvent | null {
    if (this.wireCompressed) {
      if (frame.fin) this.wireCompressed = false;
      return { type: 'compressed', payload: frame.payload, fin: frame.fin };
    }
    const failure = this.wireBody.append(frame.payload);
    if (failure !== null) return failure;
    return frame.fin ? this.wireBody.finish() : null;
  }

  /** The common case: handed over as a view, with no copy and no assembler involved. */
  private singleFrameMessage(payload: Buffer, binary: boolean): ProtocolEvent {
    if (this.maxMessageSize > 0 && payload.length > this.maxMessageSize) return tooBig();
    if (this.checkUtf8 && !binary && !isValidUtf8(payload)) return invalidUtf8();
    return { type: 'message', binary, fragments: [payload], length: payload.length };
  }
}
