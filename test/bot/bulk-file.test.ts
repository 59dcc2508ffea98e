/**
 * A bulk sheet attached as a .csv file in the admin's 1:1 chat, as Teams delivers it: only to a
 * bot whose manifest sets supportsFiles, as a file.download.info attachment whose pre-authorised
 * https URL the bot downloads (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, channelMessage, groupChatMessage, personalMessage } from '../support/activities.js';
import { cardOf, textOf } from '../support/cards.js';
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
    expect(textOf(cardOf(bot.connector.repliesTo(message.id)[0]))).toContain('3 accounts to create');
  });

  it.each([
    ['a group chat', () => groupChatMessage(bot.connector.serviceUrl, PEOPLE.alex, '')],
    ['a channel', () => channelMessage(bot.connector.serviceUrl, PEOPLE.alex, '')],
  ])('when an admin attaches a .csv in %s, then Teams never sends it to the bot ("Teams bot APIs work only in the personal context") and the bot answers nothing', async (_where, message) => {
    const attachment = await bot.connector.files.sent('new-starters.csv', sheet(3));
    const activity = { ...message(), attachments: [attachment] };
    const sent = await bot.send(activity);
    expect(sent.notDelivered).toMatch(/personal/);
    expect(bot.connector.repliesTo(activity.id)).toEqual([]);
  });

  it('when the attachment is not a .csv, then one sentence asks for CSV', async () => {
    const attachment = await bot.connector.files.sent('new-starters.xlsx', 'PK…');
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, '', { attachments: [attachment] });
    await bot.send(message);
    expect(String(bot.connector.repliesTo(message.id)[0]?.activity.text)).toMatch(/as a \.csv file/);
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
