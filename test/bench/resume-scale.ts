/**
 * `npm run bench:resume`: the unfinished-request index at scale. Stores FINISHED finished
 * (default 100,000) and UNFINISHED unfinished (default 1,000) requests in a fresh in-memory
 * Azurite through the blob store's real write path (one Put Blob each, 16 at a time), then
 * runs resume passes of BATCH (default 200) index entries until every unfinished request was
 * seen. Prints and writes build/bench/resume-scale.json; it asserts nothing about time, but
 * exits 1 when an unfinished request was never found (that is the product's claim).
 * Not in `npm test`: npm test has 10,000. Writing 100,000 blobs into Azurite takes long (its
 * Put Blob slows as the container grows: about 100/s at 10,000, under 10/s at 30,000 on a
 * loaded 2-core machine), so FINISHED=30000 is the practical size there.
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

const azurite = await startAzurite({ blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() });
try {
  const store = createBlobRequestStore({ connectionString: azurite.connectionString, containerName: 'resume-scale' });
  await store.ensureReady();
  const writeStarted = performance.now();
  // Azurite's in-memory Put Blob gets slower as the container grows (its metadata lookup scans
  // the account's blobs), so writing is the slow part here: progress goes to stderr.
  const expected = await storeFinishedAndUnfinished(store, finished, unfinished, (written) => {
    console.error(`${new Date().toISOString()} ${written} of ${finished + unfinished} requests written (${Math.round(written / ((performance.now() - writeStarted) / 1000))}/s)`);
  });
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const passStarted = performance.now();
  const maxPasses = Math.ceil(unfinished / batch) + 1;
  const { seen, passes, largestPass, mostExamined } = await passesUntilSeen(store, expected, batch, maxPasses);
  const passMs = (performance.now() - passStarted) / passes;
  const missing = [...expected].filter((id) => !seen.has(id)).length;
  const result = {
    finished, unfinished, batch, found: expected.size - missing, missing, passes, largestPass, mostExamined,
    writeSeconds: Number(writeSeconds.toFixed(1)), writesPerSecond: Math.round((finished + unfinished) / writeSeconds), meanPassMs: Math.round(passMs),
  };
  console.table([result]);
  const outDir = fileURLToPath(new URL('../../build/bench/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'resume-scale.json'), `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`);
  if (missing > 0) process.exitCode = 1;
} finally {
  await azurite.process.stop(5000);
}
