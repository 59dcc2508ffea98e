/**
 * `npm run bench:resume`: the unfinished-request index at scale. Stores FINISHED finished
 * (default 100,000) and UNFINISHED unfinished (default 1,000) requests in a fresh in-memory
 * Azurite through the blob store's real write path (one Put Blob each, 16 at a time), in
 * STAGES equal stages (default 10); after each stage it runs resume passes of BATCH (default
 * 200) index entries until every unfinished request stored so far was seen. Each stage is a
 * row, printed and written to build/bench/resume-scale.json as soon as it ends, so a run cut
 * short still says the largest size it verified. It asserts nothing about time, but exits 1
 * when an unfinished request was never found (that is the product's claim).
 *
 * Why writing is the slow part: Azurite's metadata store (LokiJS) finds a blob by
 * { accountName, containerName, name, snapshot }; Loki answers that with its index on the FIRST
 * field, accountName, which every blob shares, then scans the rest, so every Put Blob (and Get,
 * Delete) costs O(blobs in the account) with or without index tags. Writing N blobs is O(N²);
 * Azure's own service has no such cost. See BENCHMARKS.md for measured rates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startAzurite } from '../../scripts/local-services.js';
import { createBlobRequestStore } from '../../src/storage/index.js';
import { passesUntilSeen, storeFinishedAndUnfinished } from '../support/stored-requests.js';

const numberFrom = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const finished = numberFrom('FINISHED', 100_000);
const unfinished = numberFrom('UNFINISHED', 1_000);
const batch = numberFrom('BATCH', 200);
const stages = numberFrom('STAGES', 10);

const outDir = fileURLToPath(new URL('../../build/bench/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const rows: Record<string, number>[] = [];

const azurite = await startAzurite({ blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() });
try {
  const store = createBlobRequestStore({ connectionString: azurite.connectionString, containerName: 'resume-scale' });
  await store.ensureReady();
  const expected = new Set<string>();
  const started = performance.now();
  let finishedSoFar = 0;
  for (let stage = 1; stage <= stages; stage += 1) {
    const stageFinished = Math.round((finished * stage) / stages) - finishedSoFar;
    const stageUnfinished = Math.round((unfinished * stage) / stages) - expected.size;
    const writeStarted = performance.now();
    const written = await storeFinishedAndUnfinished(store, stageFinished, stageUnfinished, (count) => {
      console.error(`${new Date().toISOString()} stage ${stage}: ${count} of ${stageFinished + stageUnfinished} written (${Math.round(count / ((performance.now() - writeStarted) / 1000))}/s)`);
    }, finishedSoFar + expected.size);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    finishedSoFar += stageFinished;
    for (const id of written) expected.add(id);

    const passStarted = performance.now();
    // One wrap-around at most: this instance's cursor may start anywhere in the index.
    const maxPasses = Math.ceil(expected.size / batch) + 1;
    const { seen, passes, largestPass, mostExamined } = await passesUntilSeen(store, expected, batch, maxPasses);
    const passMs = (performance.now() - passStarted) / passes;
    const missing = [...expected].filter((id) => !seen.has(id)).length;
    rows.push({
      finished: finishedSoFar, unfinished: expected.size, batch, found: expected.size - missing, missing, passes, largestPass, mostExamined,
      stageWriteSeconds: Number(writeSeconds.toFixed(1)), stageWritesPerSecond: Math.round((stageFinished + stageUnfinished) / writeSeconds),
      totalSeconds: Math.round((performance.now() - started) / 1000), meanPassMs: Math.round(passMs),
    });
    console.table(rows.slice(-1));
    writeFileSync(join(outDir, 'resume-scale.json'), `${JSON.stringify({ at: new Date().toISOString(), stages: rows }, null, 2)}\n`);
    if (missing > 0) process.exitCode = 1;
  }
} finally {
  await azurite.process.stop(5000);
}
