/**
 * A bulk job: one stored record for the whole sheet with the state of every row, moved by
 * compare-and-set like a request record, so a restart or a second instance resumes it
 * instead of repeating it. A row's account is created exactly once: the row is marked
 * `creating` (with its own marker and its sealed password) BEFORE its POST is sent; a row
 * found `creating` later is read back by user name — our marker → created, another
 * account → taken, nothing → sent again with the same password (the directory refuses a
 * second account with one UPN, so at most one can exist).
 *
 *   review → approved → running → done        (review → cancelled)
 *   row: pending → creating → created | failed   (creating → pending when nothing was created)
 */
import type { OnboardingDependencies } from './dependencies.js';
import type { BulkDirectory, BulkJobStore, BulkReporting } from './bulk-ports.js';
import type { CredentialDelivery, Requester } from './ports.js';
import type { OnboardingRequest } from './request.js';

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
}

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
  /** Above this share of the budget (x-ms-throttle-limit-percentage) the runner slows down. */
  readonly slowDownAbove: number;
  /** Read-backs of a `creating` row and POSTs per row before the row is given up. */
  readonly maxRowAttempts: number;
}

export const defaultBulkPolicy: BulkPolicy = {
  maxRows: 1000,
  perAdminPerDay: 5,
  concurrentBatches: 4,
  batchSize: 20,
  progressEveryMs: 2000,
  slowDownAbove: 0.8,
  maxRowAttempts: 8,
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
