/**
 * Many stored requests, written through the blob store's real write path, and resume passes
 * over them: shared by the unfinished-index test (10,000 finished) and `npm run bench:resume`
 * (100,000 finished), which is too slow for `npm test` on a 2-core machine.
 */
import { randomUUID } from 'node:crypto';
import { finalStatuses, newOnboardingRecord, type OnboardingRecord, type OnboardingStatus } from '../../src/onboarding/index.js';
import type { BlobRequestStore } from '../../src/storage/index.js';

const finals: OnboardingStatus[] = ['done', 'rejected', 'failed'];
const pending: OnboardingStatus[] = ['received', 'creating', 'delivering', 'awaiting_approval'];

/** A request received `index` minutes after 2025-01-01, in `status`. */
export function aStoredRequest(index: number, status: OnboardingStatus): OnboardingRecord {
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
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * Stores `finished` final and `unfinished` pending requests, interleaved in time, each with
 * one `store.create` (16 at a time), numbered from `firstIndex` (later in time for a later
 * stage); returns the unfinished ones' ids.
 */
export async function storeFinishedAndUnfinished(
  store: BlobRequestStore, finished: number, unfinished: number, progress?: (written: number) => void, firstIndex = 0,
): Promise<Set<string>> {
  const every = Math.max(1, Math.floor((finished + unfinished) / Math.max(1, unfinished)));
  const records: OnboardingRecord[] = [];
  for (let i = 0, u = 0; i < finished + unfinished; i += 1) {
    const isUnfinished = u < unfinished && (i % every === 0 || finished + unfinished - i <= unfinished - u);
    if (isUnfinished) u += 1;
    records.push(aStoredRequest(firstIndex + i, isUnfinished ? pending[i % pending.length]! : finals[i % finals.length]!));
  }
  let written = 0;
  await inParallel(records, 16, async (record) => {
    const result = await store.create(record);
    if (result.kind !== 'created') throw new Error(`setup: ${record.requestId} not created`);
    written += 1;
    if (written % 5000 === 0) progress?.(written);
  });
  return new Set(records.filter((r) => !finalStatuses.has(r.status)).map((r) => r.requestId));
}

/** Resume passes of `batch` each until every expected request was seen or `maxPasses` ran. */
export async function passesUntilSeen(store: BlobRequestStore, expected: ReadonlySet<string>, batch: number, maxPasses: number) {
  const seen = new Set<string>();
  let passes = 0;
  let largestPass = 0;
  let mostExamined = 0;
  while (passes < maxPasses && [...expected].some((id) => !seen.has(id))) {
    const { requests, examined } = await store.listUnfinished({ limit: batch });
    passes += 1;
    largestPass = Math.max(largestPass, requests.length);
    mostExamined = Math.max(mostExamined, examined);
    for (const { record } of requests) seen.add(record.requestId);
  }
  return { seen, passes, largestPass, mostExamined };
}
