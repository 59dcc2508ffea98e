/**
 * Bulk onboarding over the real HTTP path: an admin pastes a sheet into the 1:1 chat, gets
 * one review card, presses Create all; the accounts are created through Graph batching in
 * the local tenant (Entra's throttling on, a tight write budget so a batch is throttled),
 * the progress card is replaced in place, and the results sheet reaches the ticket channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const HEADER = 'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Department [department],Ticket,Manager';
const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const row = (i: number) => `Sheet Person${letters(i)},sheet.${i}@contoso.com,,No,US,Sales,REORG-30,adele.vance@contoso.com`;
const sheet = (rows: string[]) => ['version:v1.0', HEADER, ...rows].join('\n');

describe('bulk onboarding in Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ ROLE_CACHE_SECONDS: '0', BULK_PER_ADMIN_PER_DAY: '3' }, { tenant });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  const sheetAccounts = () => tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('sheet.') && !u.deletedDateTime);

  it('when the sheet has bad rows, then one card lists every problem by row and nothing is created', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => row(i));
    rows[4] = 'Sheet Bad,sheet.bad@northwind.example,,No,US,Sales,REORG-30,';
    rows[11] = 'Sheet Blocked,sheet.blocked@contoso.com,,Yes,XX,Sales,REORG-30,';
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, sheet(rows));
    expect((await bot.send(message)).status).toBe(200);
    const text = textOf(cardOf(bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0)));
    expect(text).toContain('Nothing was created');
    expect(text).toContain('Row 7: The domain northwind.example is not a verified domain');
    expect(text).toContain('Row 14: Block sign in is "Yes"');
    expect(text).toContain('Row 14: The usage location must be a two-letter country code');
    expect(text).toContain('2 of 30 rows need fixing');
    expect(sheetAccounts()).toHaveLength(0);
  });

  it('when an admin pastes an Excel range and Teams sends the text without its line breaks, then the sheet is read from the text/html table (botframework-sdk#3238)', async () => {
    const rows = [['version:v1.0'], HEADER.split(','), ...Array.from({ length: 3 }, (_, i) => row(200 + i).split(','))];
    const html = `<div><div itemprop="copy-paste-block"><table><tbody>${rows.map((cells) => `<tr>${cells.map((c) => `<td><p>${c}</p></td>`).join('')}</tr>`).join('')}</tbody></table></div></div>`;
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, rows.map((cells) => cells.join(' ')).join(' '), {
      textFormat: 'plain', attachments: [{ contentType: 'text/html', content: html }],
    });
    await bot.send(message);
    expect(textOf(cardOf(bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0)))).toContain('3 accounts to create');
  });

  it('when someone who is not an admin sends a sheet, then it is refused in one sentence', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, sheet([row(100)]));
    await bot.send(message);
    expect(String(bot.connector.repliesTo(message.id).find((r) => r.activity.type === 'message')?.activity.text)).toMatch(/^Only IT admins can send a bulk sheet/);
  });

  it('when an admin approves 30 good rows and a batch is throttled, then all 30 are created once, the progress card updates in place and the results reach the ticket channel without a secret', async () => {
    tenant.setThrottling({ enabled: true, writesPerWindow: 15, writeWindowSeconds: 3 });
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, sheet(Array.from({ length: 30 }, (_, i) => row(i))));
    await bot.send(message);
    // A long review may first show Teams' typing indicator (teams-ai sends one after a second).
    const review = bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
    expect(textOf(cardOf(review))).toContain('30 accounts to create');
    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    const started = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId))).body);
    expect(textOf(started.card!)).toContain('Started');
    // A second click starts nothing.
    const again = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId))).body);
    expect(textOf(again.card!)).toContain('already started');

    const results = () => bot.connector.inConversation(TICKET_CHANNEL).filter((r) => String(r.activity.text ?? '').includes(`Bulk ${String(jobId)}`));
    for (let i = 0; i < 200 && results().length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sheetAccounts()).toHaveLength(30);
    expect(tenant.requestLog().some((e) => e.batchPartId !== undefined && e.throttled)).toBe(true);
    expect(sheetAccounts().every((u) => u.department === 'Sales')).toBe(true);

    const resultText = results().map((r) => String(r.activity.text)).join('\n');
    expect(resultText).toContain('30 created, 0 failed');
    expect(resultText.match(/sheet\.\d+@contoso\.com,created,/g)).toHaveLength(30);
    // Exactly the results columns, nothing else (no password column, no extra cell).
    const csvLines = resultText.split('\n').filter((l) => /^(Row|\d+),/.test(l));
    expect(csvLines[0]).toBe('Row,Name [displayName],User name [userPrincipalName],Outcome,Object id,Problem,Groups and licence,Temporary Access Pass,Welcome email,Guest invitation');
    expect(csvLines.slice(1).filter((l) => l.split(',').length !== 10)).toEqual([]);

    const progressCards = () => bot.connector.inConversation(`a:personal-${PEOPLE.alex.aadObjectId}`)
      .filter((r) => cardsIn(r.activity).some((c) => /Creating 30 accounts|Bulk finished/.test(textOf(c))));
    // The final card follows the results sheet.
    for (let i = 0; i < 50 && !textOf(cardOf(progressCards().at(-1))).includes('Bulk finished'); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    const progress = progressCards();
    expect(progress.filter((r) => r.operation !== 'update')).toHaveLength(1);
    expect(progress.at(-1)?.operation).toBe('update');
    expect(textOf(cardOf(progress.at(-1)))).toMatch(/Bulk finished: 30 created[\s\S]*100 %/);

    // One reveal card for the recipient (the admin here): names only; Reveal answers with the passwords, in the invoke response only.
    const revealCards = bot.connector.inConversation(`a:personal-${PEOPLE.alex.aadObjectId}`)
      .filter((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal')));
    expect(revealCards).toHaveLength(1);
    const revealCard = cardOf(revealCards[0]);
    expect(textOf(revealCard)).toContain('Credentials for 30 new accounts');
    expect(textOf(revealCard)).not.toContain('@contoso.com');
    const someoneElse = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'bulk.reveal', { jobId }, revealCards[0]!.activityId))).body);
    expect(someoneElse.message).toContain('nothing was shown');
    const shown = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.reveal', { jobId }, revealCards[0]!.activityId))).body);
    const shownText = textOf(shown.card!);
    const passwords = [...shownText.matchAll(/^Sheet Person\w+\n(\S+)$/gm)].map((m) => m[1]!);
    expect(passwords).toHaveLength(30);
    expect(new Set(passwords).size).toBe(30);
    const everythingPosted = JSON.stringify(bot.connector.received);
    for (const password of passwords) expect(everythingPosted).not.toContain(password);
  });
});
