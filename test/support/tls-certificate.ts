// Throwaway self-signed certificates for the TLS tests, made with openssl in a temporary folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  cert: Buffer;
  key: Buffer;
}

/** Whether openssl can be run. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the TLS tests can run: under CI=true a missing openssl is an error (the tests must not
 * skip silently there), elsewhere the caller skips and says how to install it.
 */
export function opensslForTests(purpose: string): boolean {
  const available = hasOpenssl();
  if (!available && process.env.CI === 'true') throw new Error(`openssl is required for ${purpose} in CI (apt-get install openssl)`);
  return available;
}

/** A self-signed EC certificate for `commonName`, with `subjectAltName` (e.g. 'IP:127.0.0.1,DNS:localhost') when given. */
export function selfSignedCertificate(commonName = 'localhost', subjectAltName?: string): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'ws6455-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    const san = subjectAltName === undefined ? [] : ['-addext', `subjectAltName=${subjectAltName}`];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${commonName}`, ...san, '-keyout', keyPath, '-out', certPath],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(certPath), key: readFileSync(keyPath) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
