/**
 * Whether a guest accepted their invitation: the user's externalUserState, PendingAcceptance
 * until they redeem it, then Accepted (learn.microsoft.com/graph/api/resources/user, "externalUserState").
 * Read when the requester asks (`status`), and noted on the record, audited, when it changed.
 */
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { DirectoryError } from '../kernel/errors.js';
import type { StoredRequest } from '../kernel/ports.js';
import { finalStatuses, type OnboardingRecord } from '../kernel/request-record.js';
import { write } from '../kernel/record-kernel.js';

export async function refreshInvitationState(deps: OnboardingDependencies, stored: StoredRequest): Promise<OnboardingRecord> {
  const { record } = stored;
  const guest = record.guest;
  // Only a finished request: one still being worked on is its run's to write.
  if (!guest || !record.objectId || !deps.guests || guest.state === 'Accepted' || !finalStatuses.has(record.status)) return record;
  let read: Awaited<ReturnType<NonNullable<OnboardingDependencies['guests']>['invitationState']>>;
  try {
    read = await deps.guests.invitationState(record.objectId);
  } catch (error) {
    // The directory is busy or unreachable: the last state known is still worth showing.
    if (error instanceof DirectoryError) return record;
    throw error;
  }
  if (!read?.state || read.state === guest.state) return record;
  const changed = { ...guest, state: read.state, stateReadAt: deps.clock.now().toISOString() };
  const next = await write(deps, stored, record.status, { guest: changed }, read.state === 'Accepted' ? 'guest.accepted' : 'guest.state_changed', {
    state: read.state, changedAt: read.changedAt ?? null, objectId: record.objectId,
  });
  return next?.record ?? { ...record, guest: changed };
}
