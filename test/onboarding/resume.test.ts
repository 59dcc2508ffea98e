import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  defaultOnboardingPolicy, finalStatuses, onboard, resumeUnfinishedRequests, scheduleResume, submitOnboardingRequest, type OnboardingPolicy,
  type DeliveryOutcome, type OnboardingRecord, type RequestIndex, type Requester, type RequesterNotice, type StoredRequest,
} from '../../src/onboarding/index.js';
import { Crash, form, makeWorld, requester, type InMemoryRequestStore, type World } from './fakes.js';

const LEASE_MS = 120_000;

/** The in-memory store's unfinished requests, as the Blob store's index answers them. */
function indexOf(store: InMemoryRequestStore): RequestIndex & { lists: number } {
  const index = {
    lists: 0,
    async listUnfinished() {
      index.lists += 1;
      const requests: StoredRequest[] = [];
      for (const [, row] of store.records) {
        const record = JSON.parse(row.json) as OnboardingRecord;
        if (!finalStatuses.has(record.status)) requests.push({ record, version: String(row.version) });
      }
      return { requests };
    },
  };
  return index;
}

class RecordingNotice implements RequesterNotice {
  readonly sent: { requester: Requester; requestId: string; text: string }[] = [];
  async notifyRequester(to: Requester, notice: { requestId: string; text: string }): Promise<DeliveryOutcome> {
    this.sent.push({ requester: to, ...notice });
    return { kind: 'delivered' };
  }
}

/** Starts a request on instance-a and lets it crash where `crash` says. */
async function crashedRequest(world: World, requestId: string, crash: () => void): Promise<void> {
  crash();
  await expect(onboard(world.deps('instance-a'), { requestId, requester, form: form() })).rejects.toBeInstanceOf(Crash);
}

const statusOf = async (world: World, requestId: string) => (await world.store.get(requestId))?.record.status;

describe('resuming unfinished requests', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('when an instance crashed right after the directory applied POST /users, then a pass after the lease expired finishes it with one account and one password, and a pass before leaves it alone', async () => {
    const world = makeWorld();
    await crashedRequest(world, 'r1', () => world.directory.createFaults.push('crash-after-apply'));
    expect(await statusOf(world, 'r1')).toBe('creating');
    const index = indexOf(world.store);

    world.clock.advance(LEASE_MS - 1_000);
    const early = await resumeUnfinishedRequests(world.deps('instance-b'), index);
    expect(early).toMatchObject({ unfinished: 1, notDue: 1, resumed: [] });
    expect(world.delivery.delivered).toHaveLength(0);

    world.clock.advance(2_000);
    const report = await resumeUnfinishedRequests(world.deps('instance-b'), index);
    expect(report.resumed).toEqual([{ requestId: 'r1', status: 'done', pending: false }]);
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.delivery.delivered.map((d) => d.value)).toEqual([world.directory.createdByWorkflow()[0]!.password]);
    expect(world.audit.events.map((e) => e.type)).toContain('onboarding.done');
  });

  it('when a request was left pending by a long throttle, then it is resumed once it has been idle for a lease, without anyone clicking', async () => {
    const world = makeWorld();
    world.directory.createFaults.push('throttled');
    const outcome = await onboard(world.deps('instance-a', { maxWaitMs: 1_000 }), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'creating', pending: true, problem: { code: 'THROTTLED' } });
    const index = indexOf(world.store);

    expect((await resumeUnfinishedRequests(world.deps('instance-a'), index)).resumed).toEqual([]);
    world.clock.advance(LEASE_MS);
    const report = await resumeUnfinishedRequests(world.deps('instance-a'), index);
    expect(report.resumed).toEqual([{ requestId: 'r1', status: 'done', pending: false }]);
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.delivery.delivered).toHaveLength(1);
  });

  it('when one request cannot be resumed, then the others still are and the failure is reported, not thrown', async () => {
    const world = makeWorld();
    await crashedRequest(world, 'r1', () => world.directory.createFaults.push('crash-before-send'));
    await submitOnboardingRequest(world.deps(), { requestId: 'r2', requester, form: form({ givenName: 'Ana', surname: 'Ruiz' }) });
    world.clock.advance(LEASE_MS);
    // r1 (older) is resumed first and crashes again on the directory read; r2 must still be done.
    world.directory.readFaults.push('crash');
    const report = await resumeUnfinishedRequests(world.deps('instance-b'), indexOf(world.store));
    expect(report.failed.map((f) => f.requestId)).toEqual(['r1']);
    expect(report.resumed).toEqual([{ requestId: 'r2', status: 'done', pending: false }]);
  });

  it('when a resumed request ends rejected because someone else took the user name meanwhile, then the requester is told once in a plain sentence with free alternatives', async () => {
    const world = makeWorld();
    await crashedRequest(world, 'r1', () => world.directory.createFaults.push('crash-before-send'));
    world.directory.addAccount('jose.nunez@contoso.com', null);
    world.clock.advance(LEASE_MS);
    const notice = new RecordingNotice();
    const report = await resumeUnfinishedRequests(world.deps('instance-b'), indexOf(world.store), { notice });
    expect(report.resumed).toEqual([{ requestId: 'r1', status: 'rejected', pending: false }]);
    expect(notice.sent).toHaveLength(1);
    expect(notice.sent[0]).toMatchObject({ requester, requestId: 'r1' });
    expect(notice.sent[0]!.text).toMatch(/^I could not create the account for José Núñez\. That user name is already used/);
    expect(notice.sent[0]!.text).toContain('jnunez@contoso.com');
    expect(report.notified).toEqual([{ requestId: 'r1', delivered: true }]);
  });

  it('when delivery keeps failing until the request fails, then the requester is told, without the password', async () => {
    const world = makeWorld();
    world.delivery.faults.push('undeliverable', 'undeliverable', 'undeliverable');
    const first = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(first).toMatchObject({ status: 'created', pending: true });
    const notice = new RecordingNotice();
    const index = indexOf(world.store);
    for (let pass = 0; pass < 3 && (await statusOf(world, 'r1')) !== 'failed'; pass += 1) {
      world.clock.advance(LEASE_MS);
      await resumeUnfinishedRequests(world.deps('instance-b'), index, { notice });
    }
    expect(await statusOf(world, 'r1')).toBe('failed');
    expect(notice.sent).toHaveLength(1);
    expect(notice.sent[0]!.text).toMatch(/^I could not finish the account for José Núñez\. The account exists, but its temporary password could not be sent/);
    // No try is left, so the requester is sent to IT rather than told to wait for one.
    expect(notice.sent[0]!.text).toContain('can reissue the credentials');
    expect(notice.sent[0]!.text).not.toContain('will be sent again');
    const password = world.directory.createdByWorkflow()[0]!.password;
    expect(notice.sent[0]!.text).not.toContain(password);
    expect(world.tickets.posted.at(-1)?.ticket.status).toBe('failed');
  });

  it('when two instances resume the same request at the same moment, then it ends once: one account, one password, one notice', async () => {
    for (let seed = 1; seed <= 8; seed += 1) {
      const world = makeWorld(seed);
      await crashedRequest(world, 'r1', () => world.directory.createFaults.push('crash-before-send'));
      world.directory.addAccount('jose.nunez@contoso.com', null);
      world.clock.advance(LEASE_MS);
      const notice = new RecordingNotice();
      const index = indexOf(world.store);
      await Promise.all([
        resumeUnfinishedRequests(world.deps('instance-b'), index, { notice }),
        resumeUnfinishedRequests(world.deps('instance-c'), index, { notice }),
      ]);
      expect(await statusOf(world, 'r1')).toBe('rejected');
      expect(notice.sent).toHaveLength(1);

      const other = makeWorld(seed);
      await crashedRequest(other, 'r2', () => other.directory.createFaults.push('crash-after-apply'));
      other.clock.advance(LEASE_MS);
      const index2 = indexOf(other.store);
      await Promise.all([
        resumeUnfinishedRequests(other.deps('instance-b'), index2),
        resumeUnfinishedRequests(other.deps('instance-c'), index2),
      ]);
      // One may stop on the other's lease; a later pass finishes whatever is left.
      other.clock.advance(LEASE_MS);
      await resumeUnfinishedRequests(other.deps('instance-d'), index2);
      expect(await statusOf(other, 'r2')).toBe('done');
      expect(other.directory.createdByWorkflow()).toHaveLength(1);
      expect(new Set(other.delivery.delivered.map((d) => d.value)).size).toBe(1);
      expect(other.delivery.delivered).toHaveLength(1);
    }
  });

  it('when a request waits for an approver, then resume leaves it alone however long it waits', async () => {
    const world = makeWorld();
    await submitOnboardingRequest(world.deps(), { requestId: 'r1', requester, form: form() });
    const stored = (await world.store.get('r1'))!;
    await world.store.update({ ...stored.record, status: 'awaiting_approval' }, stored.version);
    world.clock.advance(10 * LEASE_MS);
    const report = await resumeUnfinishedRequests(world.deps('instance-b'), indexOf(world.store));
    expect(report).toMatchObject({ unfinished: 1, notDue: 1, resumed: [] });
    expect(await statusOf(world, 'r1')).toBe('awaiting_approval');
  });

  it('when scheduled, then a pass runs at once and then every interval, passes never overlap, and stop ends the schedule', async () => {
    vi.useFakeTimers();
    let running = 0;
    let overlapped = false;
    let passes = 0;
    const errors: unknown[] = [];
    const schedule = scheduleResume(async () => {
      running += 1;
      overlapped ||= running > 1;
      passes += 1;
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      running -= 1;
      if (passes === 2) throw new Error('storage unreachable');
    }, { intervalMs: 1_000, onError: (error) => errors.push(error) });

    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    await vi.advanceTimersByTimeAsync(2_500 + 1_000);
    expect(passes).toBe(2);
    await vi.advanceTimersByTimeAsync(2_500 + 1_000);
    expect(passes).toBe(3);
    expect(errors).toHaveLength(1);
    const stopped = schedule.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    await stopped;
    expect(passes).toBe(3);
    expect(overlapped).toBe(false);
  });
});

describe('resuming pending approvals', () => {
  const approval = { mode: 'all' as const, allowSelfApproval: false, expiresAfterMs: 3_600_000 };

  it('when an approval is pending past its expiry, then a resume pass rejects the request, updates the ticket and tells the requester', async () => {
    const world = makeWorld();
    const deps = world.deps('instance-a', { approval });
    const outcome = await onboard(deps, { requestId: 'a1', requester, form: form(), requesterRole: 'requester' });
    expect(outcome.status).toBe('awaiting_approval');
    const index = indexOf(world.store);
    const notice = new RecordingNotice();

    world.clock.advance(3_600_000 - 1_000);
    const early = await resumeUnfinishedRequests(world.deps('instance-b', { approval }), index, { notice });
    expect(early.resumed).toEqual([]);
    expect(await statusOf(world, 'a1')).toBe('awaiting_approval');

    world.clock.advance(2_000);
    await resumeUnfinishedRequests(world.deps('instance-b', { approval }), index, { notice });
    const stored = await world.store.get('a1');
    expect(stored?.record.status).toBe('rejected');
    expect(stored?.record.problem?.code).toBe('APPROVAL_EXPIRED');
    expect(world.tickets.posted.map((t) => t.ticket.status)).toEqual(['awaiting_approval', 'rejected']);
    expect(notice.sent).toHaveLength(1);
    expect([...world.directory.accounts.values()].filter((a) => a.marker === 'onboarding:a1')).toHaveLength(0);
  });
});

describe('a resume pass with a request that waits to reach its recipient (an app installation on its way)', () => {
  const policy: Partial<OnboardingPolicy> = {
    credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'reveal', recipient: { default: 'requester', choices: ['requester', 'manager'] } },
  };

  /**
   * r0 is done and its unrevealed credentials are due for deletion; r1's run died while Teams still
   * refused the manager's chat; r2's run died before POST /users. All three leases have run out.
   */
  const threeRequests = async () => {
    const world = makeWorld();
    const deps = (instance: string) => world.deps(instance, policy);
    const manager = world.directory.accounts.get('adele.vance@contoso.com')!.id;
    expect((await onboard(deps('instance-a'), { requestId: 'r0', requester, form: form({ givenName: 'Olga', surname: 'Old', ticketReference: 'HR-0' }) })).status).toBe('done');
    world.clock.advance(defaultOnboardingPolicy.credentials.revealWindowMs + 60_000);
    world.delivery.notYet.set(manager, 1_000);
    world.delivery.crashOnReach = 2;
    await expect(onboard(deps('instance-a'), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) })).rejects.toBeInstanceOf(Crash);
    world.delivery.crashOnReach = undefined;
    world.directory.createFaults.push('crash-before-send');
    await expect(onboard(deps('instance-a'), { requestId: 'r2', requester, form: form({ givenName: 'Ana', surname: 'Ruiz', ticketReference: 'HR-2' }) })).rejects.toBeInstanceOf(Crash);
    world.clock.advance(LEASE_MS + 1_000);
    return { world, deps, manager, index: indexOf(world.store) };
  };

  it('when one request waits for the installation and another is unfinished too, then the pass waits for neither: due credentials go first, the other request finishes, and the waiting one is left for a later pass', async () => {
    const { world, deps, manager, index } = await threeRequests();
    const dueWhenReaching: boolean[] = [];
    const reach = world.delivery.reach.bind(world.delivery);
    world.delivery.reach = async (person) => {
      dueWhenReaching.push(world.credentials.entries.has('r0.1'));
      return reach(person);
    };
    const sleptBefore = world.clock.slept;

    const report = await resumeUnfinishedRequests(deps('instance-b'), index);
    expect(world.clock.slept).toBe(sleptBefore);
    expect(report.purged).toBe(1);
    expect(dueWhenReaching).toEqual([false]);
    expect(report.resumed).toEqual(expect.arrayContaining([
      { requestId: 'r1', status: 'delivering', pending: true },
      { requestId: 'r2', status: 'done', pending: false },
    ]));
    const waiting = (await world.store.get('r1'))!.record;
    expect(waiting.lease).toBeUndefined();
    expect(Date.parse(waiting.credentials!.nextTryAt!)).toBeGreaterThan(world.clock.now().getTime());

    // Not due before its next try: nobody asks Teams again meanwhile.
    const tries = world.delivery.reachTries.length;
    expect((await resumeUnfinishedRequests(deps('instance-b'), index)).resumed).toEqual([]);
    expect(world.delivery.reachTries).toHaveLength(tries);

    // The installation reaches Teams; the pass after the next try delivers the card to the manager, once.
    world.delivery.notYet.set(manager, 0);
    world.clock.advance(Date.parse(waiting.credentials!.nextTryAt!) - world.clock.now().getTime());
    expect((await resumeUnfinishedRequests(deps('instance-b'), index)).resumed).toEqual([{ requestId: 'r1', status: 'done', pending: false }]);
    expect(world.delivery.revealCards.filter((c) => c.recipient.id === manager)).toHaveLength(1);
    expect(world.clock.slept).toBe(sleptBefore);
  });

  it('when passes find the recipient not reachable yet several times, then those passes cost no delivery attempt: a send Teams refuses once afterwards is tried again, not the end', async () => {
    const { world, deps, manager, index } = await threeRequests();
    for (let pass = 0; pass < 3; pass += 1) {
      await resumeUnfinishedRequests(deps('instance-b'), index);
      const waiting = (await world.store.get('r1'))!.record;
      expect(waiting.status).toBe('delivering');
      world.clock.advance(Date.parse(waiting.credentials!.nextTryAt!) - world.clock.now().getTime());
    }
    world.delivery.notYet.set(manager, 0);
    world.delivery.faults.push('undeliverable');
    await resumeUnfinishedRequests(deps('instance-b'), index);
    expect((await world.store.get('r1'))!.record).toMatchObject({ status: 'created', problem: { code: 'DELIVERY_FAILED' } });
  });

  it('when the retry window ends while passes wait, then the request ends unreachable, with the credentials sealed', async () => {
    const { world, deps, index } = await threeRequests();
    for (let pass = 0; pass < 20 && (await statusOf(world, 'r1')) === 'delivering'; pass += 1) {
      await resumeUnfinishedRequests(deps('instance-b'), index);
      const next = (await world.store.get('r1'))!.record.credentials?.nextTryAt;
      if (next) world.clock.advance(Math.max(0, Date.parse(next) - world.clock.now().getTime()));
    }
    expect((await world.store.get('r1'))!.record).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE' } });
    expect(world.credentials.entries.has('r1.1')).toBe(true);
  });
});
