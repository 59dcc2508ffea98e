/**
 * Failing closed leaves a trace: every refusal is one audit event (who, what, why) and one
 * warn line, and admins list them with `audit refusals`. And a duplicate click never costs
 * a rate-limit slot: 20 Create clicks on one card are one request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { exportAuditCsv } from '../support/audit-export.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const FOREIGN_TENANT = '11111111-2222-4333-8444-555555555555';
const GUEST = { id: '29:guest', name: 'A Guest' } as unknown as Person;

describe('refusals and duplicate clicks', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'all', REQUESTS_PER_HOUR_PER_REQUESTER: '3', ROLE_CACHE_SECONDS: '0' },
      { tenant, overrides: { createAnswerWithinMs: 20_000 } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const click = async (person: Person, verb: string, data: Record<string, unknown>, replyToId = 'card-1') =>
    invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, replyToId))).body);

  /** Opens a form and checks the details; returns what Create needs. */
  async function reviewed(person: Person, givenName: string, surname: string) {
    const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
    await bot.send(message);
    const reply = bot.connector.repliesTo(message.id)[0];
    const { draftId } = actionData(cardOf(reply), 'onboarding.review');
    const review = await click(person, 'onboarding.review', {
      draftId, givenName, surname, domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-12', businessJustification: 'New starter.',
    }, reply!.activityId);
    expect(textOf(review.card!)).toContain('Nothing has been created yet');
    return { draftId, cardId: reply!.activityId };
  }
  const answerText = (answer: { card?: Parameters<typeof textOf>[0]; message?: string }) => (answer.card ? textOf(answer.card) : answer.message ?? '');
  const approvalCards = () => bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && cardsIn(r.activity).some((c) => textOf(c).startsWith('Approval needed')));

  /** The log lines one action wrote. */
  async function linesOf(action: () => Promise<unknown>) {
    const before = bot.logLines.length;
    await action();
    return bot.logLines.slice(before).map((line) => JSON.parse(line) as { level: string; msg: string; refusal?: Record<string, unknown> });
  }
  const refusalLines = (lines: { level: string; msg: string; refusal?: Record<string, unknown> }[]) => lines.filter((line) => line.level === 'warn');

  it('when 20 Create clicks on one card arrive at once, then they make one request and cost one rate-limit slot, so the next two requests still go through', async () => {
    const { draftId, cardId } = await reviewed(PEOPLE.megan, 'Nestor', 'Wilke');
    const answers = await Promise.all(Array.from({ length: 20 }, () => click(PEOPLE.megan, 'onboarding.create', { draftId }, cardId)));
    expect(answers.map(answerText).filter((text) => /most allowed/.test(text))).toEqual([]);
    await expect.poll(() => approvalCards().filter((r) => JSON.stringify(r.activity).includes('nestor.wilke')).length, { timeout: 20_000 }).toBe(1);

    // The limit is 3 an hour: two more requests are taken…
    for (const [given, surname] of [['Joni', 'Sherman'], ['Lidia', 'Holloway']] as const) {
      const next = await reviewed(PEOPLE.megan, given, surname);
      expect(answerText(await click(PEOPLE.megan, 'onboarding.create', { draftId: next.draftId }, next.cardId))).toContain('Waiting for approval');
    }
    // …and the fourth is refused, audited and logged once; clicking again says the same and costs nothing.
    const fourth = await reviewed(PEOPLE.megan, 'Miriam', 'Graham');
    let refused = '';
    const lines = await linesOf(async () => {
      refused = answerText(await click(PEOPLE.megan, 'onboarding.create', { draftId: fourth.draftId }, fourth.cardId));
    });
    expect(refused).toMatch(/You have made 3 account requests in the last hour, the most allowed/);
    expect(refusalLines(lines).map((line) => line.msg)).toEqual(['refused: RATE_LIMITED']);
    expect(refusalLines(lines)[0]?.refusal).toMatchObject({ reason: 'RATE_LIMITED', action: 'create', personId: PEOPLE.megan.aadObjectId, personName: 'Megan Bowen' });
    expect(answerText(await click(PEOPLE.megan, 'onboarding.create', { draftId: fourth.draftId }, fourth.cardId))).toMatch(/the most allowed/);
    expect(tenant.directory().users.filter((u) => u.givenName === 'Miriam')).toHaveLength(0);
  });

  it.each<[string, () => Promise<unknown>, string, Partial<Record<string, unknown>>]>([
    ['someone else\'s card', async () => {
      const { draftId, cardId } = await reviewed(PEOPLE.alex, 'Pradeep', 'Gupta');
      await click(PEOPLE.isaiah, 'onboarding.create', { draftId }, cardId);
    }, 'NOT_YOUR_FORM', { personId: PEOPLE.isaiah.aadObjectId, action: 'create' }],
    ['a non-admin\'s approval', async () => {
      const { requestId } = actionData(cardsIn(approvalCards().at(-1)!.activity)[0]!, 'onboarding.approve');
      await click(PEOPLE.isaiah, 'onboarding.approve', { requestId });
    }, 'NOT_AN_APPROVER', { personId: PEOPLE.isaiah.aadObjectId, action: 'approve' }],
    ['a self-approval', async () => {
      const { draftId, cardId } = await reviewed(PEOPLE.alex, 'Grady', 'Archie');
      await click(PEOPLE.alex, 'onboarding.create', { draftId }, cardId);
      const card = approvalCards().map((r) => cardsIn(r.activity)[0]!).find((c) => textOf(c).includes('grady.archie'))!;
      await click(PEOPLE.alex, 'onboarding.approve', { requestId: actionData(card, 'onboarding.approve').requestId });
    }, 'OWN_REQUEST', { personId: PEOPLE.alex.aadObjectId, action: 'approve' }],
    ['a person who may not request', () => bot.send(personalMessage(bot.connector.serviceUrl, PEOPLE.isaiah, 'new user')),
      'NOT_ALLOWED_TO_REQUEST', { personId: PEOPLE.isaiah.aadObjectId }],
    ['another tenant', () => bot.send(personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user', {
      channelData: { tenant: { id: FOREIGN_TENANT } }, conversation: { id: 'a:foreign', conversationType: 'personal', tenantId: FOREIGN_TENANT },
    })), 'FOREIGN_TENANT', { detail: `tenant ${FOREIGN_TENANT}` }],
    ['an unknown person (no Entra id)', () => bot.send(personalMessage(bot.connector.serviceUrl, GUEST, 'new user')), 'UNKNOWN_PERSON', { personId: null }],
    ['a non-admin reading the audit trail', () => bot.send(personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'audit from 2020-01-01')),
      'ADMINS_ONLY', { action: 'audit', personId: PEOPLE.megan.aadObjectId }],
    ['a non-admin choosing the ticket channel', () => bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.megan, 'set ticket channel', TICKET_CHANNEL)),
      'ADMINS_ONLY', { action: 'set ticket channel' }],
  ])('when the bot refuses %s, then one warn line and one audit event say who, what and why', async (_case, act, reason, facts) => {
    const lines = refusalLines(await linesOf(act));
    expect(lines.map((line) => line.msg)).toEqual([`refused: ${reason}`]);
    expect(lines[0]?.refusal).toMatchObject({ reason, ...facts });
  });

  it('when an admin asks for "audit refusals", then every kind of refusal is listed and nobody else may ask', async () => {
    // In the 1:1 chat the CSV is a file: Alex allows it, and reads what the bot saved.
    const csv = await exportAuditCsv(bot, PEOPLE.alex, 'audit refusals csv');
    for (const reason of ['RATE_LIMITED', 'NOT_YOUR_FORM', 'NOT_AN_APPROVER', 'OWN_REQUEST', 'NOT_ALLOWED_TO_REQUEST', 'FOREIGN_TENANT', 'UNKNOWN_PERSON', 'ADMINS_ONLY']) {
      expect(csv).toContain(reason);
    }
    expect(csv).not.toContain('request.received');
    const card = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, 'audit refusals');
    await bot.send(card);
    expect(textOf(cardsIn(bot.connector.repliesTo(card.id)[0]!.activity)[0]!)).toContain('Isaiah Langer · approve · NOT_AN_APPROVER');
  });
});
