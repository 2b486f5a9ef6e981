// examples/proxy: nginx (TLS terminated at the proxy) in front of two chat nodes joined by the
// Redis Streams adapter with session resume. Under load, a rolling restart (SIGHUP: each node drains
// with 1012 and comes back, one at a time) must cost no client a message: per client, delivered,
// lost, duplicated and out-of-order messages are counted, and all but delivered must be zero.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReconnectingWebSocket, RedisStreamsAdapter, WebSocketServer, type RedisCommandClient } from '../../src/index.js';
import { waitFor } from './helpers/ports.js';
import { findProgram, requireProgram } from './helpers/programs.js';
import { countDelivery } from './helpers/redis-clients.js';
import { RedisServer } from './helpers/redis-server.js';

const redisProgram = requireProgram('redis-server', 'apt-get install redis-server');
// Debian installs nginx in /usr/sbin, which is not on every user's PATH.
const nginxProgram = findProgram('/usr/sbin/nginx') ?? requireProgram('nginx', 'apt-get install nginx');
const opensslProgram = requireProgram('openssl', 'apt-get install openssl');
const example = fileURLToPath(new URL('../../examples/proxy/run.mjs', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const missing = redisProgram === undefined || nginxProgram === undefined || opensslProgram === undefined;

describe.skipIf(missing)('examples/proxy: rolling restart behind nginx under load', () => {
  let redis: RedisServer;
  let runner: ChildProcess;
  let output = '';
  let port = 0;

  beforeAll(async () => {
    redis = await RedisServer.launch(redisProgram!);
    runner = spawn(process.execPath, [example], {
      env: { ...process.env, PORT: '0', REDIS_URL: redis.url, DRAIN_MS: '300', NGINX: nginxProgram! },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    runner.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the proxy', () => /proxy listening on https:\/\/localhost:(\d+)/.test(output), 15_000);
    port = Number(/proxy listening on https:\/\/localhost:(\d+)/.exec(output)![1]);
  });

  afterAll(async () => {
    if (runner && runner.exitCode === null) {
      const exited = new Promise((resolve) => runner.once('exit', resolve));
      runner.kill('SIGTERM');
      await exited;
    }
    await redis?.dispose();
  });

  it('serves the chat page over TLS through the proxy', async () => {
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      import('node:https').then(({ get }) =>
        get(`https://127.0.0.1:${port}/`, { rejectUnauthorized: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject),
      );
    });
    expect(response.status).toBe(200);
    expect(response.body).toContain('<title>ws6455 chat</title>');
  });

  it('six clients lose, repeat and reorder nothing while both nodes restart one after the other', async () => {
    // A third node, outside the proxy, produces the load on the nodes' stream.
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    await client.connect();
    const adapter = new RedisStreamsAdapter({ client: client as unknown as RedisCommandClient, channel: 'ws6455:chat:stream' });
    adapter.on('error', () => {});
    await adapter.ready;
    const source = new WebSocketServer({ noServer: true });
    source.setAdapter(adapter);

    const received: string[][] = [];
    const clients = Array.from({ length: 6 }, (_, i) => {
      received[i] = [];
      const ws = new ReconnectingWebSocket(`wss://127.0.0.1:${port}/`, {
        resume: true,
        minDelay: 20,
        maxDelay: 200,
        restartSpread: 150,
        rejectUnauthorized: false,
      });
      ws.on('message', (data) => received[i]!.push(String(data)));
      return ws;
    });
    try {
      await waitFor('clients open', () => clients.every((ws) => ws.state === 'open'), 10_000);
      const sent: string[] = [];
      let restartDone = false;
      // Load goes on until the rolling restart is over (its pace depends on the machine's load), at most ~16 s.
      for (let i = 0; i < 2000 && !(restartDone && i >= 250); i++) {
        sent.push(`m${i}`);
        source.broadcast(`m${i}`);
        if (i === 40) {
          runner.kill('SIGHUP');
          void waitFor('rolling restart done', () => output.includes('rolling restart done'), 15_000).then(() => (restartDone = true));
        }
        await sleep(8);
      }
      expect(restartDone).toBe(true);
      await waitFor('every message on every client', () => received.every((messages) => countDelivery(sent, messages).delivered === sent.length), 10_000);
      await sleep(200);
      for (const messages of received) {
        expect(countDelivery(sent, messages)).toEqual({ delivered: sent.length, lost: 0, duplicated: 0, outOfOrder: 0 });
      }
      // Each client went through at least one drain (two nodes restarted, each with clients).
      expect(output.match(/listening on/g)!.length).toBeGreaterThanOrEqual(4);
    } finally {
      for (const ws of clients) ws.terminate();
      await new Promise((resolve) => source.close(() => resolve(undefined)));
      await adapter.close();
      client.destroy();
    }
    // Two process restarts and nginx in the loop: well under this on an idle machine (about 13 s on a loaded one).
  }, 45_000);
});
