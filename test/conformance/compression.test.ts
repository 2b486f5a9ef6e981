// Autobahn groups 12 and 13 (permessage-deflate) against both the server and the client under test.
import { afterAll, beforeAll, describe } from 'vitest';
import { defineGroups } from './define-suite.js';
import { compressionGroups } from './groups.js';
import { runAgainstClient, runAgainstServer, startEchoServer, type EchoServer } from './harness.js';

describe('server', () => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await startEchoServer(true);
  });
  afterAll(() => server.close());
  defineGroups(compressionGroups, (testCase) => runAgainstServer(testCase, server), 120_000);
});

describe('client', () => {
  defineGroups(compressionGroups, runAgainstClient, 120_000);
});
