/**
 * Liveness and readiness over real HTTP, as App Service and people ask them.
 * App Service's health check (infra/azure.bicep healthCheckPath) pings one path on every instance
 * each minute, takes an instance that keeps failing out of the load balancer and replaces it after
 * an hour (https://learn.microsoft.com/azure/app-service/monitor-instances-health-check). An outage
 * of Graph or Storage fails every instance alike, and new instances would fail the same way: so
 * that path is liveness (/livez: this process is up and serving), and the dependencies are
 * readiness (/readyz, and /healthz, which npm start waits for). Neither tells an unauthenticated
 * caller what went wrong with a dependency: the reason goes to the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAzurite, type RunningAzurite } from '../../scripts/local-services.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { PEOPLE, personalMessage } from '../support/activities.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';

interface Health { status: string; version?: string; mode?: string; dependencies?: Record<string, Record<string, unknown>> }

async function ask(bot: BotUnderTest, path: string): Promise<{ status: number; text: string; body: Health }> {
  const response = await fetch(`${bot.app.url}${path}`);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Health };
}

/** The log lines (pino JSON) that report a dependency as not ready. */
function notReadyLines(bot: BotUnderTest, dependency: string): Record<string, unknown>[] {
  return bot.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['dependency'] === dependency && line['msg'] === 'dependency not ready');
}

/** What a dependency's failure looks like when it leaks: socket errors, addresses, SDK messages. */
const DEPENDENCY_ERROR_TEXT = /reason|error|ECONN|refused|fetch failed|127\.0\.0\.1|socket|timeout|no answer/i;

describe('health when everything answers', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({}, { tenant });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when liveness is asked (App Service\'s health check path), then it answers 200 alive with the version, without asking any dependency', async () => {
    tenant.clearRequestLog();
    const { status, body } = await ask(bot, '/livez');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'alive', version: expect.stringMatching(/^\d+\.\d+\.\d+/), mode: 'local' });
    expect(tenant.requestLog()).toEqual([]);
  });

  it.each(['/readyz', '/healthz'])('when readiness is asked at %s, then it answers 200 ready with storage, audit, credentials, templates and directory', async (path) => {
    const { status, body } = await ask(bot, path);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready', version: expect.stringMatching(/^\d+\.\d+\.\d+/), mode: 'local',
      dependencies: { storage: { ready: true }, audit: { ready: true }, credentials: { ready: true }, templates: { ready: true }, directory: { ready: true } },
    });
  });
});

describe('health when Graph is down', () => {
  let bot: BotUnderTest;
  beforeAll(async () => {
    const tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({}, { tenant });
    await tenant.close();
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('when liveness is asked, then it still answers 200: an outage every instance shares is no reason to replace this one', async () => {
    expect((await ask(bot, '/livez')).status).toBe(200);
  });

  it.each(['/readyz', '/healthz'])('when readiness is asked at %s, then it answers 503 naming the directory, with no error text in the body, and the reason goes to the log', async (path) => {
    const { status, text, body } = await ask(bot, path);
    expect(status).toBe(503);
    expect(body.status).toBe('not-ready');
    expect(body.dependencies?.['directory']).toEqual({ ready: false });
    expect(body.dependencies?.['storage']).toEqual({ ready: true });
    expect(text).not.toMatch(DEPENDENCY_ERROR_TEXT);
    const logged = notReadyLines(bot, 'directory');
    expect(logged.length).toBeGreaterThan(0);
    expect(String(logged[0]!['reason'])).not.toBe('');
  });

  it('when readiness is asked again and again with the same cause, then the log says it once, not once a probe', async () => {
    for (let i = 0; i < 3; i += 1) await ask(bot, '/readyz');
    expect(notReadyLines(bot, 'directory')).toHaveLength(1);
  });
});

describe('health when Storage is down', () => {
  let azurite: RunningAzurite;
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    azurite = await startAzurite({ blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() });
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ STORAGE_CONNECTION_STRING: azurite.connectionString }, { tenant });
    expect((await ask(bot, '/readyz')).status).toBe(200);
    await azurite.process.stop(5_000);
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
    await azurite?.process.stop(5_000);
  });

  it('when liveness is asked, then it answers 200; readiness answers 503 naming storage, audit, credentials and templates without their error text', async () => {
    expect((await ask(bot, '/livez')).status).toBe(200);
    const { status, text, body } = await ask(bot, '/readyz');
    expect(status).toBe(503);
    expect(body.dependencies).toEqual({ storage: { ready: false }, audit: { ready: false }, credentials: { ready: false }, templates: { ready: false }, directory: { ready: true } });
    expect(text).not.toMatch(DEPENDENCY_ERROR_TEXT);
    for (const dependency of ['storage', 'audit', 'credentials', 'templates']) expect(notReadyLines(bot, dependency), dependency).toHaveLength(1);
  });
});

describe('health while the process stops', () => {
  it('when SIGTERM is draining a turn, then liveness and readiness both answer 503 shutting-down, so no new work is routed here', async () => {
    const tenant = await startLocalTenant({ port: 0, stateDir: null });
    const bot = await startBotUnderTest({}, { tenant });
    try {
      bot.connector.delayMs = 1_500;
      const turn = bot.send(personalMessage(bot.connector.serviceUrl, PEOPLE.megan, 'help'));
      while (bot.connector.pending === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const stopped = bot.app.stop(10_000);
      const live = await ask(bot, '/livez');
      const ready = await ask(bot, '/readyz');
      expect([live.status, live.body.status]).toEqual([503, 'shutting-down']);
      expect([ready.status, ready.body.status]).toEqual([503, 'shutting-down']);
      expect((await turn).status).toBe(200);
      expect(await stopped).toEqual({ drained: true });
    } finally {
      await bot.close().catch(() => undefined);
      await tenant.close();
    }
  });
});
