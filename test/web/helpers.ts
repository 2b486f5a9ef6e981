// A local echo peer for the web tests, built on the reference `ws` package so that these tests
// judge ws6455/web against an independent implementation. It selects "echo" when offered, echoes
// every message, and obeys a few text commands: "close <code> <reason>" closes from the server,
// "drop" destroys the TCP connection without a Close frame, "flood <count> <size>" sends count
// binary messages of size bytes at once (random bytes; the first one is the message's number).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as PeerSocket } from 'ws';
import type { IncomingMessage } from 'node:http';

export interface EchoServer {
  url: string;
  port: number;
  /** The upgrade requests received, in order. */
  requests: IncomingMessage[];
  /** The peer sockets, in order of connection. */
  peers: PeerSocket[];
  close(): Promise<void>;
}

export async function startEchoServer(options: { perMessageDeflate?: boolean } = {}): Promise<EchoServer> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: options.perMessageDeflate ?? false,
    handleProtocols: (protocols) => (protocols.has('echo') ? 'echo' : [...protocols][0] ?? false),
  });
  await once(wss, 'listening');
  const requests: IncomingMessage[] = [];
  const peers: PeerSocket[] = [];
  wss.on('connection', (peer, request) => {
    requests.push(request);
    peers.push(peer);
    peer.on('error', () => {});
    peer.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text.startsWith('close ')) {
        const [, code, ...reason] = text.split(' ');
        peer.close(Number(code), reason.join(' '));
      } else if (text.startsWith('flood ')) {
        const [, count, size] = text.split(' ').map(Number);
        // Random bytes, so that permessage-deflate cannot shrink the flood; the first byte numbers it.
        for (let i = 0; i < count; i++) peer.send(Buffer.concat([Buffer.from([i & 255]), randomBytes(size - 1)]));
      } else if (text === 'drop') {
        peer.terminate();
      } else {
        peer.send(data, { binary: isBinary });
      }
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    requests,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Resolve with the next event of `type` dispatched at `target`. */
export function nextEvent<T extends Event = Event>(target: EventTarget, type: string): Promise<T> {
  return new Promise((resolve) => target.addEventListener(type, (event) => resolve(event as T), { once: true }));
}
