/**
 * Structured JSON logs (pino). Secrets must never reach a log line: domain secrets redact
 * themselves, and these paths are censored as a second net for anything SDK-shaped.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** The turn a log line belongs to: every line written while handling one activity carries its turnId. */
export interface LogContext {
  readonly turnId: string;
}
export const logContext = new AsyncLocalStorage<LogContext>();

const REDACTED_PATHS = [
  'password', '*.password', '*.*.password',
  'passwordProfile', '*.passwordProfile', '*.*.passwordProfile',
  'temporaryAccessPass', '*.temporaryAccessPass',
  'secret', '*.secret', 'clientSecret', '*.clientSecret',
  'token', '*.token', 'accessToken', '*.accessToken',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'connectionString', '*.connectionString',
];

export function createLogger(options: { level: string; name?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      name: options.name ?? 'onboarding-bot',
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[secret]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...logContext.getStore() }),
    },
    options.destination,
  );
}
