// A TCP relay that counts the bytes flowing each way. Interop tests put it between two peers to
// see what really crossed the wire: a compressible message that negotiated permessage-deflate
// must travel in far fewer bytes than its length (RFC 7692 §7), one that did not must not.
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { nextEvent } from './events.js';

export interface CountingProxy {
  readonly port: number;
  /** Bytes relayed from the connecting peer (the client) to the target (the server). */
  readonly clientToServer: () => number;
  /** Bytes relayed from the target (the server) back to the client. */
  readonly serverToClient: () => number;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let upstream = 0;
  let downstream = 0;
  const server: Server = createServer((client) => {
    const target = createConnection(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => (upstream += chunk.length));
    target.on('data', (chunk: Buffer) => (downstream += chunk.length));
    client.pipe(target);
    target.pipe(client);
    // A reset on one side must not leave the other half open forever.
    client.on('error', () => target.destroy());
    target.on('error', () => client.destroy());
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await nextEvent(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    clientToServer: () => upstream,
    serverToClient: () => downstream,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
