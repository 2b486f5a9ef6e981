// The connection state machine, driven with bytes only: every transition, the §5.5.1 and §7
// rules, and random interleavings of user actions and received frames.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameParser, type Frame } from '../../src/protocol/frame-parser.js';
import { encodeCloseFrame, encodeFrameToBuffer } from '../../src/protocol/frame-writer.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { isRefusal, Session, SessionState, type SessionEvent } from '../../src/protocol/session.js';
import { isViolation } from '../../src/protocol/violation.js';

const LIMITS = { maxPayload: 1 << 20, skipUTF8Validation: false, compressed: false };

function openSession(role: 'server' | 'client' = 'client'): Session {
  const session = new Session(role);
  session.open(LIMITS);
  return session;
}

/** A frame as the peer of `role` sends it: masked when the peer is a client. */
function peerFrame(role: 'server' | 'client', opcode: number, payload: Buffer | string, fin = true): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return encodeFrameToBuffer(data, { opcode, fin, mask: role === 'server' });
}

function peerClose(role: 'server' | 'client', code?: number, reason?: string): Buffer {
  return encodeCloseFrame(code, reason, role === 'server');
}

function drain(session: Session): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (let event = session.nextEvent(); event !== null; event = session.nextEvent()) events.push(event);
  return events;
}

/** Decode what the session wrote, as the peer would (the peer of a client expects masked frames). */
function framesWritten(role: 'server' | 'client', bytes: Buffer[]): Frame[] {
  const parser = new FrameParser({ role: role === 'client' ? 'server' : 'client', maxPayload: 0, allowRsv1: true });
  for (const chunk of bytes) parser.push(chunk);
  const frames: Frame[] = [];
  for (let frame = parser.next(); frame !== null; frame = parser.next()) {
    if (isViolation(frame)) throw new Error(`session wrote an invalid frame: ${frame.reason}`);
    frames.push(frame);
  }
  return frames;
}

describe('ready state transitions', () => {
  it('starts CONNECTING and refuses every send until the handshake completes', () => {
    const session = new Session('client');
    expect(session.state).toBe(SessionState.Connecting);
    expect(session.frameData(Buffer.from('x'), false, true)).toEqual({ refused: SessionState.Connecting });
    expect(session.framePing(Buffer.alloc(0))).toEqual({ refused: SessionState.Connecting });
    expect(session.close(1000)).toBeNull();
    session.receive(peerFrame('client', Opcode.Text, 'ignored'));
    expect(session.nextEvent()).toBeNull();
  });

  it('CONNECTING → OPEN on open()', () => {
    const session = openSession();
    expect(session.state).toBe(SessionState.Open);
  });

  it('CONNECTING → CLOSING when the opening handshake is abandoned, → CLOSED when TCP is gone', () => {
    const session = new Session('client');
    session.abandonOpening();
    expect(session.state).toBe(SessionState.Closing);
    session.open(LIMITS);
    expect(session.state).toBe(SessionState.Closing);
    session.transportClosed();
    expect(session.state).toBe(SessionState.Closed);
    expect(session.closeCode).toBe(1006);
  });

  it('OPEN → CLOSING on our close(), on the peer close frame, on a failure, on terminate() and on the peer FIN', () => {
    const ours = openSession();
    ours.close(1000);
    const theirs = openSession();
    theirs.receive(peerClose('client', 1000));
    drain(theirs);
    const failed = openSession();
    failed.receive(Buffer.from([0x83, 0x00])); // reserved opcode 3 (§5.2)
    drain(failed);
    const terminated = openSession();
    terminated.terminate();
    const eof = openSession();
    eof.receiveEof();
    for (const session of [ours, theirs, failed, terminated, eof]) expect(session.state).toBe(SessionState.Closing);
  });

  it('→ CLOSED once the transport is gone, from any state', () => {
    for (const session of [new Session('server'), openSession('server')]) {
      session.transportClosed();
      expect(session.state).toBe(SessionState.Closed);
      expect(session.frameData(Buffer.from('x'), false, true)).toEqual({ refused: SessionState.Closed });
    }
  });
});

describe('§5.5.1 the closing handshake', () => {
  it('echoes the peer status code in its close frame and enters CLOSING', () => {
    const session = openSession('server');
    session.receive(peerClose('server', 4001, 'bye'));
    const [event] = drain(session);
    expect(event).toMatchObject({ type: 'close', code: 4001 });
    expect((event as { reason: Buffer }).reason.toString()).toBe('bye');
    const [reply] = framesWritten('server', [(event as { reply: Buffer }).reply]);
    expect(reply.opcode).toBe(Opcode.Close);
    expect(reply.payload.readUInt16BE(0)).toBe(4001);
    expect(session.state).toBe(SessionState.Closing);
  });

  it('answers a close frame without a code with an empty close frame (1005 never travels)', () => {
    const session = openSession('server');
    session.receive(peerClose('server'));
    const [event] = drain(session);
    expect(event).toMatchObject({ type: 'close', code: 1005 });
    const [reply] = framesWritten('server', [(event as { reply: Buffer }).reply]);
    expect(reply.payload.length).toBe(0);
  });

  it('sends no reply when its own close frame went first, and the handshake is then complete', () => {
    const session = openSession('client');
    expect(session.close(1000)).not.toBeNull();
    session.receive(peerClose('client', 1000));
    const [event] = drain(session);
    expect(event).toMatchObject({ type: 'close', reply: null });
    expect(session.wasClean).toBe(true);
  });

  it('refuses data, ping and pong after its close frame', () => {
    const session = openSession('client');
    session.close(1000, Buffer.from('done'));
    expect(isRefusal(session.frameData(Buffer.from('late'), false, true))).toBe(true);
    expect(isRefusal(session.framePing(Buffer.alloc(0)))).toBe(true);
    expect(isRefusal(session.framePong(Buffer.alloc(0)))).toBe(true);
    expect(isRefusal(session.reserveData(true, true))).toBe(true);
    expect(session.close(1000)).toBeNull();
  });

  it('refuses data after the peer close frame it answered (the defect this machine fixed)', () => {
    const session = openSession('client');
    session.receive(peerClose('client', 1000));
    drain(session);
    expect(session.state).toBe(SessionState.Closing);
    expect(session.frameData(Buffer.from('after'), false, true)).toEqual({ refused: SessionState.Closing });
    expect(session.framePing(Buffer.alloc(0))).toEqual({ refused: SessionState.Closing });
  });

  it('ignores frames that follow the peer close frame', () => {
    const session = openSession('server');
    session.receive(Buffer.concat([peerClose('server', 1000), peerFrame('server', Opcode.Text, 'after close')]));
    expect(drain(session).map((event) => event.type)).toEqual(['close']);
    session.receive(peerFrame('server', Opcode.Text, 'still after'));
    expect(session.nextEvent()).toBeNull();
  });

  it('still delivers messages while waiting for the peer close frame', () => {
    const session = openSession('server');
    session.close(1000);
    session.receive(peerFrame('server', Opcode.Text, 'in flight'));
    expect(drain(session)).toMatchObject([{ type: 'message', binary: false }]);
  });
});

describe('§7.1.1 who closes TCP', () => {
  it('the server closes TCP once both close frames are exchanged', () => {
    const session = openSession('server');
    session.receive(peerClose('server', 1000));
    drain(session);
    expect(session.shouldCloseTransport).toBe(true);
  });

  it('the client waits for the server to close TCP, under a timer', () => {
    const session = openSession('client');
    session.close(1000);
    expect(session.awaitingPeerClose).toBe(true);
    session.receive(peerClose('client', 1000));
    drain(session);
    expect(session.shouldCloseTransport).toBe(false);
    expect(session.awaitingPeerClose).toBe(true);
  });

  it('either side closes TCP after a failure (§7.1.7)', () => {
    for (const role of ['server', 'client'] as const) {
      const session = openSession(role);
      session.fail(1011);
      expect(session.shouldCloseTransport).toBe(true);
    }
  });
});

describe('§7.1.5 the close code and reason', () => {
  it('is 1006 with an empty reason when no close frame arrived', () => {
    const session = openSession();
    session.transportClosed();
    expect(session.closeCode).toBe(1006);
    expect(session.closeReason.length).toBe(0);
    expect(session.wasClean).toBe(false);
  });
});

describe('§7.1.7 failing the connection', () => {
  it('reports a violation once, with a close frame carrying its code, and reads nothing more', () => {
    const session = openSession('server');
    // An unmasked frame from a client is a protocol error (§5.1).
    session.receive(Buffer.concat([encodeFrameToBuffer(Buffer.from('x'), { opcode: Opcode.Text }), peerFrame('server', Opcode.Text, 'later')]));
    const events = drain(session);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'failed', violation: { closeCode: 1002 } });
    const [reply] = framesWritten('server', [(events[0] as { reply: Buffer }).reply]);
    expect(reply.payload.readUInt16BE(0)).toBe(1002);
    session.receive(peerFrame('server', Opcode.Text, 'more'));
    expect(session.nextEvent()).toBeNull();
  });

  it('fails with the given code for a reason found outside the core, once', () => {
    const session = openSession('client');
    const frame = session.fail(1007);
    expect(framesWritten('client', [frame!])[0].payload.readUInt16BE(0)).toBe(1007);
    expect(session.fail(1011)).toBeNull();
    expect(session.hasFailed).toBe(true);
  });

  it('sends no second close frame when it fails after its own close frame', () => {
    const session = openSession('client');
    session.close(1000);
    session.receive(Buffer.from([0x8a, 0x7e, 0x00, 0x7e])); // a pong with a 16-bit length: control frames are ≤ 125 bytes
    expect(drain(session)).toMatchObject([{ type: 'failed', reply: null }]);
  });
});

describe('§5.4 outgoing fragmentation', () => {
  it('sends the message opcode first, then continuations, FIN on the last', () => {
    const session = openSession('server');
    const frames = framesWritten('server', [
      ...(session.frameData(Buffer.from('a'), true, false) as Buffer[]),
      ...(session.framePing(Buffer.from('p')) as Buffer[]),
      ...(session.frameData(Buffer.from('b'), false, false) as Buffer[]),
      ...(session.frameData(Buffer.from('c'), false, true) as Buffer[]),
      ...(session.frameData(Buffer.from('d'), false, true) as Buffer[]),
    ]);
    expect(frames.map((frame) => [frame.opcode, frame.fin])).toEqual([
      [Opcode.Binary, false],
      [Opcode.Ping, true],
      [Opcode.Continuation, false],
      [Opcode.Continuation, true],
      [Opcode.Text, true],
    ]);
    expect(session.sendingFragments).toBe(false);
  });

  it('masks client frames and not server frames (§5.3), unless told otherwise', () => {
    const client = openSession('client');
    const server = openSession('server');
    expect(((client.frameData(Buffer.from('x'), false, true) as Buffer[])[0][1] & 0x80) !== 0).toBe(true);
    expect(((server.frameData(Buffer.from('x'), false, true) as Buffer[])[0][1] & 0x80) !== 0).toBe(false);
    expect(((client.frameData(Buffer.from('x'), false, true, false) as Buffer[])[0][1] & 0x80) !== 0).toBe(false);
  });

  it('sets RSV1 on a compressed slot only', () => {
    const session = openSession('server');
    const slot = session.reserveData(false, true);
    if (isRefusal(slot)) throw new Error('refused');
    const [frame] = framesWritten('server', session.frameSlot(slot, Buffer.from([0x02, 0x00]), true));
    expect(frame.rsv1).toBe(true);
  });
});

type Action =
  | { kind: 'send'; fin: boolean }
  | { kind: 'ping' }
  | { kind: 'close' }
  | { kind: 'terminate' }
  | { kind: 'eof' }
  | { kind: 'peer-message' }
  | { kind: 'peer-close' }
  | { kind: 'peer-garbage' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), fin: fc.boolean() }),
  fc.constant({ kind: 'ping' as const }),
  fc.constant({ kind: 'close' as const }),
  fc.constant({ kind: 'terminate' as const }),
  fc.constant({ kind: 'eof' as const }),
  fc.constant({ kind: 'peer-message' as const }),
  fc.constant({ kind: 'peer-close' as const }),
  fc.constant({ kind: 'peer-garbage' as const }),
);

/** Runs the actions and returns every byte the session wrote, in order. */
function play(role: 'server' | 'client', actions: Action[]): Buffer[] {
  const session = openSession(role);
  const written: Buffer[] = [];
  const take = (result: Buffer[] | Buffer | null | { refused: SessionState }): void => {
    if (result === null || isRefusal(result)) return;
    written.push(...(Array.isArray(result) ? result : [result]));
  };
  for (const step of actions) {
    switch (step.kind) {
      case 'send':
        take(session.frameData(Buffer.from('data'), false, step.fin));
        break;
      case 'ping':
        take(session.framePing(Buffer.from('p')));
        break;
      case 'close':
        take(session.close(1000));
        break;
      case 'terminate':
        session.terminate();
        break;
      case 'eof':
        session.receiveEof();
        break;
      case 'peer-message':
        session.receive(peerFrame(role, Opcode.Binary, 'hi'));
        break;
      case 'peer-close':
        session.receive(peerClose(role, 1001));
        break;
      case 'peer-garbage':
        session.receive(Buffer.from([0x8f, 0x80, 1, 2, 3, 4])); // reserved control opcode 0xF
        break;
    }
    for (const event of drain(session)) if (event.type === 'close' || event.type === 'failed') take(event.reply);
  }
  return written;
}

describe('property: whatever the user and the peer do, no frame follows our close frame', () => {
  for (const role of ['server', 'client'] as const) {
    it(`${role}: at most one close frame, always last, every frame well formed`, () => {
      fc.assert(
        fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
          const frames = framesWritten(role, play(role, actions));
          const closeAt = frames.findIndex((frame) => frame.opcode === Opcode.Close);
          if (closeAt !== -1) expect(closeAt).toBe(frames.length - 1);
          // A continuation only ever follows an unfinished data frame (§5.4).
          let inMessage = false;
          for (const frame of frames) {
            if (frame.opcode === Opcode.Continuation) expect(inMessage).toBe(true);
            if (frame.opcode === Opcode.Text || frame.opcode === Opcode.Binary) expect(inMessage).toBe(false);
            if (frame.opcode <= Opcode.Binary) inMessage = !frame.fin;
          }
        }),
        { numRuns: 500 },
      );
    });
  }
});
