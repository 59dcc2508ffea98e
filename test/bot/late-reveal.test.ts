/**
 * A Reveal click answered "too slow" records nothing. Teams waits only so long for the answer to a
 * card click (five seconds documented for a message extension's action,
 * https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit;
 * the bot answers within its own 4 s budget, 1 s here). Past it, the click is answered with a
 * sentence that nothing was shown, so the reveal must not be recorded either: no revealedAt, no
 * deletion clock started, no `credentials.revealed` in the audit trail. Storage (a proxy in front of
 * Azurite) holds the reveal's read of the sealed secret past the budget; the real adapter, the
 * recording Bot Connector and the local tenant do the rest.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TableClient, odata } from '@azure/data-tables';
import { say } from '../../src/onboarding/index.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult } from '../support/cards.js';
import { requestAccount, revealCards } from '../support/credentials.js';
import { startStorageCounter, type StorageCounter } from '../support/storage-counter.js';
import { until } from '../support/until.js';

const HEADER = 'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Department [department],Ticket,Manager';

describe('a Reveal click answered "too slow" records nothing (learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit)', () => {
  let tenant: LocalTenant;
  let storage: StorageCounter;
  let bot: BotUnderTest;
  const credentialsTable = `Credentials${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    storage = await startStorageCounter(inject('azuriteConnectionString'));
    bot = await startBotUnderTest(
      { APPROVAL_POLICY: 'none', ROLE_CACHE_SECONDS: '0', STORAGE_CONNECTION_STRING: storage.connectionString, CREDENTIALS_TABLE: credentialsTable },
      { tenant, overrides: { cardAnswerWithinMs: 1_000, createAnswerWithinMs: 20_000 } },
    );
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel'));
  });
  afterAll(async () => {
    storage?.release();
    await bot?.close();
    await storage?.close();
    await tenant?.close();
  });

  const table = (name: string) => TableClient.fromConnectionString(inject('azuriteConnectionString'), name, { allowInsecureConnection: true });
  const eventsOf = async (type: string) => {
    const events: Array<{ requestId: string }> = [];
    for await (const e of table(bot.config.storage.auditTable).listEntities<{ requestId: string }>({ queryOptions: { filter: odata`type eq ${type}` } })) events.push(e);
    return events;
  };
  /** The credential entries of a request (partition = its id) or of a bulk's rows (partitions `{jobId}-{row}`). */
  const credentialEntries = async (id: string) => {
    const entries: Array<{ revealedAt?: string; purgeAt: string }> = [];
    const filter = odata`PartitionKey eq ${id} or (PartitionKey ge ${`${id}-`} and PartitionKey lt ${`${id}.`})`;
    for await (const e of table(credentialsTable).listEntities<{ revealedAt?: string; purgeAt: string }>({ queryOptions: { filter } })) entries.push(e);
    return entries;
  };
  /** Clicks while storage holds the read of the sealed secret, until the bot has answered; then lets storage answer. */
  const clickWhileStorageHolds = async (click: () => Promise<{ status: number; body: unknown }>) => {
    storage.hold({ service: 'table', method: 'GET', path: new RegExp(credentialsTable) });
    const response = await click();
    expect(storage.held()).toBeGreaterThan(0);
    storage.release();
    return invokeResult(response.body);
  };
  const lateAnswers = () => bot.logLines.filter((line) => line.includes('answered too late')).length;
  /** Waits until the late work has ended: the bot logs it, or (as it once did) the work recorded a reveal. */
  const lateWorkEnded = async (logged: number, recorded: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      if (lateAnswers() > logged || (await recorded())) return;
    }
    throw new Error('timed out waiting for the late reveal to end');
  };

  it('when storage holds a single Reveal past the budget, then the click is told nothing was shown, and nothing says it was: no revealedAt, the deletion clock not started, no credentials.revealed; the next click reveals', async () => {
    await requestAccount(bot, PEOPLE.megan, { givenName: 'Lena', surname: 'Latereveal', ticketReference: 'INC-LATE-1' });
    const reveal = await until('the reveal card', () => revealCards(bot, { displayName: 'Lena Latereveal' })[0]);
    const data = actionData(reveal.card, 'credentials.reveal');
    const requestId = String(data.requestId);
    const [before] = await credentialEntries(requestId);

    const logged = lateAnswers();
    const answer = await clickWhileStorageHolds(() => bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'credentials.reveal', data, reveal.recorded.activityId)));
    expect(answer.message).toBe(say.CARD_TOO_SLOW_PRESS_AGAIN());
    const revealedEvents = async () => (await eventsOf('credentials.revealed')).filter((e) => e.requestId === requestId);
    await lateWorkEnded(logged, async () => (await revealedEvents()).length > 0);
    expect(await revealedEvents()).toEqual([]);
    const [after] = await credentialEntries(requestId);
    expect(after?.revealedAt).toBeUndefined();
    expect(after?.purgeAt).toBe(before?.purgeAt);

    const shown = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'credentials.reveal', data, reveal.recorded.activityId))).body);
    expect(shown.card).toBeDefined();
    expect(await revealedEvents()).toHaveLength(1);
    expect((await eventsOf('credentials.revealed_again')).filter((e) => e.requestId === requestId)).toEqual([]);
  });

  it('when storage holds a bulk Reveal past the budget, then no account is recorded as revealed and no deletion clock starts', async () => {
    const rows = ['Late Bulkone,late.bulk1@contoso.com,,No,US,Sales,REORG-L,', 'Late Bulktwo,late.bulk2@contoso.com,,No,US,Sales,REORG-L,'];
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, ['version:v1.0', HEADER, ...rows].join('\n'));
    await bot.send(message);
    const review = bot.connector.repliesTo(message.id)[0]!;
    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review.activityId));
    const revealCard = await until('the bulk reveal card', () => bot.connector.inConversation(`a:personal-${PEOPLE.alex.aadObjectId}`)
      .find((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal'))));
    const before = await credentialEntries(String(jobId));
    expect(before).toHaveLength(2);

    const logged = lateAnswers();
    const answer = await clickWhileStorageHolds(() => bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.reveal', { jobId }, revealCard.activityId)));
    expect(answer.message).toBe(say.CARD_TOO_SLOW_PRESS_AGAIN());
    const revealedEvents = async () => (await eventsOf('bulk.credentials_revealed')).filter((e) => e.requestId === jobId);
    await lateWorkEnded(logged, async () => (await revealedEvents()).length > 0);
    expect(await revealedEvents()).toEqual([]);
    expect(await credentialEntries(String(jobId))).toEqual(before);
  });
});
