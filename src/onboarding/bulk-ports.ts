/**
 * The ports a bulk onboarding needs beyond the single request's (ports.ts): Graph JSON
 * batching, the stored jobs, and the progress, reveal and results messages.
 */
import type { BulkJob } from './bulk-job.js';
import type { BulkResultLine } from './bulk-rows.js';
import type { CreateUserOutcome, DeliveryOutcome, Requester, TicketOutcome, UserDraft } from './ports.js';
import type { Secret } from './secret.js';

/** One account of a bulk as sent in a batch: the profile, its sealed-then-opened password, and its row's marker. */
export interface BulkCreateItem {
  readonly key: string;
  readonly draft: UserDraft;
  readonly password: Secret;
  readonly marker: string;
}

/** What one batch of POST /users came to: an outcome per item key, and how close the app is to Entra's budget. */
export interface BulkCreateAnswer {
  readonly outcomes: Readonly<Record<string, CreateUserOutcome>>;
  /** The highest x-ms-throttle-limit-percentage Graph sent (0.8 = 80 % of the budget used), when it sent one. */
  readonly throttleLimitPercentage?: number | undefined;
}

/** One manager link of a bulk: the new account and its manager, by object id. */
export interface BulkManagerLink {
  readonly key: string;
  readonly userId: string;
  readonly managerId: string;
}

/** What became of one manager link: set, throttled (send it again after the wait), or failed for good. */
export type ManagerLinkOutcome =
  | { readonly kind: 'set' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined }
  | { readonly kind: 'failed'; readonly detail?: string | undefined; readonly graphRequestId?: string | undefined };

/** Creates many accounts at once (Graph JSON batching). */
export interface BulkDirectory {
  /** One POST /$batch of at most 20 POST /users, never resent by the transport; a lost batch makes every item ambiguous. */
  createUsers(items: readonly BulkCreateItem[]): Promise<BulkCreateAnswer>;
  /** One POST /$batch of at most 20 manager links (PUT …/manager/$ref, idempotent): an outcome per link key. */
  setManagers(links: readonly BulkManagerLink[]): Promise<Readonly<Record<string, ManagerLinkOutcome>>>;
}

export interface StoredBulkJob {
  readonly job: BulkJob;
  /** Opaque version (eTag) for optimistic concurrency. */
  readonly version: string;
}

/** Persists bulk jobs with their per-row state; `update` is compare-and-set on the version. */
export interface BulkJobStore {
  /** The job and its version, or null when unknown. */
  get(jobId: string): Promise<StoredBulkJob | null>;
  /** Stores a new job; `exists` when the id is taken. */
  create(job: BulkJob): Promise<{ readonly kind: 'created'; readonly version: string } | { readonly kind: 'exists' }>;
  /** Replaces the job if its version is still `expectedVersion`; `conflict` otherwise. */
  update(job: BulkJob, expectedVersion: string): Promise<{ readonly kind: 'updated'; readonly version: string } | { readonly kind: 'conflict' }>;
  /** Jobs approved but not finished (a restart resumes them). */
  listUnfinished(): Promise<StoredBulkJob[]>;
  /** How many bulks this admin has sent since `since` (the daily limit). */
  countSentSince(requesterId: string, since: Date): Promise<number>;
}

/** What a bulk's progress card shows. */
export interface BulkProgress {
  readonly jobId: string;
  readonly ticketReference: string;
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly remaining: number;
  readonly finished: boolean;
}

/** What a bulk reveal card says: the bulk, the display names (of its part), until when. */
export interface BulkRevealNotice {
  readonly jobId: string;
  readonly displayNames: readonly string[];
  /** Which part of the recipient's accounts this card names (1-based), of how many. */
  readonly part: number;
  readonly parts: number;
  /** ISO 8601: after this the secrets are deleted. */
  readonly expiresAt: string;
}

/** Tells the admin and IT how a bulk goes; never a secret. */
export interface BulkReporting {
  /** Posts the progress card in the admin's chat (no `messageId`) or updates it in place; returns its id. */
  showProgress(admin: Requester, progress: BulkProgress, messageId: string | undefined): Promise<{ readonly messageId?: string | undefined }>;
  /** Sends `recipient` the reveal card of one part of the accounts whose credentials are theirs (no user name, no secret; Reveal shows them). */
  sendRevealCard(recipient: Requester, notice: BulkRevealNotice): Promise<DeliveryOutcome>;
  /** Posts the results sheet (one line per row, no secret) in the IT ticket channel. */
  postResults(progress: BulkProgress, lines: readonly BulkResultLine[]): Promise<TicketOutcome>;
}
