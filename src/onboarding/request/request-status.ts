/** What a requester may see of their own requests: the `status` list and one request's card. */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import { processOnboardingRequest } from './process-request.js';
import type { Requester } from '../kernel/ports.js';
import { describeOutcome, type OnboardingOutcome } from '../kernel/request-record.js';
import { recordRefusal } from '../kernel/refusals.js';
import { say } from '../kernel/sentences.js';
import { refreshInvitationState } from '../guests/invitation-state.js';

/** The person's five most recent requests in one message, or what to do when there are none. */
export async function describeRecentRequests(deps: RequestDeskDependencies, person: Requester | undefined): Promise<string> {
  if (!person) {
    await recordRefusal(deps, { reason: 'UNKNOWN_PERSON', action: 'status' });
    return say.UNKNOWN_PERSON();
  }
  const { requests } = await deps.history.listByRequester(person.id, 5);
  // A guest's invitation is read afresh: the requester asks whether it was accepted.
  const recent = await Promise.all(requests.map(async (r) => describeOutcome(await refreshInvitationState(deps, r))));
  return recent.length === 0 ? say.NO_REQUESTS_YET() : say.RECENT_REQUESTS(recent);
}

/** One request as it stands now (taken further first, if it can go further), for its requester only. */
export async function requestResult(
  deps: RequestDeskDependencies, person: Requester | undefined, requestId: unknown,
): Promise<{ readonly kind: 'refused'; readonly sentence: string } | { readonly kind: 'outcome'; readonly outcome: OnboardingOutcome }> {
  const stored = typeof requestId === 'string' && requestId ? await deps.store.get(requestId) : null;
  if (!stored || !person || stored.record.requester.id !== person.id) {
    await recordRefusal(deps, {
      reason: person ? 'NOT_YOUR_REQUEST' : 'UNKNOWN_PERSON', action: 'show a request', person,
      requestId: typeof requestId === 'string' ? requestId : undefined, ...(stored ? {} : { detail: 'no such request' }),
    });
    return { kind: 'refused', sentence: say.NOT_YOUR_REQUEST() };
  }
  return { kind: 'outcome', outcome: await processOnboardingRequest(deps, stored.record.requestId) };
}
