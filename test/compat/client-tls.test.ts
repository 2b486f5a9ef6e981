// wss: with ws's client and with ws6455's against the same TLS server (ws's doc/ws.md: the TLS
// options a client passes through, e.g. ca, rejectUnauthorized, servername): errors and openings
// compared. Needs openssl for a throwaway certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { compareClientBehaviours, nextEvent, reportClientTally, type ClientScope } from './client-support.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const opensslAvailable = hasOpenssl();
if (!opensslAvailable && process.env.CI === 'true') throw new Error('openssl is required for the TLS compat tests in CI (apt-get install openssl)');

/** A self-signed certificate for localhost and 127.0.0.1. */
function selfSigned(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'ws6455-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
  const certificate = selfSigned();
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
