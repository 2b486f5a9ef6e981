// Socket.IO on top of ws6455: socket.io's server takes the WebSocket server class through
// `wsEngine`, and socket.io-client (in Node, itself on the `ws` client) connects over the
// websocket transport only. Engine.IO and the in-memory adapter reach past ws's public API:
//   - wsEngine is constructed with { noServer, clientTracking: false, perMessageDeflate, maxPayload },
//     listens to its 'headers' event and calls handleUpgrade(req, socket, head, cb) and close();
//   - the server-side socket's `_socket.remoteAddress` becomes the client's address;
//   - for broadcasts, the adapter frames the packet once with require('ws').Sender.frame(...) and
//     engine.io writes those bytes to every socket with `socket._sender.sendFrame(list, cb)`.
// The tests run on the `ws` package too, so a failure on ws6455 alone points at ws6455.
import { createServer, type Server as HttpServer } from 'node:http';
import { Server as SocketIoServer, type Socket as ServerSocket } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { closeHttpServer, listenOnFreePort, nextEvent, waitUntil } from './support/events.js';
import { ws6455, wsReference, type Implementation } from './support/implementation.js';

interface Cluster {
  readonly io: SocketIoServer;
  readonly url: string;
  /** How many packets engine.io sent as pre-encoded frames through `_sender.sendFrame`. */
  readonly preEncodedWrites: () => number;
}


const implementations: Implementation[] = [wsReference, ws6455];

for (const implementation of implementations) {
  describe(`Socket.IO with wsEngine = ${implementation.name}`, () => {
    let http: HttpServer | undefined;
    let io: SocketIoServer | undefined;
    let clients: ClientSocket[] = [];

    afterEach(async () => {
      for (const client of clients) client.disconnect();
      clients = [];
      if (io) await new Promise<void>((resolve) => io!.close(() => resolve()));
      if (http) await closeHttpServer(http);
      io = undefined;
      http = undefined;
    });

    async function startCluster(): Promise<Cluster> {
      http = createServer();
      io = new SocketIoServer(http, {
        wsEngine: implementation.WebSocketServer,
        transports: ['websocket'],
      });
      let preEncoded = 0;
      io.engine.on('connection', (engineSocket: { transport: Record<string, any> }) => {
        // Count the packets engine.io sends down its pre-encoded path (it checks for a
        // `_sender.sendFrame` function first), without changing what it does.
        const transport = engineSocket.transport;
        const canSendPreEncodedFrame = transport._canSendPreEncodedFrame.bind(transport);
        transport._canSendPreEncodedFrame = (packet: unknown) => {
          const preEncodable = canSendPreEncodedFrame(packet) as boolean;
          if (preEncodable) preEncoded += 1;
          return preEncodable;
        };
      });
      const port = await listenOnFreePort(http);
      return { io, url: `http://127.0.0.1:${port}`, preEncodedWrites: () => preEncoded };
    }

    async function connect(url: string): Promise<{ client: ClientSocket; serverSide: ServerSocket }> {
      const accepted = nextEvent(io!, 'connection');
      const client = connectClient(url, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(client);
      const [serverSide] = (await accepted) as [ServerSocket];
      if (!client.connected) await nextEvent(client as never, 'connect');
      return { client, serverSide };
    }

    it('connects over the websocket transport and knows the client address', async () => {
      const { url } = await startCluster();
      const { client, serverSide } = await connect(url);
      expect(client.io.engine.transport.name).toBe('websocket');
      expect(serverSide.conn.transport.name).toBe('websocket');
      expect(serverSide.handshake.address).toMatch(/127\.0\.0\.1$/);
    });

    it('emits from client to server with an acknowledgement', async () => {
      const { url } = await startCluster();
      const { client, serverSide } = await connect(url);
      serverSide.on('greet', (name: string, ack: (reply: string) => void) => ack(`你好, ${name}`));
      const reply = await client.timeout(5_000).emitWithAck('greet', 'Ada');
      expect(reply).toBe('你好, Ada');
    });

    it('emits from server to client with an acknowledgement, binary payload included', async () => {
      const { url } = await startCluster();
      const { client, serverSide } = await connect(url);
      client.on('ping-me', (payload: { bytes: Buffer; text: string }, ack: (reply: unknown) => void) =>
        ack({ length: payload.bytes.length, sum: [...payload.bytes].reduce((a, b) => a + b), text: payload.text }),
      );
      const reply: unknown = await serverSide
        .timeout(5_000)
        .emitWithAck('ping-me', { bytes: Buffer.from([1, 2, 3, 250]), text: 'ünïcode' });
      expect(reply).toEqual({ length: 4, sum: 256, text: 'ünïcode' });
    });

    it('broadcasts to a room through pre-encoded frames, reaching members only', async () => {
      const cluster = await startCluster();
      const members = [await connect(cluster.url), await connect(cluster.url)];
      const outsider = await connect(cluster.url);
      for (const member of members) member.serverSide.join('room-1');
      const received: string[] = [];
      for (const [index, member] of members.entries()) {
        member.client.on('news', (text: string) => received.push(`member ${index}: ${text}`));
      }
      outsider.client.on('news', (text: string) => received.push(`outsider: ${text}`));

      const before = cluster.preEncodedWrites();
      cluster.io.to('room-1').emit('news', 'only for room-1 ✓');
      await waitUntil(() => received.length >= 2, 'both room members got the broadcast');
      // A round trip to the outsider proves its socket has already seen anything sent before.
      outsider.serverSide.on('sync', (ack: () => void) => ack());
      await outsider.client.timeout(5_000).emitWithAck('sync');
      expect(received.sort()).toEqual(['member 0: only for room-1 ✓', 'member 1: only for room-1 ✓']);
      expect(cluster.preEncodedWrites() - before).toBe(2);
    });

    it('broadcasts to everyone, and except() leaves one out', async () => {
      const cluster = await startCluster();
      const peers = [await connect(cluster.url), await connect(cluster.url), await connect(cluster.url)];
      const received: string[] = [];
      for (const [index, peer] of peers.entries()) {
        peer.client.on('all', (text: string) => received.push(`${index}: ${text}`));
      }
      cluster.io.except(peers[1]!.serverSide.id).emit('all', 'hello');
      await waitUntil(() => received.length >= 2, 'two peers got the broadcast');
      cluster.io.emit('all', 'everyone');
      await waitUntil(() => received.length >= 5, 'all three got the second broadcast');
      expect(received.sort()).toEqual(['0: everyone', '0: hello', '1: everyone', '2: everyone', '2: hello']);
    });

    it('client disconnect is seen by the server with its reason', async () => {
      const { url } = await startCluster();
      const { client, serverSide } = await connect(url);
      const disconnected = nextEvent(serverSide as never, 'disconnect');
      client.disconnect();
      expect((await disconnected)[0]).toBe('client namespace disconnect');
    });

    it('server disconnect(true) closes the transport and the client sees why', async () => {
      const { url } = await startCluster();
      const { client, serverSide } = await connect(url);
      const disconnected = nextEvent(client as never, 'disconnect');
      serverSide.disconnect(true);
      expect((await disconnected)[0]).toBe('io server disconnect');
    });
  });
}
