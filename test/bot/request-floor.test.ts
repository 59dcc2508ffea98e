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
    // What the card's buttons carry (the draft and the revision it shows), as Teams sends it with the inputs.
    const formData = actionData(cardOf(reply), 'onboarding.review');
    const click = async (verb: string, data: Record<string, unknown>) => {
      const response = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, reply!.activityId));
      expect(response.status).toBe(200);
      return invokeResult(response.body);
    };
    const review = await click('onboarding.review', {
      ...formData, givenName, surname, domain: 'contoso.com', usageLocation: 'US', employeeType: 'Employee', manager,
      ticketReference: `INC-${givenName}`, businessJustification: 'Joins on Monday.',
    });
    expect(textOf(review.card!)).toContain('is free. Nothing has been created yet');
    const created = await click('onboarding.create', actionData(review.card!, 'onboarding.create'));
    expect(textOf(created.card!)).toContain('Account created');
    const graph = tenant.requestLog(graphFrom).filter((e) => e.path.startsWith('/v1.0') && e.batchPartId === undefined);
    return {
      graph: graph.map((e) => `${e.method} ${decodeURIComponent(e.path)}${e.query ? `?${decodeURIComponent(e.query)}` : ''}`),
      storage: storage.requests.slice(storageFrom).map((r) => `${r.service} ${r.method} ${r.path}`),
    };
  }

  it('when caches are warm, then an onboarding with a manager given by user name costs at most 4 Graph calls and fewer than 15 storage requests: no record read back, audit in one batch', async () => {
    await onboard('Warm', 'Up', 'alex.wilber@contoso.com');
    const cost = await onboard('Floor', 'Counted', 'alex.wilber@contoso.com');
    console.info(`Graph calls (${cost.graph.length}):\n  ${cost.graph.join('\n  ')}\nStorage requests (${cost.storage.length}):\n  ${cost.storage.join('\n  ')}`);
    // The names (and the manager, in the same $batch), the fresh role check, POST /users, the manager link.
    expect(cost.graph).toEqual([
      'POST /v1.0/$batch',
      expect.stringMatching(/^POST \/v1\.0\/users\/[^/]+\/checkMemberGroups$/),
      'POST /v1.0/users',
      expect.stringMatching(/^PUT \/v1\.0\/users\/[^/]+\/manager\/\$ref$/),
    ]);
    const count = (pattern: RegExp) => cost.storage.filter((line) => pattern.test(line)).length;
    expect(count(/ GET .*\/requests\/[^/?]+\.json/)).toBe(0); // the record is never read back: each step goes on from what it wrote
    expect(count(/^table .*(Audit|\$batch)/)).toBe(1); // every audit event of the onboarding, in one Table transaction
    expect(count(/addresses%252Fticket-channel|msteams%252F/)).toBe(0); // ticket channel remembered; turn state not kept
    expect(count(/ PUT .*addresses%252Fpeople/)).toBe(0); // the requester's address did not change
    // Warm caches answer the cards' draft revisions, the rate-limit counters, the run's credentials and the requester's address from memory.
    expect(count(/ GET .*drafts%252F/)).toBe(0); // the review and create clicks name the draft revision this instance saved
    expect(count(/ GET .*\/ratelimits\//)).toBe(0); // each limit: one conditional write on the count this instance last wrote
    expect(count(new RegExp(`^table GET .*${bot.config.storage.credentialsTable}`))).toBe(0); // the run reads back what it stored from memory
    expect(count(/ GET .*addresses%252Fpeople/)).toBe(0); // the requester clicked a moment ago from the chat the card goes to
    // The secret is stored once: the card goes out seconds after the sealing, so the expiry stored with it stands.
    expect(count(new RegExp(bot.config.storage.credentialsTable))).toBe(1);
    // What is left: drafts 2 (form, review), the same-ticket lookup 1, the unfinished-index marker 1, rate limits 2 (one
    // conditional write each), the record 6 writes (received, checked, creating, created+manager, delivering, delivered+done
    // — the audit batch goes just before the last), credentials 1, audit 1. "checked" is its own write: carried into
    // "creating" it lets a run acting on a stale view seal a second password (the workflow property test finds it).
    expect(cost.storage.length).toBeLessThan(15);
  });

  it('when the manager is given by display name, then the onboarding costs at most 5 Graph calls and fewer than 15 storage requests', async () => {
    const cost = await onboard('Named', 'Manager', 'Alex Wilber');
    console.info(`Graph calls (${cost.graph.length}):\n  ${cost.graph.join('\n  ')}`);
    expect(cost.graph.length).toBeLessThanOrEqual(5);
    expect(cost.storage.length).toBeLessThan(15);
    const user = tenant.directory().users.find((u) => u.userPrincipalName === 'named.manager@contoso.com');
    expect(user?.managerId).toBe(tenant.directory().users.find((u) => u.userPrincipalName === 'alex.wilber@contoso.com')?.id);
  });
});
