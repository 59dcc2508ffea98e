/**
 * The local tenant as test files use it: one in memory per file, reset between tests, and
 * the environment App Service gives a worker with a managed identity pointed at it.
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startLocalTenant, type LocalTenant, type LocalTenantOptions } from '../../src/local-tenant/server.js';

/**
 * Starts one in-memory local tenant for the file (closed after it) and resets its directory,
 * faults and request log before each test. Returns a getter: the tenant exists once beforeAll ran.
 */
export function useLocalTenant(options: LocalTenantOptions = {}): () => LocalTenant {
  let tenant: LocalTenant | undefined;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false, ...options });
  });
  afterAll(async () => {
    await tenant?.close();
  });
  beforeEach(() => {
    tenant!.reset();
    tenant!.setFaults({});
    tenant!.clearRequestLog();
  });
  return () => tenant!;
}

/** Every variable msal-node or @azure/identity reads to pick a managed identity source. */
const MANAGED_IDENTITY_VARIABLES = [
  'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'DEFAULT_IDENTITY_CLIENT_ID', 'AZURE_FEDERATED_TOKEN_FILE',
];

/**
 * Sets what App Service sets for a worker with a managed identity (IDENTITY_ENDPOINT and
 * IDENTITY_HEADER, here the tenant's), with every other managed-identity source unset.
 * Returns what puts the environment back as it was.
 */
export function actAsAppServiceWorker(tenant: LocalTenant): () => void {
  const saved = new Map(MANAGED_IDENTITY_VARIABLES.map((name) => [name, process.env[name]] as const));
  for (const name of MANAGED_IDENTITY_VARIABLES) delete process.env[name];
  process.env['IDENTITY_ENDPOINT'] = tenant.managedIdentity.endpoint;
  process.env['IDENTITY_HEADER'] = tenant.managedIdentity.header;
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * When the local tenant installed the bot's app for a person (POST /users/{id}/teamwork/installedApps),
 * as the recording Bot Connector's `appInstalledAt` asks; undefined while they have not got it.
 */
export function appInstalledAtIn(tenant: LocalTenant): (aadObjectId: string) => Date | undefined {
  return (aadObjectId) => {
    const installation = (tenant.directory().teamsAppInstallations ?? []).find((i) => i.userId === aadObjectId.toLowerCase());
    return installation ? new Date(installation.installedAt ?? 0) : undefined;
  };
}
