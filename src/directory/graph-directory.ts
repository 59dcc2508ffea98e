/**
 * The Directory port over Microsoft Graph v1.0 with @microsoft/microsoft-graph-client and
 * an @azure/identity credential. Points at graph.microsoft.com or the local tenant.
 *
 * Retries: reads go through the client's RetryHandler (429/503/504, Retry-After honoured)
 * plus a retry on dropped connections. POST /users is sent with RetryHandlerOptions
 * maxRetries 0: the RetryHandler would otherwise resend a POST that the directory may
 * already have applied. Its failures come back as outcomes, and the workflow reconciles.
 */
import type { TokenCredential } from '@azure/identity';
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { Client, GraphError, RetryHandlerOptions, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { User } from '@microsoft/microsoft-graph-types';
import { newUserBody } from './new-user-body.js';
import { classifyCreateFailure, classifyTemporaryAccessPassFailure, isIdentityFailure, toDirectoryError } from './graph-errors.js';
import {
  DirectoryError, Secret, type CreateUserOutcome, type Directory, type DirectoryErrorCode, type DirectoryUser,
  type NameHolder, type NewAccountCheck, type NewAccountProbe,
  type PasswordResetOutcome, type TemporaryAccessPassOutcome, type TemporaryAccessPassRequest, type UserDraft, type VerifiedDomain,
} from '../onboarding/index.js';

export type GraphCredentialOptions =
  | { readonly kind: 'clientSecret'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'certificate'; readonly clientId: string; readonly certificatePath: string }
  | { readonly kind: 'managedIdentity'; readonly clientId?: string | undefined }
  /** A ready credential (tests, or a composition root with its own chain). */
  | { readonly kind: 'tokenCredential'; readonly credential: TokenCredential };

export interface GraphDirectoryOptions {
  /** https://graph.microsoft.com, or the local tenant's https://127.0.0.1:PORT. No version segment. */
  readonly baseUrl: string;
  readonly tenantId: string;
  readonly credential: GraphCredentialOptions;
  /** Entra authority for a non-public cloud or the local tenant (e.g. https://127.0.0.1:PORT). */
  readonly authorityHost?: string | undefined;
  /** Needed with a non-Microsoft authority: skips the instance discovery call. */
  readonly disableInstanceDiscovery?: boolean | undefined;
  /** onPremisesExtensionAttributes.extensionAttributeN that carries the onboarding marker (1–15). Default 15. */
  readonly markerAttribute?: number | undefined;
  /** Budget of one POST /users; one that times out is an ambiguous outcome. Default 30 s. */
  readonly requestTimeoutMs?: number | undefined;
  /** Budget of one read attempt including the RetryHandler's retries. Default 4 × requestTimeoutMs. */
  readonly readTimeoutMs?: number | undefined;
  /** RetryHandler base delay for reads without Retry-After, in seconds. Default 1. */
  readonly readRetryDelaySeconds?: number | undefined;
  /** RetryHandler for reads: attempts after the first (default 3) and the longest Retry-After waited (default 30 s). */
  readonly readRetries?: number | undefined;
  readonly maxRetryAfterSeconds?: number | undefined;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const USER_SELECT = 'id,userPrincipalName,displayName,mailNickname,onPremisesExtensionAttributes';

export function createCredential(options: Pick<GraphDirectoryOptions, 'tenantId' | 'credential' | 'authorityHost' | 'disableInstanceDiscovery'>): TokenCredential {
  const common = {
    ...(options.authorityHost ? { authorityHost: options.authorityHost } : {}),
    ...(options.disableInstanceDiscovery ? { disableInstanceDiscovery: true } : {}),
  };
  const c = options.credential;
  switch (c.kind) {
    case 'clientSecret': return new ClientSecretCredential(options.tenantId, c.clientId, c.clientSecret, common);
    case 'certificate': return new ClientCertificateCredential(options.tenantId, c.clientId, { certificatePath: c.certificatePath }, common);
    case 'managedIdentity': return c.clientId ? new ManagedIdentityCredential({ clientId: c.clientId }) : new ManagedIdentityCredential();
    case 'tokenCredential': return c.credential;
  }
}

/** A key usable in /users/{key}: '#' and friends percent-encoded, '$'-leading UPNs in the ('…') form. */
export function userPath(idOrUpn: string): string {
  const encoded = encodeURIComponent(idOrUpn).replace(/%40/g, '@').replace(/%24/g, '$');
  return idOrUpn.startsWith('$') ? `/users('${encoded.replace(/'/g, "''")}')` : `/users/${encoded}`;
}

/** A string literal inside $filter: quotes doubled. The whole filter is percent-encoded by `filterParam`. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function filterParam(filter: string): string {
  return encodeURIComponent(filter);
}

/**
 * Who holds a new account's names, in one read: its UPN, its mailNickname, or its UPN as an
 * smtp: address (all default-query clauses: no ConsistencyLevel needed).
 */
export function namesQuery({ userPrincipalName, mailNickname }: Pick<NewAccountProbe, 'userPrincipalName' | 'mailNickname'>): { filter: string; select: string } {
  return {
    filter: `userPrincipalName eq ${odataString(userPrincipalName)} or mailNickname eq ${odataString(mailNickname)}`
      + ` or proxyAddresses/any(p:p eq ${odataString(`smtp:${userPrincipalName}`)})`,
    select: `${USER_SELECT},proxyAddresses`,
  };
}

/** The same read as a relative URL, for a $batch part. */
export function namesUrl(probe: Pick<NewAccountProbe, 'userPrincipalName' | 'mailNickname'>): string {
  const { filter, select } = namesQuery(probe);
  return `/users?$filter=${filterParam(filter)}&$select=${select}&$top=10`;
}

/** How the directory's users read: with this bot's marker, and as holders of a new account's names. */
export function userReading(markerAttribute: string): {
  toUser(u: User): DirectoryUser;
  holdersOf(users: readonly User[], probe: Pick<NewAccountProbe, 'userPrincipalName' | 'mailNickname'>): NameHolder[];
} {
  const toUser = (u: User): DirectoryUser => ({
    id: u.id ?? '',
    userPrincipalName: u.userPrincipalName ?? '',
    displayName: u.displayName ?? undefined,
    mailNickname: u.mailNickname ?? undefined,
    marker: (u.onPremisesExtensionAttributes as Record<string, string | null> | null | undefined)?.[markerAttribute] ?? null,
  });
  const holdersOf = (users: readonly User[], { userPrincipalName, mailNickname }: Pick<NewAccountProbe, 'userPrincipalName' | 'mailNickname'>): NameHolder[] => {
    const same = (a: string | null | undefined, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
    return users.flatMap((u) => {
      const user = toUser(u);
      return [
        ...(same(u.userPrincipalName, userPrincipalName) ? [{ property: 'userPrincipalName' as const, user }] : []),
        ...(same(u.mailNickname, mailNickname) ? [{ property: 'mailNickname' as const, user }] : []),
        ...((u.proxyAddresses ?? []).some((a) => same(a, `smtp:${userPrincipalName}`)) ? [{ property: 'proxyAddresses' as const, user }] : []),
      ];
    });
  };
  return { toUser, holdersOf };
}

/** One answer inside a $batch response. */
interface BatchPart {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: (Record<string, unknown> & { error?: { code?: string; innerError?: Record<string, string> } }) | undefined;
}

/** A Graph v1.0 client for this tenant and credential; the token goes to the base URL's host only, over https. */
export function createGraphClient(options: Pick<GraphDirectoryOptions, 'baseUrl' | 'tenantId' | 'credential' | 'authorityHost' | 'disableInstanceDiscovery'>): Client {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'https:') throw new Error(`Graph base URL must be https (the client only sends tokens over https): ${options.baseUrl}`);
  const authProvider = new TokenCredentialAuthenticationProvider(createCredential(options), { scopes: [GRAPH_SCOPE] });
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: base.origin,
    defaultVersion: 'v1.0',
    // The bearer token is only attached to graph.microsoft.com and these hosts (no port).
    customHosts: new Set([base.hostname.toLowerCase()]),
  });
}

/**
 * A Graph client and how this adapter reads with it: the RetryHandler on (429/503/504, Retry-After
 * honoured up to maxRetryAfterSeconds, beyond that the caller hears THROTTLED), a fresh attempt
 * when the connection drops, and failures as the domain's DirectoryError. Shared by the adapters.
 */
export function createGraphReads(options: GraphDirectoryOptions): {
  readonly client: Client;
  readonly read: <T>(what: string, build: () => GraphRequest, send: (r: GraphRequest) => Promise<T>) => Promise<T>;
  readonly readRetry: () => RetryHandlerOptions;
} {
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const readTimeoutMs = options.readTimeoutMs ?? timeoutMs * 4;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 30;
  const client = createGraphClient(options);

  const readRetry = (): RetryHandlerOptions =>
    new RetryHandlerOptions(options.readRetryDelaySeconds ?? 1, options.readRetries ?? 3, (_delay, _attempt, _request, _options, response) => {
      // Waiting longer than we are prepared to is the workflow's call: surface THROTTLED instead.
      const retryAfter = Number((response as Response | undefined)?.headers?.get('retry-after') ?? '0');
      return !Number.isFinite(retryAfter) || retryAfter <= maxRetryAfter;
    });
  /** A read with the RetryHandler on, and a fresh attempt when the connection drops. */
  async function read<T>(what: string, build: () => GraphRequest, send: (r: GraphRequest) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        return await send(build().middlewareOptions([readRetry()]).option('signal', AbortSignal.timeout(readTimeoutMs)));
      } catch (error) {
        lastError = error;
        const dropped = error instanceof GraphError && error.statusCode === -1 && !isIdentityFailure(error);
        if (!dropped) break;
      }
    }
    throw toDirectoryError(lastError, what);
  }
  return { client, read, readRetry };
}

/** One answer inside a $batch of changes. */
export interface BatchItemResponse {
  readonly id?: string;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/**
 * One POST /$batch of changes, never resent by the transport (RetryHandler off): a resend after an
 * applied-but-unanswered batch is how duplicates happen; the caller reads the parts and decides.
 */
export async function sendBatchOnce(client: Client, requests: readonly object[], timeoutMs: number): Promise<BatchItemResponse[]> {
  const answer = (await client.api('/$batch')
    .middlewareOptions([new RetryHandlerOptions(0, 0)])
    .option('signal', AbortSignal.timeout(timeoutMs))
    .post({ requests })) as { responses?: BatchItemResponse[] };
  return answer.responses ?? [];
}

export function createGraphDirectory(options: GraphDirectoryOptions): Directory {
  const base = new URL(options.baseUrl);
  const baseUrl = base.origin;
  const markerAttribute = `extensionAttribute${options.markerAttribute ?? 15}`;
  if (!/^extensionAttribute([1-9]|1[0-5])$/.test(markerAttribute)) throw new Error('markerAttribute must be 1–15');
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const readTimeoutMs = options.readTimeoutMs ?? timeoutMs * 4;
  const { client, read, readRetry } = createGraphReads(options);

  const { toUser, holdersOf } = userReading(markerAttribute);

  /** A failed $batch part as the domain's typed error (the parts carry their own status and request-id). */
  const partError = (what: string, part: BatchPart): DirectoryError => {
    const status = part.status;
    const code: DirectoryErrorCode = status === 429 ? 'THROTTLED' : status === 401 || status === 403 ? 'PERMISSION_MISSING' : status >= 500 ? 'DIRECTORY_UNAVAILABLE' : 'UNEXPECTED';
    const header = (name: string) => Object.entries(part.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
    const retryAfter = Number(header('retry-after'));
    return new DirectoryError(code, `${what}: ${status} ${part.body?.error?.code ?? ''}`.trim(), {
      status, graphRequestId: header('request-id') ?? part.body?.error?.innerError?.['request-id'],
      retryAfterSeconds: Number.isFinite(retryAfter) && header('retry-after') !== undefined ? retryAfter : undefined, permission: 'User.ReadWrite.All',
    });
  };

  return {
    async listDomains(): Promise<VerifiedDomain[]> {
      const page = await read('List domains', () => client.api('/domains'), (r) => r.get() as Promise<{ value?: Array<Record<string, unknown>> }>);
      return (page.value ?? []).map((d) => ({
        name: String(d['id'] ?? ''),
        isDefault: d['isDefault'] === true,
        isVerified: d['isVerified'] === true,
        authenticationType: d['authenticationType'] === 'Federated' ? 'Federated' : 'Managed',
      }));
    },

    async findUserByUpn(userPrincipalName: string): Promise<DirectoryUser | null> {
      try {
        const user = await read('Read user', () => client.api(userPath(userPrincipalName)).select(USER_SELECT), (r) => r.get() as Promise<User>);
        return toUser(user);
      } catch (error) {
        if (error instanceof DirectoryError && error.status === 404) return null;
        throw error;
      }
    },

    async findUsersByDisplayName(displayName: string, limit: number): Promise<DirectoryUser[]> {
      const page = await read('Find users by name',
        () => client.api('/users').filter(filterParam(`displayName eq ${odataString(displayName)}`)).select(USER_SELECT).top(Math.max(1, Math.min(limit, 999))),
        (r) => r.get() as Promise<{ value?: User[] }>);
      return (page.value ?? []).map(toUser);
    },

    async checkNewAccount(probe: NewAccountProbe): Promise<NewAccountCheck> {
      // One $filter with `or` (all three are default-query clauses: no ConsistencyLevel needed),
      // so the check is one request and one throttling unit; a manager by user name rides along in a $batch.
      const { managerUpn } = probe;
      const { filter, select } = namesQuery(probe);
      if (managerUpn === undefined) {
        const page = await read('Check user names', () => client.api('/users').filter(filterParam(filter)).select(select).top(10),
          (r) => r.get() as Promise<{ value?: User[] }>);
        return { holders: holdersOf(page.value ?? [], probe) };
      }
      // Both parts are reads: the RetryHandler may resend the whole batch safely.
      const answer = await read('Check user names', () => client.api('/$batch'), (r) => r.post({
        requests: [
          { id: 'names', method: 'GET', url: namesUrl(probe) },
          { id: 'manager', method: 'GET', url: `${userPath(managerUpn)}?$select=${USER_SELECT}` },
        ],
      }) as Promise<{ responses?: BatchPart[] }>);
      const part = (id: string) => answer.responses?.find((p) => p.id === id);
      const names = part('names');
      const manager = part('manager');
      if (!names || names.status >= 400) throw partError('Check user names', names ?? { id: 'names', status: 502 });
      if (!manager || (manager.status >= 400 && manager.status !== 404)) throw partError('Read user', manager ?? { id: 'manager', status: 502 });
      return {
        holders: holdersOf((names.body as { value?: User[] } | undefined)?.value ?? [], probe),
        manager: manager.status === 404 ? null : toUser(manager.body as User),
      };
    },

    async createUser(draft: UserDraft, password: Secret, marker: string): Promise<CreateUserOutcome> {
      const body = newUserBody(draft, password, marker, markerAttribute);
      try {
        const created = (await client
          .api('/users')
          // Never resent by the transport: a resend after an applied-but-unanswered POST is how duplicates happen.
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .option('signal', AbortSignal.timeout(timeoutMs))
          .post(body)) as User;
        return { kind: 'created', user: { id: created.id ?? '', userPrincipalName: created.userPrincipalName ?? draft.userPrincipalName } };
      } catch (error) {
        return classifyCreateFailure(error);
      }
    },

    async setManager(userId: string, managerId: string) {
      try {
        await client
          .api(`${userPath(userId)}/manager/$ref`)
          .middlewareOptions([readRetry()]) // PUT of a reference is idempotent: retrying is safe
          .option('signal', AbortSignal.timeout(readTimeoutMs))
          .put({ '@odata.id': `${baseUrl}/v1.0/users/${encodeURIComponent(managerId)}` });
        return { kind: 'set' as const };
      } catch (error) {
        const e = toDirectoryError(error, 'Set manager');
        return { kind: 'failed' as const, graphRequestId: e.graphRequestId, detail: `${e.status ?? ''} ${e.code}`.trim() };
      }
    },

    async checkMemberGroups(userId: string, groupIds: readonly string[]): Promise<string[]> {
      const matches: string[] = [];
      for (let i = 0; i < groupIds.length; i += 20) {
        const chunk = groupIds.slice(i, i + 20);
        const result = await read('Check group membership', () => client.api(`${userPath(userId)}/checkMemberGroups`),
          (r) => r.post({ groupIds: chunk }) as Promise<{ value?: string[] }>);
        matches.push(...(result.value ?? []));
      }
      return matches;
    },

    async resetPassword(userId: string, password: Secret): Promise<PasswordResetOutcome> {
      try {
        // The same PATCH twice sets the same password: safe to retry.
        await read('Reset password', () => client.api(userPath(userId)),
          (r) => r.patch({ passwordProfile: { forceChangePasswordNextSignIn: true, password: password.reveal() } }) as Promise<unknown>);
        return { kind: 'reset' };
      } catch (error) {
        if (!(error instanceof DirectoryError)) throw error;
        if (error.status === 404) return { kind: 'rejected', reason: 'not-found', graphRequestId: error.graphRequestId };
        if (error.code === 'PERMISSION_MISSING') return { kind: 'rejected', reason: 'permission', graphRequestId: error.graphRequestId, detail: error.permission };
        if (error.status === 400) return { kind: 'rejected', reason: 'password', graphRequestId: error.graphRequestId };
        throw error;
      }
    },

    async issueTemporaryAccessPass(userId: string, request: TemporaryAccessPassRequest): Promise<TemporaryAccessPassOutcome> {
      try {
        const created = await client
          .api(`${userPath(userId)}/authentication/temporaryAccessPassMethods`)
          // Not resent by the transport: a second POST would make a second pass (and a user has at most one).
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .option('signal', AbortSignal.timeout(timeoutMs))
          .post({ ...(request.startDateTime ? { startDateTime: request.startDateTime } : {}), lifetimeInMinutes: request.lifetimeInMinutes, isUsableOnce: request.isUsableOnce }) as {
            temporaryAccessPass?: string; startDateTime?: string; lifetimeInMinutes?: number; isUsableOnce?: boolean;
          };
        if (!created.temporaryAccessPass) return { kind: 'refused', reason: 'other', detail: 'no pass in the answer' };
        return {
          kind: 'issued',
          pass: new Secret(created.temporaryAccessPass),
          startDateTime: created.startDateTime ?? request.startDateTime ?? new Date().toISOString(),
          lifetimeInMinutes: created.lifetimeInMinutes ?? request.lifetimeInMinutes,
          isUsableOnce: created.isUsableOnce ?? request.isUsableOnce,
        };
      } catch (error) {
        return classifyTemporaryAccessPassFailure(error);
      }
    },

    async removeTemporaryAccessPasses(userId: string): Promise<void> {
      const path = `${userPath(userId)}/authentication/temporaryAccessPassMethods`;
      const page = await read('List Temporary Access Passes', () => client.api(path), (r) => r.get() as Promise<{ value?: Array<{ id?: string }> }>);
      for (const method of page.value ?? []) {
        if (!method.id) continue;
        await read('Remove a Temporary Access Pass', () => client.api(`${path}/${encodeURIComponent(method.id!)}`), (r) => r.delete() as Promise<unknown>)
          .catch((error: unknown) => {
            if (!(error instanceof DirectoryError && error.status === 404)) throw error;
          });
      }
    },

    async groupMembers(groupId: string, limit: number) {
      try {
        const group = await read('Read group members', () => client.api(`/groups/${encodeURIComponent(groupId)}`).select('displayName'),
          (r) => r.get() as Promise<{ displayName?: string | null }>);
        // Direct members that are users (the cast segment leaves out nested groups and devices).
        const page = await read('Read group members', () => client.api(`/groups/${encodeURIComponent(groupId)}/members/microsoft.graph.user`)
          .select('id,userPrincipalName,displayName').top(limit), (r) => r.get() as Promise<{ value?: User[] }>);
        return { displayName: group.displayName?.trim() || groupId, members: (page.value ?? []).slice(0, limit).map(toUser) };
      } catch (error) {
        if (error instanceof DirectoryError && error.status === 404) return null;
        throw error;
      }
    },

    async groupDisplayName(groupId: string): Promise<string | null> {
      try {
        const group = await read('Read group name', () => client.api(`/groups/${encodeURIComponent(groupId)}`).select('displayName'),
          (r) => r.get() as Promise<{ displayName?: string | null }>);
        return typeof group.displayName === 'string' && group.displayName.trim() ? group.displayName.trim() : null;
      } catch (error) {
        if (error instanceof DirectoryError && error.status === 404) return null;
        throw error;
      }
    },
  };
}

