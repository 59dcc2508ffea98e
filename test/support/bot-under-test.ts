/**
 * Starts the real bot (startApp: config → adapters → teams-ai → HTTP) in-process on a free
 * loopback port, with Azurite from the global setup and a recording Bot Connector.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { startApp, type AppOverrides, type RunningApp } from '../../src/app.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { createLogger } from '../../src/logging.js';
import { startRecordingConnector, type ConnectorTokenCheck, type RecordingConnector, type RecordingConnectorOptions } from './recording-connector.js';
import { TENANT_ID } from './activities.js';
import { committedManifest, fileActivityNotDelivered, manifestSupportsFiles } from './teams-limits.js';

export interface BotUnderTest {
  readonly app: RunningApp;
  readonly config: AppConfig;
  readonly connector: RecordingConnector;
  readonly logLines: string[];
  /**
   * POSTs an activity to /api/messages (with extra headers, e.g. Authorization) and returns the HTTP
   * status and body — as Teams would: a file activity (a file a person sent, an answer to a file
   * consent card) reaches only a bot whose manifest sets supportsFiles, and only in a personal chat;
   * otherwise nothing is sent and `notDelivered` says why (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4).
   */
  send(activity: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; notDelivered?: string }>;
  close(): Promise<void>;
}

export async function startBotUnderTest(
  environment: Record<string, string> = {},
  options: {
    tenant?: LocalTenant; overrides?: AppOverrides; connectorTokenCheck?: ConnectorTokenCheck; connector?: RecordingConnectorOptions;
    /** The Teams app manifest Teams goes by (default: appManifest/manifest.json). */
    manifest?: unknown;
  } = {},
): Promise<BotUnderTest> {
  const supportsFiles = manifestSupportsFiles(options.manifest ?? committedManifest());
  const connector = await startRecordingConnector({
    supportsFiles, ...options.connector, ...(options.connectorTokenCheck ? { tokenCheck: options.connectorTokenCheck } : {}),
  });
  const tenant = options.tenant;
  const config = loadConfig({
    APP_MODE: 'local',
    PORT: '0',
    TENANT_ID,
    GRAPH_CLIENT_ID: tenant?.app.clientId ?? 'b07b0a7d-0000-4000-8000-00000000b075',
    GRAPH_CLIENT_SECRET: tenant?.app.clientSecret ?? 'unused-in-this-test',
    // Without a local tenant, a loopback address nothing answers on: local mode talks to no real directory.
    GRAPH_AUTHORITY_HOST: tenant?.authorityHost ?? 'https://127.0.0.1:9',
    GRAPH_BASE_URL: tenant?.graphBaseUrl ?? 'https://127.0.0.1:9',
    STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
    STORAGE_CONTAINER: `test-${randomBytes(6).toString('hex')}`,
    AUDIT_TABLE: `Audit${randomBytes(6).toString('hex')}`,
    // Each bot its own templates: one file's templates would apply to another's requests.
    TEMPLATES_TABLE: `Templates${randomBytes(6).toString('hex')}`,
    // And its own credentials table: a test that counts what is stored counts only its bot's.
    CREDENTIALS_TABLE: `Credentials${randomBytes(6).toString('hex')}`,
    SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
    ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1',
    REQUESTER_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000b1',
    LOG_LEVEL: 'debug',
    ...environment,
  });
  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const app = await startApp(config, { logger, ...options.overrides });
  return {
    app,
    config,
    connector,
    logLines,
    async send(activity, headers = {}) {
      const notDelivered = fileActivityNotDelivered(activity, supportsFiles);
      if (notDelivered) return { status: 0, body: undefined, notDelivered };
      const response = await fetch(`${app.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(activity),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async close() {
      await app.stop(2000);
      await connector.close();
    },
  };
}
