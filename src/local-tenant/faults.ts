import { z } from 'zod';

/** One injected failure, applied to the requests it matches. */
export const faultRuleSchema = z.object({
  /** HTTP method to match (any when absent). */
  method: z.string().toUpperCase().optional(),
  /** Regular expression matched against the URL path, e.g. "^/v1.0/users$" (any when absent). */
  path: z.string().refine((source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression').optional(),
  /**
   * status: answer with `status` without doing anything;
   * reset: drop the connection without doing anything;
   * lostResponse: do the request (the write happens), then drop the connection —
   * or answer with `status` (e.g. 504) when one is given;
   * hold: keep the request waiting, not yet run, until the faults are set again (then it runs as
   * if it had just arrived) — to see what a caller does while Graph has not answered (Graph only).
   */
  action: z.enum(['status', 'reset', 'lostResponse', 'hold']),
  status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
  retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
  /** Apply to the next N matching requests only, then remove the rule. */
  count: z.number().int().positive().optional(),
  /** Probability per matching request (seeded, so runs repeat exactly). Default 1. */
  rate: z.number().min(0).max(1).optional(),
}).strict();
export type FaultRule = z.infer<typeof faultRuleSchema>;

export const faultSettingsSchema = z.object({
  /** Added to every request (token service and Graph), in milliseconds. */
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  /** A user created less than this many ms ago is not yet visible to GETs (404). */
  replicationLagMs: z.number().int().min(0).default(0),
  /** Seed for `rate`; the same seed and request sequence give the same faults. */
  seed: z.number().int().default(1),
  rules: z.array(faultRuleSchema).max(100).default([]),
}).strict();
export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export type FaultSettingsInput = z.input<typeof faultSettingsSchema>;

/** The fault chosen for one request. */
export type ChosenFault =
  | { action: 'status'; status: number; retryAfterSeconds: number }
  | { action: 'reset' }
  | { action: 'lostResponse'; status?: number }
  | { action: 'hold' };

/** Holds the fault settings and decides, request by request, which fault applies. */
export class FaultInjector {
  private settings: FaultSettings = faultSettingsSchema.parse({});
  private random: () => number = mulberry32(1);
  /** Requests a `hold` rule keeps waiting; setting the faults again lets them go. */
  private readonly waiting: Array<() => void> = [];

  get(): FaultSettings {
    return structuredClone(this.settings);
  }

  /** Replaces all fault settings (validated); returns what is now in force. */
  set(input: FaultSettingsInput): FaultSettings {
    this.settings = faultSettingsSchema.parse(input);
    this.random = mulberry32(this.settings.seed);
    for (const release of this.waiting.splice(0)) release();
    return this.get();
  }

  /** How many requests a `hold` rule keeps waiting now. */
  get held(): number {
    return this.waiting.length;
  }

  /** Resolves when the faults are next set (a held request then goes on). */
  released(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get latencyMs(): number {
    return this.settings.latencyMs;
  }

  get replicationLagMs(): number {
    return this.settings.replicationLagMs;
  }

  /** Picks the first matching rule that fires, consuming one of its counts. */
  choose(method: string, path: string, only?: Array<ChosenFault['action']>): ChosenFault | null {
    for (const [index, rule] of this.settings.rules.entries()) {
      if (only && !only.includes(rule.action)) continue;
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path).test(path)) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      if (rule.count !== undefined) {
        rule.count -= 1;
        if (rule.count <= 0) this.settings.rules.splice(index, 1);
      }
      switch (rule.action) {
        case 'status':
          return { action: 'status', status: rule.status ?? 503, retryAfterSeconds: rule.retryAfterSeconds ?? 1 };
        case 'reset':
          return { action: 'reset' };
        case 'lostResponse':
          return rule.status ? { action: 'lostResponse', status: rule.status } : { action: 'lostResponse' };
        case 'hold':
          return { action: 'hold' };
      }
    }
    return null;
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
