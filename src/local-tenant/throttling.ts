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
};

export function resourceUnitsForTenantSize(userCount: number): { size: 'small' | 'medium' | 'large'; limit: number } {
  if (userCount < 50) return { size: 'small', limit: 3500 };
  if (userCount <= 500) return { size: 'medium', limit: 5000 };
  return { size: 'large', limit: 8000 };
}

/** What a request costs before it runs. */
export interface RequestCost {
  resourceUnits: number;
  isWrite: boolean;
}

/** Base cost by request kind, adjusted for $select (−1), $expand (+1), $top < 20 (−1); minimum 1. */
export function costOf(baseUnits: number, isWrite: boolean, query: URLSearchParams): RequestCost {
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
  | { allowed: false; headers: Record<string, string>; retryAfterSeconds: number; reason: 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded'; category: string };

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
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost.resourceUnits) };
    if (!this.settings.enabled) return { allowed: true, headers };
    const tenantSize = resourceUnitsForTenantSize(userCount);
    const ruLimit = this.settings.resourceUnitsPerWindow ?? tenantSize.limit;
    const category = `throttle.aad.ags.appId.${tenantSize.size}`;

    const ru = this.bucket(`ru:${tenantId}:${appId}`, ruLimit, this.settings.windowSeconds, now);
    const appWrites = cost.isWrite ? this.bucket(`w:${tenantId}:${appId}`, this.settings.writesPerWindow, this.settings.writeWindowSeconds, now) : undefined;
    const tenantWrites = cost.isWrite ? this.bucket(`tw:${tenantId}`, this.settings.tenantWritesPerWindow, this.settings.tenantWriteWindowSeconds, now) : undefined;

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
    const perSecond = bucket.capacity / windowSeconds;
    const retryAfterSeconds = Math.max(1, Math.ceil((needed - bucket.tokens) / perSecond));
    return {
      allowed: false,
      retryAfterSeconds,
      reason,
      category,
      headers: {
        ...headers,
        'retry-after': String(retryAfterSeconds),
        'x-ms-throttle-limit-percentage': (1 + needed / bucket.capacity).toFixed(1),
        'x-ms-throttle-scope': scope,
        'x-ms-throttle-information': reason,
      },
    };
  }
}
