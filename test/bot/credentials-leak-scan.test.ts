/**
 * Proof that the credentials leave no trace: complete onboardings with a Temporary Access
 * Pass and without one (the tenant's policy off), a reissue and an expiry; every secret is
 * checked against the account by signing in; then everything the bot wrote — every activity
 * and update the Bot Connector received, all log output, every blob and table entity in
 * storage, the audit trail, the local tenant's request log and state, and every welcome
 * email in its outbox — is scanned for each password and pass (as is, base64 and hex). They
 * are only in the answers to Reveal clicks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { useBotWithTenant } from '../support/bot-with-tenant.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf, type Card } from '../support/cards.js';
import { clockThatCanJump } from '../support/clock.js';
import { clickReveal, requestAccount, revealCards, type Revealed } from '../support/credentials.js';
import { encodings, storedBy } from '../support/stored-by.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

const HOUR = 3_600_000;

/** One ticket per account: a reused ticket reference asks for a confirmation on the review card. */
let ticketNumber = 0;

describe('credentials leave no trace', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  const clock = clockThatCanJump();
  /** Every secret shown, with the answer that showed it. */
  const revealed: Revealed[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest(
      {
        APPROVAL_POLICY: 'none', RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '1', TAP_MODE: 'alongside', TAP_LIFETIME_MINUTES: '120', REVEAL_WINDOW_HOURS: '2',
        WELCOME_MAIL_FROM: 'onboarding@contoso.com', WELCOME_MAIL_COPY_MANAGER: 'true',
      },
      { tenant, overrides: { createAnswerWithinMs: 20_000, clock } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  async function request(person: Person, givenName: string, surname: string): Promise<void> {
    // Each new person gets a welcome email: the outbox is scanned with everything else.
    const personalEmail = `${givenName}.${surname}@example.org`.toLowerCase();
    const created = await requestAccount(bot, person, { givenName, surname, ticketReference: `INC-900-${++ticketNumber}`, personalEmail });
    expect(created.message ?? textOf(created.card!)).toContain('Account created');
  }

  async function reveal(person: Person, displayName: string, nth = 0): Promise<Revealed> {
    await expect.poll(() => revealCards(bot, { displayName }).length, { timeout: 20_000 }).toBeGreaterThan(nth);
    const answer = await clickReveal(bot, person, revealCards(bot, { displayName })[nth]!);
    revealed.push(answer);
    return answer;
  }

  const publicClient = () => tenant.apps.find((app) => app.displayName.startsWith('Entra Admin'))!.clientId;
  async function signIn(username: string, grant: { password: string } | { temporary_access_pass: string }): Promise<{ status: number; code?: number }> {
    const response = await fetch(`${tenant.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password' in grant ? 'password' : 'temporary_access_pass', client_id: publicClient(), username,
        scope: 'https://graph.microsoft.com/User.Read', ...grant,
      }),
    });
    const body = (await response.json()) as { error_codes?: number[] };
    return { status: response.status, ...(body.error_codes?.[0] ? { code: body.error_codes[0] } : {}) };
  }

  it('when TAP is on, then the recipient reveals a password that must be changed at first sign-in and a pass that signs in once', async () => {
    await request(PEOPLE.megan, 'Pradeep', 'Gupta');
    const shown = await reveal(PEOPLE.megan, 'Pradeep Gupta');
    expect(shown.password).toMatch(/^.{16}$/);
    expect(shown.temporaryAccessPass).toBeDefined();
    expect(await signIn('pradeep.gupta@contoso.com', { password: shown.password! })).toEqual({ status: 400, code: 50055 });
    expect(await signIn('pradeep.gupta@contoso.com', { password: `${shown.password!}x` })).toEqual({ status: 400, code: 50126 });
    expect((await signIn('pradeep.gupta@contoso.com', { temporary_access_pass: shown.temporaryAccessPass! })).status).toBe(200);
    expect(await signIn('pradeep.gupta@contoso.com', { temporary_access_pass: shown.temporaryAccessPass! })).toMatchObject({ status: 400 });
  });

  it('when the tenant’s TAP policy is off, then the account and password go through and the ticket says why in one sentence', async () => {
    await fetch(`${tenant.inspectionUrl}/temporaryAccessPassPolicy`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'disabled' }) });
    try {
      await request(PEOPLE.megan, 'Miriam', 'Graham');
      const shown = await reveal(PEOPLE.megan, 'Miriam Graham');
      expect(shown.temporaryAccessPass).toBeUndefined();
      expect(await signIn('miriam.graham@contoso.com', { password: shown.password! })).toEqual({ status: 400, code: 50055 });
      const ticket = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Miriam Graham')).at(-1)!;
      expect(JSON.stringify(ticket.activity)).toMatch(/TAP_NOT_ISSUED[^"]*without a Temporary Access Pass[^"]*\(the tenant's Temporary Access Pass policy is off\)/);
    } finally {
      await fetch(`${tenant.inspectionUrl}/temporaryAccessPassPolicy`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state: 'enabled' }) });
    }
  });

  it('when an admin reissues, then the old password and pass stop working and the new ones work', async () => {
    const before = revealed[0]!;
    const command = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'reissue pradeep.gupta@contoso.com', TICKET_CHANNEL);
    await bot.send(command);
    const fresh = await reveal(PEOPLE.megan, 'Pradeep Gupta', 1);
    expect(fresh.password).not.toBe(before.password);
    expect(await signIn('pradeep.gupta@contoso.com', { password: before.password! })).toEqual({ status: 400, code: 50126 });
    expect(await signIn('pradeep.gupta@contoso.com', { password: fresh.password! })).toEqual({ status: 400, code: 50055 });
    expect((await signIn('pradeep.gupta@contoso.com', { temporary_access_pass: fresh.temporaryAccessPass! })).status).toBe(200);
  });

  it('when nobody reveals within the window, then the secret is deleted and the card says it expired', async () => {
    await request(PEOPLE.megan, 'Zelda', 'Quist');
    await expect.poll(() => revealCards(bot, { displayName: 'Zelda Quist' }).length, { timeout: 20_000 }).toBe(1);
    clock.jump(2 * HOUR + 60_000);
    const card = revealCards(bot, { displayName: 'Zelda Quist' })[0]!;
    await expect.poll(async () => textOf((await clickReveal(bot, PEOPLE.megan, card)).card!), { timeout: 20_000, interval: 500 })
      .toMatch(/expired unrevealed and was deleted/);
  });

  it('when everything the bot wrote is scanned, then no password or pass is anywhere but the Reveal answers', async () => {
    const secrets = revealed.flatMap((r) => [r.password, r.temporaryAccessPass]).filter((s): s is string => !!s);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const storage = await storedBy(bot);
    expect(storage.join('\n')).toContain('credentials.revealed');
    // One welcome email per new person, the reissue sending none, each naming the user name.
    await expect.poll(() => tenant.directory().outbox.length, { timeout: 20_000 }).toBe(3);
    const outbox = tenant.directory().outbox;
    expect(outbox.map((mail) => mail.toRecipients[0]?.address).sort()).toEqual(['miriam.graham@example.org', 'pradeep.gupta@example.org', 'zelda.quist@example.org']);
    for (const mail of outbox) expect(mail.body.content).toMatch(/<strong>[a-z.]+@contoso\.com<\/strong>/);
    const everything = [
      JSON.stringify(outbox),
      JSON.stringify(bot.connector.received),
      bot.logLines.join('\n'),
      storage.join('\n'),
      JSON.stringify(tenant.requestLog()),
      JSON.stringify(tenant.directory()),
    ].join('\n');
    for (const secret of secrets) {
      for (const form of encodings(secret)) {
        expect(everything.includes(form), `a secret (${form === secret ? 'as is' : 'encoded'}) was found outside a Reveal answer`).toBe(false);
      }
    }
  });
});

/**
 * A guest's redeem link is a bearer credential until they accept (facts: a new invitation
 * replaces it; Microsoft does not say who may redeem it): with GUEST_INVITATION=reveal it may
 * be only in the answer to the recipient's Reveal click; with Microsoft's email, only in that
 * email — the bot keeps, logs and posts no copy either way.
 * https://learn.microsoft.com/graph/api/invitation-post (inviteRedeemUrl)
 */
describe.each(['reveal', 'email'] as const)('guest invitation links leave no trace (GUEST_INVITATION=%s)', (invitation) => {
  const started = useBotWithTenant({ GUEST_INVITATION: invitation });
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  const email = `sam.rivera.${invitation}@tailspin.example`;
  beforeAll(() => {
    tenant = started.tenant();
    bot = started.bot();
  });

  /** The link shown in a Reveal answer: the monospace text after its heading. */
  const linkIn = (card: Card) => {
    const body = (card.body ?? []) as Array<{ type: string; text?: string; inlines?: { text: string }[] }>;
    const at = body.findIndex((b) => b.type === 'TextBlock' && b.text === 'Invitation link');
    return at >= 0 ? body[at + 1]?.inlines?.[0]?.text : undefined;
  };

  it('when a guest is invited and the link handed over, then the link is nowhere the bot wrote but where it belongs', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user');
    await bot.send(message);
    const form = bot.connector.repliesTo(message.id)[0]!;
    const { draftId } = actionData(cardOf(form), 'onboarding.review');
    const click = async (verb: string, data: Record<string, unknown>, replyTo = form.activityId) =>
      invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, replyTo))).body);
    await click('onboarding.review', {
      draftId, accountKind: 'guest', givenName: 'Sam', surname: 'Rivera', guestEmail: email, ticketReference: `INC-95-${invitation}`, businessJustification: 'Agency designer for the launch.',
    });
    expect(textOf((await click('onboarding.create', { draftId })).card!)).toMatch(/^Guest invited: Sam Rivera/);

    let link: string;
    const mails = tenant.directory().outbox.filter((m) => m.toRecipients.some((r) => r.address === email));
    if (invitation === 'reveal') {
      expect(mails).toEqual([]);
      await expect.poll(() => revealCards(bot, { displayName: 'Sam Rivera' }).length, { timeout: 20_000 }).toBe(1);
      const card = revealCards(bot, { displayName: 'Sam Rivera' })[0]!;
      expect(textOf(card.card)).toContain('I have an invitation link for Sam Rivera');
      const answer = await click('credentials.reveal', actionData(card.card, 'credentials.reveal'), card.recorded.activityId);
      link = linkIn(answer.card!)!;
      // Someone else's click shows nothing.
      const other = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'credentials.reveal', actionData(card.card, 'credentials.reveal'), card.recorded.activityId))).body);
      expect(JSON.stringify(other)).not.toContain(link);
    } else {
      expect(revealCards(bot, { displayName: 'Sam Rivera' })).toEqual([]);
      expect(mails).toHaveLength(1);
      link = /https:\/\/[^\s"<>]*redeem[^\s"<>]*/.exec(JSON.stringify(mails[0]!.body))?.[0]?.replace(/&amp;/g, '&') ?? '';
    }
    expect(link).toMatch(/^https:\/\/.*redeem/);
    // The link works: the guest redeems with it.
    const redeemed = await fetch(`${tenant.inspectionUrl}/invitations/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inviteRedeemUrl: link }) });
    expect(redeemed.status).toBe(200);

    const { outbox: _mail, ...tenantState } = tenant.directory();
    const everything = [
      JSON.stringify(bot.connector.received), bot.logLines.join('\n'), (await storedBy(bot)).join('\n'),
      JSON.stringify(tenant.requestLog()), JSON.stringify(tenantState),
    ].join('\n');
    // The link, the URL inside it, and the ticket that URL carries: each alone would do.
    const inner = new URL(link).searchParams.get('rd') ?? '';
    const ticket = inner ? new URL(inner).searchParams.get('ticket') ?? '' : '';
    expect(ticket.length).toBeGreaterThanOrEqual(16);
    const pieces = [link, inner, ticket];
    for (const piece of pieces) {
      for (const form of encodings(piece)) expect(everything.includes(form), 'a redeem link (or its ticket) was found outside its one place').toBe(false);
    }
  });
});
