/**
 * Key Vault and Storage without a secret in the configuration: the real
 * ManagedIdentityCredential gets tokens from the local tenant's App Service managed identity
 * endpoint, the real SecretClient answers the local tenant's Key Vault challenge, and the real
 * storage SDKs reach an Azurite that takes OAuth (HTTPS, `--oauth basic`) with no account key.
 *
 * msal-node keeps the managed identity source in static fields for the whole process, so the
 * environment is set once before any credential exists (as in test/directory/managed-identity.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAzurite, type RunningAzurite } from '../../scripts/local-services.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { DEFAULT_TLS_DIR, startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import {
  SealingKeyUnavailableError, createBlobRequestStore, createTableAuditLog, managedIdentityCredential, readSealingKeyFromKeyVault,
} from '../../src/storage/index.js';
import { actAsAppServiceWorker } from '../support/local-tenant.js';

let tenant: LocalTenant;
let azurite: RunningAzurite;
let restoreEnvironment: (() => void) | undefined;

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
  restoreEnvironment = actAsAppServiceWorker(tenant);
  const tls = ensureLocalCertificates(DEFAULT_TLS_DIR);
  azurite = await startAzurite({
    blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort(),
    oauth: { certPath: tls.serverCertPath, keyPath: tls.serverKeyPath, caCertPath: tls.caCertPath },
  });
});
afterAll(async () => {
  restoreEnvironment?.();
  await azurite?.process.stop(5000);
  await tenant?.close();
});

const botIdentity = () => tenant.app.clientId;
const readerIdentity = () => tenant.apps.find((app) => app.displayName === 'Directory Reader (local)')!.clientId;
const sealingKey = (secretName: string, options: { clientId?: string; verifyChallengeResource?: boolean } = {}) => readSealingKeyFromKeyVault({
  vaultUrl: tenant.keyVault.url,
  secretName,
  credential: managedIdentityCredential(options.clientId ?? botIdentity()),
  verifyChallengeResource: options.verifyChallengeResource ?? false,
});
async function refusal(promise: Promise<unknown>): Promise<SealingKeyUnavailableError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(SealingKeyUnavailableError);
  return error as SealingKeyUnavailableError;
}
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('the credential-sealing key from Key Vault, read as a managed identity', () => {
  it('when the key is a secret the identity may read, then the bot gets its 32 bytes after the vault\'s challenge, with a vault token from the identity endpoint', async () => {
    const key = randomBytes(32);
    tenant.keyVault.setSecret('sealing-key-a', key.toString('base64'));
    tenant.clearRequestLog();

    expect((await sealingKey('sealing-key-a')).equals(key)).toBe(true);

    const log = tenant.requestLog();
    const vaultCalls = log.filter((entry) => entry.path.startsWith('/secrets/sealing-key-a'));
    // The SDK's first call carries no token: the 401 challenge names the resource, then it comes back with one.
    expect(vaultCalls.map((entry) => entry.status)).toEqual([401, 200]);
    expect(vaultCalls[1]?.appId).toBe(botIdentity());
    expect(log.filter((entry) => entry.path === '/msi/token').map((entry) => new URLSearchParams(entry.query).get('resource'))).toEqual(['https://vault.azure.net']);
    expect(JSON.stringify(log)).not.toContain(key.toString('base64'));
  });

  it('when the secret has a newer version, then the newest is read', async () => {
    tenant.keyVault.setSecret('sealing-key-b', randomBytes(32).toString('base64'));
    const newest = randomBytes(32);
    tenant.keyVault.setSecret('sealing-key-b', newest.toString('base64'));
    expect((await sealingKey('sealing-key-b')).equals(newest)).toBe(true);
  });

  it('when the secret is not base64 of 32 bytes, then the bot refuses to start with a sentence that names the secret and not its value', async () => {
    tenant.keyVault.setSecret('sealing-key-short', 'hunter2-is-not-a-key');
    const error = await refusal(sealingKey('sealing-key-short'));
    expect(error.message).toContain("'sealing-key-short'");
    expect(error.message).toContain('base64 of 32 random bytes');
    expect(error.message).not.toContain('hunter2');
  });

  it('when there is no such secret, then Key Vault\'s SecretNotFound is what the bot says', async () => {
    const error = await refusal(sealingKey('no-such-secret'));
    expect(error.message).toMatch(/Could not read the Key Vault secret 'no-such-secret'.*SecretNotFound|was not found/);
  });

  it('when the identity has no "Key Vault Secrets User" role, then the vault answers 403 and the bot does not get the key', async () => {
    tenant.keyVault.setSecret('sealing-key-c', randomBytes(32).toString('base64'));
    tenant.keyVault.setReaders([botIdentity()]);
    try {
      tenant.clearRequestLog();
      const error = await refusal(sealingKey('sealing-key-c', { clientId: readerIdentity() }));
      expect(error.message).toMatch(/not authorized/i);
      expect(tenant.requestLog().filter((entry) => entry.path.startsWith('/secrets/')).map((entry) => entry.status)).toEqual([401, 403]);
    } finally {
      tenant.keyVault.setReaders(undefined);
    }
  });

  it('when the SDK\'s challenge-resource check is on, then a vault whose host is not under vault.azure.net gets no token (the check the bot keeps for every non-loopback vault)', async () => {
    tenant.keyVault.setSecret('sealing-key-d', randomBytes(32).toString('base64'));
    tenant.clearRequestLog();
    const error = await refusal(sealingKey('sealing-key-d', { verifyChallengeResource: true }));
    expect(error.message).toMatch(/challenge resource 'vault\.azure\.net' does not match/);
    expect(tenant.requestLog().filter((entry) => entry.path.startsWith('/secrets/')).map((entry) => entry.status)).toEqual([401]);
  });

  it.each([
    ['no token', undefined, 401, /AKV10000/],
    ['a Graph token', 'graph', 401, /AKV10022: Invalid audience/],
    ['garbage', 'Bearer not.a.jwt', 401, /AKV10003/],
  ] as const)('when a GET for a secret carries %s, then Key Vault answers 401 with the challenge and no value', async (_name, authorization, status, message) => {
    tenant.keyVault.setSecret('sealing-key-e', randomBytes(32).toString('base64'));
    let header = authorization as string | undefined;
    if (authorization === 'graph') {
      const minted = await fetch(`${tenant.managedIdentity.endpoint}?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=${botIdentity()}`, { headers: { 'X-IDENTITY-HEADER': tenant.managedIdentity.header } });
      header = `Bearer ${((await minted.json()) as { access_token: string }).access_token}`;
    }
    const response = await fetch(`${tenant.keyVault.url}/secrets/sealing-key-e?api-version=7.6`, { headers: header ? { authorization: header } : {} });
    expect(response.status).toBe(status);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer authorization="${tenant.url}/${tenant.tenantId}", resource="https://vault.azure.net"`);
    const body = (await response.json()) as { error: { code: string; message: string }; value?: string };
    expect(body.error).toMatchObject({ code: 'Unauthorized', message: expect.stringMatching(message) });
    expect(body.value).toBeUndefined();
  });
});

describe('Storage as a managed identity (no account key)', () => {
  it('when the request store and the audit log are given the account\'s endpoints and the identity, then they write and read with storage tokens', async () => {
    const account = { blobUrl: azurite.blobUrl, tableUrl: azurite.tableUrl, credential: managedIdentityCredential(botIdentity()) };
    tenant.clearRequestLog();
    const containerName = `mi-${randomBytes(5).toString('hex')}`;
    const tableName = `Mi${randomBytes(5).toString('hex')}`;
    const requests = createBlobRequestStore({ account, containerName });
    const audit = createTableAuditLog({ account, tableName });

    expect(await requests.checkReachable({ timeoutMs: 5000 })).toEqual({ reachable: true });
    await audit.append({ type: 'test.event', requestId: 'r1', correlationId: 'c1', at: '2030-01-01T00:00:00.000Z', actor: 'test', details: { note: 'written with a token' } });
    const events = await audit.query({});
    expect(events.map((event) => event.type)).toContain('test.event');

    const resources = tenant.requestLog().filter((entry) => entry.path === '/msi/token').map((entry) => new URLSearchParams(entry.query).get('resource'));
    expect(new Set(resources)).toEqual(new Set(['https://storage.azure.com']));
  });

  it('when a client comes with a token for another resource, then Azurite refuses it (it checks the audience: 403 AuthenticationFailed), and with none it refuses too', async () => {
    const graphToken = await managedIdentityCredential(botIdentity()).getToken('https://graph.microsoft.com/.default');
    expect(claimsOf(graphToken!.token)['aud']).toBe('https://graph.microsoft.com');
    const asGraph = new ContainerClient(`${azurite.blobUrl}/mi-refused`, { getToken: async () => graphToken });
    await expect(asGraph.createIfNotExists()).rejects.toMatchObject({ statusCode: 403, code: 'AuthenticationFailed' });
    const anonymous = new TableClient(azurite.tableUrl, 'MiRefused');
    await expect(anonymous.createTable()).rejects.toMatchObject({ statusCode: expect.any(Number) });
  });
});
