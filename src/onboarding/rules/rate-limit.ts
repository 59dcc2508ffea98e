/** Counting requests per requester and overall, shared by every instance. */
export type RateLimitDecision = { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterMs: number };

/** Fixed-window counters: `take` uses one slot of `limit` per `windowMs` for `key`, or says when to come back. */
export interface RateLimiter {
  /** Takes one slot for `key` in the current window, or refuses with how long until the next one. */
  take(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}
