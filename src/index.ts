/** Starts the bot's HTTP server and stops it gracefully on SIGTERM/SIGINT. Nothing else. */
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, processEnvironment, readEnvironment } from './config.js';
import { startApp } from './app.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const environment = processEnvironment();

try {
  const config = loadConfig(readEnvironment(environment.APP_ENV ?? 'local', projectRoot, environment));
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
  throw error;
}
