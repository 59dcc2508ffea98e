/**
 * Submitting: only the click that stores a request spends a rate-limit slot, and a refused
 * request stays refused for its duplicates.
 */
import { describe, expect, it } from 'vitest';
import {
  REFUSAL_EVENT, submitRequest, type RateLimiter, type RequestDeskDependencies, type RoleResolver,
} from '../../src/onboarding/index.js';
import { form, makeWorld, requester } from './fakes.js';

/** A fixed-window limiter that counts every take and answers after a turn of the event loop, like storage does. */
class CountingLimiter implements RateLimiter {
  readonly takes: string[] = [];
  private readonly used = new Map<string, number>();
  async take(key: string, limit: number) {
    this.takes.push(key);
    await new Promise((resolve) => setImmediate(resolve));
    const used = this.used.get(key) ?? 0;
    if (used >= limit) return { allowed: false as const, retryAfterMs: 30 * 60_000 };
    this.used.set(key, used + 1);
    return { allowed: true as const, remaining: limit - used - 1 };
  }
}

function desk(limits = { perRequesterPerHour: 3, totalPerHour: 100 }) {
  const world = makeWorld();
  const roles: RoleResolver = { roleOf: async () => 'requester', whomToAsk: async () => ({ admins: 'IT', requesters: 'managers' }) };
  const limiter = new CountingLimiter();
  const deps: RequestDeskDependencies = {
    ...world.deps('instance-a', { approval: { mode: 'none', allowSelfApproval: false, expiresAfterMs: 3_600_000 } }),
    roles,
    rateLimiter: limiter,
    rateLimits: limits,
    notice: { notifyRequester: async () => ({ kind: 'delivered' }) },
    history: { listByRequester: async () => ({ requests: [] }), findByTicketReference: async () => ({ requests: [] }) },
    auditTrail: { query: async () => [], toCsv: () => '' },
    defaultUsageLocation: 'US',
  };
  return { world, deps, limiter };
}

describe('submitting a request', () => {
  it('when 20 Create clicks of one request arrive at once, then exactly one of them takes a rate-limit slot and one account is created', async () => {
    const { world, deps, limiter } = desk();
    const submissions = await Promise.all(Array.from({ length: 20 }, () => submitRequest(deps, { requestId: 'request-1', requester, form: form() })));
    expect(submissions.every((s) => s.kind === 'accepted')).toBe(true);
    await Promise.all(submissions.map((s) => (s.kind === 'accepted' ? s.work : undefined)));
    expect(limiter.takes.filter((key) => key.startsWith('requester:'))).toHaveLength(1);
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
  });

  it('when the limit is reached, then the request is refused once and recorded as such, and a duplicate hears the same without taking a slot', async () => {
    const { world, deps, limiter } = desk({ perRequesterPerHour: 1, totalPerHour: 100 });
    const first = await submitRequest(deps, { requestId: 'request-1', requester, form: form() });
    if (first.kind === 'accepted') await first.work;
    const refused = await submitRequest(deps, { requestId: 'request-2', requester, form: form({ givenName: 'Ana' }) });
    expect(refused).toMatchObject({ kind: 'refused', asNewRequest: true, sentence: expect.stringMatching(/You have made 1 account requests in the last hour/) });
    const takes = limiter.takes.length;
    const again = await submitRequest(deps, { requestId: 'request-2', requester, form: form({ givenName: 'Ana' }) });
    expect(again).toEqual(refused);
    expect(limiter.takes.length).toBe(takes);
    expect((await world.store.get('request-2'))?.record).toMatchObject({ status: 'rejected', problem: { code: 'RATE_LIMITED' } });
    expect(world.audit.events.filter((e) => e.type === REFUSAL_EVENT)).toEqual([
      expect.objectContaining({ requestId: 'request-2', details: expect.objectContaining({ reason: 'RATE_LIMITED', personId: requester.id, action: 'create' }) }),
    ]);
    expect(world.directory.createdByWorkflow().filter((a) => JSON.stringify(a).includes('ana.'))).toHaveLength(0);
  });
});
