/**
 * The welcome email over the real HTTP path: the form's personal email (a bad one gets one
 * sentence and creates nothing), a sentence naming it, the review card, the result card and
 * the ticket, with the bot sending from the local tenant's service mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

describe('welcome email over Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'none', WELCOME_MAIL_FROM: 'onboarding@contoso.com', WELCOME_MAIL_COPY_MANAGER: 'true' },
      { tenant, overrides: { createAnswerWithinMs: 20_000 } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function openForm(text = 'new user') {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, text);
    await bot.send(message);
    const form = bot.connector.repliesTo(message.id).find((reply) => JSON.stringify(reply.activity).includes('onboarding.review'))!;
    const click = async (verb: string, data: Record<string, unknown>) =>
      invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, form.activityId))).body);
    return { card: cardOf(form), draftId: actionData(cardOf(form), 'onboarding.review')['draftId'], click };
  }

  it('when the bot starts with a service mailbox, then its log says where welcome emails come from', () => {
    expect(bot.logLines.join('\n')).toContain('welcome emails are sent from onboarding@contoso.com');
  });

  it('when the personal email is two addresses, then the form says so in one sentence and nothing is created or sent', async () => {
    const usersBefore = tenant.directory().users.length;
    const { draftId, click } = await openForm();
    const answer = await click('onboarding.review', {
      draftId, givenName: 'Wanda', surname: 'Ives', domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-501',
      businessJustification: 'New starter.', personalEmail: 'wanda@example.org; boss@example.org',
    });
    expect(textOf(answer.card!)).toContain('The personal email must be one address, like adele@example.com.');
    expect(tenant.directory().users).toHaveLength(usersBefore);
    expect(tenant.directory().outbox).toEqual([]);
  });

  it('when a request gives a personal email, then the review card says where the welcome email goes, and after Create the result card, the outbox and the ticket show it was sent', async () => {
    const { draftId, click } = await openForm();
    const review = await click('onboarding.review', {
      draftId, givenName: 'Quinn', surname: 'Ahlberg', domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-502',
      businessJustification: 'New starter.', personalEmail: 'quinn.ahlberg@example.org', manager: 'adele.vance@contoso.com',
    });
    expect(textOf(review.card!)).toContain('A welcome email will go to quinn.ahlberg@example.org once the account exists');
    const result = await click('onboarding.create', { draftId });
    expect(textOf(result.card!)).toContain('Account created for Quinn Ahlberg');
    await expect.poll(() => tenant.directory().outbox.length, { timeout: 15_000 }).toBe(1);
    const mail = tenant.directory().outbox[0]!;
    expect(mail.toRecipients.map((r) => r.address)).toEqual(['quinn.ahlberg@example.org']);
    expect(mail.ccRecipients.map((r) => r.address)).toEqual(['adele.vance@contoso.com']);
    expect(mail.body.content).toContain('quinn.ahlberg@contoso.com');
    expect(textOf(result.card!)).toContain('Welcome email sent to quinn.ahlberg@example.org.');
    const tickets = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Quinn Ahlberg'));
    expect(JSON.stringify(tickets.at(-1)!.activity)).toContain('Welcome email sent to quinn.ahlberg@example.org.');
  });

  it('when a sentence names the personal email, then the form opens with it filled in and a note', async () => {
    const { card } = await openForm('new user for Tove Lindgren in Marketing, personal email tove@example.org, ticket INC-503');
    expect(JSON.stringify(card)).toContain('"value":"tove@example.org"');
    expect(textOf(card)).toContain('I put tove@example.org as the personal email: the welcome email goes there (never the password).');
  });
});
