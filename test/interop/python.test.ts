// Interop with python-websockets, an independent implementation with its own sans-I/O core,
// as client of ws6455's server and as server for ws6455's client, with permessage-deflate on
// and off. The python side lives in ./python/ and reports what it saw as JSON lines.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { nextEvent } from './support/events.js';
import { describeWith, python3Path, pythonWebsockets } from './support/external-programs.js';
import { ws6455 } from './support/implementation.js';
import { spawnJsonLines, type JsonLinesProcess } from './support/json-lines.js';
import { collect, expectMessage } from './support/messages.js';

const pythonClient = fileURLToPath(new URL('./python/client.py', import.meta.url));
const pythonServer = fileURLToPath(new URL('./python/echo_server.py', import.meta.url));

/** The three messages client.py sends, as it reports their echoes. */
const expectedPythonEchoes = [
  { event: 'message', type: 'text', text: 'héllo 🐍 from python' },
  { event: 'message', type: 'binary', length: 1024, sha256: sha256(Buffer.from([...Array(1024).keys()].map((i) => i % 256))) },
  { event: 'message', type: 'binary', length: 1 << 20, sha256: sha256(Buffer.alloc(1 << 20, 'py')) },
];

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function track(peer: JsonLinesProcess): JsonLinesProcess {
  cleanups.push(() => {
    peer.child.kill();
  });
  return peer;
}

describeWith([pythonWebsockets], 'python-websockets client against the ws6455 server', () => {
  async function startServer(perMessageDeflate: boolean): Promise<{ server: WebSocketServer; url: string }> {
    const server = new ws6455.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await nextEvent(server, 'listening');
    server.on('connection', (socket: WebSocket) => {
      socket.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'close-me') socket.close(4002, 'node says bye');
        else socket.send(data as Buffer, { binary: isBinary });
      });
    });
    return { server, url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/chat` };
  }

  for (const deflate of [true, false]) {
    const title = deflate ? 'permessage-deflate on both sides' : 'python offers no permessage-deflate';

    it(`${title}: echoes text, binary and 1 MiB, pongs, and sees the client's close 4001`, async () => {
      const { server, url } = await startServer(true);
      const accepted = nextEvent(server, 'connection');
      const python = track(spawnJsonLines(python3Path, [pythonClient, url, ...(deflate ? [] : ['--no-deflate'])]));
      const [serverSide] = (await accepted) as [WebSocket];
      const inbox = collect(serverSide);
      expect(serverSide.extensions).toBe(deflate ? 'permessage-deflate' : '');

      const open = await python.waitFor('open');
      if (deflate) expect(open.extensions).toMatch(/^permessage-deflate/);
      else expect(open.extensions).toBeNull();
      expect(await python.waitFor('closed')).toEqual({ event: 'closed', code: 4001, reason: 'python bye' });
      expect(python.events.filter((event) => event.event === 'message')).toEqual(expectedPythonEchoes);
      expect(python.events.some((event) => event.event === 'pong')).toBe(true);
      expect(await inbox.closed()).toEqual({ code: 4001, reason: 'python bye' });
      expect(await python.exited()).toBe(0);
    });
  }

  it('server close(4002, reason) reaches python with that code and reason', async () => {
    const { url } = await startServer(true);
    const python = track(spawnJsonLines(python3Path, [pythonClient, url, '--close-by', 'server']));
    expect(await python.waitFor('closed')).toEqual({ event: 'closed', code: 4002, reason: 'node says bye' });
    expect(await python.exited()).toBe(0);
  });

  it('a server without permessage-deflate answers python without the extension', async () => {
    const { url } = await startServer(false);
    const python = track(spawnJsonLines(python3Path, [pythonClient, url]));
    expect((await python.waitFor('open')).extensions).toBeNull();
    expect(await python.waitFor('closed')).toEqual({ event: 'closed', code: 4001, reason: 'python bye' });
    expect(python.events.filter((event) => event.event === 'message')).toEqual(expectedPythonEchoes);
  });
});

describeWith([pythonWebsockets], 'ws6455 client against a python-websockets server', () => {
  async function startPythonServer(deflate: boolean): Promise<{ python: JsonLinesProcess; url: string }> {
    const python = track(spawnJsonLines(python3Path, [pythonServer, ...(deflate ? [] : ['--no-deflate'])]));
    cleanups.push(() => {
      python.child.stdin!.end();
    });
    const { port } = await python.waitFor('listening');
    return { python, url: `ws://127.0.0.1:${String(port)}/from-node` };
  }

  const cases = [
    { title: 'both sides with permessage-deflate', serverDeflate: true, clientOffers: true },
    { title: 'client does not offer permessage-deflate', serverDeflate: true, clientOffers: false },
    { title: 'python server without permessage-deflate', serverDeflate: false, clientOffers: true },
  ];
  for (const { title, serverDeflate, clientOffers } of cases) {
    it(`${title}: exchanges text, binary and 1 MiB, pings, and python sees close 4001`, async () => {
      const { python, url } = await startPythonServer(serverDeflate);
      const client = new ws6455.WebSocket(url, { perMessageDeflate: clientOffers });
      cleanups.push(() => client.terminate());
      const inbox = collect(client);
      await nextEvent(client, 'open');
      const negotiated = serverDeflate && clientOffers;
      expect(client.extensions).toBe(negotiated ? 'permessage-deflate' : '');
      const connected = await python.waitFor('connected');
      expect(connected.path).toBe('/from-node');
      if (negotiated) expect(connected.extensions).toMatch(/^permessage-deflate/);
      else expect(connected.extensions).toBeNull();

      const text = 'bonjour 🐍 depuis node';
      const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
      const mebibyte = Buffer.alloc(1 << 20, 'node ');
      client.send(text);
      client.send(binary);
      client.send(mebibyte);
      expectMessage(await inbox.next(), Buffer.from(text), false);
      expectMessage(await inbox.next(), binary, true);
      expectMessage(await inbox.next(), mebibyte, true);

      const pong = nextEvent(client, 'pong');
      client.ping(Buffer.from('node ping'));
      expect(((await pong)[0] as Buffer).toString()).toBe('node ping');

      client.close(4001, 'node bye');
      expect(await inbox.closed()).toEqual({ code: 4001, reason: 'node bye' });
      expect(await python.waitFor('closed')).toEqual({ event: 'closed', code: 4001, reason: 'node bye' });
    });
  }

  it("python's close(4003, reason) reaches the ws6455 client with that code and reason", async () => {
    const { url } = await startPythonServer(true);
    const client = new ws6455.WebSocket(url);
    cleanups.push(() => client.terminate());
    const inbox = collect(client);
    await nextEvent(client, 'open');
    client.send('close-me');
    expect(await inbox.closed()).toEqual({ code: 4003, reason: 'python says bye' });
  });
});
