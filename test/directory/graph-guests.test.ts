/**
 * Guest invitations through the real path: the workflow, the Graph adapters (the real Graph
 * client over HTTPS) and the local tenant playing the invitation service, sponsors and
 * external collaboration settings. Teams and storage are in memory.
 * https://learn.microsoft.com/graph/api/invitation-post
 * https://learn.microsoft.com/graph/api/user-post-sponsors
 * https://learn.microsoft.com/entra/external-id/troubleshoot
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGraphDirectory, createGraphGuestDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { createGraphClient } from '../../src/directory/graph-directory.js';
import {
  createAesGcmSecretVault, cryptoRandom, defaultOnboardingPolicy, onboard, processOnboardingRequest, type GuestDirectory, type InvitationOutcome,
  type OnboardingDependencies, type OnboardingOutcome, type OnboardingPolicy,
} from '../../src/onboarding/index.js';
import { Crash, InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets } from '../onboarding/fakes.js';
import { guestForm } from '../onboarding/guest-fakes.js';
import { clockThatCanJump } from '../support/clock.js';
import { useLocalTenant } from '../support/local-tenant.js';
import { settleAcrossRestarts } from '../support/settle.js';

const tenant = useLocalTenant();
// Megan Bowen of the seed: a sponsor must be a user of the tenant.
const requester = { id: '00000000-0000-4000-8000-000000000021', name: 'Megan Bowen' };
const EMAIL = 'jane.doe@tailspin.example';

const graphOptions = (credential?: GraphDirectoryOptions['credential']): GraphDirectoryOptions => ({
  baseUrl: tenant().graphBaseUrl, tenantId: tenant().tenantId, authorityHost: tenant().authorityHost, disableInstanceDiscovery: true,
  credential: credential ?? { kind: 'clientSecret', clientId: tenant().app.clientId, clientSecret: tenant().app.clientSecret }, readRetryDelaySeconds: 0,
  requestTimeoutMs: 2_000,
});

/** The real guest directory, which can crash the process right after Graph invited, or lose Graph's answer. */
class FaultyGuests implements GuestDirectory {
  fault: 'crash-after-invite' | 'lose-answer' | undefined;
  constructor(private readonly inner: GuestDirectory) {}
  findPeopleByEmail = (email: string) => this.inner.findPeopleByEmail(email);
  writeGuestProfile: GuestDirectory['writeGuestProfile'] = (...args) => this.inner.writeGuestProfile(...args);
  addSponsor: GuestDirectory['addSponsor'] = (...args) => this.inner.addSponsor(...args);
  invitationState = (userId: string) => this.inner.invitationState(userId);
  async invite(invitation: Parameters<GuestDirectory['invite']>[0]): Promise<InvitationOutcome> {
    const outcome = await this.inner.invite(invitation);
    const fault = this.fault;
    this.fault = undefined;
    if (fault === 'crash-after-invite') throw new Crash('crash between POST /invitations and the record write');
    if (fault === 'lose-answer') return { kind: 'ambiguous', detail: 'gateway timeout' };
    return outcome;
  }
}

function harness(options: { policy?: Partial<OnboardingPolicy>; credential?: GraphDirectoryOptions['credential'] } = {}) {
  const parts = {
    directory: createGraphDirectory(graphOptions()),
    guests: new FaultyGuests(createGraphGuestDirectory(graphOptions(options.credential))),
    store: new InMemoryRequestStore(), audit: new InMemoryAuditLog(), delivery: new RecordingDelivery(),
    tickets: new RecordingTickets(), clock: clockThatCanJump({ longestSleepMs: 1_000 }), credentials: new InMemoryCredentialStore(),
  };
  const vault = createAesGcmSecretVault({ key: randomBytes(32), keyId: 'it' });
  const deps = (instanceId: string): OnboardingDependencies => ({
    ...parts, vault, random: cryptoRandom, instanceId,
    policy: {
      ...defaultOnboardingPolicy, readBackDelayMs: 100, maxWaitMs: 2_000,
      guests: { invitation: 'email', redirectUrl: `https://teams.microsoft.com/?tenantId=${tenant().tenantId}` }, ...options.policy,
    },
  });
  return { ...parts, deps };
}

const finish = (h: ReturnType<typeof harness>, requestId: string, first: () => Promise<OnboardingOutcome>) =>
  settleAcrossRestarts(first, (i) => processOnboardingRequest(h.deps(`resumer-${i}`), requestId), () => h.clock.jump(10 * 60_000));

const guestsIn = () => tenant().directory().users.filter((u) => u.userType === 'Guest');
const invitations = async () => (await (await fetch(`${tenant().inspectionUrl}/invitations`)).json() as { value?: unknown[] } | unknown[]);
const invitationCount = async () => { const body = await invitations(); return (Array.isArray(body) ? body : body.value ?? []).length; };
const invitationMails = () => tenant().directory().outbox.filter((mail) => mail.toRecipients.some((r) => r.address === EMAIL));

describe('inviting a guest against the local tenant (invitation-post, user-post-sponsors)', () => {
  it('when Microsoft sends the invitation, then one Guest exists as Entra makes it — #EXT# user name, PendingAcceptance, creationType Invitation — with its profile, marker, manager and the requester as sponsor', async () => {
    const h = harness();
    const outcome = await onboard(h.deps('a'), { requestId: 'g-email', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'done', warnings: [], userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com' });
    const [guest, ...more] = guestsIn();
    expect(more).toEqual([]);
    expect(guest).toMatchObject({
      userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com', mail: EMAIL, externalUserState: 'PendingAcceptance', creationType: 'Invitation',
      givenName: 'Jane', surname: 'Doe', department: 'Marketing', companyName: 'Tailspin Toys', employeeType: 'Contractor', password: null,
      managerId: '00000000-0000-4000-8000-000000000022', sponsors: [requester.id],
    });
    expect(guest!.onPremisesExtensionAttributes['extensionAttribute15']).toBe('onboarding:g-email');
    expect(await invitationCount()).toBe(1);
    // Microsoft's email, to the invited address only; the bot kept no link.
    expect(invitationMails()).toHaveLength(1);
    expect(h.credentials.entries.size).toBe(0);
    expect(h.tickets.posted.at(-1)!.ticket).toMatchObject({ userPrincipalName: guest!.userPrincipalName, objectId: guest!.id });
  });

  it('when the same address is asked for again, then the guest is found and nothing is sent again (a new POST would cancel their link)', async () => {
    const h = harness();
    await onboard(h.deps('a'), { requestId: 'g-1', requester, form: guestForm() });
    const again = await onboard(h.deps('a'), { requestId: 'g-2', requester, form: guestForm({ ticketReference: 'INC-5200' }) });
    expect(again).toMatchObject({ status: 'rejected', problem: { code: 'GUEST_ALREADY_EXISTS', message: expect.stringMatching(/invited by this bot \(request g-1\)/) } });
    expect(await invitationCount()).toBe(1);
    expect(invitationMails()).toHaveLength(1);
  });

  it('when the bot dies right after Graph invited them, then a restart finds its guest by address and sends nothing more', async () => {
    const h = harness();
    h.guests.fault = 'crash-after-invite';
    const outcome = await finish(h, 'g-crash', () => onboard(h.deps('a'), { requestId: 'g-crash', requester, form: guestForm() }));
    expect(outcome.status).toBe('done');
    expect(guestsIn()).toHaveLength(1);
    expect(await invitationCount()).toBe(1);
    expect(guestsIn()[0]!.onPremisesExtensionAttributes['extensionAttribute15']).toBe('onboarding:g-crash');
  });

  it('when Graph’s answer is lost, then the address is looked up and the guest is ours: one invitation', async () => {
    const h = harness();
    h.guests.fault = 'lose-answer';
    const outcome = await onboard(h.deps('a'), { requestId: 'g-lost', requester, form: guestForm() });
    expect(outcome.status).toBe('done');
    expect(await invitationCount()).toBe(1);
    expect(h.audit.events.map((e) => e.type)).toContain('invitation.ambiguous');
  });

  it('when the link is handed over, then nobody is emailed, the sealed link redeems the invitation, and status reads Accepted afterwards', async () => {
    const h = harness({ policy: { guests: { invitation: 'reveal', redirectUrl: 'https://myapps.microsoft.com/?tenantid=t' }, credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'reveal' } } });
    const outcome = await onboard(h.deps('a'), { requestId: 'g-link', requester, form: guestForm() });
    expect(outcome.status).toBe('done');
    expect(invitationMails()).toEqual([]);
    expect(h.delivery.revealCards.map((c) => c.notice.contents)).toEqual(['invitation-link']);
    const entry = await h.credentials.get('g-link.1');
    const link = (await h.deps('a').vault.unseal(entry!.credentials.invitationLink!, { requestId: 'g-link.1' })).reveal();
    const redeemed = await fetch(`${tenant().inspectionUrl}/invitations/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inviteRedeemUrl: link }) });
    expect(redeemed.status).toBe(200);
    expect(await h.guests.invitationState(outcome.objectId!)).toMatchObject({ state: 'Accepted' });
  });
});

describe('refusals, as the invitation service answers them (external-id/troubleshoot, allow-deny-list)', () => {
  it.each([
    ['external collaboration allows no invitations', { allowInvitesFrom: 'none' as const }, 'GUEST_INVITATIONS_OFF'],
    ['the domain is on the block list', { domainRestriction: { kind: 'block' as const, domains: ['tailspin.example'] } }, 'GUEST_DOMAIN_BLOCKED'],
    ['the domain is not on the allow list', { domainRestriction: { kind: 'allow' as const, domains: ['fourthcoffee.example'] } }, 'GUEST_DOMAIN_BLOCKED'],
    ['cross-tenant access blocks their organisation', { crossTenantAccessBlockedDomains: ['tailspin.example'] }, 'GUEST_CROSS_TENANT_BLOCKED'],
  ])('when %s, then nobody is invited, the request fails with one sentence, a ticket line and the code audited', async (_case, settings, code) => {
    tenant().setExternalCollaboration(settings);
    const h = harness();
    const outcome = await onboard(h.deps('a'), { requestId: 'g-refused', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'failed', objectId: undefined, problem: { code } });
    expect(guestsIn()).toEqual([]);
    expect(h.tickets.posted.at(-1)!.ticket.notes.some((n) => n.startsWith(`${code}: `))).toBe(true);
    expect(h.audit.events.find((e) => e.type === 'request.failed')?.details).toMatchObject({ code, graphRequestId: expect.any(String) });
  });

  it('when the bot’s app may not invite (no User.Invite.All), then the invite API’s Unauthorized becomes the sentence naming the permission', async () => {
    const reader = tenant().apps.find((app) => app.displayName === 'Directory Reader (local)')!;
    const h = harness({ credential: { kind: 'clientSecret', clientId: reader.clientId, clientSecret: reader.clientSecret } });
    const outcome = await onboard(h.deps('a'), { requestId: 'g-perm', requester, form: guestForm() });
    expect(outcome).toMatchObject({ status: 'failed', problem: { code: 'INVITE_PERMISSION_MISSING', message: expect.stringContaining('User.Invite.All') } });
    expect(guestsIn()).toEqual([]);
  });

  it('when an address is on one of the tenant’s verified domains or belongs to a member, then the adapter says so and nothing is made', async () => {
    const guests = createGraphGuestDirectory(graphOptions());
    const invitation = { displayName: 'X', redirectUrl: 'https://teams.microsoft.com/', sendInvitationMessage: false };
    expect(await guests.invite({ ...invitation, email: 'someone@contoso.eu' })).toMatchObject({ kind: 'refused', reason: 'own-domain' });
    // A member of ours whose otherMails holds an outside address.
    await createGraphClient(graphOptions()).api('/users/adele.vance@contoso.com').patch({ otherMails: ['adele@tailspin.example'] });
    expect(await guests.findPeopleByEmail('adele@tailspin.example')).toMatchObject([{ userPrincipalName: 'adele.vance@contoso.com', userType: 'Member' }]);
    expect(await guests.invite({ ...invitation, email: 'adele@tailspin.example' })).toMatchObject({ kind: 'exists', person: { userPrincipalName: 'adele.vance@contoso.com', userType: 'Member' } });
    expect(guestsIn()).toEqual([]);
  });
});
