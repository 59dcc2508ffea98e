/**
 * Local mode authenticates nobody, so it answers only requests addressed to it on loopback:
 * a DNS-rebinding page (Host: attacker.example, resolved to 127.0.0.1) gets 421 and the
 * request is not processed at all.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, personalMessage } from '../support/activities.js';

/** POST or GET on the bot's loopback address with a chosen Host header (fetch will not set one). */
function send(url: string, host: string, method: 'POST' | 'GET', path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const target = new URL(path, url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname, port: target.port, path: target.pathname, method,
      headers: { host, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end(payload);
  });
}

describe('local mode: Host header', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  let port: string;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({}, { tenant });
    port = new URL(bot.app.url).port;
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it.each([
    ['another site rebound to 127.0.0.1', () => `attacker.example:${port}`],
    ['a loopback name on another port', () => '127.0.0.1:1'],
    ['a name that only starts like localhost', () => `localhost.attacker.example:${port}`],
    ['no port at all', () => 'localhost'],
  ])('when a message comes with the Host of %s, then it gets 421 and nothing is processed', async (_case, host) => {
    const activity = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help');
    const before = bot.connector.received.length;
    const answer = await send(bot.app.url, host(), 'POST', '/api/messages', activity);
    expect(answer.status).toBe(421);
    expect(bot.connector.received.length).toBe(before);
    expect(bot.connector.repliesTo(activity.id)).toHaveLength(0);
    expect((await send(bot.app.url, host(), 'GET', '/healthz')).status).toBe(421);
  });

  it.each([['127.0.0.1'], ['localhost'], ['[::1]'], ['LOCALHOST']])('when a message comes with the Host %s and the bot\'s port, then it is answered', async (name) => {
    const activity = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help');
    const answer = await send(bot.app.url, `${name}:${port}`, 'POST', '/api/messages', activity);
    expect(answer.status).toBe(200);
    expect(bot.connector.repliesTo(activity.id)).toHaveLength(1);
  });
});
