/**
 * Finding unfinished requests among many finished ones, against a real (in-memory) Azurite,
 * through the store's real write path. Azurite's Find Blobs by Tags stops after 5,000
 * blobs, so an index that depended on it lost requests once enough had finished; the
 * resume passes below must reach every unfinished one, a bounded batch at a time.
 * (100,000 finished: `npm run bench:resume`, see BENCHMARKS.md.)
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, startAzurite, type RunningAzurite } from '../../scripts/local-services.js';
import type { OnboardingRecord, OnboardingStatus } from '../../src/onboarding/index.js';
import { createBlobRequestStore, markerName, type BlobRequestStore } from '../../src/storage/index.js';
import { aStoredRequest, passesUntilSeen, storeFinishedAndUnfinished } from '../support/stored-requests.js';

const connectionString = inject('azuriteConnectionString');
const newContainer = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

async function freshStore(options: { settleMs?: number; containerName?: string; connectionString?: string } = {}): Promise<BlobRequestStore> {
  const store = createBlobRequestStore({
    connectionString: options.connectionString ?? connectionString, containerName: options.containerName ?? newContainer('unfinished'), unfinishedSettleMs: options.settleMs ?? 0,
  });
  await store.ensureReady();
  return store;
}

async function created(store: BlobRequestStore, record: OnboardingRecord): Promise<string> {
  const result = await store.create(record);
  if (result.kind !== 'created') throw new Error('setup: not created');
  return result.version;
}

async function updated(store: BlobRequestStore, record: OnboardingRecord, status: OnboardingStatus, version: string): Promise<string> {
  const result = await store.update({ ...record, status }, version);
  if (result.kind !== 'updated') throw new Error('setup: not updated');
  return result.version;
}

async function markersIn(containerName: string): Promise<string[]> {
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat({ prefix: 'unfinished/' })) names.push(blob.name);
  return names;
}

const ids = (listing: { requests: readonly { record: OnboardingRecord }[] }) => listing.requests.map((r) => r.record.requestId);

describe('unfinished request index at scale', () => {
  // Its own Azurite: every Put Blob into Azurite's in-memory store gets slower as the account
  // grows, so 11,000 blobs in the shared one would slow every other test of the run.
  let own: RunningAzurite;
  beforeAll(async () => {
    own = await startAzurite({ blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() });
  });
  afterAll(async () => {
    await own?.process.stop(5000);
  });

  it('when 1,000 unfinished requests are stored among 10,000 finished ones, then resume passes of 200 find every unfinished one, none finished, in at most 6 passes', async () => {
    const store = await freshStore({ settleMs: 120_000, connectionString: own.connectionString });
    const unfinished = await storeFinishedAndUnfinished(store, 10_000, 1_000);

    const { seen, passes, largestPass, mostExamined } = await passesUntilSeen(store, unfinished, 200, 6);

    expect([...unfinished].filter((id) => !seen.has(id))).toEqual([]);
    expect([...seen].filter((id) => !unfinished.has(id))).toEqual([]);
    expect(passes).toBeLessThanOrEqual(6);
    expect(largestPass).toBeLessThanOrEqual(200);
    expect(mostExamined).toBeLessThanOrEqual(200);
  }, 600_000);
});

describe('unfinished request index', () => {
  it('when passes of 2 go over 5 unfinished requests, then each pass takes the next ones oldest first and the pass after the last starts again at the oldest', async () => {
    const store = await freshStore();
    const records = [3, 1, 4, 0, 2].map((i) => aStoredRequest(i, 'received'));
    for (const record of records) await created(store, record);
    const byAge = [...records].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)).map((r) => r.requestId);

    const passes = [];
    for (let i = 0; i < 4; i += 1) passes.push(ids(await store.listUnfinished({ limit: 2 })));

    expect(passes).toEqual([byAge.slice(0, 2), byAge.slice(2, 4), byAge.slice(4), byAge.slice(0, 2)]);
  });

  it('when requests finish, then the pass that reads them removes their markers once settled, and a fresh one stays until then', async () => {
    const settled = await freshStore({ settleMs: 0 });
    const unsettled = await freshStore({ settleMs: 3_600_000 });
    for (const store of [settled, unsettled]) {
      const record = aStoredRequest(1, 'received');
      await updated(store, record, 'done', await created(store, record));
    }

    const fromSettled = await settled.listUnfinished({ limit: 10 });
    const fromUnsettled = await unsettled.listUnfinished({ limit: 10 });

    expect(fromSettled).toMatchObject({ requests: [], examined: 1, removed: 1 });
    expect(fromUnsettled).toMatchObject({ requests: [], examined: 1, removed: 0 });
  });

  it('when a request is created already finished, then it never enters the index', async () => {
    const store = await freshStore();
    await created(store, aStoredRequest(1, 'rejected'));

    expect(await store.listUnfinished({ limit: 10 })).toMatchObject({ requests: [], examined: 0 });
  });

  it('when a finished request is reissued, then it is in the index again before its record says reissuing', async () => {
    const containerName = newContainer('reissue');
    const store = await freshStore({ containerName });
    const record = aStoredRequest(1, 'received');
    const done = await updated(store, record, 'done', await created(store, record));
    await store.listUnfinished({ limit: 10 }); // removes the settled marker of the finished request
    expect(await markersIn(containerName)).toEqual([]);

    await updated(store, { ...record, status: 'done' }, 'reissuing', done);

    expect(await markersIn(containerName)).toEqual([markerName(record)]);
    expect(ids(await store.listUnfinished({ limit: 10 }))).toEqual([record.requestId]);
  });

  it('when a reissue rewrites the marker after a pass listed it, then the pass cannot remove it', async () => {
    // Two stores on one container: the pass lists with one, the reissue writes with the other in between.
    const containerName = newContainer('race');
    const pass = await freshStore({ containerName, settleMs: 0 });
    const writer = await freshStore({ containerName });
    const record = aStoredRequest(1, 'received');
    const done = await updated(writer, record, 'done', await created(writer, record));
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
    const listed = await container.getBlobClient(markerName(record)).getProperties();

    await writer.update({ ...record, status: 'reissuing' }, done); // rewrites the marker
    const removal = container.getBlobClient(markerName(record)).delete({ conditions: { ifMatch: listed.etag } });

    await expect(removal).rejects.toMatchObject({ statusCode: 412 });
    expect(ids(await pass.listUnfinished({ limit: 10 }))).toEqual([record.requestId]);
  });

  it('when a marker is left without a request (a crash between the two writes), then a pass removes it once settled and finds nothing', async () => {
    const containerName = newContainer('orphan');
    const store = await freshStore({ containerName, settleMs: 0 });
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
    await container.getBlockBlobClient(markerName(aStoredRequest(1, 'received'))).upload('', 0);

    const listing = await store.listUnfinished({ limit: 10 });

    expect(listing).toMatchObject({ requests: [], examined: 1, removed: 1 });
    expect(await markersIn(containerName)).toEqual([]);
  });

  it('when a container holds requests stored before the index existed, then the first pass indexes the unfinished ones once and finds them', async () => {
    const containerName = newContainer('legacy');
    const store = await freshStore({ containerName });
    const unfinished = aStoredRequest(1, 'creating');
    await created(store, unfinished);
    await created(store, aStoredRequest(2, 'done'));
    // As an older version left it: no markers, no migration mark.
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);
    await container.getBlobClient(markerName(unfinished)).delete();
    await container.getBlobClient('index-state/unfinished-v1').delete();
    const upgraded = createBlobRequestStore({ connectionString, containerName });

    const listing = await upgraded.listUnfinished({ limit: 10 });

    expect(ids(listing)).toEqual([unfinished.requestId]);
    expect(await markersIn(containerName)).toEqual([markerName(unfinished)]);
    expect(await container.getBlobClient('index-state/unfinished-v1').exists()).toBe(true);
  });

  it('when a batch size is outside 1 to 5,000, then listUnfinished refuses it', async () => {
    const store = await freshStore();

    await expect(store.listUnfinished({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(store.listUnfinished({ limit: 5001 })).rejects.toBeInstanceOf(RangeError);
  });
});
