// examples/cluster: node:cluster workers sharing one port, joined by the Redis Streams adapter. A
// message sent by any client reaches every client exactly once, whichever worker each one landed
// on; without a Redis server the example says so and exits non-zero instead of hanging.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from '../../src/index.js';
import { freePort, waitFor } from './helpers/ports.js';
import { requireProgram } from './helpers/programs.js';
import { RedisServer } from './helpers/redis-server.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');
const exampleScript = fileURLToPath(new URL('../../examples/cluster/server.mjs', import.meta.url));
const chatPage = fileURLToPath(new URL('../../examples/chat/index.html', import.meta.url));

interface ClusterClient {
  ws: WebSocket;
  worker: string;
  received: string[];
  closeCode?: number;
}

async function connect(port: number): Promise<ClusterClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const client: ClusterClient = { ws, worker: '', received: [] };
  ws.on('upgrade', (response: { headers: Record<string, string | string[] | undefined> }) => {
    client.worker = String(response.headers['x-worker']);
  });
  ws.on('message', (data) => {
    const text = String(data);
    if (text !== '欢迎连接到 WebSocket 服务器!') client.received.push(text.replace(/^客户端说: /, ''));
  });
  ws.on('close', (code) => (client.closeCode = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

describe.skipIf(redisProgram === undefined)('examples/cluster: two workers on one port, joined by Redis', () => {
  let redis: RedisServer;
  let primary: ChildProcess;
  let port: number;
  let output = '';
  const clients: ClusterClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
    port = await freePort();
    primary = spawn(process.execPath, [exampleScript], {
      env: { ...process.env, PORT: String(port), WORKERS: '2', REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    primary.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('2 workers listening', () => output.includes('cluster: 2 workers listening'), 20_000);
  });

  afterAll(async () => {
    for (const client of clients) client.ws.terminate();
    if (primary.exitCode === null && primary.signalCode === null) {
      const exited = new Promise((resolve) => primary.once('exit', resolve));
      primary.kill('SIGKILL');
      await exited;
    }
    await redis?.dispose();
  });

  it('serves the chat page', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    if (existsSync(chatPage)) {
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(readFileSync(chatPage, 'utf8'));
    } else {
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('examples/chat/index.html is missing\n');
    }
  });

  it('clients land on both workers, and each message reaches every client exactly once', async () => {
    for (let i = 0; i < 6; i++) clients.push(await connect(port));
    expect(new Set(clients.map((c) => c.worker)).size).toBe(2);
    // Let both workers' subscriptions settle: a first message must reach everyone.
    clients[0]!.ws.send('warm-up');
    await waitFor('warm-up everywhere', () => clients.every((c) => c.received.includes('warm-up')), 10_000);
    for (const client of clients) client.received.length = 0;

    for (const [i, client] of clients.entries()) client.ws.send(`message ${i}`);
    await waitFor('6 messages on every client', () => clients.every((c) => c.received.length >= 6), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const expected = clients.map((_, i) => `message ${i}`);
    for (const client of clients) expect([...client.received].sort()).toEqual(expected);
  });

  it('SIGTERM: workers close their clients with 1001 and the cluster exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor('clients closed', () => clients.every((c) => c.closeCode !== undefined));
    expect(clients.map((c) => c.closeCode)).toEqual(clients.map(() => 1001));
  });
});

describe('examples/cluster without a Redis server', () => {
  it('prints a clear message and exits non-zero instead of hanging', async () => {
    const unusedPort = await freePort();
    const child = spawn(process.execPath, [exampleScript], {
      env: { ...process.env, PORT: String(await freePort()), WORKERS: '1', REDIS_URL: `redis://127.0.0.1:${unusedPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).not.toBe(0);
    expect(stderr).toContain(`cannot reach Redis at redis://127.0.0.1:${unusedPort}`);
    expect(stderr).toContain('REDIS_URL');
  });
});
