/**
 * Delivery when the request did not come from the requester's 1:1 chat, delivery that
 * Teams refuses, the ticket channel being required, and `status` — over the real HTTP path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, TENANT_ID, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { clickReveal, revealCards } from '../support/credentials.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const GROUP_CHAT = '19:hiring-managers@thread.v2';
const PATTI: Person = { id: '29:patti', name: 'Patti Fernandez', aadObjectId: '00000000-0000-4000-8000-000000000024' };

/** One ticket per account: a reused ticket reference asks for a confirmation on the review card. */
let ticketNumber = 0;

describe('delivery, the ticket channel and status', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'none', RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '1' },
      { tenant, overrides: { createAnswerWithinMs: 20_000 } },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const inGroupChat = (person: Person, text: string) =>
    personalMessage(bot.connector.serviceUrl, person, text, {
      conversation: { id: GROUP_CHAT, conversationType: 'groupChat', isGroup: true, tenantId: TENANT_ID },
    });

  async function requestInGroupChat(person: Person, givenName: string, surname: string) {
    const message = inGroupChat(person, 'new user');
    await bot.send(message);
    const form = bot.connector.repliesTo(message.id)[0];
    const { draftId } = actionData(cardOf(form), 'onboarding.review');
    const click = async (verb: string, data: Record<string, unknown>) => {
      const action = cardAction(bot.connector.serviceUrl, person, verb, data, form!.activityId, {
        conversation: { id: GROUP_CHAT, conversationType: 'groupChat', isGroup: true, tenantId: TENANT_ID },
      });
      return invokeResult((await bot.send(action)).body);
    };
    await click('onboarding.review', { draftId, givenName, surname, domain: 'contoso.com', usageLocation: 'US', ticketReference: `INC-31-${++ticketNumber}`, businessJustification: 'Joins Sales.' });
    return click('onboarding.create', { draftId });
  }

  const passwordCardsIn = (conversationId: string) => revealCards(bot, { conversationId });

  it('when no ticket channel is set, then requests are refused with a sentence saying how to set one', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, 'new user');
    await bot.send(message);
    const [reply] = bot.connector.repliesTo(message.id);
    expect(reply?.activity.text).toMatch(/no IT ticket channel is set.*"set ticket channel"/);
    expect(cardsIn(reply!.activity)).toHaveLength(0);

    const set = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL);
    await bot.send(set);
    expect(bot.connector.repliesTo(set.id)[0]?.activity.text).toMatch(/Done/);
  });

  it('when a manager who never chatted 1:1 with the bot requests from a group chat, then the bot opens a 1:1 chat for the reveal card and the group chat never sees the password', async () => {
    const result = await requestInGroupChat(PEOPLE.megan, 'Alex', 'Darrow');
    expect(textOf(result.card!)).toContain('Account created');
    const opened = bot.connector.received.filter((r) => r.operation === 'create-conversation');
    expect(opened.some((r) => JSON.stringify(r.activity).includes(PEOPLE.megan.id))).toBe(true);
    expect(passwordCardsIn(`a:personal:${PEOPLE.megan.id}`)).toHaveLength(1);
    expect(passwordCardsIn(GROUP_CHAT)).toHaveLength(0);
    const groupChatText = bot.connector.received.filter((r) => r.conversationId === GROUP_CHAT).map((r) => JSON.stringify(r.activity)).join('\n');
    const { password } = await clickReveal(bot, PEOPLE.megan, passwordCardsIn(`a:personal:${PEOPLE.megan.id}`)[0]!);
    expect(password).toMatch(/^.{16}$/);
    expect(groupChatText).not.toContain(password);
  });

  it('when Teams refuses the private message (403), then the account stays, the ticket says the password could not be sent, and no password appears anywhere', async () => {
    bot.connector.failConversation(`personal:${PATTI.id}`, 403);
    await requestInGroupChat(PATTI, 'Irvin', 'Sayers');
    const ticketsAboutIrvin = () => bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Irvin Sayers'));
    // IT hears at the first refusal, while the bot still tries again…
    const [first] = ticketsAboutIrvin();
    expect(first?.operation).not.toBe('update');
    expect(textOf(cardsIn(first!.activity)[0]!)).toMatch(/New account, password not delivered yet: Irvin Sayers[\s\S]*DELIVERY_FAILED[\s\S]*Teams refused the message/);
    // …and the same ticket message says so for good once the tries are used up.
    await expect
      .poll(() => textOf(cardsIn(ticketsAboutIrvin().at(-1)!.activity)[0]!), { timeout: 30_000, interval: 500 })
      .toMatch(/needs attention/);
    expect(ticketsAboutIrvin().slice(1).every((r) => r.operation === 'update' && r.activityId === first!.activityId)).toBe(true);
    const ticketText = textOf(cardsIn(ticketsAboutIrvin().at(-1)!.activity)[0]!);
    expect(ticketText).toMatch(/DELIVERY_FAILED/);
    expect(ticketText).toContain('irvin.sayers@contoso.com');
    expect(tenant.directory().users.filter((u) => u.userPrincipalName === 'irvin.sayers@contoso.com')).toHaveLength(1);
    expect(revealCards(bot, { displayName: 'Irvin' })).toHaveLength(0);
  });

  it('when a manager types status, then she sees her recent requests with their state', async () => {
    await expect
      .poll(async () => {
        const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'status');
        await bot.send(message);
        return String(bot.connector.repliesTo(message.id)[0]?.activity.text ?? '');
      }, { timeout: 15_000, interval: 1_000 })
      .toMatch(/Your recent requests:[\s\S]*alex\.darrow@contoso\.com: \*\*done\*\*/);
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.isaiah, 'status');
    await bot.send(message);
    expect(bot.connector.repliesTo(message.id)[0]?.activity.text).toMatch(/no account requests yet/);
  });
});
