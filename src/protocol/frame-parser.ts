// Incremental frame parser (RFC 6455 §5.2): bytes in any chunking, frames or a violation out.
// Every rule a single frame header can break is checked here, from the header alone, before any
// payload byte is buffered (§5.1 masking, §5.2 RSV and opcodes, §5.4 fragmentation, §5.5
// control frames, §10.4 size limits).
import { ChunkQueue } from './chunk-queue.js';
import { isControlOpcode, isKnownOpcode, Opcode } from './opcodes.js';
import { violation, type ProtocolViolation } from './violation.js';

export interface FrameParserOptions {
  /** 'server' expects every frame masked, 'client' expects none masked (§5.1); a violation is 1002. */
  role: 'server' | 'client';
  /**
   * Max bytes of one message's payload as it travels (summed across fragments); 0 = no limit.
   * Exceeding it is 1009, detected from the frame header before any payload is buffered.
   */
  maxPayload: number;
  /** RSV1 allowed (permessage-deflate negotiated): only on the first frame of a data message, never on control frames or continuations. */
  allowRsv1: boolean;
}

export interface Frame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  /** Unmasked payload. A view into the received chunk when the frame lay in one chunk (unmasked in place), a copy only when it spanned chunks. */
  payload: Buffer;
}

const enum ParserState {
  /** Waiting for a complete header. */
  Header,
  /** Header parsed; waiting for `payloadLength` bytes. */
  Payload,
  /** A rule was broken; the same violation is returned forever. */
  Failed,
}

const MAX_CONTROL_PAYLOAD = 125;
/** The high 32 bits of a 64-bit length above this make it exceed Number.MAX_SAFE_INTEGER. */
const MAX_SAFE_HIGH_WORD = 0x1fffff;
const TWO_POW_32 = 2 ** 32;

export class FrameParser {
  private readonly queue = new ChunkQueue();
  private readonly expectMasked: boolean;
  private readonly maxPayload: number;
  private allowRsv1: boolean;

  private state = ParserState.Header;
  private failure: ProtocolViolation | null = null;

  // The frame whose header was read and whose payload is awaited.
  private fin = false;
  private rsv1 = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  // From the shared pool (allocUnsafe): a Buffer of its own per connection costs an ArrayBuffer.
  private readonly maskKey = Buffer.allocUnsafe(4);

  // The data message in progress across fragments (§5.4).
  private messageInProgress = false;
  private messageLength = 0;

  constructor(options: FrameParserOptions) {
    this.expectMasked = options.role === 'server';
    this.maxPayload = options.maxPayload;
    this.allowRsv1 = options.allowRsv1;
  }

  /** Bytes received but not yet consumed. */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** Allow changing allowRsv1 after the handshake settled it. */
  setAllowRsv1(allow: boolean): void {
    this.allowRsv1 = allow;
  }

  /** Queue received bytes (kept as a list of chunks; no concatenation up front). */
  push(chunk: Buffer): void {
    this.queue.push(chunk);
  }

  /**
   * The next complete frame, a violation (after which the parser stays failed and returns the
   * same violation), or null when more bytes are needed.
   */
  next(): Frame | ProtocolViolation | null {
    if (this.state === ParserState.Header) {
      const failure = this.readHeader();
      if (failure !== null) return this.fail(failure);
      if (this.state === ParserState.Header) return null;
    }
    if (this.state === ParserState.Payload) return this.readPayload();
    return this.failure;
  }

  private fail(failure: ProtocolViolation): ProtocolViolation {
    this.state = ParserState.Failed;
    this.failure = failure;
    return failure;
  }

  /** Parse the header if it is complete; moves to Payload state, or returns a violation. */
  private readHeader(): ProtocolViolation | null {
    const queue = this.queue;
    if (queue.length < 2) return null;
    const first = queue.byteAt(0);
    const second = queue.byteAt(1);
    const fin = (first & 0x80) !== 0;
    const rsv1 = (first & 0x40) !== 0;
    const opcode = first & 0x0f;
    const masked = (second & 0x80) !== 0;
    const lengthCode = second & 0x7f;

    const ruleBroken = this.checkFirstTwoBytes(first, fin, rsv1, opcode, masked, lengthCode);
    if (ruleBroken !== null) return ruleBroken;

    const lengthBytes = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    if (queue.length < headerLength) return null;

    let payloadLength = lengthCode;
    if (lengthCode === 126) {
      payloadLength = (queue.byteAt(2) << 8) | queue.byteAt(3);
    } else if (lengthCode === 127) {
      const high = this.readUint32(2);
      // §5.2: "the most significant bit MUST be 0"; anything past 2^53 cannot even be counted.
      if (high > MAX_SAFE_HIGH_WORD) {
        return violation(1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'Unsupported WebSocket frame: payload length > 2^53 - 1');
      }
      payloadLength = high * TWO_POW_32 + this.readUint32(6);
    }
    // Non-minimal length encodings are legal on receipt (§5.2 only asks senders for minimal).

    if (!isControlOpcode(opcode)) {
      const messageLength = opcode === Opcode.Continuation ? this.messageLength + payloadLength : payloadLength;
      // §10.4: the limit is enforced from the header, so an attacker cannot make us buffer it.
      if (this.maxPayload > 0 && messageLength > this.maxPayload) {
        return violation(1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'Max payload size exceeded');
      }
      this.messageLength = messageLength;
      this.messageInProgress = !fin;
    }

    if (masked) {
      const keyAt = headerLength - 4;
      const key = this.maskKey;
      key[0] = queue.byteAt(keyAt);
      key[1] = queue.byteAt(keyAt + 1);
      key[2] = queue.byteAt(keyAt + 2);
      key[3] = queue.byteAt(keyAt + 3);
    }
    queue.skip(headerLength);
    this.fin = fin;
    this.rsv1 = rsv1;
    this.opcode = opcode;
    this.masked = masked;
    this.payloadLength = payloadLength;
    this.state = ParserState.Payload;
    return null;
  }

  /** Rules decidable from the first two bytes; order follows ws so error codes match it. */
  private checkFirstTwoBytes(
    first: number,
    fin: boolean,
    rsv1: boolean,
    opcode: number,
    masked: boolean,
    lengthCode: number,
  ): ProtocolViolation | null {
    // §5.2: RSV2 and RSV3 have no negotiated meaning (permessage-deflate only defines RSV1).
    if ((first & 0x30) !== 0) {
      return violation(1002, 'WS_ERR_UNEXPECTED_RSV_2_3', 'RSV2 and RSV3 must be clear');
    }
    if (!isKnownOpcode(opcode)) {
      return violation(1002, 'WS_ERR_INVALID_OPCODE', `Invalid opcode ${opcode}`);
    }
    if (isControlOpcode(opcode)) {
      // RFC 7692 §6: RSV1 marks a compressed message; control frames are never compressed.
      if (rsv1) return violation(1002, 'WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
      // §5.5: control frames are never fragmented and carry at most 125 bytes.
      if (!fin) return violation(1002, 'WS_ERR_EXPECTED_FIN', 'FIN must be set');
      if (lengthCode > MAX_CONTROL_PAYLOAD) {
        return violation(1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', `invalid payload length ${lengthCode}`);
      }
    } else if (opcode === Opcode.Continuation) {
      // §5.4: a continuation belongs to a started message.
      if (!this.messageInProgress) {
        return violation(1002, 'WS_ERR_INVALID_OPCODE', 'invalid opcode 0');
      }
      // RFC 7692 §6.1: RSV1 is only set on the first frame of a compressed message.
      if (rsv1) return violation(1002, 'WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
    } else {
      // §5.4: fragments of one message are not interleaved with another data message.
      if (this.messageInProgress) {
        return violation(1002, 'WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`);
      }
      if (rsv1 && !this.allowRsv1) return violation(1002, 'WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear');
    }
    // §5.1: clients mask every frame, servers mask none.
    if (masked !== this.expectMasked) {
      return this.expectMasked
        ? violation(1002, 'WS_ERR_EXPECTED_MASK', 'MASK must be set')
        : violation(1002, 'WS_ERR_UNEXPECTED_MASK', 'MASK must be clear');
    }
    return null;
  }

  private readUint32(index: number): number {
    const queue = this.queue;
    return (
      queue.byteAt(index) * 0x1000000 +
      ((queue.byteAt(index + 1) << 16) | (queue.byteAt(index + 2) << 8) | queue.byteAt(index + 3))
    );
  }

  /**
   * The header of the frame whose payload is still arriving, and how many of its payload bytes
   * are here; null between frames. Lets the message layer check a long text frame's UTF-8 as it
   * arrives (RFC 6455 §8.1 fail fast) instead of only once the whole frame is in.
   */
  pendingFrame(): { opcode: number; rsv1: boolean; received: number } | null {
    if (this.state !== ParserState.Payload) return null;
    return { opcode: this.opcode, rsv1: this.rsv1, received: Math.min(this.queue.length, this.payloadLength) };
  }

  /** An unmasked copy of payload bytes [from, to) of the pending frame (to ≤ its received bytes). */
  peekPayload(from: number, to: number): Buffer {
    return this.queue.peekCopy(from, to, this.masked ? this.maskKey : undefined);
  }

  private readPayload(): Frame | null {
    const length = this.payloadLength;
    if (this.queue.length < length) return null;
    const payload = this.masked ? this.queue.takeUnmasked(length, this.maskKey) : this.queue.take(length);
    this.state = ParserState.Header;
    return { fin: this.fin, rsv1: this.rsv1, opcode: this.opcode, payload };
  }
}
