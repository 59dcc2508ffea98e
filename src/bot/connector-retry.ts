/**
 * Every message the bot sends or updates, in a turn or proactively, is sent again when Teams
 * answers 429 (over its rates) or 412, 502 or 504 — the codes Teams says to retry — after the
 * Retry-After Teams sent, or else an exponential backoff with jitter, as Teams recommends
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit#handle-http-429-responses).
 * botbuilder's HTTP pipeline retries a 429 only when it carries Retry-After, three times at
 * most; the rate-limit page never promises the header, so a burst (a bulk's results, a long
 * export in parts) would otherwise lose a message. A refused attempt delivered nothing, so
 * sending it again cannot show it twice.
 */
import type { Activity, ResourceResponse, TurnContext } from 'botbuilder';

export interface SendRetryPolicy {
  /** Attempts after the first. */
  readonly retries: number;
  /** First backoff without Retry-After; doubled each time, ±20 % jitter. */
  readonly firstDelayMs: number;
  /** No single wait is longer (a Retry-After beyond it is cut to it). */
  readonly longestDelayMs: number;
}

export const defaultSendRetryPolicy: SendRetryPolicy = { retries: 6, firstDelayMs: 1000, longestDelayMs: 30_000 };

const RETRIED = new Set([429, 412, 502, 504]);

/** The HTTP status and Retry-After (ms) of a connector error, as botbuilder's client reports it. */
function refusalOf(error: unknown): { status: number; retryAfterMs?: number } | undefined {
  const e = error as { statusCode?: unknown; response?: { status?: unknown; headers?: { get?: (name: string) => string | null | undefined } } } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.response?.status === 'number' ? e.response.status : undefined;
  if (status === undefined) return undefined;
  const header = e?.response?.headers?.get?.('retry-after') ?? undefined;
  const seconds = header !== undefined && header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  const date = header && seconds === undefined ? Date.parse(header) - Date.now() : undefined;
  const retryAfterMs = seconds !== undefined ? seconds * 1000 : date !== undefined && Number.isFinite(date) ? Math.max(0, date) : undefined;
  return { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Runs `send` until it succeeds, fails with a code not worth retrying, or the retries are spent. */
export async function withSendRetries<T>(send: () => Promise<T>, policy: SendRetryPolicy = defaultSendRetryPolicy, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal || !RETRIED.has(refusal.status) || attempt >= policy.retries) throw error;
      const backoff = policy.firstDelayMs * 2 ** attempt * (0.8 + Math.random() * 0.4);
      await sleep(Math.min(refusal.retryAfterMs ?? backoff, policy.longestDelayMs));
    }
  }
}

/**
 * The adapter middleware: sends and updates of this turn go through withSendRetries. Only a
 * send of one activity is retried (one HTTP call each); a batch of several could have
 * delivered its first before the refusal, so it is left as it is (the bot sends one at a time).
 */
export function retryRefusedSends(policy: SendRetryPolicy = defaultSendRetryPolicy) {
  return async (context: TurnContext, next: () => Promise<void>): Promise<void> => {
    context.onSendActivities((_turn, activities: Partial<Activity>[], send: () => Promise<ResourceResponse[]>) =>
      (activities.length === 1 ? withSendRetries(send, policy) : send()));
    context.onUpdateActivity((_turn, _activity, update: () => Promise<void>) => withSendRetries(update, policy));
    await next();
  };
}
