/**
 * Tenant mode: /api/messages accepts only Bot Framework-authenticated requests. The local
 * tenant plays login.botframework.com (OpenID configuration + msteams-endorsed key) and the
 * Entra login for the bot's outbound token; a TLS front on the recording connector plays
 * the Bot Connector (tenant mode accepts https serviceUrls only).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:https';
import { ContainerClient } from '@azure/storage-blob';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { PEOPLE, personalMessage, TENANT_ID } from '../support/activities.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { tokenCheckFor } from '../support/recording-connector.js';
import { startTlsFront } from '../support/tls-front.js';

let tenant: LocalTenant;
let bot: BotUnderTest;
let front: Server;
let serviceUrl: string;

async function blobCount(container: string): Promise<number> {
  const client = new ContainerClient(inject('azuriteConnectionString'), container);
  if (!(await client.exists())) return 0;
  let count = 0;
  // The unfinished index's one-time bookkeeping blob is written by the first resume pass, whenever that runs: not a turn's doing.
  for await (const blob of client.listBlobsFlat()) if (!blob.name.startsWith('index-state/')) count += 1;
  return count;
}

/** Everything a turn could leave behind: a call to the Bot Connector, state or request blobs, Graph calls. */
async function sideEffects() {
  return {
    connectorCalls: bot.connector.received.length,
    stateBlobs: await blobCount(bot.config.storage.container),
    requestBlobs: await blobCount(`${bot.config.storage.container}-requests`),
    graphCalls: tenant.requestLog().filter((entry) => entry.path.startsWith('/v1.0')).length,
  };
}

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
  bot = await startBotUnderTest(
    {
      APP_MODE: 'tenant',
      BOT_ID: tenant.app.clientId,
      BOT_PASSWORD: tenant.app.clientSecret,
      BOT_OPENID_METADATA_URL: tenant.botFramework.openIdMetadataUrl,
      BOT_LOGIN_URL: `${tenant.url}/${tenant.tenantId}`,
    },
    // The connector checks the bot's own token as the real one does: signed by the bot's tenant, for the Bot Connector, to this bot.
    { tenant, connectorTokenCheck: tokenCheckFor(tenant, tenant.app.clientId) },
  );
  ({ server: front, url: serviceUrl } = await startTlsFront(bot.connector.serviceUrl));
});
afterAll(async () => {
  await bot?.close();
  await new Promise((resolve) => front?.close(resolve));
  await tenant?.close();
});

const untrustedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const trustedKeyId = async () => ((await (await fetch(`${tenant.url}/botframework/v1/keys`)).json()) as { keys: { kid: string }[] }).keys[0]!.kid;

type Forgery = (activity: { serviceUrl: string }) => Promise<string | undefined>;
const forgeries: [string, Forgery][] = [
  ['no Authorization header', async () => undefined],
  ['an empty bearer', async () => 'Bearer '],
  ['garbage instead of a token', async () => 'Bearer not.a.jwt'],
  ['a Basic scheme', async () => `Basic ${Buffer.from(`${tenant.app.clientId}:${tenant.app.clientSecret}`).toString('base64')}`],
  ['a token signed by an untrusted key (its own key id)', async (activity) =>
    `Bearer ${await new SignJWT({ serviceurl: activity.serviceUrl }).setProtectedHeader({ alg: 'RS256', kid: 'attacker-key' })
      .setIssuer('https://api.botframework.com').setAudience(tenant.app.clientId).setNotBefore('0s').setExpirationTime('1h').sign(untrustedKey)}`],
  ['a token signed by an untrusted key under the trusted key id', async (activity) =>
    `Bearer ${await new SignJWT({ serviceurl: activity.serviceUrl }).setProtectedHeader({ alg: 'RS256', kid: await trustedKeyId() })
      .setIssuer('https://api.botframework.com').setAudience(tenant.app.clientId).setNotBefore('0s').setExpirationTime('1h').sign(untrustedKey)}`],
  ['an expired token (beyond the 5-minute clock skew)', async (activity) =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl, now: new Date(Date.now() - 2 * 3600_000) })}`],
  ['a token not valid yet (beyond the clock skew)', async (activity) =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl, notBeforeSeconds: 900 })}`],
  ['a token for another bot (wrong audience)', async (activity) =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: 'd1ec7043-0000-4000-8000-00000000d075', serviceUrl: activity.serviceUrl })}`],
  ['a token from another issuer', async (activity) =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl, issuer: 'https://api.botframework.example' })}`],
  ['a token that looks like an Emulator token (its keys are out of reach)', async (activity) =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl, issuer: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/' })}`],
  ['a valid token for another serviceUrl', async () =>
    `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: 'https://smba.attacker.example/' })}`],
];

describe('tenant mode: Bot Framework authentication on /api/messages', () => {
  it.each(forgeries)('when a "help" message comes with %s, then it gets 401 and causes nothing', async (_case, forge) => {
    const before = await sideEffects();
    const logLinesBefore = bot.logLines.length;
    const activity = personalMessage(serviceUrl, PEOPLE.megan, 'help');
    const authorization = await forge(activity);

    const response = await bot.send(activity, authorization === undefined ? {} : { authorization });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'unauthorized' });
    expect(await sideEffects()).toEqual(before);
    const logged = bot.logLines.slice(logLinesBefore).map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(logged.map((line) => line.msg)).toEqual(['refused a request without valid Bot Framework authentication']);
  });

  it('when a malformed body comes without a token, then it is refused as unauthenticated before it is read (401, not 400)', async () => {
    const response = await bot.send({ type: 'message' });
    expect(response.status).toBe(401);
  });

  it('when a forged request\'s body is not JSON, or larger than any activity, then it is refused as unauthenticated before it is parsed (401, not 400 or 413)', async () => {
    const post = (body: string, authorization?: string) => fetch(`${bot.app.url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body,
    });
    expect((await post('{"type": "message", not json')).status).toBe(401);
    expect((await post('{not json', 'Bearer not.a.jwt')).status).toBe(401);
    expect((await post(`{"type":"message","text":"${'x'.repeat(1_000_000)}"}`, 'Bearer not.a.jwt')).status).toBe(401);
  });

  it('when botbuilder refuses a forged token, then what it prints (PEM keys, stack traces) stays off the console and the refusal is one structured line', async () => {
    const printed: unknown[][] = [];
    const methods = ['error', 'warn', 'log', 'info', 'debug'] as const;
    const originals = methods.map((method) => console[method]);
    for (const method of methods) console[method] = (...args: unknown[]) => void printed.push(args);
    const logLinesBefore = bot.logLines.length;
    try {
      for (const [name, forge] of forgeries.filter(([name]) => /untrusted key under the trusted key id|expired/.test(name))) {
        const activity = personalMessage(serviceUrl, PEOPLE.megan, 'help');
        expect((await bot.send(activity, { authorization: (await forge(activity))! })).status, name).toBe(401);
      }
    } finally {
      methods.forEach((method, index) => (console[method] = originals[index]!));
    }
    expect(printed).toEqual([]);
    const lines = bot.logLines.slice(logLinesBefore).map((line) => JSON.parse(line) as { msg: string; sdkOutput?: string[] });
    expect(lines.map((line) => line.msg)).toEqual(['refused a request without valid Bot Framework authentication', 'refused a request without valid Bot Framework authentication']);
    expect(lines.flatMap((line) => line.sdkOutput ?? []).join('\n')).toMatch(/expired/i);
    expect(JSON.stringify(lines)).not.toMatch(/BEGIN| {4}at /);
  });

  it('when a "help" message comes with a channel token signed by the trusted key, then the turn runs and the reply reaches the Bot Connector with the bot\'s own token', async () => {
    const activity = personalMessage(serviceUrl, PEOPLE.megan, 'help');
    const token = await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl });

    const response = await bot.send(activity, { authorization: `Bearer ${token}` });

    expect(response.status).toBe(200);
    const replies = bot.connector.repliesTo(activity.id);
    expect(replies).toHaveLength(1);
    expect(JSON.stringify(replies[0]?.activity.attachments)).toContain('help');
    // Outbound: a Bot Connector token from the bot's login authority (the local tenant), not the inbound token echoed.
    const outbound = replies[0]?.authorization?.replace(/^Bearer /, '') ?? '';
    expect(outbound).not.toBe(token);
    const claims = JSON.parse(Buffer.from(outbound.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: 'https://api.botframework.com', appid: tenant.app.clientId, tid: tenant.tenantId });
    expect(tenant.requestLog().some((entry) => entry.path === `/${tenant.tenantId}/oauth2/v2.0/token` && entry.status === 200)).toBe(true);
    expect(bot.connector.refused).toEqual([]);
  });
});

describe('the recording Bot Connector checks the bot\'s token like the real one', () => {
  const tokenFor = async (scope: string): Promise<string> => {
    const response = await fetch(`${tenant.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.app.clientId, client_secret: tenant.app.clientSecret, scope }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const post = (authorization?: string) => fetch(`${bot.connector.serviceUrl}/v3/conversations/a%3Aany/activities`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify({ type: 'message', text: 'hi' }),
  });

  const cases: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no token', async () => undefined, /no bearer token/],
    ['a Graph token of the bot\'s app (wrong audience)', async () => `Bearer ${await tokenFor('https://graph.microsoft.com/.default')}`, /aud/],
    ['a channel token (wrong issuer)', async () => `Bearer ${await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: 'https://x.example/' })}`, /iss|signature|no applicable key|JWKS/i],
  ];
  it.each(cases)('when a call comes with %s, then it gets 401 and nothing is recorded', async (_name, authorization, reason) => {
    const before = { received: bot.connector.received.length, refused: bot.connector.refused.length };
    const response = await post(await authorization());
    expect(response.status).toBe(401);
    expect(bot.connector.received.length).toBe(before.received);
    expect(bot.connector.refused.slice(before.refused).map((entry) => entry.reason)).toEqual([expect.stringMatching(reason)]);
  });

  it('when a call comes with the bot\'s Bot Connector token, then it is recorded', async () => {
    const before = bot.connector.received.length;
    const response = await post(`Bearer ${await tokenFor('https://api.botframework.com/.default')}`);
    expect(response.status).toBe(200);
    expect(bot.connector.received.length).toBe(before + 1);
  });
});

describe('tenant mode configuration', () => {
  const base = {
    APP_MODE: 'tenant', HOST: '0.0.0.0', TENANT_ID, GRAPH_CLIENT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', GRAPH_CLIENT_SECRET: 'x',
    STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', SECRET_VAULT_KEY: Buffer.alloc(32, 1).toString('base64'),
  };
  const variablesOf = (environment: Record<string, string>) => {
    try {
      loadConfig(environment);
      return [];
    } catch (error) {
      return error instanceof ConfigError ? error.problems.map((problem) => problem.variable) : ['(not a ConfigError)'];
    }
  };

  it('when neither BOT_ID nor BOT_PASSWORD is set, then both are named and the bot does not start', () => {
    expect(variablesOf(base)).toEqual(expect.arrayContaining(['BOT_ID', 'BOT_PASSWORD']));
  });

  it('when BOT_ID is not a GUID, then it is refused', () => {
    expect(variablesOf({ ...base, BOT_ID: 'onboarding-bot', BOT_PASSWORD: 'x' })).toEqual(['BOT_ID']);
  });

  it('when no Bot Framework cloud variable is set, then botbuilder keeps its public-cloud defaults', () => {
    expect(loadConfig({ ...base, BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'x' }).bot.cloud).toBeUndefined();
  });

  it('when only the OpenID metadata URL is set, then the other endpoints keep public-cloud values (botbuilder would otherwise use none)', () => {
    const config = loadConfig({ ...base, BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'x', BOT_OPENID_METADATA_URL: 'https://login.botframework.example/v1/.well-known/openidconfiguration' });
    expect(config.bot.cloud).toEqual({
      openIdMetadataUrl: 'https://login.botframework.example/v1/.well-known/openidconfiguration',
      tokenIssuer: 'https://api.botframework.com',
      loginUrl: `https://login.microsoftonline.com/${TENANT_ID}`,
      oauthScope: 'https://api.botframework.com',
      callerId: 'urn:botframework:azure',
      oauthUrl: 'https://api.botframework.com',
      emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    });
  });

  it('when the OpenID metadata or login URL is not https, then it is refused', () => {
    expect(variablesOf({ ...base, BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'x', BOT_OPENID_METADATA_URL: 'http://evil.example/openid', BOT_LOGIN_URL: 'http://login.example/t' }))
      .toEqual(['BOT_OPENID_METADATA_URL', 'BOT_LOGIN_URL']);
  });
});
