import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomically } from './certificates.js';

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
  groups: z.array(z.object({ id: guid, displayName: z.string(), mailNickname: z.string(), description: z.string().optional(), members: z.array(guid) })),
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
  })).min(1),
});
export type Seed = z.infer<typeof seedSchema>;
export type Domain = Seed['domains'][number];
export type Group = Seed['groups'][number];
export type TemporaryAccessPassPolicy = Seed['temporaryAccessPassPolicy'];
export type Application = Seed['applications'][number];

export const EXTENSION_ATTRIBUTE_NAMES = Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`);

/** A Temporary Access Pass as the directory keeps it: the value itself is never stored. */
export interface StoredTemporaryAccessPass {
  id: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
}

/** A user as the directory keeps it. Passwords are never stored, only when they were set. */
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
  lastPasswordChangeDateTime: string;
  createdDateTime: string;
  deletedDateTime: string | null;
  managerId: string | null;
  temporaryAccessPasses: StoredTemporaryAccessPass[];
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
    forceChangePasswordNextSignIn: true, lastPasswordChangeDateTime: now.toISOString(),
    createdDateTime: now.toISOString(), deletedDateTime: null, managerId: null, temporaryAccessPasses: [],
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
    users: seed.users.map(({ managerId, ...user }) => newDirectoryUser({
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
    }, created)),
    groups: structuredClone(seed.groups),
    temporaryAccessPassPolicy: { ...seed.temporaryAccessPassPolicy },
    bannedPasswords: [...seed.bannedPasswords],
    applications: structuredClone(seed.applications),
  };
}

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
    return parsed;
  }

  save(state: DirectoryState): void {
    if (this.statePath === null) return;
    writeAtomically(this.statePath, JSON.stringify(state, null, 1), 0o600);
  }
}
