/**
 * The ports a bulk onboarding needs beyond the single request's (ports.ts): Graph JSON
 * batching, the stored jobs, and the progress, reveal and results messages.
 */
import type { BulkJob } from './bulk-job.js';
import type { BulkResultLine } from './bulk-rows.js';
import type { CreateUserOutcome, CredentialContents, DeliveryOutcome, NameHolder, Requester, TicketOutcome, UserDraft } from '../kernel/ports.js';
import type { Secret } from '../credentials/secret.js';

/**
 * One account of a bulk as sent in a batch: the profile, its password (the row's sealed one,
 * opened for the POST; or, when only a Temporary Access Pass is handed over, one nobody is ever
 * shown — POST /users requires a password), and its row's marker.
 */
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

/** What one batch of manager links came to: an outcome per link key, and the highest x-ms-throttle-limit-percentage Graph sent. */
export interface BulkManagerAnswer {
  readonly outcomes: Readonly<Record<string, ManagerLinkOutcome>>;
  readonly throttleLimitPercentage?: number | undefined;
}

/** What became of one manager link: set, throttled (send it again after the wait), or failed for good. */
export type ManagerLinkOutcome =
  | { readonly kind: 'set' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined }
  | { readonly kind: 'failed'; readonly detail?: string | undefined; readonly graphRequestId?: string | undefined };

/** A row's wanted names, to see who holds them (its key comes back with the answer). */
export interface BulkNameProbe {
  readonly key: string;
  readonly userPrincipalName: string;
  readonly mailNickname: string;
}

/** What one batch of name checks came to. */
export interface BulkNamesAnswer {
  readonly holders: Readonly<Record<string, readonly NameHolder[]>>;
  /** Probes Graph throttled (429), not read: their Retry-After in seconds, when Graph gave one. */
  readonly throttled: Readonly<Record<string, number | undefined>>;
  /** The highest x-ms-throttle-limit-percentage Graph sent. */
  readonly throttleLimitPercentage?: number | undefined;
}

/** Creates many accounts at once (Graph JSON batching). */
export interface BulkDirectory {
  /**
   * One POST /$batch of at most 20 reads: per probe key, the accounts holding its UPN, mailNickname
   * or smtp: address (the single request's check, checkNewAccount), or that Graph throttled the
   * read (the caller asks again after the wait). Throws DirectoryError when a read fails otherwise.
   */
  checkNames(probes: readonly BulkNameProbe[]): Promise<BulkNamesAnswer>;
  /** One POST /$batch of at most 20 POST /users, never resent by the transport; a lost batch makes every item ambiguous. */
  createUsers(items: readonly BulkCreateItem[]): Promise<BulkCreateAnswer>;
  /** One POST /$batch of at most 20 manager links (PUT …/manager/$ref, idempotent): an outcome per link key, and how close the app is to the write budget. */
  setManagers(links: readonly BulkManagerLink[]): Promise<BulkManagerAnswer>;
}

export interface StoredBulkJob {
  readonly job: BulkJob;
  /** Opaque version (eTag) for optimistic concurrency. */
  readonly version: string;
}

/** A job as a resume pass sees it before reading its rows: whether it is unfinished, and who holds it. */
export interface BulkJobSummary {
  readonly jobId: string;
  readonly status: BulkJob['status'];
  readonly lease?: { readonly owner: string; readonly until: string } | undefined;
}

/** Persists bulk jobs with their per-row state; `update` is compare-and-set on the version. */
export interface BulkJobStore {
  /** The job and its version, or null when unknown. */
  get(jobId: string): Promise<StoredBulkJob | null>;
  /** Stores a new job; `exists` when the id is taken. */
  create(job: BulkJob): Promise<{ readonly kind: 'created'; readonly version: string } | { readonly kind: 'exists' }>;
  /**
   * Replaces the job if its version is still `expectedVersion`; `conflict` otherwise.
   * `changedRows` (positions in job.rows) says which rows changed since that version, so the
   * store may write only what holds them; absent, any row may have changed.
   */
  update(job: BulkJob, expectedVersion: string, changedRows?: ReadonlySet<number>): Promise<{ readonly kind: 'updated'; readonly version: string } | { readonly kind: 'conflict' }>;
  /** Jobs approved but not finished (a restart resumes them), without their rows. */
  listUnfinished(): Promise<BulkJobSummary[]>;
  /** How many bulks this admin has sent since `since` (the daily limit). */
  countSentSince(requesterId: string, since: Date): Promise<number>;
}

/** What a bulk's progress card shows. */
export interface BulkProgress {
  readonly jobId: string;
  readonly ticketReference: string;
  readonly total: number;
  /** Of the total, the guest rows (invited, not created). */
  readonly guests?: number | undefined;
  readonly done: number;
  readonly failed: number;
  readonly remaining: number;
  readonly finished: boolean;
  /** Temporary Access Passes so far (when the job issues them): issued, not issued, of how many. */
  readonly passes?: { readonly issued: number; readonly failed: number; readonly total: number } | undefined;
  /** Welcome mails so far (rows with a personal email): sent, not sent (failed, unconfirmed, off), of how many. */
  readonly mails?: { readonly sent: number; readonly notSent: number; readonly total: number } | undefined;
}

/** What a bulk reveal card says: the bulk, the display names (of its part), until when. */
export interface BulkRevealNotice {
  readonly jobId: string;
  readonly displayNames: readonly string[];
  /** What the Reveal shows for the members among them: passwords, passes, or both (the job's credential policy). */
  readonly contents: Exclude<CredentialContents, 'invitation-link'>;
  /** How many of them are guests whose invitation link the Reveal shows (GUEST_INVITATION=reveal). */
  readonly guests?: number | undefined;
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
