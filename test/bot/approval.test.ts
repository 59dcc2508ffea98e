/**
 * Who may do what, over the real HTTP path: the approval policy (approval card in the
 * ticket channel, only admins' clicks count, no self-approval, roles re-checked fresh),
 * rate limits, and card data that does not belong to the clicker.
 */
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { revealCards } from '../support/credentials.js';
import { clockRunningFrom } from '../support/clock.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const HIRING_MANAGERS = '6a1d3f0e-0000-4000-8000-0000000000b1';
const PATTI = { id: '29:patti', name: 'Patti Fernandez', aadObjectId: '00000000-0000-4000-8000-000000000024' } as const;
// The hourly limit counts in windows of a clock hour. The bot's clock starts 20 minutes into
// one, so every request here falls in the same window (the suite takes far less than 40
// minutes) and "try again" is always in minutes, whenever the suite runs and however slowly.
const HOUR_MS = 3_600_000;
const clock = clockRunningFrom(new Date('2025-03-03T09:20:00Z'));

/** One ticket per account: a reused ticket reference asks for a confirmation on the review card. */
let ticketNumber = 0;

describe('approval policy "non-admins" and rate limits', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'non-admins', REQUESTS_PER_HOUR_PER_REQUESTER: '3', ROLE_CACHE_SECONDS: '0' },
      { tenant, overrides: { createAnswerWithinMs: 20_000, clock } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function click(person: Person, verb: string, data: Record<string, unknown>, replyToId: string, channel = false) {
    const activity = cardAction(bot.connector.serviceUrl, person, verb, data, replyToId, channel
      ? { conversation: { id: `${TICKET_CHANNEL};messageid=1`, conversationType: 'channel', isGroup: true, tenantId: bot.config.tenantId } }
      : {});
    const response = await bot.send(activity);
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }

  /** Opens the form, checks the details and presses Create; returns the result card text and request id. */
  async function request(person: Person, givenName: string, surname: string) {
    const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
    await bot.send(message);
    const reply = bot.connector.repliesTo(message.id)[0];
    const { draftId } = actionData(cardOf(reply), 'onboarding.review');
    const form = { draftId, givenName, surname, domain: 'contoso.com', usageLocation: 'US', ticketReference: `INC-9-${++ticketNumber}`, businessJustification: 'New starter.' };
    const review = await click(person, 'onboarding.review', form, reply!.activityId);
    expect(textOf(review.card!)).toContain('Nothing has been created yet');
    const created = await click(person, 'onboarding.create', { draftId }, reply!.activityId);
    return { text: created.card ? textOf(created.card) : created.message!, draftId, cardMessageId: reply!.activityId };
  }

  const approvalCards = () =>
    bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && cardsIn(r.activity).some((c) => textOf(c).startsWith('Approval needed')));
  const accountsNamed = (givenName: string) => tenant.directory().users.filter((u) => u.givenName === givenName && !u.deletedDateTime);
  const noticesTo = (person: Person) => bot.connector.received.filter((r) => r.conversationId === `a:personal-${person.aadObjectId}` && typeof r.activity.text === 'string').map((r) => String(r.activity.text));

  it('when a hiring manager presses Create, then nothing is created, she is told it waits for approval, and the ticket channel gets an approval card without any password', async () => {
    const { text } = await request(PEOPLE.megan, 'Nestor', 'Wilke');
    expect(text).toContain('Waiting for approval');
    expect(accountsNamed('Nestor')).toHaveLength(0);
    const card = cardsIn(approvalCards().at(-1)!.activity)[0]!;
    expect(textOf(card)).toContain('nestor.wilke@contoso.com');
    expect(card.actions?.map((a) => a.verb)).toEqual(['onboarding.approve', 'onboarding.reject']);
    // `status` says it in words, not as a state name.
    const status = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'status');
    await bot.send(status);
    expect(bot.connector.repliesTo(status.id)[0]?.activity.text).toMatch(/- nestor\.wilke@contoso\.com: \*\*waiting for an IT admin to approve\*\* \(request [0-9a-f-]{36}\)/);
  });

  it('when the requester or another non-admin clicks Approve, then the click is refused and nothing is created', async () => {
    const card = cardsIn(approvalCards().at(-1)!.activity)[0]!;
    const { requestId } = actionData(card, 'onboarding.approve');
    const byMegan = await click(PEOPLE.megan, 'onboarding.approve', { requestId }, 'ticket-1', true);
    expect(byMegan.message).toMatch(/Only IT admins can approve/);
    const byIsaiah = await click(PEOPLE.isaiah, 'onboarding.approve', { requestId }, 'ticket-1', true);
    expect(byIsaiah.message).toMatch(/Only IT admins can approve/);
    expect(accountsNamed('Nestor')).toHaveLength(0);
  });

  it('when an admin approves, then the card says who approved, the requester is told, and the account is created with the password sent to her alone', async () => {
    const card = cardsIn(approvalCards().at(-1)!.activity)[0]!;
    const { requestId } = actionData(card, 'onboarding.approve');
    const approved = await click(PEOPLE.alex, 'onboarding.approve', { requestId }, 'ticket-1', true);
    expect(textOf(approved.card!)).toMatch(/Approved: creating the account for Nestor Wilke/);
    expect(textOf(approved.card!)).toContain('Alex Wilber');
    expect(approved.card!.actions ?? []).toHaveLength(0);
    expect(noticesTo(PEOPLE.megan).some((t) => t.includes('Alex Wilber approved your request for nestor.wilke@contoso.com'))).toBe(true);
    await expect.poll(() => accountsNamed('Nestor').length, { timeout: 20_000 }).toBe(1);
    await expect
      .poll(() => revealCards(bot, { conversationId: `a:personal-${PEOPLE.megan.aadObjectId}`, displayName: 'Nestor Wilke' }).length, { timeout: 20_000 })
      .toBe(1);
    // A second approval click changes nothing.
    const again = await click(PEOPLE.alex, 'onboarding.approve', { requestId }, 'ticket-1', true);
    expect(again.message).toMatch(/no longer waiting for approval/);
    expect(accountsNamed('Nestor')).toHaveLength(1);
  });

  it('when an admin rejects with a reason, then no account is created and the requester reads the reason', async () => {
    await request(PEOPLE.megan, 'Joni', 'Sherman');
    const card = cardsIn(approvalCards().at(-1)!.activity)[0]!;
    const { requestId } = actionData(card, 'onboarding.reject');
    const rejected = await click(PEOPLE.alex, 'onboarding.reject', { requestId, rejectReason: 'Duplicate of INC-8' }, 'ticket-2', true);
    expect(textOf(rejected.card!)).toMatch(/Rejected: new account for Joni Sherman/);
    expect(textOf(rejected.card!)).toContain('Duplicate of INC-8');
    expect(accountsNamed('Joni')).toHaveLength(0);
    expect(noticesTo(PEOPLE.megan).some((t) => t.includes('was not approved: Duplicate of INC-8'))).toBe(true);
  });

  it('when the requester is removed from the hiring managers between request and approval, then approving creates nothing', async () => {
    const { text } = await request(PATTI, 'Pradeep', 'Gupta');
    expect(text).toContain('Waiting for approval');
    // An Entra admin removes Patti (member through the nested Marketing Leads group) — via Graph.
    const admin = tenant.apps.find((app) => app.displayName === 'Entra Admin (local)')!;
    const credential = new ClientSecretCredential(tenant.tenantId, admin.clientId, admin.clientSecret, { authorityHost: tenant.authorityHost, disableInstanceDiscovery: true });
    const token = (await credential.getToken('https://graph.microsoft.com/.default')).token;
    const nested = tenant.directory().groups.find((g) => g.displayName === 'Marketing Leads')!;
    for (const group of [nested.id, HIRING_MANAGERS]) {
      const response = await fetch(`${tenant.graphBaseUrl}/v1.0/groups/${group}/members/${PATTI.aadObjectId}/$ref`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      // 400 where she is not a direct member: "One or more removed object references do not exist…" (group-delete-members).
      expect([204, 400]).toContain(response.status);
    }
    const card = cardsIn(approvalCards().at(-1)!.activity)[0]!;
    const { requestId } = actionData(card, 'onboarding.approve');
    const result = await click(PEOPLE.alex, 'onboarding.approve', { requestId }, 'ticket-3', true);
    expect(textOf(result.card!)).toMatch(/Rejected/);
    expect(textOf(result.card!)).toContain('may no longer request accounts');
    expect(accountsNamed('Pradeep')).toHaveLength(0);
  });

  it('when an admin requests, then no approval is needed and the account is created at once', async () => {
    const { text } = await request(PEOPLE.alex, 'Grady', 'Archie');
    expect(text).toContain('Account created');
    expect(accountsNamed('Grady')).toHaveLength(1);
  });

  it('when a requester goes over the hourly limit, then she is told when to try again and nothing is created', async () => {
    // Megan has made 2 requests above (Nestor, Joni); the limit is 3 an hour.
    await request(PEOPLE.megan, 'Miriam', 'Graham');
    const before = clock.now().getTime();
    const over = await request(PEOPLE.megan, 'Lee', 'Gu');
    const after = clock.now().getTime();
    expect(over.text).toMatch(/You have made 3 account requests in the last hour.*Try again in \d+ minutes?; nothing was created/);
    // The minutes left in this window, as the bot's clock read them while it answered.
    const minutesLeft = (at: number) => Math.ceil((Math.floor(at / HOUR_MS) * HOUR_MS + HOUR_MS - at) / 60_000);
    const minutes = Number(/Try again in (\d+) minute/.exec(over.text)![1]);
    expect(minutes).toBeLessThanOrEqual(minutesLeft(before));
    expect(minutes).toBeGreaterThanOrEqual(minutesLeft(after));
    expect(accountsNamed('Lee')).toHaveLength(0);
  });
});
