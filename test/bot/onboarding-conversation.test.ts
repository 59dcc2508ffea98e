/**
 * The whole conversation over real HTTP: Teams-shaped activities into the bot server, the
 * real Graph client against the local tenant, Azurite for state, and a recording Bot
 * Connector that shows what each person and channel actually received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createTableAuditLog } from '../../src/storage/index.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, TENANT_ID, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';
import { clickReveal, revealCards } from '../support/credentials.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const request = {
  givenName: 'Adele',
  surname: 'Vance',
  domain: 'contoso.com',
  usageLocation: 'US',
  department: 'Marketing',
  employeeType: 'Contractor',
  ticketReference: 'INC-4711',
  businessJustification: 'Joins the Marketing team on Monday.',
};

describe('the onboarding conversation in Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none' }, { tenant, overrides: { createAnswerWithinMs: 20_000 } });
    // An admin makes the Tickets channel the IT ticket channel.
    const set = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL);
    await bot.send(set);
    expect(bot.connector.repliesTo(set.id)[0]?.activity.text).toMatch(/tickets will be posted in this channel/);
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function openForm(person: Person, text = 'new user'): Promise<{ card: Card; messageId: string }> {
    const message = personalMessage(bot.connector.serviceUrl, person, text);
    expect((await bot.send(message)).status).toBe(200);
    const [reply] = bot.connector.repliesTo(message.id);
    return { card: cardOf(reply), messageId: reply!.activityId };
  }

  async function click(person: Person, verb: string, data: Record<string, unknown>, cardMessageId: string) {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, cardMessageId));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }

  const passwordMessagesTo = (person: Person) => revealCards(bot, { conversationId: `a:personal-${person.aadObjectId}` }).map((r) => r.recorded);

  it('when a hiring manager asks for an existing name, checks alternatives and confirms, then one account is created, the password reaches only her 1:1 chat and the UPN only the ticket channel', async () => {
    const { card: form, messageId } = await openForm(PEOPLE.megan);
    expect(textOf(form)).toContain('Request a new account');
    const { draftId } = actionData(form, 'onboarding.review');

    // adele.vance@contoso.com exists in the seed: the form comes back with checked alternatives.
    const taken = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...request }, messageId);
    expect(textOf(taken.card!)).toMatch(/adele\.vance@contoso\.com is already taken/);
    const suggested = /These are free \(checked just now\): ([^,\s]+@contoso\.com)/.exec(textOf(taken.card!))?.[1];
    expect(suggested).toBeDefined();
    expect(tenant.directory().users.some((u) => u.userPrincipalName.toLowerCase() === suggested!.toLowerCase())).toBe(false);

    const review = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...request, alias: suggested!.split('@')[0] }, messageId);
    expect(textOf(review.card!)).toContain(`${suggested} is free. Nothing has been created yet`);
    expect(tenant.directory().users.filter((u) => u.givenName === 'Adele')).toHaveLength(1);

    const result = await click(PEOPLE.megan, 'onboarding.create', { draftId }, messageId);
    const resultText = textOf(result.card!);
    expect(resultText).toContain('Account created');
    expect(resultText).toContain(suggested);

    // The directory has exactly one new account, enabled, unlicensed, must change its password.
    const created = tenant.directory().users.filter((u) => u.userPrincipalName.toLowerCase() === suggested!.toLowerCase());
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ accountEnabled: true, forceChangePasswordNextSignIn: true });

    // The password went to Megan's 1:1 chat only, without the UPN.
    // Megan's 1:1 chat gets a reveal card (whom for, no user name, no secret); Reveal shows her the password.
    const passwordMessages = passwordMessagesTo(PEOPLE.megan);
    expect(passwordMessages).toHaveLength(1);
    const revealCard = cardsIn(passwordMessages[0]!.activity)[0]!;
    const shown = await clickReveal(bot, PEOPLE.megan, { recorded: passwordMessages[0]!, card: revealCard });
    const password = shown.password!;
    expect(password).toHaveLength(16);
    for (const card of [revealCard, shown.card!]) {
      expect(textOf(card)).not.toContain(suggested!.split('@')[0]);
      expect(textOf(card)).toContain('Adele Vance');
    }
    expect(JSON.stringify(revealCard)).not.toContain(password);

    // The ticket channel got the UPN, requester and ticket reference, never the password.
    const tickets = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL);
    expect(tickets.length).toBeGreaterThanOrEqual(1);
    const ticketText = tickets.map((t) => JSON.stringify(t.activity)).join('\n');
    expect(ticketText).toContain(suggested);
    expect(ticketText).toContain('INC-4711');
    expect(ticketText).toContain('Megan Bowen');
    expect(ticketText).toContain(created[0]!.id);
    expect(ticketText).toMatch(/"Time","value":"[A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d{2} [AP]M UTC"/);

    // The password appears nowhere else: in no message at all (only in the answer to Megan's click), the card, or the logs.
    const elsewhere = bot.connector.received.map((r) => JSON.stringify(r.activity));
    expect(elsewhere.join('\n')).not.toContain(password);
    expect(JSON.stringify(result)).not.toContain(password);
    expect(bot.logLines.join('\n')).not.toContain(password);

    // The audit trail tells the story by UPN and by requester, and never holds the password.
    const trail = createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: bot.config.storage.auditTable });
    const byUpn = await trail.query({ userPrincipalName: suggested! });
    expect(byUpn.map((e) => e.type)).toEqual(expect.arrayContaining(['account.created']));
    const byRequester = await trail.query({ requesterId: PEOPLE.megan.aadObjectId });
    expect(byRequester.length).toBeGreaterThanOrEqual(byUpn.length);
    expect(JSON.stringify(byRequester)).not.toContain(password);

    // A double click on Create changes nothing: same result, still one account, one password.
    const again = await click(PEOPLE.megan, 'onboarding.create', { draftId }, messageId);
    expect(textOf(again.card!)).toContain('Account created');
    expect(tenant.directory().users.filter((u) => u.userPrincipalName.toLowerCase() === suggested!.toLowerCase())).toHaveLength(1);
    expect(passwordMessagesTo(PEOPLE.megan)).toHaveLength(1);
  });

  it('when the form has invalid fields, then the card comes back with every problem next to its field and the typed values kept', async () => {
    const { card, messageId } = await openForm(PEOPLE.megan);
    const { draftId } = actionData(card, 'onboarding.review');
    const result = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...request, usageLocation: 'XX', domain: 'northwind.example', ticketReference: '', givenName: 'Zoë' }, messageId);
    const text = textOf(result.card!);
    expect(text).toMatch(/Please correct the \d+ fields marked below/);
    expect(text).toContain('Zoë');
    expect(result.card!.body!.length).toBeGreaterThan(0);
    const errors = text.split('\n').filter((line) => /usage location|domain|ticket reference/i.test(line));
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it('when someone asks again for a person this bot already made an account for, then the review shows that account and nothing is one click away', async () => {
    const details = { ...request, givenName: 'Ines', surname: 'Twice', ticketReference: 'INC-2001' };
    const first = await openForm(PEOPLE.megan);
    const firstDraft = actionData(first.card, 'onboarding.review').draftId;
    await click(PEOPLE.megan, 'onboarding.review', { draftId: firstDraft, ...details }, first.messageId);
    const created = await click(PEOPLE.megan, 'onboarding.create', { draftId: firstDraft }, first.messageId);
    expect(textOf(created.card!)).toContain('Account created for Ines Twice');

    // Alex, another requester, asks for the same person days later, under another ticket.
    const again = await openForm(PEOPLE.alex);
    const againDraft = actionData(again.card, 'onboarding.review').draftId;
    const logFrom = tenant.requestLog().length;
    const warnedCard = (await click(PEOPLE.alex, 'onboarding.review', { draftId: againDraft, ...details, ticketReference: 'INC-2002' }, again.messageId)).card!;
    const warned = textOf(warnedCard);
    // The taken account is read once: the check's read also tells whose it is.
    expect(tenant.requestLog().slice(logFrom).filter((e) => e.method === 'GET' && /ines\.twice@/i.test(decodeURIComponent(`${e.path}?${e.query}`)))).toHaveLength(1);
    expect(warned).toMatch(/I already created ines\.twice@contoso\.com for the same name on [A-Z][a-z]+ \d{1,2}, \d{4}, requested by Megan Bowen\. If this is the same person, they already have an account: press Cancel\./);
    expect(warned).toContain('Yes, create a second account');
    expect(JSON.stringify(warnedCard)).toMatch(/"type":"Input.Toggle","id":"confirmSecondAccount"/);
    const refused = await click(PEOPLE.alex, 'onboarding.create', { draftId: againDraft, confirmSecondAccount: 'false' }, again.messageId);
    expect(refused.message).toMatch(/Nothing was created/);
    expect(tenant.directory().users.filter((u) => u.givenName === 'Ines' && u.surname === 'Twice')).toHaveLength(1);

    // A taken name that this bot did not create gets no such sentence.
    const other = await openForm(PEOPLE.megan);
    const otherDraft = actionData(other.card, 'onboarding.review').draftId;
    const plain = textOf((await click(PEOPLE.megan, 'onboarding.review', { draftId: otherDraft, ...request }, other.messageId)).card!);
    expect(plain).toMatch(/adele\.vance@contoso\.com is already taken/);
    expect(plain).not.toContain('already created');
  });

  it('when the manager is typed as a name, then one match becomes their user name, and no match or several are explained next to the field', async () => {
    const { card, messageId } = await openForm(PEOPLE.megan);
    const { draftId } = actionData(card, 'onboarding.review');
    const details = { ...request, givenName: 'Maren', surname: 'Managerbyname' };
    const logFrom = tenant.requestLog().length;
    const found = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...details, manager: 'megan bowen' }, messageId);
    expect(textOf(found.card!)).toContain('maren.managerbyname@contoso.com is free');
    expect(textOf(found.card!)).toMatch(/Manager\nmegan\.bowen@contoso\.com/);
    // Found by name once; not read a second time by user name.
    expect(tenant.requestLog().slice(logFrom).filter((e) => /megan\.bowen/i.test(e.path))).toHaveLength(0);

    const unknownUpn = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...details, manager: 'nobody.here@contoso.com' }, messageId);
    expect(textOf(unknownUpn.card!)).toContain("No one with the user name nobody.here@contoso.com is in the directory. Check the spelling, or type the manager's full name.");

    const missing = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...details, manager: 'Nobody Here' }, messageId);
    const text = textOf(missing.card!);
    expect(text).toContain("No one named Nobody Here is in the directory. Type the manager's user name");
    expect(text).toMatch(/Please correct the field marked below/);
    expect(text).toContain('Nobody Here'); // the typed value is kept
  });

  it('when someone else clicks a manager\'s card, then they are refused and nothing changes', async () => {
    const { card, messageId } = await openForm(PEOPLE.megan);
    const { draftId } = actionData(card, 'onboarding.review');
    const usersBefore = tenant.directory().users.length;
    const result = await click(PEOPLE.alex, 'onboarding.create', { draftId }, messageId);
    expect(result.message).toMatch(/Only the person who started this request/);
    expect(tenant.directory().users.length).toBe(usersBefore);
  });

  it('when a person who is neither a hiring manager nor an admin asks, then they are told who to ask and no form opens', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.isaiah, 'new user');
    await bot.send(message);
    const [reply] = bot.connector.repliesTo(message.id);
    // The refusal names whom to ask by the groups' names in Entra.
    expect(reply?.activity.text).toBe('Only hiring managers and IT admins can request accounts. Ask a member of “Onboarding Admins” to add you to “Hiring Managers” in Entra ID.');
    expect(cardsIn(reply!.activity)).toHaveLength(0);
  });

  it('when a message comes from another tenant, then the bot does nothing at all', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user', {
      channelData: { tenant: { id: '11111111-2222-4333-8444-555555555555' } },
      conversation: { id: 'a:foreign', conversationType: 'personal', tenantId: '11111111-2222-4333-8444-555555555555' },
    });
    const before = bot.connector.received.length;
    expect((await bot.send(message)).status).toBe(200);
    expect(bot.connector.received.length).toBe(before);
    // The refusal is audited and logged once, tied to the turn that carried it.
    const refusal = bot.logLines.map((line) => JSON.parse(line) as { msg: string; turnId?: string }).filter((l) => l.msg === 'refused: FOREIGN_TENANT');
    expect(refusal.at(-1)?.turnId).toMatch(/^[0-9a-f-]{36}$/);
    expect(TENANT_ID).not.toBe('11111111-2222-4333-8444-555555555555');
  });

  it.each([
    ['no serviceUrl', { serviceUrl: undefined }],
    ['no recipient', { recipient: undefined }],
    ['no from', { from: undefined }],
    ['a public serviceUrl in local mode', { serviceUrl: 'https://smba.trafficmanager.net/amer/' }],
  ])('when an activity has %s, then it is refused with 400 and the bot keeps serving', async (_case, override) => {
    const message = { ...personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help'), ...override };
    expect((await bot.send(message)).status).toBe(400);
    const ok = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help');
    expect((await bot.send(ok)).status).toBe(200);
  });

  it('when a manager describes the request in a sentence, then the form opens prefilled and nothing is created', async () => {
    const usersBefore = tenant.directory().users.length;
    const { card } = await openForm(PEOPLE.megan, 'please create an account for Lidia Holloway, Marketing, contractor, starts 1 Dec, ticket INC-4712');
    const text = textOf(card);
    expect(text).toContain('Lidia');
    expect(text).toContain('Holloway');
    expect(text).toContain('INC-4712');
    expect(tenant.directory().users.length).toBe(usersBefore);
  });
});
