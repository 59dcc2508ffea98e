/**
 * A bulk sheet attached as a .csv file in the admin's 1:1 chat, as Teams delivers it: only to a
 * bot whose manifest sets supportsFiles, as a file.download.info attachment whose pre-authorised
 * https URL the bot downloads (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, channelMessage, groupChatMessage, personalMessage } from '../support/activities.js';
import { cardOf, cardsIn, textOf } from '../support/cards.js';
import { committedManifest } from '../support/teams-limits.js';

const HEADER = 'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Department [department],Ticket';
const sheet = (rows: number) => ['version:v1.0', HEADER, ...Array.from({ length: rows }, (_, i) => `File Person${String.fromCharCode(97 + i)},file.${i}@contoso.com,,No,US,Sales,REORG-31`)].join('\r\n');

describe('a bulk sheet sent as a file (learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4)', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ ROLE_CACHE_SECONDS: '0' }, { tenant });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when an admin attaches a .csv in the 1:1 chat, then Teams delivers it (the manifest supports files), the bot downloads it over https and answers with the review card', async () => {
    const attachment = await bot.connector.files.sent('new-starters.csv', sheet(3));
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, '', { attachments: [attachment] });
    const sent = await bot.send(message);
    expect(sent.notDelivered).toBeUndefined();
    expect(sent.status).toBe(200);
    expect(textOf(cardOf(bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0)))).toContain('3 accounts to create');
  });

  // "Teams bot APIs work only in the personal context. They do not work in the channel or groupchat context."
  it.each([
    ['a group chat', (attachment: unknown) => ({ ...groupChatMessage(bot.connector.serviceUrl, PEOPLE.alex, ''), attachments: [attachment] })],
    ['a channel', (attachment: unknown) => ({ ...channelMessage(bot.connector.serviceUrl, PEOPLE.alex, ''), attachments: [attachment] })],
  ])('when an admin attaches a .csv in %s, then Teams sends the bot no file (its bot file APIs are for 1:1 chats) and the bot answers nothing', async (_where, message) => {
    const activity = message(await bot.connector.files.sent('new-starters.csv', sheet(3))) as { id: string };
    const sent = await bot.send(activity);
    expect(sent.notDelivered).toMatch(/personal/);
    expect(bot.connector.repliesTo(activity.id)).toEqual([]);
  });

  it('when the attachment is not a .csv, then one sentence asks for CSV', async () => {
    const attachment = await bot.connector.files.sent('new-starters.xlsx', 'PK…');
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, '', { attachments: [attachment] });
    await bot.send(message);
    expect(String(bot.connector.repliesTo(message.id).find((r) => r.activity.type === 'message')?.activity.text)).toMatch(/as a \.csv file/);
  });
});

describe('a bulk sheet sent as a file to an app whose manifest lacks supportsFiles', () => {
  let bot: BotUnderTest;
  beforeAll(async () => {
    const manifest = committedManifest() as { bots: Array<Record<string, unknown>> };
    bot = await startBotUnderTest({}, { manifest: { ...manifest, bots: [{ ...manifest.bots[0], supportsFiles: false }] } });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('when an admin attaches a .csv, then Teams never sends it to the bot and the bot answers nothing', async () => {
    const attachment = await bot.connector.files.sent('new-starters.csv', sheet(3));
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, '', { attachments: [attachment] });
    const sent = await bot.send(message);
    expect(sent.notDelivered).toMatch(/supportsFiles/);
    expect(bot.connector.repliesTo(message.id)).toEqual([]);
  });
});
