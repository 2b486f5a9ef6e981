// Interop with the `ws` package, the most used Node peer, in both directions: ws6455's server
// with ws's client, and ws's server with ws6455's client, with permessage-deflate (RFC 7692)
// offered and accepted, offered and refused, and not offered. A counting TCP relay between the
// two checks that compression really happened on the wire, not only in the handshake.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { startCountingProxy, type CountingProxy } from './support/counting-proxy.js';
import { nextEvent } from './support/events.js';
import { ws6455, wsReference, type Implementation } from './support/implementation.js';
import { collect, expectMessage, type Inbox } from './support/messages.js';

interface Pairing {
  readonly title: string;
  readonly server: Implementation;
  readonly client: Implementation;
}


const pairings: Pairing[] = [
  { title: 'ws6455 server, ws client', server: ws6455, client: wsReference },
  { title: 'ws server, ws6455 client', server: wsReference, client: ws6455 },
];

interface DeflateCase {
  readonly title: string;
  readonly serverEnables: boolean;
  readonly clientOffers: boolean;
}

const deflateCases: DeflateCase[] = [
  { title: 'permessage-deflate offered and accepted', serverEnables: true, clientOffers: true },
  { title: 'permessage-deflate offered, server has it off', serverEnables: false, clientOffers: true },
  { title: 'permessage-deflate not offered', serverEnables: true, clientOffers: false },
];

interface Session {
  readonly server: WebSocketServer;
  readonly serverSide: WebSocket;
  readonly serverInbox: Inbox;
  readonly client: WebSocket;
  readonly clientInbox: Inbox;
  readonly proxy: CountingProxy;
}

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** An echo server of `pairing.server`, a client of `pairing.client`, a counting relay between. */
async function connect(pairing: Pairing, deflate: DeflateCase, maxPayload?: number): Promise<Session> {
  const server = new pairing.server.WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    ...(maxPayload === undefined ? {} : { maxPayload }),
    perMessageDeflate: deflate.serverEnables ? { threshold: 0 } : false,
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await nextEvent(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const proxy = await startCountingProxy(port);
  cleanups.push(() => proxy.close());

  const accepted = nextEvent(server, 'connection');
  const client = new pairing.client.WebSocket(`ws://127.0.0.1:${proxy.port}/echo`, {
    perMessageDeflate: deflate.clientOffers ? { threshold: 0 } : false,
  });
  cleanups.push(() => client.terminate());
  const clientInbox = collect(client);
  await nextEvent(client, 'open');
  const [serverSide] = (await accepted) as [WebSocket];
  const serverInbox = collect(serverSide);
  return { server, serverSide, serverInbox, client, clientInbox, proxy };
}

/** Each side echoes what it receives back to the other until told to stop. */
function echo(socket: WebSocket): void {
  socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
}

for (const pairing of pairings) {
  describe(pairing.title, () => {
    for (const deflate of deflateCases) {
      describe(deflate.title, () => {
        const negotiated = deflate.serverEnables && deflate.clientOffers;

        it(`both sides report extensions ${negotiated ? "'permessage-deflate'" : "''"}`, async () => {
          const { serverSide, client } = await connect(pairing, deflate);
          expect(client.extensions).toBe(negotiated ? 'permessage-deflate' : '');
          expect(serverSide.extensions).toBe(negotiated ? 'permessage-deflate' : '');
        });

        it('exchanges text (multi-byte UTF-8), binary and empty messages both ways', async () => {
          const { serverSide, client, clientInbox } = await connect(pairing, deflate);
          echo(serverSide);
          const text = 'héllo wörld 你好 🌍'.repeat(3);
          const binary = randomBytes(70_000); // needs the 64-bit length form (RFC 6455 §5.2)
          client.send(text);
          client.send(binary);
          client.send('');
          client.send(Buffer.alloc(0));
          expect(await clientInbox.next()).toEqual({ data: Buffer.from(text), isBinary: false });
          expectMessage(await clientInbox.next(), binary, true);
          expect(await clientInbox.next()).toEqual({ data: Buffer.alloc(0), isBinary: false });
          expect(await clientInbox.next()).toEqual({ data: Buffer.alloc(0), isBinary: true });
        });

        it('carries a 1 MiB message each way, compressed on the wire only if negotiated', async () => {
          const { serverSide, client, clientInbox, proxy } = await connect(pairing, deflate);
          echo(serverSide);
          const mebibyte = Buffer.alloc(1 << 20, 'ws6455 interop ');
          client.send(mebibyte);
          expectMessage(await clientInbox.next(), mebibyte, true);
          if (negotiated) {
            expect(proxy.clientToServer()).toBeLessThan(64 * 1024);
            expect(proxy.serverToClient()).toBeLessThan(64 * 1024);
          } else {
            expect(proxy.clientToServer()).toBeGreaterThan(1 << 20);
            expect(proxy.serverToClient()).toBeGreaterThan(1 << 20);
          }
        });

        it('keeps 50 messages in order across shared compression contexts', async () => {
          const { serverSide, client, clientInbox } = await connect(pairing, deflate);
          echo(serverSide);
          for (let index = 0; index < 50; index += 1) client.send(`message ${index} ${'x'.repeat(index * 37)}`);
          for (let index = 0; index < 50; index += 1) {
            const { data } = await clientInbox.next();
            expect(data.toString()).toBe(`message ${index} ${'x'.repeat(index * 37)}`);
          }
        });

        it('answers a ping with a pong carrying the same payload, from either side', async () => {
          const { serverSide, client } = await connect(pairing, deflate);
          const clientPong = nextEvent(client, 'pong');
          client.ping(Buffer.from('from client'));
          expect(((await clientPong)[0] as Buffer).toString()).toBe('from client');
          const serverPong = nextEvent(serverSide, 'pong');
          serverSide.ping(Buffer.from('from server'));
          expect(((await serverPong)[0] as Buffer).toString()).toBe('from server');
        });

        it('client close(4001, reason) is seen with that code and reason on both sides', async () => {
          const { client, clientInbox, serverInbox } = await connect(pairing, deflate);
          client.close(4001, 'client says bye ✓');
          expect(await serverInbox.closed()).toEqual({ code: 4001, reason: 'client says bye ✓' });
          expect(await clientInbox.closed()).toEqual({ code: 4001, reason: 'client says bye ✓' });
        });

        it('server close(4002, reason) is seen with that code and reason on both sides', async () => {
          const { serverSide, clientInbox, serverInbox } = await connect(pairing, deflate);
          serverSide.close(4002, 'server says bye');
          expect(await clientInbox.closed()).toEqual({ code: 4002, reason: 'server says bye' });
          expect(await serverInbox.closed()).toEqual({ code: 4002, reason: 'server says bye' });
        });

        it('a message over the server maxPayload is refused with 1009, seen by both', async () => {
          const { client, clientInbox, serverInbox } = await connect(pairing, deflate, 1024);
          client.send(Buffer.alloc(1025, 1)); // compressible, so only the inflated size counts
          expect((await clientInbox.closed()).code).toBe(1009);
          // The failing side stops reading, so it never sees the reply close frame and reports
          // 1006 locally (RFC 6455 §7.1.5); it must still say why through an error.
          await serverInbox.closed();
          expect(serverInbox.errors.map((error) => error.message).join()).toMatch(/payload|too big|size/i);
        });
      });
    }
  });
}
