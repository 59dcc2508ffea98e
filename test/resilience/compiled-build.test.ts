/**
 * The bot as it runs in production: `npm run build`, then `node dist/index.js` (no tsx) in tenant
 * mode, configured only from its environment as App Service would set it, with no secret at all:
 * - the bot's own identity is a user-assigned managed identity (BOT_APP_TYPE=UserAssignedMSI):
 *   inbound channel tokens name it as audience, and its replies carry Bot Connector tokens it got
 *   from the managed identity endpoint (IDENTITY_ENDPOINT/IDENTITY_HEADER, played by the local tenant);
 * - Graph through a second managed identity (the app with the directory permissions);
 * - the credential-sealing key from Key Vault (the local tenant's), read as that identity;
 * - storage through the same identity's tokens (an Azurite with HTTPS and OAuth; no account key).
 * One onboarding goes through authenticated Bot Framework traffic from "new user" to the account,
 * the requester's card and the IT ticket, and the Bot Connector accepts only the bot's own tokens.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, projectRoot, startAzurite, startProcess, waitUntilReady, type ManagedProcess, type RunningAzurite } from '../../scripts/local-services.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { DEFAULT_TLS_DIR, startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createBlobRequestStore } from '../../src/storage/index.js';
import { PEOPLE, TENANT_ID, cardAction } from '../support/activities.js';
import { actionData, cardsIn, invokeResult } from '../support/cards.js';
import { secretIn } from '../support/credentials.js';
import { startRecordingConnector, tokenCheckFor, type RecordingConnector } from '../support/recording-connector.js';
import { startTlsFront } from '../support/tls-front.js';
import { accountsNamed, createClick, reviewedDraft, ticketPosts, upnOf, waitFor, TICKET_CHANNEL, type BotProcess } from './support.js';

const requester = PEOPLE.megan;
const person = { givenName: 'Priya', surname: 'Compiled' };

let tenant: LocalTenant;
let azurite: RunningAzurite;
let connector: RecordingConnector;
let front: Awaited<ReturnType<typeof startTlsFront>>;
let bot: ManagedProcess | undefined;
let botUrl: string;
const container = `built-${randomBytes(5).toString('hex')}`;

const app = (displayName: string) => {
  const found = tenant.apps.find((candidate) => candidate.displayName === displayName);
  if (!found) throw new Error(`no app '${displayName}' in the seed`);
  return found.clientId;
};
/** The bot's identity: a user-assigned managed identity with no Graph permission of its own. */
const botIdentity = () => app('Directory Reader (local)');
/** Graph, Key Vault and Storage: a second identity, the one with the directory permissions. */
const workIdentity = () => app('Onboarding Bot (local)');

beforeAll(async () => {
  // The production build, as App Service's build step runs it.
  await promisify(execFile)('npm', ['run', 'build'], { cwd: projectRoot, timeout: 240_000 });

  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
  const tls = ensureLocalCertificates(DEFAULT_TLS_DIR);
  azurite = await startAzurite({
    blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort(),
    oauth: { certPath: tls.serverCertPath, keyPath: tls.serverKeyPath, caCertPath: tls.caCertPath },
  });
  connector = await startRecordingConnector({ tokenCheck: tokenCheckFor(tenant, botIdentity()) });
  front = await startTlsFront(connector.serviceUrl);
  tenant.keyVault.setSecret('credential-sealing-key', randomBytes(32).toString('base64'));

  const port = await freePort();
  botUrl = `http://127.0.0.1:${port}`;
  bot = startProcess({
    name: 'compiled bot',
    command: process.execPath,
    args: ['dist/index.js'],
    env: {
      // Nothing from env/ (no APP_ENV): a tenant-mode process reads its environment only.
      APP_ENV: undefined,
      APP_MODE: 'tenant',
      PORT: String(port),
      LOG_LEVEL: 'info',
      TENANT_ID,
      // What App Service sets for a site with managed identities.
      IDENTITY_ENDPOINT: tenant.managedIdentity.endpoint,
      IDENTITY_HEADER: tenant.managedIdentity.header,
      BOT_ID: botIdentity(),
      BOT_APP_TYPE: 'UserAssignedMSI',
      BOT_OPENID_METADATA_URL: tenant.botFramework.openIdMetadataUrl,
      GRAPH_AUTHORITY_HOST: tenant.authorityHost,
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      GRAPH_USE_MANAGED_IDENTITY: 'true',
      GRAPH_CLIENT_ID: workIdentity(),
      AZURE_CLIENT_ID: workIdentity(),
      KEY_VAULT_URL: tenant.keyVault.url,
      CREDENTIAL_KEY_SECRET_NAME: 'credential-sealing-key',
      STORAGE_BLOB_URL: azurite.blobUrl,
      STORAGE_TABLE_URL: azurite.tableUrl,
      STORAGE_CONTAINER: container,
      ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1',
      REQUESTER_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000b1',
      APPROVAL_POLICY: 'none',
      TICKET_CHANNEL_ID: TICKET_CHANNEL,
      TICKET_CHANNEL_SERVICE_URL: front.url,
    },
  });
  await waitUntilReady(bot, async () => (await fetch(`${botUrl}/healthz`)).ok, { timeoutMs: 60_000 });
}, 300_000);

afterAll(async () => {
  await bot?.stop(5_000);
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
      const token = await tenant.botFramework.mintChannelToken({ appId: botIdentity(), serviceUrl });
      const response = await fetch(`${botUrl}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(activity),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}

describe('the production build (node dist/index.js) in tenant mode with managed identities only', () => {
  it('when it runs, then no TypeScript runner is loaded and it reports ready with storage, audit, credentials and directory', async () => {
    const health = (await (await fetch(`${botUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(health)).not.toMatch(/fail|error/i);
    expect(bot!.child.spawnargs).toEqual([process.execPath, 'dist/index.js']);
    expect(bot!.output()).not.toMatch(/tsx/);
  });

  it('when an unauthenticated "new user" arrives, then it is refused with 401', async () => {
    const response = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"message"}' });
    expect(response.status).toBe(401);
  });

  it('when a hiring manager onboards someone through authenticated traffic, then the account exists, the requester gets the card, IT gets the ticket, and every identity was a managed identity', async () => {
    const viaFront: RecordingConnector = { ...connector, serviceUrl: front.url };
    const compiled = authenticatedBot();

    const draft = await reviewedDraft(compiled, viaFront, requester, person, 'INC-BUILD-1');
    const created = await compiled.send(createClick(viaFront, requester, draft));
    expect(created.status).toBe(200);

    const [account] = await waitFor('the account in the directory', () => accountsNamed(tenant, upnOf(person)).length === 1 && accountsNamed(tenant, upnOf(person)));
    const requestId = String(account?.onPremisesExtensionAttributes?.['extensionAttribute15']).replace(/^onboarding:/, '');
    const store = createBlobRequestStore({ connectionString: azurite.connectionString, containerName: `${container}-requests` });
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

    // Tokens came from the managed identity endpoint only: the bot's for the Bot Connector, the second identity's for the rest.
    const log = tenant.requestLog();
    const identityTokens = log.filter((entry) => entry.path === '/msi/token' && entry.status === 200)
      .map((entry) => `${entry.appId} ${new URLSearchParams(entry.query).get('resource')}`);
    expect(new Set(identityTokens)).toEqual(new Set([
      `${botIdentity()} https://api.botframework.com`,
      `${workIdentity()} https://graph.microsoft.com`,
      `${workIdentity()} https://vault.azure.net`,
      `${workIdentity()} https://storage.azure.com`,
    ]));
    expect(log.some((entry) => /\/oauth2\/v2\.0\/token$/.test(entry.path))).toBe(false);
    const graphCalls = log.filter((entry) => entry.path.startsWith('/v1.0/'));
    expect(graphCalls.length).toBeGreaterThan(0);
    expect(graphCalls.every((entry) => entry.appId === workIdentity())).toBe(true);
    expect(log.filter((entry) => entry.path.startsWith('/secrets/')).map((entry) => entry.status)).toEqual([401, 200]);

    // Reveal: the password sealed with the Key Vault key opens with it, and signs in (Entra then asks for a new one: 50055).
    const shown = invokeResult((await compiled.send(cardAction(front.url, requester, 'credentials.reveal', actionData(reveal.card, 'credentials.reveal'), reveal.recorded.activityId))).body);
    const password = shown.card ? secretIn(shown.card, 'Temporary password') : undefined;
    expect(password).toMatch(/^\S{16}$/);
    expect(await signIn(upnOf(person), password!)).toEqual({ status: 400, code: 50055 });

    // No secret of the identity endpoint, and not the password, in the bot's output.
    expect(bot!.output()).not.toContain(tenant.managedIdentity.header);
    expect(bot!.output()).not.toContain(password);
  });
});
