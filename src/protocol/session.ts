// THE connection state machine of RFC 6455, without I/O (python-websockets' Protocol is the
// model): received bytes in, events out; send intents in, frame bytes or a refusal out. The
// ready state, the closing handshake (§5.5.1, §7.1), the outgoing fragmentation state (§5.4) and
// failure (§7.1.7) live here once. The transport binds it to a socket and acts on what it says:
// write these bytes, close TCP now, or wait for the peer with a timer.

import { encodeCloseFrame, encodeFrame } from './frame-writer.js';
import { MessageReader, type MessageEvent } from './message.js';
import { Opcode } from './opcodes.js';
import type { ProtocolViolation } from './violation.js';

/** The ready state; the numbers are the WebSocket API's readyState values. */
export enum SessionState {
  Connecting = 0,
  Open = 1,
  Closing = 2,
  Closed = 3,
}

export type Role = 'server' | 'client';

/** What the opening handshake settled. */
export interface SessionLimits {
  /** Largest frame payload and largest message, in bytes (§10.4); 0 = no limit. */
  maxPayload: number;
  /** Skip the UTF-8 check of text messages and close reasons. */
  skipUTF8Validation: boolean;
  /** permessage-deflate was agreed: RSV1 marks compressed messages (RFC 7692 §6). */
  compressed: boolean;
  /** Fills each masking key (ws's generateMask option); default: random keys (§5.3). */
  generateMask?: (mask: Buffer) => void;
}

/** A send the state does not allow: the state it met (CONNECTING, CLOSING or CLOSED). */
export interface SendRefusal {
  readonly refused: SessionState;
}

export type SessionEvent =
  | MessageEvent
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  /** Frames of a compressed message (RFC 7692): inflate, then hand the output to receiveInflated. */
  | { type: 'compressed'; payload: Buffer; fin: boolean }
  /** The peer's close frame; `reply` is our echo to write (§5.5.1), null when we had sent ours. */
  | { type: 'close'; code: number; reason: Buffer; reply: Buffer | null }
  | FailedEvent;

/** §7.1.7 the connection failed; `reply` is the close frame to write, null if ours was sent. */
export interface FailedEvent {
  type: 'failed';
  violation: ProtocolViolation;
  reply: Buffer | null;
}

/** A data frame whose place in the message order is taken now and whose payload comes later. */
export interface DataSlot {
  readonly opcode: number;
  readonly fin: boolean;
}

const REFUSED_CONNECTING: SendRefusal = Object.freeze({ refused: SessionState.Connecting });
const REFUSED_CLOSING: SendRefusal = Object.freeze({ refused: SessionState.Closing });
const REFUSED_CLOSED: SendRefusal = Object.freeze({ refused: SessionState.Closed });
const EMPTY = Buffer.alloc(0);

export function isRefusal(value: unknown): value is SendRefusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

export class Session {
  readonly role: Role;
  private stateValue = SessionState.Connecting;
  private generateMask: ((mask: Buffer) => void) | undefined;
  /**
   * Made when the first byte arrives after the opening: an idle connection (most of a server's,
   * at scale) never pays for the parser's objects, ~500 bytes and a few µs of its handshake.
   */
  private reader: MessageReader | null = null;
  // open() was called, and the limits the reader will be made with.
  private opened = false;
  private maxPayload = 0;
  private compressed = false;
  private skipUTF8Validation = false;
  private closeSent = false;
  private closeReceived = false;
  private failed = false;
  private receivedCode = 1006;
  private receivedReason: Buffer = EMPTY;
  /** Opcode of the message being sent in fragments (send with fin false), else -1. */
  private fragmentOpcode = -1;

  constructor(role: Role) {
    this.role = role;
  }

  get state(): SessionState {
    return this.stateValue;
  }

  /** §5.3: client frames are masked, server frames are not. */
  get masksFrames(): boolean {
    return this.role === 'client';
  }

  // ---- the opening and the end ---------------------------------------------------------------

  /** The opening handshake succeeded with these settings. */
  open(limits: SessionLimits): void {
    if (this.stateValue !== SessionState.Connecting) return;
    this.opened = true;
    this.maxPayload = limits.maxPayload;
    this.compressed = limits.compressed;
    this.skipUTF8Validation = limits.skipUTF8Validation;
    this.generateMask = limits.generateMask;
    this.stateValue = SessionState.Open;
  }

  /** The opening handshake failed or was abandoned: no frame will ever travel. */
  abandonOpening(): void {
    if (this.stateValue === SessionState.Connecting) this.stateValue = SessionState.Closing;
  }

  /** The user terminates the connection: nothing more is sent, the transport drops TCP. */
  terminate(): void {
    if (this.stateValue !== SessionState.Closed) this.stateValue = SessionState.Closing;
  }

  /** The TCP connection is gone. */
  transportClosed(): void {
    this.stateValue = SessionState.Closed;
  }

  /** The peer closed its side of TCP (FIN): nothing more will arrive. */
  receiveEof(): void {
    if (this.stateValue === SessionState.Open) this.stateValue = SessionState.Closing;
  }

  /** §7.1.5: the peer's code, 1005 for a close frame without one, 1006 when none arrived. */
  get closeCode(): number {
    return this.receivedCode;
  }
  get closeReason(): Buffer {
    return this.receivedReason;
  }
  /** Both close frames were exchanged (§7.1.2: the closing handshake completed). */
  get wasClean(): boolean {
    return this.closeSent && this.closeReceived;
  }
  get closeFrameSent(): boolean {
    return this.closeSent;
  }
  get closeFrameReceived(): boolean {
    return this.closeReceived;
  }

  /**
   * §7.1.1: once both close frames are exchanged the server closes TCP first; after a failure
   * either side closes it. The transport ends its side when this turns true.
   */
  get shouldCloseTransport(): boolean {
    if (this.failed) return true;
    return this.role === 'server' && this.closeSent && this.closeReceived;
  }

  /** Our close frame is out and TCP is still up: the transport bounds the wait with a timer. */
  get awaitingPeerClose(): boolean {
    return this.closeSent && this.stateValue === SessionState.Closing;
  }

  // ---- receiving -------------------------------------------------------------------------------

  /** Bytes from the peer. Ignored after its close frame (§5.5.1) and after a failure. */
  receive(chunk: Buffer): void {
    if (this.closeReceived || this.failed || !this.opened || this.stateValue === SessionState.Closed) return;
    (this.reader ??= this.makeReader()).push(chunk);
  }

  private makeReader(): MessageReader {
    return new MessageReader({
      role: this.role,
      maxPayload: this.maxPayload,
      maxMessageSize: this.maxPayload,
      allowRsv1: this.compressed,
      skipUTF8Validation: this.skipUTF8Validation,
    });
  }

  /** Bytes still waiting in the frame parser (for read backpressure). */
  get bufferedBytes(): number {
    return this.reader?.bufferedBytes ?? 0;
  }

  /** The next event, or null until more bytes (or inflated output) arrive. */
  nextEvent(): SessionEvent | null {
    if (this.failed || this.closeReceived || this.reader === null || this.stateValue === SessionState.Closed) return null;
    const event = this.reader.next();
    if (event === null) return null;
    switch (event.type) {
      case 'close':
        return this.onCloseFrame(event.code, event.reason);
      case 'message':
      case 'ping':
      case 'pong':
      case 'compressed':
        return event;
      default:
        return this.failOnRead(event);
    }
  }

  /** Inflated output of the compressed message in progress; a violation fails the session. */
  receiveInflated(chunk: Buffer): FailedEvent | null {
    if (this.failed || this.reader === null) return null;
    const problem = this.reader.appendInflated(chunk);
    return problem === null ? null : this.failOnRead(problem);
  }

  /** The compressed message's last frame was inflated: the message, or null after a failure. */
  finishInflated(): MessageEvent | FailedEvent | null {
    if (this.failed || this.reader === null) return null;
    const result = this.reader.finishInflated();
    return result.type === 'message' ? result : this.failOnRead(result);
  }

  /**
   * §7.1.7 Fail the WebSocket Connection for a reason found outside the core (undecodable
   * compressed data: 1007, a compressor error: 1011, a policy such as the send-buffer limit:
   * 1008): the close frame to write, or null if ours was sent. Nothing more is read.
   */
  fail(closeCode: number, reason?: Buffer): Buffer | null {
    this.failed = true;
    return this.sendCloseFrame(closeCode, reason);
  }

  /** Whether the connection failed (§7.1.7): nothing more is read. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** A violation found while reading fails the connection; the returned event reports it. */
  private failOnRead(violation: ProtocolViolation): FailedEvent {
    this.failed = true;
    return { type: 'failed', violation, reply: this.sendCloseFrame(violation.closeCode, undefined) };
  }

  private onCloseFrame(code: number, reason: string): SessionEvent {
    this.closeReceived = true;
    this.receivedCode = code;
    this.receivedReason = reason === '' ? EMPTY : Buffer.from(reason);
    // §5.5.1: answer with a close frame, echoing the status code (none for 1005, which never travels).
    const reply = this.closeSent ? null : this.sendCloseFrame(code === 1005 ? undefined : code, this.receivedReason);
    return { type: 'close', code, reason: this.receivedReason, reply };
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * One data frame. `fin: false` starts or continues a fragmented message (§5.4). `mask`
   * overrides the role's masking (ws lets a user do that).
   */
  frameData(payload: Buffer, binary: boolean, fin: boolean, mask?: boolean): Buffer[] | SendRefusal {
    const slot = this.reserveData(binary, fin);
    if (isRefusal(slot)) return slot;
    return encodeFrame(payload, { opcode: slot.opcode, fin, mask: this.maskFor(mask) });
  }

  /** Take a data frame's place in the order now; its payload (compressed, or read from a Blob) comes later. */
  reserveData(binary: boolean, fin: boolean): DataSlot | SendRefusal {
    const refusal = this.sendRefusal();
    if (refusal !== null) return refusal;
    const continuing = this.fragmentOpcode !== -1;
    const opcode = continuing ? Opcode.Continuation : binary ? Opcode.Binary : Opcode.Text;
    if (fin) this.fragmentOpcode = -1;
    else if (!continuing) this.fragmentOpcode = opcode;
    return { opcode, fin };
  }

  /** Whether a message is half sent: compression applies to whole messages only (RFC 7692 §6.1). */
  get sendingFragments(): boolean {
    return this.fragmentOpcode !== -1;
  }

  /** The frame for a reserved slot. RSV1 marks a compressed message's first frame (RFC 7692 §6). */
  frameSlot(slot: DataSlot, payload: Buffer, compressed: boolean, mask?: boolean): Buffer[] {
    return encodeFrame(payload, { opcode: slot.opcode, fin: slot.fin, rsv1: compressed, mask: this.maskFor(mask) });
  }

  framePing(payload: Buffer, mask?: boolean): Buffer[] | SendRefusal {
    return this.frameControl(Opcode.Ping, payload, mask);
  }

  framePong(payload: Buffer, mask?: boolean): Buffer[] | SendRefusal {
    return this.frameControl(Opcode.Pong, payload, mask);
  }

  private frameControl(opcode: number, payload: Buffer, mask: boolean | undefined): Buffer[] | SendRefusal {
    const refusal = this.sendRefusal();
    if (refusal !== null) return refusal;
    return encodeFrame(payload, { opcode, fin: true, mask: this.maskFor(mask) });
  }

  /**
   * Start the closing handshake (or answer the peer's): our close frame, or null when one was
   * sent already or the connection never opened. Code and reason were validated by the caller.
   */
  close(code?: number, reason?: Buffer): Buffer | null {
    return this.sendCloseFrame(code, code === undefined ? undefined : reason);
  }

  private sendCloseFrame(code: number | undefined, reason: Buffer | undefined): Buffer | null {
    if (this.closeSent || this.stateValue === SessionState.Connecting || this.stateValue === SessionState.Closed) {
      return null;
    }
    this.closeSent = true;
    this.stateValue = SessionState.Closing;
    return encodeCloseFrame(code, reason, this.maskFor(undefined));
  }

  /** §5.3: whether (and with which key) to mask; `mask` overrides the role, as ws lets a user do. */
  private maskFor(mask: boolean | undefined): boolean | Buffer {
    if (!(mask ?? this.masksFrames)) return false;
    if (this.generateMask === undefined) return true;
    const key = Buffer.alloc(4);
    this.generateMask(key);
    return key;
  }

  /** §5.5.1: no frame after our close frame; nothing before the opening handshake completed. */
  private sendRefusal(): SendRefusal | null {
    switch (this.stateValue) {
      case SessionState.Open:
        return null;
      case SessionState.Connecting:
        return REFUSED_CONNECTING;
      case SessionState.Closing:
        return REFUSED_CLOSING;
      default:
        return REFUSED_CLOSED;
    }
  }
}
