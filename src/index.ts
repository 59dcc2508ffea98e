/**
 * Starts the bot's HTTP server and stops it gracefully on SIGTERM/SIGINT. Nothing else —
 * except that telemetry, when configured, starts first: OpenTelemetry instruments node:http
 * and the others as they load, so app.js (and everything it imports) is imported after it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, processEnvironment, readEnvironment } from './config.js';
import { SealingKeyUnavailableError } from './storage/key-vault-sealing-key.js';
import { createLogger } from './logging.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const environment = processEnvironment();

// Files under env/ are for development: a tenant-mode process without APP_ENV (App Service, a
// container) takes its configuration from the environment alone, never from env/.env.local.
const envName = environment.APP_ENV ?? (environment.APP_MODE === 'tenant' ? undefined : 'local');

try {
  const config = loadConfig(envName ? readEnvironment(envName, projectRoot, environment) : environment);
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const telemetry = config.telemetry
    ? (await import('./telemetry.js')).startTelemetry({ connectionString: config.telemetry.connectionString, serviceName: 'onboarding-bot', serviceVersion: version })
    : undefined;
  const { startApp } = await import('./app.js');
  const app = await startApp(config, { logger: createLogger({ level: config.logLevel, alsoTo: telemetry?.logSink }) });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping: finishing in-flight turns');
    const { drained } = await app.stop();
    app.logger.info({ drained }, drained ? 'stopped cleanly' : 'stopped after the grace period with turns still running');
    // What telemetry still buffers (the last turns, these lines) is sent before the process ends.
    await telemetry?.shutdown().catch((error: unknown) => app.logger.warn({ err: error }, 'telemetry could not be flushed'));
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  if (error instanceof SealingKeyUnavailableError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
