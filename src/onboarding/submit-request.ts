/**
 * Submitting a request (the Create click): who may, within which limits, then the request
 * is stored once under its id and processed. A double click or a redelivered activity
 * with the same id continues the same request and costs no rate-limit slot.
 */
import type { OnboardingDependencies, RequestDeskDependencies } from './dependencies.js';
import { processOnboardingRequest } from './process-request.js';
import type { Requester } from './ports.js';
import { readOnboardingForm } from './request.js';
import { describeOutcome, newOnboardingRecord, type OnboardingOutcome, type OnboardingRecord } from './request-record.js';
import { audit } from './record-kernel.js';
import { mayRequest, type Role } from './roles.js';
import { say } from './sentences.js';

const HOUR_MS = 3_600_000;

export type Submission =
  | { readonly kind: 'refused'; readonly sentence: string }
  /** Accepted: `work` settles with the request's outcome once it went as far as it can now. */
  | { readonly kind: 'accepted'; readonly work: Promise<OnboardingOutcome> };

export async function submitRequest(
  deps: RequestDeskDependencies, input: { readonly requestId: string; readonly requester: Requester; readonly form: unknown },
): Promise<Submission> {
  // Roles are checked again, fresh, right before anything is created.
  const role = await deps.roles.roleOf(input.requester.id, { fresh: true });
  if (!mayRequest(role)) return { kind: 'refused', sentence: say.NOT_ALLOWED_TO_REQUEST(await deps.roles.whomToAsk()) };
  if (!(await deps.tickets.isSet())) return { kind: 'refused', sentence: say.NO_TICKET_CHANNEL() };
  if (!(await deps.store.get(input.requestId))) {
    const refusal = await rateLimitRefusal(deps, input.requester.id);
    if (refusal) return { kind: 'refused', sentence: refusal };
  }
  return { kind: 'accepted', work: onboard(deps, { ...input, requesterRole: role }) };
}

/** Why this requester may not submit another request this hour, or undefined when they may. */
async function rateLimitRefusal(deps: RequestDeskDependencies, requesterId: string): Promise<string | undefined> {
  const { perRequesterPerHour, totalPerHour } = deps.rateLimits;
  const mine = await deps.rateLimiter.take(`requester:${requesterId}`, perRequesterPerHour, HOUR_MS);
  if (!mine.allowed) return say.REQUESTER_LIMIT_REACHED(perRequesterPerHour, mine.retryAfterMs);
  const everyone = await deps.rateLimiter.take('all-requesters', totalPerHour, HOUR_MS);
  if (!everyone.allowed) return say.EVERYONE_LIMIT_REACHED(totalPerHour, everyone.retryAfterMs);
  return undefined;
}

export interface NewRequestInput {
  readonly requestId: string;
  readonly requester: Requester;
  readonly form: unknown;
  /** The requester's role when they pressed Create; decides whether approval is needed. */
  readonly requesterRole?: Role | undefined;
}

/** Records a new request (idempotent on requestId) and takes it as far as it can go. */
export async function onboard(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  await submitOnboardingRequest(deps, input);
  return processOnboardingRequest(deps, input.requestId);
}

/** Stores the request as `received`, with the approval policy's say on it; returns the stored one if the id is already known. */
export async function submitOnboardingRequest(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  const mode = deps.policy.approval.mode;
  const record: OnboardingRecord = {
    ...newOnboardingRecord({
      requestId: input.requestId,
      correlationId: deps.random.uuid(),
      requester: { id: input.requester.id, name: input.requester.name },
      form: readOnboardingForm(input.form).form,
      at: deps.clock.now(),
    }),
    approval: { required: mode === 'all' || (mode === 'non-admins' && input.requesterRole !== 'admin') },
  };
  const created = await deps.store.create(record);
  if (created.kind === 'exists') return describeOutcome(created.existing.record);
  await audit(deps, record, 'request.received', { ticketReference: record.form.ticketReference ?? null });
  return describeOutcome(record);
}
