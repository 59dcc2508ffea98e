/**
 * The credentials' journey over the real HTTP path: a reveal card that holds no secret, the
 * secret only in the answer to the recipient's own Reveal click, refusals for anyone else,
 * Teams refusing a proactive message (the caller hears it), and reissue by an admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';
import { clickReveal, requestAccount, revealCards } from '../support/credentials.js';
import { clockThatCanJump } from '../support/clock.js';
import { cardRefresh } from '../support/activities.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

/** One ticket per account: a reused ticket reference asks for a confirmation on the review card. */
let ticketNumber = 0;

describe('credentials over Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'none', RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '1' },
      { tenant, overrides: { createAnswerWithinMs: 20_000 } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const personalChatOf = (person: Person) => `a:personal-${person.aadObjectId}`;

  const request = async (person: Person, givenName: string, surname: string, beforeCreate?: () => void): Promise<Card> =>
    (await requestAccount(bot, person, { givenName, surname, ticketReference: `INC-77-${++ticketNumber}` }, beforeCreate)).card!;

  it('when the account is created, then the 1:1 chat gets a reveal card with no secret that refreshes for the recipient only', async () => {
    const result = await request(PEOPLE.megan, 'Grady', 'Archie');
    expect(textOf(result)).toContain('Account created');
    const [reveal, ...more] = revealCards(bot, { conversationId: personalChatOf(PEOPLE.megan), displayName: 'Grady Archie' });
    expect(more).toHaveLength(0);
    const text = textOf(reveal!.card);
    expect(text).toContain('Ticket');
    expect(text).toContain('INC-77');
    expect(text).toMatch(/Reveal before [A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d{2} [AP]M UTC/);
    expect(text).not.toContain('grady.archie');
    expect((reveal!.card as { refresh?: { userIds?: string[] } }).refresh?.userIds).toEqual([PEOPLE.megan.id]);
  });

  it('when the recipient clicks Reveal, then only the invoke response holds the password: nothing is posted or updated, and Hide shows where things stand', async () => {
    const reveal = revealCards(bot, { displayName: 'Grady Archie' })[0]!;
    const before = bot.connector.received.length;
    const shown = await clickReveal(bot, PEOPLE.megan, reveal);
    expect(shown.password).toMatch(/^.{16}$/);
    expect(textOf(shown.card!)).toMatch(/Give it to Grady Archie in person or by phone/);
    // It hides itself when Teams shows it again: a refresh for Megan alone, which never brings the secret back.
    expect((shown.card as { refresh?: unknown }).refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'credentials.status', data: actionData(shown.card!, 'credentials.hide') },
      userIds: [PEOPLE.megan.id],
    });
    // Nothing went through the Bot Connector: no message, and no update of the card for everyone.
    expect(bot.connector.received.slice(before)).toEqual([]);

    const hidden = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'credentials.hide', actionData(shown.card!, 'credentials.hide'), reveal.recorded.activityId))).body);
    expect(textOf(hidden.card!)).toMatch(/You revealed a temporary password for Grady Archie at [\s\S]*show it again until/);
    expect(JSON.stringify(hidden)).not.toContain(shown.password);
    // A second Reveal within the grace period still works, and it is still the same password.
    expect((await clickReveal(bot, PEOPLE.megan, reveal)).password).toBe(shown.password);
    expect(bot.connector.received.slice(before)).toEqual([]);
    expect(bot.logLines.join('\n')).not.toContain(shown.password);
  });

  it('when someone else clicks Reveal on the card, then they are refused, nothing is shown, and the refusal is logged', async () => {
    const reveal = revealCards(bot, { displayName: 'Grady Archie' })[0]!;
    const answer = await clickReveal(bot, PEOPLE.isaiah, reveal);
    expect(answer.message).toBe('Only Megan Bowen can reveal these credentials; your click was recorded and nothing was shown.');
    expect(answer.password).toBeUndefined();
    expect(bot.logLines.filter((line) => line.includes('refused: NOT_THE_RECIPIENT'))).toHaveLength(1);
  });

  it('when Teams refuses the reveal card once in an existing 1:1 chat (403), then the request is not called delivered, IT hears it, nobody is told something false, and the next try delivers it', async () => {
    // Alex's 1:1 chat exists (he asks there); from Create on, Teams refuses the next message to it.
    const result = await request(PEOPLE.alex, 'Lidia', 'Holloway', () => bot.connector.failConversation(personalChatOf(PEOPLE.alex), 403, undefined, 1));
    expect(textOf(result)).not.toContain('Something went wrong');
    const tickets = () => bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Lidia Holloway'));
    const firstTicket = textOf(cardsIn(tickets()[0]!.activity)[0]!);
    expect(firstTicket).toMatch(/password not delivered yet: Lidia Holloway[\s\S]*DELIVERY_FAILED[\s\S]*Teams refused the message/);
    // The resume pass tries again and the card arrives; only then is the account "ready".
    await expect.poll(() => revealCards(bot, { displayName: 'Lidia Holloway' }).length, { timeout: 30_000, interval: 500 }).toBe(1);
    await expect.poll(() => textOf(cardsIn(tickets().at(-1)!.activity)[0]!), { timeout: 30_000, interval: 500 }).toMatch(/New account ready/);
    const toAlex = bot.connector.received.filter((r) => r.conversationId === personalChatOf(PEOPLE.alex)).map((r) => JSON.stringify(r.activity)).join('\n');
    expect(toAlex).not.toContain('Something went wrong');
    expect((await clickReveal(bot, PEOPLE.alex, revealCards(bot, { displayName: 'Lidia Holloway' })[0]!)).password).toMatch(/^.{16}$/);
  });

  it('when the requester reads dates in Paris time, then the ticket and the reveal card posted outside her turns show times in her zone', async () => {
    await requestAccount(bot, PEOPLE.megan, { givenName: 'Celine', surname: 'Dumont', ticketReference: 'INC-PARIS' }, undefined, { locale: 'fr-FR', localTimezone: 'Europe/Paris' });
    const ticket = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Celine Dumont')).at(-1)!;
    expect(textOf(cardsIn(ticket.activity)[0]!)).toMatch(/UTC\+1|GMT\+1|UTC\+01|GMT\+01/);
    const reveal = revealCards(bot, { displayName: 'Celine Dumont' })[0]!;
    expect(textOf(reveal.card)).toMatch(/décembre|novembre|UTC\+1|GMT\+1|UTC\+01/);
  });

  it('when an admin types reissue in the ticket channel, then the account gets a new password and the recipient a new reveal card; the first card now says it is gone', async () => {
    const first = revealCards(bot, { displayName: 'Grady Archie' })[0]!;
    const firstPassword = (await clickReveal(bot, PEOPLE.megan, first)).password;
    const command = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'reissue grady.archie@contoso.com', TICKET_CHANNEL);
    await bot.send(command);
    expect(bot.connector.repliesTo(command.id)[0]?.activity.text).toMatch(/^Reissuing the credentials of grady\.archie@contoso\.com/);
    await expect.poll(() => revealCards(bot, { displayName: 'Grady Archie' }).length, { timeout: 20_000 }).toBe(2);
    const second = revealCards(bot, { displayName: 'Grady Archie' })[1]!;
    expect(textOf(second.card)).toContain('(reissued)');
    const fresh = await clickReveal(bot, PEOPLE.megan, second);
    expect(fresh.password).toMatch(/^.{16}$/);
    expect(fresh.password).not.toBe(firstPassword);
    const old = await clickReveal(bot, PEOPLE.megan, first);
    expect(old.password).toBeUndefined();
    expect(textOf(old.card!)).toMatch(/were replaced by a reissue and no longer work/);

    // Someone who is not an admin cannot.
    const denied = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'reissue grady.archie@contoso.com');
    await bot.send(denied);
    expect(bot.connector.repliesTo(denied.id)[0]?.activity.text).toMatch(/^Only IT admins can reissue credentials/);
    // An account the bot did not create is refused with a sentence.
    const notOurs = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'reissue adele.vance@contoso.com', TICKET_CHANNEL);
    await bot.send(notOurs);
    expect(bot.connector.repliesTo(notOurs.id)[0]?.activity.text).toMatch(/was not created by this bot/);
  });
});

/**
 * The revealed card hides itself when its time is up: Teams refreshes a user-specific card when it
 * shows it again ("User Specific Views": the card refreshes on display, and opening the chat
 * refreshes it, https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views),
 * and the answer to that refresh is never the secret: the hidden card while it can still be shown
 * again, the deleted card after — and nothing is ever posted.
 */
describe('a revealed card left on screen', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  const clock = clockThatCanJump();

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none', REVEAL_GRACE_MINUTES: '10' }, { tenant, overrides: { cardAnswerWithinMs: 20_000, clock } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when Teams shows the revealed card again, then it is hidden (revealable again until the grace ends), and after that it says the credentials are deleted; the secret is never in a refresh and nothing is posted', async () => {
    await requestAccount(bot, PEOPLE.megan, { givenName: 'Hana', surname: 'Hideaway', ticketReference: 'INC-HIDE-1' });
    const reveal = revealCards(bot, { displayName: 'Hana Hideaway' })[0]!;
    const shown = await clickReveal(bot, PEOPLE.megan, reveal);
    expect(shown.password).toMatch(/^.{16}$/);
    const refresh = (shown.card as unknown as { refresh: { action: { verb: string; data: Record<string, unknown> } } }).refresh;
    const before = bot.connector.received.length;
    const refreshed = async () =>
      invokeResult((await bot.send(cardRefresh(bot.connector.serviceUrl, PEOPLE.megan, refresh.action.verb, refresh.action.data, reveal.recorded.activityId))).body);

    const soon = await refreshed();
    expect(textOf(soon.card!)).toMatch(/You revealed a temporary password for Hana Hideaway at [\s\S]*show it again until/);
    expect(JSON.stringify(soon)).not.toContain(shown.password);

    clock.jump(11 * 60_000);
    const later = await refreshed();
    expect(textOf(later.card!)).toMatch(/You revealed a temporary password for Hana Hideaway at [\s\S]*it has been deleted since/);
    expect(JSON.stringify(later)).not.toContain(shown.password);
    expect((later.card as { refresh?: unknown }).refresh).toBeUndefined();
    // Pressing Reveal on the old card shows nothing any more.
    expect((await clickReveal(bot, PEOPLE.megan, reveal)).password).toBeUndefined();
    expect(bot.connector.received.slice(before)).toEqual([]);
  });
});

