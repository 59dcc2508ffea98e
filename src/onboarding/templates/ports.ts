/**
 * What onboarding templates need from the outside world: a store for the templates
 * themselves (compare-and-set, like every record here) and the directory's groups and
 * licences. Adapters: src/storage/table-template-store.ts, src/directory/graph-template-directory.ts;
 * tests use the in-memory ones in test/onboarding/template-fakes.ts.
 */
import type { GraphFacts } from '../kernel/ports.js';
import type { OnboardingTemplate } from './template.js';

// ---------------------------------------------------------------------------- store

export interface StoredTemplate {
  readonly template: OnboardingTemplate;
  /** Opaque version (the entity's ETag): an edit names the one it started from. */
  readonly version: string;
}

/** One change of an all-or-nothing import (an import creates and updates; it never removes). */
export type TemplateChange =
  | { readonly kind: 'create'; readonly template: OnboardingTemplate }
  | { readonly kind: 'update'; readonly template: OnboardingTemplate; readonly previous: StoredTemplate };

/** The templates, few (at most MAX_TEMPLATES) and read as a whole; names are unique (case-insensitively). */
export interface TemplateStore {
  /**
   * Every template with its version, by name. `recent`: a list this process read a few seconds ago
   * will do (a form's hints, a review — Create checks the template again, fresh); this store's
   * own writes are seen at once either way.
   */
  list(options?: { readonly recent?: boolean }): Promise<StoredTemplate[]>;
  /** Stores a new template; `name-taken` when another template has its name (whatever its case). */
  create(template: OnboardingTemplate): Promise<{ readonly kind: 'created'; readonly version: string } | { readonly kind: 'name-taken' }>;
  /** Replaces `previous` if it is still at its version; `conflict` otherwise, `name-taken` when the new name is another's. */
  update(template: OnboardingTemplate, previous: StoredTemplate): Promise<{ readonly kind: 'updated'; readonly version: string } | { readonly kind: 'conflict' } | { readonly kind: 'name-taken' }>;
  /** Removes the template if it is still at its version. */
  remove(previous: StoredTemplate): Promise<{ readonly kind: 'removed' } | { readonly kind: 'conflict' }>;
  /** Applies every change or none (another admin's change in between: `conflict`). */
  applyAll(changes: readonly TemplateChange[]): Promise<{ readonly kind: 'applied' } | { readonly kind: 'conflict' }>;
}

// ---------------------------------------------------------------------------- directory

/** How a group's membership is managed, as far as adding a person goes. */
export type GroupKind = 'security' | 'microsoft365' | 'dynamic' | 'role-assignable' | 'other';

export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly kind: GroupKind;
  /** SKU ids the group assigns to its members (group-based licensing); empty for most groups. */
  readonly assignedSkuIds: readonly string[];
}

/** A subscription the organisation holds, and how many of its seats are taken. */
export interface SubscribedSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  /** prepaidUnits.enabled: the seats that can be assigned now. */
  readonly enabledUnits: number;
  readonly consumedUnits: number;
  /** 'User' for licences people get. */
  readonly appliesTo: string;
  /** Enabled, Warning, Suspended, Deleted, LockedOut. */
  readonly capabilityStatus: string;
}

/** What POST /groups/{id}/members/$ref came to for one group. */
export type GroupAddOutcome =
  | { readonly kind: 'added' }
  | ({ readonly kind: 'already-member' } & GraphFacts)
  /** Graph refused: a rule decides the members (dynamic), the group is role-assignable, or the app may not (403). */
  | ({ readonly kind: 'refused'; readonly reason: 'dynamic' | 'forbidden' | 'other' } & GraphFacts)
  /** The group is gone (404 naming it). */
  | ({ readonly kind: 'group-not-found' } & GraphFacts)
  /** The new account is not on every replica yet (404 naming it): try again a little later. */
  | ({ readonly kind: 'user-not-found' } & GraphFacts)
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts)
  | ({ readonly kind: 'unavailable' } & GraphFacts);

export type LicenceRefusal = 'no-usage-location' | 'no-seats' | 'unknown-sku' | 'forbidden' | 'other';

/** What POST /users/{id}/assignLicense came to. */
export type AssignLicenceOutcome =
  | { readonly kind: 'assigned' }
  | ({ readonly kind: 'refused'; readonly reason: LicenceRefusal } & GraphFacts)
  | ({ readonly kind: 'user-not-found' } & GraphFacts)
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts)
  | ({ readonly kind: 'unavailable' } & GraphFacts);

/** One entry of a user's licenseAssignmentStates. */
export interface LicenceAssignmentState {
  readonly skuId: string;
  /** The group that assigns it, or null when assigned directly. */
  readonly assignedByGroup: string | null;
  /** Active, ActiveWithError, Disabled, Error. */
  readonly state: string;
  /** CountViolation, MutuallyExclusiveViolation, …, or None. */
  readonly error: string;
}

export interface UserLicences {
  readonly assignedSkuIds: readonly string[];
  readonly states: readonly LicenceAssignmentState[];
}

/**
 * The directory's groups and licences. Lookups throw DirectoryError (errors.ts) for
 * throttling, a missing permission or an outage; changes answer with outcome values, so a
 * template never fails an onboarding.
 */
export interface TemplateDirectory {
  /** Up to `limit` groups whose display name starts with `text` (case-insensitive). */
  searchGroups(text: string, limit: number): Promise<DirectoryGroup[]>;
  /** The groups by id, null for each that does not exist. */
  readGroups(ids: readonly string[]): Promise<ReadonlyMap<string, DirectoryGroup | null>>;
  /** The organisation's subscriptions with their seats (GET /subscribedSkus). */
  listSubscribedSkus(): Promise<SubscribedSku[]>;
  /** Adds the user to each group, 20 to a $batch; one outcome per group id. */
  addToGroups(userId: string, groupIds: readonly string[]): Promise<ReadonlyMap<string, GroupAddOutcome>>;
  /** Assigns one licence directly (POST /users/{id}/assignLicense). */
  assignLicence(userId: string, skuId: string): Promise<AssignLicenceOutcome>;
  /** The user's licences and how each is assigned; null when there is no such user (yet). */
  readLicences(userId: string): Promise<UserLicences | null>;
}
