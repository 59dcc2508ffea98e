/**
 * A 1,000-row bulk reaches its people within Teams' limits, through the real adapter and the
 * strict Bot Connector stand-in: every message under 100 KB in UTF-16 (413 MessageSizeTooBig
 * otherwise — learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages),
 * bursts into one chat past Teams' rates recovered (…/bots/how-to/rate-limit), the reveal
 * cards in parts and every Reveal answer within 80 KB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { MESSAGE_SIZE_LIMIT_BYTES, MESSAGE_SIZE_RECOMMENDED_BYTES, utf16Bytes } from '../support/teams-limits.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const HEADER = 'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Department [department],Ticket';
const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const ROWS = 1000;

describe('a 1,000-row bulk within Teams’ limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages)', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    bot = await startBotUnderTest({ ROLE_CACHE_SECONDS: '0' }, { tenant });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when an admin creates 1,000 accounts for himself, then the results, the progress and the reveal cards all reach Teams, each message within the limit, and every Reveal answer within 80 KB', async () => {
    const sheet = ['version:v1.0', HEADER, ...Array.from({ length: ROWS }, (_, i) => `Big Person${letters(i)},big.${i}@contoso.com,,No,US,Sales,REORG-1000`)].join('\n');
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, sheet);
    await bot.send(message);
    const review = bot.connector.repliesTo(message.id)[0];
    expect(textOf(cardOf(review))).toContain(`${ROWS} accounts to create`);
    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId));

    const adminChat = `a:personal-${PEOPLE.alex.aadObjectId}`;
    const revealCards = () => bot.connector.inConversation(adminChat).filter((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal')));
    const finished = () => bot.connector.inConversation(adminChat).some((r) => cardsIn(r.activity).some((c) => /Bulk finished/.test(textOf(c))));
    for (let i = 0; i < 1800 && !(finished() && revealCards().length > 0); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('big.') && !u.deletedDateTime)).toHaveLength(ROWS);

    // Nothing was refused as too big, and whatever Teams throttled was sent again.
    expect(bot.connector.tooBig).toEqual([]);
    expect(bot.connector.received.every((r) => utf16Bytes(r.activity) <= MESSAGE_SIZE_LIMIT_BYTES)).toBe(true);
    const results = bot.connector.inConversation(TICKET_CHANNEL).filter((r) => /```csv/.test(String(r.activity.text ?? '')));
    expect(results.map((r) => String(r.activity.text)).join('\n').match(/big\.\d+@contoso\.com,created,/g)).toHaveLength(ROWS);

    // The reveal cards come in parts, "1 of N" … "N of N", naming every account once.
    const cards = revealCards().map((r) => ({ recorded: r, card: cardOf(r) }));
    expect(cards.length).toBeGreaterThan(1);
    cards.forEach(({ card }, index) => expect(textOf(card)).toContain(`part ${index + 1} of ${cards.length}`));
    const named = cards.flatMap(({ card }) => [...textOf(card).matchAll(/^Big Person\w+$/gm)].map((m) => m[0]));
    expect(named).toHaveLength(ROWS);
    expect(new Set(named).size).toBe(ROWS);

    // Each part's Reveal answers with that part's passwords only, within 80 KB.
    const passwords: string[] = [];
    for (const { recorded, card } of cards) {
      const response = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.reveal', actionData(card, 'bulk.reveal'), recorded.activityId));
      expect(utf16Bytes(response.body)).toBeLessThanOrEqual(MESSAGE_SIZE_RECOMMENDED_BYTES);
      const shown = textOf(invokeResult(response.body).card!);
      const part = [...shown.matchAll(/^Big Person\w+\n(\S+)$/gm)].map((m) => m[1]!);
      expect(part.length).toBe([...textOf(card).matchAll(/^Big Person\w+$/gm)].length);
      passwords.push(...part);
    }
    expect(new Set(passwords).size).toBe(ROWS);
    const everythingPosted = JSON.stringify(bot.connector.received);
    expect(passwords.some((password) => everythingPosted.includes(password))).toBe(false);
  }, 240_000);
});
