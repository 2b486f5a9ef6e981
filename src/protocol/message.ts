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

  /** `keepUtf8` when the first frame's prefix was already checked while it arrived. */
  start(binary: boolean, keepUtf8 = false): void {
    this.binary = binary;
    if (!keepUtf8) this.utf8.reset();
  }

  /** `checked`: leading bytes of `piece` whose UTF-8 was already checked while they arrived. */
  append(piece: Buffer, checked = 0): ProtocolViolation | null {
    if (this.maxSize > 0 && this.assembler.length + piece.length > this.maxSize) return tooBig();
    // §8.1: fail as soon as the text can no longer be valid, not at the end of the message.
    const unchecked = checked === 0 ? piece : piece.subarray(checked);
    if (this.checkUtf8 && !this.binary && unchecked.length > 0 && this.utf8.push(unchecked) !== -1) return invalidUtf8();
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
  /** The uncompressed message being reassembled from the wire (created on first need: idle connections are the cost at scale). */
  private wireBodyValue: MessageBody | null = null;
  /** The compressed message whose inflated output the caller is handing back (created on first need). */
  private inflatedBodyValue: MessageBody | null = null;
  /** Whether the data message in progress on the wire started with RSV1. */
  private wireCompressed = false;
  /**
   * Whether the compressed message whose frames were handed out for inflation is binary. The
   * caller stops reading while it inflates, so at most one such message is in progress.
   */
  private inflatingBinary = false;
  private inflationStarted = false;
  private failure: ProtocolViolation | null = null;
  /** Leading payload bytes of the frame still arriving whose UTF-8 was already checked. */
  private partialChecked = 0;

  constructor(options: MessageReaderOptions) {
    this.parser = new FrameParser(options);
    this.checkUtf8 = !(options.skipUTF8Validation ?? false);
    this.maxMessageSize = options.maxMessageSize ?? options.maxPayload;
  }

  private get wireBody(): MessageBody {
    return (this.wireBodyValue ??= new MessageBody(this.checkUtf8, this.maxMessageSize));
  }

  private get inflatedBody(): MessageBody {
    return (this.inflatedBodyValue ??= new MessageBody(this.checkUtf8, this.maxMessageSize));
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
      if (frame === null) {
        const failure = this.checkArrivingText();
        return failure === null ? null : this.fail(failure);
      }
      if (isViolation(frame)) return this.fail(frame);
      const event = this.handleFrame(frame);
      this.partialChecked = 0;
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
    this.inflationStarted = false;
    const result = this.inflatedBody.finish();
    return isViolation(result) ? this.fail(result) : result;
  }

  private startInflation(): void {
    if (this.inflationStarted) return;
    this.inflationStarted = true;
    this.inflatedBody.start(this.inflatingBinary);
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

  /**
   * §8.1 fail fast inside one frame: a long uncompressed text frame arrives over many reads, and
   * its bytes are checked as they come (a copy, unmasked, of what is new since the last look),
   * so that invalid text fails the connection before the rest of the frame is even sent.
   */
  private checkArrivingText(): ProtocolViolation | null {
    if (!this.checkUtf8) return null;
    const pending = this.parser.pendingFrame();
    if (pending === null || pending.received <= this.partialChecked) return null;
    const isText =
      pending.opcode === Opcode.Text
        ? !pending.rsv1
        : pending.opcode === Opcode.Continuation && !this.wireCompressed && !this.wireBody.binary;
    if (!isText) return null;
    // The first look at a new text message starts a fresh validator state.
    if (pending.opcode === Opcode.Text && this.partialChecked === 0) this.wireBody.utf8.reset();
    const fresh = this.parser.peekPayload(this.partialChecked, pending.received);
    this.partialChecked = pending.received;
    return this.wireBody.utf8.push(fresh) === -1 ? null : invalidUtf8();
  }

  private startMessage(frame: Frame): ProtocolEvent | null {
    const binary = frame.opcode === Opcode.Binary;
    if (frame.rsv1) {
      this.wireCompressed = !frame.fin;
      this.inflatingBinary = binary;
      return { type: 'compressed', payload: frame.payload, fin: frame.fin };
    }
    if (frame.fin) return this.singleFrameMessage(frame.payload, binary);
    this.wireCompressed = false;
    this.wireBody.start(binary, this.partialChecked > 0);
    return this.wireBody.append(frame.payload, this.partialChecked);
  }

  private continueMessage(frame: Frame): ProtocolEvent | null {
    if (this.wireCompressed) {
      if (frame.fin) this.wireCompressed = false;
      return { type: 'compressed', payload: frame.payload, fin: frame.fin };
    }
    const failure = this.wireBody.append(frame.payload, this.partialChecked);
    if (failure !== null) return failure;
    return frame.fin ? this.wireBody.finish() : null;
  }

  /** The common case: handed over as a view, with no copy and no assembler involved. */
  private singleFrameMessage(payload: Buffer, binary: boolean): ProtocolEvent {
    if (this.maxMessageSize > 0 && payload.length > this.maxMessageSize) return tooBig();
    if (this.checkUtf8 && !binary && !this.isValidText(payload)) return invalidUtf8();
    return { type: 'message', binary, fragments: [payload], length: payload.length };
  }

  /** A whole text message in one frame, part of which may have been checked as it arrived. */
  private isValidText(payload: Buffer): boolean {
    const checked = this.partialChecked;
    if (checked === 0) return isValidUtf8(payload);
    const utf8 = this.wireBody.utf8;
    return (checked === payload.length || utf8.push(payload.subarray(checked)) === -1) && utf8.finish();
  }
}
