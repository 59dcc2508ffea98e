/**
 * The credentials' journey in the domain: a reveal card instead of the secret, one reveal
 * for the recipient only, deletion after the grace period or the window, a Temporary Access
 * Pass when the policy wants one, and reissue exactly once.
 */
import { describe, expect, it } from 'vitest';
import {
  createRequestDesk, defaultOnboardingPolicy, onboard, processOnboardingRequest, resumeUnfinishedRequests,
  type OnboardingPolicy, type RequestDeskDependencies, type RequestIndex, type Requester, type Role, type RoleResolver,
} from '../../src/onboarding/index.js';
import { form, makeWorld, requester, type World } from './fakes.js';

const admin: Requester = { id: 'aaaaaaaa-0000-4000-8000-00000000000a', name: 'Isaiah Langer' };
const stranger: Requester = { id: 'bbbbbbbb-0000-4000-8000-00000000000b', name: 'Lee Gu' };
const HOUR = 3_600_000;

function revealPolicy(overrides: Partial<OnboardingPolicy['credentials']> = {}): Partial<OnboardingPolicy> {
  return { credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'reveal', ...overrides } };
}

/** The desk over a world, with fixed roles: the admin is an admin, the requester a hiring manager. */
function deskOf(world: World, policy: Partial<OnboardingPolicy> = revealPolicy()) {
  const roles: RoleResolver = {
    roleOf: async (id): Promise<Role> => (id === admin.id ? 'admin' : id === requester.id ? 'requester' : 'none'),
    whomToAsk: async () => ({ admins: '“Onboarding Admins”', requesters: '“Hiring Managers”' }),
  };
  const deps: RequestDeskDependencies = {
    ...world.deps('instance-a', policy),
    roles,
    rateLimiter: { take: async () => ({ allowed: true, remaining: 1 }) },
    rateLimits: { perRequesterPerHour: 20, totalPerHour: 200 },
    notice: { notifyRequester: async () => ({ kind: 'delivered' }) },
    history: { listByRequester: async () => ({ requests: [] }), findByTicketReference: async () => ({ requests: [] }) },
    auditTrail: { query: async () => [], toCsv: () => '' },
    defaultUsageLocation: 'US',
  };
  return { deps, desk: createRequestDesk(deps) };
}

const index = (world: World): RequestIndex => ({
  listUnfinished: async () => ({ requests: (await Promise.all([...world.store.records.keys()].map((id) => world.store.get(id)))).filter((r) => r !== null) }),
});

/** Everything the bot stored or said outside the answer to a Reveal click. */
const everythingStored = (world: World) =>
  [world.store.dump(), world.credentials.dump(), JSON.stringify(world.audit.events), JSON.stringify(world.tickets.posted), JSON.stringify(world.delivery.revealCards)].join('\n');

describe('credentials — reveal, don’t send', () => {
  it('when an account is created, then the recipient gets a reveal card without the secret, and the secret is sealed in its own entry with an expiry', async () => {
    const world = makeWorld();
    const { deps } = deskOf(world);
    const outcome = await onboard(deps, { requestId: 'r1', requester, form: form() });

    expect(outcome).toMatchObject({ status: 'done' });
    const password = world.directory.createdByWorkflow()[0]!.password;
    expect(world.delivery.delivered).toEqual([]);
    expect(world.delivery.revealCards).toEqual([{
      recipient: requester,
      notice: { requestId: 'r1', displayName: 'José Núñez', ticketReference: 'HR-1234', expiresAt: new Date(world.clock.now().getTime() + 24 * HOUR).toISOString(), contents: 'password', generation: 1 },
    }]);
    const record = JSON.parse(world.store.dump()) as { credentials: { credentialId: string; expiresAt: string } };
    expect(world.credentials.entries.get(record.credentials.credentialId)).toBeDefined();
    expect((await world.credentials.get('r1.1'))?.credentials.purgeAt).toBe(record.credentials.expiresAt);
    expect(everythingStored(world)).not.toContain(password);
    expect(world.audit.events.map((e) => e.type)).toContain('credentials.reveal_card_sent');
  });

  it('when the card goes out long after the secret was sealed (a resumed delivery), then the window counts from the card; right after sealing, the stored expiry stands', async () => {
    const world = makeWorld();
    const { deps } = deskOf(world);
    world.delivery.faults = ['undeliverable'];
    const sealedAt = world.clock.now().getTime();
    const first = await onboard(deps, { requestId: 'r1', requester, form: form() });
    expect(first).toMatchObject({ status: 'created', pending: true });
    // Sealed with the window counted from the sealing.
    expect(Date.parse((await world.credentials.get('r1.1'))!.credentials.purgeAt)).toBe(sealedAt + 24 * HOUR);

    world.clock.advance(2 * HOUR);
    expect((await processOnboardingRequest(deps, 'r1')).status).toBe('done');
    const expected = new Date(world.clock.now().getTime() + 24 * HOUR).toISOString();
    expect(world.delivery.revealCards.map((c) => c.notice.expiresAt)).toEqual([expected]);
    expect((await world.credentials.get('r1.1'))?.credentials.purgeAt).toBe(expected);

    // Within a minute of the sealing the card names the stored expiry: never later than the configured window.
    const quick = makeWorld();
    const quickDeps = deskOf(quick).deps;
    const quickSealedAt = quick.clock.now().getTime();
    quick.delivery.faults = ['undeliverable'];
    await onboard(quickDeps, { requestId: 'r1', requester, form: form() });
    quick.clock.advance(30_000);
    await processOnboardingRequest(quickDeps, 'r1');
    expect(quick.delivery.revealCards.map((c) => c.notice.expiresAt)).toEqual([new Date(quickSealedAt + 24 * HOUR).toISOString()]);
    expect((await quick.credentials.get('r1.1'))?.credentials.purgeAt).toBe(new Date(quickSealedAt + 24 * HOUR).toISOString());
  });

  it('when the recipient reveals, then they get the account’s password; a second look within the grace period shows it again, then it is deleted for good', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world);
    await onboard(deps, { requestId: 'r1', requester, form: form() });
    const password = world.directory.createdByWorkflow()[0]!.password;

    const first = await desk.revealCredentials(requester, 'r1');
    expect(first.kind).toBe('shown');
    if (first.kind !== 'shown') return;
    expect(first.password?.reveal()).toBe(password);
    expect(first.temporaryAccessPass).toBeUndefined();
    expect(first.reveal).toMatchObject({ state: 'revealed', revealedAt: world.clock.now().toISOString(), visibleUntil: new Date(world.clock.now().getTime() + 10 * 60_000).toISOString() });

    world.clock.advance(5 * 60_000);
    const again = await desk.revealCredentials(requester, 'r1');
    expect(again.kind === 'shown' && again.password?.reveal()).toBe(password);

    world.clock.advance(6 * 60_000);
    const report = await resumeUnfinishedRequests(deps, index(world));
    expect(report.purged).toBe(1);
    expect(world.credentials.entries.size).toBe(0);
    expect(world.credentials.deleted).toEqual(['r1.1']);
    const after = await desk.revealCredentials(requester, 'r1');
    expect(after).toMatchObject({ kind: 'state', reveal: { state: 'gone', revealedAt: expect.stringMatching(/^2025-/) } });
    expect(JSON.stringify(after)).not.toContain(password);
    expect(world.audit.events.map((e) => e.type)).toEqual(expect.arrayContaining(['credentials.revealed', 'credentials.revealed_again', 'credentials.purged']));
    expect(everythingStored(world)).not.toContain(password);
  });

  it('when the click can no longer be answered by the time the reveal would be recorded (Teams was told "nothing was shown"), then nothing is recorded, and the next click in time is the first reveal', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world);
    await onboard(deps, { requestId: 'r1', requester, form: form() });
    const before = world.credentials.dump();
    const eventsBefore = world.audit.events.length;

    await desk.revealCredentials(requester, 'r1', undefined, () => false);
    expect(world.credentials.dump()).toBe(before);
    expect((await world.store.get('r1'))!.record.credentials?.revealedAt).toBeUndefined();
    expect(world.audit.events.slice(eventsBefore).map((e) => e.type)).toEqual([]);

    world.clock.advance(60_000);
    const inTime = await desk.revealCredentials(requester, 'r1', undefined, () => true);
    expect(inTime).toMatchObject({ kind: 'shown', reveal: { revealedAt: world.clock.now().toISOString() } });
    expect(world.audit.events.filter((e) => e.type === 'credentials.revealed')).toHaveLength(1);
    expect(world.audit.events.some((e) => e.type === 'credentials.revealed_again')).toBe(false);
  });

  it('when a second look can no longer be answered in time, then it is not recorded as shown again', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world);
    await onboard(deps, { requestId: 'r1', requester, form: form() });
    await desk.revealCredentials(requester, 'r1');
    await desk.revealCredentials(requester, 'r1', undefined, () => false);
    expect(world.audit.events.some((e) => e.type === 'credentials.revealed_again')).toBe(false);
  });

  it('when someone else clicks Reveal, then nothing is shown and the refusal is audited', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world);
    await onboard(deps, { requestId: 'r1', requester, form: form() });

    for (const person of [stranger, admin, undefined]) {
      const answer = await desk.revealCredentials(person, 'r1');
      expect(answer).toEqual({ kind: 'refused', sentence: 'Only Megan Bowen can reveal these credentials; your click was recorded and nothing was shown.' });
    }
    expect(world.audit.events.filter((e) => e.type === 'access.refused').map((e) => [e.details.reason, e.details.personId, e.requestId]))
      .toEqual([['NOT_THE_RECIPIENT', stranger.id, 'r1'], ['NOT_THE_RECIPIENT', admin.id, 'r1'], ['UNKNOWN_PERSON', null, 'r1']]);
    expect((await world.credentials.get('r1.1'))?.credentials.revealedAt).toBeUndefined();
    expect(await desk.revealCredentials(requester, 'not-a-request')).toMatchObject({ kind: 'refused' });
  });

  it('when nobody reveals within the window, then the resume pass deletes the secret and the card says it expired', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world, revealPolicy({ revealWindowMs: 2 * HOUR }));
    await onboard(deps, { requestId: 'r1', requester, form: form() });
    world.clock.advance(HOUR);
    expect((await resumeUnfinishedRequests(deps, index(world))).purged).toBe(0);
    expect(await desk.revealStatus(requester, 'r1')).toMatchObject({ kind: 'state', reveal: { state: 'waiting' } });

    world.clock.advance(HOUR + 1);
    expect((await resumeUnfinishedRequests(deps, index(world))).purged).toBe(1);
    expect(await desk.revealCredentials(requester, 'r1')).toMatchObject({ kind: 'state', reveal: { state: 'gone', revealedAt: undefined } });
    expect(JSON.parse(world.store.dump())).toMatchObject({ credentials: { purgedAt: world.clock.now().toISOString() } });
  });

  it('when a request ends without an account, then its credentials are deleted right away', async () => {
    const world = makeWorld();
    world.directory.addAccount('jose.nunez@contoso.com', null);
    const { deps } = deskOf(world);
    // Taken at create time: POST /users's conflict answer decides (no second check before it).
    const outcome = await onboard(deps, { requestId: 'r1', requester, form: form({ alias: 'jose.nunez' }) });
    expect(outcome.status).toBe('rejected');
    expect(world.credentials.entries.size).toBe(0);
  });
});

describe('credentials — Temporary Access Pass', () => {
  it('when TAP is on alongside and the start date is ahead, then the pass starts on the start date and both secrets are revealed', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world, revealPolicy({ temporaryAccessPass: { mode: 'alongside', lifetimeMinutes: 480, usableOnce: true } }));
    await onboard(deps, { requestId: 'r1', requester, form: form({ startDate: '2025-03-10' }) });
    const account = world.directory.createdByWorkflow()[0]!;
    expect(account.temporaryAccessPass?.request).toEqual({ startDateTime: '2025-03-10T00:00:00Z', lifetimeInMinutes: 480, isUsableOnce: true });
    expect(world.delivery.revealCards[0]?.notice.contents).toBe('password-and-tap');

    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && [shown.password?.reveal(), shown.temporaryAccessPass?.reveal()]).toEqual([account.password, account.temporaryAccessPass?.value]);
    expect(everythingStored(world)).not.toContain(account.temporaryAccessPass!.value);
  });

  it('when Graph throttles the pass for longer than the lease, then the run keeps its lease while it waits, another run leaves the request alone, and one pass is issued', async () => {
    const world = makeWorld();
    const policy = { ...revealPolicy({ temporaryAccessPass: { mode: 'alongside', lifetimeMinutes: 480, usableOnce: true } }), leaseMs: 1000 };
    const { deps } = deskOf(world, policy);
    world.directory.tapFaults = ['throttled'];
    // While the first run sits out the 2.5 s Retry-After, a resume pass on another instance tries the same request.
    const other: Array<Awaited<ReturnType<typeof processOnboardingRequest>>> = [];
    const sleep = world.clock.sleep.bind(world.clock);
    world.clock.sleep = async (ms: number) => {
      await sleep(ms);
      if (other.length === 0 && world.directory.passRequests.length === 1) {
        other.push(await processOnboardingRequest({ ...world.deps('instance-b', policy), resumePass: true }, 'r1'));
      }
    };
    const outcome = await onboard(deps, { requestId: 'r1', requester, form: form() });
    expect(other[0]).toMatchObject({ problem: { code: 'BUSY_ELSEWHERE' } });
    expect(outcome).toMatchObject({ status: 'done', warnings: [] });
    expect(world.directory.passRequests).toHaveLength(2);
    expect(world.directory.passesIssued).toBe(1);
    expect(world.delivery.revealCards.map((c) => c.notice.contents)).toEqual(['password-and-tap']);
  });

  it.each([
    ['policy-off', "the tenant's Temporary Access Pass policy is off"],
    ['lifetime', "the configured lifetime is outside the tenant's Temporary Access Pass policy"],
    ['permission', 'the bot lacks the Graph permission UserAuthenticationMethod.ReadWrite.All'],
  ] as const)('when the tenant refuses the pass (%s), then the account and password still go through and the ticket says why', async (reason, sentence) => {
    const world = makeWorld();
    world.directory.tapPolicy = reason;
    const { deps, desk } = deskOf(world, revealPolicy({ temporaryAccessPass: { mode: 'instead', lifetimeMinutes: 60, usableOnce: true } }));
    const outcome = await onboard(deps, { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'done', warnings: [{ code: 'TAP_NOT_ISSUED', detail: sentence }] });
    expect(world.delivery.revealCards[0]?.notice.contents).toBe('password');
    expect(world.tickets.posted.at(-1)?.ticket.notes.join(' ')).toContain(sentence);
    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && shown.password?.reveal()).toBe(world.directory.createdByWorkflow()[0]!.password);
  });

  it('when TAP is on instead of the password, then only the pass is revealed', async () => {
    const world = makeWorld();
    const { deps, desk } = deskOf(world, revealPolicy({ temporaryAccessPass: { mode: 'instead', lifetimeMinutes: 60, usableOnce: true } }));
    await onboard(deps, { requestId: 'r1', requester, form: form() });
    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && [shown.password, shown.temporaryAccessPass?.reveal()]).toEqual([undefined, world.directory.createdByWorkflow()[0]!.temporaryAccessPass?.value]);
  });
});

describe('credentials — reissue', () => {
  async function doneAndRevealed(world: World, policy?: Partial<OnboardingPolicy>) {
    const desk = deskOf(world, policy);
    await onboard(desk.deps, { requestId: 'r1', requester, form: form() });
    await desk.desk.revealCredentials(requester, 'r1');
    return desk;
  }

  it('when an admin reissues, then a new password is set and must be changed, the old secret is deleted, a new reveal card goes out, and the ticket says so', async () => {
    const world = makeWorld();
    const { desk } = await doneAndRevealed(world);
    const account = world.directory.createdByWorkflow()[0]!;
    const oldPassword = account.password;

    const answer = await desk.reissueCredentials({ actor: admin, userPrincipalName: 'jose.nunez@contoso.com' });
    expect(answer).toMatchObject({ kind: 'accepted', sentence: expect.stringMatching(/^Reissuing the credentials of jose\.nunez@contoso\.com/) });
    if (answer.kind !== 'accepted') return;
    expect(await answer.work).toMatchObject({ status: 'done', credentials: { generation: 2 } });

    expect(account.resets).toHaveLength(1);
    expect(account.password).not.toBe(oldPassword);
    expect(world.credentials.entries.has('r1.1')).toBe(false);
    expect(world.delivery.revealCards.map((c) => c.notice.generation)).toEqual([1, 2]);
    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && shown.password?.reveal()).toBe(account.password);
    expect(world.tickets.posted.at(-1)?.ticket).toMatchObject({ status: 'done', credentialsGeneration: 2 });
    expect(world.tickets.posted.at(-1)?.ticket.notes.join(' ')).toContain('Credentials reissued by Isaiah Langer');
    expect(world.audit.events.map((e) => e.type)).toEqual(expect.arrayContaining(['credentials.reissue_requested', 'credentials.reset', 'credentials.reissued']));
    expect(everythingStored(world)).not.toContain(account.password);
  });

  it('when TAP is on and an admin reissues, then the old pass is removed and a new one issued and revealed', async () => {
    const world = makeWorld();
    const { desk } = await doneAndRevealed(world, revealPolicy({ temporaryAccessPass: { mode: 'alongside', lifetimeMinutes: 60, usableOnce: true } }));
    const account = world.directory.createdByWorkflow()[0]!;
    const firstPass = account.temporaryAccessPass!.value;
    const answer = await desk.reissueCredentials({ actor: admin, requestId: 'r1' });
    if (answer.kind !== 'accepted') throw new Error('not accepted');
    expect(await answer.work).toMatchObject({ status: 'done', warnings: [] });
    expect(account.temporaryAccessPass!.value).not.toBe(firstPass);
    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && shown.temporaryAccessPass?.reveal()).toBe(account.temporaryAccessPass!.value);
  });

  it('when the Reissue button is clicked twice, then exactly one reissue happens', async () => {
    const world = makeWorld();
    const { desk } = await doneAndRevealed(world);
    const [a, b] = await Promise.all([
      desk.reissueCredentials({ actor: admin, requestId: 'r1', fromGeneration: 1 }),
      desk.reissueCredentials({ actor: admin, requestId: 'r1', fromGeneration: 1 }),
    ]);
    const accepted = [a, b].filter((x) => x.kind === 'accepted');
    expect(accepted).toHaveLength(1);
    await (accepted[0] as { work: Promise<unknown> }).work;
    const late = await desk.reissueCredentials({ actor: admin, requestId: 'r1', fromGeneration: 1 });
    expect(late).toEqual({ kind: 'refused', sentence: 'The credentials of jose.nunez@contoso.com were already reissued; nothing more was started.' });
    expect(world.directory.createdByWorkflow()[0]!.resets).toHaveLength(1);
    expect(world.delivery.revealCards).toHaveLength(2);
  });

  it('when the process dies in the middle of a reissue, then the resume pass finishes it with one new password', async () => {
    const world = makeWorld();
    const { deps, desk } = await doneAndRevealed(world);
    world.delivery.faults = ['crash-before-send'];
    const answer = await desk.reissueCredentials({ actor: admin, requestId: 'r1' });
    if (answer.kind !== 'accepted') throw new Error('not accepted');
    await expect(answer.work).rejects.toThrow('crash before delivery');
    world.clock.advance(defaultOnboardingPolicy.leaseMs + 1);
    await resumeUnfinishedRequests(deps, index(world));
    expect(await processOnboardingRequest(deps, 'r1')).toMatchObject({ status: 'done', credentials: { generation: 2 } });
    const account = world.directory.createdByWorkflow()[0]!;
    expect(account.resets).toHaveLength(1);
    expect(world.delivery.revealCards.map((c) => c.notice.generation)).toEqual([1, 2]);
    const shown = await desk.revealCredentials(requester, 'r1');
    expect(shown.kind === 'shown' && shown.password?.reveal()).toBe(account.password);
  });

  it.each([
    ['the requester (not allowed by the policy)', requester, 'Only IT admins can reissue credentials.'],
    ['someone with no role', stranger, 'Only IT admins can reissue credentials.'],
  ])('when %s asks, then nothing is reissued', async (_who, actor, sentence) => {
    const world = makeWorld();
    const { desk } = await doneAndRevealed(world);
    const answer = await desk.reissueCredentials({ actor, requestId: 'r1' });
    expect(answer).toMatchObject({ kind: 'refused', sentence: expect.stringContaining(sentence) });
    expect(world.directory.createdByWorkflow()[0]!.resets).toBeUndefined();
  });

  it('when the policy lets requesters reissue, then the original requester may', async () => {
    const world = makeWorld();
    const { desk } = await doneAndRevealed(world, revealPolicy({ requesterMayReissue: true }));
    const answer = await desk.reissueCredentials({ actor: requester, requestId: 'r1' });
    expect(answer.kind).toBe('accepted');
    if (answer.kind === 'accepted') await answer.work;
    expect(world.directory.createdByWorkflow()[0]!.resets).toHaveLength(1);
  });

  it('when the account was not created by this bot, then the reissue is refused with a sentence', async () => {
    const world = makeWorld();
    const { desk } = deskOf(world);
    expect(await desk.reissueCredentials({ actor: admin, userPrincipalName: 'adele.vance@contoso.com' })).toEqual({
      kind: 'refused', sentence: 'adele.vance@contoso.com was not created by this bot, so I cannot reissue its credentials. Reset its password in the Entra admin center instead.',
    });
  });
});
