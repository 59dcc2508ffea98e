/**
 * The conformance target: the local tenant (default, started in-process on a free port,
 * in memory) or a real Entra tenant when CONFORMANCE_TARGET=real. The same tests run
 * against both; only URLs, credentials and fixture ids differ.
 */
import { randomBytes } from 'node:crypto';
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { startLocalTenant, type LocalTenant, type LocalTenantOptions } from '../../src/local-tenant/server.js';

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
  /** The bot's app (User.ReadWrite.All, GroupMember.Read.All, Domain.Read.All, UserAuthenticationMethod.ReadWrite.All). */
  bot: AppUnderTest & { certificatePath: string };
  /** An app with User.Read.All only. */
  reader: AppUnderTest;
  domains: { managed: string; initial: string; federated: string; unverified: string };
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
      domains: {
        managed: required('CONFORMANCE_DOMAIN'),
        initial: required('CONFORMANCE_INITIAL_DOMAIN'),
        federated: required('CONFORMANCE_FEDERATED_DOMAIN'),
        unverified: required('CONFORMANCE_UNVERIFIED_DOMAIN'),
      },
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

/** Always the local tenant (for what only it has: faults, throttling knobs, inspection, restarts). */
export async function localTarget(options: LocalTenantOptions = {}): Promise<ConformanceTarget & { local: LocalTenant }> {
  const local = await startLocalTenant({ port: 0, stateDir: null, ...options });
  const reader = local.apps.find((app) => app.displayName === 'Directory Reader (local)');
  if (!reader) throw new Error('seed has no Directory Reader app');
  return {
    kind: 'local',
    tenantId: local.tenantId,
    authorityHost: local.authorityHost,
    graphBaseUrl: local.graphBaseUrl,
    bot: { clientId: local.app.clientId, clientSecret: local.app.clientSecret, certificatePath: local.app.certificatePath },
    reader: { clientId: reader.clientId, clientSecret: reader.clientSecret },
    domains: { managed: 'contoso.com', initial: 'contoso.onmicrosoft.com', federated: 'fabrikam.com', unverified: 'northwind.example' },
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
