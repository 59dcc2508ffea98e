/**
 * The Graph adapter with credential kind 'managedIdentity': the real @azure/identity
 * ManagedIdentityCredential (msal-node's App Service source) gets its token from the local
 * tenant's App Service managed identity endpoint, and the local tenant's Graph accepts it.
 * The endpoint behaves as App Service's REST protocol has it
 * (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference):
 * a request naming no identity gets the system-assigned one, and a site without one (this bot's,
 * infra/azure.bicep: user-assigned only) refuses it.
 *
 * msal-node keeps the managed identity source (IDENTITY_ENDPOINT and IDENTITY_HEADER, read at the
 * first getToken) and its token cache in static fields, for the whole process. So this file sets
 * the environment once, before any credential exists, and the wrong-header case runs in a fresh
 * Node process of its own — as a real App Service worker with a wrong setting would.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant, type LocalTenantApp } from '../../src/local-tenant/server.js';
import { createGraphDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { DirectoryError } from '../../src/onboarding/index.js';
import { actAsAppServiceWorker } from '../support/local-tenant.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GRAPH = 'https://graph.microsoft.com';
/** The seed's bot app (src/local-tenant/seed.json), here also the site's system-assigned identity. */
const SEED_BOT_APP_ID = 'b07b0a7d-0000-4000-8000-00000000b075';
let tenant: LocalTenant;
let restoreEnvironment: (() => void) | undefined;

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false, systemAssignedIdentity: SEED_BOT_APP_ID });
  restoreEnvironment = actAsAppServiceWorker(tenant);
});
afterAll(async () => {
  restoreEnvironment?.();
  await tenant?.close();
});

function app(displayName: string): LocalTenantApp {
  const found = tenant.apps.find((candidate) => candidate.displayName === displayName);
  if (!found) throw new Error(`no app '${displayName}' in the seed`);
  return found;
}

function graphOptions(clientId?: string): GraphDirectoryOptions {
  return {
    baseUrl: tenant.graphBaseUrl,
    tenantId: tenant.tenantId,
    credential: { kind: 'managedIdentity', ...(clientId ? { clientId } : {}) },
    readRetries: 0,
    readRetryDelaySeconds: 0,
    requestTimeoutMs: 5_000,
  };
}

async function failure(promise: Promise<unknown>): Promise<DirectoryError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(DirectoryError);
  return error as DirectoryError;
}

function tokenRequests(appId?: string): Array<{ status: number; query: string; appId?: string | undefined }> {
  return tenant.requestLog()
    .filter((entry) => entry.path === '/msi/token' && (appId === undefined || entry.appId === appId))
    .map((entry) => ({ status: entry.status, query: entry.query, appId: entry.appId }));
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function identityEndpoint(query: Record<string, string>, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${tenant.managedIdentity.endpoint}?${new URLSearchParams(query).toString()}`, { method, headers });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

const withHeader = (): Record<string, string> => ({ 'X-IDENTITY-HEADER': tenant.managedIdentity.header });

describe('ManagedIdentityCredential through the Graph adapter against the local tenant', () => {
  it('when the system-assigned identity is used, then it signs in as the bot\'s service principal and reads domains and users', async () => {
    const bot = app('Onboarding Bot (local)');
    const directory = createGraphDirectory(graphOptions());

    const domains = await directory.listDomains();
    expect(domains.map((domain) => domain.name).sort()).toEqual(tenant.directory().domains.map((domain) => domain.id).sort());
    expect(domains.find((domain) => domain.isDefault)?.name).toBe('contoso.com');
    const megan = await directory.findUserByUpn('megan.bowen@contoso.com');
    expect(megan).toMatchObject({ userPrincipalName: 'megan.bowen@contoso.com', displayName: 'Megan Bowen' });

    // One GET to the identity endpoint as App Service's protocol has it, then Graph calls as the bot.
    expect(tokenRequests(bot.clientId)).toEqual([{ status: 200, query: `api-version=2019-08-01&resource=${encodeURIComponent(GRAPH)}`, appId: bot.clientId }]);
    const graphCalls = tenant.requestLog().filter((entry) => entry.path.startsWith('/v1.0/'));
    expect(graphCalls.length).toBeGreaterThanOrEqual(2);
    expect(graphCalls.every((entry) => entry.status === 200 && entry.appId === bot.clientId)).toBe(true);
    // The secret header never reaches the request log.
    expect(JSON.stringify(tenant.requestLog())).not.toContain(tenant.managedIdentity.header);
  });

  it('when a user-assigned identity is the Directory Reader app, then users can be read but listing domains is PERMISSION_MISSING', async () => {
    const reader = app('Directory Reader (local)');
    const directory = createGraphDirectory(graphOptions(reader.clientId));

    expect(await directory.findUserByUpn('megan.bowen@contoso.com')).toMatchObject({ userPrincipalName: 'megan.bowen@contoso.com' });
    const error = await failure(directory.listDomains());
    expect(error).toMatchObject({ code: 'PERMISSION_MISSING', status: 403, permission: 'Domain.Read.All' });

    expect(tokenRequests(reader.clientId)).toEqual([
      { status: 200, query: `api-version=2019-08-01&resource=${encodeURIComponent(GRAPH)}&client_id=${reader.clientId}`, appId: reader.clientId },
    ]);
  });

  it('when the user-assigned client id is no identity of this environment, then the adapter reports it could not sign in', async () => {
    const directory = createGraphDirectory(graphOptions('0badc0de-0000-4000-8000-000000000000'));
    const error = await failure(directory.listDomains());
    expect(error.code).toBe('PERMISSION_MISSING');
    expect(error.message).toContain('could not sign in');
    expect(tenant.requestLog().some((entry) => entry.path === '/msi/token' && entry.status === 400 && entry.query.includes('client_id=0badc0de'))).toBe(true);
  });

  it('when IDENTITY_HEADER is wrong, then the endpoint refuses it and the adapter reports it could not sign in', async () => {
    const result = await listDomainsInFreshWorker(tenant, { IDENTITY_HEADER: `${tenant.managedIdentity.header}-wrong` }, graphOptions());
    expect(result).toMatchObject({ name: 'DirectoryError', code: 'PERMISSION_MISSING' });
    expect(result.message).toContain('could not sign in');
    expect(tenant.requestLog().some((entry) => entry.path === '/msi/token' && entry.status === 401)).toBe(true);
    expect(tenant.requestLog().some((entry) => entry.path.startsWith('/v1.0/') && entry.status === 401)).toBe(false);
  });
});

/**
 * The Graph adapter's listDomains in a fresh Node process with App Service's variables for
 * `site` (msal-node has already cached this process's endpoint and header), `environment` on top.
 */
async function listDomainsInFreshWorker(site: LocalTenant, environment: Record<string, string>, options: GraphDirectoryOptions): Promise<{ listed?: boolean; name?: string; code?: string; message?: string }> {
  const script = `
    import { createGraphDirectory } from ${JSON.stringify(pathToFileURL(`${PROJECT_ROOT}src/directory/index.ts`).href)};
    const options = JSON.parse(process.env.TEST_GRAPH_OPTIONS);
    try {
      await createGraphDirectory(options).listDomains();
      console.log(JSON.stringify({ listed: true }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
    }`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: PROJECT_ROOT,
    // NODE_EXTRA_CA_CERTS comes along from vitest.config.ts, so TLS is verified in the child too.
    env: {
      ...process.env,
      IDENTITY_ENDPOINT: site.managedIdentity.endpoint,
      IDENTITY_HEADER: site.managedIdentity.header,
      ...environment,
      TEST_GRAPH_OPTIONS: JSON.stringify(options),
    },
    timeout: 25_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { listed?: boolean; name?: string; code?: string; message?: string };
}

describe('the App Service managed identity endpoint over HTTP', () => {
  const graphQuery = { 'api-version': '2019-08-01', resource: GRAPH };

  it.each([GRAPH, `${GRAPH}/`, `${GRAPH}/.default`])('when the resource is %s, then it answers as App Service does, with a token Graph accepts', async (resource) => {
    const bot = app('Onboarding Bot (local)');
    const { status, body } = await identityEndpoint({ 'api-version': '2019-08-01', resource }, withHeader());
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), expires_on: expect.stringMatching(/^\d+$/), resource, token_type: 'Bearer', client_id: bot.clientId });
    const claims = claimsOf(body['access_token'] as string);
    expect(claims).toMatchObject({ aud: GRAPH, appid: bot.clientId, idtyp: 'app', tid: tenant.tenantId, roles: bot.permissions, appidacr: '2' });
    expect(String(claims['exp'])).toBe(body['expires_on']);

    const domains = await fetch(`${tenant.graphBaseUrl}/v1.0/domains`, { headers: { authorization: `Bearer ${body['access_token'] as string}` } });
    expect(domains.status).toBe(200);
  });

  it('when a user-assigned identity is named by its service principal\'s object id, then the token is that app\'s', async () => {
    const reader = tenant.directory().applications.find((application) => application.displayName === 'Directory Reader (local)');
    const { status, body } = await identityEndpoint({ ...graphQuery, object_id: reader?.servicePrincipalId ?? '' }, withHeader());
    expect(status).toBe(200);
    expect(claimsOf(body['access_token'] as string)).toMatchObject({ appid: reader?.appId, oid: reader?.servicePrincipalId, roles: ['User.Read.All'] });
  });

  it.each([
    ['no X-IDENTITY-HEADER', graphQuery, {}, 'GET', 400, /X-IDENTITY-HEADER/],
    ['a wrong X-IDENTITY-HEADER', graphQuery, { 'X-IDENTITY-HEADER': 'not-the-secret' }, 'GET', 401, /X-IDENTITY-HEADER/],
    ['a resource this tenant does not know (Azure Resource Manager)', { ...graphQuery, resource: 'https://management.azure.com' }, 'header', 'GET', 400, /AADSTS500011/],
    ['no resource', { 'api-version': '2019-08-01' }, 'header', 'GET', 400, /resource/],
    ['the 2017 api-version', { ...graphQuery, 'api-version': '2017-09-01' }, 'header', 'GET', 400, /api-version/],
    ['an unknown client_id', { ...graphQuery, client_id: '0badc0de-0000-4000-8000-000000000000' }, 'header', 'GET', 400, /Unable to load the proper Managed Identity/],
    ['an ARM resource id (no such thing locally)', { ...graphQuery, mi_res_id: '/subscriptions/x/resourcegroups/y/providers/Microsoft.ManagedIdentity/userAssignedIdentities/z' }, 'header', 'GET', 400, /Unable to load the proper Managed Identity/],
    ['a POST', graphQuery, 'header', 'POST', 405, /POST/],
  ] as const)('when a request has %s, then it is refused with a JSON error msal-node can read', async (_name, query, headers, method, status, message) => {
    const response = await identityEndpoint(query, headers === 'header' ? withHeader() : headers, method);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ statusCode: status, message: expect.stringMatching(message), correlationId: expect.any(String) });
    expect(response.body['access_token']).toBeUndefined();
  });
});

/** A Graph token request to `site`'s identity endpoint as App Service's protocol has it, with `query` added. */
async function askForGraphToken(site: LocalTenant, query: Record<string, string>) {
  const response = await fetch(`${site.managedIdentity.endpoint}?${new URLSearchParams({ 'api-version': '2019-08-01', resource: GRAPH, ...query }).toString()}`, {
    headers: { 'X-IDENTITY-HEADER': site.managedIdentity.header },
  });
  return { status: response.status, headers: response.headers, body: await response.json() as Record<string, unknown> };
}

// App Service answers a token request it cannot match to one of the site's identities with this
// body (Content-Type application/json; charset=utf-8, an X-CORRELATION-ID header), as quoted in
// https://github.com/Azure/azure-sdk-for-net/issues/43691 and, for a site whose only identities are
// user-assigned and a request naming none, https://github.com/Azure/azure-functions-host/issues/8037
// and https://github.com/microsoft/azure-container-apps/issues/442 (the fix: pass the client id).
describe('a site with user-assigned identities only, as infra/azure.bicep deploys the bot (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference)', () => {
  let site: LocalTenant;
  beforeAll(async () => {
    site = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
  });
  afterAll(async () => {
    await site?.close();
  });

  const ask = (query: Record<string, string>) => askForGraphToken(site, query);

  it('when a token request names no identity, then it is refused as App Service refuses it: 400 "Unable to load the proper Managed Identity." with a correlation id, and no token', async () => {
    const { status, headers, body } = await ask({});
    expect(status).toBe(400);
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body).toEqual({ statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(headers.get('x-correlation-id')).toBe(body['correlationId']);
    expect(site.managedIdentity.systemAssigned).toBeUndefined();
  });

  it('when the request names a user-assigned identity by its client id, then the token is that identity\'s', async () => {
    const { status, body } = await ask({ client_id: SEED_BOT_APP_ID });
    expect(status).toBe(200);
    expect(body['client_id']).toBe(SEED_BOT_APP_ID);
    expect(claimsOf(body['access_token'] as string)).toMatchObject({ appid: SEED_BOT_APP_ID, aud: GRAPH });
  });

  it('when ManagedIdentityCredential is built without a client id (AZURE_CLIENT_ID or GRAPH_CLIENT_ID unset), then the adapter reports it could not sign in and Graph is never called', async () => {
    site.clearRequestLog();
    const result = await listDomainsInFreshWorker(site, {}, { ...graphOptions(), baseUrl: site.graphBaseUrl, tenantId: site.tenantId });
    expect(result).toMatchObject({ name: 'DirectoryError', code: 'PERMISSION_MISSING' });
    expect(result.message).toContain('could not sign in');
    const log = site.requestLog();
    expect(log.filter((entry) => entry.path === '/msi/token').map((entry) => entry.status)).toEqual([400]);
    expect(log.some((entry) => entry.path.startsWith('/v1.0/'))).toBe(false);
  });

  it('when a system-assigned identity is named that is no app of the tenant, then the tenant does not start', async () => {
    await expect(startLocalTenant({ port: 0, stateDir: null, systemAssignedIdentity: '0badc0de-0000-4000-8000-000000000000' })).rejects.toThrow(/0badc0de-0000-4000-8000-000000000000/);
  });
});

// App Service issues tokens for the site's own identities only: the REST endpoint's client_id, object_id and
// mi_res_id name "the user-assigned identity to be used" among those the site has
// (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference). A request naming an
// identity it cannot load is answered 400 "Unable to load the proper Managed Identity." (observed for a user-assigned
// identity App Service could not match: https://github.com/AzureAD/microsoft-authentication-library-for-dotnet/issues/5263;
// the 2017 endpoint said "No MSI found for specified ClientId/ResourceId.": https://github.com/MicrosoftDocs/azure-docs/issues/43543).
describe('a site with exactly one user-assigned identity attached, as infra/azure.bicep deploys the bot (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference)', () => {
  let site: LocalTenant;
  beforeAll(async () => {
    site = await startLocalTenant({ port: 0, stateDir: null, throttling: false, userAssignedIdentities: [SEED_BOT_APP_ID] });
  });
  afterAll(async () => {
    await site?.close();
  });

  const ask = (query: Record<string, string>) => askForGraphToken(site, query);
  const reader = () => site.directory().applications.find((application) => application.displayName === 'Directory Reader (local)')!;

  it.each([
    ['its client id', () => ({ client_id: reader().appId })],
    ['its service principal\'s object id', () => ({ object_id: reader().servicePrincipalId })],
    ['its service principal\'s id as principal_id', () => ({ principal_id: reader().servicePrincipalId })],
  ])('when a token request names an app registration of the tenant that is not attached to the site, by %s, then it is refused as App Service refuses it and no token is issued', async (_how, query) => {
    const { status, headers, body } = await ask(query());
    expect(status).toBe(400);
    expect(body).toEqual({ statusCode: 400, message: 'Unable to load the proper Managed Identity.', correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(headers.get('x-correlation-id')).toBe(body['correlationId']);
  });

  it('when the request names the attached identity by its client id or object id, then the token is that identity\'s', async () => {
    const bot = site.directory().applications.find((application) => application.appId === SEED_BOT_APP_ID)!;
    for (const query of [{ client_id: bot.appId }, { object_id: bot.servicePrincipalId }] as Array<Record<string, string>>) {
      const { status, body } = await ask(query);
      expect(status).toBe(200);
      expect(claimsOf(body['access_token'] as string)).toMatchObject({ appid: SEED_BOT_APP_ID, aud: GRAPH });
    }
    expect(site.managedIdentity.userAssigned).toEqual([SEED_BOT_APP_ID]);
  });

  it('when GRAPH_CLIENT_ID names another app registration than the one attached, then the Graph adapter could not sign in and Graph is never called', async () => {
    site.clearRequestLog();
    const result = await listDomainsInFreshWorker(site, {}, { ...graphOptions(reader().appId), baseUrl: site.graphBaseUrl, tenantId: site.tenantId });
    expect(result).toMatchObject({ name: 'DirectoryError', code: 'PERMISSION_MISSING' });
    expect(result.message).toContain('could not sign in');
    expect(site.requestLog().filter((entry) => entry.path === '/msi/token').map((entry) => entry.status)).toEqual([400]);
    expect(site.requestLog().some((entry) => entry.path.startsWith('/v1.0/'))).toBe(false);
  });

  it('when an attached identity is named that is no app of the tenant, then the tenant does not start', async () => {
    await expect(startLocalTenant({ port: 0, stateDir: null, userAssignedIdentities: ['0badc0de-0000-4000-8000-000000000000'] })).rejects.toThrow(/0badc0de-0000-4000-8000-000000000000/);
  });
});
