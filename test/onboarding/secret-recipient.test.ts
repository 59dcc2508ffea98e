import { describe, expect, it } from 'vitest';
import {
  chooseSecretRecipient, defaultOnboardingPolicy, onboard, processOnboardingRequest, secretRecipientOf, type OnboardingPolicy, type SecretRecipientPolicy,
} from '../../src/onboarding/index.js';
import { Crash, FakeDirectory, form, makeWorld, requester, type World } from './fakes.js';

const all: SecretRecipientPolicy = { default: 'requester', choices: ['requester', 'manager', 'coordinator'], coordinator: 'megan.bowen@contoso.com' };

describe('who receives the secret', () => {
  const directory = new FakeDirectory();
  const adele = directory.accounts.get('adele.vance@contoso.com')!;

  it.each([
    ['nothing chosen → the default', all, {}, 'adele.vance@contoso.com', { kind: 'chosen', recipient: { id: requester.id, name: requester.name, role: 'requester' } }],
    ['the manager, named on the form', all, { secretRecipient: 'Manager ' }, 'adele.vance@contoso.com', { kind: 'chosen', recipient: { id: adele.id, name: 'adele.vance@contoso.com', role: 'manager' } }],
    ['the manager by default', { ...all, default: 'manager' }, {}, 'adele.vance@contoso.com', { kind: 'chosen', recipient: { id: adele.id, role: 'manager' } }],
    ['the coordinator', all, { secretRecipient: 'coordinator' }, undefined, { kind: 'chosen', recipient: { role: 'coordinator', name: 'megan.bowen@contoso.com' } }],
    ['the manager without one on the form', all, { secretRecipient: 'manager' }, undefined,
      { kind: 'problem', problem: { field: 'secretRecipient', message: 'To send the password to the manager, fill in the manager; or choose another recipient.' } }],
    ['a manager not in the directory', all, { secretRecipient: 'manager' }, 'nobody@contoso.com',
      { kind: 'problem', problem: { field: 'secretRecipient', message: 'nobody@contoso.com was not found in the directory.' } }],
    ['a choice configuration does not offer', { default: 'requester', choices: ['requester'] }, { secretRecipient: 'manager' }, 'adele.vance@contoso.com',
      { kind: 'problem', problem: { message: 'The password can go to the requester only; choose one of them.' } }],
    ['a word that is no choice', all, { secretRecipient: 'everyone' }, undefined, { kind: 'problem', problem: { field: 'secretRecipient' } }],
    ['a coordinator not in the directory', { ...all, coordinator: 'gone@contoso.com' }, { secretRecipient: 'coordinator' }, undefined,
      { kind: 'problem', problem: { message: 'The configured IT coordinator (gone@contoso.com) is not in the directory; choose another recipient, and tell IT.' } }],
    ['the coordinator when none is configured', { default: 'requester', choices: ['requester', 'coordinator'] }, { secretRecipient: 'coordinator' }, undefined,
      { kind: 'problem', problem: { message: expect.stringContaining('No IT coordinator is configured') } }],
  ] as const)('when %s, then the choice is as expected', async (_case, policy, chosen, managerUpn, expected) => {
    const choice = await chooseSecretRecipient(directory, policy as SecretRecipientPolicy, { requester, form: chosen, managerUpn });
    expect(choice).toMatchObject(expected);
  });
});

describe('the recipient in the workflow', () => {
  const policy = (recipient: SecretRecipientPolicy): Partial<OnboardingPolicy> => ({ credentials: { ...defaultOnboardingPolicy.credentials, recipient } });

  it('when the manager receives the secret, then the recipient is fixed at validation, the reveal card goes to them only, and the ticket names them', async () => {
    const world = makeWorld();
    const deps = world.deps('a', policy(all));
    const outcome = await onboard(deps, { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    expect(outcome.status).toBe('done');
    const adele = world.directory.accounts.get('adele.vance@contoso.com')!;
    expect(world.delivery.revealCards.map((c) => c.recipient.id)).toEqual([adele.id]);
    const record = (await world.store.get('r1'))!.record;
    expect(record.secretRecipient).toMatchObject({ id: adele.id, role: 'manager' });
    expect(secretRecipientOf(record)).toMatchObject({ id: adele.id, role: 'manager' });
    expect(world.tickets.posted.at(-1)?.ticket.recipient).toEqual({ name: 'adele.vance@contoso.com', role: 'the manager' });
    expect(world.audit.events.find((e) => e.type === 'request.validated')?.details).toMatchObject({ recipientId: adele.id, recipientRole: 'manager' });
  });

  it('when the recipient cannot be reached, then the request fails with one sentence, nothing is sent to anyone, the ticket says so, and the credentials stay sealed', async () => {
    const world = makeWorld();
    const adele = world.directory.accounts.get('adele.vance@contoso.com')!;
    world.delivery.unreachable.add(adele.id);
    const outcome = await onboard(world.deps('a', policy(all)), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE' } });
    expect(outcome.problem?.message).toBe('The account exists, but I cannot reach adele.vance@contoso.com (the manager) in Teams, so the credentials stay sealed and went to nobody else; IT has the ticket and can reissue them once I can reach them.');
    expect(world.delivery.revealCards).toEqual([]);
    expect(world.delivery.delivered).toEqual([]);
    const ticket = world.tickets.posted.at(-1)!.ticket;
    expect(ticket.status).toBe('failed');
    expect(ticket.notes).toContain('Credentials not delivered: adele.vance@contoso.com (the manager) cannot be reached in Teams; they stay sealed until a reissue.');
    expect(world.credentials.entries.has('r1.1')).toBe(true);
    expect(world.audit.events.some((e) => e.type === 'credentials.recipient_unreachable' && e.details.recipientId === adele.id)).toBe(true);
  });

  it('when the requester receives the secret, then the bot does not ask whether it can reach them first (they wrote to it)', async () => {
    const world = makeWorld();
    world.delivery.unreachable.add(requester.id);
    const outcome = await onboard(world.deps('a', policy(all)), { requestId: 'r1', requester, form: form() });
    expect(outcome.status).toBe('done');
    expect(world.delivery.revealCards.map((c) => c.recipient)).toEqual([requester]);
  });
});

describe('reaching a recipient while Teams refuses in a way that may pass (an app installation on its way)', () => {
  const policy = (windowMs = 60_000): Partial<OnboardingPolicy> => ({
    credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'reveal', recipient: all },
    reachRetry: { windowMs, firstDelayMs: 2_000, maxDelayMs: 30_000 },
  });
  const managerOf = (world: World) => world.directory.accounts.get('adele.vance@contoso.com')!.id;

  it('when Teams refuses twice and then lets the bot in, then it waits 2 s and 4 s in between, the card goes out once, and the window is forgotten', async () => {
    const world = makeWorld();
    world.delivery.notYet.set(managerOf(world), 2);
    const outcome = await onboard(world.deps('a', policy()), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    expect(outcome.status).toBe('done');
    expect(world.clock.slept).toBe(6_000);
    expect(world.delivery.reachTries).toEqual([managerOf(world), managerOf(world), managerOf(world)]);
    expect(world.delivery.revealCards.map((c) => c.recipient.id)).toEqual([managerOf(world)]);
    expect((await world.store.get('r1'))!.record.credentials?.reachingSince).toBeUndefined();
  });

  it('when Teams keeps refusing, then the bot stops at the end of the window and the request ends unreachable, with the credentials sealed', async () => {
    const world = makeWorld();
    world.delivery.notYet.set(managerOf(world), 1_000);
    const outcome = await onboard(world.deps('a', policy(20_000)), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE' } });
    // 2 + 4 + 8 s; the next wait (16 s) would end after the 20 s window.
    expect(world.clock.slept).toBe(14_000);
    expect(world.delivery.reachTries).toHaveLength(4);
    expect(world.delivery.revealCards).toEqual([]);
    expect(world.credentials.entries.has('r1.1')).toBe(true);
  });

  it('when a refusal will not pass (no app, and the bot may not install it), then there is one try and no wait', async () => {
    const world = makeWorld();
    world.delivery.unreachable.add(managerOf(world));
    const outcome = await onboard(world.deps('a', policy()), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE' } });
    expect(world.clock.slept).toBe(0);
    expect(world.delivery.reachTries).toHaveLength(1);
  });

  /**
   * Teams refuses the manager's chat once with `retryAfterMs` (an installation on its way), then lets
   * the bot in. Instance a waits; `whileAWaits` runs once, on a's first wait, after the clock moved on
   * by that wait plus `pausedMs` (a process that stalls, a VM that is frozen).
   */
  const raceWhileWaiting = async (retryAfterMs: number | undefined, pausedMs: number) => {
    const world = makeWorld();
    const manager = managerOf(world);
    let refusals = 1;
    const reach = world.delivery.reach.bind(world.delivery);
    world.delivery.reach = async (person) => {
      if (person.id !== manager || refusals-- <= 0) return reach(person);
      world.delivery.reachTries.push(person.id);
      return { kind: 'unreachable', reason: 'Teams refused the message (403).', retry: { afterMs: retryAfterMs } };
    };
    const depsB = world.deps('instance-b', policy(300_000));
    let b: Awaited<ReturnType<typeof processOnboardingRequest>> | undefined;
    const sleeps: number[] = [];
    const clockA = {
      now: () => world.clock.now(),
      sleep: async (ms: number) => {
        sleeps.push(ms);
        world.clock.advance(ms + (b ? 0 : pausedMs));
        // Meanwhile another instance's resume pass (or a status refresh) takes the request if it can.
        b ??= await processOnboardingRequest(depsB, 'r1');
      },
    };
    const a = await onboard({ ...world.deps('instance-a', policy(300_000)), clock: clockA }, { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) });
    return { world, a, b: b!, sleeps };
  };

  it('when Teams asks to wait longer than half the lease (Retry-After 200 s, lease 120 s), then the run waits it out holding its lease, another instance finds the request busy, and the card goes out once', async () => {
    const { world, a, b, sleeps } = await raceWhileWaiting(200_000, 0);
    expect(b.problem?.code).toBe('BUSY_ELSEWHERE');
    expect(a.status).toBe('done');
    expect(world.delivery.revealCards).toHaveLength(1);
    // What Teams asked, in waits of at most half a lease with the lease renewed in between.
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(200_000);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(defaultOnboardingPolicy.leaseMs / 2);
  });

  it('when the waiting process stalls past its lease and another instance delivers meanwhile, then the stalled run stops before sending: the card goes out once', async () => {
    const { world, a, b } = await raceWhileWaiting(undefined, defaultOnboardingPolicy.leaseMs + 1_000);
    expect(b.status).toBe('done');
    expect(a.status).toBe('done');
    expect(world.delivery.revealCards).toHaveLength(1);
  });

  it.each([
    // The dead run's lease (120 s) runs out first; the window is 300 s.
    ['within the window', 150_000, 'done', 1],
    ['after the window', 301_000, 'failed', 0],
  ] as const)('when the process dies while it waits and another resumes %s, then it goes on from the stored window: no new window, the card at most once', async (_case, downMs, status, cards) => {
    const world = makeWorld();
    world.delivery.notYet.set(managerOf(world), 1);
    world.delivery.crashOnReach = 2;
    await expect(onboard(world.deps('a', policy(300_000)), { requestId: 'r1', requester, form: form({ secretRecipient: 'manager' }) })).rejects.toThrow(Crash);
    const stored = (await world.store.get('r1'))!.record;
    expect(stored).toMatchObject({ status: 'delivering', credentials: { reachingSince: expect.any(String) } });
    world.delivery.notYet.set(managerOf(world), status === 'done' ? 0 : 1_000);
    world.clock.advance(downMs);
    const sleptBefore = world.clock.slept;
    const outcome = await processOnboardingRequest(world.deps('b', policy(300_000)), 'r1');
    expect(outcome.status).toBe(status);
    expect(world.delivery.revealCards).toHaveLength(cards);
    // Past the window the resumed run tries once and does not wait again.
    if (status === 'failed') expect(world.clock.slept).toBe(sleptBefore);
  });
});

describe('a coordinator group', () => {
  const GROUP = '6a1d3f0e-0000-4000-8000-0000000000c1';
  const groupPolicy = (): Partial<OnboardingPolicy> => ({
    credentials: { ...defaultOnboardingPolicy.credentials, recipient: { default: 'coordinator', choices: ['coordinator'], coordinator: GROUP } },
  });
  const world = () => {
    const w = makeWorld();
    w.directory.addAccount('it.one@contoso.com', null);
    w.directory.addAccount('it.two@contoso.com', null);
    w.directory.groups.set(GROUP, { displayName: 'IT Desk', memberUpns: ['it.one@contoso.com', 'it.two@contoso.com'] });
    return w;
  };
  const idOf = (w: ReturnType<typeof makeWorld>, upn: string) => w.directory.accounts.get(upn)!.id;

  it('when IT_COORDINATOR names a group, then each member it can reach gets the card, and the ticket names the group', async () => {
    const w = world();
    w.delivery.unreachable.add(idOf(w, 'it.two@contoso.com'));
    const outcome = await onboard(w.deps('a', groupPolicy()), { requestId: 'r1', requester, form: form() });
    expect(outcome.status).toBe('done');
    expect(w.delivery.revealCards.map((c) => c.recipient.id)).toEqual([idOf(w, 'it.one@contoso.com')]);
    expect(w.tickets.posted.at(-1)?.ticket.recipient).toEqual({ name: 'IT Desk', role: 'the IT coordinators: any one of 2' });
  });

  it('when no member can be reached, then the request fails as for a person, with the credentials sealed', async () => {
    const w = world();
    for (const upn of ['it.one@contoso.com', 'it.two@contoso.com']) w.delivery.unreachable.add(idOf(w, upn));
    const outcome = await onboard(w.deps('a', groupPolicy()), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE', detail: "The bot can reach none of the IT coordinator group's members in Teams." } });
    expect(w.credentials.entries.has('r1.1')).toBe(true);
  });

  it.each([
    ['empty', []],
    ['too large', Array.from({ length: 11 }, (_, i) => `it.${i}@contoso.com`)],
  ])('when the group is %s, then the requester is told to choose another recipient', async (_case, upns) => {
    const w = makeWorld();
    for (const upn of upns) w.directory.addAccount(upn, null);
    w.directory.groups.set(GROUP, { displayName: 'IT Desk', memberUpns: upns });
    const choice = await chooseSecretRecipient(w.directory, { default: 'coordinator', choices: ['coordinator'], coordinator: GROUP }, { requester, form: {} });
    expect(choice).toMatchObject({ kind: 'problem', problem: { field: 'secretRecipient', message: expect.stringMatching(/^The IT coordinator group IT Desk has (no members|more than 10 members), so the password cannot go to it/) } });
  });

  it('when the secret would go to a group as a plain message, then nothing is sent', async () => {
    const w = world();
    const policy = groupPolicy();
    const outcome = await onboard(w.deps('a', { credentials: { ...policy.credentials!, delivery: 'message' } }), { requestId: 'r1', requester, form: form() });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'RECIPIENT_UNREACHABLE' } });
    expect(w.delivery.delivered).toEqual([]);
  });
});
