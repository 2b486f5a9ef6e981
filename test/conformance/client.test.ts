// Autobahn groups 1-10 against the client under test (the fuzzingserver role).
import { defineGroups } from './define-suite.js';
import { protocolGroups } from './groups.js';
import { runAgainstClient } from './harness.js';

defineGroups(protocolGroups, runAgainstClient, 60_000);
