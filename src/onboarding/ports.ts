/**
 * The ports the onboarding workflow needs. Adapters (src/directory, src/delivery,
 * src/storage, src/bot) implement them; tests implement them in memory.
 */
import type { Secret } from './secret.js';
import type { OnboardingRecord } from './request-record.js';
import type { OnboardingRequest } from './request.js';

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
>;

export type CollidingProperty = 'userPrincipalName' | 'mailNickname' | 'proxyAddresses';

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
  /** Which other properties (mailNickname, proxyAddresses smtp:) already use these values. */
  findCollisions(probe: { readonly userPrincipalName: string; readonly mailNickname: string }): Promise<CollidingProperty[]>;
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
}

// ---------------------------------------------------------------------------- delivery

/** The person who asked for the account: the only one who receives the password. */
export interface Requester {
  /** Stable id of the person (Entra object id / Teams AAD id). */
  readonly id: string;
  readonly name: string;
}

export type DeliveryOutcome = { readonly kind: 'delivered' } | { readonly kind: 'undeliverable'; readonly reason: string };

/** Sends a temporary password privately to the requester; the message never names the UPN. */
export interface CredentialDelivery {
  /** Delivers `secret` to `requester` only; idempotent per requestId (same request → same message). */
  deliverTemporaryPassword(
    requester: Requester,
    secret: Secret,
    context: { readonly requestId: string; readonly displayName: string },
  ): Promise<DeliveryOutcome>;
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
}

/** A secret encrypted with AES-256-GCM: safe to store, useless without the vault's key. */
export interface SealedSecret {
  readonly algorithm: 'A256GCM';
  readonly keyId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** Encrypts secrets so a crash between create and delivery can still deliver the same one. */
export interface SecretVault {
  /** Encrypts `secret`, bound to the request id (additional authenticated data). */
  seal(secret: Secret, context: { readonly requestId: string }): Promise<SealedSecret>;
  /** Decrypts a sealed secret of this request; throws if it was tampered with or is another's. */
  unseal(sealed: SealedSecret, context: { readonly requestId: string }): Promise<Secret>;
}

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

/** Finds requests that are not finished, so they can be resumed after a crash or a long throttle. */
export interface RequestIndex {
  /** Requests whose status is not final (at most `limit` when given). */
  listUnfinished(options?: { readonly limit?: number }): Promise<{ readonly requests: readonly StoredRequest[] }>;
}

/** A requester's own requests, newest first (the `status` command). */
export interface RequestHistory {
  /** At most `limit` requests of this requester, newest first. */
  listByRequester(requesterId: string, limit: number): Promise<{ readonly requests: readonly StoredRequest[] }>;
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
