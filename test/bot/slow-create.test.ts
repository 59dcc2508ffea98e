/**
 * When creating takes longer than Teams waits for a card answer: the requester first sees
 * "Working on it", and that card never stays so — the bot replaces it when the account is
 * made, and Teams can ask for the current state by itself (automatic refresh) for the
 * requester only. Over the real HTTP path, the local tenant holding POST /users until the
 * answer is out (the order of events, not timing, decides).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';
import { until } from '../support/until.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

type RefreshingCard = Card & { refresh?: { action: { type: string; verb: string; data: Record<string, unknown> }; userIds: string[] } };

describe('a create that outlasts the card answer', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    // Card clicks answer within 2 s; Create cannot, while the tenant holds POST /users.
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none' }, { tenant, overrides: { cardAnswerWithinMs: 2_000 } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function click(person: Person, verb: string, data: Record<string, unknown>, cardMessageId: string) {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, cardMessageId));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }


  it('when Create is answered before the account exists, then the card says "Working on it", refreshes itself for the requester only, and is replaced by the result', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user');
    await bot.send(message);
    const formMessage = bot.connector.repliesTo(message.id)[0]!;
    const { draftId } = actionData(cardOf(formMessage), 'onboarding.review');
    const review = await click(PEOPLE.megan, 'onboarding.review', {
      draftId, givenName: 'Sloane', surname: 'Slowpath', domain: 'contoso.com', usageLocation: 'US',
      ticketReference: 'INC-5150', businessJustification: 'Joins Finance.',
    }, formMessage.activityId);
    expect(textOf(review.card!)).toContain('sloane.slowpath@contoso.com is free');

    tenant.setFaults({ rules: [{ action: 'hold', method: 'POST', path: '^/v1\\.0/users$' }] });
    const working = (await click(PEOPLE.megan, 'onboarding.create', { draftId }, formMessage.activityId)).card as RefreshingCard;
    // Answered while the account is not made yet; then the tenant lets POST /users through.
    expect(tenant.directory().users.filter((u) => u.userPrincipalName === 'sloane.slowpath@contoso.com')).toHaveLength(0);
    await until('POST /users held at the tenant', () => (tenant.heldRequests() === 1 ? true : undefined));
    tenant.setFaults({});
    expect(textOf(working)).toContain('Working on it');
    const requestId = String(actionData(working, 'onboarding.result').requestId);
    // Teams asks for the current state by itself when Megan — and only Megan — looks at the card.
    expect(working.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'onboarding.result', data: { requestId } },
      userIds: [PEOPLE.megan.id],
    });

    // The message itself holds the refreshing card (Teams refreshes what the message holds),
    // and the bot replaces it with the result once the account exists — in that order.
    const updatesOfCard = () => bot.connector.received.filter((r) => r.operation === 'update' && r.activityId === formMessage.activityId);
    await until('the card to be replaced by the result', () => (updatesOfCard().length >= 2 ? true : undefined));
    const [first, last, ...more] = updatesOfCard().map((r) => cardsIn(r.activity)[0] as RefreshingCard);
    expect(more).toHaveLength(0);
    expect(first).toEqual(working);
    const finalCard = last!;
    expect(textOf(finalCard)).toContain('Account created');
    expect(textOf(finalCard)).toContain('sloane.slowpath@contoso.com');
    expect(finalCard.refresh).toBeUndefined();
    expect(tenant.directory().users.filter((u) => u.userPrincipalName === 'sloane.slowpath@contoso.com')).toHaveLength(1);

    // The refresh Teams sends for Megan gives the truth; the same invoke from someone else shows nothing.
    const refreshed = await click(PEOPLE.megan, 'onboarding.result', { requestId }, formMessage.activityId);
    expect(textOf(refreshed.card!)).toContain('Account created');
    expect((refreshed.card as RefreshingCard).refresh).toBeUndefined();
    const nosy = await click(PEOPLE.isaiah, 'onboarding.result', { requestId }, formMessage.activityId);
    expect(nosy.message).toBe('Only the person who made this request can see it.');
    expect(tenant.directory().users.filter((u) => u.userPrincipalName === 'sloane.slowpath@contoso.com')).toHaveLength(1);
  });
});
