/**
 * The persisted record of one onboarding request, and what the requester is told of it.
 * The status moves forward only:
 *
 *   received → validated → checked → creating → created → delivering → delivered → done
 *                    ↘ rejected (the request can't be done as asked)   ↘ failed (it broke)
 *
 * With an approval policy, `checked` goes through `awaiting_approval` → `approved` (or
 * `rejected`) before `creating`. A reissue takes a request with an account from `done` or
 * `failed` through `reissuing` → `created` → … → `done` again, with new credentials.
 * The credentials themselves never live here (see CredentialStore): the record knows only
 * which entry holds them and where their reveal stands.
 */
import type { OnboardingProblem } from './errors.js';
import type { OnboardingForm, OnboardingRequest, FieldProblem } from '../request/request.js';
import type { AuditEvent, Requester } from './ports.js';
import type { ConfirmedDecisions } from '../rules/confirmations.js';
import type { SecretRecipient } from '../credentials/secret-recipient.js';
import type { GuestState } from '../guests/guest-record.js';
import type { TemplateSnapshot } from '../templates/choose-template.js';
import type { TemplateOutcome } from '../templates/apply-template.js';

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
  | 'reissuing';

export const finalStatuses: ReadonlySet<OnboardingStatus> = new Set(['done', 'rejected', 'failed']);

/** The only statuses a finished request moves back to (a reissue): storage indexes it as unfinished again before such a write. */
export const reopeningStatuses: ReadonlySet<OnboardingStatus> = new Set(['reissuing']);

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
  /** Who receives the credentials, fixed when the request is validated (restarts and reissues reach the same person). */
  readonly secretRecipient?: SecretRecipient | undefined;
  /** Problems with the form (status rejected after validation). */
  readonly fieldProblems: readonly FieldProblem[];
  /** Why the request is rejected or failed, or the last transient problem while pending. */
  readonly problem?: OnboardingProblem | undefined;
  /** User names checked free, offered when the wanted one is taken. */
  readonly alternatives: readonly string[];
  /** Written into the account at creation so we recognise our own account later. */
  readonly marker?: string | undefined;
  /** Where the credentials are and how far their reveal went; the secrets are in the CredentialStore. */
  readonly credentials?: CredentialsState | undefined;
  /** A reissue asked for and not finished yet. */
  readonly reissue?: { readonly by: Requester; readonly at: string } | undefined;
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
  /** What the requester confirmed on the review card: an odd start date, a second account for the same person. */
  readonly confirmed?: ConfirmedDecisions | undefined;
  /** The welcome mail to the new person's personal address, when the request gave one. */
  readonly welcomeMail?: WelcomeMailState | undefined;
  /** A guest invitation (the request names their work address elsewhere): its state, never its redeem link. */
  readonly guest?: GuestState | undefined;
  /** The onboarding template the review showed (its snapshot), and how far applying it went. */
  readonly template?: TemplateOnRecord | undefined;
  /**
   * Audit events of a run's state changes, stored with the change each describes and sent to
   * the audit log in one batch when the run ends (so a crash in between loses none: the next
   * run sends them). Plain facts, never a secret, like every audit event.
   */
  readonly auditOutbox?: readonly AuditEvent[] | undefined;
}

/**
 * Where the welcome mail stands. `sending` is written (compare-and-set, under a lease) before
 * the mail goes out; a run that finds it `sending` with nobody on it cannot know whether the
 * mail left, and records `unconfirmed` instead of sending a second one.
 */
export interface WelcomeMailState {
  readonly to: string;
  readonly state: 'off' | 'pending' | 'sending' | 'sent' | 'failed' | 'unconfirmed';
  /** Runs that claimed the send (each sends at most maxWelcomeMailAttempts times while throttled). */
  readonly attempts: number;
  /** ISO 8601 time of Graph's 202. */
  readonly sentAt?: string | undefined;
  /** Why it was not sent or is not known to be, in the catalog's words. */
  readonly reason?: string | undefined;
  readonly copyTo?: string | undefined;
}

/**
 * The template of a request: the snapshot taken at review (Create adds exactly that), and
 * where applying it stands. `applying` is written (under a lease) before anything reaches
 * Graph; applying it again is safe, so a run that finds it `applying` with nobody on it does it again.
 */
export interface TemplateOnRecord {
  readonly snapshot: TemplateSnapshot;
  readonly state: 'pending' | 'applying' | 'applied';
  /** Per part, from the last run that finished (the ticket's lines). */
  readonly outcome?: TemplateOutcome | undefined;
  /** Runs that claimed it (the step, or a ticket button). */
  readonly runs: number;
  /** Only the licence, for an "Assign licence" click. */
  readonly scope?: 'all' | 'licence' | undefined;
  /** Who last pressed a ticket button for it, and when. */
  readonly requestedBy?: { readonly by: Requester; readonly at: string; readonly action: 'apply-template' | 'assign-licence' } | undefined;
}

export interface CredentialsState {
  /** The CredentialStore entry. */
  readonly credentialId: string;
  readonly generation: number;
  /** The one person who may reveal them. */
  readonly recipient: Requester;
  /** What the entry holds besides (or instead of) a password: a guest's invitation link (a bearer credential until redeemed). */
  readonly holds?: 'invitation-link' | undefined;
  /** The Temporary Access Pass: not wanted, not issued yet, issued, or refused by the tenant. */
  readonly tap: 'off' | 'pending' | 'issuing' | 'issued' | 'failed';
  /** ISO 8601, set when the reveal card went out: the secret is deleted then unless revealed earlier. */
  readonly expiresAt?: string | undefined;
  readonly revealedAt?: string | undefined;
  /**
   * ISO 8601: when Teams first refused a chat with the recipient in a way that may pass; the
   * bot keeps trying until the retry window from then ends, across restarts. Cleared once reached.
   */
  readonly reachingSince?: string | undefined;
  /**
   * ISO 8601: a resume pass, which never waits, left the request here to try the recipient again
   * from then (the next pass after it does). Cleared once reached.
   */
  readonly nextTryAt?: string | undefined;
  /** ISO 8601: when the secret was deleted from storage (revealed + grace, expired, superseded, or never needed). */
  readonly purgedAt?: string | undefined;
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
  /** Where the reveal stands (never a secret). */
  readonly credentials?: {
    readonly expiresAt?: string | undefined; readonly revealedAt?: string | undefined; readonly purgedAt?: string | undefined; readonly generation: number;
  } | undefined;
  /** The welcome mail: to whom, and whether it went out. */
  readonly welcomeMail?: { readonly to: string; readonly state: WelcomeMailState['state']; readonly reason?: string | undefined } | undefined;
  /** A guest invitation: the address, the guest's own user name once Entra made it, and whether they accepted. */
  readonly guest?: {
    readonly email: string; readonly invitation: GuestState['invitation']; readonly userPrincipalName?: string | undefined; readonly state?: GuestState['state'];
  } | undefined;
}

export function describeOutcome(record: OnboardingRecord): OnboardingOutcome {
  const credentials = record.credentials;
  return {
    requestId: record.requestId,
    correlationId: record.correlationId,
    status: record.status,
    pending: !finalStatuses.has(record.status),
    userPrincipalName: record.guest?.userPrincipalName ?? record.request?.userPrincipalName,
    displayName: record.request?.displayName,
    objectId: record.objectId,
    fieldProblems: record.fieldProblems,
    problem: record.problem,
    alternatives: record.alternatives,
    warnings: record.warnings,
    ...(credentials ? { credentials: { expiresAt: credentials.expiresAt, revealedAt: credentials.revealedAt, purgedAt: credentials.purgedAt, generation: credentials.generation } } : {}),
    ...(record.welcomeMail ? { welcomeMail: { to: record.welcomeMail.to, state: record.welcomeMail.state, reason: record.welcomeMail.reason } } : {}),
    ...(record.guest ? {
      guest: { email: record.guest.email, invitation: record.guest.invitation, userPrincipalName: record.guest.userPrincipalName, state: record.guest.state },
    } : {}),
  };
}
