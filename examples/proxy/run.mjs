// Two chat nodes behind nginx, TLS terminated at the proxy, and rolling restarts.
//
//   npm run build && redis-server --save '' --appendonly no &
//   node examples/proxy/run.mjs            # https://localhost:8443 (PORT overrides; PORT=0 picks one)
//   kill -HUP <pid>                        # rolling restart: each node drains (1012) and comes back, one at a time
//
// At start it makes a throwaway self-signed certificate with `openssl` in a temporary directory
// (never commit keys), writes nginx.conf there (nginx.conf.template next to this file), and starts
// nginx (`/usr/sbin/nginx`, Debian package `nginx`) in the foreground plus two nodes
// (../cluster/worker.mjs) on free ports, joined by the Redis Streams adapter with session resume.
// nginx balances new connections over the nodes and skips a node that refuses (draining: 503) or
// is down. Everything in the temporary directory is removed on SIGINT/SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const nginx = process.env.NGINX ?? '/usr/sbin/nginx';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const drainMs = process.env.DRAIN_MS ?? '5000';
const worker = fileURLToPath(new URL('../cluster/worker.mjs', import.meta.url));
const template = readFileSync(new URL('./nginx.conf.template', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ws6455-proxy-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function fail(message) {
  console.error(`proxy example: ${message}`);
  cleanUp();
  process.exit(1);
}

function cleanUp() {
  for (const node of nodes) node.child?.kill('SIGINT');
  proxy?.kill('SIGQUIT');
  rmSync(dir, { recursive: true, force: true });
}

/** A throwaway key and certificate for localhost, valid for one day. */
function makeCertificate() {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch (error) {
    fail(`openssl failed (${error.message}); install it with: apt-get install openssl`);
  }
}

/** Starts (or restarts) one node and resolves once it listens. */
function startNode(node) {
  const child = spawn(process.execPath, [worker], {
    env: { ...process.env, PORT: String(node.port), REDIS_URL: redisUrl, DRAIN_MS: drainMs },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  node.child = child;
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(`[node ${node.port}] ${line}`);
      if (line.includes('listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`node on ${node.port} exited with ${code}`)));
  });
}

/** Drains one node (SIGTERM: 1012 spread over DRAIN_MS), waits for it to exit, starts it again. */
async function restartNode(node) {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
  await startNode(node);
}

let proxy;
const nodes = [{ port: await freePort() }, { port: await freePort() }];
const port = process.env.PORT === undefined ? 8443 : Number(process.env.PORT) || (await freePort());

makeCertificate();
writeFileSync(
  join(dir, 'nginx.conf'),
  template
    .replaceAll('{{dir}}', dir)
    .replaceAll('{{port}}', String(port))
    .replaceAll('{{node1}}', String(nodes[0].port))
    .replaceAll('{{node2}}', String(nodes[1].port)),
);
try {
  await Promise.all(nodes.map(startNode));
} catch (error) {
  fail(error.message);
}
proxy = spawn(nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'inherit' });
proxy.once('error', (error) => fail(`cannot start ${nginx} (${error.message}); install it with: apt-get install nginx`));
proxy.once('exit', (code) => {
  if (!stopping) fail(`nginx exited with ${code}; see ${join(dir, 'error.log')}`);
});
await waitForPort(port);
console.log(`proxy listening on https://localhost:${port} (nodes on ${nodes.map((node) => node.port).join(' and ')}; kill -HUP ${process.pid} for a rolling restart)`);

let restarting = false;
process.on('SIGHUP', async () => {
  if (restarting) return;
  restarting = true;
  for (const node of nodes) await restartNode(node);
  restarting = false;
  console.log('rolling restart done');
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    cleanUp();
    setTimeout(() => process.exit(0), 500);
  });
}

async function waitForPort(target) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((resolve) => {
      const socket = connect(target, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  fail(`nginx did not listen on ${target}`);
}
