/**
 * Structured JSON logs (pino). Secrets must never reach a log line: domain secrets redact
 * themselves, and every object and message is scrubbed on its way out as a second net for
 * anything SDK-shaped — an axios or undici error carrying request headers and body, a
 * token in a message. Path lists miss a spelling or a level; the scrub walks everything.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { destination as fileDestination, multistream, pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** The turn a log line belongs to: every line written while handling one activity carries its turnId. */
export interface LogContext {
  readonly turnId: string;
}
export const logContext = new AsyncLocalStorage<LogContext>();

export const CENSORED = '[secret]';

/**
 * Field names whose values are secrets, compared lower-cased with everything but letters and
 * digits removed, so `Authorization`, `client_secret`, `x-api-key` and `appPassword` all match.
 */
const SECRET_NAME_PARTS = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'authorization', 'cookie', 'credential', 'apikey', 'privatekey',
  'accesskey', 'accountkey', 'sharedaccess', 'connectionstring', 'signature', 'assertion', 'temporaryaccesspass', 'sessionkey',
];
const SECRET_NAMES = new Set(['key', 'pwd', 'tap', 'auth', 'sig', 'sas', 'jwt', 'bearer', 'otp']);
/** Names ending in "key" are keys, except the storage keys that are only addresses. */
const HARMLESS_KEYS = new Set(['partitionkey', 'rowkey', 'sortkey', 'cachekey', 'idempotencykey']);

export function isSecretName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SECRET_NAMES.has(normalised)) return true;
  if (SECRET_NAME_PARTS.some((part) => normalised.includes(part))) return true;
  return normalised.endsWith('key') && !HARMLESS_KEYS.has(normalised);
}

/** Values that are secrets wherever they appear: bearer/basic credentials, JWTs, base64 of 32 bytes (the vault key format). */
const SECRET_VALUES: readonly RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];
/**
 * `name=value`, `name: value`, `"name":"value"` inside a string (form bodies, query strings,
 * connection strings, JSON bodies, raw HTTP headers): the value goes when the name is a
 * secret's. Only the name and separator are matched (at word starts, so in linear time);
 * the value is then read up to its delimiter, so `Error: token=abc` still loses `abc`.
 */
const EMBEDDED_NAME = /(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]{0,80})(["']?\s*[:=]\s*["']?)/g;
const VALUE_END = /["'&\s,;}\]]/;

export function scrubText(text: string): string {
  let scrubbed = text;
  for (const pattern of SECRET_VALUES) scrubbed = scrubbed.replace(pattern, (_match, scheme: unknown) =>
    typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${CENSORED}` : CENSORED);
  let out = '';
  let copiedTo = 0;
  for (const match of scrubbed.matchAll(EMBEDDED_NAME)) {
    const valueStart = match.index + match[0].length;
    if (valueStart < copiedTo || !isSecretName(match[1] ?? '') || scrubbed.startsWith(CENSORED, valueStart)) continue;
    let valueEnd = valueStart;
    while (valueEnd < scrubbed.length && !VALUE_END.test(scrubbed[valueEnd]!)) valueEnd += 1;
    if (valueEnd === valueStart) continue;
    out += scrubbed.slice(copiedTo, valueStart) + CENSORED;
    copiedTo = valueEnd;
  }
  return out + scrubbed.slice(copiedTo);
}

const MAX_DEPTH = 12;
const MAX_KEYS = 200;
const MAX_STRING = 20_000;

/**
 * A copy of `value` that is safe to log: secret-named fields censored at any depth and in
 * any case, secret-shaped strings censored, errors turned into plain objects (type,
 * message, stack, own fields, cause). What lies deeper than it looks is cut, never shown.
 */
export function scrub(value: unknown): unknown {
  return scrubValue(value, 0, new WeakSet());
}

function scrubValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubText(value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof Error) return scrubError(value, depth, seen);
    if (Array.isArray(value)) return value.slice(0, MAX_KEYS).map((item) => scrubValue(item, depth + 1, seen));
    if (value instanceof Map) return scrubEntries([...value.entries()].map(([k, v]) => [String(k), v]), depth, seen);
    if (value instanceof Set) return [...value].slice(0, MAX_KEYS).map((item) => scrubValue(item, depth + 1, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    // A Secret prints "[secret]" through toJSON; other toJSON results are scrubbed like anything else.
    if (typeof toJSON === 'function') return scrubValue(safely(() => (toJSON as () => unknown).call(value)), depth + 1, seen);
    return scrubEntries(Object.keys(value).map((key) => [key, safely(() => (value as Record<string, unknown>)[key])]), depth, seen);
  } finally {
    seen.delete(value);
  }
}

function scrubEntries(entries: [string, unknown][], depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries.slice(0, MAX_KEYS)) {
    const cleanKey = key.length > 200 ? `${key.slice(0, 200)}…` : key;
    out[cleanKey] = isSecretName(key) ? (inner === undefined || inner === null || inner === '' ? inner : CENSORED) : scrubValue(inner, depth + 1, seen);
  }
  if (entries.length > MAX_KEYS) out['…'] = `${entries.length - MAX_KEYS} more fields`;
  return out;
}

function scrubError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const fields: [string, unknown][] = Object.keys(error)
    .filter((key) => key !== 'message' && key !== 'stack' && key !== 'cause')
    .map((key) => [key, safely(() => (error as unknown as Record<string, unknown>)[key])]);
  const cause = safely(() => error.cause);
  const aggregate = error instanceof AggregateError ? (error.errors as unknown[]) : undefined;
  return {
    type: error.constructor?.name ?? error.name,
    message: scrubText(String(safely(() => error.message) ?? '')),
    stack: scrubText(String(safely(() => error.stack) ?? '')),
    ...scrubEntries(fields, depth, seen),
    ...(cause !== undefined ? { cause: scrubValue(cause, depth + 1, seen) } : {}),
    ...(aggregate ? { errors: scrubValue(aggregate, depth + 1, seen) } : {}),
  };
}

function safely<T>(read: () => T): T | string {
  try {
    return read();
  } catch {
    return '[unreadable]';
  }
}

export function createLogger(options: { level: string; name?: string; destination?: DestinationStream; alsoTo?: DestinationStream }): Logger {
  // A second destination (telemetry) gets the same scrubbed lines; the logger's level decides for both.
  const destination = options.alsoTo
    ? multistream([{ level: 'trace', stream: options.destination ?? fileDestination(1) }, { level: 'trace', stream: options.alsoTo }])
    : options.destination;
  return pino(
    {
      name: options.name ?? 'onboarding-bot',
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are scrubbed into plain objects by formatters.log; pino's own err serializer would only copy them again.
      serializers: { err: (value: unknown) => scrub(value), error: (value: unknown) => scrub(value) },
      formatters: {
        level: (label) => ({ level: label }),
        // Every object logged, at any depth and in any spelling, before it is written.
        log: (object) => scrub(object) as Record<string, unknown>,
        bindings: (bindings) => scrub(bindings) as Record<string, unknown>,
      },
      hooks: {
        // The message and any format arguments: a token pasted into a sentence is still a token.
        logMethod(args, method) {
          const cleaned: unknown[] = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg));
          // logger.error(err) alone: pino would take the message from the error as it is.
          if (cleaned.length === 1 && cleaned[0] instanceof Error) cleaned.push(scrubText(cleaned[0].message));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      mixin: () => ({ ...logContext.getStore() }),
    },
    destination,
  );
}
