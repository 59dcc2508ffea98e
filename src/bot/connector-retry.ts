/**
 * Every message the bot sends or updates, in a turn or proactively, is sent again when Teams
 * refuses it with 429 (over its rates) or 412 (a concurrent operation on the conversation:
 * "Precondition failed, please try again") — after the Retry-After Teams sent, or else an
 * exponential backoff with jitter, as Teams recommends
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit#handle-http-429-responses;
 * status codes: https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses).
 * botbuilder's HTTP pipeline retries a 429 only when it carries Retry-After, three times at
 * most; the rate-limit page never promises the header, so a burst (a bulk's results, a long
 * export in parts) would otherwise lose a message. A 429 or 412 is a refusal: Teams took
 * nothing, so sending again cannot show the message twice.
 *
 * 502 and 504 are a gateway's answers, which do not say whether Teams took the message.
 * Microsoft says to retry them too, and botbuilder's connector client already does, for every
 * 5xx but 501 and 505, three times (@azure/core-client's default retry policy,
 * @typespec/ts-http-runtime's exponentialRetryStrategy; the connector client takes no retry
 * options) — each of those resends can show a new message twice, and nothing here can stop it.
 * This middleware adds no resend of its own to a new message after a 502 or 504: the caller
 * hears it (a reveal card is then "not delivered" and tried again later, as for any refusal).
 * An update is the same PUT of the same activity, harmless to repeat, so it is sent again.
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

/** Refusals: Teams took nothing. */
const REFUSED = new Set([429, 412]);
/** A gateway's answers: Teams may have taken it; only an update (the same PUT again) is sent again. */
const GATEWAY = new Set([502, 504]);

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

/**
 * Runs `send` until it succeeds, fails with a code not worth retrying, or the retries are spent.
 * `idempotent`: sending it again changes nothing once it went through (an update), so a gateway's 502/504 is retried too.
 */
export async function withSendRetries<T>(
  send: () => Promise<T>, policy: SendRetryPolicy = defaultSendRetryPolicy, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  idempotent = false,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal || !(REFUSED.has(refusal.status) || (idempotent && GATEWAY.has(refusal.status))) || attempt >= policy.retries) throw error;
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
    context.onUpdateActivity((_turn, _activity, update: () => Promise<void>) => withSendRetries(update, policy, undefined, true));
    await next();
  };
}
