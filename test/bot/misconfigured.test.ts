/**
 * A bot whose app registration is set up wrong in Entra ID: the person is told, in one
 * sentence, what is missing and who can fix it — not "something went wrong" — and nothing
 * is changed. Over the real HTTP path against the local tenant's own permission checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, personalMessage } from '../support/activities.js';

describe('a bot whose app registration lacks what it needs', () => {
  let tenant: LocalTenant;
  const bots: BotUnderTest[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
  });
  afterAll(async () => {
    for (const bot of bots) await bot.close();
    await tenant?.close();
  });

  async function botSignedInAs(clientId: string, clientSecret: string): Promise<BotUnderTest> {
    const bot = await startBotUnderTest({
      APPROVAL_POLICY: 'none', GRAPH_CLIENT_ID: clientId, GRAPH_CLIENT_SECRET: clientSecret,
      TICKET_CHANNEL_ID: '19:it-tickets@thread.tacv2', TICKET_CHANNEL_SERVICE_URL: 'http://127.0.0.1:9/',
    }, { tenant });
    bots.push(bot);
    return bot;
  }

  async function say(bot: BotUnderTest, text: string): Promise<string> {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, text);
    expect((await bot.send(message)).status).toBe(200);
    return String(bot.connector.repliesTo(message.id)[0]?.activity.text ?? '');
  }

  it('when the app may only read users, then a request names the missing permission and who grants it, and nothing is created', async () => {
    const reader = tenant.apps.find((app) => app.displayName.startsWith('Directory Reader'))!;
    expect(reader.permissions).toEqual(['User.Read.All']);
    const bot = await botSignedInAs(reader.clientId, reader.clientSecret);
    const usersBefore = tenant.directory().users.length;
    for (const text of ['new user', 'please create an account for Ann Lee, Finance, ticket INC-77']) {
      const reply = await say(bot, text);
      expect(reply).toMatch(/^I could not do that: the bot is missing the Microsoft Graph permission GroupMember\.Read\.All in Entra ID\. Nothing was changed\. Tell IT \(reference [0-9a-f-]{36}\); an Entra admin grants it to the bot's app registration\.$/);
    }
    expect(tenant.directory().users.length).toBe(usersBefore);
    const logged = bot.logLines.map((line) => JSON.parse(line) as { msg: string; permission?: string; code?: string });
    expect(logged.filter((l) => l.msg === 'the directory refused or failed a read in a turn')).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'PERMISSION_MISSING', permission: 'GroupMember.Read.All' })]),
    );
  });

  it('when the client secret is wrong, then the person is told the bot cannot sign in to Entra ID, and the secret is printed nowhere', async () => {
    const wrongSecret = 'wrong-secret-0123456789abcdef';
    const bot = await botSignedInAs(tenant.app.clientId, wrongSecret);
    const reply = await say(bot, 'new user');
    expect(reply).toMatch(/^I could not do that: the bot could not sign in to Entra ID\. Nothing was changed\. Tell IT \(reference [0-9a-f-]{36}\); its app registration's secret or certificate needs checking\.$/);
    expect(bot.logLines.join('\n')).not.toContain(wrongSecret);
  });
});
