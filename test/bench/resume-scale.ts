/**
 * `npm run bench:resume`: the unfinished-request index at scale. Stores FINISHED finished
 * (default 100,000) and UNFINISHED unfinished (default 1,000) requests in a fresh in-memory
 * Azurite through the blob store's real write path (one Put Blob each, 16 at a time), then
 * runs resume passes of BATCH (default 200) index entries until every unfinished request was
 * seen. Prints and writes build/bench/resume-scale.json; it asserts nothing about time, but
 * exits 1 when an unfinished request was never found (that is the product's claim).
 * Not in `npm test` (writing 100,000 blobs takes minutes on 2 cores); npm test has 10,000.
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
  const expected = await storeFinishedAndUnfinished(store, finished, unfinished);
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
