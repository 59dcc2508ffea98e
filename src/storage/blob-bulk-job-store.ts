/**
 * The BulkJobStore port over Azure Blob Storage: one JSON blob per bulk, `bulks/<jobId>.json`,
 * whose eTag is the version — create is Put Blob with If-None-Match: *, update with
 * If-Match: <eTag>, so of two writers exactly one wins (the same concurrency as requests).
 * The blob's metadata, written by the same Put Blob, carries what the lists need (status,
 * hashed requester, creation time), so listing never downloads a 1,000-row job to count it.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { BulkJob, BulkJobStore, StoredBulkJob } from '../onboarding/index.js';
import { statusCodeOf } from './reachability.js';
import { blobServiceOf, type StorageAccess } from './storage-account.js';

export type BlobBulkJobStoreOptions = StorageAccess & {
  readonly containerName: string;
};

const PREFIX = 'bulks/';
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const requesterHash = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

function blobName(jobId: string): string {
  if (!SAFE_JOB_ID.test(jobId) || jobId.includes('..')) throw new Error(`Not a bulk job id: ${JSON.stringify(jobId).slice(0, 80)}`);
  return `${PREFIX}${jobId}.json`;
}

export function createBlobBulkJobStore(options: BlobBulkJobStoreOptions): BulkJobStore & { ensureReady(): Promise<void> } {
  const container = blobServiceOf(options).getContainerClient(options.containerName);
  let ready: Promise<void> | undefined;
  const ensureReady = (): Promise<void> => {
    ready ??= container.createIfNotExists().then(() => undefined, (error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  async function get(jobId: string): Promise<StoredBulkJob | null> {
    const name = blobName(jobId);
    await ensureReady();
    return download(container, name);
  }

  return {
    ensureReady,
    get,
    async create(job) {
      await ensureReady();
      try {
        return { kind: 'created', version: await upload(container, job, { ifNoneMatch: '*' }) };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 409 || status === 412) return { kind: 'exists' };
        throw error;
      }
    },
    async update(job, expectedVersion) {
      await ensureReady();
      try {
        return { kind: 'updated', version: await upload(container, job, { ifMatch: expectedVersion }) };
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 412 || status === 404) return { kind: 'conflict' };
        throw error;
      }
    },
    async listUnfinished() {
      await ensureReady();
      const found: StoredBulkJob[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const status = blob.metadata?.['status'];
        if (status !== 'approved' && status !== 'running') continue;
        const stored = await download(container, blob.name);
        if (stored && (stored.job.status === 'approved' || stored.job.status === 'running')) found.push(stored);
      }
      return found;
    },
    async countSentSince(requesterId, since) {
      await ensureReady();
      const hash = requesterHash(requesterId);
      let count = 0;
      for await (const blob of container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const created = blob.metadata?.['created'] ?? '';
        if (blob.metadata?.['requester'] === hash && Date.parse(created) >= since.getTime()) count += 1;
      }
      return count;
    },
  };
}

async function upload(container: ContainerClient, job: BulkJob, conditions: { ifMatch?: string; ifNoneMatch?: string }): Promise<string> {
  const body = JSON.stringify(job);
  const response = await container.getBlockBlobClient(blobName(job.jobId)).upload(body, Buffer.byteLength(body), {
    blobHTTPHeaders: { blobContentType: 'application/json' },
    metadata: { status: job.status, requester: requesterHash(job.requester.id), created: job.createdAt },
    conditions,
  });
  if (!response.etag) throw new Error(`Blob Storage returned no eTag for bulk ${job.jobId}`);
  return response.etag;
}

async function download(container: ContainerClient, name: string): Promise<StoredBulkJob | null> {
  try {
    const response = await container.getBlockBlobClient(name).download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BulkJob;
    if (!response.etag) throw new Error(`Blob Storage returned no eTag for ${name}`);
    return { job, version: response.etag };
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw error;
  }
}
