/**
 * Pacing a bulk to a documented budget: a token bucket that mirrors the service's own (Entra's
 * 3,000 directory writes per 150 s per app and tenant; a user's authentication methods, 5
 * requests per 10 s; a mailbox, 30 messages a minute), so the run spends the budget as fast as
 * it refills — no faster, which would only buy 429s, and no slower, which wastes the budget.
 * What the service says corrects the mirror: x-ms-throttle-limit-percentage (the share of the
 * budget used, sent above 0.8) caps what is left, and a 429's Retry-After (fractional seconds)
 * empties the bucket and holds every taker until then. Other writers (single requests, another
 * run before a restart, other apps in the tenant) are seen that way, never assumed away: a 429
 * that comes again within a window of the last one lowers the refill the mirror assumes by a
 * quarter (at most once per wait), and a whole window without one restores it — so a budget
 * smaller than documented costs a few 429s, not one per request, while one 429 from the clocks
 * of the mirror and the service drifting apart costs one wait and no pace. A request reaches the
 * service a little after it leaves the bucket, so the mirror keeps a quarter second's refill in hand.
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits
 */
import type { Clock } from '../kernel/ports.js';

/** A documented budget: `capacity` requests, refilled evenly over `perSeconds`. */
export interface Budget {
  readonly capacity: number;
  readonly perSeconds: number;
}

/** The rounding of x-ms-throttle-limit-percentage (one decimal): what is left may be this share more than it says. */
const PERCENTAGE_ROUNDING = 0.05;

/** The least share of the documented refill the mirror assumes after 429s. */
const MIN_RATE_SHARE = 1 / 64;
/** What a 429 leaves of the refill assumed. */
const RATE_SHARE_AFTER_429 = 0.75;
/** The refill kept in hand for the time a request takes to reach the service. */
const IN_FLIGHT_MS = 250;

export class Pace {
  private tokens: number;
  private updatedAt: number;
  private holdUntil = 0;
  /** The share of the documented refill assumed now (1 until a 429 says less). */
  private rateShare = 1;
  private lastThrottledAt = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();
  /** Requests that came back 429, for the figures. */
  throttled = 0;

  constructor(private readonly budget: Budget, private readonly clock: Clock) {
    this.tokens = budget.capacity;
    this.updatedAt = clock.now().getTime();
  }

  private get perMs(): number {
    return (this.rateShare * this.budget.capacity) / (this.budget.perSeconds * 1000);
  }

  private refill(): number {
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.budget.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
    return now;
  }

  /** Waits (takers in turn) until `count` requests fit the budget, then spends them. */
  take(count: number): Promise<void> {
    const needed = Math.min(count, this.budget.capacity);
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.refill();
        if (now - this.lastThrottledAt > this.budget.perSeconds * 1000) this.rateShare = 1;
        // What is left must cover the request and the in-flight time's refill (a one-off offset, not a slower pace).
        const short = Math.max(0, Math.min(this.budget.capacity, needed + this.perMs * IN_FLIGHT_MS) - this.tokens);
        const waitMs = Math.max(this.holdUntil - now, short / this.perMs);
        if (waitMs <= 0) break;
        await this.clock.sleep(Math.ceil(waitMs));
      }
      this.tokens -= needed;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** The service said this share of its budget is used (0.8–1.8): at most the rest is left. */
  observeUsedShare(share: number | undefined): void {
    if (share === undefined || !Number.isFinite(share)) return;
    this.refill();
    const left = Math.max(0, (1 - share + PERCENTAGE_ROUNDING) * this.budget.capacity);
    this.tokens = Math.min(this.tokens, left);
  }

  /** A 429: nothing is left, and nobody sends before Retry-After (or a short back-off when it gave none). */
  onThrottled(retryAfterSeconds: number | undefined, count = 1): void {
    this.throttled += count;
    const now = this.refill();
    this.tokens = Math.min(this.tokens, 0);
    // Once per wait (the 19 other 429s of the same batch say nothing new), and only when the last wait was within a window.
    const again = now - this.lastThrottledAt <= this.budget.perSeconds * 1000;
    if (now >= this.holdUntil && again) this.rateShare = Math.max(MIN_RATE_SHARE, this.rateShare * RATE_SHARE_AFTER_429);
    this.lastThrottledAt = now;
    const waitMs = (retryAfterSeconds ?? this.budget.perSeconds / this.budget.capacity) * 1000;
    this.holdUntil = Math.max(this.holdUntil, now + waitMs);
  }

  /** When a request may be sent again after a 429 (for a row's notBefore). */
  heldUntil(): number {
    return this.holdUntil;
  }
}

/** The floor: the least time the budget allows for `requests` requests, starting with a full bucket. */
export function floorSeconds(budget: Budget, requests: number): number {
  return (Math.max(0, requests - budget.capacity) * budget.perSeconds) / budget.capacity;
}
