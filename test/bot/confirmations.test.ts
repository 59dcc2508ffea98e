/**
 * What must be confirmed before Create, over real HTTP (bot + local tenant + recording
 * connector): a start date in the past, and a second account for the same person (same
 * name, or the same ticket). Until the toggle is ticked nothing is created; once it is, the
 * ticket and the audit trail say what was confirmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { exportAuditCsv } from '../support/audit-export.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const avery = {
  givenName: 'Avery', surname: 'Lindqvist', domain: 'contoso.com', usageLocation: 'US', department: 'Marketing',
  ticketReference: 'INC-9001', businessJustification: 'Joins the Marketing team.',
};

describe('confirmations on the review card', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none' }, { tenant, overrides: { createAnswerWithinMs: 20_000 } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function openForm(person: Person): Promise<{ draftId: string; messageId: string }> {
    const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
    await bot.send(message);
    const [reply] = bot.connector.repliesTo(message.id);
    return { draftId: String(actionData(cardOf(reply), 'onboarding.review').draftId), messageId: reply!.activityId };
  }
  async function click(verb: string, data: Record<string, unknown>, messageId: string) {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, messageId));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }
  const accountsNamed = (given: string) => tenant.directory().users.filter((u) => u.givenName === given);
  const ticketTexts = () => bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL)
    .flatMap((r) => cardsIn(r.activity)).map((c) => textOf(c));
  const auditCsv = (): Promise<string> => exportAuditCsv(bot, PEOPLE.alex, 'audit requester megan.bowen@contoso.com csv');

  it('when the start date is in the past, then the review asks to confirm it, Create without the tick creates nothing, and with it the account is created and the confirmation recorded', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click('onboarding.review', { draftId, ...avery, startDate: '2020-03-03' }, messageId);
    const text = textOf(review.card!);
    expect(text).toContain('The start date is in the past');
    expect(text).toContain('March 3, 2020');
    expect(text).toContain('Yes, the start date is right');

    const refused = await click('onboarding.create', { draftId, confirmStartDate: 'false' }, messageId);
    expect(refused.message).toMatch(/Nothing was created: on the review card, tick "Yes, the start date is right"/);
    expect(accountsNamed('Avery')).toHaveLength(0);

    const created = await click('onboarding.create', { draftId, confirmStartDate: 'true' }, messageId);
    expect(textOf(created.card!)).toContain('Account created for Avery Lindqvist');
    expect(accountsNamed('Avery')).toHaveLength(1);
    expect(ticketTexts().some((t) => t.includes('Start date 2020-03-03 confirmed by the requester (in the past)'))).toBe(true);
    expect(await auditCsv()).toContain('startDateConfirmed');
  });

  it('when the same name is asked for again, then the review shows the account this bot made and creates a second only after "Yes, create a second account"', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click('onboarding.review', { draftId, ...avery, ticketReference: 'INC-9002' }, messageId);
    const text = textOf(review.card!);
    expect(text).toContain('Check the new account');
    expect(text).toMatch(/I already created avery\.lindqvist@contoso\.com for the same name on .*, requested by Megan Bowen/);
    expect(text).toContain('Yes, create a second account');

    const refused = await click('onboarding.create', { draftId }, messageId);
    expect(refused.message).toMatch(/Yes, create a second account/);
    expect(accountsNamed('Avery')).toHaveLength(1);

    const created = await click('onboarding.create', { draftId, confirmSecondAccount: 'true' }, messageId);
    expect(textOf(created.card!)).toContain('Account created for Avery Lindqvist');
    expect(accountsNamed('Avery')).toHaveLength(2);
    expect(ticketTexts().some((t) => t.includes('Second account: the requester confirmed it although avery.lindqvist@contoso.com was already created for the same name'))).toBe(true);
    expect(await auditCsv()).toMatch(/secondAccountConfirmed[\s\S]*same-name|same-name[\s\S]*secondAccountConfirmed/);
  });

  it('when a ticket reference that already produced an account is used for another name, then the review shows that account and asks to confirm', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click('onboarding.review', { draftId, ...avery, givenName: 'Rowan', surname: 'Achebe' }, messageId);
    expect(textOf(review.card!)).toMatch(/I already created avery\.lindqvist@contoso\.com under the same ticket/);
    const refused = await click('onboarding.create', { draftId }, messageId);
    expect(refused.message).toMatch(/Yes, create a second account/);
    expect(accountsNamed('Rowan')).toHaveLength(0);
  });

  it('when a sentence says "starts yesterday", then the form says the date is in the past, and the review asks to confirm it', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'please create an account for Noor Haddad, Marketing, starts yesterday, ticket INC-9200');
    await bot.send(message);
    const [reply] = bot.connector.repliesTo(message.id);
    const form = cardOf(reply);
    expect(textOf(form)).toContain('That start date is in the past; please check it.');
    const { draftId } = actionData(form, 'onboarding.review');
    const startDate = JSON.stringify(form).match(/"id":"startDate"[^}]*"value":"(\d{4}-\d{2}-\d{2})"/)?.[1];
    expect(startDate).toBeDefined();
    const review = await click('onboarding.review', { draftId, ...avery, givenName: 'Noor', surname: 'Haddad', ticketReference: 'INC-9200', startDate }, reply!.activityId);
    expect(textOf(review.card!)).toContain('Yes, the start date is right');
  });

  it('when the name and ticket are new and the start date is near, then no confirmation is asked', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click('onboarding.review', { draftId, ...avery, givenName: 'Kiri', surname: 'Tanaka', ticketReference: 'INC-9100' }, messageId);
    expect(JSON.stringify(review.card)).not.toContain('Input.Toggle');
    const created = await click('onboarding.create', { draftId }, messageId);
    expect(textOf(created.card!)).toContain('Account created for Kiri Tanaka');
  });

  it('when the account a ticket produced is gone (a local tenant started afresh), then reusing that ticket asks nothing', async () => {
    tenant.reset();
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click('onboarding.review', { draftId, ...avery, givenName: 'Rowan', surname: 'Achebe' }, messageId);
    expect(textOf(review.card!)).toContain('rowan.achebe@contoso.com is free');
    expect(JSON.stringify(review.card)).not.toContain('Input.Toggle');
  });
});
