/** `audit … csv` as an admin gets it in the 1:1 chat: the file consent card, Allow, and the CSV the bot saved in their OneDrive. */
import { fileConsentAnswer, personalMessage, type Person } from './activities.js';
import type { BotUnderTest } from './bot-under-test.js';
import { until } from './until.js';

export async function exportAuditCsv(bot: BotUnderTest, admin: Person, command: string): Promise<string> {
  const message = personalMessage(bot.connector.serviceUrl, admin, command);
  await bot.send(message);
  const [offer] = bot.connector.repliesTo(message.id);
  const consent = (offer?.activity.attachments as Array<{ contentType?: string; name?: unknown; content?: unknown }> | undefined)?.[0];
  if (!offer || consent?.contentType !== 'application/vnd.microsoft.teams.card.file.consent') {
    throw new Error(`expected a file consent card, got ${JSON.stringify(offer?.activity ?? null).slice(0, 300)}`);
  }
  const uploads = bot.connector.files.uploaded.length;
  await bot.send(fileConsentAnswer(bot.connector.serviceUrl, admin, await bot.connector.files.consentAnswer(consent, 'accept'), offer.activityId));
  // Teams gets its answer at once; the file is written after the turn.
  const file = await until('the exported file', () => bot.connector.files.uploaded[uploads]);
  return file.bytes.toString('utf8');
}
