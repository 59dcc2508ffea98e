import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  earlierOnboardingOf as earlierOnboardingOfHolder, onboard, processOnboardingRequest, submitOnboardingRequest, type OnboardingOutcome,
} from '../../src/onboarding/index.js';
import { Crash, form, makeWorld, requester, type CreateFault, type World } from './fakes.js';

/** Runs like a scheduler would: resume after every crash, from another instance, until the request settles. */
async function settle(world: World, requestId: string, first: () => Promise<OnboardingOutcome>): Promise<OnboardingOutcome> {
  let run = first;
  for (let i = 0; i < 30; i += 1) {
    try {
      const outcome = await run();
      if (!outcome.pending) return outcome;
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
    }
    world.clock.advance(10 * 60_000); // leases of crashed instances expire
    run = () => processOnboardingRequest(world.deps(`instance-${i}`), requestId);
  }
  throw new Error('request did not settle');
}

/** The password values known to the directory and the delivery port must appear nowhere else. */
function expectNoSecretOutsideDelivery(world: World): void {
  const secrets = [...world.directory.accounts.values()].map((a) => a.password).filter((p) => p !== 'irrelevant');
  const elsewhere = [world.store.dump(), world.credentials.dump(), JSON.stringify(world.audit.events), JSON.stringify(world.tickets.posted)].join('\n');
  for (const s of secrets) expect(elsewhere).not.toContain(s);
}

describe('an account this bot already made', () => {
  it('when a taken user name carries our marker, then the request that made it is found; an account we did not make is not ours', async () => {
    const world = makeWorld();
    await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    // As the check at review does: the account that holds the user name, read once.
    const earlierOnboardingOf = async (w: World, upn: string) => {
      const holder = await w.directory.findUserByUpn(upn);
      return holder ? earlierOnboardingOfHolder(w.deps(), holder) : null;
    };
    expect(await earlierOnboardingOf(world, 'jose.nunez@contoso.com')).toMatchObject({
      userPrincipalName: 'jose.nunez@contoso.com', requestId: 'r1', requesterName: 'Megan Bowen', receivedAt: expect.stringMatching(/^\d{4}-/),
    });
    expect(await earlierOnboardingOf(world, 'adele.vance@contoso.com')).toBeNull();
    expect(await earlierOnboardingOf(world, 'nobody@contoso.com')).toBeNull();
    // The request record is gone (retention): the account is still recognised, without its requester.
    const elsewhere = makeWorld();
    elsewhere.directory.accounts.set('jose.nunez@contoso.com', world.directory.accounts.get('jose.nunez@contoso.com')!);
    expect(await earlierOnboardingOf(elsewhere, 'jose.nunez@contoso.com')).toMatchObject({ requestId: 'r1', requesterName: undefined });
  });
});

describe('onboarding workflow — the story', () => {
  it('when a valid request arrives, then one account is created, the password is delivered privately, and the request is done', async () => {
    const world = makeWorld();
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });

    expect(outcome).toMatchObject({ status: 'done', pending: false, userPrincipalName: 'jose.nunez@contoso.com', warnings: [] });
    const [account, ...more] = world.directory.createdByWorkflow();
    expect(more).toEqual([]);
    expect(account).toMatchObject({ userPrincipalName: 'jose.nunez@contoso.com', marker: 'onboarding:r1', managerId: world.directory.accounts.get('adele.vance@contoso.com')?.id });
    expect(account?.draft).toMatchObject({ givenName: 'José', surname: 'Núñez', displayName: 'José Núñez', usageLocation: 'ES', jobTitle: 'Engineer' });
    expect(world.delivery.delivered).toEqual([{ requester, value: account?.password, requestId: 'r1', displayName: 'José Núñez' }]);
    expect(JSON.stringify(world.delivery.delivered[0])).not.toContain('jose.nunez@');
    expect(world.tickets.posted.at(-1)?.ticket).toMatchObject({ status: 'done', userPrincipalName: 'jose.nunez@contoso.com', ticketReference: 'HR-1234', objectId: account?.id });
    // No secret stays behind: not in the record, and its credentials entry is deleted.
    expect(JSON.parse(world.store.dump())).not.toHaveProperty('sealedPassword');
    expect(world.credentials.entries.size).toBe(0);
    expect(world.audit.events.map((e) => e.type)).toEqual([
      'request.received', 'request.validated', 'account.creating', 'account.created', 'manager.set', 'password.delivered', 'ticket.posted', 'onboarding.done',
    ]);
    expect(new Set(world.audit.events.map((e) => e.correlationId)).size).toBe(1);
    expectNoSecretOutsideDelivery(world);
  });

  it('when the user name is taken by someone else, then the request is rejected with three alternatives that were checked free', async () => {
    const world = makeWorld();
    world.directory.addAccount('jose.nunez@contoso.com', null);
    world.directory.addAccount('josenunez@contoso.com', null);
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'rejected', problem: { code: 'UPN_TAKEN', detail: 'userPrincipalName' } });
    expect(outcome.alternatives).toEqual(['jnunez@contoso.com', 'j.nunez@contoso.com', 'josen@contoso.com']);
    expect(outcome.problem?.correlationId).toBe(outcome.correlationId);
    // The review checks names; at create, POST /users's own conflict answer decides (no second check before it).
    expect(world.directory.posts).toBe(1);
    expect(world.directory.createdByWorkflow()).toHaveLength(0);
  });

  it('when only the mail alias collides, then the request is rejected naming that property', async () => {
    const world = makeWorld();
    world.directory.addAccount('someone.else@contoso.com', null, 'jose.nunez');
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'rejected', problem: { code: 'UPN_TAKEN', detail: 'mailNickname' } });
  });

  it('when the names are in a script we do not transliterate, then the person is asked for an alias', async () => {
    const world = makeWorld();
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form({ givenName: '美咲', surname: '佐藤' }) });
    expect(outcome).toMatchObject({ status: 'rejected', problem: { code: 'ALIAS_NEEDED' } });
    expect(outcome.fieldProblems).toEqual([expect.objectContaining({ field: 'alias', code: 'ALIAS_NEEDED' })]);
  });

  it('when the manager does not exist, then the request is rejected before anything is created', async () => {
    const world = makeWorld();
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form({ manager: 'nobody@contoso.com' }) });
    expect(outcome).toMatchObject({ status: 'rejected', fieldProblems: [expect.objectContaining({ field: 'manager', code: 'MANAGER_NOT_FOUND' })] });
    expect(world.directory.posts).toBe(0);
  });

  it('when the manager cannot be set, then the account is kept, the password delivered, and the failure reported', async () => {
    const world = makeWorld();
    world.directory.setManagerFails = true;
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'done', warnings: [expect.objectContaining({ code: 'MANAGER_NOT_SET', graphRequestId: 'req-mgr' })] });
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.delivery.delivered).toHaveLength(1);
    expect(world.tickets.posted.at(-1)?.ticket.notes).toEqual([expect.stringContaining('MANAGER_NOT_SET')]);
  });
});

describe('onboarding workflow — exactly once', () => {
  it('when the same request is submitted twice (double click), then one account and one delivery', async () => {
    const world = makeWorld();
    await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    const again = await onboard(world.deps(), { requestId: 'r1', requester, form: form({ givenName: 'Changed' }) });
    expect(again.status).toBe('done');
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.delivery.delivered).toHaveLength(1);
  });

  it('when two instances process the same request at the same moment, then one account and one password', async () => {
    const world = makeWorld();
    await submitOnboardingRequest(world.deps(), { requestId: 'r1', requester, form: form() });
    const outcomes = await Promise.all([
      processOnboardingRequest(world.deps('a'), 'r1'),
      processOnboardingRequest(world.deps('b'), 'r1'),
      onboard(world.deps('c'), { requestId: 'r1', requester, form: form() }),
    ]);
    const final = await settle(world, 'r1', () => processOnboardingRequest(world.deps('d'), 'r1'));
    expect(final.status).toBe('done');
    expect(outcomes.every((o) => o.status === 'done' || o.pending)).toBe(true);
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.directory.posts).toBe(1);
    expect(new Set(world.delivery.delivered.map((d) => d.value)).size).toBe(1);
    expect(world.delivery.delivered).toHaveLength(1);
  });

  it('when the same instance runs the same request twice at once, then the second run waits instead of posting again', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['ambiguous-applied'];
    const input = { requestId: 'r1', requester, form: form() };
    await Promise.all([onboard(world.deps('same'), input), onboard(world.deps('same'), input), onboard(world.deps('same'), input)]);
    const final = await settle(world, 'r1', () => processOnboardingRequest(world.deps('same'), 'r1'));
    expect(final.status).toBe('done');
    expect(world.directory.posts).toBe(1);
    expect(world.delivery.delivered).toHaveLength(1);
    expect(world.tickets.posted).toHaveLength(1);
    expect(world.audit.events.filter((e) => e.type === 'request.received')).toHaveLength(1);
  });

  it.each<[CreateFault[], number]>([
    [['ambiguous-applied'], 1],
    [['ambiguous-not-applied'], 1],
    [['ambiguous-not-applied', 'ambiguous-not-applied', 'ambiguous-applied'], 1],
    [['throttled', 'throttled'], 1],
    [['crash-before-send'], 1],
    [['crash-after-apply'], 1],
    [['ambiguous-applied', 'crash-after-apply'], 1],
  ])('when POST /users meets %j, then exactly one account exists and the same password is delivered', async (faults, accounts) => {
    const world = makeWorld();
    world.directory.createFaults = [...faults];
    const outcome = await settle(world, 'r1', () => onboard(world.deps(), { requestId: 'r1', requester, form: form() }));
    expect(outcome.status).toBe('done');
    const created = world.directory.createdByWorkflow();
    expect(created).toHaveLength(accounts);
    expect(world.delivery.delivered.map((d) => d.value)).toEqual([created[0]?.password]);
    expectNoSecretOutsideDelivery(world);
  });

  it('when the create is applied but its answer lost and replicas lag, then the retry’s conflict is recognised as our own account', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['ambiguous-applied'];
    world.directory.replicationLagReads = 2;
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome.status).toBe('done');
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    expect(world.directory.posts).toBe(2);
    expect(world.audit.events.map((e) => e.type)).toContain('account.create_ambiguous');
  });

  it('when replicas lag longer than we read back, then the request stays pending and says so, and a later resume finishes it', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['ambiguous-applied'];
    world.directory.replicationLagReads = 10;
    const first = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(first).toMatchObject({ status: 'creating', pending: true, problem: { code: 'OUTCOME_UNKNOWN', retryable: true } });
    expect(world.delivery.delivered).toHaveLength(0);
    world.directory.replicationLagReads = 0;
    for (const a of world.directory.accounts.values()) a.invisibleReads = 0;
    const later = await processOnboardingRequest(world.deps('b'), 'r1');
    expect(later.status).toBe('done');
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
  });

  it('when someone else takes the user name between the check and the create, then the requester is told it is taken', async () => {
    const world = makeWorld();
    const deps = world.deps();
    await submitOnboardingRequest(deps, { requestId: 'r1', requester, form: form() });
    const original = deps.directory.createUser.bind(deps.directory);
    world.directory.createUser = async (draft, password, marker) => {
      world.directory.addAccount(draft.userPrincipalName, 'onboarding:someone-else');
      world.directory.createUser = original;
      return original(draft, password, marker);
    };
    const outcome = await processOnboardingRequest(deps, 'r1');
    expect(outcome).toMatchObject({ status: 'rejected', problem: { code: 'UPN_TAKEN' } });
    expect(outcome.alternatives).toHaveLength(3);
    expect(world.delivery.delivered).toHaveLength(0);
    // No secret stays behind: not in the record, and its credentials entry is deleted.
    expect(JSON.parse(world.store.dump())).not.toHaveProperty('sealedPassword');
    expect(world.credentials.entries.size).toBe(0);
  });

  it('when another instance holds the lease on creating, then a resume does not touch it and says so', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['crash-after-apply'];
    await expect(onboard(world.deps('a'), { requestId: 'r1', requester, form: form() })).rejects.toThrow(Crash);
    const busy = await processOnboardingRequest(world.deps('b'), 'r1');
    expect(busy).toMatchObject({ status: 'creating', pending: true, problem: { code: 'BUSY_ELSEWHERE' } });
    world.clock.advance(121_000);
    expect((await processOnboardingRequest(world.deps('b'), 'r1')).status).toBe('done');
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
  });

  it('when the process crashes after delivering but before recording it, then the resume delivers the SAME password', async () => {
    const world = makeWorld();
    world.delivery.faults = ['crash-after-send'];
    const outcome = await settle(world, 'r1', () => onboard(world.deps(), { requestId: 'r1', requester, form: form() }));
    expect(outcome.status).toBe('done');
    expect(world.delivery.delivered).toHaveLength(2);
    expect(new Set(world.delivery.delivered.map((d) => d.value)).size).toBe(1);
  });
});

describe('onboarding workflow — the directory says no, or not now', () => {
  it('when the tenant rejects the first two passwords, then a new one is made each time and the accepted one is delivered', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['reject-password', 'reject-password'];
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome.status).toBe('done');
    const [account] = world.directory.createdByWorkflow();
    expect(world.delivery.delivered.map((d) => d.value)).toEqual([account?.password]);
    expect(world.audit.events.filter((e) => e.type === 'password.regenerated')).toHaveLength(2);
  });

  it('when the tenant rejects every password, then the request fails after a bounded number of tries and says why', async () => {
    const world = makeWorld();
    world.directory.rejectAllPasswords = true;
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'PASSWORD_REJECTED', graphRequestId: 'req-400' } });
    expect(world.directory.posts).toBe(3);
    expect(world.directory.createdByWorkflow()).toHaveLength(0);
    // No secret stays behind: not in the record, and its credentials entry is deleted.
    expect(JSON.parse(world.store.dump())).not.toHaveProperty('sealedPassword');
    expect(world.credentials.entries.size).toBe(0);
    // IT hears of it too: the tenant's password policy is theirs to look at.
    expect(world.tickets.posted).toHaveLength(1);
    expect(world.tickets.posted[0]?.ticket).toMatchObject({ status: 'failed', notes: [expect.stringMatching(/^PASSWORD_REJECTED: /)] });
    expect(world.tickets.posted[0]?.ticket.objectId ?? null).toBeNull();
    expectNoSecretOutsideDelivery(world);
  });

  it('when a read is throttled, then the request waits (pending, THROTTLED with the request-id) and a resume finishes it', async () => {
    const world = makeWorld();
    world.directory.readFaults = ['throttled'];
    const first = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(first).toMatchObject({ status: 'received', pending: true, problem: { code: 'THROTTLED', graphRequestId: 'req-429' } });
    expect((await processOnboardingRequest(world.deps(), 'r1')).status).toBe('done');
  });

  it('when the create is throttled, then the workflow waits as told (Retry-After) and sends it again', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['throttled'];
    const outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(outcome.status).toBe('done');
    expect(world.clock.slept).toBeGreaterThanOrEqual(2000);
  });

  it('when the directory is unavailable during reconciliation, then the request stays creating and never guesses', async () => {
    const world = makeWorld();
    world.directory.createFaults = ['ambiguous-applied'];
    const deps = world.deps();
    await submitOnboardingRequest(deps, { requestId: 'r1', requester, form: form() });
    // validate (listDomains, manager) passes; the read-back after the ambiguous POST fails.
    world.directory.readFaults = [];
    const original = world.directory.findUserByUpn.bind(world.directory);
    let reads = 0;
    world.directory.findUserByUpn = async (upn) => {
      reads += 1;
      if (reads === 2) world.directory.readFaults.push('unavailable');
      return original(upn);
    };
    const outcome = await processOnboardingRequest(deps, 'r1');
    expect(outcome).toMatchObject({ status: 'creating', pending: true, problem: { code: 'DIRECTORY_UNAVAILABLE' } });
    expect((await processOnboardingRequest(deps, 'r1')).status).toBe('done');
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
  });

  it('when the password cannot be delivered, then the requester is told, the account is kept, and a later try delivers the same password', async () => {
    const world = makeWorld();
    world.delivery.faults = ['undeliverable'];
    const first = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    expect(first).toMatchObject({ status: 'created', pending: true, problem: { code: 'DELIVERY_FAILED' } });
    // IT hears at once that the account exists and its password is still on the way.
    expect(world.tickets.posted).toHaveLength(1);
    expect(world.tickets.posted[0]?.ticket).toMatchObject({ status: 'created', notes: [expect.stringMatching(/^DELIVERY_FAILED: .*\(the requester has not installed the bot\)$/)] });
    const second = await processOnboardingRequest(world.deps(), 'r1');
    expect(second.status).toBe('done');
    expect(world.delivery.delivered).toHaveLength(1);
    expect(world.delivery.delivered[0]?.value).toBe(world.directory.createdByWorkflow()[0]?.password);
    // The same ticket message is brought up to date, not a second one posted.
    expect(world.tickets.posted.map((p) => [p.messageId, p.ticket.status])).toEqual([['msg-1', 'created'], ['msg-1', 'done']]);
    expectNoSecretOutsideDelivery(world);
  });

  it('when delivery keeps failing, then the request fails, IT gets a failed ticket, and the sealed password is kept (in the credential store, never the record) for a reissue', async () => {
    const world = makeWorld();
    world.delivery.faults = ['undeliverable', 'undeliverable', 'undeliverable'];
    let outcome = await onboard(world.deps(), { requestId: 'r1', requester, form: form() });
    while (outcome.pending) outcome = await processOnboardingRequest(world.deps(), 'r1');
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'DELIVERY_FAILED' } });
    expect(world.tickets.posted.at(-1)?.ticket.status).toBe('failed');
    const record = JSON.parse(world.store.dump()) as { credentials: { credentialId: string } };
    expect(record).not.toHaveProperty('sealedPassword');
    expect(world.credentials.entries.has(record.credentials.credentialId)).toBe(true);
    expectNoSecretOutsideDelivery(world);
  });
});

describe('onboarding workflow — properties under random faults', () => {
  const createFault = fc.constantFrom<CreateFault>('ambiguous-applied', 'ambiguous-not-applied', 'throttled', 'reject-password', 'crash-before-send', 'crash-after-apply');
  const deliveryFault = fc.constantFrom<'undeliverable' | 'crash-after-send' | 'crash-before-send'>('undeliverable', 'crash-after-send', 'crash-before-send');

  it('property: whatever fails and whoever resumes, at most one account per request, one password, and no secret outside delivery', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(createFault, { maxLength: 6 }),
        fc.array(deliveryFault, { maxLength: 2 }),
        fc.array(fc.constantFrom<'throttled' | 'unavailable' | 'crash'>('throttled', 'unavailable', 'crash'), { maxLength: 3 }),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        async (createFaults, deliveryFaults, readFaults, lag, concurrent) => {
          const world = makeWorld();
          world.directory.createFaults = createFaults;
          world.delivery.faults = deliveryFaults;
          world.directory.readFaults = readFaults;
          world.directory.replicationLagReads = lag;
          const input = { requestId: 'r1', requester, form: form() };
          const start = concurrent
            ? () => Promise.all([onboard(world.deps('a'), input), onboard(world.deps('b'), input)]).then(([x]) => x)
            : () => onboard(world.deps('a'), input);
          let outcome = await settle(world, 'r1', start).catch(() => null);
          // Lag that outlives the read-back leaves the request honestly pending; time heals it.
          for (let i = 0; outcome === null || outcome.pending; i += 1) {
            for (const a of world.directory.accounts.values()) a.invisibleReads = 0;
            world.directory.replicationLagReads = 0;
            outcome = await settle(world, 'r1', () => processOnboardingRequest(world.deps(`late-${i}`), 'r1'));
            if (i > 5) throw new Error('never settled');
          }
          const created = world.directory.createdByWorkflow();
          expect(created.length).toBeLessThanOrEqual(1);
          if (outcome.status === 'done') {
            expect(created).toHaveLength(1);
            expect(new Set(world.delivery.delivered.map((d) => d.value))).toEqual(new Set([created[0]?.password]));
          } else {
            expect(outcome.problem?.code).toMatch(/PASSWORD_REJECTED|DELIVERY_FAILED/);
          }
          expectNoSecretOutsideDelivery(world);
        },
      ),
      { numRuns: 150 },
    );
  });
});
