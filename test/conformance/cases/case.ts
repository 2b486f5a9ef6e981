// What an Autobahn case is, in this suite: a script the raw peer plays, the events it must see
// for the case to pass (OK) or pass loosely (NON-STRICT), and how the connection must end.
// Expectations follow the case classes of crossbario/autobahn-testsuite (autobahntestsuite/case/).
import type { DeflateAccept } from '../peer/connect.js';
import type { PeerEvent, RawPeer } from '../peer/peer.js';
import { toBuffer } from '../peer/wire.js';

export interface CloseExpectation {
  /** The peer (the test suite) sends the first close frame; false = the implementation must fail the connection. */
  closedByMe: boolean;
  /** Close codes the implementation may send (an empty close is accepted only when closedByMe). */
  codes: number[];
  /** Both close frames must be exchanged (§7.1.2). */
  requireClean: boolean;
}

export interface CompressionSetup {
  /** Sec-WebSocket-Extensions the peer offers when it is the client. */
  offer: string;
  /** How the peer answers offers when it is the server. */
  accept: DeflateAccept;
}

export interface ConformanceCase {
  id: string;
  description: string;
  /** Events (in order) for behavior OK. */
  ok: PeerEvent[];
  /** Events for behavior NON-STRICT (passes Autobahn, not this suite). */
  nonStrict?: PeerEvent[];
  close: CloseExpectation;
  /** Autobahn reports the outcome without judging it (e.g. 7.1.6, 7.13.x). */
  informational?: boolean;
  /** Do not answer a matched expectation with a close frame (Autobahn's suppressClose). */
  suppressClose?: boolean;
  compression?: CompressionSetup;
  /** The case is dropped after this long, whatever happens. Default 10 s. */
  timeoutMs?: number;
  play(peer: RawPeer): Promise<void>;
}

/** Autobahn waits 1 s where a case gives the implementation time to react; half of it suffices on loopback. */
export const REACTION_WAIT_MS = 500;
/** Autobahn's killAfter backstop: only reached when an implementation fails to close. */
export const KILL_AFTER_MS = 2000;
/** AUTOBAHN_FULL=1 runs the limits and compression cases at the suite's real sizes and counts. */
export const FULL = process.env.AUTOBAHN_FULL === '1';

export const message = (data: Buffer | string, binary = false): PeerEvent => ({
  kind: 'message',
  binary,
  data: toBuffer(data),
});
export const pong = (payload: Buffer | string = ''): PeerEvent => ({ kind: 'pong', payload: toBuffer(payload) });
export const timeout = (label: string): PeerEvent => ({ kind: 'timeout', label });

export const cleanNormalClose: CloseExpectation = { closedByMe: true, codes: [1000], requireClean: true };
/** The implementation must fail the connection itself, with this close code (§7.1.7). */
export const failsWith = (...codes: number[]): CloseExpectation => ({ closedByMe: false, codes, requireClean: false });

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes the frames one TCP write at a time, yielding in between (Autobahn's sync = True). */
export const FRAME_WISE = { chop: Number.MAX_SAFE_INTEGER } as const;
/** One byte per write with a pause (Autobahn's octet-wise chops with delay). */
export const OCTET_WISE = { chop: 1, chopDelayMs: 1 } as const;
