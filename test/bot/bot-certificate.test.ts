/**
 * Tenant mode with the bot's app registration signing in by certificate (BOT_CERTIFICATE_PATH,
 * no BOT_PASSWORD): inbound channel tokens are checked as usual, and replies carry a Bot Connector
 * token the bot got from its login authority (the local tenant) with a certificate-signed assertion,
 * which the recording Bot Connector verifies like the real one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { PEOPLE, personalMessage } from '../support/activities.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { tokenCheckFor } from '../support/recording-connector.js';
import { startTlsFront } from '../support/tls-front.js';

let tenant: LocalTenant;
let bot: BotUnderTest;
let front: Awaited<ReturnType<typeof startTlsFront>>;

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
  bot = await startBotUnderTest(
    {
      APP_MODE: 'tenant',
      BOT_ID: tenant.app.clientId,
      BOT_CERTIFICATE_PATH: tenant.app.certificatePath,
      BOT_OPENID_METADATA_URL: tenant.botFramework.openIdMetadataUrl,
      BOT_LOGIN_URL: `${tenant.url}/${tenant.tenantId}`,
    },
    { tenant, connectorTokenCheck: tokenCheckFor(tenant, tenant.app.clientId) },
  );
  front = await startTlsFront(bot.connector.serviceUrl);
});
afterAll(async () => {
  await bot?.close();
  await front?.close();
  await tenant?.close();
});

describe('tenant mode: the bot signs in with its certificate', () => {
  it('when an authenticated "help" arrives, then the reply reaches the Bot Connector with a token the bot got with its certificate', async () => {
    expect(bot.config.bot).toMatchObject({ appPassword: '', certificatePath: tenant.app.certificatePath, appType: 'SingleTenant' });
    const activity = personalMessage(front.url, PEOPLE.megan, 'help');
    const token = await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl });

    const response = await bot.send(activity, { authorization: `Bearer ${token}` });

    expect(response.status).toBe(200);
    expect(bot.connector.repliesTo(activity.id)).toHaveLength(1);
    expect(bot.connector.refused).toEqual([]);
    const outbound = bot.connector.repliesTo(activity.id)[0]?.authorization?.replace(/^Bearer /, '') ?? '';
    const claims = JSON.parse(Buffer.from(outbound.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    // appidacr 2: the client authenticated with a certificate (1 would be a secret).
    expect(claims).toMatchObject({ aud: 'https://api.botframework.com', appid: tenant.app.clientId, appidacr: '2' });
  });

  it('when an unauthenticated "help" arrives, then it is refused with 401 and nothing is sent', async () => {
    const before = bot.connector.received.length;
    const response = await bot.send(personalMessage(front.url, PEOPLE.megan, 'help'));
    expect(response.status).toBe(401);
    expect(bot.connector.received.length).toBe(before);
  });
});
