// ReconnectingWebSocket against a real ws6455 server in a child process that is killed (SIGKILL:
// no close frame, the client sees 1006) and started again on the same port. Run once with
// ws6455's own WebSocket and once with the `ws` package's, injected through the WebSocket option.
import { fileURLToPath } from 'node:url';
import { WebSocket as PackageWs } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GiveUpReason,
  QueueFullError,
  type ReconnectableSocketConstructor,
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../../src/extras/reconnect.js';
import { WebSocket as Ws6455 } from '../../src/websocket.js';
import { freePort, waitFor } from './helpers/ports.js';
import { ServerProcess } from './helpers/server-process.js';

const serverScript = fileURLToPath(new URL('./fixtures/recording-server.mjs', import.meta.url));

const implementations: Record<string, ReconnectableSocketConstructor> = {
  ws6455: Ws6455 as unknown as ReconnectableSocketConstructor,
  'ws package': PackageWs as unknown as ReconnectableSocketConstructor,
};

/** The injected class, wrapped to record when each connection attempt starts. */
function recordingClass(Base: ReconnectableSocketConstructor, starts: number[]): ReconnectableSocketConstructor {
  return class extends (Base as new (...args: unknown[]) => object) {
    constructor(...args: unknown[]) {
      super(...args);
      starts.push(performance.now());
    }
  } as unknown as ReconnectableSocketConstructor;
}

interface Recorder {
  events: string[];
  reconnecting: Array<{ attempt: number; delay: number; at: number }>;
  giveUp: GiveUpReason[];
  closes: Array<{ code: number; reason: string }>;
}

function record(client: ReconnectingWebSocket): Recorder {
  const recorder: Recorder = { events: [], reconnecting: [], giveUp: [], closes: [] };
  client.on('open', () => recorder.events.push('open'));
  client.on('disconnect', (code) => recorder.events.push(`disconnect ${code}`));
  client.on('reconnecting', (attempt, delay) => {
    recorder.events.push(`reconnecting ${attempt}`);
    recorder.reconnecting.push({ attempt, delay, at: performance.now() });
  });
  client.on('reconnected', (attempts) => recorder.events.push(`reconnected ${attempts}`));
  client.on('give-up', (why) => {
    recorder.events.push('give-up');
    recorder.giveUp.push(why);
  });
  client.on('close', (code, reason) => {
    recorder.events.push(`close ${code}`);
    recorder.closes.push({ code, reason: reason.toString() });
  });
  client.on('error', () => {});
  return recorder;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(Object.keys(implementations))('ReconnectingWebSocket over %s', (name) => {
  const Base = implementations[name]!;
  let servers: ServerProcess[] = [];
  let clients: ReconnectingWebSocket[] = [];

  afterEach(async () => {
    for (const client of clients) client.terminate();
    for (const server of servers) await server.kill();
    clients = [];
    servers = [];
  });

  async function startServer(port: number): Promise<ServerProcess> {
    const server = new ServerProcess(serverScript, [String(port)]);
    servers.push(server);
    await server.start();
    return server;
  }

  function connect(port: number, options: ReconnectingWebSocketOptions, starts: number[] = []): ReconnectingWebSocket {
    const client = new ReconnectingWebSocket(`ws://127.0.0.1:${port}`, { ...options, WebSocket: recordingClass(Base, starts) });
    clients.push(client);
    return client;
  }

  describe('server killed and restarted: backoff as configured, queued messages delivered in order', () => {
    it('reconnects after minDelay, minDelay×factor, ... and flushes the queue after the open handler', async () => {
      const port = await freePort();
      const server = await startServer(port);
      const starts: number[] = [];
      const client = connect(port, { minDelay: 100, maxDelay: 400, factor: 2, jitter: 0 }, starts);
      const recorder = record(client);
      let opens = 0;
      client.on('open', () => {
        if (++opens > 1) client.send('hello again');
      });
      await waitFor('open', () => client.readyState === ReconnectingWebSocket.OPEN);
      client.send('before');
      await waitFor('"before" on the server', () => server.values('message').length === 1);

      await server.kill();
      await waitFor('third attempt scheduled', () => recorder.reconnecting.length >= 3);
      const callbacks: Array<Error | null | undefined> = [];
      for (let i = 1; i <= 5; i++) client.send(`queued ${i}`, (error) => callbacks.push(error));
      expect(client.queuedCount).toBe(5);
      expect(client.readyState).toBe(ReconnectingWebSocket.CONNECTING);
      await server.start();

      await waitFor('reconnection', () => recorder.events.some((event) => event.startsWith('reconnected')), 10_000);
      await waitFor('all queued on the server', () => server.values('message').length === 7);
      expect(server.values('message')).toEqual(['before', 'hello again', 'queued 1', 'queued 2', 'queued 3', 'queued 4', 'queued 5']);
      await waitFor('send callbacks', () => callbacks.length === 5);
      expect(callbacks.every((error) => error == null)).toBe(true);
      expect(client.queuedCount).toBe(0);

      // The schedule: 100, 200, 400, then capped at 400, with no jitter.
      expect(recorder.reconnecting.map((r) => r.delay)).toEqual(
        recorder.reconnecting.map((r) => Math.min(400, 100 * 2 ** (r.attempt - 1))),
      );
      expect(recorder.reconnecting.map((r) => r.attempt)).toEqual(recorder.reconnecting.map((_, i) => i + 1));
      // Each attempt started no earlier than its delay after it was scheduled (and not much later).
      for (const [i, scheduled] of recorder.reconnecting.entries()) {
        const started = starts[i + 1]!;
        expect(started - scheduled.at).toBeGreaterThanOrEqual(scheduled.delay - 1);
        expect(started - scheduled.at).toBeLessThan(scheduled.delay + 500);
      }
      const attempts = recorder.reconnecting.length;
      expect(recorder.events).toEqual([
        'open',
        'disconnect 1006',
        ...recorder.reconnecting.map((r) => `reconnecting ${r.attempt}`),
        'open',
        `reconnected ${attempts}`,
      ]);
      expect(client.attempt).toBe(0);
    });
  });

  describe('close codes that mean "do not retry": the client gives up cleanly', () => {
    it.each([4001, 1008])('server closes with %i: give-up, close, no further attempt', async (code) => {
      const port = await freePort();
      const server = await startServer(port);
      const client = connect(port, { minDelay: 20, jitter: 0 });
      const recorder = record(client);
      await waitFor('open', () => client.readyState === ReconnectingWebSocket.OPEN);
      client.send(`close:${code}`);
      await waitFor('close', () => recorder.closes.length === 1);
      await sleep(200);
      expect(recorder.events).toEqual(['open', `disconnect ${code}`, 'give-up', `close ${code}`]);
      expect(recorder.giveUp).toEqual([{ kind: 'not-retryable', code, reason: 'asked to' }]);
      expect(server.values('connection')).toEqual([1]);
      expect(client.readyState).toBe(ReconnectingWebSocket.CLOSED);

      const errors: Array<Error | null | undefined> = [];
      client.send('too late', (error) => errors.push(error));
      await waitFor('send callback', () => errors.length === 1);
      expect(errors[0]).toBeInstanceOf(Error);
    });

    it('server closes with 1001 (going away): reconnects', async () => {
      const port = await freePort();
      const server = await startServer(port);
      const client = connect(port, { minDelay: 20, jitter: 0 });
      const recorder = record(client);
      await waitFor('open', () => client.readyState === ReconnectingWebSocket.OPEN);
      client.send('close:1001');
      await waitFor('second connection', () => server.values('connection').length === 2);
      expect(recorder.events).toEqual(['open', 'disconnect 1001', 'reconnecting 1', 'open', 'reconnected 1']);
    });

    it('a custom shouldReconnect decides instead of the default', async () => {
      const port = await freePort();
      const server = await startServer(port);
      const client = connect(port, { minDelay: 20, jitter: 0, shouldReconnect: (code) => code !== 1001 });
      const recorder = record(client);
      await waitFor('open', () => client.readyState === ReconnectingWebSocket.OPEN);
      client.send('close:1001');
      await waitFor('close', () => recorder.closes.length === 1);
      expect(recorder.giveUp).toEqual([{ kind: 'not-retryable', code: 1001, reason: 'asked to' }]);
      expect(server.values('connection')).toEqual([1]);
    });
  });

  describe('maxAttempts: gives up after that many failed attempts in a row', () => {
    it('nothing listening, maxAttempts 3: three reconnection attempts, then give-up and close 1006', async () => {
      const port = await freePort();
      const starts: number[] = [];
      const client = connect(port, { minDelay: 10, factor: 1, jitter: 0, maxAttempts: 3 }, starts);
      const recorder = record(client);
      await waitFor('close', () => recorder.closes.length === 1);
      expect(recorder.events).toEqual(['reconnecting 1', 'reconnecting 2', 'reconnecting 3', 'give-up', 'close 1006']);
      expect(recorder.giveUp).toEqual([{ kind: 'max-attempts', attempts: 3 }]);
      expect(starts).toHaveLength(4);
    });
  });

  describe('close() between attempts: stops for good and fails what was queued', () => {
    it('emits close once, no further attempt, queued callbacks get an error and drop fires', async () => {
      const port = await freePort();
      const starts: number[] = [];
      const client = connect(port, { minDelay: 50, jitter: 0 }, starts);
      const recorder = record(client);
      const drops: string[] = [];
      client.on('drop', (data, why) => drops.push(`${String(data)} ${why}`));
      await waitFor('waiting', () => client.state === 'waiting');
      const errors: Array<Error | null | undefined> = [];
      client.send('queued', (error) => errors.push(error));
      client.close(1000, 'bye');
      await sleep(200);
      expect(recorder.events).toEqual(['reconnecting 1', 'close 1000']);
      expect(recorder.closes).toEqual([{ code: 1000, reason: 'bye' }]);
      expect(starts).toHaveLength(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(Error);
      expect(drops).toEqual(['queued closed']);
    });

    it('close() while the first connection is still connecting: close once, no attempt after it', async () => {
      const port = await freePort();
      const server = await startServer(port);
      const starts: number[] = [];
      const client = connect(port, { minDelay: 20, jitter: 0 }, starts);
      const recorder = record(client);
      client.close();
      await waitFor('close', () => recorder.closes.length === 1);
      await sleep(200);
      expect(recorder.events).toEqual(['close 1006']);
      expect(starts).toHaveLength(1);
      expect(client.readyState).toBe(ReconnectingWebSocket.CLOSED);
      expect(server.values('connection').length).toBeLessThanOrEqual(1);
    });

    it('close() on an open connection runs the closing handshake and does not reconnect', async () => {
      const port = await freePort();
      const server = await startServer(port);
      const client = connect(port, { minDelay: 20, jitter: 0 });
      const recorder = record(client);
      await waitFor('open', () => client.readyState === ReconnectingWebSocket.OPEN);
      client.close(1000, 'done');
      await waitFor('close', () => recorder.closes.length === 1);
      await sleep(100);
      expect(recorder.events).toEqual(['open', 'close 1000']);
      expect(server.values('connection')).toEqual([1]);
    });
  });

  describe('the offline queue is bounded, with a policy when full', () => {
    it('drop-oldest: the oldest queued message makes room, the rest is delivered in order', async () => {
      const port = await freePort();
      const client = connect(port, { minDelay: 50, factor: 1, jitter: 0, maxQueued: 3, queueFullPolicy: 'drop-oldest' });
      record(client);
      const drops: string[] = [];
      client.on('drop', (data, why) => drops.push(`${String(data)} ${why}`));
      const errors: unknown[] = [];
      for (const text of ['m1', 'm2', 'm3', 'm4', 'm5']) client.send(text, (error) => error && errors.push(error));
      expect(drops).toEqual(['m1 queue-full', 'm2 queue-full']);
      expect(client.queuedCount).toBe(3);
      const server = await startServer(port);
      await waitFor('delivery', () => server.values('message').length === 3);
      expect(server.values('message')).toEqual(['m3', 'm4', 'm5']);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(QueueFullError);
    });

    it('drop-newest: the message being sent is dropped', async () => {
      const port = await freePort();
      const client = connect(port, { minDelay: 50, factor: 1, jitter: 0, maxQueued: 2, queueFullPolicy: 'drop-newest' });
      record(client);
      const drops: string[] = [];
      client.on('drop', (data, why) => drops.push(`${String(data)} ${why}`));
      for (const text of ['m1', 'm2', 'm3']) client.send(text);
      expect(drops).toEqual(['m3 queue-full']);
      const server = await startServer(port);
      await waitFor('delivery', () => server.values('message').length === 2);
      expect(server.values('message')).toEqual(['m1', 'm2']);
    });

    it('error: send() throws QueueFullError and queues nothing', async () => {
      const port = await freePort();
      const client = connect(port, { minDelay: 50, jitter: 0, maxQueued: 1, queueFullPolicy: 'error' });
      record(client);
      client.send('m1');
      expect(() => client.send('m2')).toThrow(QueueFullError);
      expect(client.queuedCount).toBe(1);
    });
  });
});
