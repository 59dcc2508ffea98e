/**
 * The RequestStore port over Azure Blob Storage: one JSON blob per request,
 * `requests/<requestId>.json`, whose eTag is the version.
 *
 * Concurrency is the service's, not ours: `create` is Put Blob with If-None-Match: *,
 * `update` is Put Blob with If-Match: <eTag>, so of two writers starting from the same
 * version (two turns in one process, or two instances) exactly one wins and the other is
 * told `conflict`. Nothing is read-modify-written in memory.
 *
 * Unfinished requests (for the resume pass) are found through their own index of marker
 * blobs, unfinished-request-index.ts: the marker is written before the record that makes a
 * request unfinished, and removed by a pass once the request is final.
 *
 * The other lists use blob index tags written by the SAME Put Blob as the body (so a tag can never
 * describe another version than the body it sits on):
 *   requester = sha256(requester id) (hex; no personal data in the index, always legal tag chars)
 *   finished  = 'yes' | 'no'        (status is final or not)
 *   received  = receivedAt (ISO 8601, sorts lexically = chronologically)
 *   status    = the status (for people browsing the account)
 *   ticket    = sha256(ticket reference, lower case) (a request asked for again under the same ticket)
 * Find Blobs by Tags then answers "this requester's requests" and "this ticket's requests"
 * without listing or downloading the whole container (the `finished` tag is kept for people
 * browsing the account; Azurite's tag query stops after 5,000 blobs, so resume does not use it). The index is eventually consistent
 * in Azure (seconds), so every hit is downloaded and re-checked against its body; a request
 * changed in the last moments may be missing from a list but is never wrongly in it.
 * (Alternative considered: a second "by-requester/" marker blob per request — two writes
 * that a crash can separate; worth it for "unfinished" only, whose answer must be complete.)
 * Blob index tags need a general-purpose v2 account without hierarchical namespace.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient, Tags } from '@azure/storage-blob';
import {
  finalStatuses, reopeningStatuses, type OnboardingRecord, type OnboardingStatus, type RequestStore, type StoredRequest,
} from '../onboarding/index.js';
import { InvalidRequestIdError, UnreadableStoredRequestError } from './errors.js';
import { describeStorageFailure, statusCodeOf, type StorageReachability } from './reachability.js';
import { blobServiceOf, type StorageAccess } from './storage-account.js';
import { createUnfinishedRequestIndex, type UnfinishedBatch } from './unfinished-request-index.js';

/** A connection string (Azurite's in tests and `npm start`) or the account as a managed identity, and the container. */
export type BlobRequestStoreOptions = StorageAccess & {
  /** Lowercase letters, digits and hyphens, 3–63 characters; created if missing. */
  readonly containerName: string;
  /** Unfinished requests a resume pass reads when it names no limit (default 200). */
  readonly resumeBatchSize?: number | undefined;
  /** A marker of the unfinished index younger than this is never removed (default 2 minutes: a step's lease). */
  readonly unfinishedSettleMs?: number | undefined;
};

/** A stored blob that could not be read as a request; lists report it instead of failing. */
export interface UnreadableRequest {
  readonly blobName: string;
  readonly error: UnreadableStoredRequestError;
}

/** What a list found: readable requests newest first, and the blobs that could not be read. */
export interface RequestListing {
  readonly requests: StoredRequest[];
  readonly unreadable: UnreadableRequest[];
}

export interface BlobRequestStore extends RequestStore {
  /** Creates the container if it is missing; once per store (later calls share the result). */
  ensureReady(): Promise<void>;
  /** Whether Blob Storage answers, for the health endpoint; never throws. */
  checkReachable(options?: { readonly timeoutMs?: number }): Promise<StorageReachability>;
  /** The requester's requests, newest (receivedAt) first, at most `limit` (1–1000). */
  listByRequester(requesterId: string, limit: number): Promise<RequestListing>;
  /** Requests under this ticket reference (any case), newest first, at most `limit` (1–1000). */
  findByTicketReference(ticketReference: string, limit: number): Promise<RequestListing>;
  /**
   * The next batch of the unfinished index (at most `limit` markers, default resumeBatchSize),
   * continuing where this store's previous call stopped and starting again after the last:
   * the unfinished requests among them, oldest first; markers of finished requests are removed.
   */
  listUnfinished(options?: { readonly limit?: number }): Promise<RequestListing & Pick<UnfinishedBatch, 'examined' | 'removed'>>;
}

const REQUEST_PREFIX = 'requests/';
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_LIST_LIMIT = 1000;
/** Parallel downloads when a list materialises its hits. */
const DOWNLOAD_CONCURRENCY = 8;

const knownStatuses: Record<OnboardingStatus, true> = {
  received: true, validated: true, checked: true, awaiting_approval: true, approved: true, creating: true,
  created: true, delivering: true, delivered: true, done: true, rejected: true, failed: true, reissuing: true,
};

/** True when `requestId` can name a request blob (no path characters, no dot-dot, ≤ 128). */
export function isSafeRequestId(requestId: string): boolean {
  return typeof requestId === 'string' && SAFE_REQUEST_ID.test(requestId) && !requestId.includes('..');
}

export function requestBlobName(requestId: string): string {
  if (!isSafeRequestId(requestId)) throw new InvalidRequestIdError(String(requestId));
  return `${REQUEST_PREFIX}${requestId}.json`;
}

/** The index tag identifying a requester: a hash, so the index holds no personal data. */
export function requesterTag(requesterId: string): string {
  return createHash('sha256').update(requesterId, 'utf8').digest('hex');
}

/** The index tag of a ticket reference: a hash, so any reference fits the tag alphabet. */
export function ticketTag(ticketReference: string): string {
  return createHash('sha256').update(ticketReference.trim().toLowerCase(), 'utf8').digest('hex');
}

export function createBlobRequestStore(options: BlobRequestStoreOptions): BlobRequestStore {
  const service = blobServiceOf(options);
  const container = service.getContainerClient(options.containerName);
  const unfinished = createUnfinishedRequestIndex({
    container,
    read: get,
    settleMs: options.unfinishedSettleMs ?? 120_000,
    defaultBatchSize: options.resumeBatchSize ?? 200,
  });
  let ready: Promise<void> | undefined;

  function ensureReady(): Promise<void> {
    ready ??= container.createIfNotExists().then(
      // A container created here holds no request from before the unfinished index.
      async (created) => { if (created.succeeded) await unfinished.markMigrated(); },
      (error: unknown) => {
        ready = undefined; // let the next call try again rather than caching an outage
        throw error;
      },
    );
    return ready;
  }

  async function get(requestId: string): Promise<StoredRequest | null> {
    const blobName = requestBlobName(requestId);
    await ensureReady();
    return download(container, blobName, requestId);
  }

  async function create(record: OnboardingRecord): ReturnType<RequestStore['create']> {
    const blobName = requestBlobName(record.requestId);
    await ensureReady();
    if (!finalStatuses.has(record.status)) await unfinished.enter(record);
    try {
      const version = await upload(container, blobName, record, { ifNoneMatch: '*' });
      return { kind: 'created', version };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== 409 && status !== 412) throw error;
      const existing = await download(container, blobName, record.requestId);
      // Requests are never deleted, so a taken name that is gone again is a real anomaly.
      if (!existing) throw new Error(`Request blob "${blobName}" was reported as existing but could not be read back`);
      return { kind: 'exists', existing };
    }
  }

  async function update(record: OnboardingRecord, expectedVersion: string): ReturnType<RequestStore['update']> {
    const blobName = requestBlobName(record.requestId);
    await ensureReady();
    // Leaving a final status: indexed as unfinished before the record says so.
    if (reopeningStatuses.has(record.status)) await unfinished.enter(record);
    try {
      const version = await upload(container, blobName, record, { ifMatch: expectedVersion });
      return { kind: 'updated', version };
    } catch (error) {
      // 412: someone else wrote since `expectedVersion`; 404: there is nothing to compare with.
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) return { kind: 'conflict' };
      throw error;
    }
  }

  async function listByRequester(requesterId: string, limit: number): Promise<RequestListing> {
    checkLimit(limit);
    await ensureReady();
    const where = `requester = '${requesterTag(requesterId)}' AND received >= '0'`;
    return listByTags(container, where, limit, (record) => record.requester.id === requesterId);
  }

  async function findByTicketReference(ticketReference: string, limit: number): Promise<RequestListing> {
    checkLimit(limit);
    await ensureReady();
    const tag = ticketTag(ticketReference);
    return listByTags(container, `ticket = '${tag}' AND received >= '0'`, limit,
      (record) => record.form.ticketReference !== undefined && ticketTag(record.form.ticketReference) === tag);
  }

  async function listUnfinished(listOptions: { readonly limit?: number } = {}): ReturnType<BlobRequestStore['listUnfinished']> {
    await ensureReady();
    return unfinished.nextBatch(listOptions.limit);
  }

  async function checkReachable(check: { readonly timeoutMs?: number } = {}): Promise<StorageReachability> {
    try {
      await container.getProperties({ abortSignal: AbortSignal.timeout(check.timeoutMs ?? 5000) });
      return { reachable: true };
    } catch (error) {
      // A missing container still means the service answered; ensureReady creates it on first use.
      if (statusCodeOf(error) === 404) return { reachable: true };
      return { reachable: false, reason: describeStorageFailure(error) };
    }
  }

  return { get, create, update, ensureReady, checkReachable, listByRequester, findByTicketReference, listUnfinished };
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new RangeError(`A list limit must be an integer from 1 to ${MAX_LIST_LIMIT}, not ${limit}`);
  }
}

function indexTags(record: OnboardingRecord): Tags {
  return {
    requester: requesterTag(record.requester.id),
    finished: finalStatuses.has(record.status) ? 'yes' : 'no',
    // Tag values allow letters, digits, space and + - . / : = _ only; an ISO time fits.
    received: record.receivedAt.replace(/[^A-Za-z0-9 +\-./:=_]/g, '_').slice(0, 256),
    status: record.status,
    ...(record.form.ticketReference ? { ticket: ticketTag(record.form.ticketReference) } : {}),
  };
}

async function upload(
  container: ContainerClient, blobName: string, record: OnboardingRecord, conditions: { ifMatch?: string; ifNoneMatch?: string },
): Promise<string> {
  const body = JSON.stringify(record);
  const response = await container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body, 'utf8'), {
    conditions,
    tags: indexTags(record),
    blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
  });
  if (!response.etag) throw new Error(`Blob Storage stored "${blobName}" without returning an eTag`);
  return response.etag;
}

async function download(container: ContainerClient, blobName: string, requestId: string): Promise<StoredRequest | null> {
  let text: string;
  let version: string | undefined;
  try {
    // One GET: the body and the eTag describe the same version.
    const response = await container.getBlobClient(blobName).download(0);
    version = response.etag;
    text = await readAll(response.readableStreamBody);
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw error;
  }
  if (!version) throw new Error(`Blob Storage returned "${blobName}" without an eTag`);
  return { record: parseRecord(container.containerName, blobName, requestId, text), version };
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks the shape the workflow relies on; a damaged blob becomes a named error, not a TypeError later. */
function parseRecord(containerName: string, blobName: string, requestId: string, text: string): OnboardingRecord {
  const unreadable = (reason: string) => new UnreadableStoredRequestError(containerName, blobName, reason);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unreadable(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unreadable('not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.requestId !== requestId) throw unreadable(`its requestId is not "${requestId}"`);
  if (typeof record.status !== 'string' || !Object.hasOwn(knownStatuses, record.status)) throw unreadable('unknown status');
  const requester = record.requester as Record<string, unknown> | null | undefined;
  if (typeof requester !== 'object' || requester === null || typeof requester.id !== 'string') throw unreadable('no requester id');
  for (const field of ['correlationId', 'receivedAt', 'updatedAt'] as const) {
    if (typeof record[field] !== 'string') throw unreadable(`no ${field}`);
  }
  for (const field of ['fieldProblems', 'alternatives', 'warnings'] as const) {
    if (!Array.isArray(record[field])) throw unreadable(`${field} is not a list`);
  }
  if (typeof record.form !== 'object' || record.form === null) throw unreadable('no form');
  return value as OnboardingRecord;
}

async function listByTags(
  container: ContainerClient, where: string, limit: number, stillMatches: (record: OnboardingRecord) => boolean,
): Promise<RequestListing> {
  const hits: { name: string; received: string }[] = [];
  for await (const blob of container.findBlobsByTags(where)) {
    if (blob.name.startsWith(REQUEST_PREFIX) && blob.name.endsWith('.json')) {
      hits.push({ name: blob.name, received: blob.tags?.received ?? '' });
    }
  }
  hits.sort((a, b) => (a.received < b.received ? 1 : a.received > b.received ? -1 : 0));

  const requests: StoredRequest[] = [];
  const unreadable: UnreadableRequest[] = [];
  // Download in batches; stale index hits are dropped, so keep going until `limit` real ones.
  for (let start = 0; start < hits.length && requests.length < limit; start += DOWNLOAD_CONCURRENCY) {
    const batch = hits.slice(start, start + DOWNLOAD_CONCURRENCY);
    const results = await Promise.all(batch.map(async ({ name }) => {
      const requestId = name.slice(REQUEST_PREFIX.length, -'.json'.length);
      try {
        return { name, stored: await download(container, name, requestId) };
      } catch (error) {
        if (error instanceof UnreadableStoredRequestError) return { name, error };
        throw error;
      }
    }));
    for (const result of results) {
      if (result.error) unreadable.push({ blobName: result.name, error: result.error });
      else if (result.stored && stillMatches(result.stored.record) && requests.length < limit) requests.push(result.stored);
    }
  }
  // The tag is a hint; order by the bodies themselves.
  requests.sort((a, b) => (a.record.receivedAt < b.record.receivedAt ? 1 : a.record.receivedAt > b.record.receivedAt ? -1 : 0));
  return { requests, unreadable };
}
