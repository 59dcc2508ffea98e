/**
 * Card data is untrusted: whatever a click carries — wrong types, huge fields, odd Unicode,
 * filter and markup injection, forged ids and hidden fields — the person gets a clear
 * answer, the bot keeps serving, nothing unexpected is logged, and the directory is not
 * touched. Over the real HTTP path with the local tenant and Azurite.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf, type Card } from '../support/cards.js';
import { revealCards } from '../support/credentials.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const FORM_FIELDS = [
  'givenName', 'surname', 'displayName', 'alias', 'domain', 'usageLocation', 'jobTitle', 'department', 'employeeType',
  'companyName', 'officeLocation', 'startDate', 'manager', 'ticketReference', 'businessJustification',
] as const;
const VERBS = ['onboarding.review', 'onboarding.edit', 'onboarding.create', 'onboarding.cancel', 'onboarding.result', 'onboarding.approve', 'onboarding.reject'];
const validForm = {
  givenName: 'Nora', surname: 'Fuzzwell', domain: 'contoso.com', usageLocation: 'US',
  ticketReference: 'INC-6000', businessJustification: 'Joins the Finance team.',
};

describe('bad input on every card action', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    // Hundreds of generated inputs into one chat within seconds go far past Teams' 60 messages per
    // 30 s per chat; this file is about input, not rates (test/bot/connector-retry.test.ts is), so
    // the stand-in's rates are off here.
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none', REQUESTS_PER_HOUR_PER_REQUESTER: '1000', REQUESTS_PER_HOUR_TOTAL: '1000' }, {
      tenant, overrides: { createAnswerWithinMs: 20_000 }, connector: { rateLimits: false },
    });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const liveUsers = () => tenant.directory().users.filter((u) => !u.deletedDateTime).length;
  const problemsLogged = () =>
    bot.logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((l) => l.level >= 50);

  async function openForm(person: Person): Promise<{ draftId: string; messageId: string }> {
    const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
    await bot.send(message);
    const reply = bot.connector.repliesTo(message.id)[0];
    return { draftId: String(actionData(cardOf(reply), 'onboarding.review').draftId), messageId: reply!.activityId };
  }

  async function click(person: Person, verb: string, data: unknown, messageId: string) {
    const activity = cardAction(bot.connector.serviceUrl, person, verb, {}, messageId);
    (activity.value as { action: { data: unknown } }).action.data = data;
    const response = await bot.send(activity);
    return { status: response.status, answer: response.status === 200 ? invokeResult(response.body) : undefined, bytes: JSON.stringify(response.body ?? '').length };
  }

  it('property: any data on any card action gets a card or a sentence, never an error, and creates nothing', async () => {
    const usersBefore = liveUsers();
    const REAL_DRAFT = '<the draft of a form just opened>';
    const oddText = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(
        '', ' ', '\u202Eecnav.eleda', 'Ad\u200Bele', 'Ａｄｅｌｅ', 'a\u0000b', '😀', "o'brien", "x' or startswith(userPrincipalName,'a')",
        '$admin', '#hash', '../../users', '<script>alert(1)</script>', '**bold** [link](https://evil.example)', '${givenName}', '{{x}}',
        'A'.repeat(5_000), 'contoso.com', 'evil.example', 'US', 'ZZ', '2030-02-30', '0000-01-01',
      ),
    );
    const value = fc.oneof(oddText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(oddText, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), oddText, { maxKeys: 3 }));
    const data = fc.oneof(
      // A form as the card would send it, each field odd or of the wrong type, with the real draft id or a forged one.
      fc.record({
        draftId: fc.oneof(fc.constant(REAL_DRAFT), fc.constant(REAL_DRAFT), fc.uuid(), value),
        ...Object.fromEntries(FORM_FIELDS.map((field) => [field, value])),
      }, { requiredKeys: [] }),
      fc.record({ requestId: fc.oneof(fc.uuid(), value), reason: value }, { requiredKeys: [] }),
      value,
    );

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VERBS), data, async (verb, generated) => {
        // Each try gets a form of its own, so one try's Cancel can't blunt the next.
        const { draftId, messageId } = await openForm(PEOPLE.megan);
        const payload = generated && typeof generated === 'object' && !Array.isArray(generated) && (generated as { draftId?: unknown }).draftId === REAL_DRAFT
          ? { ...generated, draftId }
          : generated;
        const { status, answer, bytes } = await click(PEOPLE.megan, verb, payload, messageId);
        expect(status).toBe(200);
        expect(answer?.card ?? answer?.message).toBeDefined();
        if (answer?.message !== undefined) expect(answer.message.length).toBeGreaterThan(10);
        // Whatever was typed, the answer stays within what Teams shows (about 28 KB for a card).
        expect(bytes).toBeLessThan(28_000);
      }),
      { numRuns: 120, seed: 4711 },
    );
    expect(liveUsers()).toBe(usersBefore);
    expect(problemsLogged()).toEqual([]);
  });

  it('property: any message text gets an answer, never an error, and creates nothing', async () => {
    const usersBefore = liveUsers();
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.constantFrom(
        'new user', 'NEW USER please', 'status', 'help', 'audit', 'set ticket channel', '<at>Onboarding</at> new user',
        'please create an account for \u202Eecnav eleda, ticket INC-1', "create an account for x' or 1 eq 1, ticket INC-2",
        'please create an account for Ada Lovelace, starts 31 Feb, ticket INC-3', 'create an account for ' + 'Ab '.repeat(3_000),
        'onboard 😀 🙂', '\u0000\u0001', '   ',
      ),
    );
    await fc.assert(
      fc.asyncProperty(text, async (typed) => {
        const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, typed);
        expect((await bot.send(message)).status).toBe(200);
        const replies = bot.connector.repliesTo(message.id);
        expect(replies.length).toBeGreaterThan(0);
        expect(JSON.stringify(replies.map((r) => r.activity)).length).toBeLessThan(40_000);
      }),
      { numRuns: 80, seed: 1207 },
    );
    expect(liveUsers()).toBe(usersBefore);
    expect(problemsLogged()).toEqual([]);
  });

  it('when a field is far too long or carries control characters, then the card names the field and keeps serving', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const { answer } = await click(PEOPLE.megan, 'onboarding.review', {
      draftId, ...validForm, givenName: 'N'.repeat(200_000), surname: 'Fuzz\u202Ewell', jobTitle: 'Clerk\u0007',
    }, messageId);
    const text = textOf(answer!.card!);
    // The 200,000 characters are not echoed back: the card stays within what Teams shows.
    expect(JSON.stringify(answer).length).toBeLessThan(28_000);
    expect(text).toMatch(/Please correct the \d+ fields marked below/);
    expect(text).toMatch(/given name/i);
    expect(text).toMatch(/surname|last name/i);
    expect(liveUsers()).toBeGreaterThan(0);
  });

  it('when Create carries forged hidden fields, then the reviewed draft decides what is created, for whom', async () => {
    const { draftId, messageId } = await openForm(PEOPLE.megan);
    const review = await click(PEOPLE.megan, 'onboarding.review', { draftId, ...validForm }, messageId);
    expect(textOf(review.answer!.card!)).toContain('nora.fuzzwell@contoso.com is free');
    const { answer } = await click(PEOPLE.megan, 'onboarding.create', {
      draftId, userPrincipalName: 'megan.bowen@contoso.com', alias: 'ceo', givenName: 'Mallory', requesterId: PEOPLE.alex.aadObjectId,
      requester: { id: PEOPLE.alex.aadObjectId, name: 'Alex Wilber' }, requestId: '00000000-0000-4000-8000-000000000001', role: 'admin',
    }, messageId);
    expect(textOf(answer!.card as Card)).toContain('Account created');
    const made = tenant.directory().users.filter((u) => u.userPrincipalName === 'nora.fuzzwell@contoso.com');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ givenName: 'Nora', surname: 'Fuzzwell' });
    expect(tenant.directory().users.some((u) => u.userPrincipalName.startsWith('ceo@') || u.givenName === 'Mallory')).toBe(false);
    // The reveal card went to Megan, who reviewed it — not to the forged requester.
    const passwordTo = (person: Person) => revealCards(bot, { conversationId: `a:personal-${person.aadObjectId}` });
    expect(passwordTo(PEOPLE.megan)).toHaveLength(1);
    expect(passwordTo(PEOPLE.alex)).toHaveLength(0);
  });
});
