/**
 * The blob RequestStore against a real (in-memory) Azurite: round trips, compare-and-set
 * between concurrent writers in one process and across two store instances, refused ids,
 * damaged blobs, and the requester / unfinished lists.
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { newOnboardingRecord, type OnboardingRecord, type OnboardingStatus } from '../../src/onboarding/index.js';
import {
  InvalidRequestIdError, UnreadableStoredRequestError, createBlobRequestStore, requesterTag, type BlobRequestStore,
} from '../../src/storage/index.js';

const connectionString = inject('azuriteConnectionString');
const containerName = `requests-${randomUUID().slice(0, 8)}`;

function aRecord(overrides: { requestId?: string; requesterId?: string; receivedAt?: string; status?: OnboardingStatus } = {}): OnboardingRecord {
  const record = newOnboardingRecord({
    requestId: overrides.requestId ?? `req-${randomUUID()}`,
    correlationId: randomUUID(),
    requester: { id: overrides.requesterId ?? randomUUID(), name: 'Megan Bowen' },
    form: { givenName: 'Ada', surname: 'Lovelace', ticketReference: 'INC-1' },
    at: new Date(overrides.receivedAt ?? '2025-03-03T09:00:00.000Z'),
  });
  return { ...record, status: overrides.status ?? record.status };
}

function withStatus(record: OnboardingRecord, status: OnboardingStatus, updatedAt = '2025-03-03T09:05:00.000Z'): OnboardingRecord {
  return { ...record, status, updatedAt };
}

let store: BlobRequestStore;

beforeAll(async () => {
  store = createBlobRequestStore({ connectionString, containerName });
  await store.ensureReady();
});

describe('blob request store: round trips', () => {
  it('when a request is created, then get returns the same record with the version create returned', async () => {
    const record = aRecord();

    const created = await store.create(record);
    const stored = await store.get(record.requestId);

    expect(created.kind).toBe('created');
    expect(stored).toEqual({ record, version: created.kind === 'created' ? created.version : 'none' });
  });

  it('when a request is updated with its current version, then get returns the new record under a new version', async () => {
    const record = aRecord();
    const created = await store.create(record);
    if (created.kind !== 'created') throw new Error('setup: not created');

    const updated = await store.update(withStatus(record, 'validated'), created.version);
    const stored = await store.get(record.requestId);

    expect(updated.kind).toBe('updated');
    if (updated.kind !== 'updated') return;
    expect(updated.version).not.toBe(created.version);
    expect(stored).toEqual({ record: withStatus(record, 'validated'), version: updated.version });
  });

  it('when the same request is created twice, then the second create reports exists with the first one untouched', async () => {
    const first = aRecord();
    const second = { ...first, correlationId: 'another-click' };
    const created = await store.create(first);

    const again = await store.create(second);

    expect(again).toEqual({ kind: 'exists', existing: { record: first, version: created.kind === 'created' ? created.version : 'none' } });
    expect((await store.get(first.requestId))?.record.correlationId).toBe(first.correlationId);
  });

  it('when two creates of the same id race, then exactly one is created and the other sees it', async () => {
    const record = aRecord();

    const results = await Promise.all([store.create(record), store.create({ ...record, correlationId: 'racer' })]);

    expect(results.map((r) => r.kind).sort()).toEqual(['created', 'exists']);
  });

  it('when the id is unknown, then get returns null', async () => {
    expect(await store.get(`never-${randomUUID()}`)).toBeNull();
  });

  it('when a request that was never created is updated, then the update is a conflict and nothing is created', async () => {
    const record = aRecord();

    const result = await store.update(record, '"0x8D000000000000"');

    expect(result).toEqual({ kind: 'conflict' });
    expect(await store.get(record.requestId)).toBeNull();
  });
});

describe('blob request store: compare-and-set', () => {
  it('when two updates from the same version run at once in one process, then exactly one is updated and the other is a conflict', async () => {
    const record = aRecord();
    const created = await store.create(record);
    if (created.kind !== 'created') throw new Error('setup: not created');

    const results = await Promise.all([
      store.update({ ...withStatus(record, 'validated'), lease: { owner: 'turn-a', until: '2025-03-03T09:07:00.000Z' } }, created.version),
      store.update({ ...withStatus(record, 'validated'), lease: { owner: 'turn-b', until: '2025-03-03T09:07:00.000Z' } }, created.version),
    ]);

    expect(results.map((r) => r.kind).sort()).toEqual(['conflict', 'updated']);
    const winner = results[0]?.kind === 'updated' ? 'turn-a' : 'turn-b';
    const stored = await store.get(record.requestId);
    expect(stored?.record.lease?.owner).toBe(winner);
    const win = results.find((r): r is { kind: 'updated'; version: string } => r.kind === 'updated');
    expect(stored?.version).toBe(win?.version);
  });

  it('when two store instances (two processes) update from the same version at once, then exactly one wins', async () => {
    const instanceA = createBlobRequestStore({ connectionString, containerName });
    const instanceB = createBlobRequestStore({ connectionString, containerName });
    const record = aRecord();
    const created = await instanceA.create(record);
    if (created.kind !== 'created') throw new Error('setup: not created');
    const seenByB = await instanceB.get(record.requestId);
    if (!seenByB) throw new Error('setup: B does not see the request');

    const [a, b] = await Promise.all([
      instanceA.update({ ...withStatus(record, 'creating'), marker: 'onboarding:a' }, created.version),
      instanceB.update({ ...withStatus(seenByB.record, 'creating'), marker: 'onboarding:b' }, seenByB.version),
    ]);

    expect([a?.kind, b?.kind].sort()).toEqual(['conflict', 'updated']);
    expect((await instanceA.get(record.requestId))?.record.marker).toBe(a?.kind === 'updated' ? 'onboarding:a' : 'onboarding:b');
  });

  it('when ten writers race from the same version, then exactly one is updated', async () => {
    const record = aRecord();
    const created = await store.create(record);
    if (created.kind !== 'created') throw new Error('setup: not created');
    const writers = Array.from({ length: 10 }, (_, i) => createBlobRequestStore({ connectionString, containerName }).update(
      { ...withStatus(record, 'checked'), alternatives: [`writer-${i}`] }, created.version));

    const results = await Promise.all(writers);

    expect(results.filter((r) => r.kind === 'updated')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'conflict')).toHaveLength(9);
  });

  it('when an update carries a version that has since been replaced, then it is a conflict and the newer record stays', async () => {
    const record = aRecord();
    const created = await store.create(record);
    if (created.kind !== 'created') throw new Error('setup: not created');
    await store.update(withStatus(record, 'validated'), created.version);

    const stale = await store.update(withStatus(record, 'failed'), created.version);

    expect(stale).toEqual({ kind: 'conflict' });
    expect((await store.get(record.requestId))?.record.status).toBe('validated');
  });
});

describe('blob request store: request ids', () => {
  const badIds = ['', '../other', 'a/b', 'a\\b', '.hidden', 'a..b', 'x'.repeat(129), 'with space', 'a?b', 'a#b', 'a%2Fb', 'é', '-leading'];

  it.each(badIds)('when the id is %j, then get, create and update refuse it without touching storage', async (badId) => {
    const record = { ...aRecord(), requestId: badId };

    await expect(store.get(badId)).rejects.toBeInstanceOf(InvalidRequestIdError);
    await expect(store.create(record)).rejects.toBeInstanceOf(InvalidRequestIdError);
    await expect(store.update(record, '"0x1"')).rejects.toBeInstanceOf(InvalidRequestIdError);
  });

  it.each(['a', 'f:1234567890', '1:1AbC_xyz-9.2', 'x'.repeat(128), randomUUID()])('when the id is the token %j, then it is stored and read back', async (goodId) => {
    const record = aRecord({ requestId: goodId });

    const created = await store.create(record);

    expect(['created', 'exists']).toContain(created.kind);
    expect((await store.get(goodId))?.record.requestId).toBe(goodId);
  });
});

describe('blob request store: damaged blobs', () => {
  const blobs = () => BlobServiceClient.fromConnectionString(connectionString).getContainerClient(containerName);

  it.each([
    ['not JSON', '{"requestId": "broken'],
    ['a JSON array', '[]'],
    ['another request', JSON.stringify(aRecord({ requestId: 'someone-else' }))],
    ['an unknown status', JSON.stringify({ ...aRecord(), status: 'teleported' })],
  ])('when the blob holds %s, then get throws an error naming the blob', async (_what, body) => {
    const requestId = `damaged-${randomUUID()}`;
    const fixed = body.replace(/"requestId":"req-[^"]*"/, `"requestId":"${requestId}"`);
    await blobs().getBlockBlobClient(`requests/${requestId}.json`).upload(fixed, Buffer.byteLength(fixed));

    const error = await store.get(requestId).then(() => null, (e: unknown) => e);

    expect(error).toBeInstanceOf(UnreadableStoredRequestError);
    expect((error as Error).message).toContain(`requests/${requestId}.json`);
    expect((error as Error).message).toContain(containerName);
  });

  it('when one of a requester\'s blobs is damaged, then the list returns the others and reports that blob', async () => {
    const requesterId = randomUUID();
    const good = aRecord({ requesterId });
    await store.create(good);
    const brokenName = `requests/broken-${randomUUID()}.json`;
    await blobs().getBlockBlobClient(brokenName).upload('{oops', 5, {
      tags: { requester: requesterTag(requesterId), finished: 'no', received: '2025-03-04T00:00:00.000Z', status: 'received' },
    });

    const listing = await store.listByRequester(requesterId, 10);

    expect(listing.requests.map((r) => r.record.requestId)).toEqual([good.requestId]);
    expect(listing.unreadable.map((u) => u.blobName)).toEqual([brokenName]);
    expect(listing.unreadable[0]?.error.message).toContain(brokenName);
  });
});

describe('blob request store: lists', () => {
  it('when a requester has several requests, then listByRequester returns only theirs, newest first, up to the limit', async () => {
    const requesterId = `29:${randomUUID()}`;
    const times = ['2025-03-01T08:00:00.000Z', '2025-03-03T08:00:00.000Z', '2025-03-02T08:00:00.000Z', '2025-02-27T08:00:00.000Z'];
    const mine = times.map((receivedAt) => aRecord({ requesterId, receivedAt }));
    await Promise.all([...mine, aRecord({ receivedAt: '2025-03-05T08:00:00.000Z' })].map((r) => store.create(r)));

    const all = await store.listByRequester(requesterId, 10);
    const newestTwo = await store.listByRequester(requesterId, 2);

    expect(all.requests.map((r) => r.record.receivedAt)).toEqual([...times].sort().reverse());
    expect(all.unreadable).toEqual([]);
    expect(newestTwo.requests.map((r) => r.record.receivedAt)).toEqual(['2025-03-03T08:00:00.000Z', '2025-03-02T08:00:00.000Z']);
    const stored = await store.get(mine[0]?.requestId ?? '');
    expect(all.requests.find((r) => r.record.requestId === mine[0]?.requestId)).toEqual(stored);
  });

  it('when a requester has no requests, then listByRequester is empty', async () => {
    expect(await store.listByRequester(randomUUID(), 5)).toEqual({ requests: [], unreadable: [] });
  });

  it.each([0, -1, 1.5, 1001])('when the limit is %s, then listByRequester refuses it', async (limit) => {
    await expect(store.listByRequester('someone', limit)).rejects.toBeInstanceOf(RangeError);
  });

  it('when requests share a ticket reference in any case, then findByTicketReference returns them, newest first, and no other ticket\'s', async () => {
    const ticket = `INC-${randomUUID().slice(0, 8)}`;
    const withTicket = (receivedAt: string, reference: string): OnboardingRecord => ({ ...aRecord({ receivedAt }), form: { givenName: 'Ada', surname: 'Lovelace', ticketReference: reference } });
    const older = withTicket('2025-03-01T08:00:00.000Z', ticket);
    const newer = withTicket('2025-03-02T08:00:00.000Z', ticket.toLowerCase());
    await Promise.all([older, newer, withTicket('2025-03-03T08:00:00.000Z', `${ticket}-other`)].map((r) => store.create(r)));

    const found = await store.findByTicketReference(` ${ticket.toUpperCase()} `, 10);

    expect(found.requests.map((r) => r.record.requestId)).toEqual([newer.requestId, older.requestId]);
    expect(await store.findByTicketReference(`INC-${randomUUID()}`, 5)).toEqual({ requests: [], unreadable: [] });
  });

  it('when requests are in every kind of status, then listUnfinished returns the unfinished ones oldest first, and one finished later drops out', async () => {
    const ownContainer = `unfinished-${randomUUID().slice(0, 8)}`;
    const own = createBlobRequestStore({ connectionString, containerName: ownContainer });
    const statuses: OnboardingStatus[] = ['received', 'creating', 'delivering', 'done', 'rejected', 'failed', 'awaiting_approval', 'rejected'];
    const records = statuses.map((status, i) => aRecord({ status, receivedAt: `2025-03-0${i + 1}T10:00:00.000Z` }));
    const versions = await Promise.all(records.map((r) => own.create(r)));

    const before = await own.listUnfinished();
    const delivering = records[2];
    const deliveringCreated = versions[2];
    if (!delivering || deliveringCreated?.kind !== 'created') throw new Error('setup');
    await own.update(withStatus(delivering, 'done'), deliveringCreated.version);
    const after = await own.listUnfinished();
    const oldestOne = await createBlobRequestStore({ connectionString, containerName: ownContainer }).listUnfinished({ limit: 1 });

    expect(before.requests.map((r) => r.record.status)).toEqual(['received', 'creating', 'delivering', 'awaiting_approval']);
    expect(after.requests.map((r) => r.record.status)).toEqual(['received', 'creating', 'awaiting_approval']);
    expect(oldestOne.requests.map((r) => r.record.status)).toEqual(['received']);
  });
});

describe('blob request store: readiness', () => {
  it('when a store is used many times at once on a new container, then the container is created and every call works', async () => {
    const fresh = createBlobRequestStore({ connectionString, containerName: `fresh-${randomUUID().slice(0, 8)}` });
    const records = Array.from({ length: 5 }, () => aRecord());

    const results = await Promise.all(records.map((r) => fresh.create(r)));

    expect(results.every((r) => r.kind === 'created')).toBe(true);
    expect(await fresh.checkReachable()).toEqual({ reachable: true });
  });

  it('when the container does not exist yet, then storage still counts as reachable', async () => {
    const fresh = createBlobRequestStore({ connectionString, containerName: `absent-${randomUUID().slice(0, 8)}` });

    expect(await fresh.checkReachable()).toEqual({ reachable: true });
  });

  it('when nothing listens at the blob endpoint, then checkReachable says unreachable without throwing or leaking the key', async () => {
    const nowhere = connectionString.replace(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'BlobEndpoint=http://127.0.0.1:9');
    const unreachable = createBlobRequestStore({ connectionString: nowhere, containerName: 'nowhere' });

    const health = await unreachable.checkReachable({ timeoutMs: 1000 });

    expect(health.reachable).toBe(false);
    expect(JSON.stringify(health)).not.toMatch(/AccountKey|Eby8/);
  });
});
