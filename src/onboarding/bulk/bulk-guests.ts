/**
 * Guest rows of a bulk sheet (issue 25): a row whose account kind is Guest (or which gives only
 * an address to invite, as Entra's own bulk-invite sheet does) is invited with Entra B2B as a
 * single guest request is (guests/), not created with POST /users.
 *
 * Review: every guest address looked up, paced to the directory's read budget; someone holding
 * it already (a guest, or a member whose mail holds it) is that row's problem and nobody is
 * invited again. Run: each row invited EXACTLY ONCE with invite-guest.ts's rules — never a second
 * POST /invitations "to check" (each one replaces the redeem link); the row is claimed
 * `creating`, with its marker and the time of the look, BEFORE its POST; after a lost answer or
 * a crash the address is looked up (whoseAccount): ours → recorded, anyone else's → the row's
 * problem, nobody → sent again. Then the profile and marker and the sponsor (the admin who sent
 * the sheet); the manager and the template's groups and licence follow with the member rows.
 * Who carries the invitation is the tenant's policy, as for a single guest: Microsoft's email, or
 * (GUEST_INVITATION=reveal) nobody emails it and the redeem link is sealed into the row's
 * credentials entry for its recipient BEFORE the row is recorded invited, to go out on their bulk
 * reveal card with their members' credentials; a run that stopped between the POST and the seal
 * asks for a new link (keepInvitationLink: the second POST cancels the lost one).
 * https://learn.microsoft.com/graph/api/invitation-post
 */
import type { BulkDependencies, BulkRowRecord } from './bulk-job.js';
import { bulkEvent, credentialIdForRow, markerForRow } from './bulk-job.js';
import type { BulkProblem, BulkRowRequest } from './bulk-rows.js';
import { inLanes, type BulkRunContext } from './bulk-record.js';
import { Pace } from './bulk-pace.js';
import { DirectoryError, describeProblem } from '../kernel/errors.js';
import { say, sayBulk } from '../kernel/sentences.js';
import { isGuestRequest } from '../request/request.js';
import type { ExistingPerson, GuestDirectory, GuestPolicy, InvitationOutcome } from '../guests/ports.js';
import { newGuestState, type GuestState } from '../guests/guest-record.js';
import {
  earlierRequestOf, guestDirectoryOf, guestInvitationOf, keepInvitationLink, profileOf, refusalCodes, retryWrite, whoseAccount,
} from '../guests/invite-guest.js';

export const isGuestRow = (row: Pick<BulkRowRecord, 'request'>): boolean => isGuestRequest(row.request);

/**
 * The review's part for guest rows: none may be invited when the bot has no guest directory;
 * otherwise each address is looked up once, a few at a time within the
 * read budget, and a holder is the row's problem. Problems come back in row order.
 */
export async function reviewGuestRows(deps: BulkDependencies, rows: readonly BulkRowRequest[]): Promise<BulkProblem[]> {
  const guestRows = rows.filter((row) => isGuestRequest(row.request));
  if (guestRows.length === 0) return [];
  if (!deps.guests) return guestRows.map((row) => ({ rowNumber: row.rowNumber, message: say.GUESTS_UNAVAILABLE() }));
  const guests = deps.guests;
  const pace = new Pace(deps.bulkPolicy.budgets.directoryReads, deps.clock);
  const problems: BulkProblem[] = [];
  await inLanes(guestRows, deps.bulkPolicy.concurrentBatches, async (row) => {
    const email = row.request.guestEmail!;
    const holders = await lookUp(deps, guests, pace, email);
    if (holders === undefined) problems.push({ rowNumber: row.rowNumber, message: sayBulk.GUEST_LOOKUP_FAILED(email) });
    else if (holders[0]) problems.push({ rowNumber: row.rowNumber, message: holderSentence(deps, email, holders[0]) });
  });
  return problems.sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
}

/** Everyone holding the address, the read paced (a throttled one waits its Retry-After); undefined when the directory would not answer. */
async function lookUp(deps: BulkDependencies, guests: GuestDirectory, pace: Pace, email: string): Promise<ExistingPerson[] | undefined> {
  for (let attempt = 1; attempt <= deps.bulkPolicy.maxRowAttempts; attempt += 1) {
    await pace.take(1);
    try {
      return await guests.findPeopleByEmail(email);
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error;
      if (error.code === 'THROTTLED') pace.onThrottled(error.retryAfterSeconds);
      else if (error.code !== 'DIRECTORY_UNAVAILABLE') return undefined;
      else await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** (attempt - 1));
    }
  }
  return undefined;
}

const holderSentence = (deps: BulkDependencies, email: string, holder: ExistingPerson): string =>
  say.GUEST_EXISTS(email, holder, earlierRequestOf(holder, deps.policy.markerPrefix));

/** The guest state a reviewed guest row starts with: who sends the invitation is fixed now, as for a single guest. */
export function guestStateOfRow(row: BulkRowRequest, policy: GuestPolicy): GuestState {
  return newGuestState(policy, row.request.guestEmail!);
}

/**
 * The run's part for guest rows, a batch (batchSize rows) at a time as member rows go: each
 * pending row's address looked up, every row of the batch claimed `creating` (marker, time of
 * the look) in ONE write before any of its POSTs, then each invited a few lanes at a time, each
 * POST let through by the directory's write budget, and what came of the batch written in one
 * write; its audit events follow that write (a crash in between loses an event, never repeats an invitation).
 */
export async function inviteGuestRows(run: BulkRunContext): Promise<void> {
  const { record, deps } = run;
  const due = record.rows((row) => isGuestRow(row) && (row.state === 'pending' || row.state === 'creating'));
  if (due.length === 0) return;
  const guests = guestDirectoryOf(deps);
  const { batchSize, concurrentBatches } = deps.bulkPolicy;
  for (let i = 0; i < due.length; i += batchSize) {
    const batch = due.slice(i, i + batchSize).map((row) => row.rowNumber);
    const events: BulkAuditEvent[] = [];
    // Rows this run claims now (kept in memory only: a row found `creating` after a restart is always looked up first).
    const claimedNow = new Set<number>();
    // Someone may have invited them (or given them an account) since the review: looked up before the claim.
    await inLanes(batch.filter((n) => record.row(n).state === 'pending'), concurrentBatches, async (rowNumber) => {
      const row = record.row(rowNumber);
      const email = row.guest!.email;
      const holders = await lookUp(deps, guests, run.paces.directoryReads, email);
      if (holders === undefined) notInvited(run, events, rowNumber, sayBulk.GUEST_LOOKUP_FAILED(email), 'GUEST_LOOKUP_FAILED');
      else if (holders[0]) notInvited(run, events, rowNumber, holderSentence(deps, email, holders[0]), 'GUEST_ALREADY_EXISTS', holders[0]);
      else {
        record.change(rowNumber, {
          state: 'creating', marker: markerForRow(deps.policy.markerPrefix, record.job.jobId, rowNumber), attempts: row.attempts + 1,
          guest: { ...row.guest!, checkedAt: deps.clock.now().toISOString() },
        });
        claimedNow.add(rowNumber);
      }
    });
    // The claims are stored BEFORE any POST of the batch.
    await record.flush();
    await inLanes(batch.filter((n) => record.row(n).state === 'creating'), concurrentBatches, (rowNumber) => inviteRow(run, guests, events, rowNumber, claimedNow.has(rowNumber)));
    await record.flush();
    for (const event of events) await deps.audit.append(event);
    await run.showProgress(false);
  }
}

type BulkAuditEvent = ReturnType<typeof bulkEvent>;

/**
 * One claimed row to its end: a row claimed now is sent; one found `creating` (a run that may
 * have sent its POST stopped) is looked up first — ours → recorded, someone else's → the row's
 * problem, nobody → sent again.
 */
async function inviteRow(run: BulkRunContext, guests: GuestDirectory, events: BulkAuditEvent[], rowNumber: number, claimedNow: boolean): Promise<void> {
  const { record, deps, paces } = run;
  const { maxRowAttempts } = deps.bulkPolicy;
  const first = record.row(rowNumber);
  const email = first.guest!.email;
  let mayExistAlready = !claimedNow;
  let failedReads = 0;
  for (let sent = 0; ; sent += 1) {
    const row = record.row(rowNumber);
    if (mayExistAlready) {
      let people: ExistingPerson[] | undefined;
      try {
        people = await guests.findPeopleByEmail(email);
      } catch (error) {
        if (!(error instanceof DirectoryError)) throw error;
        failedReads += 1;
      }
      if (people === undefined) {
        // Unknown still: read again a little later, never send blind.
        if (failedReads >= maxRowAttempts) return notInvited(run, events, rowNumber, sayBulk.GUEST_UNKNOWN(email), 'OUTCOME_UNKNOWN');
        await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** (failedReads - 1));
        continue;
      }
      const found = whoseAccount(people, row.marker, row.guest!.checkedAt ?? record.job.updatedAt);
      if (found.kind === 'ours') return recordInvited(run, guests, events, rowNumber, found.person);
      if (found.kind === 'theirs') return notInvited(run, events, rowNumber, holderSentence(deps, email, found.person), 'GUEST_ALREADY_EXISTS', found.person);
      // Nobody holds it: the POST was not applied, and is sent again.
    }
    // The claim counted the first POST; each one after it is counted here.
    const attempts = sent === 0 && claimedNow ? row.attempts : row.attempts + 1;
    if (attempts > maxRowAttempts) {
      return notInvited(run, events, rowNumber, mayExistAlready ? sayBulk.GUEST_UNKNOWN(email) : sayBulk.GUEST_THROTTLED(email), 'OUTCOME_UNKNOWN');
    }
    record.change(rowNumber, { attempts });
    await paces.directoryWrites.take(1);
    const outcome: InvitationOutcome = await guests.invite(guestInvitationOf(deps.policy.guests, row.guest!, row.request));
    switch (outcome.kind) {
      case 'invited':
        return recordInvited(run, guests, events, rowNumber, outcome.guest, outcome);
      case 'ambiguous':
        // Timeout, 5xx or a reset after sending: the guest may or may not exist now.
        events.push(bulkEvent(deps, record.job, 'bulk.invitation_ambiguous', { rowNumber, graphRequestId: outcome.graphRequestId ?? null, attempt: attempts }));
        mayExistAlready = true;
        continue;
      case 'throttled':
        // 429: nothing was applied; nobody sends before its Retry-After, then this one goes again.
        paces.directoryWrites.onThrottled(outcome.retryAfterSeconds);
        continue;
      case 'exists':
      case 'refused':
        return notInvitedBecause(run, events, rowNumber, outcome);
    }
  }
}

/** The row failed with one sentence; nobody was invited (or the address was someone else's). */
function notInvited(
  run: BulkRunContext, events: BulkAuditEvent[], rowNumber: number, sentence: string, code: string, holder?: ExistingPerson, graphRequestId?: string,
): void {
  const { record, deps } = run;
  record.change(rowNumber, { state: 'failed', problem: sentence});
  events.push(bulkEvent(deps, record.job, 'bulk.guest_not_invited', {
    rowNumber, code, existingId: holder?.id ?? null, existingUserType: holder?.userType ?? null, graphRequestId: graphRequestId ?? null,
  }));
}

/**
 * The guest exists (invited now, or found ours after a lost answer): under reveal its redeem link
 * sealed for the row's recipient first (a new one asked for when a run stopped before sealing it),
 * then profile and marker, sponsor, and `created` noted with all of it.
 */
async function recordInvited(
  run: BulkRunContext, guests: GuestDirectory, events: BulkAuditEvent[], rowNumber: number,
  account: { readonly id: string; readonly userPrincipalName: string; readonly externalUserState?: ExistingPerson['externalUserState'] },
  invited?: Invited,
): Promise<void> {
  const { record, deps, paces } = run;
  const row = record.row(rowNumber);
  const guest = row.guest!;
  let renewed: Invited | undefined;
  if (guest.invitation === 'reveal') {
    const kept = await keepInvitationLink(deps, {
      credentialId: credentialIdForRow(record.job.jobId, rowNumber), requestId: `${record.job.jobId}-${rowNumber}`, generation: 1, recipientId: row.recipient.id,
    }, invited, () => inviteForNewLink(run, guests, rowNumber));
    if (kept.kind === 'no-link') return notInvitedBecause(run, events, rowNumber, kept.outcome);
    renewed = kept.renewed;
  }
  const answered = invited ?? renewed;
  const template = row.template ? record.job.templates?.[row.template.templateId] : undefined;
  // Two directory writes: the PATCH of the profile and marker, and the sponsor.
  await paces.directoryWrites.take(2);
  const written = await retryWrite(deps, () => guests.writeGuestProfile(account.id, profileOf(row.request, template?.extensionAttributes), row.marker!));
  // The admin who sent the sheet sponsors the guest (learn.microsoft.com/graph/api/user-post-sponsors), as a requester sponsors a single guest.
  const sponsored = await retryWrite(deps, () => guests.addSponsor(account.id, record.job.requester.id));
  const invitedAt = deps.clock.now().toISOString();
  const next: GuestState = {
    ...guest, invitationId: answered?.invitationId ?? guest.invitationId, userPrincipalName: account.userPrincipalName,
    state: answered ? (answered.status === 'Completed' ? 'Accepted' : 'PendingAcceptance') : account.externalUserState ?? 'PendingAcceptance',
    stateReadAt: invitedAt, invitedAt: guest.invitedAt ?? invitedAt, profile: written.kind, sponsor: sponsored.kind,
  };
  record.change(rowNumber, { state: 'created', objectId: account.id, guest: next, notBefore: undefined});
  events.push(bulkEvent(deps, record.job, 'bulk.guest_invited', {
    rowNumber, objectId: account.id, guestUserPrincipalName: account.userPrincipalName, invitationId: answered?.invitationId ?? null,
    invitationStatus: answered?.status ?? null, foundAfterLostAnswer: invited === undefined, invitation: guest.invitation,
    linkRenewed: renewed !== undefined, profile: written.kind, sponsor: sponsored.kind,
  }));
}

type Invited = Extract<InvitationOutcome, { kind: 'invited' }>;

/**
 * A new invitation for a guest whose link was lost with the run that invited them, paced as every
 * POST is: a throttled or unanswered one is sent again (each POST only replaces a link nobody has),
 * a few times at most.
 */
async function inviteForNewLink(run: BulkRunContext, guests: GuestDirectory, rowNumber: number): Promise<InvitationOutcome> {
  const { record, deps, paces } = run;
  let outcome: InvitationOutcome = { kind: 'ambiguous' };
  for (let attempt = 1; attempt <= deps.bulkPolicy.maxRowAttempts; attempt += 1) {
    const row = record.row(rowNumber);
    await paces.directoryWrites.take(1);
    outcome = await guests.invite(guestInvitationOf(deps.policy.guests, row.guest!, row.request));
    if (outcome.kind === 'throttled') paces.directoryWrites.onThrottled(outcome.retryAfterSeconds);
    else if (outcome.kind !== 'ambiguous') return outcome;
  }
  return outcome;
}

/**
 * The row failed with what Graph answered: the address held, the invitation refused, or (after
 * the retries of a new link for a guest of ours) no link to hand over — IT resends the invitation.
 */
function notInvitedBecause(run: BulkRunContext, events: BulkAuditEvent[], rowNumber: number, outcome: Exclude<InvitationOutcome, { kind: 'invited' }>): void {
  const { record, deps } = run;
  const email = record.row(rowNumber).guest!.email;
  switch (outcome.kind) {
    case 'exists':
      return notInvited(run, events, rowNumber, holderSentence(deps, email, outcome.person), 'GUEST_ALREADY_EXISTS', outcome.person, outcome.graphRequestId);
    case 'refused': {
      const code = refusalCodes[outcome.reason];
      return notInvited(run, events, rowNumber, describeProblem(code, record.job.correlationId).message, code, undefined, outcome.graphRequestId);
    }
    default:
      return notInvited(run, events, rowNumber, sayBulk.GUEST_LINK_NOT_KEPT(email), 'INVITATION_LINK_NOT_KEPT', undefined, outcome.graphRequestId);
  }
}

/** The results sheet's invitation column for a guest row (undefined for a member row). */
export function invitationLine(row: BulkRowRecord): string | undefined {
  const guest = row.guest;
  if (!guest) return undefined;
  if (row.state === 'created') {
    if (guest.state === 'Accepted') return `accepted (${guest.email})`;
    // Never the link: only who holds it.
    return guest.invitation === 'reveal' ? sayBulk.GUEST_LINK_TO_RECIPIENT(guest.email, row.recipient.name) : sayBulk.GUEST_INVITED(guest.email);
  }
  if (row.state === 'failed') return sayBulk.GUEST_NOT_INVITED(guest.email);
  return sayBulk.NOT_YET();
}

/** What went wrong around an invited guest: their profile or sponsor (the manager is said as for members). */
export function invitedGuestProblems(row: BulkRowRecord, sponsorName: string): string[] {
  if (row.state !== 'created' || !row.guest) return [];
  return [
    ...(row.guest.profile === 'failed' ? [sayBulk.GUEST_PROFILE_NOT_SET()] : []),
    ...(row.guest.sponsor === 'failed' ? [sayBulk.GUEST_SPONSOR_NOT_SET(sponsorName)] : []),
  ];
}

/** Counts for the audit trail's bulk.done. */
export function guestCounts(rows: readonly BulkRowRecord[]): Record<string, number> {
  const guestRows = rows.filter(isGuestRow);
  return {
    guestRows: guestRows.length,
    guestsInvited: guestRows.filter((r) => r.state === 'created').length,
    guestsNotInvited: guestRows.filter((r) => r.state === 'failed').length,
  };
}
