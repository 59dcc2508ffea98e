/** The record kernel every use case moves a request with: claim, compare-and-set, audit, backoff. */
import { describe, expect, it } from 'vitest';
import { newOnboardingRecord, type OnboardingRecord } from '../../src/onboarding/index.js';
import { audit, claimStep, moveTo, requireRequest, retryWithBackoff, settleAudit, write } from '../../src/onboarding/kernel/record-kernel.js';
import { makeWorld, requester } from './fakes.js';

function stored(world: ReturnType<typeof makeWorld>, changes: Partial<OnboardingRecord> = {}) {
  const record: OnboardingRecord = {
    ...newOnboardingRecord({ requestId: 'r1', correlationId: 'c1', requester, form: { ticketReference: 'HR-1' }, at: world.clock.now() }),
    ...changes,
  };
  world.store.records.set('r1', { json: JSON.stringify(record), version: 1 });
  return { record, version: '1' };
}

describe('record kernel', () => {
  it('when an event is audited, then it names the request, its requester, user name and ticket, the status, and this instance', async () => {
    const world = makeWorld();
    const { record } = stored(world);
    await audit(world.deps('instance-a'), record, 'request.received', { extra: 1 });
    expect(world.audit.events).toEqual([{
      eventId: expect.any(String), requestId: 'r1', correlationId: 'c1', at: world.clock.now().toISOString(), type: 'request.received', actor: 'instance-a',
      details: { status: 'received', requesterId: requester.id, requesterName: requester.name, userPrincipalName: null, displayName: null, ticketReference: 'HR-1', extra: 1 },
    }]);
    const validated = { ...record, request: { userPrincipalName: 'a.b@contoso.com', displayName: 'A B', ticketReference: 'HR-2' } } as unknown as OnboardingRecord;
    await audit(world.deps(), validated, 'request.validated', {});
    expect(world.audit.events[1]?.details).toMatchObject({ userPrincipalName: 'a.b@contoso.com', displayName: 'A B', ticketReference: 'HR-2' });
  });

  it('when a write finds the record changed since it was read, then nothing is written or audited and the caller is told', async () => {
    const world = makeWorld();
    const first = stored(world);
    expect(await write(world.deps(), first, 'validated', {}, 'x')).toMatchObject({ record: { status: 'validated' }, version: '2' });
    expect(await write(world.deps(), first, 'rejected', {}, 'y')).toBeNull();
    expect(world.audit.events.map((e) => e.type)).toEqual(['x']);
    expect(await moveTo(world.deps(), { record: { ...first.record, status: 'validated' }, version: '2' }, 'rejected', {})).toMatchObject({ kind: 'stop', record: { status: 'rejected' } });
  });

  it('when a run changes state, then each event is stored with its change and all go to the audit log in one batch with the final status', async () => {
    const world = makeWorld();
    const run = { ...world.deps('run-a'), auditInOutbox: true };
    const checked = await write(run, stored(world), 'checked', {}, 'request.validated');
    const creating = await write(run, checked!, 'creating', {}, 'account.creating');
    expect(world.audit.events).toEqual([]);
    expect(JSON.parse(world.store.dump()).auditOutbox.map((e: { type: string }) => e.type)).toEqual(['request.validated', 'account.creating']);
    await write(run, creating!, 'done', {}, 'onboarding.done');
    expect(world.audit.events.map((e) => e.type)).toEqual(['request.validated', 'account.creating', 'onboarding.done']);
    expect(world.audit.requests).toBe(1);
    expect(JSON.parse(world.store.dump())).not.toHaveProperty('auditOutbox');
  });

  it('when a run stops short of a final status, or crashed after a change, then its events are sent once and the outbox is emptied', async () => {
    const world = makeWorld();
    const run = { ...world.deps('run-a'), auditInOutbox: true };
    const created = await write(run, stored(world), 'created', {}, 'account.created');
    // The run "crashes" here; the next run stops (pending) and settles what it found.
    const next = { ...world.deps('run-b'), auditInOutbox: true };
    const pending = await write(next, created!, 'created', {}, 'request.pending');
    await settleAudit(next, pending!.record);
    await settleAudit(next, pending!.record);
    expect(world.audit.events.map((e) => e.type)).toEqual(['account.created', 'request.pending']);
    expect(JSON.parse(world.store.dump())).not.toHaveProperty('auditOutbox');
    // A write outside a run sends whatever a crashed run left, then its own event.
    const left = await write(run, (await world.store.get('r1'))!, 'delivering', {}, 'delivery.started');
    await write(world.deps(), left!, 'delivered', {}, 'password.delivered');
    expect(world.audit.events.map((e) => e.type).slice(2)).toEqual(['delivery.started', 'password.delivered']);
  });

  it('when another run holds a live lease, then claiming the step is lost with "being processed right now"; once it runs out, the claim succeeds', async () => {
    const world = makeWorld();
    const lease = { owner: 'instance-b', until: new Date(world.clock.now().getTime() + 1000).toISOString() };
    const held = stored(world, { lease });
    expect(await claimStep(world.deps('instance-a'), held, 'creating')).toMatchObject({ kind: 'lost', result: { kind: 'stop', record: { problem: { code: 'BUSY_ELSEWHERE' } } } });
    world.clock.advance(1001);
    const claim = await claimStep(world.deps('instance-a'), held, 'creating');
    expect(claim).toMatchObject({ kind: 'claimed', stored: { record: { status: 'creating', lease: { owner: 'instance-a' } } } });
  });

  it('when a read keeps missing, then it is tried the given number of times, waiting the delay, twice it, four times it', async () => {
    const world = makeWorld();
    let calls = 0;
    const answer = await retryWithBackoff(world.deps(), 4, async () => (calls += 1), () => false);
    expect([answer, calls, world.clock.slept]).toEqual([4, 4, 500 + 1000 + 2000]);
    const early = makeWorld();
    let tries = 0;
    expect(await retryWithBackoff(early.deps(), 4, async () => (tries += 1), (n) => n === 2)).toBe(2);
    expect(early.clock.slept).toBe(500);
  });

  it('when a step needs the validated request of a record that has none, then it is a bug and says so', () => {
    const world = makeWorld();
    expect(() => requireRequest(stored(world).record)).toThrow('Request r1 is received but was never validated');
  });
});
