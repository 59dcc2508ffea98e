import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort, startBotProcess, waitUntilReady, type ManagedProcess } from '../../scripts/local-services.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { PEOPLE, personalMessage } from '../support/activities.js';

describe('the bot process (src/index.ts) started as people and hosts start it', () => {
  let connector: RecordingConnector;
  beforeAll(async () => {
    connector = await startRecordingConnector();
  });
  afterAll(async () => {
    await connector.close();
  });

  async function startBot(extra: Record<string, string> = {}): Promise<{ bot: ManagedProcess; url: string }> {
    const port = await freePort();
    const bot = startBotProcess({
      env: {
        PORT: String(port),
        STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
        GRAPH_CLIENT_SECRET: 'not-used-by-this-test',
        SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
        ...extra,
      },
    });
    const url = `http://127.0.0.1:${port}`;
    return { bot, url };
  }

  it('when SIGTERM arrives during a turn, then the turn finishes, its reply is delivered, and the process exits 0', async () => {
    const { bot, url } = await startBot();
    // Listening is enough here (no local tenant runs, so readiness reports the directory as down).
    await waitUntilReady(bot, async () => (await fetch(`${url}/healthz`)).status > 0);
    connector.delayMs = 1500;
    const activity = personalMessage(connector.serviceUrl, PEOPLE.megan, 'help');
    const inFlight = fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    // Wait until the turn is really in flight: the bot is sending its reply to the connector.
    while (connector.pending === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    process.kill(bot.child.pid!, 'SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await bot.exited).toBe(0);
    expect(connector.repliesTo(activity.id)).toHaveLength(1);
    connector.delayMs = 0;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('when the configuration is invalid, then the process names every bad variable, prints no secret, and exits 78', async () => {
    const { bot } = await startBot({ TENANT_ID: 'nope', SECRET_VAULT_KEY: 'short-secret-value', PORT: '3978' });
    expect(await bot.exited).toBe(78);
    const output = bot.output();
    expect(output).toContain('TENANT_ID: expected a GUID');
    expect(output).toContain('SECRET_VAULT_KEY');
    expect(output).not.toContain('short-secret-value');
    expect(output).not.toContain('not-used-by-this-test');
  });

  it('when a tenant-mode process starts without APP_ENV (App Service), then it reads no env/ file: what only env/.env.local holds is missing, and it exits 78', async () => {
    const bot = startBotProcess({
      env: {
        APP_ENV: undefined, APP_MODE: 'tenant', PORT: String(await freePort()), STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
        GRAPH_CLIENT_SECRET: 'not-used-by-this-test', SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
      },
    });
    expect(await bot.exited).toBe(78);
    const output = bot.output();
    // env/.env.local sets TENANT_ID, BOT_ID and GRAPH_CLIENT_ID; none of them came from it.
    for (const variable of ['TENANT_ID', 'BOT_ID', 'GRAPH_CLIENT_ID']) expect(output).toContain(`${variable}: expected`);
  });
});
