/**
 * Issue 25's "done when", over the real HTTP path: with TAP_MODE=instead an admin sends a
 * 20-row sheet, ticks the start date the review card asks about, and presses Create all. The
 * local tenant plays Entra with its documented budgets (a Temporary Access Pass has its own:
 * 5 requests per 10 s per app and tenant), Exchange's mailbox and sign-in; the recording Bot
 * Connector plays Teams. No password is created or kept for any row; each recipient's reveal
 * card shows the passes, which sign in; each personal email gets one welcome mail; the results
 * sheet says so per row, never with a secret.
 */
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const HEADER = 'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Ticket,Start date,Personal email,Recipient';
const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const ROWS = 20;
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const PAST = '2025-01-06';

describe('bulk under TAP_MODE=instead in Teams (issue 25)', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({
      ROLE_CACHE_SECONDS: '0', TAP_MODE: 'instead', TAP_LIFETIME_MINUTES: '480', TAP_USABLE_ONCE: 'true', WELCOME_MAIL_FROM: 'onboarding@contoso.com',
    }, { tenant });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
    // Megan receives some rows' passes; she has written to the bot before.
    await bot.send(personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help'));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const accounts = () => tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('tap.') && !u.deletedDateTime);
  const publicClient = () => tenant.apps.find((app) => app.displayName.startsWith('Entra Admin'))!.clientId;
  async function signInWithPass(username: string, pass: string): Promise<number> {
    const response = await fetch(`${tenant.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'temporary_access_pass', client_id: publicClient(), username, temporary_access_pass: pass, scope: 'https://graph.microsoft.com/User.Read' }),
    });
    return response.status;
  }

  it('when an admin creates 20 accounts from a sheet, then no password exists for any, the reveal cards show the passes, and each personal email gets one welcome mail', async () => {
    // Rows 0–9 start in two weeks (their pass works from then); row 2 started in the past (the card asks);
    // rows 0–4 go to Megan; even rows give a personal email.
    const rows = Array.from({ length: ROWS }, (_, i) => [
      `Tap Person${letters(i)}`, `tap.${i}@contoso.com`, '', 'No', 'US', 'REORG-25', i === 2 ? PAST : i < 10 ? inDays(14) : '',
      i % 2 === 0 ? `tap.person${i}@example.org` : '', i < 5 ? 'megan.bowen@contoso.com' : '',
    ].join(','));
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, ['version:v1.0', HEADER, ...rows].join('\n'));
    await bot.send(message);
    const review = bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
    const reviewText = textOf(cardOf(review));
    expect(reviewText).toContain(`${ROWS} accounts to create`);
    expect(reviewText).toContain('Each recipient reveals a Temporary Access Pass per account, valid from the row\'s start date when it gives one; no password is created or shown.');
    expect(reviewText).toContain('10 welcome emails will go to the personal addresses in the sheet');
    expect(reviewText).toContain(`Row 5: the start date ${PAST} is already past`);
    const { jobId } = actionData(cardOf(review), 'bulk.approve');

    // Create all without the tick: nothing starts.
    const refused = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId))).body);
    expect(textOf(refused.card!)).toContain('1 thing on the review card still needs a tick');
    expect(accounts()).toHaveLength(0);
    const started = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId, confirmRow5: 'true' }, review!.activityId))).body);
    expect(textOf(started.card!)).toContain('Started');

    const results = () => bot.connector.inConversation(TICKET_CHANNEL).filter((r) => String(r.activity.text ?? '').includes(`Bulk ${String(jobId)}`));
    // 20 passes at 5 per 10 s take about half a minute.
    await expect.poll(() => results().length, { timeout: 90_000, interval: 250 }).toBeGreaterThan(0);
    expect(accounts()).toHaveLength(ROWS);

    // No password kept: the credentials table holds a pass per account and no password column at all.
    const entities: Array<Record<string, unknown>> = [];
    const table = TableClient.fromConnectionString(inject('azuriteConnectionString'), bot.config.storage.credentialsTable, { allowInsecureConnection: true });
    for await (const entity of table.listEntities()) entities.push(entity);
    expect(entities).toHaveLength(ROWS);
    expect(entities.every((e) => e['password'] === undefined && typeof e['temporaryAccessPass'] === 'string')).toBe(true);

    // Each recipient's reveal card, and its Reveal: a pass per account, no password.
    const revealed = new Map<string, string>();
    for (const person of [PEOPLE.alex, PEOPLE.megan]) {
      const cards = bot.connector.inConversation(`a:personal-${person.aadObjectId}`)
        .filter((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal')));
      expect(cards).toHaveLength(1);
      expect(textOf(cardOf(cards[0]))).toContain('Press Reveal to see their Temporary Access Passes');
      const answer = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, person, 'bulk.reveal', actionData(cardOf(cards[0]), 'bulk.reveal'), cards[0]!.activityId))).body);
      for (const [, name, pass] of textOf(answer.card!).matchAll(/^(Tap Person\w+)\nPass: (\S+)$/gm)) revealed.set(name!, pass!);
      // Under each name its pass, and nothing else: no password line.
      expect(textOf(answer.card!)).not.toMatch(/^Tap Person\w+\n(?!Pass: )/m);
    }
    expect(revealed.size).toBe(ROWS);
    expect(new Set(revealed.values()).size).toBe(ROWS);
    // A pass for a row starting today signs in; one for a row starting in two weeks does not yet.
    expect(await signInWithPass('tap.15@contoso.com', revealed.get(`Tap Person${letters(15)}`)!)).toBe(200);
    expect(await signInWithPass('tap.7@contoso.com', revealed.get(`Tap Person${letters(7)}`)!)).not.toBe(200);

    // One welcome mail per personal email, none with a secret.
    const outbox = tenant.directory().outbox.filter((m) => m.toRecipients.some((r) => r.address.startsWith('tap.person')));
    expect(outbox.map((m) => m.toRecipients.map((r) => r.address).join()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `tap.person${i * 2}@example.org`).sort());
    for (const pass of revealed.values()) expect(JSON.stringify(outbox)).not.toContain(pass);

    // The results sheet: one line per row (no problem, no template for these rows), what its pass and mail came to, no secret anywhere Teams got.
    const sheet = results().map((r) => String(r.activity.text)).join('\n');
    expect(sheet.match(/^\d+,Tap Person\w+,tap\.\d+@contoso\.com,created,[^,]+,,,"?issued/gm)).toHaveLength(ROWS);
    expect(sheet.match(/sent to tap\.person\d+@example\.org/g)).toHaveLength(10);
    const everythingPosted = JSON.stringify(bot.connector.received);
    for (const pass of revealed.values()) expect(everythingPosted).not.toContain(pass);
  }, 180_000);
});
