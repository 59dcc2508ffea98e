import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { startLocalTenant } from '../../src/local-tenant/server.js';

const dir = mkdtempSync(join(tmpdir(), 'local-tls-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function httpsStatus(url: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    get(url, (response) => {
      response.resume();
      resolvePromise(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('local certificates', () => {
  it('when generated, then a CA signs a server certificate for 127.0.0.1 and localhost, keys 0600', () => {
    const paths = ensureLocalCertificates(dir);
    const ca = new X509Certificate(readFileSync(paths.caCertPath));
    const server = new X509Certificate(readFileSync(paths.serverCertPath));
    expect(ca.ca).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(statSync(paths.serverKeyPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'local-ca-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('when called again, then the same certificates are reused', () => {
    const before = readFileSync(join(dir, 'server.pem'), 'utf8');
    ensureLocalCertificates(dir);
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(before);
  });

  it('when vitest forks this worker, then NODE_EXTRA_CA_CERTS points at the project CA', () => {
    expect(process.env['NODE_EXTRA_CA_CERTS']).toBe(resolve('.local/tls/local-ca.pem'));
  });

  it('when a plain https request reaches the tenant, then TLS verifies with no extra options', async () => {
    const tenant = await startLocalTenant();
    try {
      expect(await httpsStatus(`${tenant.url}/${tenant.tenantId}/v2.0/.well-known/openid-configuration`)).toBe(200);
    } finally {
      await tenant.close();
    }
  });

  it('when a tenant serves a certificate from an untrusted CA, then the client refuses it (verification stays on)', async () => {
    const tenant = await startLocalTenant({ tlsDir: dir });
    try {
      await expect(httpsStatus(`${tenant.url}/_tenant`)).rejects.toThrow(/certificate/i);
    } finally {
      await tenant.close();
    }
  });
});
