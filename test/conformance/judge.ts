// Autobahn's verdict for a played case (Case.onConnectionLost in autobahntestsuite/case/case.py),
// made stricter where this suite promises more: a failing implementation must say why with a
// close frame, and a server must close TCP first after the closing handshake (§7.1.1).
import { isDeepStrictEqual } from 'node:util';
import type { ConformanceCase } from './cases/case.js';
import type { PeerEvent, RawPeer } from './peer/peer.js';

export type Behavior =
  | 'OK'
  | 'NON-STRICT'
  | 'INFORMATIONAL'
  | 'UNIMPLEMENTED'
  | 'FAILED'
  | 'WRONG CODE'
  | 'UNCLEAN'
  | 'FAILED BY CLIENT';

export interface Verdict {
  behavior: Behavior;
  behaviorClose: Behavior;
  /** Why, in words, when not OK. */
  details: string[];
}

/** The implementation under test plays this side. */
export type UnderTest = 'server' | 'client';

export function sameEvents(actual: PeerEvent[], expected: PeerEvent[]): boolean {
  return isDeepStrictEqual(actual, expected);
}

function describeEvents(events: PeerEvent[]): string {
  const shown = events.map((event) => {
    switch (event.kind) {
      case 'message':
        return `${event.binary ? 'binary' : 'text'}(${event.data.length}B ${event.data.subarray(0, 24).toString('hex')})`;
      case 'ping':
      case 'pong':
        return `${event.kind}(${event.payload.toString('hex')})`;
      case 'timeout':
        return `timeout(${event.label})`;
    }
  });
  return `[${shown.join(', ')}]`;
}

function judgeEvents(testCase: ConformanceCase, peer: RawPeer, details: string[]): Behavior {
  if (peer.caseFailure !== undefined) {
    details.push(peer.caseFailure);
    return peer.caseFailure.startsWith('UNIMPLEMENTED') ? 'UNIMPLEMENTED' : 'FAILED';
  }
  if (peer.violations.length > 0) {
    details.push(...peer.violations);
    return 'FAILED';
  }
  if (sameEvents(peer.received, testCase.ok)) return 'OK';
  const got = describeEvents(peer.received);
  if (testCase.nonStrict !== undefined && sameEvents(peer.received, testCase.nonStrict)) {
    details.push(`non-strict: got ${got}, strict expects ${describeEvents(testCase.ok)}`);
    return 'NON-STRICT';
  }
  details.push(`got ${got}, expected ${describeEvents(testCase.ok)}`);
  return 'FAILED';
}

function judgeClose(testCase: ConformanceCase, peer: RawPeer, underTest: UnderTest, details: string[]): Behavior {
  const expected = testCase.close;
  const code = peer.remoteCloseCode;
  if (expected.closedByMe !== peer.closedByMe) {
    details.push(expected.closedByMe ? 'the implementation closed first' : 'the implementation did not fail the connection');
    return 'FAILED';
  }
  if (expected.requireClean && !peer.wasClean) {
    details.push('no complete closing handshake');
    return 'UNCLEAN';
  }
  if (code === undefined && !expected.closedByMe) {
    details.push(`dropped TCP without a close frame; expected close code ${expected.codes.join(' or ')}`);
    return 'WRONG CODE';
  }
  if (code === undefined && expected.requireClean) return 'UNCLEAN';
  if (code !== undefined && (code === null ? !expected.closedByMe : !expected.codes.includes(code))) {
    details.push(`close code ${code ?? 'empty'}, expected ${expected.codes.join(' or ')}`);
    return 'WRONG CODE';
  }
  if (underTest === 'server' && !peer.remoteClosedTcpFirst) {
    details.push('the server did not close the TCP connection first (§7.1.1)');
    return 'FAILED BY CLIENT';
  }
  return 'OK';
}

export function judge(testCase: ConformanceCase, peer: RawPeer, underTest: UnderTest): Verdict {
  const details: string[] = [];
  const behavior = judgeEvents(testCase, peer, details);
  const behaviorClose = judgeClose(testCase, peer, underTest, details);
  if (testCase.informational === true && peer.violations.length === 0) {
    return { behavior: 'INFORMATIONAL', behaviorClose: 'INFORMATIONAL', details };
  }
  return { behavior, behaviorClose, details };
}

/** A case passes this suite only when both verdicts are OK (or INFORMATIONAL for informational cases). */
export function passed(verdict: Verdict): boolean {
  const fine = (behavior: Behavior): boolean => behavior === 'OK' || behavior === 'INFORMATIONAL';
  return fine(verdict.behavior) && fine(verdict.behaviorClose);
}
