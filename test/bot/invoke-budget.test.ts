/**
 * Every card action answers within the bot's budget, whatever Graph or Teams do meanwhile.
 * Teams waits only so long for the answer to an invoke (Microsoft documents five seconds for a
 * message extension's action, https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit,
 * and no figure for adaptiveCard/action); an answer that comes later is lost and the card shows
 * an error. The local tenant holds the Graph calls a click waits for, and the recording Bot
 * Connector holds card updates, until the test lets them go: each test asserts that the answer
 * came while they were held — the order of events, never a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { until } from '../support/until.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
let ticketNumber = 0;

describe('card actions answer within the budget while Graph or Teams hold them up', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'non-admins', ROLE_CACHE_SECONDS: '0' },
      { tenant, overrides: { cardAnswerWithinMs: 1_000 } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    tenant?.setFaults({});
    if (bot) bot.connector.holdUpdates = false;
    await bot?.close();
    await tenant?.close();
  });


  const click = async (person: Person, verb: string, data: Record<string, unknown>, cardMessageId: string, overrides: Record<string, unknown> = {}) => {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, cardMessageId, overrides));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  };
  const updatesOf = (messageId: string) => bot.connector.received.filter((r) => r.operation === 'update' && r.activityId === messageId);
  const formFor = async (person: Person) => {
    const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
    await bot.send(message);
    const form = bot.connector.repliesTo(message.id)[0]!;
    return { draftId: actionData(cardOf(form), 'onboarding.review').draftId, messageId: form.activityId };
  };
  const fields = (givenName: string, surname: string) => ({
    givenName, surname, domain: 'contoso.com', usageLocation: 'US', ticketReference: `INC-B-${++ticketNumber}`, businessJustification: 'New starter.',
  });

  it('when the directory holds the review\'s name check, then the click is answered first ("checking"), and the card becomes the review once the directory answers', async () => {
    const form = await formFor(PEOPLE.megan);
    tenant.setFaults({ rules: [{ action: 'hold', path: '^/v1\\.0/' }] });
    const answer = await click(PEOPLE.megan, 'onboarding.review', { draftId: form.draftId, ...fields('Holly', 'Heldback') }, form.messageId);
    expect(answer.message).toBe('Checking with the directory: this card shows the review when it is ready.');
    // The directory has not answered the review yet: its call is still held, and the card is the form still.
    await until('the name check held at the tenant', () => (tenant.heldRequests() > 0 ? true : undefined));
    expect(updatesOf(form.messageId)).toEqual([]);

    tenant.setFaults({});
    const review = await until('the review on the card', () => updatesOf(form.messageId).map((r) => cardsIn(r.activity)[0]!).find((c) => textOf(c).includes('holly.heldback@contoso.com is free')));
    expect(actionData(review, 'onboarding.create').draftId).toBe(form.draftId);
  });

  it('when the directory holds the approver\'s fresh role check, then Approve is answered first, and the approval goes through once the directory answers', async () => {
    const form = await formFor(PEOPLE.megan);
    const review = await click(PEOPLE.megan, 'onboarding.review', { draftId: form.draftId, ...fields('Aria', 'Awaiting') }, form.messageId);
    expect(textOf(review.card!)).toContain('aria.awaiting@contoso.com is free');
    await click(PEOPLE.megan, 'onboarding.create', { draftId: form.draftId }, form.messageId);
    const approvalCard = await until('the approval card', () => bot.connector.received.find((r) => r.conversationId === TICKET_CHANNEL && cardsIn(r.activity).some((c) => textOf(c).startsWith('Approval needed: new account for Aria Awaiting'))));
    const { requestId } = actionData(cardsIn(approvalCard.activity)[0]!, 'onboarding.approve');

    tenant.setFaults({ rules: [{ action: 'hold', path: '^/v1\\.0/' }] });
    const answer = await click(PEOPLE.alex, 'onboarding.approve', { requestId }, approvalCard.activityId, {
      conversation: { id: `${TICKET_CHANNEL};messageid=${approvalCard.activityId}`, conversationType: 'channel', isGroup: true, tenantId: bot.config.tenantId },
    });
    expect(answer.message).toBe('Working on it: this card shows the result when it is ready.');
    await until('the role check held at the tenant', () => (tenant.heldRequests() > 0 ? true : undefined));
    expect(tenant.directory().users.some((u) => u.userPrincipalName === 'aria.awaiting@contoso.com')).toBe(false);

    tenant.setFaults({});
    await until('the account', () => (tenant.directory().users.some((u) => u.userPrincipalName === 'aria.awaiting@contoso.com') ? true : undefined));
    await until('the ticket saying who approved', () => updatesOf(approvalCard.activityId).find((r) => /Alex Wilber/.test(textOf(cardsIn(r.activity)[0]!))));
  });

  it('when Teams holds the card update that Create makes, then Create is still answered ("working on it") without waiting for it', async () => {
    // An admin: no approval, so Create goes on to POST /users, which the tenant holds.
    const form = await formFor(PEOPLE.alex);
    const review = await click(PEOPLE.alex, 'onboarding.review', { draftId: form.draftId, ...fields('Uma', 'Updateheld') }, form.messageId);
    expect(textOf(review.card!)).toContain('uma.updateheld@contoso.com is free');
    tenant.setFaults({ rules: [{ action: 'hold', method: 'POST', path: '^/v1\\.0/users$' }] });
    bot.connector.holdUpdates = true;
    const working = await click(PEOPLE.alex, 'onboarding.create', { draftId: form.draftId }, form.messageId);
    expect(textOf(working.card!)).toContain('Working on it');
    // Answered although the card's own update has not been answered by Teams (held, or not even sent yet).
    expect(updatesOf(form.messageId).length).toBe(bot.connector.heldUpdates);

    bot.connector.holdUpdates = false;
    tenant.setFaults({});
    await until('the result on the card', () => updatesOf(form.messageId).find((r) => textOf(cardsIn(r.activity)[0]!).includes('Account created for Uma Updateheld')));
  });
});
