/** Starts the bot's HTTP server and stops it gracefully on SIGTERM/SIGINT. Nothing else. */
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, processEnvironment, readEnvironment } from './config.js';
import { startApp } from './app.js';
import { SealingKeyUnavailableError } from './storage/key-vault-sealing-key.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const environment = processEnvironment();

// Files under env/ are for development: a tenant-mode process without APP_ENV (App Service, a
// container) takes its configuration from the environment alone, never from env/.env.local.
const envName = environment.APP_ENV ?? (environment.APP_MODE === 'tenant' ? undefined : 'local');

try {
  const config = loadConfig(envName ? readEnvironment(envName, projectRoot, environment) : environment);
  const app = await startApp(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'stopping: finishing in-flight turns');
    const { drained } = await app.stop();
    app.logger.info({ drained }, drained ? 'stopped cleanly' : 'stopped after the grace period with turns still running');
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
