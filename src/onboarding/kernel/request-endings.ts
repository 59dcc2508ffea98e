/** How a step ends a request it cannot take further: taken, failed, or pending for a resume. */
import { describeProblem, type ErrorCode, type OnboardingProblem } from './errors.js';
import type { OnboardingDependencies } from './dependencies.js';
import { postTicket } from '../request/it-ticket.js';
import type { CollidingProperty, StoredRequest } from './ports.js';
import { moved, moveTo, requireRequest, stop, write, type StepResult } from './record-kernel.js';
import { discardCredentials } from '../credentials/credentials.js';
import type { OnboardingRecord } from './request-record.js';
import { say } from './sentences.js';
import { suggestAlternatives } from '../request/user-name-check.js';

/** → rejected: the user name (or its mail alias or address) is used; free alternatives are offered. */
export async function rejectAsTaken(
  deps: OnboardingDependencies, stored: StoredRequest, takenBy: CollidingProperty, graphRequestId?: string,
): Promise<StepResult> {
  const request = requireRequest(stored.record);
  const alternatives = await suggestAlternatives(deps.directory, request);
  // No account came of it: its credentials serve nobody.
  await discardCredentials(deps, stored.record.credentials);
  return moveTo(deps, stored, 'rejected', {
    alternatives,
    lease: undefined,
    ...purged(deps, stored),
    fieldProblems: [{ field: 'alias', message: say.NAME_ALREADY_USED(takenBy, request.alias), code: 'UPN_TAKEN' }],
    problem: describeProblem('UPN_TAKEN', stored.record.correlationId, { graphRequestId, detail: takenBy }),
  }, 'upn.taken', { userPrincipalName: request.userPrincipalName, takenBy, alternatives: alternatives.join(',') });
}

/** → failed, and IT hears of it in the ticket channel: what fails here is theirs to fix. */
export async function failRequest(deps: OnboardingDependencies, stored: StoredRequest, problem: OnboardingProblem): Promise<StepResult> {
  // Without an account the credentials serve nobody: don't keep them. With one, they stay
  // (until they expire) so an admin can still reissue.
  if (!stored.record.objectId) await discardCredentials(deps, stored.record.credentials);
  const failed = await write(deps, stored, 'failed', { problem, lease: undefined, ...(stored.record.objectId ? {} : purged(deps, stored)) }, 'request.failed', {
    code: problem.code, graphRequestId: problem.graphRequestId ?? null,
  });
  if (!failed) return moved;
  const ticketed = failed.record.request ? await postTicket(deps, failed, 'failed') : null;
  return stop((ticketed ?? failed).record);
}

/** Keeps the status, records why we stopped, and frees the lease so any instance can resume. */
export async function leavePending(deps: OnboardingDependencies, stored: StoredRequest, code: ErrorCode, graphRequestId?: string): Promise<StepResult> {
  const problem = describeProblem(code, stored.record.correlationId, { graphRequestId });
  const next = await write(deps, stored, stored.record.status, { problem, lease: undefined }, 'request.pending', {
    code, graphRequestId: graphRequestId ?? null,
  });
  return next ? stop(next.record) : moved;
}

/** The record's note that its credentials are gone from storage. */
export function purged(deps: OnboardingDependencies, stored: StoredRequest): Partial<OnboardingRecord> {
  const credentials = stored.record.credentials;
  return credentials && !credentials.purgedAt ? { credentials: { ...credentials, purgedAt: deps.clock.now().toISOString() } } : {};
}
