// One end of a WebSocket connection played by the test itself, byte by byte, the way Autobahn's
// fuzzing client and server do: it sends whatever frames a case asks for (valid or not), answers
// pings and close frames like a well-behaved endpoint, records what the implementation under
// test sent, and checks every frame it receives against RFC 6455 §5.
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PeerDeflate } from './deflate.js';
import { closePayload, encodeFrame, FrameReader, toBuffer, type WireFrame } from './wire.js';

export type PeerEvent =
  | { kind: 'message'; binary: boolean; data: Buffer }
  | { kind: 'ping'; payload: Buffer }
  | { kind: 'pong'; payload: Buffer }
  | { kind: 'timeout'; label: string };

/** Which side of the connection the peer plays; the implementation under test plays the other. */
export type PeerRole = 'client' | 'server';

export interface SendOptions {
  /** Write the frame's bytes in pieces of this size, yielding to the event loop in between. */
  chop?: number;
  /** Pause between pieces, in ms (Autobahn's octet-wise cases with delay). Default 0. */
  chopDelayMs?: number;
}

export interface MessageOptions extends SendOptions {
  /** Split the (compressed) payload into frames of at most this many bytes. 0 = one frame. */
  fragmentSize?: number;
  /** Compress with permessage-deflate (needs a negotiated extension). */
  compress?: boolean;
}

const CLOSE_CODES_ALLOWED_ON_THE_WIRE = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

export class RawPeer {
  readonly received: PeerEvent[] = [];
  /** Every way the implementation broke RFC 6455 that the peer noticed. */
  readonly violations: string[] = [];
  /** A case's own verdict (e.g. a round-trip echo that differed). */
  caseFailure: string | undefined;

  closeSent = false;
  closeReceived = false;
  /** We sent the first close frame. */
  closedByMe = false;
  /** Code of the implementation's close frame: undefined = none received, null = empty payload. */
  remoteCloseCode: number | null | undefined = undefined;
  remoteCloseReason = '';
  /** The implementation half-closed or closed TCP before we did. */
  remoteClosedTcpFirst = false;
  /** We had to destroy the TCP connection (a timer ran out). */
  droppedByMe = false;

  /** Called after every recorded event (Autobahn's finishWhenDone). */
  onEvent: (() => void) | undefined;
  /** Takes messages instead of recording them (round-trip cases). */
  onMessage: ((data: Buffer, binary: boolean) => void) | undefined;

  readonly closed: Promise<void>;

  private readonly reader = new FrameReader();
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentCompressed = false;
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private localEnded = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly socket: Socket,
    readonly role: PeerRole,
    leftover: Buffer,
    readonly deflate: PeerDeflate | undefined,
    /** How long to wait for the other side to close TCP after the close handshake. */
    private readonly closeTimeoutMs = 2000,
  ) {
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.dispose());
    socket.on('error', () => {
      // ECONNRESET/EPIPE after the other side closed: the outcome is judged from the state above.
    });
    socket.on('end', () => this.onRemoteEnd());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    if (leftover.length > 0) this.onData(leftover);
    socket.resume();
  }

  /** Neither side has started the closing handshake and TCP is up (Autobahn's STATE_OPEN). */
  get isOpen(): boolean {
    return !this.closeSent && !this.closeReceived && !this.socket.destroyed;
  }

  get wasClean(): boolean {
    return this.closeSent && this.closeReceived;
  }

  // ---- sending ----------------------------------------------------------------------------

  sendFrame(frame: Omit<Parameters<typeof encodeFrame>[0], 'mask'>, options: SendOptions = {}): Promise<void> {
    return this.enqueue(() => this.write(encodeFrame({ ...frame, mask: this.role === 'client' }), options));
  }

  sendRaw(bytes: Buffer, options: SendOptions = {}): Promise<void> {
    return this.enqueue(() => this.write(bytes, options));
  }

  sendMessage(data: Buffer | string, binary: boolean, options: MessageOptions = {}): Promise<void> {
    return this.enqueue(async () => {
      let payload = toBuffer(data);
      const compressed = options.compress === true;
      if (compressed) {
        if (this.deflate === undefined) throw new Error('permessage-deflate was not negotiated');
        payload = await this.deflate.compress(payload);
      }
      const size = options.fragmentSize ?? 0;
      const pieces: Buffer[] = [];
      if (size <= 0 || payload.length <= size) pieces.push(payload);
      else for (let at = 0; at < payload.length; at += size) pieces.push(payload.subarray(at, at + size));
      const frames = pieces.map((piece, index) =>
        encodeFrame({
          opcode: index === 0 ? (binary ? 0x2 : 0x1) : 0x0,
          fin: index === pieces.length - 1,
          rsv: compressed && index === 0 ? 4 : 0,
          payload: piece,
          mask: this.role === 'client',
        }),
      );
      await this.write(Buffer.concat(frames), options);
    });
  }

  /** Starts (or answers) the closing handshake; later calls do nothing, as §5.5.1 requires. */
  sendClose(code?: number, reason: Buffer | string = ''): Promise<void> {
    return this.enqueue(() => {
      if (this.closeSent) return;
      this.writeClose(closePayload(code, reason));
    });
  }

  /** Sends a close frame even after one was sent (cases 7.1.2, 7.9.x send raw close frames). */
  sendCloseFrame(payload: Buffer): Promise<void> {
    return this.enqueue(() => this.writeClose(payload));
  }

  /** Drops TCP after `ms` unless the connection has closed by then (Autobahn's killAfter). */
  killAfter(ms: number): void {
    this.schedule(ms, () => this.drop());
  }

  /** Starts the closing handshake after `ms` unless it has started (Autobahn's closeAfter). */
  closeAfter(ms: number, code = 1000): void {
    this.schedule(ms, () => void this.sendClose(code));
  }

  drop(): void {
    if (this.socket.destroyed) return;
    this.droppedByMe = true;
    this.socket.destroy();
  }

  // ---- receiving --------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (let frame = this.reader.next(); frame !== undefined; frame = this.reader.next()) {
      const current = frame;
      this.inbound = this.inbound.then(() => this.onFrame(current)).catch((error: Error) => {
        this.violations.push(`failed to process a frame: ${error.message}`);
      });
    }
  }

  private async onFrame(frame: WireFrame): Promise<void> {
    if (this.closeReceived) {
      this.violations.push(`frame with opcode ${frame.opcode} after the close frame (§5.5.1)`);
      return;
    }
    this.checkMasking(frame);
    if (frame.opcode >= 0x8) this.onControlFrame(frame);
    else await this.onDataFrame(frame);
  }

  private checkMasking(frame: WireFrame): void {
    if (this.role === 'server' && !frame.masked) this.violations.push('client sent an unmasked frame (§5.1)');
    if (this.role === 'client' && frame.masked) this.violations.push('server sent a masked frame (§5.1)');
  }

  private onControlFrame(frame: WireFrame): void {
    if (frame.rsv !== 0) this.violations.push('control frame with RSV bits (§5.2)');
    if (!frame.fin || frame.payload.length > 125) this.violations.push('fragmented or long control frame (§5.5)');
    switch (frame.opcode) {
      case 0x8:
        this.onCloseFrame(frame.payload);
        return;
      case 0x9:
        this.record({ kind: 'ping', payload: frame.payload });
        if (!this.closeSent) void this.sendFrame({ opcode: 0xa, payload: frame.payload });
        return;
      case 0xa:
        this.record({ kind: 'pong', payload: frame.payload });
        return;
      default:
        this.violations.push(`reserved control opcode ${frame.opcode} (§5.2)`);
    }
  }

  private onCloseFrame(payload: Buffer): void {
    this.closeReceived = true;
    if (payload.length === 0) {
      this.remoteCloseCode = null;
    } else if (payload.length === 1) {
      this.violations.push('close frame with a 1-byte payload (§5.5.1)');
    } else {
      this.remoteCloseCode = payload.readUInt16BE(0);
      if (!CLOSE_CODES_ALLOWED_ON_THE_WIRE(this.remoteCloseCode)) {
        this.violations.push(`close code ${this.remoteCloseCode} may not be sent (§7.4)`);
      }
      const reason = payload.subarray(2);
      if (!isUtf8(reason)) this.violations.push('close reason is not UTF-8 (§5.5.1)');
      this.remoteCloseReason = reason.toString('utf8');
    }
    // §5.5.1: answer with a close frame echoing the status code, unless we started the handshake.
    if (!this.closeSent) {
      this.writeClose(this.remoteCloseCode == null ? Buffer.alloc(0) : closePayload(this.remoteCloseCode));
    }
    this.afterCloseHandshake();
  }

  private async onDataFrame(frame: WireFrame): Promise<void> {
    if (frame.opcode !== 0x0 && frame.opcode !== 0x1 && frame.opcode !== 0x2) {
      this.violations.push(`reserved data opcode ${frame.opcode} (§5.2)`);
      return;
    }
    const first = frame.opcode !== 0x0;
    if (first === (this.fragments.length > 0 || this.fragmentOpcode !== 0)) {
      this.violations.push(first ? 'new message inside a fragmented one (§5.4)' : 'continuation without a message (§5.4)');
      return;
    }
    const allowedRsv = first && this.deflate !== undefined ? 4 : 0;
    if ((frame.rsv | allowedRsv) !== allowedRsv) this.violations.push(`unexpected RSV bits ${frame.rsv} (§5.2)`);
    if (first) {
      this.fragmentOpcode = frame.opcode;
      this.fragmentCompressed = frame.rsv === 4;
    }
    this.fragments.push(frame.payload);
    if (!frame.fin) return;
    let data: Buffer = Buffer.concat(this.fragments);
    const binary = this.fragmentOpcode === 0x2;
    const compressed = this.fragmentCompressed;
    this.fragments = [];
    this.fragmentOpcode = 0;
    if (compressed && this.deflate !== undefined) data = await this.deflate.decompress(data);
    if (!binary && !isUtf8(data)) this.violations.push('text message is not valid UTF-8 (§8.1)');
    if (this.onMessage !== undefined) this.onMessage(data, binary);
    else this.record({ kind: 'message', binary, data });
  }

  record(event: PeerEvent): void {
    this.received.push(event);
    this.onEvent?.();
  }

  // ---- closing ----------------------------------------------------------------------------

  private writeClose(payload: Buffer): void {
    if (!this.closeReceived && !this.closeSent) this.closedByMe = true;
    this.closeSent = true;
    this.writeNow(encodeFrame({ opcode: 0x8, payload, mask: this.role === 'client' }));
    this.afterCloseHandshake();
  }

  /**
   * §7.1.1: the server closes TCP first. As the server we do so at once; as the client we wait
   * for the implementation (a server) to do it, and count it against the server if it does not.
   */
  private afterCloseHandshake(): void {
    if (!this.wasClean) return;
    if (this.role === 'server') this.endTcp();
    this.killAfter(this.closeTimeoutMs);
  }

  private onRemoteEnd(): void {
    if (!this.localEnded) this.remoteClosedTcpFirst = true;
    this.endTcp();
  }

  private endTcp(): void {
    if (this.localEnded) return;
    this.localEnded = true;
    this.socket.end();
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const next = this.outbound.then(task);
    this.outbound = next.catch(() => undefined);
    return next;
  }

  private async write(bytes: Buffer, options: SendOptions): Promise<void> {
    const chop = options.chop ?? 0;
    if (chop <= 0) {
      this.writeNow(bytes);
      return;
    }
    for (let at = 0; at < bytes.length; at += chop) {
      this.writeNow(bytes.subarray(at, at + chop));
      if (options.chopDelayMs !== undefined && options.chopDelayMs > 0) await sleep(options.chopDelayMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private writeNow(bytes: Buffer): void {
    if (!this.socket.destroyed && !this.localEnded && this.socket.writable) this.socket.write(bytes);
  }

  private schedule(ms: number, action: () => void): void {
    const timer = setTimeout(action, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.deflate?.close();
  }
}
