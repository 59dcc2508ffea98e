/**
 * The bot as a test file meets it most often: an in-memory local tenant, the real bot on it
 * (no approval, Create answered within 20 s), and Alex Wilber having made the Tickets channel
 * the IT ticket channel. Both are closed after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from './bot-under-test.js';
import { PEOPLE, channelMessage } from './activities.js';

export const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

export function useBotWithTenant(environment: Record<string, string> = {}): { tenant: () => LocalTenant; bot: () => BotUnderTest } {
  let tenant: LocalTenant | undefined;
  let bot: BotUnderTest | undefined;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none', ...environment }, { tenant, overrides: { createAnswerWithinMs: 20_000 } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });
  return { tenant: () => tenant!, bot: () => bot! };
}
