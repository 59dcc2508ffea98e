/**
 * The persisted record of one onboarding request, and what the requester is told of it.
 * The status moves forward only:
 *
 *   received → validated → checked → creating → created → delivering → delivered → done
 *                    ↘ rejected (the request can't be done as asked)   ↘ failed (it broke)
 *
 * With an approval policy, `checked` goes through `awaiting_approval` → `approved` (or
 * `rejected`) before `creating`. `reveal_pending`/`revealed`/`expired` (a one-time reveal
 * instead of a chat message) are typed but no step leads there yet.
 */
import type { OnboardingProblem } from './errors.js';
import type { OnboardingForm, OnboardingRequest, FieldProblem } from './request.js';
import type { Requester, SealedSecret } from './ports.js';

export type OnboardingStatus =
  | 'received'
  | 'validated'
  | 'checked'
  | 'awaiting_approval'
  | 'approved'
  | 'creating'
  | 'created'
  | 'delivering'
  | 'delivered'
  | 'done'
  | 'rejected'
  | 'failed'
  | 'reveal_pending'
  | 'revealed'
  | 'expired';

export const finalStatuses: ReadonlySet<OnboardingStatus> = new Set(['done', 'rejected', 'failed', 'revealed', 'expired']);

/** Who is working on a step right now, and until when (so a crashed instance's work is resumed). */
export interface Lease {
  readonly owner: string;
  /** ISO 8601. */
  readonly until: string;
}

export interface OnboardingRecord {
  readonly requestId: string;
  readonly correlationId: string;
  readonly requester: Requester;
  readonly receivedAt: string;
  readonly updatedAt: string;
  readonly status: OnboardingStatus;
  /** The card data as received (strings only), kept to validate it and for the record. */
  readonly form: OnboardingForm;
  readonly request?: OnboardingRequest | undefined;
  readonly managerId?: string | undefined;
  /** Problems with the form (status rejected after validation). */
  readonly fieldProblems: readonly FieldProblem[];
  /** Why the request is rejected or failed, or the last transient problem while pending. */
  readonly problem?: OnboardingProblem | undefined;
  /** User names checked free, offered when the wanted one is taken. */
  readonly alternatives: readonly string[];
  /** Written into the account at creation so we recognise our own account later. */
  readonly marker?: string | undefined;
  /** The temporary password, encrypted; removed once delivered. */
  readonly sealedPassword?: SealedSecret | undefined;
  readonly passwordAttempts: number;
  readonly createAttempts: number;
  readonly deliveryAttempts: number;
  readonly lease?: Lease | undefined;
  readonly objectId?: string | undefined;
  readonly manager: 'none' | 'pending' | 'set' | 'failed';
  readonly ticketMessageId?: string | undefined;
  /** Things that went wrong but did not stop the onboarding (manager, ticket). */
  readonly warnings: readonly OnboardingProblem[];
  /** The approval policy's say on this request, decided when it was submitted. */
  readonly approval?: ApprovalRecord | undefined;
}

export interface ApprovalRecord {
  readonly required: boolean;
  /** ISO 8601: when the approval card was posted. */
  readonly requestedAt?: string | undefined;
  readonly decision?: 'approved' | 'rejected' | undefined;
  readonly decidedBy?: Requester | undefined;
  readonly decidedAt?: string | undefined;
  readonly reason?: string | undefined;
}

export function newOnboardingRecord(input: {
  requestId: string;
  correlationId: string;
  requester: Requester;
  form: OnboardingForm;
  at: Date;
}): OnboardingRecord {
  const at = input.at.toISOString();
  return {
    requestId: input.requestId,
    correlationId: input.correlationId,
    requester: input.requester,
    receivedAt: at,
    updatedAt: at,
    status: 'received',
    form: input.form,
    fieldProblems: [],
    alternatives: [],
    passwordAttempts: 0,
    createAttempts: 0,
    deliveryAttempts: 0,
    manager: 'none',
    warnings: [],
  };
}

/** True once a pending approval has waited longer than the policy allows (the one expiry rule). */
export function approvalExpired(record: OnboardingRecord, now: Date, expiresAfterMs: number): boolean {
  return now.getTime() >= Date.parse(record.approval?.requestedAt ?? record.updatedAt) + expiresAfterMs;
}

/** What the requester is told: the truth of the persisted record, never a secret. */
export interface OnboardingOutcome {
  readonly requestId: string;
  readonly correlationId: string;
  readonly status: OnboardingStatus;
  /** True while the request is not finished (it will continue on the next resume). */
  readonly pending: boolean;
  readonly userPrincipalName?: string | undefined;
  readonly displayName?: string | undefined;
  readonly objectId?: string | undefined;
  readonly fieldProblems: readonly FieldProblem[];
  readonly problem?: OnboardingProblem | undefined;
  readonly alternatives: readonly string[];
  readonly warnings: readonly OnboardingProblem[];
}

export function describeOutcome(record: OnboardingRecord): OnboardingOutcome {
  return {
    requestId: record.requestId,
    correlationId: record.correlationId,
    status: record.status,
    pending: !finalStatuses.has(record.status),
    userPrincipalName: record.request?.userPrincipalName,
    displayName: record.request?.displayName,
    objectId: record.objectId,
    fieldProblems: record.fieldProblems,
    problem: record.problem,
    alternatives: record.alternatives,
    warnings: record.warnings,
  };
}
