import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, botAdded, personalMessage } from '../support/activities.js';

describe('help over the real HTTP path', () => {
  let bot: BotUnderTest;
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({}, { tenant });
  });
  afterAll(async () => {
    await bot.close();
    await tenant.close();
  });

  it('when a person types "help" in personal chat, then the bot replies in that chat with the help card listing its commands', async () => {
    const activity = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help');
    const response = await bot.send(activity);
    expect(response.status).toBe(200);

    const replies = bot.connector.repliesTo(activity.id);
    expect(replies).toHaveLength(1);
    const [reply] = replies;
    expect(reply?.operation).toBe('reply');
    const attachments = reply?.activity.attachments as { contentType: string; content: { version: string; body: { type: string; text?: string; facts?: { title: string }[] }[] } }[];
    expect(attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = attachments[0]!.content;
    expect(card.version).toBe('1.5');
    const facts = card.body.find((element) => element.type === 'FactSet')?.facts?.map((fact) => fact.title);
    expect(facts).toContain('help');
    expect(JSON.stringify(card)).not.toContain('${');
  });

  it('when Teams says the bot was added to a chat again (a reinstall), then the welcome card comes once per chat', async () => {
    const installed = botAdded(bot.connector.serviceUrl, PEOPLE.isaiah);
    expect((await bot.send(installed)).status).toBe(200);
    const reinstalled = botAdded(bot.connector.serviceUrl, PEOPLE.isaiah);
    expect((await bot.send(reinstalled)).status).toBe(200);
    const welcomes = (activityId: string) => bot.connector.repliesTo(activityId).filter((r) => JSON.stringify(r.activity).includes('application/vnd.microsoft.card.adaptive'));
    expect(welcomes(installed.id)).toHaveLength(1);
    expect(welcomes(reinstalled.id)).toHaveLength(0);
    // Another person's chat is another conversation: it gets its own welcome.
    const elsewhere = botAdded(bot.connector.serviceUrl, PEOPLE.alex);
    await bot.send(elsewhere);
    expect(welcomes(elsewhere.id)).toHaveLength(1);
  });

  it('when a person types something the bot does not understand, then it points them to help', async () => {
    const activity = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'what is the weather');
    await bot.send(activity);
    const [reply] = bot.connector.repliesTo(activity.id);
    expect(reply?.activity.text).toMatch(/type \*\*help\*\*/i);
  });

  it('when /api/messages gets a body that is not JSON, then it answers 4xx and keeps serving', async () => {
    const response = await fetch(`${bot.app.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(response.status).toBe(400);
    const health = await fetch(`${bot.app.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
