/** Counting requests per requester and overall, shared by every instance. */
export type RateLimitDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterMs: number };

/** Fixed-window counters: `take` uses one slot of `limit` per `windowMs` for `key`, or says when to come back. */
export interface RateLimiter {
  /** Takes one slot for `key` in the current window, or refuses with how long until the next one. */
  take(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

/** "in 12 minutes" / "in about an hour": when a refused requester can try again. */
export function describeRetryAfter(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `in about ${hours} hour${hours === 1 ? '' : 's'}`;
}
