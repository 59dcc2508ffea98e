/**
 * The one composition root: config → adapters → workflow → Teams Application → HTTP host.
 * Everything else receives what it needs from here.
 */
import { readFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { AppConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';
import { startHttpServer, type ReadinessProbe, type RunningHttpServer } from './http-server.js';
import { createBotApplication } from './bot/bot-application.js';

export interface RunningApp {
  readonly url: string;
  readonly logger: Logger;
  /** Finishes in-flight turns (up to the configured grace period, or `graceMs`), then closes. */
  stop(graceMs?: number): Promise<{ drained: boolean }>;
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function startApp(config: AppConfig, overrides: { logger?: Logger } = {}): Promise<RunningApp> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);

  const adapter = new TeamsAdapter(
    config.mode === 'local'
      ? {}
      : {
          MicrosoftAppId: config.bot.appId,
          MicrosoftAppPassword: config.bot.appPassword,
          MicrosoftAppType: config.bot.appType,
          MicrosoftAppTenantId: config.bot.tenantId,
        },
  );

  const storage = new BlobsStorage(config.storage.connectionString, config.storage.container);
  const blobService = BlobServiceClient.fromConnectionString(config.storage.connectionString);
  const probes: ReadinessProbe[] = [
    {
      name: 'storage',
      check: async () => {
        await blobService.getProperties();
      },
    },
  ];

  const bot = createBotApplication({ adapter, storage, botAppId: config.bot.appId, logger });

  const server: RunningHttpServer = await startHttpServer({
    host: config.server.host,
    port: config.server.port,
    version: VERSION,
    mode: config.mode,
    logger,
    probes,
    handleMessage: (req, res) => adapter.process(req, res, (context) => bot.run(context).then(() => undefined)),
  });
  logger.info({ url: server.url, mode: config.mode, version: VERSION }, 'bot listening');

  return {
    url: server.url,
    logger,
    stop: (graceMs = config.server.shutdownGraceMs) => server.close(graceMs),
  };
}
