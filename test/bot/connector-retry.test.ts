/**
 * The bot's adapter (createBotFramework) against the strict Bot Connector stand-in: a burst
 * into one chat goes past Teams' per-thread rate and comes back 429 — with no Retry-After, as
 * the rate-limit page never promises one — and every message still arrives once, because the
 * bot backs off and sends again (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit).
 * What Teams refuses for good (413 MessageSizeTooBig) is not sent again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/**
 * A gateway's 502 or 504 does not say the message was not taken: the gateway may have timed out
 * waiting for Teams after Teams took it. Microsoft says to retry 412, 502 and 504 as well as 429
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit#handle-http-429-responses),
 * and botbuilder's connector client already does so for every 5xx but 501 and 505, three times
 * (@azure/core-client's default retry policy, @typespec/ts-http-runtime exponentialRetryStrategy).
 * The bot adds no resend of its own for a new message on top of those; an update (the same PUT
 * again) is harmless to repeat. A gateway in front of the recording Bot Connector forwards each
 * call to it and answers its client 502/504 for the first few.
 */
describe('a gateway answering 502 or 504 after Teams took the message (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit)', () => {
  let connector: RecordingConnector;
  let gateway: Server;
  let gatewayUrl: string;
  const failing = { status: 502, left: 0, calls: 0 };
  beforeAll(async () => {
    connector = await startRecordingConnector({ rateLimits: false });
    gateway = createServer((incoming, answer) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        void (async () => {
          failing.calls += 1;
          const upstream = await fetch(new URL(incoming.url ?? '/', connector.serviceUrl), {
            method: incoming.method, headers: { 'content-type': 'application/json' }, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          });
          const body = await upstream.text();
          if (failing.left > 0) {
            failing.left -= 1;
            answer.writeHead(failing.status, { 'content-type': 'application/json' });
            return answer.end(JSON.stringify({ error: { code: failing.status === 502 ? 'BadGateway' : 'GatewayTimeout', message: 'The upstream did not answer in time.' } }));
          }
          answer.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          answer.end(body);
        })();
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
    await connector?.close();
  });

  const framework = () => createBotFramework({ mode: 'local', appId: '', appPassword: '', certificatePath: '', appType: 'SingleTenant', tenantId: '', skipInstanceDiscovery: false }, pino({ level: 'silent' }));
  const reference = (conversationId: string) => ({
    channelId: 'msteams', serviceUrl: gatewayUrl, conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: 'bot', name: 'Onboarding' }, user: { id: '29:someone', name: 'Someone' },
  });

  it('when a new message meets 502 after Teams took it, past botbuilder\'s own three resends, then the bot sends it no more: the sender hears 502, and Teams holds only the copies botbuilder sent', async () => {
    const { adapter } = framework();
    Object.assign(failing, { status: 502, left: 4, calls: 0 });
    await expect(inConversation(adapter, '', reference('a:gateway-send'), (turn) => turn.sendActivity(MessageFactory.text('the reveal card'))))
      .rejects.toMatchObject({ statusCode: 502 });
    expect(failing.calls).toBe(4);
    expect(connector.inConversation('a:gateway-send')).toHaveLength(4);
  });

  it('when an update meets 504 past botbuilder\'s own resends, then the bot sends the same update again until it lands', async () => {
    const { adapter } = framework();
    Object.assign(failing, { status: 504, left: 4, calls: 0 });
    await inConversation(adapter, '', reference('a:gateway-update'), (turn) => turn.updateActivity({ ...MessageFactory.text('100 %'), id: 'progress-card' }));
    expect(failing.calls).toBe(5);
    expect(connector.inConversation('a:gateway-update').filter((r) => r.operation === 'update').at(-1)?.activity.text).toBe('100 %');
  });
});
