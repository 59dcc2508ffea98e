/**
 * What one onboarding costs the outside world, counted where it lands: the local tenant's
 * request log for Graph, and a counting proxy in front of Azurite for storage. The whole
 * conversation (message → review → create), once caches are warm (a first onboarding ran).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf } from '../support/cards.js';
import { startStorageCounter, type StorageCounter } from '../support/storage-counter.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

describe('what one onboarding costs Graph and storage', () => {
  let tenant: LocalTenant;
  let storage: StorageCounter;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    storage = await startStorageCounter(inject('azuriteConnectionString'));
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none', STORAGE_CONNECTION_STRING: storage.connectionString }, { tenant, overrides: { createAnswerWithinMs: 20_000 } });
    const set = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL);
    await bot.send(set);
    expect(bot.connector.repliesTo(set.id)[0]?.activity.text).toMatch(/tickets will be posted in this channel/);
  });
  afterAll(async () => {
    await bot?.close();
    await storage?.close();
    await tenant?.close();
  });

  /** message → review → create for one new hire; what Graph and storage saw meanwhile. */
  async function onboard(givenName: string, surname: string, manager: string) {
    const graphFrom = tenant.requestLog().at(-1)?.sequence ?? 0;
    const storageFrom = storage.requests.length;
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user');
    expect((await bot.send(message)).status).toBe(200);
    const reply = bot.connector.repliesTo(message.id)[0];
    const { draftId } = actionData(cardOf(reply), 'onboarding.review');
    const click = async (verb: string, data: Record<string, unknown>) => {
      const response = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, reply!.activityId));
      expect(response.status).toBe(200);
      return invokeResult(response.body);
    };
    const review = await click('onboarding.review', {
      draftId, givenName, surname, domain: 'contoso.com', usageLocation: 'US', employeeType: 'Employee', manager,
      ticketReference: `INC-${givenName}`, businessJustification: 'Joins on Monday.',
    });
    expect(textOf(review.card!)).toContain('is free. Nothing has been created yet');
    const created = await click('onboarding.create', { draftId });
    expect(textOf(created.card!)).toContain('Account created');
    const graph = tenant.requestLog(graphFrom).filter((e) => e.path.startsWith('/v1.0') && e.batchPartId === undefined);
    return {
      graph: graph.map((e) => `${e.method} ${decodeURIComponent(e.path)}${e.query ? `?${decodeURIComponent(e.query)}` : ''}`),
      storage: storage.requests.slice(storageFrom).map((r) => `${r.service} ${r.method} ${r.path}`),
    };
  }

  it('when caches are warm, then an onboarding with a manager given by user name costs at most 4 Graph calls and fewer than 15 storage requests', async () => {
    await onboard('Warm', 'Up', 'alex.wilber@contoso.com');
    const cost = await onboard('Floor', 'Counted', 'alex.wilber@contoso.com');
    console.info(`Graph calls (${cost.graph.length}):\n  ${cost.graph.join('\n  ')}\nStorage requests (${cost.storage.length}):\n  ${cost.storage.join('\n  ')}`);
    expect(cost.graph.length).toBeLessThanOrEqual(4);
    expect(cost.storage.length).toBeLessThan(15);
  });

  it('when the manager is given by display name, then the onboarding costs at most 5 Graph calls', async () => {
    const cost = await onboard('Named', 'Manager', 'Alex Wilber');
    console.info(`Graph calls (${cost.graph.length}):\n  ${cost.graph.join('\n  ')}`);
    expect(cost.graph.length).toBeLessThanOrEqual(5);
    expect(cost.storage.length).toBeLessThan(15);
    const user = tenant.directory().users.find((u) => u.userPrincipalName === 'named.manager@contoso.com');
    expect(user?.managerId).toBe(tenant.directory().users.find((u) => u.userPrincipalName === 'alex.wilber@contoso.com')?.id);
  });
});
