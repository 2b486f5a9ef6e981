// Runs a case against the implementation: its echo server (the peer connects as a client), or its
// client (the peer listens as a one-shot fuzzing server and the client echoes what it receives).
import { WebSocket, WebSocketServer } from './implementation.js';
import type { ConformanceCase } from './cases/case.js';
import { checkServerResponse } from './cases/compression.js';
import { connectPeer, listenForClient } from './peer/connect.js';
import { playCase } from './run-case.js';
import type { Verdict } from './judge.js';

/** Bigger than the largest AUTOBAHN_FULL message (16 MiB). */
const MAX_PAYLOAD = 64 * 1024 * 1024;

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

/** The server under test, echoing every message with the same binary flag. */
export async function startEchoServer(perMessageDeflate: boolean): Promise<EchoServer> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate, maxPayload: MAX_PAYLOAD });
  server.on('connection', (socket: WebSocket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
    socket.on('error', () => {
      // Protocol errors are the point of most cases; the close frame carries them.
    });
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('echo server has no port');
  return {
    port: address.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function runAgainstServer(testCase: ConformanceCase, server: EchoServer): Promise<Verdict> {
  const { peer, negotiated } = await connectPeer(server.port, testCase.compression?.offer);
  if (testCase.compression !== undefined) {
    const wrong = checkServerResponse(testCase.compression.offer, negotiated);
    if (wrong !== undefined) peer.violations.push(wrong);
  }
  return playCase(testCase, peer, 'server');
}

export async function runAgainstClient(testCase: ConformanceCase): Promise<Verdict> {
  const listening = await listenForClient(testCase.compression?.accept);
  const client = new WebSocket(`ws://127.0.0.1:${listening.port}/`, {
    perMessageDeflate: testCase.compression !== undefined,
    maxPayload: MAX_PAYLOAD,
  });
  client.on('message', (data: Buffer, isBinary: boolean) => client.send(data, { binary: isBinary }));
  client.on('error', () => {
    // As above: judged from the wire.
  });
  const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  const { peer } = await listening.accepted;
  const verdict = await playCase(testCase, peer, 'client');
  await clientClosed;
  return verdict;
}
