/**
 * checked/approved/creating → created | rejected | failed, or stays creating (pending)
 * when the directory can't tell us yet. Exactly one account, and one password, per request:
 *  - the password is generated and sealed in the CredentialStore BEFORE the account is
 *    created, and every retry reuses it, so nobody can ever receive two different passwords;
 *  - `creating` (with a marker) is persisted BEFORE POST /users; the marker is written into
 *    the account by the same POST. Whenever we can't know whether a POST was applied, we
 *    read the UPN back: our marker → created; someone else's account → taken; absent → the
 *    POST is sent again with the same UPN and password (the directory refuses a second
 *    account with the same UPN, so at most one can exist);
 *  - the UPN never changes once `creating` is persisted.
 */
import { DirectoryError, describeProblem, type ErrorCode } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { newCredentialsState, openPassword, replacePassword, sealAndStoreCredentials } from '../credentials/credentials.js';
import type { CreateUserOutcome, StoredRequest, UserDraft } from '../kernel/ports.js';
import type { OnboardingRequest } from './request.js';
import type { OnboardingRecord } from '../kernel/request-record.js';
import { audit, claimStep, moved, moveTo, noteEvent, requireRequest, retryWithBackoff, write, type StepResult } from '../kernel/record-kernel.js';
import { failRequest, leavePending, rejectAsTaken } from '../kernel/request-endings.js';

export async function createAccount(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { policy } = deps;
  const request = requireRequest(stored.record);
  const firstRun = stored.record.status === 'checked' || stored.record.status === 'approved';
  // First run: say "creating" (which credentials, which marker) before anything reaches Graph.
  // Later runs: someone (maybe a crashed instance) may have sent the POST already, so look before sending.
  const claim = await claimStep(deps, stored, 'creating', firstRun
    ? {
        credentials: newCredentialsState(deps, stored.record, 1),
        marker: `${policy.markerPrefix}${stored.record.requestId}`, passwordAttempts: 1, createAttempts: 1,
      }
    : { createAttempts: stored.record.createAttempts + 1 },
    firstRun ? 'account.creating' : undefined, { userPrincipalName: request.userPrincipalName });
  if (claim.kind === 'lost') return claim.result;
  let current = claim.stored;
  // The password is sealed only by the run holding the step, so a run acting on a stale view never
  // stores one nobody will use. No POST is ever sent before the entry exists, so a run that finds
  // none (a crash right after the claim) knows no account can have a password yet: it seals one now.
  await sealAndStoreCredentials(deps, current.record, request, requireCredentialsState(current.record));
  let mayExistAlready = !firstRun;

  for (let attempt = 1; ; attempt += 1) {
    if (mayExistAlready) {
      const found = await readBack(deps, current.record, 1);
      if (found.kind === 'ours') return markCreated(deps, current, found.id);
      if (found.kind === 'theirs') return rejectAsTaken(deps, current, 'userPrincipalName');
    }
    if (attempt > policy.maxCreateAttempts) return leavePending(deps, current, 'OUTCOME_UNKNOWN');

    const outcome = await postUser(deps, current.record, request);
    switch (outcome.kind) {
      case 'created':
        return markCreated(deps, current, outcome.user.id);
      case 'ambiguous':
        // Timeout, 5xx or a reset after sending: the account may or may not exist.
        await audit(deps, current.record, 'account.create_ambiguous', { graphRequestId: outcome.graphRequestId ?? null, attempt });
        mayExistAlready = true;
        continue;
      case 'throttled': {
        // 429 means the directory did not apply the POST; wait as told, then send it again.
        const waitMs = (outcome.retryAfterSeconds ?? 2 ** attempt) * 1000;
        if (waitMs > policy.maxWaitMs) return leavePending(deps, current, 'THROTTLED', outcome.graphRequestId);
        await deps.clock.sleep(waitMs);
        continue;
      }
      case 'conflict': {
        // Maybe it is our own account from an earlier attempt whose answer we never saw.
        const found = await readBack(deps, current.record, policy.readBackAttempts);
        if (found.kind === 'ours') return markCreated(deps, current, found.id);
        if (found.kind === 'theirs' || outcome.property !== 'userPrincipalName') {
          return rejectAsTaken(deps, current, outcome.property === 'unknown' ? 'userPrincipalName' : outcome.property, outcome.graphRequestId);
        }
        // The UPN exists but replicas don't show it yet: we can't tell whose it is.
        return leavePending(deps, current, 'OUTCOME_UNKNOWN', outcome.graphRequestId);
      }
      case 'rejected': {
        if (outcome.reason === 'password' && current.record.passwordAttempts < policy.maxPasswordAttempts) {
          // The POST was refused, so nothing was created: a new password is safe to use.
          await replacePassword(deps, requireCredentialsState(current.record), request);
          const next = await write(deps, current, 'creating', { passwordAttempts: current.record.passwordAttempts + 1 },
            'password.regenerated', { graphRequestId: outcome.graphRequestId ?? null });
          if (!next) return moved;
          current = next;
          mayExistAlready = false;
          continue;
        }
        return failRequest(deps, current, describeProblem(rejectionCodes[outcome.reason], current.record.correlationId, {
          graphRequestId: outcome.graphRequestId, detail: outcome.detail,
        }));
      }
    }
  }
}

const rejectionCodes: Record<'password' | 'domain' | 'invalid' | 'permission', ErrorCode> = {
  password: 'PASSWORD_REJECTED', domain: 'DOMAIN_NOT_VERIFIED', invalid: 'PROPERTY_REJECTED', permission: 'PERMISSION_MISSING',
};

/** POST /users with the stored password and the marker of this request. */
async function postUser(deps: OnboardingDependencies, record: OnboardingRecord, request: OnboardingRequest): Promise<CreateUserOutcome> {
  if (!record.marker) throw new Error(`Request ${record.requestId} is creating without a marker`);
  const password = await openPassword(deps, requireCredentialsState(record));
  return deps.directory.createUser(userDraftFrom(request, record.template?.snapshot.extensionAttributes), password, record.marker);
}

function requireCredentialsState(record: OnboardingRecord) {
  if (!record.credentials) throw new Error(`Request ${record.requestId} is creating without credentials`);
  return record.credentials;
}

type Found = { readonly kind: 'ours'; readonly id: string } | { readonly kind: 'theirs' } | { readonly kind: 'absent' };

/** Reads the UPN back: our marker → ours; another account → theirs; nothing (after `reads` tries) → absent. */
async function readBack(deps: OnboardingDependencies, record: OnboardingRecord, reads: number): Promise<Found> {
  const upn = requireRequest(record).userPrincipalName;
  const user = await retryWithBackoff(deps, reads, () => deps.directory.findUserByUpn(upn), (found) => found !== null);
  if (!user) return { kind: 'absent' };
  return user.marker === record.marker ? { kind: 'ours', id: user.id } : { kind: 'theirs' };
}

/** → created; the manager is linked first, so the account and its manager are recorded in one write. */
async function markCreated(deps: OnboardingDependencies, stored: StoredRequest, objectId: string): Promise<StepResult> {
  const link = stored.record.manager === 'pending' && stored.record.managerId ? await linkManager(deps, stored.record, objectId) : undefined;
  const created = noteEvent(deps, stored, 'account.created', { objectId, userPrincipalName: requireRequest(stored.record).userPrincipalName });
  return link
    ? moveTo(deps, created, 'created', { objectId, lease: undefined, problem: undefined, ...link.changes }, link.event, link.details)
    : moveTo(deps, created, 'created', { objectId, lease: undefined, problem: undefined });
}

/**
 * Links the new account to its manager (a just-created user may not be on every replica yet:
 * tried again a little later). A failure keeps the account and is reported as a warning.
 */
export async function linkManager(
  deps: OnboardingDependencies, record: OnboardingRecord, objectId: string,
): Promise<{ readonly changes: Partial<OnboardingRecord>; readonly event: string; readonly details: Record<string, string | null> }> {
  const managerId = record.managerId!;
  const result = await retryWithBackoff(deps, deps.policy.readBackAttempts,
    () => deps.directory.setManager(objectId, managerId).catch((error: unknown) => {
      if (error instanceof DirectoryError) return { kind: 'failed' as const, graphRequestId: error.graphRequestId, detail: error.code };
      throw error;
    }),
    (answer) => answer.kind === 'set');
  if (result.kind === 'set') return { changes: { manager: 'set' }, event: 'manager.set', details: { managerId } };
  const warning = describeProblem('MANAGER_NOT_SET', record.correlationId, { graphRequestId: result.graphRequestId, detail: result.detail });
  return { changes: { manager: 'failed', warnings: [...record.warnings, warning] }, event: 'manager.failed', details: { graphRequestId: result.graphRequestId ?? null } };
}

/** The account's profile: exactly the validated request's directory fields, and its template's extension attributes. */
export function userDraftFrom(request: OnboardingRequest, extensionAttributes?: Readonly<Record<string, string>>): UserDraft {
  return {
    ...(extensionAttributes && Object.keys(extensionAttributes).length > 0 ? { extensionAttributes } : {}),
    userPrincipalName: request.userPrincipalName,
    mailNickname: request.mailNickname,
    displayName: request.displayName,
    givenName: request.givenName,
    surname: request.surname,
    usageLocation: request.usageLocation,
    jobTitle: request.jobTitle,
    department: request.department,
    employeeType: request.employeeType,
    companyName: request.companyName,
    officeLocation: request.officeLocation,
    employeeHireDate: request.employeeHireDate,
  };
}
