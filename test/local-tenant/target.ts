/**
 * The conformance target: the local tenant (default, started in-process on a free port,
 * in memory) or a real Entra tenant when CONFORMANCE_TARGET=real. The same tests run
 * against both; only URLs, credentials and fixture ids differ.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { startLocalTenant, type LocalTenant, type LocalTenantOptions } from '../../src/local-tenant/server.js';
import { REAL_LIMITS } from '../../src/local-tenant/graph/throttling.js';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface AppUnderTest {
  clientId: string;
  clientSecret: string;
  certificatePath?: string;
}

export interface ConformanceTarget {
  kind: 'local' | 'real';
  tenantId: string;
  /** Undefined for a real tenant (the SDK's default, login.microsoftonline.com). */
  authorityHost?: string;
  /** https://graph.microsoft.com or the local tenant's URL. */
  graphBaseUrl: string;
  /** The bot's app (User.ReadWrite.All, GroupMember.Read.All, GroupMember.ReadWrite.All, LicenseAssignment.Read.All, LicenseAssignment.ReadWrite.All, User.Invite.All, Domain.Read.All, UserAuthenticationMethod.ReadWrite.All, Mail.Send, TeamsAppInstallation.ReadWriteSelfForUser.All). */
  bot: AppUnderTest & { certificatePath: string };
  /** An app with User.Read.All only. */
  reader: AppUnderTest;
  /** An app that allows public client flows, with delegated User.Read and Directory.AccessAsUser.All consented (users sign in through it). */
  publicClientId: string;
  domains: { managed: string; initial: string; federated: string; unverified: string };
  /** A user with an Exchange Online mailbox the bot's app may send as (Mail.Send). */
  mailbox: string;
  fixtures: {
    /** A user that is a direct member of `directGroupId`. */
    directMemberId: string;
    directGroupId: string;
    /** A user that is in `transitiveGroupId` only through a nested group (`nestedGroupId`). */
    transitiveMemberId: string;
    transitiveGroupId: string;
    nestedGroupId: string;
  };
  local?: LocalTenant;
  close(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`CONFORMANCE_TARGET=real needs ${name} (see src/local-tenant/README.md, "Conformance against a real tenant").`);
  return value;
}

export async function openTarget(): Promise<ConformanceTarget> {
  if (process.env['CONFORMANCE_TARGET'] === 'real') {
    return {
      kind: 'real',
      tenantId: required('CONFORMANCE_TENANT_ID'),
      graphBaseUrl: 'https://graph.microsoft.com',
      bot: {
        clientId: required('CONFORMANCE_CLIENT_ID'),
        clientSecret: required('CONFORMANCE_CLIENT_SECRET'),
        certificatePath: required('CONFORMANCE_CERTIFICATE_PATH'),
      },
      reader: { clientId: required('CONFORMANCE_READER_CLIENT_ID'), clientSecret: required('CONFORMANCE_READER_CLIENT_SECRET') },
      publicClientId: required('CONFORMANCE_PUBLIC_CLIENT_ID'),
      domains: {
        managed: required('CONFORMANCE_DOMAIN'),
        initial: required('CONFORMANCE_INITIAL_DOMAIN'),
        federated: required('CONFORMANCE_FEDERATED_DOMAIN'),
        unverified: required('CONFORMANCE_UNVERIFIED_DOMAIN'),
      },
      mailbox: required('CONFORMANCE_MAILBOX'),
      fixtures: {
        directMemberId: required('CONFORMANCE_DIRECT_MEMBER_ID'),
        directGroupId: required('CONFORMANCE_DIRECT_GROUP_ID'),
        transitiveMemberId: required('CONFORMANCE_TRANSITIVE_MEMBER_ID'),
        transitiveGroupId: required('CONFORMANCE_TRANSITIVE_GROUP_ID'),
        nestedGroupId: required('CONFORMANCE_NESTED_GROUP_ID'),
      },
      close: async () => {},
    };
  }
  return localTarget();
}

/**
 * One local tenant for a file of local-only tests, back to the seed and Entra's real limits before each
 * test. Returns a getter: the target exists once beforeAll ran.
 */
export function localTargetPerFile(options: LocalTenantOptions = {}): () => ConformanceTarget & { local: LocalTenant } {
  let target: (ConformanceTarget & { local: LocalTenant }) | undefined;
  beforeAll(async () => {
    target = await localTarget(options);
  });
  beforeEach(() => {
    target!.local.reset();
    target!.local.setThrottling({ ...REAL_LIMITS });
  });
  afterAll(async () => {
    await target?.close();
  });
  return () => target!;
}

/** Always the local tenant (for what only it has: faults, throttling knobs, inspection, restarts). */
export async function localTarget(options: LocalTenantOptions = {}): Promise<ConformanceTarget & { local: LocalTenant }> {
  // Group-based licensing applies by the next request, where a real tenant takes minutes (eventually() waits there).
  const local = await startLocalTenant({ port: 0, stateDir: null, groupLicenseProcessingSeconds: 0, ...options });
  const reader = local.apps.find((app) => app.displayName === 'Directory Reader (local)');
  if (!reader) throw new Error('seed has no Directory Reader app');
  const admin = local.apps.find((app) => app.displayName === 'Entra Admin (local)');
  if (!admin) throw new Error('seed has no Entra Admin app');
  return {
    kind: 'local',
    tenantId: local.tenantId,
    authorityHost: local.authorityHost,
    graphBaseUrl: local.graphBaseUrl,
    bot: { clientId: local.app.clientId, clientSecret: local.app.clientSecret, certificatePath: local.app.certificatePath },
    reader: { clientId: reader.clientId, clientSecret: reader.clientSecret },
    publicClientId: admin.clientId,
    domains: { managed: 'contoso.com', initial: 'contoso.onmicrosoft.com', federated: 'contoso.eu', unverified: 'northwind.example' },
    mailbox: 'onboarding@contoso.com',
    fixtures: {
      directMemberId: '00000000-0000-4000-8000-000000000020',
      directGroupId: '6a1d3f0e-0000-4000-8000-0000000000a1',
      transitiveMemberId: '00000000-0000-4000-8000-000000000024',
      transitiveGroupId: '6a1d3f0e-0000-4000-8000-0000000000b1',
      nestedGroupId: '6a1d3f0e-0000-4000-8000-0000000000b2',
    },
    local,
    close: () => local.close(),
  };
}

/** Groups of each kind the group tests read and change (group resource; groups-overview). */
export interface GroupFixtures {
  /** A security group (groupTypes [], not mail-enabled, not role-assignable) the bot's app may add members to. */
  securityGroupId: string;
  /** A Microsoft 365 group (groupTypes ["Unified"]). */
  unifiedGroupId: string;
  /** A dynamic group (DynamicMembership, processing On) and a user its rule includes. */
  dynamicGroupId: string;
  dynamicMemberId: string;
  /** A role-assignable group (isAssignableToRole); the bot's app lacks RoleManagement.ReadWrite.Directory. */
  roleAssignableGroupId: string;
}

/** Read when a group test asks, so a real-tenant run of the other files needs none of these variables. */
export function groupFixtures(target: ConformanceTarget): GroupFixtures {
  if (target.kind === 'real') {
    return {
      securityGroupId: required('CONFORMANCE_SECURITY_GROUP_ID'),
      unifiedGroupId: required('CONFORMANCE_UNIFIED_GROUP_ID'),
      dynamicGroupId: required('CONFORMANCE_DYNAMIC_GROUP_ID'),
      dynamicMemberId: required('CONFORMANCE_DYNAMIC_MEMBER_ID'),
      roleAssignableGroupId: required('CONFORMANCE_ROLE_ASSIGNABLE_GROUP_ID'),
    };
  }
  // The seed's "Marketing Team", "Marketing", "All Sales (dynamic)" (Isaiah Langer is in Sales) and "Helpdesk Admins".
  return {
    securityGroupId: '6a1d3f0e-0000-4000-8000-0000000000c1',
    unifiedGroupId: '6a1d3f0e-0000-4000-8000-0000000000c2',
    dynamicGroupId: '6a1d3f0e-0000-4000-8000-0000000000c3',
    dynamicMemberId: '00000000-0000-4000-8000-000000000023',
    roleAssignableGroupId: '6a1d3f0e-0000-4000-8000-0000000000c4',
  };
}

/** Subscriptions the licence tests assign (subscribedSku). */
export interface LicenceFixtures {
  /** A user-assignable SKU with free seats, holding EXCHANGE_S_ENTERPRISE or any service plan. */
  skuId: string;
  /** A user-assignable SKU with no free seat left. */
  fullSkuId: string;
  /** A security group whose assignedLicenses hold `skuId` (group-based licensing); the bot's app may add members. */
  licensingGroupId: string;
}

export function licenceFixtures(target: ConformanceTarget): LicenceFixtures {
  if (target.kind === 'real') {
    return { skuId: required('CONFORMANCE_LICENSE_SKU_ID'), fullSkuId: required('CONFORMANCE_FULL_SKU_ID'), licensingGroupId: required('CONFORMANCE_LICENSING_GROUP_ID') };
  }
  // The seed's Microsoft 365 E3 (12 of 250 free), Microsoft 365 E5 (0 of 25 free) and "Licence – Microsoft 365 E3".
  return { skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', fullSkuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06', licensingGroupId: '6a1d3f0e-0000-4000-8000-0000000000c5' };
}

/** Where invited guests' emails live: a domain outside the tenant its policies let it invite. */
export function guestDomain(target: ConformanceTarget): string {
  return target.kind === 'real' ? required('CONFORMANCE_GUEST_DOMAIN') : 'litware.example';
}

export function secretCredential(target: ConformanceTarget, app: AppUnderTest = target.bot, secret = app.clientSecret, tenantId = target.tenantId, clientId = app.clientId): TokenCredential {
  return new ClientSecretCredential(tenantId, clientId, secret, target.authorityHost
    ? { authorityHost: target.authorityHost, disableInstanceDiscovery: true }
    : {});
}

export function certificateCredential(target: ConformanceTarget, certificatePath = target.bot.certificatePath): TokenCredential {
  return new ClientCertificateCredential(target.tenantId, target.bot.clientId, certificatePath, target.authorityHost
    ? { authorityHost: target.authorityHost, disableInstanceDiscovery: true }
    : {});
}

/** The real Graph JS client, pointed at the target, retries off unless asked for. */
export function graphClient(target: ConformanceTarget, credential: TokenCredential = secretCredential(target)): Client {
  const host = new URL(target.graphBaseUrl).hostname;
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: target.graphBaseUrl,
    defaultVersion: 'v1.0',
    ...(host === 'graph.microsoft.com' ? {} : { customHosts: new Set([host]) }),
  });
}

/** Raw HTTPS to Graph (fetch, TLS verified through NODE_EXTRA_CA_CERTS) for what the SDK hides. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
export type Json = any;

export async function rawGraph(target: ConformanceTarget, path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; headers: Headers; body: Json }> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? (await secretCredential(target).getToken(GRAPH_SCOPE))?.token : init.token;
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(`${target.graphBaseUrl}/v1.0${path}`, { ...init, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

/** A unique alias so tests never collide, locally or in a shared real tenant. */
export function uniqueAlias(prefix = 'conf'): string {
  return `${prefix}.${randomBytes(4).toString('hex')}`;
}

/**
 * A password that passes every rule (random, three classes plus symbols). The random part
 * uses consonants and digits Entra does not read as letters, so it can never spell a
 * user's name or a banned word (hex could: "7e57" reads as "test", "ada" is a name).
 */
const NEUTRAL_CHARACTERS = 'BCDFGHJKMNPQRSVWXZ2689';
export function strongPassword(): string {
  const random = Array.from(randomBytes(12), (byte) => NEUTRAL_CHARACTERS.charAt(byte % NEUTRAL_CHARACTERS.length)).join('');
  return `Qx${random}!9Zr`;
}

export function newUserBody(target: ConformanceTarget, overrides: Record<string, unknown> = {}): Record<string, unknown> & { userPrincipalName: string; mailNickname: string } {
  const alias = uniqueAlias();
  return {
    accountEnabled: true,
    displayName: 'Conformance Test User',
    mailNickname: alias,
    userPrincipalName: `${alias}@${target.domains.managed}`,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: strongPassword() },
    ...overrides,
  } as Record<string, unknown> & { userPrincipalName: string; mailNickname: string };
}

/** GraphError-like fields the SDK throws. */
export interface SdkGraphError {
  statusCode: number;
  code: string;
  message: string;
  requestId: string | null;
  body: string;
  headers?: Headers;
}

export async function graphFailure(promise: Promise<unknown>): Promise<SdkGraphError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkGraphError;
  }
  throw new Error('expected the Graph call to fail');
}

/** The token endpoint's answer, raw: a user's sign-in is a form POST (v2-oauth-ropc.md). */
export async function tokenRequest(target: ConformanceTarget, fields: Record<string, string>): Promise<{ status: number; body: Json }> {
  const authority = target.authorityHost ?? 'https://login.microsoftonline.com';
  const response = await fetch(`${authority}/${target.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: await response.json() };
}

/** A user's sign-in with a password through the public client (ROPC). */
export function signInWithPassword(target: ConformanceTarget, username: string, password: string, scope = 'https://graph.microsoft.com/User.Read'): Promise<{ status: number; body: Json }> {
  return tokenRequest(target, { grant_type: 'password', client_id: target.publicClientId, username, password, scope });
}

/**
 * Retries a read until it passes: a real tenant's search index and replicas lag behind a write
 * (eventual consistency); the local tenant passes at once.
 */
export async function eventually<T>(target: ConformanceTarget, read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + (target.kind === 'real' ? 60_000 : 0);
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** What a conformance file works with: the target, the bot's Graph client, and users it creates. */
export interface ConformanceSession {
  readonly target: ConformanceTarget;
  readonly graph: Client;
  /** POST /users with newUserBody(overrides); deleted again after the file. */
  createUser(overrides?: Record<string, unknown>): Promise<Json>;
  /** A user the file made another way (an invited guest): deleted after the file too. */
  deleteAfterwards(userId: string): void;
}

/** Opens the target before the file's tests and deletes what they created after them. */
export function conformanceSession(): ConformanceSession {
  let opened: { target: ConformanceTarget; graph: Client } | undefined;
  const created: string[] = [];
  const current = (): { target: ConformanceTarget; graph: Client } => {
    if (!opened) throw new Error('the conformance target is not open yet (use it inside a test)');
    return opened;
  };
  beforeAll(async () => {
    const target = await openTarget();
    opened = { target, graph: graphClient(target) };
  });
  afterAll(async () => {
    if (!opened) return;
    for (const id of created) await opened.graph.api(`/users/${id}`).delete().catch(() => undefined);
    await opened.target.close();
  });
  return {
    get target() { return current().target; },
    get graph() { return current().graph; },
    deleteAfterwards: (userId) => {
      if (!created.includes(userId)) created.push(userId);
    },
    createUser: async (overrides = {}) => {
      const { target, graph } = current();
      const user = await graph.api('/users').post(newUserBody(target, overrides)) as Json;
      created.push(user.id);
      return user;
    },
  };
}
