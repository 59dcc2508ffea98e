/**
 * The ports the onboarding workflow needs. Adapters (src/directory, src/delivery,
 * src/storage, src/bot) implement them; tests implement them in memory.
 */
import type { Secret } from '../credentials/secret.js';
import type { OnboardingRecord } from './request-record.js';
import type { OnboardingRequest } from '../request/request.js';

// ---------------------------------------------------------------------------- directory

export interface VerifiedDomain {
  readonly name: string;
  readonly isDefault: boolean;
  readonly isVerified: boolean;
  readonly authenticationType: 'Managed' | 'Federated';
}

export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string | undefined;
  readonly mailNickname?: string | undefined;
  /** The onboarding marker written at creation (extension attribute), or null when absent. */
  readonly marker: string | null;
}

/**
 * The profile of the account to create, exactly the validated request's directory fields
 * (the adapter adds accountEnabled and passwordProfile; employeeHireDate is ISO 8601).
 */
export type UserDraft = Pick<
  OnboardingRequest,
  | 'userPrincipalName' | 'mailNickname' | 'displayName' | 'givenName' | 'surname' | 'usageLocation'
  | 'jobTitle' | 'department' | 'employeeType' | 'companyName' | 'officeLocation' | 'employeeHireDate'
> & {
  /** onPremisesExtensionAttributes from the request's template ("extensionAttribute3" → value); never the marker's. */
  readonly extensionAttributes?: Readonly<Record<string, string>> | undefined;
};

export type CollidingProperty = 'userPrincipalName' | 'mailNickname' | 'proxyAddresses';

/** An account that already uses one of a new account's names, and which one. */
export interface NameHolder {
  readonly property: CollidingProperty;
  readonly user: DirectoryUser;
}

export interface NewAccountProbe {
  readonly userPrincipalName: string;
  readonly mailNickname: string;
  readonly managerUpn?: string | undefined;
}

export interface NewAccountCheck {
  readonly holders: readonly NameHolder[];
  /** Only when a managerUpn was asked about: their account, or null when there is none. */
  readonly manager?: DirectoryUser | null | undefined;
}

export interface GraphFacts {
  readonly graphRequestId?: string | undefined;
  readonly detail?: string | undefined;
}

/** What POST /users came to. Only `ambiguous` leaves the directory's state unknown. */
export type CreateUserOutcome =
  | { readonly kind: 'created'; readonly user: { readonly id: string; readonly userPrincipalName: string } }
  | ({ readonly kind: 'conflict'; readonly property: CollidingProperty | 'unknown' } & GraphFacts)
  | ({ readonly kind: 'rejected'; readonly reason: 'password' | 'domain' | 'invalid' | 'permission' } & GraphFacts)
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts)
  | ({ readonly kind: 'ambiguous' } & GraphFacts);

/**
 * The tenant's directory. Reads return values for expected outcomes (not found → null) and
 * throw DirectoryError (errors.ts) for throttling, missing permission or unavailability.
 */
export interface Directory {
  /** The tenant's domains with their verification and authentication type. */
  listDomains(): Promise<VerifiedDomain[]>;
  /** The user with this UPN including our marker, or null when there is none (404). */
  findUserByUpn(userPrincipalName: string): Promise<DirectoryUser | null>;
  /**
   * In one round trip: the accounts already holding this UPN, mailNickname or smtp: address,
   * and, when `managerUpn` is given, the manager's account (null when there is none).
   */
  checkNewAccount(probe: NewAccountProbe): Promise<NewAccountCheck>;
  /** POST /users exactly once (never retried by the transport), writing `marker` in the same call. */
  createUser(draft: UserDraft, password: Secret, marker: string): Promise<CreateUserOutcome>;
  /** Sets the user's manager (idempotent PUT); returns a value saying whether it worked. */
  setManager(userId: string, managerId: string): Promise<{ readonly kind: 'set' } | ({ readonly kind: 'failed' } & GraphFacts)>;
  /** The subset of groupIds the user is a (transitive) member of; for the approval policy. */
  checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]>;
  /** Up to `limit` users whose display name is exactly this one (case-insensitive); to find a manager by name. */
  findUsersByDisplayName(displayName: string, limit: number): Promise<DirectoryUser[]>;
  /** A group's display name, or null when there is no such group (404); to tell people whom to ask. */
  groupDisplayName(groupId: string): Promise<string | null>;
  /** A group's name and up to `limit` of its direct user members, or null when there is no such group (404); for a coordinator group. */
  groupMembers(groupId: string, limit: number): Promise<{ readonly displayName: string; readonly members: readonly DirectoryUser[] } | null>;
  /** Sets a new temporary password the user must change at the next sign-in (PATCH passwordProfile). */
  resetPassword(userId: string, password: Secret): Promise<PasswordResetOutcome>;
  /** Issues a Temporary Access Pass (POST …/temporaryAccessPassMethods); the only time its value is readable. */
  issueTemporaryAccessPass(userId: string, request: TemporaryAccessPassRequest): Promise<TemporaryAccessPassOutcome>;
  /** Removes the user's Temporary Access Passes (a user has at most one; a lost one is replaced this way). */
  removeTemporaryAccessPasses(userId: string): Promise<void>;
}

export type PasswordResetOutcome =
  | { readonly kind: 'reset' }
  | ({ readonly kind: 'rejected'; readonly reason: 'password' | 'not-found' | 'permission' } & GraphFacts);

export interface TemporaryAccessPassRequest {
  /** ISO 8601; absent = usable now. */
  readonly startDateTime?: string | undefined;
  readonly lifetimeInMinutes: number;
  readonly isUsableOnce: boolean;
}

export type TemporaryAccessPassOutcome =
  | { readonly kind: 'issued'; readonly pass: Secret; readonly startDateTime: string; readonly lifetimeInMinutes: number; readonly isUsableOnce: boolean }
  /** The tenant's policy is off, the lifetime is outside its bounds, or the permission is missing: the account goes on without one. */
  | ({ readonly kind: 'refused'; readonly reason: 'policy-off' | 'lifetime' | 'permission' | 'other' } & GraphFacts)
  /** 429: no pass was made (the authentication methods' own budget); the same POST may go again after the wait. */
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts);

// ---------------------------------------------------------------------------- delivery

/** The person who asked for the account: the only one who receives the password. */
export interface Requester {
  /** Stable id of the person (Entra object id / Teams AAD id). */
  readonly id: string;
  readonly name: string;
  /** How they read dates, from their Teams client (BCP 47 locale, IANA time zone); absent → en-US, UTC. */
  readonly locale?: string | undefined;
  readonly timeZone?: string | undefined;
}

export type DeliveryOutcome = { readonly kind: 'delivered' } | { readonly kind: 'undeliverable'; readonly reason: string };

/**
 * Whether the bot can open a 1:1 chat with a person now; `reason` says why not (for IT, never a
 * secret). `retry` when the refusal may pass by itself — an app installation still reaching Teams,
 * throttling, a failed call — with how long Teams asked to wait, if it said.
 */
export type ReachOutcome =
  | { readonly kind: 'reachable' }
  | { readonly kind: 'unreachable'; readonly reason: string; readonly retry?: { readonly afterMs?: number | undefined } | undefined };

/** What a reveal card says: whom the account is for, the ticket, until when; never the user name, never a secret. */
export interface RevealNotice {
  readonly requestId: string;
  readonly displayName: string;
  readonly ticketReference: string;
  /** ISO 8601: after this the secret is deleted and only a reissue helps. */
  readonly expiresAt: string;
  readonly contents: CredentialContents;
  /** 1 for the first credentials, +1 per reissue. */
  readonly generation: number;
}

/** What the recipient gets: the password, the Temporary Access Pass, or both; or a guest's invitation link. */
export type CredentialContents = 'password' | 'password-and-tap' | 'tap' | 'invitation-link';

/** Gets credentials to one trusted person privately (their 1:1 chat); a message never names the UPN. */
export interface CredentialDelivery {
  /** Makes sure the bot can message `person` in a 1:1 chat even if they never wrote to it (installing the app for them where allowed); sends nothing. */
  reach(person: Requester): Promise<ReachOutcome>;
  /** Sends the reveal card to `recipient` only: it holds no secret, the Reveal button shows it. */
  sendRevealCard(recipient: Requester, notice: RevealNotice): Promise<DeliveryOutcome>;
  /** Plain-message mode (the weaker choice, by config): the secret itself, in the recipient's 1:1 chat. */
  deliverTemporaryPassword(
    recipient: Requester,
    secret: Secret,
    context: { readonly requestId: string; readonly displayName: string; readonly temporaryAccessPass?: Secret | undefined },
  ): Promise<DeliveryOutcome>;
}

// ---------------------------------------------------------------------------- welcome mail

/** What the welcome mail tells the new person: facts for the template, never a password or a pass. */
export interface WelcomeMail {
  readonly requestId: string;
  /** The new person's personal address (validated: one plain address outside the organisation). */
  readonly to: string;
  /** The manager's address, copied when the configuration says so. */
  readonly copyTo?: string | undefined;
  readonly givenName: string;
  readonly displayName: string;
  readonly userPrincipalName: string;
  /** YYYY-MM-DD, when the request has a start date. */
  readonly startDate?: string | undefined;
  /** Whom the new person gets the password or pass from (whoever receives the secret). */
  readonly secretHolder: string;
  readonly contents: CredentialContents;
  /** Whom to ask with questions: the person who requested the account. */
  readonly contact: string;
  readonly ticketReference: string;
}

/** What POST /users/{service mailbox}/sendMail came to. Only `ambiguous` leaves unknown whether it went out. */
export type MailOutcome =
  | { readonly kind: 'sent' }
  /** Not sent, and sending again will not help until someone changes something. */
  | ({ readonly kind: 'refused'; readonly reason: 'no-mailbox' | 'permission' | 'recipient' | 'invalid' | 'template' } & GraphFacts)
  /** Not sent; Exchange asked us to slow down. */
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts)
  /** Maybe sent: the answer was lost (timeout, dropped connection, 5xx). */
  | ({ readonly kind: 'ambiguous' } & GraphFacts);

/** Sends the welcome mail from the service mailbox. */
export interface WelcomeMailer {
  /** Sends one mail (never resent by the transport: sendMail has no idempotency key). */
  sendWelcome(mail: WelcomeMail): Promise<MailOutcome>;
}

// ---------------------------------------------------------------------------- ticket

export type TicketStatus = 'awaiting_approval' | 'approved' | 'rejected' | 'created' | 'done' | 'failed';

/** What IT sees in its channel: never a secret. */
export interface Ticket {
  readonly requestId: string;
  readonly ticketReference: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly requester: Requester;
  readonly objectId?: string | undefined;
  readonly status: TicketStatus;
  /** Who approved or rejected it, and why (approval policy). */
  readonly decision?: { readonly by: string; readonly reason?: string | undefined } | undefined;
  /** ISO 8601 time of the change. */
  readonly at: string;
  readonly notes: readonly string[];
  /** 1 for the first credentials, +1 per reissue (never the credentials themselves). */
  readonly credentialsGeneration?: number | undefined;
  /** Who receives (or received) the credentials, and why them ("the manager"). */
  readonly recipient?: { readonly name: string; readonly role: string } | undefined;
  /** A guest: the address invited and how the invitation stands, in words ("pending acceptance; Microsoft emailed it to …"). */
  readonly guest?: { readonly email: string; readonly invitation: string; readonly sponsor?: string | undefined } | undefined;
  /** YYYY-MM-DD: the last day the person needs access, as the request gave it. */
  readonly endDate?: string | undefined;
  /** The template buttons an admin may press on this ticket. */
  readonly template?: { readonly canApply: boolean; readonly canAssignLicence: boolean } | undefined;
}

export type TicketOutcome = { readonly kind: 'posted'; readonly messageId: string } | { readonly kind: 'failed'; readonly reason: string };

/** Posts and updates the onboarding ticket in the IT channel. */
export interface TicketChannel {
  /** Whether IT has chosen a ticket channel yet; requests are refused up front without one. */
  isSet(): Promise<boolean>;
  /** Posts a new ticket message and returns its id. */
  postTicket(ticket: Ticket): Promise<TicketOutcome>;
  /** Replaces the content of a posted ticket message. */
  updateTicket(messageId: string, ticket: Ticket): Promise<TicketOutcome>;
}

// ---------------------------------------------------------------------------- storage

export interface StoredRequest {
  readonly record: OnboardingRecord;
  /** Opaque version (eTag) for optimistic concurrency. */
  readonly version: string;
}

/** Persists requests; `update` is compare-and-set on the version, which serializes instances. */
export interface RequestStore {
  /** The request and its version, or null when unknown. */
  get(requestId: string): Promise<StoredRequest | null>;
  /** Stores a new request; `exists` (with the stored one) when the id is already taken. */
  create(record: OnboardingRecord): Promise<{ readonly kind: 'created'; readonly version: string } | { readonly kind: 'exists'; readonly existing: StoredRequest }>;
  /** Replaces the request if its version is still `expectedVersion`; `conflict` otherwise. */
  update(record: OnboardingRecord, expectedVersion: string): Promise<{ readonly kind: 'updated'; readonly version: string } | { readonly kind: 'conflict' }>;
}

/** One immutable audit event; details are plain facts, never a secret. */
export interface AuditEvent {
  /** Unique per event: recording the same id again changes nothing (a batch sent again). Absent → the log makes one. */
  readonly eventId?: string | undefined;
  readonly requestId: string;
  readonly correlationId: string;
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** Appends immutable audit events. */
export interface AuditLog {
  /** Appends one event; events are never changed or removed. */
  append(event: AuditEvent): Promise<void>;
  /** Appends events together (one storage request where it can); an event whose eventId is recorded already is skipped. */
  appendAll(events: readonly AuditEvent[]): Promise<void>;
}

/** A secret encrypted with AES-256-GCM: safe to store, useless without the vault's key. */
export interface SealedSecret {
  readonly algorithm: 'A256GCM';
  readonly keyId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/**
 * Sealed credentials, in their own storage entry — never inside the request record, so no
 * old version of a record ever holds a secret. Every entry has a time by which it is deleted.
 */
export interface StoredCredentials {
  /** `${requestId}.${generation}`; also what each secret is sealed to. */
  readonly credentialId: string;
  readonly requestId: string;
  readonly generation: number;
  /** The only person who may reveal them (Entra object id). */
  readonly recipientId: string;
  /** Absent when only a Temporary Access Pass is handed over (a bulk row under TAP_MODE=instead), or for a guest's invitation link. */
  readonly password?: SealedSecret | undefined;
  readonly temporaryAccessPass?: SealedSecret | undefined;
  /** A guest's redeem URL, when the policy hands it over on a reveal card rather than Microsoft emailing it. */
  readonly invitationLink?: SealedSecret | undefined;
  /** ISO 8601: deleted by then at the latest (end of the reveal window, or the grace after the first reveal). */
  readonly purgeAt: string;
  readonly revealedAt?: string | undefined;
  /** Who revealed them first (a coordinator group's member): only they may see them again. */
  readonly revealedBy?: string | undefined;
}

/** Keeps sealed credentials until they are revealed or expire; `delete` removes them for good. */
export interface CredentialStore {
  /** The entry and its version, or null when there is none (never stored, or deleted). */
  get(credentialId: string): Promise<{ readonly credentials: StoredCredentials; readonly version: string } | null>;
  /** Stores a new entry; `exists` when the id is taken (a retry after a crash). */
  create(credentials: StoredCredentials): Promise<{ readonly kind: 'created'; readonly version: string } | { readonly kind: 'exists' }>;
  /** Replaces the entry if its version is still `expectedVersion`. */
  update(credentials: StoredCredentials, expectedVersion: string): Promise<{ readonly kind: 'updated'; readonly version: string } | { readonly kind: 'conflict' }>;
  /** Deletes the entry for good (no soft delete, no versions); nothing happens when it is gone already. */
  delete(credentialId: string): Promise<void>;
  /** Entries whose purgeAt has passed, oldest first, at most `limit`. */
  listDue(now: Date, limit: number): Promise<StoredCredentials[]>;
}

/** Encrypts secrets so a crash between create and delivery can still deliver the same one. */
export interface SecretVault {
  /** Encrypts `secret`, bound to `requestId` (additional authenticated data: the request's or the credentials' id). */
  seal(secret: Secret, context: { readonly requestId: string }): Promise<SealedSecret>;
  /** Decrypts a sealed secret bound to this id; throws if it was tampered with or is another's. */
  unseal(sealed: SealedSecret, context: { readonly requestId: string }): Promise<Secret>;
}

// ---------------------------------------------------------------------------- answering a click

/**
 * Asked once, right before a reveal is recorded: true when the person's click will still be
 * answered with what the reveal shows (the answer then waits for it), false when the click was
 * answered without it ("too slow, nothing was shown"): then nothing may be recorded either.
 */
export type StillAnswering = () => boolean;

// ---------------------------------------------------------------------------- time, chance

/** Wall-clock time and waiting; tests pass a fake one. */
export interface Clock {
  /** The current time. */
  now(): Date;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** Uniform randomness (crypto.randomInt in production). */
export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive), without modulo bias. */
  int(maxExclusive: number): number;
  /** A random UUID (correlation ids, lease owners). */
  uuid(): string;
}

// ---------------------------------------------------------------------------- resume

/**
 * Finds requests that are not finished, so they can be resumed after a crash or a long throttle:
 * a bounded batch per call, each call going on where the last stopped, so every unfinished one comes round.
 */
export interface RequestIndex {
  /** The unfinished requests of the next batch of the index (of at most `limit` entries, or the adapter's batch size). */
  listUnfinished(options?: { readonly limit?: number }): Promise<{ readonly requests: readonly StoredRequest[] }>;
}

/** A requester's own requests, newest first (the `status` command), and the requests under one ticket. */
export interface RequestHistory {
  /** At most `limit` requests of this requester, newest first. */
  listByRequester(requesterId: string, limit: number): Promise<{ readonly requests: readonly StoredRequest[] }>;
  /** At most `limit` requests made under this ticket reference (compared without case), newest first. */
  findByTicketReference(ticketReference: string, limit: number): Promise<{ readonly requests: readonly StoredRequest[] }>;
}

/** Tells a requester in their 1:1 chat how a request ended while nobody was watching: a plain sentence, never a secret. */
export interface RequesterNotice {
  /** Sends `text` to the requester only; the outcome says whether it reached them. */
  notifyRequester(requester: Requester, notice: { readonly requestId: string; readonly text: string }): Promise<DeliveryOutcome>;
}

// ---------------------------------------------------------------------------- audit reading

/** What admins ask of the audit trail. */
export interface AuditCriteria {
  readonly userPrincipalName?: string | undefined;
  readonly requesterId?: string | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
  /** Only events of this type (e.g. "access.refused" for refusals). */
  readonly type?: string | undefined;
  readonly limit?: number | undefined;
}

/** Reads the audit trail, newest first (admins only; the caller checks the role). */
export interface AuditReader {
  /** Events matching every given criterion, newest first. */
  query(criteria: AuditCriteria): Promise<AuditEvent[]>;
  /** The events as CSV a spreadsheet can open safely. */
  toCsv(events: readonly AuditEvent[]): string;
}
