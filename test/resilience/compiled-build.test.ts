/**
 * The bot as it runs in production: `npm run build`, then `node dist/index.js` (no tsx), started
 * with exactly the app settings infra/azure.bicep gives the web app — read from the template, its
 * parameters as the Agents Toolkit passes them (infra/azure.parameters.json with env/.env.dev's
 * values), each deployed resource's property answered by its local stand-in — on top of what App
 * Service itself gives a Linux worker (PORT, IDENTITY_ENDPOINT, IDENTITY_HEADER) and nothing from
 * env/ or this machine. So a setting missing from the Bicep, or misspelled there, fails this test.
 * Only the outside world's addresses are swapped for the stand-ins (STAND_INS below), as production
 * swaps URLs and credentials, never code paths:
 * - the web app has exactly the identities the Bicep attaches (one user-assigned, no system-assigned);
 *   the local tenant's identity endpoint refuses a token request that names no identity or any other
 *   app registration, as App Service does (test/directory/managed-identity.test.ts);
 * - the bot's own identity is that identity (BOT_APP_TYPE=UserAssignedMSI): inbound channel tokens
 *   name it as audience, and its replies carry Bot Connector tokens from the identity endpoint;
 * - Graph, the credential-sealing key in Key Vault (the local tenant's) and storage (an Azurite with
 *   HTTPS and OAuth; no account key) are reached as the same identity;
 * - Application Insights is a local capture endpoint.
 * One onboarding goes through authenticated Bot Framework traffic from "set ticket channel" and
 * "new user" to the account, the requester's reveal card and the IT ticket.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, projectRoot, startAzurite, startProcess, waitUntilReady, type ManagedProcess, type RunningAzurite } from '../../scripts/local-services.js';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { DEFAULT_SEED_PATH, DEFAULT_TLS_DIR, startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createBlobRequestStore } from '../../src/storage/index.js';
import { PEOPLE, TENANT_ID, cardAction, channelMessage } from '../support/activities.js';
import { actionData, cardsIn, invokeResult } from '../support/cards.js';
import { secretIn } from '../support/credentials.js';
import { startRecordingConnector, tokenCheckFor, type RecordingConnector } from '../support/recording-connector.js';
import { startTelemetryCapture, type TelemetryCapture } from '../support/telemetry-capture.js';
import { startTlsFront } from '../support/tls-front.js';
import { deployedAppSettings, devEnvironment, mainTemplate, siteIdentities } from '../infra/deployment.js';
import { accountsNamed, createClick, reviewedDraft, ticketPosts, upnOf, waitFor, TICKET_CHANNEL, type BotProcess } from './support.js';

/** An admin: creates without an approval (APPROVAL_POLICY's default, non-admins) and may set the ticket channel. */
const requester = PEOPLE.alex;
const person = { givenName: 'Priya', surname: 'Compiled' };
const INSTRUMENTATION_KEY = '00000000-0000-4000-8000-0000000b1ce0';

let tenant: LocalTenant;
let azurite: RunningAzurite;
let connector: RecordingConnector;
let front: Awaited<ReturnType<typeof startTlsFront>>;
let capture: TelemetryCapture;
let bot: ManagedProcess | undefined;
let botUrl: string;
let botEnvironment: Record<string, string>;
let bicepSettings: Record<string, string>;

const app = (displayName: string) => {
  const found = tenant.apps.find((candidate) => candidate.displayName === displayName);
  if (!found) throw new Error(`no app '${displayName}' in the seed`);
  return found.clientId;
};
/** The seed's app registration that plays the Bicep's `identity` resource: the app with the directory permissions. */
const IDENTITY_STAND_IN = 'Onboarding Bot (local)';
/** The web app's one user-assigned identity (infra/azure.bicep `identity`). */
const identity = () => app(IDENTITY_STAND_IN);

/** What an admin has put in env/.env.dev before `atk provision` (README "Setting it up on a real tenant"). */
const FILLED_IN_DEV_ENVIRONMENT = {
  RESOURCE_SUFFIX: 'built1',
  ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1',
  REQUESTER_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000b1',
};

/**
 * Settings the Bicep declares whose deployed value cannot be used on this machine, each replaced
 * for a stated reason. The test fails if the Bicep stops declaring one (a replacement never adds).
 */
const REPLACED_FOR_THIS_MACHINE: Record<string, string> = {
  // 0.0.0.0 is right on App Service (its front end reaches the worker); a test binds loopback only.
  HOST: '127.0.0.1',
};

beforeAll(async () => {
  // The production build, as App Service's build step runs it.
  await promisify(execFile)('npm', ['run', 'build'], { cwd: projectRoot, timeout: 240_000 });

  // The site has exactly the identities the Bicep attaches to the web app, each played by its seed app.
  const seedApps = (JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as { applications: Array<{ displayName: string; appId: string }> }).applications;
  const attached = siteIdentities({ 'identity.properties.clientId': seedApps.find((seedApp) => seedApp.displayName === IDENTITY_STAND_IN)!.appId });
  if (attached.systemAssigned) throw new Error('infra/azure.bicep gives the web app a system-assigned identity: say which seed app plays it (systemAssignedIdentity)');
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false, userAssignedIdentities: attached.userAssigned });
  const tls = ensureLocalCertificates(DEFAULT_TLS_DIR);
  azurite = await startAzurite({
    blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort(),
    oauth: { certPath: tls.serverCertPath, keyPath: tls.serverKeyPath, caCertPath: tls.caCertPath },
  });
  connector = await startRecordingConnector({ tokenCheck: tokenCheckFor(tenant, identity()) });
  front = await startTlsFront(connector.serviceUrl);
  capture = await startTelemetryCapture();

  // What each deployed resource answers, here its stand-in (Azure's endpoints and vault URI end in '/').
  bicepSettings = deployedAppSettings(devEnvironment(FILLED_IN_DEV_ENVIRONMENT), {
    'identity.properties.clientId': identity(),
    'identity.properties.tenantId': tenant.tenantId,
    'storage.properties.primaryEndpoints.blob': `${azurite.blobUrl}/`,
    'storage.properties.primaryEndpoints.table': `${azurite.tableUrl}/`,
    'keyVault.properties.vaultUri': `${tenant.keyVault.url}/`,
    'appInsights.properties.ConnectionString': `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=${capture.url}`,
  });
  const credentialKeySecret = bicepSettings['CREDENTIAL_KEY_SECRET_NAME'];
  if (credentialKeySecret) tenant.keyVault.setSecret(credentialKeySecret, randomBytes(32).toString('base64'));

  const port = await freePort();
  botUrl = `http://127.0.0.1:${port}`;
  // What App Service sets for every Linux worker of a site with managed identities.
  const platform = { PORT: String(port), IDENTITY_ENDPOINT: tenant.managedIdentity.endpoint, IDENTITY_HEADER: tenant.managedIdentity.header };
  // Where Microsoft's cloud is, when it is the local stand-ins: the bot's public-cloud defaults otherwise.
  const standIns = {
    BOT_OPENID_METADATA_URL: tenant.botFramework.openIdMetadataUrl,
    GRAPH_AUTHORITY_HOST: tenant.authorityHost,
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    // The exporter's own usage reports go to Microsoft, not to the connection string's endpoint: not from a test.
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
  };
  // Nothing of this machine's environment but what runs node and trusts the local CA.
  const machine = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '' };
  const unset = Object.fromEntries(Object.keys(process.env).map((name) => [name, undefined]));
  botEnvironment = { ...machine, ...platform, ...bicepSettings, ...REPLACED_FOR_THIS_MACHINE, ...standIns };
  bot = startProcess({ name: 'compiled bot', command: process.execPath, args: ['dist/index.js'], env: { ...unset, ...botEnvironment } });
  await waitUntilReady(bot, async () => (await fetch(`${botUrl}/healthz`)).ok, { timeoutMs: 60_000 });
}, 300_000);

afterAll(async () => {
  await bot?.stop(5_000);
  await capture?.close();
  await front?.close();
  await connector?.close();
  await azurite?.process.stop(5_000);
  await tenant?.close();
});

/** Signs in with a password at the tenant's token endpoint, as a person's first sign-in would (ROPC through the public client). */
async function signIn(username: string, password: string): Promise<{ status: number; code?: number }> {
  const response = await fetch(`${tenant.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: app('Entra Admin (local)'), username, password, scope: 'https://graph.microsoft.com/User.Read' }),
  });
  const body = (await response.json()) as { error_codes?: number[] };
  return { status: response.status, ...(body.error_codes?.[0] ? { code: body.error_codes[0] } : {}) };
}

/** The compiled bot as the resilience helpers drive it, every activity with a channel token for the bot's identity. */
function authenticatedBot(): BotProcess {
  return {
    name: 'compiled bot',
    process: bot!,
    url: botUrl,
    pid: bot!.child.pid!,
    instanceId: '',
    async send(activity) {
      const serviceUrl = (activity as { serviceUrl: string }).serviceUrl;
      const token = await tenant.botFramework.mintChannelToken({ appId: identity(), serviceUrl });
      const response = await fetch(`${botUrl}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(activity),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}

describe('the production build (node dist/index.js) with exactly the app settings of infra/azure.bicep', () => {
  it('when it runs, then its environment is the Bicep\'s settings plus App Service\'s own, and no TypeScript runner is loaded', () => {
    // Every setting the Bicep declares reaches the process, as declared unless replaced for this machine.
    for (const [name, value] of Object.entries(bicepSettings)) expect(botEnvironment[name], name).toBe(REPLACED_FOR_THIS_MACHINE[name] ?? value);
    for (const name of Object.keys(REPLACED_FOR_THIS_MACHINE)) expect(bicepSettings, `the Bicep declares ${name}`).toHaveProperty(name);
    // The identity settings the issue named: the bot, Graph, and Key Vault + Storage (AZURE_CLIENT_ID) all name the one identity.
    expect(bicepSettings).toMatchObject({ BOT_ID: identity(), GRAPH_CLIENT_ID: identity(), AZURE_CLIENT_ID: identity(), BOT_APP_TYPE: 'UserAssignedMSI' });
    // The site's identities are the Bicep's: no system-assigned one, and the one user-assigned identity only.
    expect(tenant.managedIdentity.systemAssigned).toBeUndefined();
    expect(tenant.managedIdentity.userAssigned).toEqual([identity()]);
    expect(tenant.tenantId).toBe(TENANT_ID);
    expect(bot!.child.spawnargs).toEqual([process.execPath, 'dist/index.js']);
    expect(bot!.output()).not.toMatch(/tsx/);
  });

  it('when it is ready, then readiness reports storage, audit, credentials, templates and directory, and the health check path the Bicep names answers 200', async () => {
    const health = (await (await fetch(`${botUrl}/readyz`)).json()) as { status: string; dependencies: Record<string, { ready: boolean }> };
    expect(health.status).toBe('ready');
    expect(Object.keys(health.dependencies).sort()).toEqual(['audit', 'credentials', 'directory', 'storage', 'templates']);
    const healthCheckPath = /healthCheckPath:\s*'([^']+)'/.exec(mainTemplate().resources.find((r) => r.type === 'Microsoft.Web/sites')!.body)?.[1];
    expect(healthCheckPath).toBe('/livez');
    expect((await fetch(`${botUrl}${healthCheckPath}`)).status).toBe(200);
  });

  it('when an unauthenticated "new user" arrives, then it is refused with 401', async () => {
    const response = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"message"}' });
    expect(response.status).toBe(401);
  });

  it('when an admin sets the ticket channel and onboards someone through authenticated traffic, then the account exists, the requester gets the card, IT gets the ticket, and every token came from the one user-assigned identity', async () => {
    const viaFront: RecordingConnector = { ...connector, serviceUrl: front.url };
    const compiled = authenticatedBot();
    const config: AppConfig = loadConfig(botEnvironment);

    // No ticket channel in the app settings: an admin names it in Teams, as the README says.
    const setChannel = channelMessage(front.url, requester, 'set ticket channel', TICKET_CHANNEL);
    expect((await compiled.send(setChannel)).status).toBe(200);
    await waitFor('the ticket channel to be set', () => connector.repliesTo(setChannel.id).some((r) => String(r.activity.text).startsWith('Done: new-account tickets')));

    const draft = await reviewedDraft(compiled, viaFront, requester, person, 'INC-BUILD-1');
    const created = await compiled.send(createClick(viaFront, requester, draft));
    expect(created.status).toBe(200);

    const [account] = await waitFor('the account in the directory', () => accountsNamed(tenant, upnOf(person)).length === 1 && accountsNamed(tenant, upnOf(person)));
    const requestId = String(account?.onPremisesExtensionAttributes?.['extensionAttribute15']).replace(/^onboarding:/, '');
    const store = createBlobRequestStore({ connectionString: azurite.connectionString, containerName: config.storage.requestsContainer });
    const record = await waitFor('the request to finish', async () => {
      const current = (await store.get(requestId))?.record;
      return current && ['done', 'failed'].includes(current.status) ? current : undefined;
    }, 60_000, 200);
    expect(record.status).toBe('done');

    // The requester's chat got the reveal card for this request; IT's channel got the ticket.
    const reveal = await waitFor('the reveal card', () => connector.received
      .filter((r) => r.conversationId === `a:personal-${requester.aadObjectId}`)
      .flatMap((recorded) => cardsIn(recorded.activity).map((card) => ({ recorded, card })))
      .find(({ card }) => card.actions?.some((action) => action.verb === 'credentials.reveal' && action.data?.['requestId'] === requestId)));
    await waitFor('the ticket', () => ticketPosts(connector, requestId).length === 1);

    // Every call that reached the Bot Connector carried a token it accepted (signed by the tenant, for
    // https://api.botframework.com, to the bot's identity); none was refused.
    expect(connector.refused).toEqual([]);
    expect(connector.received.length).toBeGreaterThanOrEqual(3);

    // Tokens came from the managed identity endpoint only, each request naming the identity by its client id.
    const log = tenant.requestLog();
    const identityRequests = log.filter((entry) => entry.path === '/msi/token');
    expect(identityRequests.every((entry) => entry.status === 200 && new URLSearchParams(entry.query).get('client_id') === identity())).toBe(true);
    expect(new Set(identityRequests.map((entry) => `${entry.appId} ${new URLSearchParams(entry.query).get('resource')}`))).toEqual(new Set([
      `${identity()} https://api.botframework.com`,
      `${identity()} https://graph.microsoft.com`,
      `${identity()} https://vault.azure.net`,
      `${identity()} https://storage.azure.com`,
    ]));
    expect(log.some((entry) => /\/oauth2\/v2\.0\/token$/.test(entry.path))).toBe(false);
    const graphCalls = log.filter((entry) => entry.path.startsWith('/v1.0/'));
    expect(graphCalls.length).toBeGreaterThan(0);
    expect(graphCalls.every((entry) => entry.appId === identity())).toBe(true);
    expect(log.filter((entry) => entry.path.startsWith('/secrets/')).map((entry) => entry.status)).toEqual([401, 200]);

    // Reveal: the password sealed with the Key Vault key opens with it, and signs in (Entra then asks for a new one: 50055).
    const shown = invokeResult((await compiled.send(cardAction(front.url, requester, 'credentials.reveal', actionData(reveal.card, 'credentials.reveal'), reveal.recorded.activityId))).body);
    const password = shown.card ? secretIn(shown.card, 'Temporary password') : undefined;
    expect(password).toMatch(/^\S{16}$/);
    expect(await signIn(upnOf(person), password!)).toEqual({ status: 400, code: 50055 });

    // Telemetry went to the connection string the Bicep wires from Application Insights.
    await waitFor('telemetry at the Application Insights endpoint', () => capture.envelopes.some((e) => e.iKey === INSTRUMENTATION_KEY), 60_000, 200);
    // No secret of the identity endpoint, and not the password, in the bot's output or its telemetry.
    expect(bot!.output()).not.toContain(tenant.managedIdentity.header);
    expect(bot!.output()).not.toContain(password);
    expect(capture.raw.join('\n')).not.toContain(password);
  });
});
