/**
 * The persisted state of one onboarding request. The status moves forward only:
 *
 *   received → validated → checked → creating → created → delivering → delivered → done
 *                    ↘ rejected (the request can't be done as asked)   ↘ failed (it broke)
 *
 * `awaiting_approval`/`approved` (an approval policy) and `reveal_pending`/`revealed`/
 * `expired` (a one-time reveal view instead of a chat message) are typed but not used yet.
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
