/**
 * A bulk job: one stored record for the whole sheet with the state of every row, moved by
 * compare-and-set like a request record, so a restart or a second instance resumes it
 * instead of repeating it. A row's account is created exactly once: the row is marked
 * `creating` (with its own marker, and its sealed password unless the policy hands over only a
 * Temporary Access Pass) BEFORE its POST is sent; a row found `creating` later is read back by
 * user name — our marker → created, another account → taken, nothing → sent again (the
 * directory refuses a second account with one UPN, so at most one can exist).
 *
 * A guest row is invited instead (bulk-guests.ts), by the same claim-before-POST rule: the row is
 * marked `creating` with its marker and the time its address was looked up, and a row found
 * `creating` is looked up by address — ours → created, someone else's → failed, nobody → sent again.
 *
 * After the accounts, each row goes through the same steps as a single request: its manager,
 * its template's groups and licence, its Temporary Access Pass (the job's TAP mode, fixed when the sheet was reviewed),
 * the recipient's reveal card, and its welcome mail — each step recorded per row, so a restart
 * finishes what is left and repeats nothing that cannot be repeated.
 *
 *   review → approved → running → done        (review → cancelled)
 *   row: pending → creating → created | failed   (creating → pending when nothing was created)
 *   row.template: pending → applied    row.tap: pending → issuing → issued | failed
 *   row.welcomeMail: pending → sending → sent | failed | unconfirmed | off
 */
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import type { BulkDirectory, BulkJobStore, BulkReporting } from './bulk-ports.js';
import type { Budget } from './bulk-pace.js';
import type { CredentialDelivery, Requester } from '../kernel/ports.js';
import type { OnboardingRequest } from '../request/request.js';
import type { BulkConfirmation } from './bulk-confirmations.js';
import type { TemplateOutcome } from '../templates/apply-template.js';
import type { TemplateSnapshot } from '../templates/choose-template.js';
import type { GuestState } from '../guests/guest-record.js';

export type BulkJobStatus = 'review' | 'approved' | 'running' | 'done' | 'cancelled';
export type BulkRowState = 'pending' | 'creating' | 'created' | 'failed';

export interface BulkRowRecord {
  readonly rowNumber: number;
  readonly request: OnboardingRequest;
  /** Who receives this row's credentials (the admin, or the row's recipient). */
  readonly recipient: Requester;
  readonly managerId?: string | undefined;
  readonly personalEmail?: string | undefined;
  readonly state: BulkRowState;
  /** Written into the account by its POST: `${markerPrefix}${jobId}#${rowNumber}`. */
  readonly marker?: string | undefined;
  readonly objectId?: string | undefined;
  readonly manager?: 'pending' | 'set' | 'failed' | 'none' | undefined;
  /** POSTs sent for this row (any outcome). */
  readonly attempts: number;
  readonly passwordAttempts: number;
  /** ISO 8601: not sent again before this (a throttled item's Retry-After). */
  readonly notBefore?: string | undefined;
  /** One sentence when the row failed. */
  readonly problem?: string | undefined;
  /** The row's Temporary Access Pass (absent: the job's TAP mode is off). */
  readonly tap?: BulkStepState | undefined;
  /** The day the issued pass works from (YYYY-MM-DD). */
  readonly tapFrom?: string | undefined;
  /** Why the row has no pass (a sentence), when `tap` failed. */
  readonly tapProblem?: string | undefined;
  /** `instead` and the pass refused: the row's recipient gets a password after all (set by a reset). */
  readonly passwordInstead?: 'pending' | 'set' | 'failed' | undefined;
  /** The welcome mail to the row's personal email (absent: the row gives none). */
  readonly welcomeMail?: { readonly state: 'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed' | 'off'; readonly attempts: number; readonly reason?: string | undefined } | undefined;
  /** The row's onboarding template (its snapshot is the job's, by id), whether it was applied, and what came of each part. */
  readonly template?: { readonly templateId: string; readonly state: 'pending' | 'applied'; readonly outcome?: TemplateOutcome | undefined } | undefined;
  /**
   * A guest row (bulk-guests.ts): invited with POST /invitations instead of created, exactly once,
   * by invite-guest.ts's rules; what its invitation came to, never the redeem link. Absent: a member row.
   */
  readonly guest?: GuestState | undefined;
  /** What the admin confirmed for this row on the review card (a past start date, a second account). */
  readonly confirmed?: readonly BulkConfirmation['kind'][] | undefined;
}

/** A per-row step done once: waiting, claimed (sent, answer not yet recorded), done, or given up. */
export type BulkStepState = 'pending' | 'issuing' | 'issued' | 'failed';

export interface BulkJob {
  readonly jobId: string;
  readonly correlationId: string;
  readonly requester: Requester;
  readonly ticketReference: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly status: BulkJobStatus;
  readonly rows: readonly BulkRowRecord[];
  readonly lease?: { readonly owner: string; readonly until: string } | undefined;
  readonly progressMessageId?: string | undefined;
  /** The closing steps, each done once: results sheet posted, reveal cards sent ("{recipient id}#{part}"; a bare id: all parts). */
  readonly resultsPosted?: boolean | undefined;
  readonly revealsSent?: readonly string[] | undefined;
  /** The credential policy for every row, fixed at review: a Temporary Access Pass off, alongside the password, or instead of it. */
  readonly tapMode?: 'off' | 'alongside' | 'instead' | undefined;
  /** The templates the rows use, as the review showed them (a snapshot each, by template id). */
  readonly templates?: Readonly<Record<string, TemplateSnapshot>> | undefined;
  /** What needs the admin's tick before Create all (listed on the review card), and the ticks given. */
  readonly confirmations?: readonly BulkConfirmation[] | undefined;
}

/** The limits and pace of bulks, separate from the per-person request limits. */
export interface BulkPolicy {
  readonly maxRows: number;
  readonly perAdminPerDay: number;
  /** Batches in flight at once (each ≤ 20 POST /users). */
  readonly concurrentBatches: number;
  readonly batchSize: number;
  /** The progress card is updated at most this often. */
  readonly progressEveryMs: number;
  /** Read-backs of a `creating` row and POSTs per row before the row is given up. */
  readonly maxRowAttempts: number;
  /**
   * The documented budgets the run paces itself to (bulk-pace.ts): Entra's directory writes per
   * app and tenant (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits),
   * a user's authentication methods per app and tenant (the same page's "Identity and access reports"
   * limit, which lists the authenticationMethod resource), and one mailbox's messages (Exchange
   * Online's 30 a minute, https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1).
   */
  readonly budgets: {
    readonly directoryWrites: Budget; readonly authenticationMethods: Budget; readonly mailboxMessages: Budget;
    /** Resource units per app and tenant for the review's reads: the smallest tenant's (under 50 users), the least Entra documents. */
    readonly directoryReads: Budget;
  };
}

export const defaultBulkPolicy: BulkPolicy = {
  maxRows: 1000,
  perAdminPerDay: 5,
  concurrentBatches: 4,
  batchSize: 20,
  progressEveryMs: 2000,
  maxRowAttempts: 8,
  budgets: {
    directoryWrites: { capacity: 3000, perSeconds: 150 },
    authenticationMethods: { capacity: 5, perSeconds: 10 },
    mailboxMessages: { capacity: 30, perSeconds: 60 },
    directoryReads: { capacity: 3500, perSeconds: 10 },
  },
};

/** What the bulk use cases need on top of the request workflow's ports. */
export interface BulkDependencies extends OnboardingDependencies {
  readonly bulkDirectory: BulkDirectory;
  readonly bulkJobs: BulkJobStore;
  readonly bulkReporting: BulkReporting;
  readonly bulkPolicy: BulkPolicy;
  readonly delivery: CredentialDelivery;
}

export const markerForRow = (prefix: string, jobId: string, rowNumber: number): string => `${prefix}${jobId}#${rowNumber}`;
export const credentialIdForRow = (jobId: string, rowNumber: number): string => `${jobId}-${rowNumber}.1`;

export function countRows(job: BulkJob): { total: number; done: number; failed: number; remaining: number } {
  let done = 0;
  let failed = 0;
  for (const row of job.rows) {
    if (row.state === 'created') done += 1;
    else if (row.state === 'failed') failed += 1;
  }
  return { total: job.rows.length, done, failed, remaining: job.rows.length - done - failed };
}

/** One audit event about a bulk (never a secret). */
export function bulkEvent(deps: BulkDependencies, job: BulkJob, type: string, details: Record<string, string | number | boolean | null>) {
  return {
    requestId: job.jobId, correlationId: job.correlationId, at: deps.clock.now().toISOString(), type, actor: deps.instanceId,
    details: { status: job.status, requesterId: job.requester.id, requesterName: job.requester.name, ticketReference: job.ticketReference, ...details },
  };
}
