/**
 * Submitting a request (the Create click): who may, then the request is stored once under
 * its id, and only the click that stored it spends a rate-limit slot. A double click or a
 * redelivered activity with the same id continues (or is refused like) the same request
 * and never costs a slot of its own.
 *
 * The new record is stored under an admission lease, so nothing processes it (not a
 * duplicate click, not the resume pass) until the click that created it has taken its
 * slot: then the run named in the lease takes it on (its first step releases the lease), or
 * the record is rejected with the rate-limit sentence, which a later duplicate is told again.
 */
import { describeProblem } from '../kernel/errors.js';
import type { OnboardingDependencies, RequestDeskDependencies } from '../kernel/dependencies.js';
import { processOnboardingRequest } from './process-request.js';
import type { Requester, StoredRequest } from '../kernel/ports.js';
import { readOnboardingForm } from './request.js';
import { describeOutcome, newOnboardingRecord, type Lease, type OnboardingOutcome, type OnboardingRecord } from '../kernel/request-record.js';
import { auditEvent, heldElsewhere, withProblem, write } from '../kernel/record-kernel.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayRequest, type Role } from '../rules/roles.js';
import { say } from '../kernel/sentences.js';
import type { TemplateSnapshot } from '../templates/choose-template.js';
import { templateChangedSinceReview } from '../templates/review-template.js';
import { auditText } from '../templates/template.js';
import {
  auditDetailsOf, confirmedDecisions, dayIn, missingConfirmations, startDateConfirmation, type Confirmation, type ConfirmedDecisions,
} from '../rules/confirmations.js';

const HOUR_MS = 3_600_000;

export type Submission =
  /** `asNewRequest`: trying again later must be a new request (this id is settled as refused). */
  | { readonly kind: 'refused'; readonly sentence: string; readonly asNewRequest?: boolean }
  /** The template changed (or was removed, or one applies now) since the review: nothing was created; show the review again. */
  | { readonly kind: 'review-again'; readonly sentence: string }
  /** Accepted: `work` settles with the request's outcome once it went as far as it can now. */
  | { readonly kind: 'accepted'; readonly work: Promise<OnboardingOutcome> };

/** What the review found to confirm, and the card data of the Create click that should tick it (untrusted). */
export interface ConfirmationsGiven {
  readonly needed: readonly Confirmation[];
  readonly data: unknown;
}

export async function submitRequest(
  deps: RequestDeskDependencies,
  input: {
    readonly requestId: string; readonly requester: Requester; readonly form: unknown; readonly confirmations?: ConfirmationsGiven | undefined;
    readonly manager?: ReviewedManager | undefined;
    /** The template snapshot the review showed: null for none, undefined when templates were off. */
    readonly template?: TemplateSnapshot | null | undefined;
  },
): Promise<Submission> {
  // Roles are checked again, fresh, right before anything is created. It stays its own request,
  // not a part of a $batch with POST /users: dependsOn only waits for a part's status, and
  // checkMemberGroups answers 200 for a non-member too, so the POST would run regardless.
  const role = await deps.roles.roleOf(input.requester.id, { fresh: true });
  if (!mayRequest(role)) {
    await recordRefusal(deps, { reason: 'NOT_ALLOWED_TO_REQUEST', action: 'create', person: input.requester, requestId: input.requestId });
    return { kind: 'refused', sentence: say.NOT_ALLOWED_TO_REQUEST(await deps.roles.whomToAsk()) };
  }
  if (!(await deps.tickets.isSet())) return { kind: 'refused', sentence: say.NO_TICKET_CHANNEL() };
  // The start date is judged again here, so no path to Create skips its confirmation.
  const form = readOnboardingForm(input.form).form;
  const startDate = startDateConfirmation(form.startDate?.trim(), dayIn(deps.clock.now(), input.requester.timeZone));
  const needed = [...(input.confirmations?.needed ?? []).filter((c) => c.kind !== 'start-date'), ...(startDate ? [startDate] : [])];
  const missing = missingConfirmations(needed, input.confirmations?.data);
  if (missing.length > 0) return { kind: 'refused', sentence: say.CONFIRMATION_MISSING(missing.map((c) => c.kind)) };
  // Nothing is added that the review did not show: a template edited or removed since then (or one that
  // applies now and did not then) means a new review. A review without templates at all adds nothing either way.
  const changed = deps.templates && input.template !== undefined ? await templateChangedSinceReview(deps.templates, form, input.template) : undefined;
  if (changed) {
    // Unless this is a second click on a request already under way: that one goes on with the template it was created with.
    const existing = await deps.store.get(input.requestId);
    return existing ? answerDuplicate(deps, existing) : { kind: 'review-again', sentence: changed };
  }

  // The admission lease is in the name of the run that will process the request, so admitting it
  // costs no write of its own: that run goes on under it, and its first step lets it go.
  const runId = `${deps.instanceId}/${deps.random.uuid()}`;
  const admission: Lease = { owner: runId, until: new Date(deps.clock.now().getTime() + deps.policy.leaseMs).toISOString() };
  const stored = await storeNewRequest(deps, { ...input, requesterRole: role, confirmed: confirmedDecisions(needed) }, admission);
  if (stored.kind === 'exists') return answerDuplicate(deps, stored.existing);

  const refusal = await rateLimitRefusal(deps, input.requester.id);
  if (refusal) {
    await write(deps, stored.created, 'rejected', { lease: undefined, problem: describeProblem('RATE_LIMITED', stored.created.record.correlationId, { message: refusal.sentence }) });
    await recordRefusal(deps, { reason: 'RATE_LIMITED', action: 'create', person: input.requester, requestId: input.requestId, detail: refusal.limit });
    return { kind: 'refused', sentence: refusal.sentence, asNewRequest: true };
  }
  // Admitted: the run that holds the admission lease takes the request on from the record as stored.
  return { kind: 'accepted', work: processOnboardingRequest(deps, input.requestId, stored.created, runId) };
}

/** The same request again: refused as it was, waiting while its first click is admitted, or continued. */
function answerDuplicate(deps: OnboardingDependencies, existing: StoredRequest): Submission {
  const { record } = existing;
  if (record.status === 'rejected' && record.problem?.code === 'RATE_LIMITED') {
    return { kind: 'refused', sentence: record.problem.message, asNewRequest: true };
  }
  if (record.status === 'received' && heldElsewhere(deps, record)) {
    return { kind: 'accepted', work: Promise.resolve(describeOutcome(withProblem(record, 'BUSY_ELSEWHERE'))) };
  }
  return { kind: 'accepted', work: processOnboardingRequest(deps, record.requestId) };
}

/** Why this requester may not submit another request this hour (and which limit), or undefined when they may. */
async function rateLimitRefusal(deps: RequestDeskDependencies, requesterId: string): Promise<{ sentence: string; limit: string } | undefined> {
  const { perRequesterPerHour, totalPerHour } = deps.rateLimits;
  const mine = await deps.rateLimiter.take(`requester:${requesterId}`, perRequesterPerHour, HOUR_MS);
  if (!mine.allowed) return { sentence: say.REQUESTER_LIMIT_REACHED(perRequesterPerHour, mine.retryAfterMs), limit: `${perRequesterPerHour} per requester per hour` };
  const everyone = await deps.rateLimiter.take('all-requesters', totalPerHour, HOUR_MS);
  if (!everyone.allowed) return { sentence: say.EVERYONE_LIMIT_REACHED(totalPerHour, everyone.retryAfterMs), limit: `${totalPerHour} per hour for everyone` };
  return undefined;
}

/** The manager as the review found them (user name and object id), so Create does not read them again. */
export interface ReviewedManager {
  readonly userPrincipalName: string;
  readonly id: string;
}

export interface NewRequestInput {
  readonly requestId: string;
  readonly requester: Requester;
  readonly form: unknown;
  /** The requester's role when they pressed Create; decides whether approval is needed. */
  readonly requesterRole?: Role | undefined;
  /** What the requester confirmed on the review card (kept in the record, the audit trail and the ticket). */
  readonly confirmed?: ConfirmedDecisions | undefined;
  /** The manager the review found, used only while the form still names the same user name. */
  readonly manager?: ReviewedManager | undefined;
  /** The template snapshot the review showed (null or undefined: none). */
  readonly template?: TemplateSnapshot | null | undefined;
}

/** Records a new request (idempotent on requestId) and takes it as far as it can go. */
export async function onboard(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  await submitOnboardingRequest(deps, input);
  return processOnboardingRequest(deps, input.requestId);
}

/** Stores the request as `received`, with the approval policy's say on it; returns the stored one if the id is already known. */
export async function submitOnboardingRequest(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  const stored = await storeNewRequest(deps, input);
  return describeOutcome(stored.kind === 'created' ? stored.created.record : stored.existing.record);
}

/** Creates the record (under `lease`, when given) and audits its arrival; `exists` when the id is already taken. */
async function storeNewRequest(
  deps: OnboardingDependencies, input: NewRequestInput, lease?: Lease,
): Promise<{ readonly kind: 'created'; readonly created: StoredRequest } | { readonly kind: 'exists'; readonly existing: StoredRequest }> {
  const mode = deps.policy.approval.mode;
  const form = readOnboardingForm(input.form).form;
  const reviewed = input.manager;
  const managerReviewed = !!reviewed && form.manager?.trim().toLowerCase() === reviewed.userPrincipalName.toLowerCase();
  const arrived: OnboardingRecord = {
    ...newOnboardingRecord({
      requestId: input.requestId,
      correlationId: deps.random.uuid(),
      requester: {
        id: input.requester.id, name: input.requester.name,
        ...(input.requester.locale ? { locale: input.requester.locale } : {}), ...(input.requester.timeZone ? { timeZone: input.requester.timeZone } : {}),
      },
      form,
      at: deps.clock.now(),
    }),
    ...(managerReviewed ? { managerId: reviewed.id } : {}),
    approval: { required: mode === 'all' || (mode === 'non-admins' && input.requesterRole !== 'admin') },
    ...(lease ? { lease } : {}),
    ...(input.confirmed ? { confirmed: input.confirmed } : {}),
    ...(input.template ? { template: { snapshot: input.template, state: 'pending' as const, runs: 0 } } : {}),
  };
  // Its arrival is audited with the request's first batch (the outbox is stored with the record itself).
  const received = auditEvent(deps, arrived, 'request.received', {
    ticketReference: arrived.form.ticketReference ?? null, ...auditDetailsOf(arrived.confirmed),
    ...(input.template ? { templateId: input.template.templateId, templateName: auditText(input.template.name), templateVersion: input.template.version } : {}),
  });
  const record: OnboardingRecord = { ...arrived, auditOutbox: [received] };
  const created = await deps.store.create(record);
  if (created.kind === 'exists') return { kind: 'exists', existing: created.existing };
  return { kind: 'created', created: { record, version: created.version } };
}
