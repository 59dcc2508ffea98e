/**
 * The blob BulkJobStore against Azurite: compare-and-set, the unfinished list and the per-admin
 * count, and rows in parts so an update writes only the parts whose rows changed.
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, inject, it } from 'vitest';
import type { BulkJob, BulkRowRecord } from '../../src/onboarding/index.js';
import { createBlobBulkJobStore } from '../../src/storage/index.js';

const containerName = `bulks-${randomUUID().slice(0, 8)}`;
const store = createBlobBulkJobStore({ connectionString: inject('azuriteConnectionString'), containerName, rowsPerPart: 100 });
const container = () => BlobServiceClient.fromConnectionString(inject('azuriteConnectionString')).getContainerClient(containerName);

const aRow = (rowNumber: number): BulkRowRecord => ({
  rowNumber, recipient: { id: 'admin-1', name: 'Isaiah Langer' }, state: 'pending', attempts: 0, passwordAttempts: 0,
  request: {
    givenName: 'Ana', surname: `Ruiz${rowNumber}`, displayName: `Ana Ruiz${rowNumber}`, alias: `ana.ruiz${rowNumber}`, domain: 'contoso.com',
    userPrincipalName: `ana.ruiz${rowNumber}@contoso.com`, mailNickname: `ana.ruiz${rowNumber}`, usageLocation: 'US', ticketReference: 'REORG-1',
    businessJustification: 'Bulk onboarding under ticket REORG-1.',
  } as BulkRowRecord['request'],
});

/** The eTag of every blob of a job, by name. */
async function etagsOf(jobId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const blob of container().listBlobsFlat({ prefix: `bulks/${jobId}` })) tags[blob.name] = blob.properties.etag ?? '';
  return tags;
}

const aJob = (overrides: Partial<BulkJob> = {}): BulkJob => ({
  jobId: `bulk-${randomUUID()}`, correlationId: 'c', requester: { id: 'admin-1', name: 'Isaiah Langer' }, ticketReference: 'REORG-1',
  createdAt: '2026-11-30T09:00:00.000Z', updatedAt: '2026-11-30T09:00:00.000Z', status: 'review', rows: [], ...overrides,
});

describe('blob bulk job store', () => {
  it('when two writers update from the same version, then exactly one wins', async () => {
    const job = aJob();
    const created = await store.create(job);
    expect(created.kind).toBe('created');
    expect(await store.create(job)).toEqual({ kind: 'exists' });
    const version = created.kind === 'created' ? created.version : '';
    const results = await Promise.all([store.update({ ...job, status: 'approved' }, version), store.update({ ...job, status: 'cancelled' }, version)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['conflict', 'updated']);
    expect((await store.get(job.jobId))?.job.status).toMatch(/approved|cancelled/);
    expect(await store.get('bulk-unknown')).toBeNull();
  });

  it('when jobs are approved, running, done or in review, then only approved and running ones are unfinished, and each admin’s are counted since a time', async () => {
    const requester = { id: `admin-${randomUUID()}`, name: 'A' };
    const ids: Record<string, string> = {};
    for (const status of ['review', 'approved', 'running', 'done'] as const) {
      const job = aJob({ status, requester, createdAt: status === 'done' ? '2026-11-28T09:00:00.000Z' : '2026-11-30T09:00:00.000Z' });
      ids[status] = job.jobId;
      await store.create(job);
    }
    const unfinished = (await store.listUnfinished()).map((s) => s.jobId);
    expect(unfinished).toEqual(expect.arrayContaining([ids['approved'], ids['running']]));
    expect(unfinished).not.toContain(ids['review']);
    expect(unfinished).not.toContain(ids['done']);
    expect(await store.countSentSince(requester.id, new Date('2026-11-29T09:00:00.000Z'))).toBe(3);
  });

  it('when a 250-row job changes one row, then only the part holding it is written again (a run is not O(N²) in bytes)', async () => {
    const job = aJob({ status: 'running', rows: Array.from({ length: 250 }, (_, i) => aRow(i + 3)) });
    const created = await store.create(job);
    if (created.kind !== 'created') throw new Error('not created');
    const before = await etagsOf(job.jobId);
    expect(Object.keys(before).sort()).toEqual([`bulks/${job.jobId}.json`, `bulks/${job.jobId}/rows-0.json`, `bulks/${job.jobId}/rows-1.json`, `bulks/${job.jobId}/rows-2.json`]);
    const rows = job.rows.map((row, index) => (index === 150 ? { ...row, state: 'created' as const, objectId: 'o-150' } : row));
    const updated = await store.update({ ...job, rows }, created.version, new Set([150]));
    expect(updated.kind).toBe('updated');
    const after = await etagsOf(job.jobId);
    expect(Object.keys(after).filter((name) => after[name] !== before[name]).sort()).toEqual([`bulks/${job.jobId}.json`, `bulks/${job.jobId}/rows-1.json`]);
    const read = await store.get(job.jobId);
    expect(read?.job.rows).toHaveLength(250);
    expect(read?.job.rows[150]).toMatchObject({ state: 'created', objectId: 'o-150' });
    // The version read back is the one just written: a stale one loses.
    expect(read?.version).toBe(updated.kind === 'updated' ? updated.version : '');
    expect((await store.update({ ...job, rows }, created.version, new Set([0]))).kind).toBe('conflict');
  });

  it('when a job was stored whole in one blob (before parts), then it reads as it was, and its next update writes the rows in parts', async () => {
    const job = aJob({ status: 'running', rows: Array.from({ length: 120 }, (_, i) => aRow(i + 3)) });
    const text = JSON.stringify(job);
    await container().getBlockBlobClient(`bulks/${job.jobId}.json`).upload(text, Buffer.byteLength(text), { metadata: { status: 'running', created: job.createdAt } });
    const read = await store.get(job.jobId);
    expect(read?.job.rows).toHaveLength(120);
    const updated = await store.update({ ...read!.job, status: 'done' }, read!.version, new Set());
    expect(updated.kind).toBe('updated');
    expect(Object.keys(await etagsOf(job.jobId)).sort()).toEqual([`bulks/${job.jobId}.json`, `bulks/${job.jobId}/rows-0.json`, `bulks/${job.jobId}/rows-1.json`]);
    expect((await store.get(job.jobId))?.job).toEqual({ ...job, status: 'done' });
  });

  it('when the unfinished jobs are listed, then each comes with its lease, read from the metadata without downloading it', async () => {
    const lease = { owner: 'bot-1/run-1', until: '2026-11-30T09:02:00.000Z' };
    const job = aJob({ status: 'running', lease, rows: [aRow(3)] });
    await store.create(job);
    expect((await store.listUnfinished()).find((s) => s.jobId === job.jobId)).toEqual({ jobId: job.jobId, status: 'running', lease });
  });
});
