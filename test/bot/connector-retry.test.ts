/**
 * The bot's adapter (createBotFramework) against the strict Bot Connector stand-in: a burst
 * into one chat goes past Teams' per-thread rate and comes back 429 — with no Retry-After, as
 * the rate-limit page never promises one — and every message still arrives once, because the
 * bot backs off and sends again (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit).
 * What Teams refuses for good (413 MessageSizeTooBig) is not sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFactory } from 'botbuilder';
import pino from 'pino';
import { createBotFramework } from '../../src/bot/bot-framework.js';
import { inConversation } from '../../src/delivery/proactive.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { MESSAGE_SIZE_LIMIT_BYTES } from '../support/teams-limits.js';

describe('sending through the bot’s adapter when Teams throttles (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit)', () => {
  let connector: RecordingConnector;
  beforeAll(async () => {
    connector = await startRecordingConnector({ retryAfter: false });
  });
  afterAll(async () => {
    await connector?.close();
  });

  const framework = () => createBotFramework({ mode: 'local', appId: '', appPassword: '', certificatePath: '', appType: 'SingleTenant', tenantId: '', skipInstanceDiscovery: false }, pino({ level: 'silent' }));
  const reference = (conversationId: string) => ({
    channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: 'bot', name: 'Onboarding' }, user: { id: '29:someone', name: 'Someone' },
  });

  it('when 12 messages go into one chat at once and Teams answers 429 without Retry-After, then all 12 arrive, each once', async () => {
    const { adapter } = framework();
    await Promise.all(Array.from({ length: 12 }, (_, i) =>
      inConversation(adapter, '', reference('a:burst'), (turn) => turn.sendActivity(MessageFactory.text(`part ${i + 1}`)))));
    expect(connector.throttled.filter((t) => t.path.includes('a%3Aburst') || t.path.includes('a:burst')).length).toBeGreaterThan(0);
    expect(connector.throttled.every((t) => t.retryAfterSeconds === undefined)).toBe(true);
    expect(connector.inConversation('a:burst').map((r) => r.activity.text).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `part ${i + 1}`).sort());
  });

  it('when updates of one card come faster than the rate, then the last one still lands', async () => {
    const { adapter } = framework();
    await Promise.all(Array.from({ length: 10 }, (_, i) =>
      inConversation(adapter, '', reference('a:progress'), (turn) => turn.updateActivity({ ...MessageFactory.text(`${(i + 1) * 10} %`), id: 'progress-card' }))));
    const updates = connector.inConversation('a:progress').filter((r) => r.operation === 'update');
    expect(updates).toHaveLength(10);
  });

  it('when Teams refuses a message as too big (413), then it is not sent again', async () => {
    const { adapter } = framework();
    const before = connector.tooBig.length;
    await expect(inConversation(adapter, '', reference('a:big'), (turn) => turn.sendActivity(MessageFactory.text('x'.repeat(MESSAGE_SIZE_LIMIT_BYTES / 2)))))
      .rejects.toMatchObject({ statusCode: 413 });
    expect(connector.tooBig.length - before).toBe(1);
  });
});
