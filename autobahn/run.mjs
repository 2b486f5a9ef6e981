#!/usr/bin/env node
// Runs the real Autobahn testsuite (Docker image crossbario/autobahn-testsuite) against ws6455:
//   node autobahn/run.mjs server   fuzzingclient tests our echo server on ws://127.0.0.1:9001
//   node autobahn/run.mjs client   fuzzingserver on 9001 tests our client (client-driver.mjs)
// then summarizes the report. Exit 2 when Docker is unavailable.
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const autobahn = join(root, 'autobahn');
const IMAGE = 'crossbario/autobahn-testsuite';
const mode = process.argv[2];

if (mode !== 'server' && mode !== 'client') {
  console.error('usage: node autobahn/run.mjs server|client');
  process.exit(2);
}

if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
  console.log('Docker is not available here; the same case groups run without Docker in `npm test` (test/conformance/)');
  process.exit(2);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function dockerArgs(fuzzer, config, name) {
  return [
    'run', '--rm', '--network', 'host', '--name', name,
    '-v', `${autobahn}:/config`, '-v', `${join(autobahn, 'reports')}:/reports`,
    IMAGE, 'wstest', '-m', fuzzer, '-s', `/config/${config}`,
  ];
}

/** Resolves once something accepts TCP connections on the port. */
async function waitForPort(port, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`nothing listens on port ${port}`);
}

run('npm', ['run', 'build']);
const name = `ws6455-autobahn-${process.pid}`;
if (mode === 'server') {
  const server = spawn(process.execPath, [join(autobahn, 'echo-server.mjs')], { stdio: 'inherit' });
  try {
    await waitForPort(9001);
    run('docker', dockerArgs('fuzzingclient', 'fuzzingclient.json', name));
  } finally {
    server.kill('SIGTERM');
  }
} else {
  const fuzzer = spawn('docker', dockerArgs('fuzzingserver', 'fuzzingserver.json', name), { cwd: root, stdio: 'inherit' });
  try {
    await waitForPort(9001);
    run(process.execPath, [join(autobahn, 'client-driver.mjs')]);
  } finally {
    spawnSync('docker', ['stop', name], { stdio: 'ignore' });
    fuzzer.kill('SIGTERM');
  }
}

const summary = spawnSync(process.execPath, [join(autobahn, 'summarize.mjs'), join(autobahn, 'reports', mode === 'server' ? 'servers' : 'clients')], {
  stdio: 'inherit',
});
process.exit(summary.status ?? 1);
