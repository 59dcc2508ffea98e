/**
 * A card action that fails is answered on the card, as Universal Actions define it: HTTP 200 with
 * `statusCode` 500 and type `application/vnd.microsoft.error` (value: code and message) —
 * https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/universal-action-model#response-format.
 * Never a chat message as well, and never anything posted from a refresh Teams sends by itself
 * (trigger "automatic") each time the card is seen. Over HTTP through the real adapter, with
 * storage refusing (a proxy in front of Azurite) and Graph failing (the local tenant's faults).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, cardRefresh, channelMessage, personalMessage } from '../support/activities.js';
import { actionData, cardOf } from '../support/cards.js';
import { startStorageCounter, type StorageCounter } from '../support/storage-counter.js';

const UNIVERSAL_ACTION_ERROR = 'application/vnd.microsoft.error';

describe('card action errors (Universal Actions error response; nothing posted from a refresh)', () => {
  let tenant: LocalTenant;
  let storage: StorageCounter;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    storage = await startStorageCounter(inject('azuriteConnectionString'));
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none', STORAGE_CONNECTION_STRING: storage.connectionString }, { tenant });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel'));
  });
  afterAll(async () => {
    await bot?.close();
    await storage?.close();
    await tenant?.close();
  });

  /** What the bot sent to Teams from here on (replies, posts, updates). */
  const sentFrom = (index: number) => bot.connector.received.slice(index);

  it('when a refresh Teams sends by itself fails (storage refuses), then each view is answered with the error response and nothing is posted, however often the card is seen', async () => {
    const requestId = randomUUID();
    storage.refuse({ service: 'blob', method: 'GET', path: new RegExp(`/requests/${requestId}\\.json`) });
    const before = bot.connector.received.length;
    for (let view = 0; view < 3; view += 1) {
      const response = await bot.send(cardRefresh(bot.connector.serviceUrl, PEOPLE.megan, 'onboarding.result', { requestId }, 'card-message-1'));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        statusCode: 500, type: UNIVERSAL_ACTION_ERROR,
        value: { code: 'UNEXPECTED', message: expect.stringMatching(/^Something went wrong on my side and nothing was changed\./) },
      });
    }
    expect(sentFrom(before)).toEqual([]);
  });

  it('when a click fails because the directory does (Graph 503 on every try), then the card gets the error response with the directory sentence, and the chat gets no message', async () => {
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'new user');
    await bot.send(message);
    const form = bot.connector.repliesTo(message.id)[0]!;
    const { draftId } = actionData(cardOf(form), 'onboarding.review');
    tenant.setFaults({ rules: [{ action: 'status', status: 503, path: '^/v1\\.0/(users|\\$batch)', retryAfterSeconds: 0 }] });
    const before = bot.connector.received.length;
    try {
      const response = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'onboarding.review', {
        draftId, givenName: 'Erin', surname: 'Errant', domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-E-1', businessJustification: 'New starter.',
      }, form.activityId));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ statusCode: 500, type: UNIVERSAL_ACTION_ERROR, value: { code: 'DIRECTORY_UNAVAILABLE', message: expect.stringMatching(/^I could not reach Entra ID just now, so nothing was changed\./) } });
      expect(sentFrom(before)).toEqual([]);
    } finally {
      tenant.setFaults({});
    }
  });

  it('when a card button that posts a new form (the help card\'s "new request") arrives as a refresh Teams sent by itself, then nothing is posted and the refresh still gets its answer', async () => {
    const before = bot.connector.received.length;
    const response = await bot.send(cardRefresh(bot.connector.serviceUrl, PEOPLE.megan, 'onboarding.open', {}, 'card-message-2'));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ statusCode: 200 });
    // Give a post made after the answer time to arrive: the same click by hand posts the form.
    const click = await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, 'onboarding.open', {}, 'card-message-3'));
    expect(click.body).toMatchObject({ statusCode: 200 });
    await expect.poll(() => sentFrom(before).length, { timeout: 10_000 }).toBe(1);
    expect(sentFrom(before).map((r) => JSON.stringify(r.activity).includes('onboarding.review'))).toEqual([true]);
  });
});
