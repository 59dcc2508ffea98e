/**
 * Reissuing the credentials of an account this bot created: an admin (or, where the
 * policy allows, the original requester) asks; the request goes done/failed → reissuing;
 * a new password is stored and set with forceChangePasswordNextSignIn, the old secret is
 * deleted, and the usual steps follow — a new TAP when TAP is on, a new reveal card, the
 * ticket updated. Exactly once: a second click finds the request reissuing (or the
 * generation it meant already replaced); a restart resumes the reissue where it stopped.
 */
import { describeProblem } from '../kernel/errors.js';
import type { OnboardingDependencies, RequestDeskDependencies } from '../kernel/dependencies.js';
import { discardCredentials, openPassword, replacePassword, storeNewCredentials, credentialIdFor } from './credentials.js';
import { processOnboardingRequest } from '../request/process-request.js';
import type { Requester, StoredRequest } from '../kernel/ports.js';
import type { OnboardingOutcome } from '../kernel/request-record.js';
import { audit, claimStep, moveTo, requireRequest, write, type StepResult } from '../kernel/record-kernel.js';
import { failRequest } from '../kernel/request-endings.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayAdminister, mayRequest } from '../rules/roles.js';
import { say } from '../kernel/sentences.js';

export type ReissueAnswer =
  | { readonly kind: 'refused'; readonly sentence: string }
  /** Accepted: `work` settles once the new credentials went as far as they can now. */
  | { readonly kind: 'accepted'; readonly sentence: string; readonly work: Promise<OnboardingOutcome> };

export async function reissueCredentials(
  deps: RequestDeskDependencies,
  input: { readonly actor: Requester; readonly requestId?: string | undefined; readonly userPrincipalName?: string | undefined; readonly fromGeneration?: number | undefined },
): Promise<ReissueAnswer> {
  const found = await requestOfAccount(deps, input);
  if (typeof found === 'string') return { kind: 'refused', sentence: found };
  const isAdmin = mayAdminister(await deps.roles.roleOf(input.actor.id, { fresh: true }));
  const isTheRequester = found.record.requester.id === input.actor.id && deps.policy.credentials.requesterMayReissue
    && mayRequest(await deps.roles.roleOf(input.actor.id, { fresh: true }));
  if (!isAdmin && !isTheRequester) {
    await recordRefusal(deps, { reason: 'ADMINS_ONLY', action: 'reissue credentials', person: input.actor, requestId: found.record.requestId });
    return { kind: 'refused', sentence: say.REISSUE_NOT_ALLOWED(await deps.roles.whomToAsk()) };
  }

  for (let attempt = 0, stored = found; attempt < 5; attempt += 1) {
    const { record } = stored;
    const upn = requireRequest(record).userPrincipalName;
    // A guest signs in with their own organisation's account: there is no password of ours to reissue.
    if (record.guest) return { kind: 'refused', sentence: say.REISSUE_GUEST(record.guest.userPrincipalName ?? upn) };
    if (!record.objectId) return { kind: 'refused', sentence: say.REISSUE_NO_ACCOUNT(upn) };
    if (record.status !== 'done' && record.status !== 'failed') return { kind: 'refused', sentence: say.REISSUE_IN_PROGRESS(upn) };
    const generation = record.credentials?.generation ?? 1;
    if (input.fromGeneration !== undefined && input.fromGeneration < generation) return { kind: 'refused', sentence: say.REISSUE_ALREADY_DONE(upn) };
    const next = await write(deps, stored, 'reissuing', { reissue: { by: input.actor, at: deps.clock.now().toISOString() }, lease: undefined, problem: undefined },
      'credentials.reissue_requested', { byId: input.actor.id, byName: input.actor.name, fromGeneration: generation });
    if (next) {
      const recipient = record.credentials?.recipient ?? record.requester;
      return { kind: 'accepted', sentence: say.REISSUE_STARTED(upn, recipient.name), work: processOnboardingRequest(deps, record.requestId) };
    }
    const again = await deps.store.get(record.requestId);
    if (!again) break;
    stored = again;
  }
  return { kind: 'refused', sentence: say.REISSUE_IN_PROGRESS('the account') };
}

/** The request behind a request id, or behind an account's marker (only accounts this bot created have one). */
async function requestOfAccount(
  deps: RequestDeskDependencies, input: { readonly requestId?: string | undefined; readonly userPrincipalName?: string | undefined },
): Promise<StoredRequest | string> {
  if (input.requestId) return (await deps.store.get(input.requestId)) ?? say.REISSUE_UNKNOWN_REQUEST();
  const upn = input.userPrincipalName ?? '';
  const user = upn ? await deps.directory.findUserByUpn(upn) : null;
  if (!user) return say.AUDIT_PERSON_UNKNOWN(upn);
  const requestId = user.marker?.startsWith(deps.policy.markerPrefix) ? user.marker.slice(deps.policy.markerPrefix.length) : '';
  const stored = requestId ? await deps.store.get(requestId) : null;
  return stored && stored.record.objectId === user.id ? stored : say.REISSUE_NOT_OURS(user.userPrincipalName);
}

/** reissuing → created (new credentials set, old ones deleted) | failed: then the usual steps hand them over. */
export async function resetForReissue(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const claim = await claimStep(deps, stored, 'reissuing');
  if (claim.kind === 'lost') return claim.result;
  const { record } = claim.stored;
  const request = requireRequest(record);
  const previous = record.credentials;
  // The same generation on every retry: a run that died after storing it finds and reuses it.
  const generation = (previous?.generation ?? 1) + 1;
  const fresh = await storeNewCredentials(deps, record, request, generation);
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await deps.directory.resetPassword(record.objectId!, await openPassword(deps, fresh));
    if (outcome.kind === 'reset') break;
    if (outcome.reason === 'password' && attempt < deps.policy.maxPasswordAttempts) {
      await replacePassword(deps, fresh, request);
      continue;
    }
    await discardCredentials(deps, fresh);
    const code = outcome.reason === 'password' ? 'PASSWORD_REJECTED' : outcome.reason === 'permission' ? 'PERMISSION_MISSING' : 'ACCOUNT_GONE';
    return failRequest(deps, claim.stored, describeProblem(code, record.correlationId, { graphRequestId: outcome.graphRequestId, detail: outcome.detail }));
  }
  // The old secret no longer opens the account: delete it now rather than at its expiry.
  if (previous && previous.credentialId !== credentialIdFor(record.requestId, generation)) await discardCredentials(deps, previous);
  await audit(deps, claim.stored.record, 'credentials.reset', { generation });
  return moveTo(deps, claim.stored, 'created', { credentials: fresh, deliveryAttempts: 0, lease: undefined, problem: undefined });
}
