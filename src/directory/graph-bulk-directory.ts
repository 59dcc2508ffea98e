/**
 * The BulkDirectory port over Graph JSON batching: one POST /$batch carries up to 20
 * POST /users. The batch is never resent by the transport (RetryHandler off, like a single
 * POST /users): a resend after an applied-but-unanswered batch is how duplicates happen.
 * Each item's answer is classified like a single POST /users (classifyCreateFailure); a
 * throttled item keeps its own Retry-After, and the highest x-ms-throttle-limit-percentage
 * of the answer tells the runner how close it is to Entra's write budget. Manager links go the
 * same way, 20 PUT …/manager/$ref to a batch, and so do the reads that check a sheet's user
 * names before it is stored (20 GET /users?$filter to a batch).
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import type { User } from '@microsoft/microsoft-graph-types';
import {
  DirectoryError, type BulkCreateAnswer, type BulkCreateItem, type BulkDirectory, type BulkManagerAnswer, type BulkManagerLink, type BulkNameProbe, type BulkNamesAnswer,
  type CreateUserOutcome, type ManagerLinkOutcome, type NameHolder,
} from '../onboarding/index.js';
import { createGraphClient, namesUrl, sendBatchOnce, userReading, type BatchItemResponse, type GraphDirectoryOptions } from './graph-directory.js';
import { classifyCreateFailure, toDirectoryError } from './graph-errors.js';
import { newUserBody } from './new-user-body.js';

const MAX_ITEMS = 20;
/** Tries of a names check the directory could not answer (5xx, reset) before it gives up. */
const READ_ATTEMPTS = 3;

export function createGraphBulkDirectory(options: GraphDirectoryOptions): BulkDirectory {
  const client = createGraphClient(options);
  const base = new URL(options.baseUrl);
  const markerAttribute = `extensionAttribute${options.markerAttribute ?? 15}`;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;

  /** One POST /$batch, never resent by the transport: the caller decides what an unanswered batch means. */
  const sendBatch = (requests: readonly object[]) => sendBatchOnce(client, requests, timeoutMs);

  const { holdersOf } = userReading(markerAttribute);

  return {
    async checkNames(probes: readonly BulkNameProbe[]): Promise<BulkNamesAnswer> {
      if (probes.length > MAX_ITEMS) throw new Error(`A batch takes at most ${MAX_ITEMS} requests, not ${probes.length}`);
      let responses: BatchItemResponse[] = [];
      for (let attempt = 1; ; attempt += 1) {
        try {
          // Reads: sending the batch again is safe.
          responses = await sendBatch(probes.map((probe) => ({ id: probe.key, method: 'GET', url: namesUrl(probe) })));
          break;
        } catch (error) {
          const failure = toDirectoryError(error, 'Check user names');
          if (attempt >= READ_ATTEMPTS || failure.code !== 'DIRECTORY_UNAVAILABLE') throw failure;
          await sleep(2 ** attempt * 500);
        }
      }
      const holders: Record<string, readonly NameHolder[]> = {};
      const throttled: Record<string, number | undefined> = {};
      let limitPercentage: number | undefined;
      for (const probe of probes) {
        const part = responses.find((response) => response.id === probe.key);
        const status = part?.status ?? 502;
        const headers = new Headers(part?.headers ?? {});
        const percentage = Number(headers.get('x-ms-throttle-limit-percentage') ?? NaN);
        if (Number.isFinite(percentage)) limitPercentage = Math.max(limitPercentage ?? 0, percentage);
        if (status === 200) holders[probe.key] = holdersOf((part?.body as { value?: User[] } | undefined)?.value ?? [], probe);
        // Each part is throttled on its own (https://learn.microsoft.com/graph/throttling#throttling-and-batching): the caller sends it again after its wait.
        else if (status === 429) throttled[probe.key] = Number(headers.get('retry-after') ?? NaN) || undefined;
        else {
          const code = status === 401 || status === 403 ? 'PERMISSION_MISSING' : status >= 500 ? 'DIRECTORY_UNAVAILABLE' : 'UNEXPECTED';
          throw new DirectoryError(code, `Check user names: ${status}`, { status, graphRequestId: headers.get('request-id') ?? undefined, permission: 'User.Read.All' });
        }
      }
      return { holders, throttled, throttleLimitPercentage: limitPercentage };
    },

    async createUsers(items: readonly BulkCreateItem[]): Promise<BulkCreateAnswer> {
      if (items.length > MAX_ITEMS) throw new Error(`A batch takes at most ${MAX_ITEMS} requests, not ${items.length}`);
      const requests = items.map((item) => ({
        id: item.key, method: 'POST', url: '/users', headers: { 'Content-Type': 'application/json' }, body: userBody(item, markerAttribute),
      }));
      let responses: BatchItemResponse[];
      try {
        responses = await sendBatch(requests);
      } catch (error) {
        // The whole batch failed: refused before anything ran (429, 4xx) or unknown (5xx, reset, timeout).
        const outcome = classifyCreateFailure(error);
        const whole: CreateUserOutcome = outcome.kind === 'throttled' || outcome.kind === 'rejected' ? outcome : { kind: 'ambiguous', ...facts(outcome) };
        return { outcomes: Object.fromEntries(items.map((item) => [item.key, whole])) };
      }
      const outcomes: Record<string, CreateUserOutcome> = {};
      let limitPercentage: number | undefined;
      for (const response of responses) {
        if (response.id === undefined) continue;
        const headers = new Headers(response.headers ?? {});
        const percentage = Number(headers.get('x-ms-throttle-limit-percentage') ?? NaN);
        if (Number.isFinite(percentage)) limitPercentage = Math.max(limitPercentage ?? 0, percentage);
        outcomes[response.id] = itemOutcome(response, headers);
      }
      // An item the answer does not mention may or may not have run.
      for (const item of items) outcomes[item.key] ??= { kind: 'ambiguous', detail: 'missing from the batch answer' };
      return { outcomes, throttleLimitPercentage: limitPercentage };
    },

    async setManagers(links: readonly BulkManagerLink[]): Promise<BulkManagerAnswer> {
      if (links.length > MAX_ITEMS) throw new Error(`A batch takes at most ${MAX_ITEMS} requests, not ${links.length}`);
      const requests = links.map((link) => ({
        id: link.key, method: 'PUT', url: `/users/${encodeURIComponent(link.userId)}/manager/$ref`, headers: { 'Content-Type': 'application/json' },
        body: { '@odata.id': `${base.origin}/v1.0/users/${encodeURIComponent(link.managerId)}` },
      }));
      let responses: BatchItemResponse[];
      try {
        // A reference PUT is idempotent, but the runner decides when to send again (after Retry-After), not the transport.
        responses = await sendBatch(requests);
      } catch (error) {
        const outcome = classifyCreateFailure(error);
        // Throttled, or unknown (5xx, reset, timeout: a reference PUT may be sent again): try again later. Refused: failed.
        const whole: ManagerLinkOutcome = outcome.kind === 'throttled' ? { kind: 'throttled', retryAfterSeconds: outcome.retryAfterSeconds }
          : outcome.kind === 'ambiguous' ? { kind: 'throttled', retryAfterSeconds: 2 }
            : { kind: 'failed', ...facts(outcome) };
        return { outcomes: Object.fromEntries(links.map((link) => [link.key, whole])) };
      }
      const outcomes: Record<string, ManagerLinkOutcome> = {};
      let limitPercentage: number | undefined;
      for (const response of responses) {
        if (response.id === undefined) continue;
        const headers = new Headers(response.headers ?? {});
        const percentage = Number(headers.get('x-ms-throttle-limit-percentage') ?? NaN);
        if (Number.isFinite(percentage)) limitPercentage = Math.max(limitPercentage ?? 0, percentage);
        const status = response.status ?? 0;
        if (status >= 200 && status < 300) outcomes[response.id] = { kind: 'set' };
        else if (status === 429 || status === 503) outcomes[response.id] = { kind: 'throttled', retryAfterSeconds: Number(headers.get('retry-after') ?? NaN) || undefined };
        else {
          const code = (response.body as { error?: { code?: string } } | undefined)?.error?.code;
          outcomes[response.id] = { kind: 'failed', detail: `${status} ${code ?? ''}`.trim(), graphRequestId: headers.get('request-id') ?? undefined };
        }
      }
      for (const link of links) outcomes[link.key] ??= { kind: 'throttled', retryAfterSeconds: 1 };
      return { outcomes, throttleLimitPercentage: limitPercentage };
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function itemOutcome(response: BatchItemResponse, headers: Headers): CreateUserOutcome {
  const status = response.status ?? 0;
  if (status === 201 || status === 200) {
    const user = (response.body ?? {}) as User;
    return { kind: 'created', user: { id: user.id ?? '', userPrincipalName: user.userPrincipalName ?? '' } };
  }
  // The item's answer as the error a single POST /users would have thrown, classified the same way.
  const body = response.body as { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  const error = new GraphError(status, body?.error?.message ?? `status ${status}`);
  error.code = body?.error?.code ?? null;
  error.body = JSON.stringify(body?.error ?? {});
  error.headers = headers;
  error.requestId = headers.get('request-id');
  return classifyCreateFailure(error);
}

function facts(outcome: CreateUserOutcome): { graphRequestId?: string | undefined; detail?: string | undefined } {
  return outcome.kind === 'created' ? {} : { graphRequestId: outcome.graphRequestId, detail: outcome.detail };
}

function userBody(item: BulkCreateItem, markerAttribute: string): User {
  return newUserBody(item.draft, item.password, item.marker, markerAttribute);
}
