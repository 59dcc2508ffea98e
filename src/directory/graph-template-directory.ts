/**
 * The TemplateDirectory port over Microsoft Graph v1.0: groups found by the start of their name,
 * read by id (20 to a $batch), the organisation's subscriptions with their seats, the account
 * added to groups (POST /groups/{id}/members/$ref, 20 to a $batch) and a licence assigned
 * (POST /users/{id}/assignLicense). Reads go through the RetryHandler; changes are sent once and
 * answered part by part as outcomes — the domain decides whether to send again, since Graph's
 * answers say which parts ran (a member already there is a 400 it treats as success).
 *
 * Graph's answers, as the local tenant plays them and Microsoft documents them:
 *  - a member already there: 400 "One or more added object references already exist for the
 *    following modified properties: 'members'." (group-post-members);
 *  - a dynamic, mail-enabled security or role-assignable group (without
 *    RoleManagement.ReadWrite.Directory), or no GroupMember.ReadWrite.All: 403
 *    Authorization_RequestDenied, the same body for each — the domain reads the group to say which
 *    (https://learn.microsoft.com/troubleshoot/entra/entra-id/users-groups-entra-apis/authorization-requestdenied-403-error-add-user-group);
 *  - a group or an object that does not exist: 404 "Resource '{id}' does not exist…", naming which;
 *  - assignLicense: 400 "License assignment cannot be done for user with invalid usage location.",
 *    "Subscription with SKU {id} does not have any available licenses.", "License {id} does not
 *    correspond to a valid company License." (user-assignlicense; observed wordings).
 */
import { GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { Group, SubscribedSku as GraphSku, User } from '@microsoft/microsoft-graph-types';
import type {
  AssignLicenceOutcome, DirectoryGroup, GraphFacts, GroupAddOutcome, GroupKind, SubscribedSku, TemplateDirectory, UserLicences,
} from '../onboarding/index.js';
import { createGraphReads, odataString, sendBatchOnce, userPath, type BatchItemResponse, type GraphDirectoryOptions } from './graph-directory.js';
import { errorBody, isIdentityFailure, requestIdOf, retryAfterSeconds, toDirectoryError } from './graph-errors.js';

const MAX_BATCH = 20;
const GROUP_SELECT = 'id,displayName,groupTypes,securityEnabled,mailEnabled,isAssignableToRole,assignedLicenses';
const SKU_SELECT = 'skuId,skuPartNumber,prepaidUnits,consumedUnits,appliesTo,capabilityStatus';

/** A part of a $batch answer, with Graph's error body when it failed. */
type BatchPart = BatchItemResponse & { readonly body?: { readonly error?: { readonly code?: string; readonly message?: string } } & Record<string, unknown> };

export function createGraphTemplateDirectory(options: GraphDirectoryOptions): TemplateDirectory {
  const { client, read } = createGraphReads(options);
  const base = new URL(options.baseUrl);
  const timeoutMs = options.requestTimeoutMs ?? 30_000;

  /** One POST /$batch of changes, never resent by the transport: the parts say what ran. */
  const sendChanges = (requests: readonly object[]) => sendBatchOnce(client, requests, timeoutMs) as Promise<BatchPart[]>;

  return {
    async searchGroups(text, limit) {
      const page = await read('Find groups', () => client.api('/groups')
        .filter(encodeURIComponent(`startswith(displayName,${odataString(text)})`)).select(GROUP_SELECT).top(Math.max(1, Math.min(limit, 999))),
      (r) => r.get() as Promise<{ value?: Group[] }>);
      return (page.value ?? []).map(toGroup);
    },

    async readGroups(ids) {
      const found = new Map<string, DirectoryGroup | null>();
      for (let i = 0; i < ids.length; i += MAX_BATCH) {
        const chunk = ids.slice(i, i + MAX_BATCH);
        // Reads only: the RetryHandler may send the whole batch again.
        const answer = await read('Read groups', () => client.api('/$batch'), (r) => r.post({
          requests: chunk.map((id, n) => ({ id: String(n), method: 'GET', url: `/groups/${encodeURIComponent(id)}?$select=${GROUP_SELECT}` })),
        }) as Promise<{ responses?: BatchPart[] }>);
        chunk.forEach((id, n) => {
          const part = answer.responses?.find((p) => p.id === String(n));
          if (part?.status === 200) found.set(id, toGroup(part.body as Group));
          else if (part?.status === 404) found.set(id, null);
          else throw partFailure('Read groups', part);
        });
      }
      return found;
    },

    async listSubscribedSkus() {
      const page = await read('Read subscriptions', () => client.api('/subscribedSkus').select(SKU_SELECT), (r) => r.get() as Promise<{ value?: GraphSku[] }>);
      return (page.value ?? []).map(toSku);
    },

    async addToGroups(userId, groupIds) {
      if (groupIds.length > MAX_BATCH) throw new Error(`A batch takes at most ${MAX_BATCH} requests, not ${groupIds.length}`);
      const outcomes = new Map<string, GroupAddOutcome>();
      let responses: BatchPart[];
      try {
        responses = await sendChanges(groupIds.map((groupId, n) => ({
          id: String(n), method: 'POST', url: `/groups/${encodeURIComponent(groupId)}/members/$ref`, headers: { 'Content-Type': 'application/json' },
          body: { '@odata.id': `${base.origin}/v1.0/directoryObjects/${encodeURIComponent(userId)}` },
        })));
      } catch (error) {
        const whole = wholeBatchOutcome(error);
        for (const groupId of groupIds) outcomes.set(groupId, whole);
        return outcomes;
      }
      groupIds.forEach((groupId, n) => {
        const part = responses.find((p) => p.id === String(n));
        outcomes.set(groupId, part ? groupAddOutcome(part, groupId) : { kind: 'unavailable', detail: 'missing from the batch answer' });
      });
      return outcomes;
    },

    async assignLicence(userId, skuId) {
      try {
        await client.api(`${userPath(userId)}/assignLicense`)
          // Sent once: the step reads the user's licences before sending again.
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .option('signal', AbortSignal.timeout(timeoutMs))
          .post({ addLicenses: [{ skuId, disabledPlans: [] }], removeLicenses: [] });
        return { kind: 'assigned' };
      } catch (error) {
        return assignLicenceFailure(error);
      }
    },

    async readLicences(userId): Promise<UserLicences | null> {
      try {
        const user = await read('Read licences', () => client.api(userPath(userId)).select('assignedLicenses,licenseAssignmentStates'), (r) => r.get() as Promise<User>);
        return {
          assignedSkuIds: (user.assignedLicenses ?? []).map((l) => (l.skuId ?? '').toLowerCase()).filter(Boolean),
          states: (user.licenseAssignmentStates ?? []).map((s) => ({
            skuId: (s.skuId ?? '').toLowerCase(), assignedByGroup: s.assignedByGroup?.toLowerCase() ?? null, state: s.state ?? '', error: s.error ?? 'None',
          })),
        };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return null;
        throw error;
      }
    },
  };
}

/** How a person's membership of the group is managed (group resource: groupTypes, mailEnabled, securityEnabled, isAssignableToRole). */
export function groupKindOf(group: Pick<Group, 'groupTypes' | 'mailEnabled' | 'securityEnabled' | 'isAssignableToRole'>): GroupKind {
  const types = group.groupTypes ?? [];
  if (group.isAssignableToRole) return 'role-assignable';
  if (types.includes('DynamicMembership')) return 'dynamic';
  if (types.includes('Unified')) return 'microsoft365';
  // Mail-enabled security groups and distribution lists are read-only through Graph (managed in Exchange).
  if (group.mailEnabled) return 'other';
  return group.securityEnabled ? 'security' : 'other';
}

function toGroup(group: Group): DirectoryGroup {
  return {
    id: (group.id ?? '').toLowerCase(),
    displayName: group.displayName?.trim() || (group.id ?? ''),
    kind: groupKindOf(group),
    assignedSkuIds: (group.assignedLicenses ?? []).map((l) => (l.skuId ?? '').toLowerCase()).filter(Boolean),
  };
}

function toSku(sku: GraphSku): SubscribedSku {
  return {
    skuId: (sku.skuId ?? '').toLowerCase(),
    skuPartNumber: sku.skuPartNumber ?? '',
    enabledUnits: sku.prepaidUnits?.enabled ?? 0,
    consumedUnits: sku.consumedUnits ?? 0,
    appliesTo: sku.appliesTo ?? '',
    capabilityStatus: sku.capabilityStatus ?? '',
  };
}

function partFacts(part: BatchPart): GraphFacts & { retryAfterSeconds?: number } {
  const headers = new Headers(part.headers ?? {});
  const retryAfter = Number(headers.get('retry-after') ?? NaN);
  return {
    graphRequestId: headers.get('request-id') ?? undefined,
    detail: `${part.status ?? ''} ${part.body?.error?.code ?? ''}`.trim(),
    ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
  };
}

function groupAddOutcome(part: BatchPart, groupId: string): GroupAddOutcome {
  const status = part.status ?? 0;
  const facts = partFacts(part);
  const message = part.body?.error?.message ?? '';
  if (status >= 200 && status < 300) return { kind: 'added' };
  if (status === 400 && /already exist/i.test(message)) return { kind: 'already-member', ...facts };
  if (status === 403 || status === 401) return { kind: 'refused', reason: 'forbidden', ...facts };
  // The 404 names the object that is missing: the group, or the account (not on every replica yet).
  if (status === 404) return message.toLowerCase().includes(groupId.toLowerCase()) ? { kind: 'group-not-found', ...facts } : { kind: 'user-not-found', ...facts };
  if (status === 429) return { kind: 'throttled', ...facts };
  if (status >= 500) return { kind: 'unavailable', ...facts };
  return { kind: 'refused', reason: 'other', ...facts, detail: `${status} ${message}`.slice(0, 200) };
}

/** The whole $batch failed: throttled or unreachable (try again), or refused before any part ran. */
function wholeBatchOutcome(error: unknown): GroupAddOutcome {
  if (isIdentityFailure(error)) return { kind: 'refused', reason: 'forbidden', detail: 'the bot could not sign in' };
  if (!(error instanceof GraphError)) return { kind: 'unavailable', detail: error instanceof Error ? error.name : 'unknown failure' };
  const facts = { graphRequestId: requestIdOf(error), detail: `${error.statusCode} ${error.code ?? ''}`.trim() };
  if (error.statusCode === 429) return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), ...facts };
  if (error.statusCode === 401 || error.statusCode === 403) return { kind: 'refused', reason: 'forbidden', ...facts };
  if (error.statusCode >= 400 && error.statusCode < 500) return { kind: 'refused', reason: 'other', ...facts };
  return { kind: 'unavailable', ...facts };
}

function assignLicenceFailure(error: unknown): AssignLicenceOutcome {
  if (isIdentityFailure(error)) return { kind: 'refused', reason: 'forbidden', detail: 'the bot could not sign in' };
  if (!(error instanceof GraphError)) return { kind: 'unavailable', detail: error instanceof Error ? error.name : 'unknown failure' };
  const message = errorBody(error).message ?? error.message ?? '';
  const facts = { graphRequestId: requestIdOf(error), detail: message.slice(0, 200) };
  switch (error.statusCode) {
    case 400:
      if (/usage location/i.test(message)) return { kind: 'refused', reason: 'no-usage-location', ...facts };
      if (/available licen/i.test(message)) return { kind: 'refused', reason: 'no-seats', ...facts };
      if (/valid company license/i.test(message)) return { kind: 'refused', reason: 'unknown-sku', ...facts };
      return { kind: 'refused', reason: 'other', ...facts };
    case 401:
    case 403: return { kind: 'refused', reason: 'forbidden', ...facts };
    case 404: return { kind: 'user-not-found', ...facts };
    case 429: return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), ...facts };
    default: return { kind: 'unavailable', ...facts };
  }
}

/** A failed part of a read batch, as the domain's error (throttled, permission, unavailable), like a failed whole read. */
function partFailure(what: string, part: BatchPart | undefined): Error {
  const error = new GraphError(part?.status ?? 502, part?.body?.error?.message ?? `${what}: no answer`);
  error.code = part?.body?.error?.code ?? null;
  error.headers = new Headers(part?.headers ?? {});
  error.requestId = error.headers.get('request-id');
  return toDirectoryError(error, what);
}
