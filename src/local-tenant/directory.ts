import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomically } from './certificates.js';
import { parseMembershipRule } from './graph/membership-rule.js';
import type { StoredSecret } from './entra/secrets.js';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

const seedUser = z.object({
  id: guid,
  userPrincipalName: z.string(),
  displayName: z.string(),
  givenName: z.string().optional(),
  surname: z.string().optional(),
  mailNickname: z.string(),
  mail: z.string().optional(),
  proxyAddresses: z.array(z.string()).default([]),
  jobTitle: z.string().optional(),
  department: z.string().optional(),
  companyName: z.string().optional(),
  officeLocation: z.string().optional(),
  usageLocation: z.string().optional(),
  employeeType: z.string().optional(),
  managerId: guid.optional(),
  accountEnabled: z.boolean().default(true),
  /** Licensed for Exchange Online: has a mailbox that can send mail (sendMail). */
  mailbox: z.boolean().default(false),
  /** skuIds assigned to the user directly (assignLicense). */
  licenses: z.array(guid).default([]),
});

/**
 * External collaboration as the local setting has it: authorizationPolicy.allowInvitesFrom (`none`,
 * `adminsAndGuestInviters`, `adminsGuestInvitersAndAllMembers`, `everyone`), the collaboration
 * restriction (an allowlist or a blocklist of domains — never both), and the domains whose
 * organisations' cross-tenant access settings block B2B collaboration with this tenant.
 */
export const externalCollaborationSchema = z.object({
  allowInvitesFrom: z.enum(['none', 'adminsAndGuestInviters', 'adminsGuestInvitersAndAllMembers', 'everyone']).default('everyone'),
  domainRestriction: z.object({ kind: z.enum(['allow', 'block']), domains: z.array(z.string().min(1)) }).nullable().default(null),
  crossTenantAccessBlockedDomains: z.array(z.string().min(1)).default([]),
}).strict();
export type ExternalCollaboration = z.infer<typeof externalCollaborationSchema>;

/**
 * A subscription the organisation bought (subscribedSku resource): its product (skuId, skuPartNumber
 * as in Microsoft's "Product names and service plan identifiers for licensing"), seats
 * (prepaidUnits) and service plans. `consumedElsewhere` stands for seats held by accounts this local
 * tenant does not hold (so a 250-seat subscription can be nearly full with seven users);
 * consumedUnits = those + the users here who hold the licence.
 */
const seedSku = z.object({
  skuId: guid,
  skuPartNumber: z.string().min(1),
  appliesTo: z.enum(['User', 'Company']).default('User'),
  capabilityStatus: z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut']).default('Enabled'),
  prepaidUnits: z.object({
    enabled: z.number().int().min(0),
    suspended: z.number().int().min(0).default(0),
    warning: z.number().int().min(0).default(0),
    lockedOut: z.number().int().min(0).default(0),
  }),
  consumedElsewhere: z.number().int().min(0).default(0),
  subscriptionIds: z.array(guid).default([]),
  servicePlans: z.array(z.object({
    servicePlanId: guid,
    servicePlanName: z.string(),
    /** assignedPlan.service (exchange, SharePoint, TeamspaceAPI, AADPremiumService, …). */
    service: z.string(),
    appliesTo: z.enum(['User', 'Company']).default('User'),
  })).min(1),
});

/**
 * A group as Entra keeps it (group resource, groups-overview): security (`groupTypes` [], securityEnabled),
 * Microsoft 365 (`Unified`, mail-enabled), dynamic (`DynamicMembership` with a membershipRule, members
 * computed), role-assignable (`isAssignableToRole`: security, never dynamic, membership changes need
 * RoleManagement.ReadWrite.Directory), and the licences assigned to the group (group-based licensing).
 */
const seedGroup = z.object({
  id: guid,
  displayName: z.string().min(1),
  mailNickname: z.string().min(1),
  description: z.string().optional(),
  members: z.array(guid).default([]),
  groupTypes: z.array(z.enum(['Unified', 'DynamicMembership'])).default([]),
  securityEnabled: z.boolean().default(true),
  mailEnabled: z.boolean().default(false),
  mail: z.string().optional(),
  visibility: z.enum(['Public', 'Private', 'HiddenMembership']).optional(),
  isAssignableToRole: z.boolean().optional(),
  membershipRule: z.string().optional(),
  membershipRuleProcessingState: z.enum(['On', 'Paused']).optional(),
  assignedLicenses: z.array(z.object({ skuId: guid, disabledPlans: z.array(guid).default([]) })).default([]),
}).superRefine((group, issues) => {
  const dynamic = group.groupTypes.includes('DynamicMembership');
  // group.md: "a dynamic group (groupTypes contains DynamicMembership)" has a membershipRule; a role-assignable
  // group "must also be securityEnabled and cannot be a dynamic group".
  if (dynamic !== (group.membershipRule !== undefined)) issues.addIssue({ code: 'custom', message: `group ${group.id}: DynamicMembership and membershipRule go together` });
  if (group.isAssignableToRole && (dynamic || !group.securityEnabled)) issues.addIssue({ code: 'custom', message: `group ${group.id}: a role-assignable group is a security group and not dynamic` });
  if (group.groupTypes.includes('Unified') && !group.mailEnabled) issues.addIssue({ code: 'custom', message: `group ${group.id}: a Microsoft 365 group is mail-enabled` });
  if (group.membershipRule !== undefined) {
    try {
      parseMembershipRule(group.membershipRule);
    } catch (error) {
      issues.addIssue({ code: 'custom', message: `group ${group.id}: ${(error as Error).message}` });
    }
  }
});

/** The seed file's shape (src/local-tenant/seed.json). */
export const seedSchema = z.object({
  tenantId: guid,
  organization: z.object({ displayName: z.string(), countryLetterCode: z.string(), preferredLanguage: z.string() }),
  domains: z.array(z.object({
    id: z.string(),
    authenticationType: z.enum(['Managed', 'Federated']),
    isVerified: z.boolean(),
    isDefault: z.boolean(),
    isInitial: z.boolean(),
  })),
  users: z.array(seedUser),
  groups: z.array(seedGroup),
  temporaryAccessPassPolicy: z.object({
    state: z.enum(['enabled', 'disabled']),
    minimumLifetimeInMinutes: z.number().int().min(10).max(43200),
    maximumLifetimeInMinutes: z.number().int().min(10).max(43200),
    defaultLifetimeInMinutes: z.number().int().min(10).max(43200),
    defaultLength: z.number().int().min(8).max(48),
    isUsableOnce: z.boolean(),
  }),
  bannedPasswords: z.array(z.string()),
  applications: z.array(z.object({
    appId: guid,
    servicePrincipalId: guid,
    displayName: z.string(),
    applicationPermissions: z.array(z.string()),
    /** Delegated permissions consented for the app (what a user's token may carry in `scp`). */
    delegatedPermissions: z.array(z.string()).default([]),
    /** "Allow public client flows": a user may sign in through it without a client secret. */
    isFallbackPublicClient: z.boolean().default(false),
  })).min(1),
  /** The organisation's Teams app catalog (GET /appCatalogs/teamsApps): id = catalog id, externalId = the manifest's id. */
  teamsApps: z.array(z.object({
    id: z.string().min(1),
    externalId: z.string(),
    displayName: z.string(),
    distributionMethod: z.enum(['organization', 'store', 'sideloaded']).default('organization'),
  })).default([]),
  /**
   * Who may invite guests and whom (external-collaboration-settings-configure, allow-deny-list,
   * cross-tenant access): the switch a test flips to see each of Graph's refusals.
   */
  externalCollaboration: externalCollaborationSchema.default({}),
  /** The organisation's subscriptions (GET /subscribedSkus). */
  subscribedSkus: z.array(seedSku).default([]),
  /** Group-based licensing: how long after a change Entra's background processing applies a group's licences. */
  licensing: z.object({ groupProcessingSeconds: z.number().min(0).default(5) }).default({ groupProcessingSeconds: 5 }),
  /** Entra's smart lockout (defaults: 10 failed sign-ins lock the account for 60 seconds). */
  smartLockout: z.object({
    threshold: z.number().int().min(1).default(10),
    durationSeconds: z.number().int().min(1).default(60),
  }).default({ threshold: 10, durationSeconds: 60 }),
});
export type Seed = z.infer<typeof seedSchema>;
export type Domain = Seed['domains'][number];
/** A group in the directory: the seed's fields plus when it was created. */
export type Group = Seed['groups'][number] & { createdDateTime: string };
export type TemporaryAccessPassPolicy = Seed['temporaryAccessPassPolicy'];
export type Application = Seed['applications'][number];
export type TeamsApp = Seed['teamsApps'][number];
export type SubscribedSku = Seed['subscribedSkus'][number];
export type LicensingSettings = Seed['licensing'];

/**
 * One licence a user holds or was meant to get (licenseAssignmentState): assigned directly
 * (assignedByGroup null) or inherited from a group; an Error assignment holds no seat.
 */
export interface LicenseAssignment {
  skuId: string;
  disabledPlans: string[];
  assignedByGroup: string | null;
  state: 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
  error: 'None' | 'CountViolation' | 'MutuallyExclusiveViolation' | 'DependencyViolation' | 'ProhibitedInUsageLocationViolation' | 'UniquenessViolation' | 'Other';
  lastUpdatedDateTime: string;
}

export const EXTENSION_ATTRIBUTE_NAMES = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);

/** A Temporary Access Pass as the directory keeps it: the value only as a salted hash. */
export interface StoredTemporaryAccessPass {
  id: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  secret: StoredSecret;
  /** When a one-time pass was used to sign in; it is then spent. */
  usedDateTime: string | null;
}

/** Failed sign-ins counted by smart lockout. */
export interface SignInState {
  failedAttempts: number;
  lockedUntil: string | null;
}

/** A user as the directory keeps it. Passwords only as salted hashes, to verify a sign-in. */
export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mailNickname: string;
  mail: string | null;
  proxyAddresses: string[];
  otherMails: string[];
  accountEnabled: boolean;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  officeLocation: string | null;
  usageLocation: string | null;
  employeeType: string | null;
  employeeId: string | null;
  employeeHireDate: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  city: string | null;
  country: string | null;
  onPremisesImmutableId: string | null;
  onPremisesExtensionAttributes: Record<string, string | null>;
  passwordPolicies: string | null;
  forceChangePasswordNextSignIn: boolean;
  /** null: no password set (seed users), sign-in answers AADSTS50056. */
  password: StoredSecret | null;
  signIn: SignInState;
  lastPasswordChangeDateTime: string;
  createdDateTime: string;
  deletedDateTime: string | null;
  managerId: string | null;
  temporaryAccessPasses: StoredTemporaryAccessPass[];
  licenseAssignments: LicenseAssignment[];
  /** Member, or Guest for an invited external user (B2B collaboration). */
  userType: 'Member' | 'Guest';
  /** For invited users: PendingAcceptance until they redeem, then Accepted; null for everyone else. */
  externalUserState: 'PendingAcceptance' | 'Accepted' | null;
  externalUserStateChangeDateTime: string | null;
  /** 'Invitation' for a user created by POST /invitations. */
  creationType: 'Invitation' | null;
  /** Where an invited user signs in once they redeemed (ExternalAzureAD, mail, MicrosoftAccount, …). */
  externalIdentityProvider: string | null;
  /** Users and groups responsible for a guest (sponsors). */
  sponsors: string[];
  /** When the user leaves (or left) the organisation (User-LifeCycleInfo). */
  employeeLeaveDateTime: string | null;
}

/**
 * An invitation (POST /invitations): the redeem link's ticket only as a hash, the newest per user valid (our
 * guess). The invitation mail, when one is sent, holds the link itself: it is in the outbox, the guest's mailbox.
 */
export interface StoredInvitation {
  id: string;
  userId: string;
  invitedUserEmailAddress: string;
  createdDateTime: string;
  ticket: StoredSecret;
  /** A newer invitation of the same user replaced this one: its redeem link no longer works. */
  replaced: boolean;
  redeemedDateTime: string | null;
}

/** A mail sent through POST /users/{id}/sendMail, as /_tenant/outbox shows it. */
export interface SentMail {
  id: string;
  from: string;
  sentDateTime: string;
  savedToSentItems: boolean;
  subject: string;
  body: { contentType: 'Text' | 'HTML'; content: string };
  /** The plain-text alternative of an HTML mail sent in the MIME form. */
  textBody?: string;
  toRecipients: { address: string; name?: string }[];
  ccRecipients: { address: string; name?: string }[];
  bccRecipients: { address: string; name?: string }[];
}

/** Everything the emulated tenant knows; serialised as-is to state.json. */
export interface DirectoryState {
  version: 1;
  tenantId: string;
  organization: Seed['organization'] & { id: string; createdDateTime: string };
  domains: Domain[];
  users: DirectoryUser[];
  groups: Group[];
  temporaryAccessPassPolicy: TemporaryAccessPassPolicy;
  bannedPasswords: string[];
  applications: Application[];
  smartLockout: Seed['smartLockout'];
  /** Ids of the users with an Exchange Online mailbox. */
  mailboxes: string[];
  /** What was sent with sendMail, oldest first. */
  outbox: SentMail[];
  subscribedSkus: SubscribedSku[];
  licensing: LicensingSettings;
  /** Group-based licensing still to be applied (group-licensing.ts). */
  licensingQueue: QueuedLicensing[];
  /** The tenant's external collaboration settings, allow/block list and cross-tenant access (invitations). */
  externalCollaboration: ExternalCollaboration;
  invitations: StoredInvitation[];
  /** The Teams app catalog and the apps installed for users (personal scope). */
  teamsApps?: TeamsApp[];
  teamsAppInstallations?: TeamsAppInstallation[];
}

export function emptyExtensionAttributes(): Record<string, string | null> {
  return Object.fromEntries(EXTENSION_ATTRIBUTE_NAMES.map((name) => [name, null]));
}

export function newDirectoryUser(fields: Partial<DirectoryUser> & Pick<DirectoryUser, 'id' | 'userPrincipalName' | 'displayName' | 'mailNickname'>, now: Date): DirectoryUser {
  return {
    givenName: null, surname: null, mail: null, proxyAddresses: [], otherMails: [], accountEnabled: true,
    jobTitle: null, department: null, companyName: null, officeLocation: null, usageLocation: null,
    employeeType: null, employeeId: null, employeeHireDate: null, mobilePhone: null, businessPhones: [],
    preferredLanguage: null, city: null, country: null, onPremisesImmutableId: null,
    onPremisesExtensionAttributes: emptyExtensionAttributes(), passwordPolicies: null,
    forceChangePasswordNextSignIn: true, password: null, signIn: { failedAttempts: 0, lockedUntil: null },
    lastPasswordChangeDateTime: now.toISOString(),
    createdDateTime: now.toISOString(), deletedDateTime: null, managerId: null, temporaryAccessPasses: [], licenseAssignments: [],
    userType: 'Member', externalUserState: null, externalUserStateChangeDateTime: null, creationType: null, externalIdentityProvider: null,
    sponsors: [], employeeLeaveDateTime: null,
    ...fields,
  };
}

export function loadSeed(seedPath: string): Seed {
  return seedSchema.parse(JSON.parse(readFileSync(seedPath, 'utf8')));
}

export function stateFromSeed(seed: Seed, now = new Date()): DirectoryState {
  const created = new Date(now.getTime() - 90 * 24 * 3600 * 1000);
  return {
    version: 1,
    tenantId: seed.tenantId,
    organization: { ...seed.organization, id: seed.tenantId, createdDateTime: created.toISOString() },
    domains: structuredClone(seed.domains),
    users: seed.users.map(({ managerId, mailbox: _mailbox, licenses, ...user }) => newDirectoryUser({
      ...user,
      givenName: user.givenName ?? null,
      surname: user.surname ?? null,
      mail: user.mail ?? null,
      jobTitle: user.jobTitle ?? null,
      department: user.department ?? null,
      companyName: user.companyName ?? seed.organization.displayName,
      officeLocation: user.officeLocation ?? null,
      usageLocation: user.usageLocation ?? null,
      employeeType: user.employeeType ?? null,
      managerId: managerId ?? null,
      forceChangePasswordNextSignIn: false,
      licenseAssignments: licenses.map((skuId) => ({ skuId, disabledPlans: [], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: created.toISOString() })),
    }, created)),
    groups: seed.groups.map((group) => ({ ...structuredClone(group), createdDateTime: created.toISOString() })),
    temporaryAccessPassPolicy: { ...seed.temporaryAccessPassPolicy },
    bannedPasswords: [...seed.bannedPasswords],
    applications: structuredClone(seed.applications),
    smartLockout: { ...seed.smartLockout },
    subscribedSkus: structuredClone(seed.subscribedSkus),
    licensing: { ...seed.licensing },
    licensingQueue: [],
    externalCollaboration: structuredClone(seed.externalCollaboration),
    invitations: [],
    mailboxes: seed.users.filter((user) => user.mailbox).map((user) => user.id),
    outbox: [],
    teamsApps: structuredClone(seed.teamsApps),
    teamsAppInstallations: [],
  };
}

/**
 * A directory saved by an earlier version of the local tenant, brought up to what the seed now
 * grants: the seeded apps get the seed's application permissions they lack (a permission this
 * product came to need, such as Mail.Send), the domains are the seed's, seeded users and mailboxes that are missing are
 * added (unless their user name is taken), and fields that did not exist start empty. What
 * people created or changed since is kept.
 */
export function upgradeSavedState(saved: DirectoryState, seed: Seed, now = new Date()): DirectoryState {
  const fresh = stateFromSeed(seed, now);
  const state: DirectoryState = { ...saved, mailboxes: [...(saved.mailboxes ?? [])], outbox: saved.outbox ?? [] };
  state.applications = saved.applications.map((app) => {
    const seeded = fresh.applications.find((candidate) => candidate.appId === app.appId);
    if (!seeded) return app;
    const missing = seeded.applicationPermissions.filter((permission) => !app.applicationPermissions.includes(permission));
    return missing.length === 0 ? app : { ...app, applicationPermissions: [...app.applicationPermissions, ...missing] };
  });
  for (const app of fresh.applications) if (!state.applications.some((a) => a.appId === app.appId)) state.applications.push(app);
  const taken = (user: DirectoryUser) => state.users.some((u) => u.id === user.id || u.userPrincipalName.toLowerCase() === user.userPrincipalName.toLowerCase());
  const added = fresh.users.filter((user) => !taken(user));
  state.users = [...saved.users, ...added];
  // The mailboxes of the seeded users added now, or every seeded one when the saved state predates mailboxes.
  const owners = saved.mailboxes === undefined ? fresh.mailboxes : fresh.mailboxes.filter((id) => added.some((user) => user.id === id));
  for (const id of owners) if (state.users.some((user) => user.id === id) && !state.mailboxes.includes(id)) state.mailboxes.push(id);
  // Domains come from the seed only (the tenant has no API that adds one): a saved directory takes the
  // seed's list, so a domain the seed stopped verifying (fabrikam.com became contoso.eu, leaving Fabrikam
  // an outside organisation whose people are invited as guests) is no longer the tenant's.
  state.domains = structuredClone(fresh.domains);
  // A state saved before the Teams app catalog existed takes the seed's catalog.
  state.teamsApps ??= fresh.teamsApps;
  state.teamsAppInstallations ??= [];
  // Groups the seed has and the saved directory lacks (the kinds of group, the licensing group) are added;
  // a group that is there keeps its members and whatever people changed.
  state.groups = [...saved.groups, ...fresh.groups.filter((group) => !saved.groups.some((kept) => kept.id === group.id))];
  // Subscriptions: the seed's that are missing are added; a state saved before subscriptions existed also
  // gives the seeded users the licences the seed gives them.
  const predatesLicences = (saved as Partial<DirectoryState>).subscribedSkus === undefined;
  state.subscribedSkus = [...(saved.subscribedSkus ?? []), ...fresh.subscribedSkus.filter((sku) => !(saved.subscribedSkus ?? []).some((kept) => kept.skuId === sku.skuId))];
  if (predatesLicences) {
    for (const user of state.users) {
      const seeded = fresh.users.find((candidate) => candidate.id === user.id);
      if (seeded && user.licenseAssignments.length === 0) user.licenseAssignments = structuredClone(seeded.licenseAssignments);
    }
  }
  return state;
}

import type { TeamsAppInstallation } from './teams/graph-teamwork.js';
import type { QueuedLicensing } from './graph/group-licensing.js';

/** Persists the directory under a state dir (state.json, written by rename), or nowhere. */
export class DirectoryStore {
  readonly statePath: string | null;

  constructor(stateDir: string | null) {
    this.statePath = stateDir === null ? null : join(stateDir, 'state.json');
    if (stateDir !== null) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  }

  load(): DirectoryState | null {
    if (this.statePath === null || !existsSync(this.statePath)) return null;
    const parsed = JSON.parse(readFileSync(this.statePath, 'utf8')) as DirectoryState;
    if (parsed.version !== 1) return null;
    return upgrade(parsed);
  }

  save(state: DirectoryState): void {
    if (this.statePath === null) return;
    writeAtomically(this.statePath, JSON.stringify(state, null, 1), 0o600);
  }
}

/** Fills what a state.json written before sign-in existed lacks; its passes (no hash) are dropped. */
function upgrade(state: DirectoryState): DirectoryState {
  state.smartLockout ??= { threshold: 10, durationSeconds: 60 };
  state.mailboxes ??= [];
  state.outbox ??= [];
  for (const application of state.applications) {
    application.delegatedPermissions ??= [];
    application.isFallbackPublicClient ??= false;
  }
  // Groups saved before group types and licences were played: plain security groups.
  state.groups = state.groups.map((group) => ({
    ...group,
    groupTypes: group.groupTypes ?? [], securityEnabled: group.securityEnabled ?? true, mailEnabled: group.mailEnabled ?? false,
    assignedLicenses: group.assignedLicenses ?? [], createdDateTime: group.createdDateTime ?? new Date(0).toISOString(),
  }));
  // subscribedSkus stays missing here: upgradeSavedState tells from it that licences came after this state.
  state.licensing ??= { groupProcessingSeconds: 5 };
  state.licensingQueue ??= [];
  state.externalCollaboration ??= externalCollaborationSchema.parse({});
  state.invitations ??= [];
  for (const user of state.users) {
    user.licenseAssignments ??= [];
    user.userType ??= 'Member';
    user.externalUserState ??= null;
    user.externalUserStateChangeDateTime ??= null;
    user.creationType ??= null;
    user.externalIdentityProvider ??= null;
    user.sponsors ??= [];
    user.employeeLeaveDateTime ??= null;
    user.password ??= null;
    user.signIn ??= { failedAttempts: 0, lockedUntil: null };
    user.temporaryAccessPasses = (user.temporaryAccessPasses ?? []).filter((pass) => pass.secret !== undefined);
  }
  return state;
}
