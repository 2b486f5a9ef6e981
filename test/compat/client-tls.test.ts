// wss: with ws's client and with ws6455's against the same TLS server (ws's doc/ws.md: the TLS
// options a client passes through, e.g. ca, rejectUnauthorized, servername): errors and openings
// compared. Needs openssl for a throwaway certificate.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { opensslForTests, selfSignedCertificate } from '../support/tls-certificate.js';
import { compareClientBehaviours, nextEvent, reportClientTally, type ClientScope } from './client-support.js';

const opensslAvailable = opensslForTests('the TLS compat tests');

/** ws's server over https on a free port; logs the SNI name each TLS connection asked for. */
async function tlsServer(scope: ClientScope, certificate: { cert: Buffer; key: Buffer }): Promise<{ port: number; names: string[] }> {
  const server = https.createServer(certificate);
  const names: string[] = [];
  server.on('secureConnection', (socket: import('node:tls').TLSSocket) => names.push(String((socket as unknown as { servername?: string | false }).servername)));
  const wss = new WsServer({ server });
  server.listen(0, '127.0.0.1');
  await nextEvent(server, 'listening');
  scope.later(() => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, names };
}

if (!opensslAvailable) {
  it.skip('wss: compat tests need openssl (apt-get install openssl)', () => {});
} else {
  const certificate = selfSignedCertificate('localhost', 'IP:127.0.0.1,DNS:localhost');
  reportClientTally('client-tls');
  describe('wss: addresses and TLS options', () => {
    compareClientBehaviours([
      {
        title: 'a self-signed certificate is refused by default: the TLS error, then close 1006',
        async run(scope) {
          const { port } = await tlsServer(scope, certificate);
          const saw = scope.record(scope.client(`wss://127.0.0.1:${port}/`));
          await saw('close');
        },
      },
      {
        title: 'ca: the certificate is trusted and the connection opens; an IP address sends no SNI name',
        async run(scope) {
          const { port, names } = await tlsServer(scope, certificate);
          const saw = scope.record(scope.client(`wss://127.0.0.1:${port}/`, [], { ca: certificate.cert }));
          await saw('open');
          scope.note('servername', ...names);
        },
      },
      {
        title: 'a host name is sent as SNI; rejectUnauthorized: false opens without ca',
        async run(scope) {
          const { port, names } = await tlsServer(scope, certificate);
          const saw = scope.record(scope.client(`wss://localhost:${port}/`, [], { rejectUnauthorized: false }));
          await saw('open');
          scope.note('servername', ...names);
        },
      },
      {
        title: 'https: addresses become wss:',
        async run(scope) {
          const { port } = await tlsServer(scope, certificate);
          const ws = scope.client(`https://127.0.0.1:${port}/x`, [], { ca: certificate.cert });
          const saw = scope.record(ws);
          await saw('open');
          scope.note(ws.url.replace(String(port), 'PORT'));
        },
      },
      {
        title: 'through an https.Agent',
        async run(scope) {
          const { port } = await tlsServer(scope, certificate);
          const agent = new https.Agent({ ca: certificate.cert });
          scope.later(() => agent.destroy());
          const saw = scope.record(scope.client(`wss://127.0.0.1:${port}/`, [], { agent }));
          await saw('open');
        },
      },
    ]);
  });
}
