// Autobahn groups 1-10 against the echo server under test (the fuzzingclient role).
import { afterAll, beforeAll } from 'vitest';
import { defineGroups } from './define-suite.js';
import { protocolGroups } from './groups.js';
import { runAgainstServer, startEchoServer, type EchoServer } from './harness.js';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer(false);
});
afterAll(() => server.close());

defineGroups(protocolGroups, (testCase) => runAgainstServer(testCase, server), 60_000);
