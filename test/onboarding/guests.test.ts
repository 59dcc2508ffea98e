/**
 * Guests (issue 24): someone with a work account at another organisation is invited (Entra
 * B2B, POST /invitations) instead of getting a second identity with a password.
 * https://learn.microsoft.com/graph/api/invitation-post
 * https://learn.microsoft.com/entra/external-id/what-is-b2b
 */
import { describe, expect, it } from 'vitest';
import {
  createRequestDesk, defaultOnboardingPolicy, onboard, processOnboardingRequest, validateOnboardingForm, type OnboardingOutcome,
  type OnboardingPolicy, type RequestDeskDependencies, type Role, type RoleResolver, type StoredRequest,
} from '../../src/onboarding/index.js';
import { form, requester, seedDomains } from './fakes.js';
import { guestForm, makeGuestWorld, type GuestWorld } from './guest-fakes.js';
import { settleAcrossRestarts } from '../support/settle.js';

const revealLinks: Partial<OnboardingPolicy> = {
  guests: { invitation: 'reveal', redirectUrl: 'https://teams.microsoft.com/?tenantId=t' },
  credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'reveal' },
};
const admin = { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'Alex Wilber' };

function deskOf(world: GuestWorld, policy: Partial<OnboardingPolicy> = {}) {
  const roles: RoleResolver = {
    roleOf: async (id): Promise<Role> => (id === admin.id ? 'admin' : id === requester.id ? 'requester' : 'none'),
    whomToAsk: async () => ({ admins: 'Onboarding Admins', requesters: 'Hiring Managers' }),
  };
  const deps: RequestDeskDependencies = {
    ...world.deps('instance-a', policy),
    roles,
    rateLimiter: { take: async () => ({ allowed: true, remaining: 1 }) },
    rateLimits: { perRequesterPerHour: 20, totalPerHour: 200 },
    notice: { notifyRequester: async () => ({ kind: 'delivered' }) },
    history: {
      listByRequester: async () => ({ requests: (await Promise.all([...world.store.records.keys()].map((id) => world.store.get(id)))).filter((r): r is StoredRequest => r !== null) }),
      findByTicketReference: async () => ({ requests: [] }),
    },
    auditTrail: { query: async () => [], toCsv: () => '' },
    defaultUsageLocation: 'US',
  };
  return { deps, desk: createRequestDesk(deps) };
}

/** Runs like the scheduler: after a crash, another instance resumes once the leases ran out. */
function settle(world: GuestWorld, requestId: string, first: () => Promise<OnboardingOutcome>, policy: Partial<OnboardingPolicy> = {}): Promise<OnboardingOutcome> {
  return settleAcrossRestarts(first, (i) => processOnboardingRequest(world.deps(`instance-${i}`, policy), requestId), () => world.clock.advance(10 * 60_000), 20);
}

const everythingStored = (world: GuestWorld) =>
  [world.store.dump(), JSON.stringify(world.audit.events), JSON.stringify(world.tickets.posted), JSON.stringify(world.delivery.revealCards)].join('\n');

describe('a guest request, validated (learn.microsoft.com/graph/api/resources/invitation)', () => {
  const context = { domains: seedDomains, aliasPattern: 'given.surname' as const };

  it('when Guest is chosen with an address elsewhere, then the request invites that address and names nothing under our domains', () => {
    const result = validateOnboardingForm(guestForm({ usageLocation: '' }), context);
    expect(result).toMatchObject({
      ok: true,
      request: { guestEmail: 'jane.doe@tailspin.example', userPrincipalName: 'jane.doe@tailspin.example', alias: '', domain: '', mailNickname: '', endDate: '2026-03-31', displayName: 'Jane Doe' },
    });
  });

  it.each([
    ['jane.doe@contoso.eu', 'contoso.eu'], ['jane.doe@contoso.com', 'contoso.com'], ['jane@eu.contoso.com', 'eu.contoso.com'],
  ])('when the address %s is on one of our own verified domains, then it is refused as not external', (guestEmail, domain) => {
    const result = validateOnboardingForm(guestForm({ guestEmail }), context);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([{ field: 'guestEmail', message: expect.stringContaining(`is on ${domain}, one of the organisation's own verified domains, so the person is not external and nobody is invited`) }]);
    }
  });

  it('when the address is on a domain the tenant added but never verified, then the person is external and may be invited', () => {
    expect(validateOnboardingForm(guestForm({ guestEmail: 'lee@northwind.example' }), context).ok).toBe(true);
  });

  it.each(['jane+doe@tailspin.example', "jane.o'doe@tailspin.example", 'jane!doe@tailspin.example', '.jane@tailspin.example', 'jane-@tailspin.example', 'Jane Doe <jane@tailspin.example>', 'jane@tailspin'])(
    'when the address %s has a character an invitation refuses or is not one address, then it is refused', (guestEmail) => {
      const result = validateOnboardingForm(guestForm({ guestEmail }), context);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems.map((p) => p.field)).toEqual(['guestEmail']);
    });

  it('when a guest form lacks the address, gives a personal email, or a member form gives a work address elsewhere, then each is a field problem', () => {
    const missing = validateOnboardingForm(guestForm({ guestEmail: '' }), context);
    expect(missing.ok === false && missing.problems).toEqual([{ field: 'guestEmail', message: 'Their work email is required.' }]);
    const personal = validateOnboardingForm(guestForm({ personalEmail: 'jane@example.org' }), context);
    expect(personal.ok === false && personal.problems.map((p) => p.field)).toEqual(['personalEmail']);
    const member = validateOnboardingForm(form({ guestEmail: 'jane.doe@tailspin.example' }), context);
    expect(member.ok === false && member.problems).toEqual([{ field: 'guestEmail', message: 'Their work email is only for a guest invitation: choose Guest, or leave it empty.' }]);
    const kind = validateOnboardingForm(guestForm({ accountKind: 'visitor' }), context);
    expect(kind.ok === false && kind.problems.map((p) => p.field)).toContain('accountKind');
  });

  it('when an end date is given, then it is a real day not before the start date, for guests and members alike', () => {
    expect(validateOnboardingForm(form({ endDate: '2026-02-30' }), context)).toMatchObject({ ok: false, problems: [{ field: 'endDate', message: 'The end date must be a date written YYYY-MM-DD.' }] });
    expect(validateOnboardingForm(guestForm({ startDate: '2026-04-01', endDate: '2026-03-31' }), context))
      .toMatchObject({ ok: false, problems: [{ field: 'endDate', message: 'The end date (2026-03-31) is before the start date (2026-04-01).' }] });
    expect(validateOnboardingForm(form({ endDate: '2026-12-31' }), context)).toMatchObject({ ok: true, request: { endDate: '2026-12-31', userPrincipalName: 'jose.nunez@contoso.com' } });
  });
});

describe('inviting a guest — the story', () => {
  it('when Microsoft sends the invitation, then exactly one guest is invited at that address, profiled, managed and sponsored, no password exists, and IT reads it in the ticket', async () => {
    const world = makeGuestWorld();
    const outcome = await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });

    expect(outcome).toMatchObject({
      status: 'done', pending: false, warnings: [], userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com',
      guest: { email: 'jane.doe@tailspin.example', invitation: 'email', state: 'PendingAcceptance' },
    });
    expect(world.guests.invitations).toEqual([{
      email: 'jane.doe@tailspin.example', displayName: 'Jane Doe', redirectUrl: defaultOnboardingPolicy.guests.redirectUrl, sendInvitationMessage: true,
    }]);
    const [guest, ...more] = world.guests.guests();
    expect(more).toEqual([]);
    expect(guest).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance', sponsors: [requester.id] });
    expect(guest!.profile).toMatchObject({ givenName: 'Jane', surname: 'Doe', department: 'Marketing', companyName: 'Tailspin Toys', employeeType: 'Contractor' });
    expect(world.guests.markerOf(guest!.id)).toBe('onboarding:g1');
    expect(world.guests.managerOf(guest!.id)).toBe(world.directory.accounts.get('adele.vance@contoso.com')!.id);
    // No password, no pass, nothing to reveal: Microsoft's email carries the invitation.
    expect(world.directory.createdByWorkflow().map((a) => a.password)).toEqual(['irrelevant']);
    expect(world.credentials.entries.size).toBe(0);
    expect(world.delivery.revealCards).toEqual([]);
    expect(world.delivery.delivered).toEqual([]);
    expect(world.tickets.posted.at(-1)?.ticket).toMatchObject({
      status: 'done', userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com', objectId: guest!.id, endDate: '2026-03-31',
      guest: { email: 'jane.doe@tailspin.example', invitation: 'not accepted yet; Microsoft emailed the invitation to jane.doe@tailspin.example', sponsor: 'Megan Bowen' },
    });
    expect(world.tickets.posted.at(-1)?.ticket.recipient).toBeUndefined();
    expect(world.audit.events.map((e) => e.type)).toEqual([
      'request.received', 'request.validated', 'invitation.sending', 'guest.invited', 'guest.profile_set', 'manager.set', 'guest.sponsor_set',
      'invitation.emailed_by_microsoft', 'ticket.posted', 'onboarding.done',
    ]);
    expect(world.guests.links).toHaveLength(1);
    expect(everythingStored(world)).not.toContain(world.guests.links[0]);
  });

  it('when the policy hands the link over, then nobody is emailed, the link is sealed for the recipient, revealed only to them, and stored nowhere in clear', async () => {
    const world = makeGuestWorld();
    const { deps, desk } = deskOf(world, revealLinks);
    const outcome = await onboard(deps, { requestId: 'g1', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'done', guest: { invitation: 'reveal' } });
    expect(world.guests.invitations.map((i) => [i.sendInvitationMessage, i.redirectUrl])).toEqual([[false, 'https://teams.microsoft.com/?tenantId=t']]);
    expect(world.delivery.revealCards).toEqual([{ recipient: requester, notice: expect.objectContaining({ requestId: 'g1', displayName: 'Jane Doe', contents: 'invitation-link', generation: 1 }) }]);
    const [entry] = [...world.credentials.entries.values()].map((e) => JSON.parse(e.json) as Record<string, unknown>);
    expect(entry).toMatchObject({ credentialId: 'g1.1', recipientId: requester.id, invitationLink: { algorithm: 'A256GCM' } });
    expect(entry).not.toHaveProperty('password');
    const link = world.guests.links[0]!;
    expect([everythingStored(world), world.credentials.dump()].join('\n')).not.toContain(link);

    expect(await desk.revealCredentials({ id: 'someone-else', name: 'Eve' }, 'g1')).toMatchObject({ kind: 'refused' });
    const shown = await desk.revealCredentials(requester, 'g1');
    expect(shown.kind === 'shown' && shown.invitationLink?.reveal()).toBe(link);
    expect(shown.kind === 'shown' && [shown.password, shown.temporaryAccessPass]).toEqual([undefined, undefined]);
    expect(world.tickets.posted.at(-1)?.ticket.guest?.invitation).toBe('not accepted yet; the invitation link went to Megan Bowen (the requester) on a reveal card');
  });

  it('when the address belongs to a guest invited earlier, then the review shows them and nothing is invited; a race at Create is rejected the same way', async () => {
    const world = makeGuestWorld();
    world.guests.addGuest('jane.doe@tailspin.example', 'Accepted');
    const { desk } = deskOf(world);
    const review = await desk.reviewRequest(requester, guestForm());
    expect(review).toMatchObject({
      kind: 'needs-changes',
      problems: [{ field: 'guestEmail', message: 'jane.doe@tailspin.example already has access here: jane.doe@tailspin.example (jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com), a guest who accepted their invitation. Nobody is invited again: use that account, or ask IT.' }],
    });
    const outcome = await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'rejected', problem: { code: 'GUEST_ALREADY_EXISTS' }, fieldProblems: [{ field: 'guestEmail' }] });
    expect(world.guests.invitations).toEqual([]);
    expect(world.audit.events.map((e) => e.type)).toContain('guest.exists');
  });

  it('when the same request is asked for again after the bot invited them, then the review names the guest as invited by this bot', async () => {
    const world = makeGuestWorld();
    await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    const { desk } = deskOf(world);
    const again = await desk.reviewRequest(requester, guestForm({ ticketReference: 'INC-5101' }));
    expect(again.kind === 'needs-changes' && again.problems[0]?.message).toMatch(/a guest whose invitation is not accepted yet, invited by this bot \(request g1\)\. Nobody is invited again/);
    expect(world.guests.invitations).toHaveLength(1);
  });

  it('when a member of ours holds the address in their mail, then the review shows the member and Graph’s "already exists" answer is treated alike', async () => {
    const world = makeGuestWorld();
    world.guests.addMember('jane.doe@contoso.com', 'jane.doe@tailspin.example');
    const { desk } = deskOf(world);
    const review = await desk.reviewRequest(requester, guestForm());
    expect(review.kind === 'needs-changes' && review.problems[0]?.message).toMatch(/^jane\.doe@tailspin\.example already has access here: jane\.doe@contoso\.com, a member account\./);
  });

  it('when the review is ready, then it says it is a guest invitation that Microsoft emails, with no recipient to choose', async () => {
    const world = makeGuestWorld();
    const { desk } = deskOf(world);
    expect(await desk.reviewRequest(requester, guestForm())).toMatchObject({
      kind: 'ready', guest: { email: 'jane.doe@tailspin.example', invitation: 'email' }, recipient: { id: requester.id, role: 'requester' },
      manager: { userPrincipalName: 'adele.vance@contoso.com' },
    });
    expect(world.guests.invitations).toEqual([]);
  });
});

describe('exactly one invitation (the record kernel, as for accounts)', () => {
  it('when Create is clicked twice at once, then one invitation goes out', async () => {
    const world = makeGuestWorld();
    await Promise.all([
      onboard(world.deps('instance-a'), { requestId: 'g1', requester, form: guestForm() }),
      onboard(world.deps('instance-b'), { requestId: 'g1', requester, form: guestForm() }),
    ]);
    await settle(world, 'g1', () => processOnboardingRequest(world.deps(), 'g1'));
    expect(world.guests.invitations).toHaveLength(1);
    expect(world.guests.guests()).toHaveLength(1);
  });

  it('when the answer is lost after Graph invited them, then the address is looked up, the guest is ours, and nothing is sent again', async () => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = ['ambiguous-applied'];
    const outcome = await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'done', guest: { userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com' } });
    expect(world.guests.invitations).toHaveLength(1);
    expect(world.audit.events.map((e) => e.type)).toContain('invitation.ambiguous');
  });

  it('when the request was lost before Graph saw it, then the lookup finds nobody and the invitation is sent once more', async () => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = ['ambiguous-not-applied'];
    expect(await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() })).toMatchObject({ status: 'done' });
    expect(world.guests.invitations).toHaveLength(1);
    expect(world.guests.guests()).toHaveLength(1);
  });

  it.each(['crash-before-send', 'crash-after-apply'] as const)('when the bot dies (%s), then a restart ends with one guest and one invitation email', async (fault) => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = [fault];
    const outcome = await settle(world, 'g1', () => onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() }));
    expect(outcome).toMatchObject({ status: 'done' });
    expect(world.guests.guests()).toHaveLength(1);
    expect(world.guests.invitations).toHaveLength(1);
    expect(world.guests.markerOf(world.guests.guests()[0]!.id)).toBe('onboarding:g1');
  });

  it('when the bot dies after Graph invited them but before the link was sealed, then the restart asks for a fresh link (the lost one cancelled) and hands that one over', async () => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = ['crash-after-apply'];
    const { desk } = deskOf(world, revealLinks);
    const outcome = await settle(world, 'g1', () => onboard(world.deps('instance-a', revealLinks), { requestId: 'g1', requester, form: guestForm() }), revealLinks);
    expect(outcome).toMatchObject({ status: 'done' });
    expect(world.guests.guests()).toHaveLength(1);
    expect(world.guests.links).toHaveLength(2);
    const shown = await desk.revealCredentials(requester, 'g1');
    expect(shown.kind === 'shown' && shown.invitationLink?.reveal()).toBe(world.guests.links[1]);
    expect(world.guests.guests()[0]!.redeemUrl).toBe(world.guests.links[1]);
    expect(world.audit.events.map((e) => e.type)).toContain('invitation.link_renewed');
  });

  it('when a lookup misses a guest just invited (replicas), then the lost answer is still reconciled without a second guest', async () => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = ['ambiguous-applied'];
    world.guests.replicationLagReads = 2;
    const outcome = await settle(world, 'g1', () => onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() }));
    expect(outcome).toMatchObject({ status: 'done' });
    expect(world.guests.guests()).toHaveLength(1);
  });

  it('when Graph throttles the invitation, then the bot waits as told and invites once', async () => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = ['throttled'];
    expect(await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() })).toMatchObject({ status: 'done' });
    expect(world.clock.slept).toBeGreaterThanOrEqual(2000);
    expect(world.guests.invitations).toHaveLength(1);
  });
});

describe('refusals, told plainly (learn.microsoft.com/entra/external-id/troubleshoot)', () => {
  it.each([
    ['invitations-off', 'GUEST_INVITATIONS_OFF', /external collaboration settings do not let this bot invite guests/],
    ['domain-blocked', 'GUEST_DOMAIN_BLOCKED', /block invitations to that email domain/],
    ['cross-tenant', 'GUEST_CROSS_TENANT_BLOCKED', /cross-tenant access settings/],
    ['permission', 'INVITE_PERMISSION_MISSING', /User\.Invite\.All/],
    ['own-domain', 'GUEST_OWN_DOMAIN', /own verified domains/],
    ['invalid', 'GUEST_INVITE_REJECTED', /refused the invitation/],
  ] as const)('when Graph refuses (%s), then nothing exists, the requester reads one sentence, the ticket a line, the audit trail the code', async (reason, code, sentence) => {
    const world = makeGuestWorld();
    world.guests.inviteFaults = [reason];
    const outcome = await onboard(world.deps('instance-a', revealLinks), { requestId: 'g1', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'failed', pending: false, problem: { code, message: expect.stringMatching(sentence), help: '' } });
    expect(outcome.problem!.message.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 1)).toHaveLength(1);
    expect(world.guests.guests()).toEqual([]);
    expect(world.credentials.entries.size).toBe(0);
    expect(world.delivery.revealCards).toEqual([]);
    const ticket = world.tickets.posted.at(-1)!.ticket;
    expect(ticket).toMatchObject({ status: 'failed', userPrincipalName: 'jane.doe@tailspin.example' });
    expect(ticket.notes.some((n) => n.startsWith(`${code}: `))).toBe(true);
    expect(world.audit.events.find((e) => e.type === 'request.failed')?.details).toMatchObject({ code, graphRequestId: 'req-refused' });
  });

  it('when the profile or the sponsor cannot be written, then the guest stays invited and the requester and IT read a warning', async () => {
    const world = makeGuestWorld();
    world.guests.profileFails = true;
    world.guests.sponsorFails = true;
    const outcome = await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    expect(outcome.status).toBe('done');
    expect(outcome.warnings.map((w) => w.code)).toEqual(['GUEST_PROFILE_NOT_SET', 'GUEST_SPONSOR_NOT_SET']);
    expect(world.tickets.posted.at(-1)!.ticket.guest?.sponsor).toBeUndefined();
    expect(world.guests.guests()).toHaveLength(1);
  });
});

describe('afterwards', () => {
  it('when the requester asks for status, then the invitation is read afresh and its acceptance noted once in the audit trail', async () => {
    const world = makeGuestWorld();
    const { desk } = deskOf(world);
    await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    expect(await desk.describeRecentRequests(requester)).toContain('jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com: **guest invited, not accepted yet**');
    world.guests.accept('jane.doe@tailspin.example');
    expect(await desk.describeRecentRequests(requester)).toContain('**guest invitation accepted**');
    expect(await desk.describeRecentRequests(requester)).toContain('**guest invitation accepted**');
    expect(world.audit.events.filter((e) => e.type === 'guest.accepted')).toHaveLength(1);
    expect((await world.store.get('g1'))!.record.guest).toMatchObject({ state: 'Accepted' });
  });

  it('when an admin asks to reissue a guest’s credentials, then there is nothing to reissue and nothing changes', async () => {
    const world = makeGuestWorld();
    const { desk } = deskOf(world);
    await onboard(world.deps(), { requestId: 'g1', requester, form: guestForm() });
    const answer = await desk.reissueCredentials({ actor: admin, requestId: 'g1' });
    expect(answer).toEqual({ kind: 'refused', sentence: expect.stringContaining('is a guest: they sign in with their own organisation\'s account, so there is no password to reissue') });
    expect((await world.store.get('g1'))!.record.status).toBe('done');
  });

  it('when approval is required, then the approver sees a guest invitation and, once approved, it goes out', async () => {
    const world = makeGuestWorld();
    const policy = { approval: { ...defaultOnboardingPolicy.approval, mode: 'all' as const } };
    const { desk } = deskOf(world, policy);
    const submitted = await desk.submitRequest({ requestId: 'g1', requester, form: guestForm() as Record<string, string> });
    expect(submitted.kind === 'accepted' && (await submitted.work).status).toBe('awaiting_approval');
    expect(world.tickets.posted.at(-1)!.ticket.guest?.invitation).toBe('not sent yet; Microsoft will email it to jane.doe@tailspin.example');
    const decided = await desk.decideApproval({ requestId: 'g1', approver: admin, decision: 'approved' });
    expect(decided.kind).toBe('decided');
    expect((await decided.continuing!).status).toBe('done');
    expect(world.guests.invitations).toHaveLength(1);
  });
});
