// Opening a connection with the raw peer on either side: as a client against the server under
// test, or as a one-shot server that the client under test connects to.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PeerDeflate } from './deflate.js';
import {
  acceptKey,
  clientRequest,
  formatExtension,
  parseExtensions,
  readHttpHead,
  serverResponse,
  type ExtensionOffer,
} from './handshake.js';
import { RawPeer } from './peer.js';

function windowBits(value: string | true | undefined): number {
  return typeof value === 'string' ? Number(value) : 15;
}

/** The compressor/decompressor implied by an accepted permessage-deflate response (RFC 7692 §7.1). */
function deflateFor(response: ExtensionOffer | undefined, ourSide: 'client' | 'server'): PeerDeflate | undefined {
  if (response === undefined) return undefined;
  const theirSide = ourSide === 'client' ? 'server' : 'client';
  return new PeerDeflate({
    compressNoContextTakeover: response.params.has(`${ourSide}_no_context_takeover`),
    compressWindowBits: windowBits(response.params.get(`${ourSide}_max_window_bits`)),
    decompressWindowBits: windowBits(response.params.get(`${theirSide}_max_window_bits`)),
  });
}

export interface ClientPeerResult {
  peer: RawPeer;
  /** The permessage-deflate parameters the server accepted, if any. */
  negotiated: ExtensionOffer | undefined;
}

/** Connects to the server under test and completes the opening handshake. */
export async function connectPeer(port: number, extensions?: string): Promise<ClientPeerResult> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const request = clientRequest(`127.0.0.1:${port}`, '/', extensions);
  socket.write(request.text);
  const head = await readHttpHead(socket);
  if (!/^HTTP\/1\.1 101 /.test(head.startLine)) throw new Error(`handshake refused: ${head.startLine}`);
  if (head.headers.get('sec-websocket-accept') !== acceptKey(request.key)) throw new Error('bad Sec-WebSocket-Accept');
  const negotiated = parseExtensions(head.headers.get('sec-websocket-extensions')).find(
    (extension) => extension.name === 'permessage-deflate',
  );
  return { peer: new RawPeer(socket, 'client', head.rest, deflateFor(negotiated, 'client')), negotiated };
}

/** Given the client's offers, the response to accept one with, or undefined to decline compression. */
export type DeflateAccept = (offers: ExtensionOffer[]) => ExtensionOffer | undefined;

export interface ListeningPeer {
  port: number;
  /** Resolves with the peer once a client has completed the handshake. */
  accepted: Promise<{ peer: RawPeer; offers: ExtensionOffer[]; negotiated: ExtensionOffer | undefined }>;
  server: Server;
}

/** Listens for exactly one client (the client under test) and completes its handshake. */
export async function listenForClient(accept: DeflateAccept = () => undefined): Promise<ListeningPeer> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve)).then(async (socket) => {
    server.close();
    const head = await readHttpHead(socket);
    const key = head.headers.get('sec-websocket-key') ?? '';
    const offers = parseExtensions(head.headers.get('sec-websocket-extensions')).filter(
      (offer) => offer.name === 'permessage-deflate',
    );
    const negotiated = offers.length > 0 ? accept(offers) : undefined;
    socket.write(serverResponse(key, negotiated === undefined ? undefined : formatExtension(negotiated)));
    return { peer: new RawPeer(socket, 'server', head.rest, deflateFor(negotiated, 'server')), offers, negotiated };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, accepted, server };
}
