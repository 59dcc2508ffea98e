/**
 * The BulkJobStore port over Azure Blob Storage. A job is a header blob, `bulks/<jobId>.json`
 * (everything but the rows, and how many rows and parts), and its rows in parts of ROWS_PER_PART,
 * `bulks/<jobId>/rows-<n>.json`. Every blob is written compare-and-set on its eTag (create with
 * If-None-Match: *, update with If-Match), so of two writers exactly one wins (the same
 * concurrency as requests). An update writes the header first, then only the parts holding rows
 * that changed: a run over 10,000 rows writes a few KB per batch of 20, not the whole job
 * (which made a run O(N²) in bytes written). The version a caller holds lists every eTag.
 *
 * The header's metadata, written by the same Put Blob, carries what the lists need (status,
 * lease, hashed requester, creation time), so listing never downloads a job. A job stored whole
 * in one blob (before parts) is read as it is and written in parts from its next update.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { BulkJob, BulkJobStore, BulkJobSummary, BulkRowRecord, StoredBulkJob } from '../onboarding/index.js';
import { statusCodeOf } from './reachability.js';
import { blobServiceOf, type StorageAccess } from './storage-account.js';

export type BlobBulkJobStoreOptions = StorageAccess & {
  readonly containerName: string;
  /** Rows per part blob (tests use small parts). */
  readonly rowsPerPart?: number;
};

const PREFIX = 'bulks/';
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** ~100 rows are ~70 KB of JSON: one part per write keeps a batch's writes small and a job's parts few. */
const ROWS_PER_PART = 100;
/** Parts read or written at once. */
const PART_LANES = 8;

const requesterHash = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

function safeId(jobId: string): string {
  if (!SAFE_JOB_ID.test(jobId) || jobId.includes('..')) throw new Error(`Not a bulk job id: ${JSON.stringify(jobId).slice(0, 80)}`);
  return jobId;
}
const headerName = (jobId: string): string => `${PREFIX}${safeId(jobId)}.json`;
const partName = (jobId: string, part: number): string => `${PREFIX}${safeId(jobId)}/rows-${part}.json`;

/** The header as stored: the job without its rows. */
type StoredHeader = Omit<BulkJob, 'rows'> & { readonly rowCount: number; readonly rowsPerPart: number; readonly rows?: readonly BulkRowRecord[] };

/** eTags of the header and of each part ('' for a part not written yet), and the job's rows per part: the caller's opaque version. */
interface Versions {
  readonly header: string;
  readonly parts: readonly string[];
  readonly perPart: number;
}
const encodeVersion = (v: Versions): string => JSON.stringify({ h: v.header, p: v.parts, n: v.perPart });
function decodeVersion(version: string): Versions | null {
  try {
    const { h, p, n } = JSON.parse(version) as { h?: unknown; p?: unknown; n?: unknown };
    if (typeof h !== 'string' || !Array.isArray(p) || !p.every((e) => typeof e === 'string') || typeof n !== 'number' || !(n >= 1)) return null;
    return { header: h, parts: p as string[], perPart: n };
  } catch {
    return null;
  }
}

export function createBlobBulkJobStore(options: BlobBulkJobStoreOptions): BulkJobStore & { ensureReady(): Promise<void> } {
  const container = blobServiceOf(options).getContainerClient(options.containerName);
  const rowsPerPart = options.rowsPerPart ?? ROWS_PER_PART;
  let ready: Promise<void> | undefined;
  const ensureReady = (): Promise<void> => {
    ready ??= container.createIfNotExists().then(() => undefined, (error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  const partsOf = (rowCount: number, perPart: number): number => Math.ceil(rowCount / perPart);

  /** Writes the header, then the given parts; null when a blob was changed by someone else (or is gone). */
  async function write(job: BulkJob, previous: Versions | null, changedRows: ReadonlySet<number> | undefined): Promise<Versions | null> {
    // A job keeps the part size it was first written with.
    const perPart = previous?.perPart ?? rowsPerPart;
    const count = partsOf(job.rows.length, perPart);
    const header: StoredHeader = { ...withoutRows(job), rowCount: job.rows.length, rowsPerPart: perPart };
    try {
      const headerTag = await upload(container, headerName(job.jobId), header, metadataOf(job), previous ? { ifMatch: previous.header } : { ifNoneMatch: '*' });
      const parts = [...(previous?.parts ?? [])];
      const due = new Set<number>();
      for (let part = 0; part < count; part += 1) if (!parts[part]) due.add(part); // never written (new job, or one stored whole)
      if (changedRows === undefined) for (let part = 0; part < count; part += 1) due.add(part);
      else for (const index of changedRows) due.add(Math.floor(index / perPart));
      await inLanes([...due].filter((part) => part < count), async (part) => {
        const rows = job.rows.slice(part * perPart, (part + 1) * perPart);
        parts[part] = await upload(container, partName(job.jobId, part), rows, {}, parts[part] ? { ifMatch: parts[part] } : { ifNoneMatch: '*' });
      });
      return { header: headerTag, parts: parts.slice(0, count), perPart };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 412 || status === 409 || status === 404) return null;
      throw error;
    }
  }

  async function get(jobId: string): Promise<StoredBulkJob | null> {
    await ensureReady();
    const header = await download<StoredHeader>(container, headerName(jobId));
    if (!header) return null;
    const { rows: wholeRows, rowCount, rowsPerPart: perPart, ...rest } = header.body;
    if (wholeRows) {
      // Stored whole, before parts: every part is written at the next update.
      return { job: { ...rest, rows: wholeRows } as BulkJob, version: encodeVersion({ header: header.etag, parts: [], perPart: rowsPerPart }) };
    }
    const count = partsOf(rowCount, perPart);
    const parts: Array<{ body: BulkRowRecord[]; etag: string } | null> = new Array<null>(count).fill(null);
    await inLanes(Array.from({ length: count }, (_, i) => i), async (part) => {
      parts[part] = await download<BulkRowRecord[]>(container, partName(jobId, part));
    });
    if (parts.some((p) => p === null)) throw new Error(`Bulk ${jobId} is missing a part of its rows`);
    const rows = parts.flatMap((p) => p!.body);
    return { job: { ...rest, rows } as BulkJob, version: encodeVersion({ header: header.etag, parts: parts.map((p) => p!.etag), perPart }) };
  }

  return {
    ensureReady,
    get,
    async create(job) {
      await ensureReady();
      const written = await write(job, null, undefined);
      return written ? { kind: 'created', version: encodeVersion(written) } : { kind: 'exists' };
    },
    async update(job, expectedVersion, changedRows) {
      await ensureReady();
      const previous = decodeVersion(expectedVersion);
      if (!previous) return { kind: 'conflict' };
      const written = await write(job, previous, changedRows);
      return written ? { kind: 'updated', version: encodeVersion(written) } : { kind: 'conflict' };
    },
    async listUnfinished() {
      await ensureReady();
      const found: BulkJobSummary[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const status = blob.metadata?.['status'];
        if (!isHeader(blob.name) || (status !== 'approved' && status !== 'running')) continue;
        const owner = blob.metadata?.['leaseowner'];
        const until = blob.metadata?.['leaseuntil'];
        found.push({ jobId: blob.name.slice(PREFIX.length, -'.json'.length), status, ...(owner && until ? { lease: { owner, until } } : {}) });
      }
      return found;
    },
    async countSentSince(requesterId, since) {
      await ensureReady();
      const hash = requesterHash(requesterId);
      let count = 0;
      for await (const blob of container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
        const created = blob.metadata?.['created'] ?? '';
        if (isHeader(blob.name) && blob.metadata?.['requester'] === hash && Date.parse(created) >= since.getTime()) count += 1;
      }
      return count;
    },
  };
}

const isHeader = (name: string): boolean => name.endsWith('.json') && !name.slice(PREFIX.length).includes('/');

function withoutRows(job: BulkJob): Omit<BulkJob, 'rows'> {
  const { rows: _rows, ...rest } = job;
  return rest;
}

/** What the lists read without downloading: status, lease, hashed requester, creation time (metadata names are lower case). */
function metadataOf(job: BulkJob): Record<string, string> {
  return {
    status: job.status, requester: requesterHash(job.requester.id), created: job.createdAt,
    ...(job.lease ? { leaseowner: job.lease.owner, leaseuntil: job.lease.until } : {}),
  };
}

async function upload(container: ContainerClient, name: string, body: unknown, metadata: Record<string, string>, conditions: { ifMatch?: string; ifNoneMatch?: string }): Promise<string> {
  const text = JSON.stringify(body);
  const response = await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
    blobHTTPHeaders: { blobContentType: 'application/json' }, metadata, conditions,
  });
  if (!response.etag) throw new Error(`Blob Storage returned no eTag for ${name}`);
  return response.etag;
}

async function download<T>(container: ContainerClient, name: string): Promise<{ body: T; etag: string } | null> {
  try {
    const response = await container.getBlockBlobClient(name).download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    if (!response.etag) throw new Error(`Blob Storage returned no eTag for ${name}`);
    return { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T, etag: response.etag };
  } catch (error) {
    if (statusCodeOf(error) === 404) return null;
    throw error;
  }
}

async function inLanes<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(PART_LANES, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}
