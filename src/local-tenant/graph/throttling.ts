/**
 * Graph's throttling as the local tenant plays it: token buckets refilled continuously, one per
 * limit of https://learn.microsoft.com/graph/throttling-limits a request counts against. The
 * identity service (users, groups, directory objects) has resource units per app and tenant and
 * write budgets per app and tenant and per tenant; a Temporary Access Pass (the authenticationMethod
 * resource) and a mail (Outlook, Exchange Online's sending limits) are other services with their own
 * budgets, so they never spend the directory's writes.
 */
import { z } from 'zod';

/** Throttling settings (PUT /_tenant/throttling, LocalTenant.setThrottling). */
export const throttlingSettingsSchema = z.object({
  enabled: z.boolean(),
  /** Resource units per window for one app in this tenant; null = by tenant size (S 3,500, M 5,000, L 8,000). */
  resourceUnitsPerWindow: z.number().int().positive().nullable(),
  windowSeconds: z.number().positive(),
  /** Writes per write window for one app in this tenant. */
  writesPerWindow: z.number().int().positive(),
  writeWindowSeconds: z.number().positive(),
  /** Writes per tenant window, all apps together. */
  tenantWritesPerWindow: z.number().int().positive(),
  tenantWriteWindowSeconds: z.number().positive(),
  /**
   * Requests on a user's authentication methods (a Temporary Access Pass) per window for one app in
   * this tenant: "Identity and access reports service limits" lists the authenticationMethod
   * resource at 5 requests per 10 s per app per tenant. That creating a pass counts against it is
   * the documentation's list, not confirmed by a response seen from Entra.
   */
  authenticationMethodRequestsPerWindow: z.number().int().positive(),
  authenticationMethodWindowSeconds: z.number().positive(),
  /** Outlook: requests per window for one app on one mailbox (10,000 per 10 minutes). */
  mailboxRequestsPerWindow: z.number().int().positive(),
  mailboxWindowSeconds: z.number().positive(),
  /**
   * Exchange Online's sending limit per mailbox (30 messages a minute,
   * https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1).
   * How Graph answers past it is not documented; the local tenant refuses with 429 like Outlook's
   * own limits, the strictest reading (a client that paces itself never sees it).
   */
  mailboxMessagesPerWindow: z.number().int().positive(),
  mailboxMessageWindowSeconds: z.number().positive(),
}).strict();
export type ThrottlingSettings = z.infer<typeof throttlingSettingsSchema>;

/** Entra's identity-service limits (throttling-limits.md). */
export const REAL_LIMITS: ThrottlingSettings = {
  enabled: true,
  resourceUnitsPerWindow: null,
  windowSeconds: 10,
  writesPerWindow: 3000,
  writeWindowSeconds: 150,
  tenantWritesPerWindow: 18000,
  tenantWriteWindowSeconds: 300,
  authenticationMethodRequestsPerWindow: 5,
  authenticationMethodWindowSeconds: 10,
  mailboxRequestsPerWindow: 10000,
  mailboxWindowSeconds: 600,
  mailboxMessagesPerWindow: 30,
  mailboxMessageWindowSeconds: 60,
};

export function resourceUnitsForTenantSize(userCount: number): { size: 'small' | 'medium' | 'large'; limit: number } {
  if (userCount < 50) return { size: 'small', limit: 3500 };
  if (userCount <= 500) return { size: 'medium', limit: 5000 };
  return { size: 'large', limit: 8000 };
}

/**
 * The service whose limits a request counts against, when it is not the identity service: a
 * user's authentication methods, or a mailbox (Outlook; `sendsMessage` also counts against
 * Exchange Online's sending limit).
 */
export type OtherService = { kind: 'authenticationMethod' } | { kind: 'mailbox'; mailbox: string; sendsMessage: boolean };

/** What a request costs before it runs. */
export interface RequestCost {
  resourceUnits: number;
  isWrite: boolean;
  /** Absent: the identity service (resource units and writes). */
  service?: OtherService | undefined;
}

/** Base cost by request kind, adjusted for $select (−1), $expand (+1), $top < 20 (−1); minimum 1. */
export function costOf(baseUnits: number, isWrite: boolean, query: URLSearchParams, service?: OtherService): RequestCost {
  if (service) return { resourceUnits: 0, isWrite: false, service };
  let units = baseUnits;
  if (query.has('$select')) units -= 1;
  if (query.has('$expand')) units += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && Number.isFinite(top) && top < 20) units -= 1;
  return { resourceUnits: Math.max(1, units), isWrite };
}

interface Bucket {
  tokens: number;
  capacity: number;
  updatedAt: number;
}

export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; headers: Record<string, string>; retryAfterSeconds: number; reason: string; category: string;
      /** The error body's code and message (the identity service's TooManyRequests when absent). */
      error?: { code: string; message: string } };

/** Token buckets per app+tenant (resource units, writes) and per tenant (writes). */
export class Throttler {
  private settings: ThrottlingSettings = { ...REAL_LIMITS };
  private readonly buckets = new Map<string, Bucket>();

  getSettings(): ThrottlingSettings {
    return { ...this.settings };
  }

  /** Replaces the settings (merged with the current ones) and refills every bucket. */
  configure(update: Partial<ThrottlingSettings>): ThrottlingSettings {
    this.settings = throttlingSettingsSchema.parse({ ...this.settings, ...update });
    this.buckets.clear();
    return this.getSettings();
  }

  check(tenantId: string, appId: string, cost: RequestCost, userCount: number, now = Date.now()): ThrottleDecision {
    if (cost.service) return this.checkOtherService(tenantId, appId, cost.service, now);
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost.resourceUnits) };
    if (!this.settings.enabled) return { allowed: true, headers };
    const tenantSize = resourceUnitsForTenantSize(userCount);
    const ruLimit = this.settings.resourceUnitsPerWindow ?? tenantSize.limit;
    const category = `throttle.aad.ags.appId.${tenantSize.size}`;

    const ru = this.bucket(`ru:${tenantId}:${appId}`, ruLimit, this.settings.windowSeconds, now);
    const appWrites = cost.isWrite ? this.bucket(`w:${tenantId}:${appId}`, this.settings.writesPerWindow, this.settings.writeWindowSeconds, now) : undefined;
    const tenantWrites = cost.isWrite ? this.bucket(`tw:${tenantId}`, this.settings.tenantWritesPerWindow, this.settings.tenantWriteWindowSeconds, now) : undefined;

    // x-ms-throttle-scope is <Scope>/<Limit>/<ApplicationId>/<TenantId|UserId|ResourceId>, the application id
    // always present; what Entra sends for the tenant scope (all apps) is not shown anywhere: the same form is kept.
    if (ru.tokens < cost.resourceUnits) {
      return this.denied(headers, ru, cost.resourceUnits, this.settings.windowSeconds, 'ResourceUnitLimitExceeded', `Tenant_Application/ReadWrite/${appId}/${tenantId}`, category);
    }
    if (appWrites && appWrites.tokens < 1) {
      return this.denied(headers, appWrites, 1, this.settings.writeWindowSeconds, 'WriteLimitExceeded', `Tenant_Application/Write/${appId}/${tenantId}`, category);
    }
    if (tenantWrites && tenantWrites.tokens < 1) {
      return this.denied(headers, tenantWrites, 1, this.settings.tenantWriteWindowSeconds, 'WriteLimitExceeded', `Tenant/Write/${appId}/${tenantId}`, category);
    }
    ru.tokens -= cost.resourceUnits;
    if (appWrites) appWrites.tokens -= 1;
    if (tenantWrites) tenantWrites.tokens -= 1;
    // The share of the most used limit this request counted against: resource units, or a write budget.
    const used = Math.max(...[ru, appWrites, tenantWrites].filter((b): b is Bucket => b !== undefined).map((b) => 1 - b.tokens / b.capacity));
    if (used > 0.8) headers['x-ms-throttle-limit-percentage'] = used.toFixed(1);
    return { allowed: true, headers };
  }

  /** A Temporary Access Pass or a mail: its own service's buckets, no resource units, no directory write. */
  private checkOtherService(tenantId: string, appId: string, service: OtherService, now: number): ThrottleDecision {
    if (!this.settings.enabled) return { allowed: true, headers: {} };
    const s = this.settings;
    const limits: Array<{ bucket: Bucket; windowSeconds: number; reason: string; message: string }> = service.kind === 'authenticationMethod'
      ? [{
          bucket: this.bucket(`am:${tenantId}:${appId}`, s.authenticationMethodRequestsPerWindow, s.authenticationMethodWindowSeconds, now),
          windowSeconds: s.authenticationMethodWindowSeconds, reason: 'RequestLimitExceeded', message: 'Too many requests. Please try again later.',
        }]
      : [
          {
            bucket: this.bucket(`mb:${appId}:${service.mailbox}`, s.mailboxRequestsPerWindow, s.mailboxWindowSeconds, now),
            windowSeconds: s.mailboxWindowSeconds, reason: 'MailboxRequestLimitExceeded', message: 'Application is over its request limit for this mailbox.',
          },
          ...(service.sendsMessage ? [{
            bucket: this.bucket(`send:${service.mailbox}`, s.mailboxMessagesPerWindow, s.mailboxMessageWindowSeconds, now),
            windowSeconds: s.mailboxMessageWindowSeconds, reason: 'MessageRateLimitExceeded', message: 'The mailbox is over its message rate limit.',
          }] : []),
        ];
    for (const { bucket, windowSeconds, reason, message } of limits) {
      if (bucket.tokens >= 1) continue;
      const retryAfterSeconds = secondsUntil(bucket, 1, windowSeconds);
      return {
        allowed: false, retryAfterSeconds, reason, category: service.kind,
        // Outlook's throttling answers carry ApplicationThrottled (seen in public reports of "Application is over its … limit").
        error: service.kind === 'mailbox' ? { code: 'ApplicationThrottled', message } : { code: 'TooManyRequests', message },
        headers: { 'retry-after': formatSeconds(retryAfterSeconds) },
      };
    }
    for (const { bucket } of limits) bucket.tokens -= 1;
    return { allowed: true, headers: {} };
  }

  private bucket(key: string, capacity: number, windowSeconds: number, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.capacity !== capacity) {
      bucket = { tokens: capacity, capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    const refill = ((now - bucket.updatedAt) / (windowSeconds * 1000)) * capacity;
    bucket.tokens = Math.min(capacity, bucket.tokens + refill);
    bucket.updatedAt = now;
    return bucket;
  }

  /** x-ms-throttle-scope is "<Scope>/<Limit>/<ApplicationId>/<TenantId>" (throttling-limits). */
  private denied(
    headers: Record<string, string>,
    bucket: Bucket,
    needed: number,
    windowSeconds: number,
    reason: 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded',
    scope: string,
    category: string,
  ): ThrottleDecision {
    const retryAfterSeconds = secondsUntil(bucket, needed, windowSeconds);
    return {
      allowed: false,
      retryAfterSeconds,
      reason,
      category,
      headers: {
        ...headers,
        'retry-after': formatSeconds(retryAfterSeconds),
        'x-ms-throttle-limit-percentage': (1 + needed / bucket.capacity).toFixed(1),
        'x-ms-throttle-scope': scope,
        'x-ms-throttle-information': reason,
      },
    };
  }
}

/**
 * How long until the bucket holds `needed` tokens, to the millisecond: Graph's Retry-After can be
 * fractional ("Retry-After: 2.128", https://learn.microsoft.com/graph/throttling), and a whole
 * second rounded up would make every client wait longer than the budget asks.
 */
function secondsUntil(bucket: Bucket, needed: number, windowSeconds: number): number {
  const perSecond = bucket.capacity / windowSeconds;
  return Math.max(0.001, Math.ceil(((needed - bucket.tokens) / perSecond) * 1000) / 1000);
}

/** Seconds as Retry-After writes them: up to three decimals, no trailing zeros. */
function formatSeconds(seconds: number): string {
  return String(Number(seconds.toFixed(3)));
}
