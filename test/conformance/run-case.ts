// Plays one case on a connected peer and returns Autobahn's verdict.
import type { ConformanceCase } from './cases/case.js';
import { judge, sameEvents, type UnderTest, type Verdict } from './judge.js';
import type { RawPeer } from './peer/peer.js';

export async function playCase(testCase: ConformanceCase, peer: RawPeer, underTest: UnderTest): Promise<Verdict> {
  // Autobahn's finishWhenDone: once what we received matches every expectation, we close.
  peer.onEvent = () => {
    const expectations = [testCase.ok, ...(testCase.nonStrict === undefined ? [] : [testCase.nonStrict])];
    const done = expectations.every((expected) => sameEvents(peer.received, expected));
    if (done && testCase.close.closedByMe && testCase.suppressClose !== true) void peer.sendClose(testCase.close.codes[0]);
  };
  peer.killAfter(testCase.timeoutMs ?? 10_000);
  try {
    await testCase.play(peer);
  } catch (error) {
    peer.caseFailure = `the case script failed: ${(error as Error).message}`;
    peer.drop();
  }
  await peer.closed;
  return judge(testCase, peer, underTest);
}
