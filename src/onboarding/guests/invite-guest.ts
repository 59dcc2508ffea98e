/**
 * checked/approved/creating → created | rejected | failed, or stays creating (pending) when the
 * directory can't tell us yet: exactly one invitation per request, as create-account.ts makes
 * exactly one account — and never a second POST to "check", since every POST /invitations
 * issues a new redeem link that cancels the one before (Graph returns the same guest):
 *  - before the claim, the address is looked up: someone who has it (a guest, or a member whose
 *    mail holds it) is shown, and nobody is invited;
 *  - `creating` (with the marker and the time of that look) is persisted BEFORE the POST;
 *  - whenever we can't know whether a POST was applied, we look the address up again: a guest
 *    with our marker, or one Entra made by invitation after our look, is ours; anyone else's
 *    account means taken; nobody → the POST is sent again;
 *  - after the POST: the redeem link sealed (when the recipient hands it over), then the profile
 *    and marker, the manager and the sponsor, all recorded with `created` in one write.
 * https://learn.microsoft.com/graph/api/invitation-post
 */
import { DirectoryError, describeProblem, type ErrorCode } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { credentialIdFor, discardCredentials, newCredentialsState } from '../credentials/credentials.js';
import { linkManager } from '../request/create-account.js';
import type { GraphFacts, StoredRequest } from '../kernel/ports.js';
import type { OnboardingRequest } from '../request/request.js';
import type { CredentialsState, OnboardingRecord } from '../kernel/request-record.js';
import { audit, claimStep, moveTo, noteEvent, requireRequest, retryWithBackoff, type StepResult } from '../kernel/record-kernel.js';
import { failRequest, leavePending, purged } from '../kernel/request-endings.js';
import type { Secret } from '../credentials/secret.js';
import { say } from '../kernel/sentences.js';
import type { GuestState } from './guest-record.js';
import type {
  ExistingPerson, GuestDirectory, GuestInvitation, GuestPolicy, GuestProfile, GuestWrite, InvitationOutcome, InvitationRefusal,
} from './ports.js';

/** A guest Entra made after our look is ours when it is at most this much older than the look (the two clocks differ). */
const CLOCK_SKEW_MS = 5 * 60_000;

export async function inviteGuest(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const guests = guestDirectoryOf(deps);
  const guest = requireGuest(stored.record);
  const firstRun = stored.record.status === 'checked' || stored.record.status === 'approved';
  if (firstRun) {
    // Someone may have invited them (or given them an account) since the review.
    const holder = (await guests.findPeopleByEmail(guest.email))[0];
    if (holder) return rejectAsExisting(deps, stored, holder);
  }
  const claim = await claimStep(deps, stored, 'creating', firstRun
    ? {
        marker: `${deps.policy.markerPrefix}${stored.record.requestId}`, createAttempts: 1,
        guest: { ...guest, checkedAt: deps.clock.now().toISOString() },
        ...(guest.invitation === 'reveal' ? { credentials: invitationLinkState(deps, stored.record) } : {}),
      }
    : { createAttempts: stored.record.createAttempts + 1 },
    firstRun ? 'invitation.sending' : undefined, { email: guest.email, invitation: guest.invitation });
  if (claim.kind === 'lost') return claim.result;
  const current = claim.stored;
  let mayExistAlready = !firstRun;

  for (let attempt = 1; ; attempt += 1) {
    if (mayExistAlready) {
      const found = await readBack(deps, guests, current.record, 1);
      if (found.kind === 'ours') return recordInvitation(deps, current, found.person);
      if (found.kind === 'theirs') return rejectAsExisting(deps, current, found.person);
    }
    if (attempt > deps.policy.maxCreateAttempts) return leavePending(deps, current, 'OUTCOME_UNKNOWN');

    const outcome = await guests.invite(invitationFor(deps, current.record));
    switch (outcome.kind) {
      case 'invited':
        return recordInvitation(deps, current, outcome.guest, outcome);
      case 'ambiguous':
        // Timeout, 5xx or a reset after sending: the guest may or may not exist now.
        await audit(deps, current.record, 'invitation.ambiguous', { graphRequestId: outcome.graphRequestId ?? null, attempt });
        mayExistAlready = true;
        continue;
      case 'throttled': {
        // 429: nothing was applied; wait as told, then send it again.
        const waitMs = (outcome.retryAfterSeconds ?? 2 ** attempt) * 1000;
        if (waitMs > deps.policy.maxWaitMs) return leavePending(deps, current, 'THROTTLED', outcome.graphRequestId);
        await deps.clock.sleep(waitMs);
        continue;
      }
      case 'exists':
        return rejectAsExisting(deps, current, outcome.person, outcome.graphRequestId);
      case 'refused':
        return refuseInvitation(deps, current, outcome.reason, outcome);
    }
  }
}

/** The problem code of each refusal: its sentence for the requester (or the results sheet), and a line in the ticket. */
export const refusalCodes: Record<InvitationRefusal, ErrorCode> = {
  permission: 'INVITE_PERMISSION_MISSING',
  'invitations-off': 'GUEST_INVITATIONS_OFF',
  'domain-blocked': 'GUEST_DOMAIN_BLOCKED',
  'cross-tenant': 'GUEST_CROSS_TENANT_BLOCKED',
  'own-domain': 'GUEST_OWN_DOMAIN',
  invalid: 'GUEST_INVITE_REJECTED',
};

/** → failed: nothing was created; the requester reads one sentence, IT a line in the ticket, the audit trail the code. */
function refuseInvitation(deps: OnboardingDependencies, stored: StoredRequest, reason: InvitationRefusal, facts: GraphFacts): Promise<StepResult> {
  return failRequest(deps, stored, describeProblem(refusalCodes[reason], stored.record.correlationId, { graphRequestId: facts.graphRequestId, detail: facts.detail }));
}

/** → rejected: the address is held already; that account is named and nobody is invited. */
async function rejectAsExisting(deps: OnboardingDependencies, stored: StoredRequest, person: ExistingPerson, graphRequestId?: string): Promise<StepResult> {
  const guest = requireGuest(stored.record);
  const earlier = earlierRequestOf(person, deps.policy.markerPrefix);
  const sentence = say.GUEST_EXISTS(guest.email, person, earlier);
  await discardCredentials(deps, stored.record.credentials);
  return moveTo(deps, stored, 'rejected', {
    lease: undefined,
    ...purged(deps, stored),
    fieldProblems: [{ field: 'guestEmail', message: sentence }],
    problem: describeProblem('GUEST_ALREADY_EXISTS', stored.record.correlationId, { message: sentence, graphRequestId, detail: person.userPrincipalName }),
  }, 'guest.exists', { existingId: person.id, existingUserPrincipalName: person.userPrincipalName, existingUserType: person.userType, earlierRequestId: earlier ?? null });
}

export type Found = { readonly kind: 'ours' | 'theirs'; readonly person: ExistingPerson } | { readonly kind: 'absent' };

/** Looks the address up after an unanswered invitation: ours (our marker, or invited by Entra after our look), theirs, or nobody. */
async function readBack(deps: OnboardingDependencies, guests: GuestDirectory, record: OnboardingRecord, reads: number): Promise<Found> {
  const guest = requireGuest(record);
  const people = await retryWithBackoff(deps, reads, () => guests.findPeopleByEmail(guest.email), (found) => found.length > 0);
  return whoseAccount(people, record.marker, guest.checkedAt ?? record.updatedAt);
}

/**
 * Whose the people found under an address are, after an invitation whose answer was lost: ours
 * when one carries our marker, or is a guest Entra made by invitation since our look (`checkedAt`,
 * less the clocks' skew) and nobody marked yet; anyone else's otherwise; nobody when none was found.
 * A single request and a bulk row decide it the same way.
 */
export function whoseAccount(people: readonly ExistingPerson[], marker: string | undefined, checkedAt: string): Found {
  if (people.length === 0) return { kind: 'absent' };
  const lookedAt = Date.parse(checkedAt);
  const invitedSinceOurLook = (p: ExistingPerson) => p.userType === 'Guest' && p.creationType === 'Invitation' && p.marker === null
    && (p.createdDateTime === undefined || Date.parse(p.createdDateTime) >= lookedAt - CLOCK_SKEW_MS);
  const ours = people.find((p) => marker !== undefined && p.marker === marker) ?? people.find(invitedSinceOurLook);
  return ours ? { kind: 'ours', person: ours } : { kind: 'theirs', person: people[0]! };
}

/** The request id an earlier invitation of this bot is known by (from the holder's marker), if the marker is ours. */
export function earlierRequestOf(person: ExistingPerson, markerPrefix: string): string | undefined {
  return person.marker?.startsWith(markerPrefix) ? person.marker.slice(markerPrefix.length) : undefined;
}

/**
 * The guest exists (invited now, or found ours after a lost answer): the redeem link sealed
 * when the recipient hands it over, then the profile and marker, the manager and the sponsor,
 * and `created` written with all of it. A failure after the invitation keeps the guest and is a warning.
 */
async function recordInvitation(
  deps: OnboardingDependencies, stored: StoredRequest,
  guestAccount: { readonly id: string; readonly userPrincipalName: string; readonly externalUserState?: ExistingPerson['externalUserState'] },
  invited?: Extract<InvitationOutcome, { kind: 'invited' }>,
): Promise<StepResult> {
  const guests = guestDirectoryOf(deps);
  const { record } = stored;
  const guest = requireGuest(record);
  let renewed: Extract<InvitationOutcome, { kind: 'invited' }> | undefined;
  if (guest.invitation === 'reveal') {
    const state = record.credentials!;
    const kept = await keepInvitationLink(deps, {
      credentialId: state.credentialId, requestId: record.requestId, generation: state.generation, recipientId: state.recipient.id,
    }, invited, () => guests.invite(invitationFor(deps, record)));
    if (kept.kind === 'no-link') {
      const again = kept.outcome;
      if (again.kind === 'refused') return refuseInvitation(deps, stored, again.reason, again);
      if (again.kind === 'exists') return rejectAsExisting(deps, stored, again.person, again.graphRequestId);
      return leavePending(deps, stored, again.kind === 'throttled' ? 'THROTTLED' : 'OUTCOME_UNKNOWN', again.graphRequestId);
    }
    renewed = kept.renewed;
  }
  const answered = invited ?? renewed;
  const request = requireRequest(record);
  let current = noteEvent(deps, stored, renewed ? 'invitation.link_renewed' : 'guest.invited', {
    objectId: guestAccount.id, guestUserPrincipalName: guestAccount.userPrincipalName, invitationId: answered?.invitationId ?? null,
    invitationStatus: answered?.status ?? null, invitation: guest.invitation,
  });
  let warnings = record.warnings;
  const written = await retryWrite(deps, () => guests.writeGuestProfile(guestAccount.id, profileOf(request, record.template?.snapshot.extensionAttributes), record.marker!));
  current = noteEvent(deps, current, written.kind === 'set' ? 'guest.profile_set' : 'guest.profile_failed', { graphRequestId: graphRequestIdOf(written) });
  if (written.kind === 'failed') warnings = [...warnings, describeProblem('GUEST_PROFILE_NOT_SET', record.correlationId, written)];
  const manager = record.manager === 'pending' && record.managerId ? await linkManager(deps, { ...record, warnings }, guestAccount.id) : undefined;
  if (manager) {
    current = noteEvent(deps, current, manager.event, manager.details);
    warnings = manager.changes.warnings ?? warnings;
  }
  // The requester sponsors the guest (learn.microsoft.com/graph/api/user-post-sponsors): the person to ask about them.
  const sponsored = await retryWrite(deps, () => guests.addSponsor(guestAccount.id, record.requester.id));
  if (sponsored.kind === 'failed') warnings = [...warnings, describeProblem('GUEST_SPONSOR_NOT_SET', record.correlationId, sponsored)];
  const invitedAt = deps.clock.now().toISOString();
  const next: GuestState = {
    ...guest, invitationId: answered?.invitationId ?? guest.invitationId, userPrincipalName: guestAccount.userPrincipalName,
    state: answered ? (answered.status === 'Completed' ? 'Accepted' : 'PendingAcceptance') : guestAccount.externalUserState ?? 'PendingAcceptance', stateReadAt: invitedAt, invitedAt: guest.invitedAt ?? invitedAt,
    profile: written.kind, sponsor: sponsored.kind,
  };
  return moveTo(deps, current, 'created', {
    objectId: guestAccount.id, guest: next, lease: undefined, problem: undefined, warnings, ...(manager ? { manager: manager.changes.manager } : {}),
  }, sponsored.kind === 'set' ? 'guest.sponsor_set' : 'guest.sponsor_failed', { sponsorId: record.requester.id, graphRequestId: graphRequestIdOf(sponsored) });
}

/** A write onto a just-invited guest, tried again a little later while replicas catch up. */
export function retryWrite(deps: OnboardingDependencies, write: () => Promise<GuestWrite>): Promise<GuestWrite> {
  return retryWithBackoff(deps, deps.policy.readBackAttempts,
    () => write().catch((error: unknown) => {
      if (error instanceof DirectoryError) return { kind: 'failed' as const, graphRequestId: error.graphRequestId, detail: error.code };
      throw error;
    }),
    (answer) => answer.kind === 'set');
}

const graphRequestIdOf = (write: GuestWrite): string | null => (write.kind === 'failed' ? write.graphRequestId ?? null : null);

/** Where an invitation link is sealed: a request's (or a bulk row's) credentials entry, for its recipient. */
export interface InvitationLinkEntry {
  readonly credentialId: string;
  readonly requestId: string;
  readonly generation: number;
  readonly recipientId: string;
}

type Invited = Extract<InvitationOutcome, { kind: 'invited' }>;
type NotInvited = Exclude<InvitationOutcome, { kind: 'invited' }>;

/** What came of keeping a guest's redeem link: kept (and the new invitation when one was needed), or why no link could be had. */
export type KeptLink =
  | { readonly kind: 'kept'; readonly renewed?: Invited | undefined }
  /** The guest is ours, but the new invitation its lost link needed did not answer with one. */
  | { readonly kind: 'no-link'; readonly outcome: NotInvited };

/**
 * The redeem link sealed into its entry before the guest is recorded invited (a single request
 * and a bulk row alike): the link the invitation answered with; or, when the run that invited them
 * stopped before sealing it (the guest found ours, no entry kept), a new invitation's link — the
 * second POST cancels the lost one, which nobody ever had. An entry there already (a retry) is kept.
 */
export async function keepInvitationLink(
  deps: Pick<OnboardingDependencies, 'credentials' | 'vault' | 'clock' | 'policy'>, entry: InvitationLinkEntry,
  invited: Invited | undefined, inviteAgain: () => Promise<InvitationOutcome>,
): Promise<KeptLink> {
  let link = invited?.redeemUrl;
  let renewed: Invited | undefined;
  if (!link && !await deps.credentials.get(entry.credentialId)) {
    const again = await inviteAgain();
    if (again.kind !== 'invited') return { kind: 'no-link', outcome: again };
    renewed = again;
    link = again.redeemUrl;
  }
  if (link) await sealInvitationLink(deps, entry, link);
  return { kind: 'kept', renewed };
}

/** Seals the redeem link into its credentials entry; an entry there already (a retry) is kept. */
async function sealInvitationLink(deps: Pick<OnboardingDependencies, 'credentials' | 'vault' | 'clock' | 'policy'>, entry: InvitationLinkEntry, link: Secret): Promise<void> {
  await deps.credentials.create({
    credentialId: entry.credentialId,
    requestId: entry.requestId,
    generation: entry.generation,
    recipientId: entry.recipientId,
    invitationLink: await deps.vault.seal(link, { requestId: entry.credentialId }),
    // Never kept without an expiry: the reveal window counts from now until the card goes out.
    purgeAt: new Date(deps.clock.now().getTime() + deps.policy.credentials.revealWindowMs).toISOString(),
  });
}

/** The record's side of an invitation link to hand over: one entry, for the chosen recipient, no password, no pass. */
function invitationLinkState(deps: OnboardingDependencies, record: OnboardingRecord): CredentialsState {
  return { ...newCredentialsState(deps, record, 1), credentialId: credentialIdFor(record.requestId, 1), holds: 'invitation-link', tap: 'off' };
}

/** POST /invitations' body: the address, the name, where they land, and whether Microsoft emails it. */
function invitationFor(deps: OnboardingDependencies, record: OnboardingRecord): GuestInvitation {
  return guestInvitationOf(deps.policy.guests, requireGuest(record), requireRequest(record));
}

/** POST /invitations' body for a guest (a request's or a bulk row's): Microsoft emails it unless the link is handed over. */
export function guestInvitationOf(policy: Pick<GuestPolicy, 'redirectUrl'>, guest: Pick<GuestState, 'email' | 'invitation'>, request: Pick<OnboardingRequest, 'displayName'>): GuestInvitation {
  return { email: guest.email, displayName: request.displayName, redirectUrl: policy.redirectUrl, sendInvitationMessage: guest.invitation === 'email' };
}

/** What the bot writes onto the guest: the request's names and work details, and the template's attributes (the invitation takes none of them). */
export function profileOf(request: OnboardingRequest, extensionAttributes?: Readonly<Record<string, string>>): GuestProfile {
  return {
    givenName: request.givenName, surname: request.surname, jobTitle: request.jobTitle, department: request.department,
    companyName: request.companyName, employeeType: request.employeeType, officeLocation: request.officeLocation,
    ...(request.usageLocation ? { usageLocation: request.usageLocation } : {}),
    ...(extensionAttributes && Object.keys(extensionAttributes).length > 0 ? { extensionAttributes } : {}),
  };
}

/** The record's guest state; a guest request past validation always has one. */
export function requireGuest(record: OnboardingRecord): GuestState {
  if (!record.guest) throw new Error(`Request ${record.requestId} is a guest invitation without its guest state`);
  return record.guest;
}

/** The guest directory; the workflow only reaches here for a request validated while it was configured. */
export function guestDirectoryOf(deps: Pick<OnboardingDependencies, 'guests'>): GuestDirectory {
  if (!deps.guests) throw new Error('Guest invitations need a guest directory (OnboardingDependencies.guests)');
  return deps.guests;
}
