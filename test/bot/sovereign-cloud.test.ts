/**
 * A bot in the US Government cloud ("Configure Bot Framework bots for US Government customers",
 * https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-gov-cloud-high): its channel
 * tokens come from https://api.botframework.us, its own tokens are for that Bot Connector
 * resource — for replies and for a conversation it opens itself alike — and botbuilder stamps
 * urn:botframework:azureusgov as the caller id of what it receives (CallerIdConstants.USGovChannel).
 * The local tenant plays a US Government tenant (it issues tokens for api.botframework.us only)
 * and its channel token service; the recording Bot Connector, behind HTTPS, refuses any call whose
 * token is not for api.botframework.us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { loadConfig } from '../../src/config.js';
import { createBotFramework } from '../../src/bot/bot-framework.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/logging.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, TENANT_ID, cardAction, channelMessage, groupChatMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf } from '../support/cards.js';
import { revealCards } from '../support/credentials.js';
import { startRecordingConnector, tokenCheckFor, type RecordingConnector } from '../support/recording-connector.js';
import { startTlsFront } from '../support/tls-front.js';

const US_GOV_BOT_CONNECTOR = 'https://api.botframework.us';
const GROUP_CHAT = '19:gov-group-chat@thread.v2';

/** The bot's environment in the US Government cloud, its login and channel keys played by the local tenant. */
const usGovEnvironment = (tenant: LocalTenant) => ({
  APP_MODE: 'tenant',
  BOT_ID: tenant.app.clientId,
  BOT_PASSWORD: tenant.app.clientSecret,
  BOT_CLOUD: 'USGov',
  BOT_OPENID_METADATA_URL: tenant.botFramework.openIdMetadataUrl,
  BOT_LOGIN_URL: `${tenant.url}/${tenant.tenantId}`,
});

describe('a bot in the US Government cloud (BOT_CLOUD=USGov)', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, botFrameworkCloud: 'usgov' });
  });
  afterAll(async () => {
    await tenant?.close();
  });

  describe('through the bot\'s adapter alone', () => {
    let connector: RecordingConnector;
    let front: Awaited<ReturnType<typeof startTlsFront>>;
    let server: RunningHttpServer;
    const callerIds: (string | undefined)[] = [];
    beforeAll(async () => {
      connector = await startRecordingConnector({ tokenCheck: tokenCheckFor(tenant, tenant.app.clientId, US_GOV_BOT_CONNECTOR) });
      front = await startTlsFront(connector.serviceUrl);
      const config = loadConfig({ ...usGovEnvironment(tenant), TENANT_ID, GRAPH_CLIENT_ID: tenant.app.clientId, GRAPH_CLIENT_SECRET: tenant.app.clientSecret, STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', SECRET_VAULT_KEY: Buffer.alloc(32, 7).toString('base64') });
      const logger = createLogger({ level: 'silent' });
      const botFramework = createBotFramework({ mode: config.mode, ...config.bot }, logger);
      server = await startHttpServer({
        host: '127.0.0.1', port: 0, version: 'test', mode: 'tenant', logger, probes: [],
        authenticateMessage: botFramework.authenticateRequest,
        handleMessage: botFramework.handleMessage({
          run: async (context) => {
            callerIds.push(context.activity.callerId);
            await context.sendActivity('received');
          },
        }),
      });
    });
    afterAll(async () => {
      await server?.close(1000);
      await front?.close();
      await connector?.close();
    });

    it('when US Government\'s channel sends an activity, then it is accepted with the US Government caller id, and the reply carries a token for api.botframework.us', async () => {
      const activity = personalMessage(front.url, PEOPLE.megan, 'hello');
      const token = await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl });
      const response = await fetch(`${server.url}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(activity),
      });
      expect(response.status).toBe(200);
      expect(callerIds).toEqual(['urn:botframework:azureusgov']);
      expect(connector.refused).toEqual([]);
      expect(connector.repliesTo(activity.id).map((r) => r.activity.text)).toEqual(['received']);
    });

    it('when a token comes from the public cloud\'s channel, then it is refused', async () => {
      const activity = personalMessage(front.url, PEOPLE.megan, 'hello');
      const token = await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl, issuer: 'https://api.botframework.com' });
      const response = await fetch(`${server.url}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(activity),
      });
      expect(response.status).toBe(401);
    });
  });

  describe('the whole bot: a request from a group chat, whose reveal card opens a 1:1 chat', () => {
    let bot: BotUnderTest;
    let front: Awaited<ReturnType<typeof startTlsFront>>;
    beforeAll(async () => {
      bot = await startBotUnderTest({ ...usGovEnvironment(tenant), APPROVAL_POLICY: 'none' }, {
        tenant, overrides: { cardAnswerWithinMs: 20_000 }, connectorTokenCheck: tokenCheckFor(tenant, tenant.app.clientId, US_GOV_BOT_CONNECTOR),
      });
      front = await startTlsFront(bot.connector.serviceUrl);
    });
    afterAll(async () => {
      await bot?.close();
      await front?.close();
    });

    const send = async (activity: { serviceUrl: string }) => {
      const token = await tenant.botFramework.mintChannelToken({ appId: tenant.app.clientId, serviceUrl: activity.serviceUrl });
      const response = await bot.send(activity, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(200);
      return response;
    };

    it('when the bot opens a 1:1 chat for the reveal card, then its token is for US Government\'s Bot Connector too, and the card arrives', async () => {
      await send(channelMessage(front.url, PEOPLE.alex, 'set ticket channel'));
      const message = groupChatMessage(front.url, PEOPLE.megan, 'new user', GROUP_CHAT);
      await send(message);
      const form = bot.connector.repliesTo(message.id)[0]!;
      const { draftId } = actionData(cardOf(form), 'onboarding.review');
      const inGroupChat = { conversation: { id: GROUP_CHAT, conversationType: 'groupChat', isGroup: true, tenantId: TENANT_ID } };
      const review = invokeResult((await send(cardAction(front.url, PEOPLE.megan, 'onboarding.review', {
        draftId, givenName: 'Grace', surname: 'Govcloud', domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-GOV-1', businessJustification: 'New starter.',
      }, form.activityId, inGroupChat))).body);
      expect(textOf(review.card!)).toContain('grace.govcloud@contoso.com is free');
      const created = invokeResult((await send(cardAction(front.url, PEOPLE.megan, 'onboarding.create', { draftId }, form.activityId, inGroupChat))).body);
      expect(textOf(created.card!)).toContain('Account created for Grace Govcloud');
      expect(textOf(created.card!)).not.toContain('with a problem');

      expect(bot.connector.refused).toEqual([]);
      expect(bot.connector.received.filter((r) => r.operation === 'create-conversation').map((r) => r.conversationId)).toEqual([`a:personal:${PEOPLE.megan.id}`]);
      expect(revealCards(bot, { displayName: 'Grace Govcloud' }).map((c) => c.recorded.conversationId)).toEqual([`a:personal:${PEOPLE.megan.id}`]);
    });
  });
});
