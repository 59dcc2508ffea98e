/**
 * The index of unfinished requests: one empty marker blob per request that may be
 * unfinished, `unfinished/<receivedAt>/<requestId>`, beside the request blobs in the same
 * container. It holds only requests that are (or were very recently) unfinished, so a
 * resume pass lists markers, not the whole history, and Find Blobs by Tags (which Azurite
 * stops after 5,000 blobs) is no longer involved.
 *
 * Crash consistency — never an unfinished request without a marker:
 *  - the store writes the marker BEFORE the record that makes a request unfinished (a new
 *    request, or a finished one reopened by a reissue); a crash in between leaves a marker
 *    without an unfinished record, which a pass removes;
 *  - nobody removes a marker on the hot path; a pass removes it once the record is final
 *    (or absent), the marker has not been written for `settleMs`, and only if the marker is
 *    still the version it listed (If-Match). A reissue rewrites the marker (new eTag) before
 *    it reopens the record, so a pass racing with it either fails its conditional delete or
 *    sees a marker too fresh to remove.
 * Several instances may run passes at once: each keeps its own cursor (a listing
 * continuation token) and takes a bounded batch per pass, oldest first, wrapping around.
 *
 * Requests stored before this index existed have no marker: the first pass of a container
 * without the `index-state/unfinished-v1` blob scans the request blobs once (listing with
 * their tags, 5,000 a page), writes markers for the unfinished ones, then writes that blob.
 * A container this code creates is marked migrated at once.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { finalStatuses, type OnboardingRecord, type StoredRequest } from '../onboarding/index.js';
import { UnreadableStoredRequestError } from './errors.js';
import { statusCodeOf } from './reachability.js';

const MARKER_PREFIX = 'unfinished/';
const MIGRATED_BLOB = 'index-state/unfinished-v1';
/** Parallel reads of the requests a batch names. */
const READ_CONCURRENCY = 8;
/** Listing pages are at most 5,000 blobs (the service's limit). */
export const MAX_UNFINISHED_BATCH = 5000;

export interface UnfinishedRequestIndexOptions {
  readonly container: ContainerClient;
  /** Reads one request (the store's get); throws UnreadableStoredRequestError for a damaged blob. */
  read(requestId: string): Promise<StoredRequest | null>;
  /** A marker younger than this is never removed (a create or reissue may be between its two writes). */
  readonly settleMs: number;
  /** The number of markers a pass reads when it names no limit. */
  readonly defaultBatchSize: number;
  /** Wall-clock time, compared with the service's Last-Modified (default: Date.now). */
  now?(): number;
}

/** What one batch found: the unfinished requests, the damaged blobs, and how much it looked at and tidied. */
export interface UnfinishedBatch {
  readonly requests: StoredRequest[];
  readonly unreadable: { readonly blobName: string; readonly error: UnreadableStoredRequestError }[];
  /** Markers read in this batch (at most the limit). */
  readonly examined: number;
  /** Markers of finished or vanished requests removed in this batch. */
  readonly removed: number;
}

export interface UnfinishedRequestIndex {
  /** Writes the request's marker (idempotent); call before the write that makes it unfinished. */
  enter(record: Pick<OnboardingRecord, 'requestId' | 'receivedAt'>): Promise<void>;
  /** The next `limit` markers after this instance's cursor, oldest first, wrapping round at the end. */
  nextBatch(limit?: number): Promise<UnfinishedBatch>;
  /** Marks a container this process has just created as needing no migration. */
  markMigrated(): Promise<void>;
}

export function markerName(record: Pick<OnboardingRecord, 'requestId' | 'receivedAt'>): string {
  // ISO 8601 sorts lexically = chronologically, so listing order is oldest first.
  return `${MARKER_PREFIX}${record.receivedAt.replace(/[^0-9A-Za-z.:-]/g, '_')}/${record.requestId}`;
}

export function createUnfinishedRequestIndex(options: UnfinishedRequestIndexOptions): UnfinishedRequestIndex {
  const { container } = options;
  const now = options.now ?? Date.now;
  let cursor: string | undefined;
  let migrated: Promise<void> | undefined;

  async function enter(record: Pick<OnboardingRecord, 'requestId' | 'receivedAt'>): Promise<void> {
    // Unconditional: a rewrite gives the marker a new eTag, which is what makes a racing pass's delete fail.
    await container.getBlockBlobClient(markerName(record)).upload('', 0);
  }

  async function markMigrated(): Promise<void> {
    await container.getBlockBlobClient(MIGRATED_BLOB).upload('', 0);
    migrated = Promise.resolve();
  }

  function ensureMigrated(): Promise<void> {
    migrated ??= migrate().catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    return migrated;
  }

  async function migrate(): Promise<void> {
    if (await container.getBlobClient(MIGRATED_BLOB).exists()) return;
    for await (const blob of container.listBlobsFlat({ prefix: 'requests/', includeTags: true })) {
      if (!blob.name.endsWith('.json') || blob.tags?.finished === 'yes') continue;
      const requestId = blob.name.slice('requests/'.length, -'.json'.length);
      const received = blob.tags?.received;
      if (received) {
        await enter({ requestId, receivedAt: received });
        continue;
      }
      // Untagged (written by hand or by a much older version): the body says.
      try {
        const stored = await options.read(requestId);
        if (stored && !finalStatuses.has(stored.record.status)) await enter(stored.record);
      } catch (error) {
        if (!(error instanceof UnreadableStoredRequestError)) throw error;
      }
    }
    await markMigrated();
  }

  async function nextBatch(limit = options.defaultBatchSize): Promise<UnfinishedBatch> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_UNFINISHED_BATCH) {
      throw new RangeError(`A batch of unfinished requests is 1 to ${MAX_UNFINISHED_BATCH} markers, not ${limit}`);
    }
    await ensureMigrated();
    const pages = container.listBlobsFlat({ prefix: MARKER_PREFIX }).byPage({ maxPageSize: limit, ...(cursor ? { continuationToken: cursor } : {}) });
    const page = (await pages.next()).value as { segment: { blobItems: MarkerItem[] }; continuationToken?: string } | undefined;
    const markers = page?.segment.blobItems.slice(0, limit) ?? [];
    // The next pass goes on from here; after the last page it starts again at the oldest.
    cursor = page?.continuationToken || undefined;

    const requests: StoredRequest[] = [];
    const unreadable: UnfinishedBatch['unreadable'][number][] = [];
    let removed = 0;
    for (let start = 0; start < markers.length; start += READ_CONCURRENCY) {
      await Promise.all(markers.slice(start, start + READ_CONCURRENCY).map(async (marker) => {
        const requestId = marker.name.slice(marker.name.lastIndexOf('/') + 1);
        let stored: StoredRequest | null;
        try {
          stored = await options.read(requestId);
        } catch (error) {
          if (!(error instanceof UnreadableStoredRequestError)) throw error;
          unreadable.push({ blobName: error.blobName, error });
          return;
        }
        if (stored && !finalStatuses.has(stored.record.status)) {
          requests.push(stored);
          return;
        }
        if (await removeIfSettled(marker)) removed += 1;
      }));
    }
    requests.sort((a, b) => (a.record.receivedAt < b.record.receivedAt ? -1 : a.record.receivedAt > b.record.receivedAt ? 1 : 0));
    return { requests, unreadable, examined: markers.length, removed };
  }

  /** Removes the marker of a finished or vanished request, unless it is fresh or was rewritten since it was listed. */
  async function removeIfSettled(marker: MarkerItem): Promise<boolean> {
    const written = marker.properties.lastModified.getTime();
    if (now() - written < options.settleMs) return false;
    try {
      await container.getBlobClient(marker.name).delete({ conditions: { ifMatch: marker.properties.etag } });
      return true;
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 404) return false; // rewritten by a reissue, or another pass was first
      throw error;
    }
  }

  return { enter, nextBatch, markMigrated };
}

interface MarkerItem {
  readonly name: string;
  readonly properties: { readonly lastModified: Date; readonly etag?: string };
}
