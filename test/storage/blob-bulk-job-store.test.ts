/** The blob BulkJobStore against Azurite: compare-and-set, the unfinished list and the per-admin count. */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { BulkJob } from '../../src/onboarding/index.js';
import { createBlobBulkJobStore } from '../../src/storage/index.js';

const store = createBlobBulkJobStore({ connectionString: inject('azuriteConnectionString'), containerName: `bulks-${randomUUID().slice(0, 8)}` });

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
    const unfinished = (await store.listUnfinished()).map((s) => s.job.jobId);
    expect(unfinished).toEqual(expect.arrayContaining([ids['approved'], ids['running']]));
    expect(unfinished).not.toContain(ids['review']);
    expect(unfinished).not.toContain(ids['done']);
    expect(await store.countSentSince(requester.id, new Date('2026-11-29T09:00:00.000Z'))).toBe(3);
  });
});
