/**
 * Finding unfinished requests among many finished ones, against a real (in-memory) Azurite,
 * through the store's real write path. Azurite's Find Blobs by Tags stops after 5,000
 * blobs, so an index that depends on it loses requests once enough have finished; the
 * resume passes below must still reach every unfinished one, a bounded batch at a time.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { newOnboardingRecord, type OnboardingRecord, type OnboardingStatus } from '../../src/onboarding/index.js';
import { createBlobRequestStore, type BlobRequestStore } from '../../src/storage/index.js';

const connectionString = inject('azuriteConnectionString');

function aRecord(index: number, status: OnboardingStatus): OnboardingRecord {
  // Spread over a year so finished and unfinished requests interleave in time.
  const record = newOnboardingRecord({
    requestId: `req-${index}-${randomUUID().slice(0, 8)}`,
    correlationId: randomUUID(),
    requester: { id: `requester-${index % 50}`, name: 'Megan Bowen' },
    form: { givenName: 'Ada', surname: 'Lovelace', ticketReference: `INC-${index}` },
    at: new Date(Date.UTC(2025, 0, 1) + index * 60_000),
  });
  return { ...record, status };
}

/** Runs `work` over `items` with at most `concurrency` at a time. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * Stores `finished` final and `unfinished` pending requests, interleaved, through `store.create`;
 * returns the ids of the unfinished ones.
 */
async function storeRequests(store: BlobRequestStore, finished: number, unfinished: number): Promise<Set<string>> {
  const every = Math.max(1, Math.floor((finished + unfinished) / unfinished));
  const finals: OnboardingStatus[] = ['done', 'rejected', 'failed'];
  const pending: OnboardingStatus[] = ['received', 'creating', 'delivering', 'awaiting_approval'];
  const records: OnboardingRecord[] = [];
  for (let i = 0, u = 0; i < finished + unfinished; i += 1) {
    const isUnfinished = u < unfinished && (i % every === 0 || finished + unfinished - i <= unfinished - u);
    if (isUnfinished) u += 1;
    records.push(aRecord(i, isUnfinished ? pending[i % pending.length]! : finals[i % finals.length]!));
  }
  await inParallel(records, 16, async (record) => {
    const result = await store.create(record);
    if (result.kind !== 'created') throw new Error(`setup: ${record.requestId} not created`);
  });
  return new Set(records.filter((r) => !['done', 'rejected', 'failed'].includes(r.status)).map((r) => r.requestId));
}

/** Resume passes of `batch` each until every expected request was seen or `maxPasses` ran. */
async function passesUntilSeen(store: BlobRequestStore, expected: ReadonlySet<string>, batch: number, maxPasses: number) {
  const seen = new Set<string>();
  let passes = 0;
  let largestPass = 0;
  while (passes < maxPasses && [...expected].some((id) => !seen.has(id))) {
    const { requests } = await store.listUnfinished({ limit: batch });
    passes += 1;
    largestPass = Math.max(largestPass, requests.length);
    for (const { record } of requests) seen.add(record.requestId);
  }
  return { seen, passes, largestPass };
}

describe('unfinished request index', () => {
  it('when 1,000 unfinished requests are stored among 10,000 finished ones, then resume passes of 200 find every unfinished one, none finished, in at most 6 passes', async () => {
    const store = createBlobRequestStore({ connectionString, containerName: `scale-${randomUUID().slice(0, 8)}` });
    await store.ensureReady();
    const unfinished = await storeRequests(store, 10_000, 1_000);

    const { seen, passes, largestPass } = await passesUntilSeen(store, unfinished, 200, 6);

    expect([...unfinished].filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen].filter((id) => !unfinished.has(id))).toEqual([]);
    expect(passes).toBeLessThanOrEqual(6);
    expect(largestPass).toBeLessThanOrEqual(200);
  }, 300_000);
});
