/**
 * The bulk benchmarks, figures only:
 *  1. 1,000 rows at 100 ms Graph latency (every HTTP request to the local tenant waits 100 ms)
 *     with Entra's throttling model on at its real limits — the bulk runner (JSON batches of 20,
 *     paced to the write budget) against the recipe's naive sequential loop (per row: GET the UPN,
 *     then POST /users if it is free). Stores, audit and Teams in memory.
 *  2. 10,000 rows, each with a manager and a template of two groups (four directory writes a
 *     row: the account, the manager link, two group adds), at 100 ms latency against the write
 *     budget Entra documents (3,000 per 150 s per app and tenant: the local tenant's real
 *     limits), with the job and the credentials in Azurite behind a counting proxy: the time from
 *     Create all to done against the floor — the least time the budget itself allows for that many
 *     writes, (writes − bucket) ÷ refill, from the throttler's own parameters — and their ratio;
 *     duplicates, rows lost, 429s, peak RSS growth, how far the progress card ever was behind the
 *     directory, and the bytes the job record cost in Blob Storage.
 * Both over real HTTPS with the real Graph adapters.
 *
 * Run through run.ts (`npm run bench`), or alone: `tsx test/bench/bulk.ts [--json FILE] [--rows N] [--scale-rows N]`
 * (`--scale-rows 0` skips the second).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGraphBulkDirectory } from '../../src/directory/graph-bulk-directory.js';
import { createGraphTemplateDirectory } from '../../src/directory/graph-template-directory.js';
import { createBlobBulkJobStore, createTableCredentialStore } from '../../src/storage/index.js';
import { freePort, startAzurite } from '../../scripts/local-services.js';
import { startStorageCounter } from '../support/storage-counter.js';
import { createGraphDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import {
  createAesGcmSecretVault, cryptoRandom, decideBulk, defaultBulkPolicy, defaultOnboardingPolicy, floorSeconds, generateTemporaryPassword, pacesFor,
  reviewBulkSheet, runBulk, systemClock, userDraftFrom, type BulkDeskDependencies, type BulkProgress, type BulkSheet, type Requester,
} from '../../src/onboarding/index.js';
import { InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets } from '../onboarding/fakes.js';
import { admin, adminRoles, InMemoryBulkJobStore, noHistory, RecordingBulkReporting } from '../onboarding/bulk-fakes.js';
import { formatMs, formatRate } from './harness.js';
import { InMemoryTemplateStore, marketingTemplate } from '../onboarding/template-fakes.js';

const TLS_DIR = fileURLToPath(new URL('../../.local/tls', import.meta.url));
const LATENCY_MS = 100;

export interface BulkFigures {
  readonly name: string;
  readonly rows: number;
  readonly seconds: number;
  readonly accountsPerSecond: number;
  readonly created: number;
  readonly duplicates: number;
  readonly graphRequests: number;
  readonly throttled429: number;
}

const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');

function sheetOf(rows: number): BulkSheet {
  return {
    rows: Array.from({ length: rows }, (_, i) => ({
      rowNumber: i + 3,
      cells: { displayName: `Bench Person${letters(i)}`, userPrincipalName: `bench.${i}@contoso.com`, usageLocation: 'US', ticketReference: 'BENCH-1' },
    })),
    problems: [], notes: [],
  };
}

function graphOptions(tenant: LocalTenant): GraphDirectoryOptions {
  return {
    baseUrl: tenant.graphBaseUrl, tenantId: tenant.tenantId, authorityHost: tenant.authorityHost, disableInstanceDiscovery: true,
    credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret },
    maxRetryAfterSeconds: 300,
  };
}

function tally(tenant: LocalTenant, name: string, rows: number, seconds: number, requests: { graph: number; throttled: number }): BulkFigures {
  const accounts = tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('bench.') && !u.deletedDateTime);
  const distinct = new Set(accounts.map((a) => a.userPrincipalName)).size;
  return {
    name, rows, seconds, accountsPerSecond: accounts.length / seconds, created: accounts.length, duplicates: accounts.length - distinct,
    graphRequests: requests.graph, throttled429: requests.throttled,
  };
}

/** Counts Graph requests (batch parts included) and 429s (by operation), draining the tenant's bounded log often. */
function countRequests(tenant: LocalTenant): { stop(): { graph: number; throttled: number; throttledBy: Record<string, number> } } {
  let last = 0;
  const total = { graph: 0, throttled: 0, throttledBy: {} as Record<string, number> };
  const drain = () => {
    for (const entry of tenant.requestLog(last)) {
      last = entry.sequence;
      if (entry.path.startsWith('/v1.0/')) total.graph += 1;
      if (entry.status === 429) {
        total.throttled += 1;
        const operation = entry.operation ?? entry.path;
        total.throttledBy[operation] = (total.throttledBy[operation] ?? 0) + 1;
      }
    }
  };
  const timer = setInterval(drain, 50);
  return { stop: () => { clearInterval(timer); drain(); return total; } };
}

async function withTenant<T>(work: (tenant: LocalTenant) => Promise<T>): Promise<T> {
  const tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: true });
  try {
    tenant.setFaults({ latencyMs: LATENCY_MS });
    return await work(tenant);
  } finally {
    await tenant.close();
  }
}

async function bulkRun(rows: number): Promise<BulkFigures> {
  return withTenant(async (tenant) => {
    const options = graphOptions(tenant);
    const deps: BulkDeskDependencies = {
      directory: createGraphDirectory(options), bulkDirectory: createGraphBulkDirectory(options), bulkJobs: new InMemoryBulkJobStore(),
      bulkReporting: new RecordingBulkReporting(), bulkPolicy: { ...defaultBulkPolicy, maxRows: rows },
      delivery: new RecordingDelivery(), tickets: new RecordingTickets(), store: new InMemoryRequestStore(), audit: new InMemoryAuditLog(),
      credentials: new InMemoryCredentialStore(), vault: createAesGcmSecretVault({ key: randomBytes(32), keyId: 'bench' }),
      clock: systemClock, random: cryptoRandom, policy: defaultOnboardingPolicy, instanceId: 'bench', roles: adminRoles(), history: noHistory, defaultUsageLocation: 'US',
    };
    await deps.directory.listDomains(); // token and connections warm, as in a running bot
    const counter = countRequests(tenant);
    const started = performance.now();
    const review = await reviewBulkSheet(deps, admin, sheetOf(rows));
    if (review.kind !== 'ready') throw new Error(`bench sheet not ready: ${JSON.stringify(review).slice(0, 300)}`);
    await decideBulk(deps, admin, review.jobId, 'approve');
    await runBulk(deps, review.jobId);
    const seconds = (performance.now() - started) / 1000;
    return tally(tenant, `bulk runner: batches of ${defaultBulkPolicy.batchSize}, ${defaultBulkPolicy.concurrentBatches} in flight`, rows, seconds, counter.stop());
  });
}

/** The recipe's loop: for each row, GET /users/{upn}; when absent, POST /users. One at a time. */
async function naiveRun(rows: number): Promise<BulkFigures> {
  return withTenant(async (tenant) => {
    const directory = createGraphDirectory(graphOptions(tenant));
    const domains = await directory.listDomains();
    const { validateOnboardingForm } = await import('../../src/onboarding/index.js');
    const counter = countRequests(tenant);
    const started = performance.now();
    for (const row of sheetOf(rows).rows) {
      const [alias, domain] = (row.cells.userPrincipalName ?? '').split('@');
      const validation = validateOnboardingForm({ ...row.cells, givenName: 'Bench', surname: row.cells.displayName?.split(' ')[1], alias, domain, businessJustification: 'Bench loop row.' },
        { domains, aliasPattern: 'given.surname' });
      if (!validation.ok) throw new Error('naive row invalid');
      if (await directory.findUserByUpn(validation.request.userPrincipalName)) continue;
      const password = generateTemporaryPassword(cryptoRandom, defaultOnboardingPolicy.password, []);
      await directory.createUser(userDraftFrom(validation.request), password, 'naive');
    }
    const seconds = (performance.now() - started) / 1000;
    return tally(tenant, 'naive loop: GET then POST, one row at a time', rows, seconds, counter.stop());
  });
}

export interface ScaleFigures {
  readonly rows: number;
  /** Directory writes the run needs: an account, a manager link and two group adds per row. */
  readonly writes: number;
  readonly budget: { readonly writes: number; readonly perSeconds: number };
  readonly floorSeconds: number;
  /** From Create all to the job done (results sheet posted). */
  readonly seconds: number;
  readonly ratioToFloor: number;
  /** Reading the sheet's user names at review, 20 to a batch. */
  readonly reviewSeconds: number;
  readonly created: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly managersSet: number;
  /** Group memberships the template added (two a row). */
  readonly groupAdds: number;
  readonly throttled429: number;
  readonly throttledBy: Record<string, number>;
  readonly graphRequests: number;
  readonly rssBeforeMb: number;
  readonly peakRssGrowthMb: number;
  /** The most accounts the directory had beyond what a progress card showed when it was shown. */
  readonly progressMaxBehind: number;
  readonly progressUpdates: number;
  readonly jobUpdates: number;
  readonly blobWrites: number;
  readonly blobMegabytesWritten: number;
  /** What the same writes would have cost as whole-job rewrites (the record before parts). */
  readonly wholeJobMegabytesWouldBe: number;
  readonly tableRequests: number;
}

/** Progress cards as the admin sees them, each with how many accounts the directory held at that moment. */
class TimedReporting extends RecordingBulkReporting {
  readonly seen: Array<{ shown: number; inDirectory: number }> = [];
  constructor(private readonly accountsNow: () => number) {
    super();
  }
  override async showProgress(admin: Requester, progress: BulkProgress, messageId: string | undefined) {
    this.seen.push({ shown: progress.done, inDirectory: this.accountsNow() });
    return super.showProgress(admin, progress, messageId);
  }
}

/** 10,000 rows (by default) with managers, at Entra's documented write budget, the job in Azurite: the time against the floor. */
async function atScale(rows: number): Promise<ScaleFigures> {
  const ports = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
  const azurite = await startAzurite(ports);
  const storage = await startStorageCounter(azurite.connectionString);
  const tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: true });
  try {
    tenant.setFaults({ latencyMs: LATENCY_MS });
    const limits = tenant.throttling();
    const budget = { capacity: limits.writesPerWindow, perSeconds: limits.writeWindowSeconds };
    const options = graphOptions(tenant);
    const prefix = 'scale.';
    const accountsNow = () => tenant.directory().users.filter((u) => u.userPrincipalName.startsWith(prefix) && !u.deletedDateTime).length;
    const reporting = new TimedReporting(accountsNow);
    const blobJobs = createBlobBulkJobStore({ connectionString: storage.connectionString, containerName: 'bench-bulk' });
    let jobUpdates = 0;
    const jobs: typeof blobJobs = { ...blobJobs, update: (job, version, changed) => { jobUpdates += 1; return blobJobs.update(job, version, changed); } };
    const credentials = createTableCredentialStore({ connectionString: storage.connectionString, tableName: 'BenchCredentials' });
    // The template of facts §4.7's example: two groups (a security group and a Microsoft 365 group of the local tenant's seed).
    const templates = new InMemoryTemplateStore();
    await templates.create(marketingTemplate({
      id: '7e3a0000-0000-4000-8000-00000000e0a1', name: 'Scale', departments: ['Scale'], licence: undefined,
      defaults: { jobTitles: [], extensionAttributes: {} }, groups: SCALE_GROUPS,
    }));
    const deps: BulkDeskDependencies = {
      directory: createGraphDirectory(options), bulkDirectory: createGraphBulkDirectory(options), bulkJobs: jobs,
      templates, templateDirectory: createGraphTemplateDirectory(options),
      bulkReporting: reporting, bulkPolicy: { ...defaultBulkPolicy, maxRows: rows, budgets: { ...defaultBulkPolicy.budgets, directoryWrites: budget } },
      delivery: new RecordingDelivery(), tickets: new RecordingTickets(), store: new InMemoryRequestStore(), audit: new InMemoryAuditLog(),
      credentials, vault: createAesGcmSecretVault({ key: randomBytes(32), keyId: 'bench' }),
      clock: systemClock, random: cryptoRandom, policy: defaultOnboardingPolicy, instanceId: 'bench', roles: adminRoles(), history: noHistory, defaultUsageLocation: 'US',
    };
    await deps.directory.listDomains();
    await jobs.ensureReady();
    const sheet: BulkSheet = {
      rows: Array.from({ length: rows }, (_, i) => ({
        rowNumber: i + 3,
        cells: {
          displayName: `Scale Person${letters(i)}`, userPrincipalName: `${prefix}${i}@contoso.com`, usageLocation: 'US', ticketReference: 'SCALE-1',
          manager: 'adele.vance@contoso.com', department: 'Scale',
        },
      })),
      problems: [], notes: [],
    };
    gc();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 250);
    const counter = countRequests(tenant);
    const reviewStarted = performance.now();
    const review = await reviewBulkSheet(deps, admin, sheet);
    if (review.kind !== 'ready') throw new Error(`scale sheet not ready: ${JSON.stringify(review).slice(0, 300)}`);
    const reviewSeconds = (performance.now() - reviewStarted) / 1000;
    // Reading 10,000 names spent resource units, not writes; the write budget starts full as the floor assumes.
    await decideBulk(deps, admin, review.jobId, 'approve');
    const blobBefore = storage.requests.length;
    jobUpdates = 0;
    const started = performance.now();
    const outcome = await runBulk(deps, review.jobId, pacesFor(deps));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const requests = counter.stop();
    if (outcome.kind !== 'done') throw new Error(`scale run ended ${outcome.kind}`);

    const accounts = tenant.directory().users.filter((u) => u.userPrincipalName.startsWith(prefix) && !u.deletedDateTime);
    const distinct = new Set(accounts.map((a) => a.userPrincipalName)).size;
    const adele = tenant.directory().users.find((u) => u.userPrincipalName === 'adele.vance@contoso.com')!;
    const writes = rows * (2 + SCALE_GROUPS.length);
    const members = (groupId: string) => (tenant.directory().groups.find((g) => g.id === groupId)?.members ?? []).filter((id) => accounts.some((a) => a.id === id)).length;
    const floor = floorSeconds(budget, writes);
    const blobWrites = storage.requests.slice(blobBefore).filter((r) => r.service === 'blob' && r.method === 'PUT');
    const finalJob = (await jobs.get(review.jobId))!.job;
    const wholeJobBytes = Buffer.byteLength(JSON.stringify(finalJob));
    return {
      rows, writes, budget: { writes: budget.capacity, perSeconds: budget.perSeconds }, floorSeconds: floor, seconds, ratioToFloor: seconds / floor, reviewSeconds,
      created: accounts.length, duplicates: accounts.length - distinct, lost: rows - distinct, managersSet: accounts.filter((a) => a.managerId === adele.id).length,
      groupAdds: SCALE_GROUPS.reduce((n, g) => n + members(g.id), 0),
      throttled429: requests.throttled, throttledBy: requests.throttledBy, graphRequests: requests.graph,
      rssBeforeMb: rssBefore / 2 ** 20, peakRssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
      progressMaxBehind: Math.max(0, ...reporting.seen.map((s) => s.inDirectory - s.shown)), progressUpdates: reporting.seen.length,
      blobWrites: blobWrites.length, blobMegabytesWritten: blobWrites.reduce((sum, r) => sum + r.bytes, 0) / 1e6,
      // At most: the job grows as rows fill in, and the final size is used for every write.
      jobUpdates, wholeJobMegabytesWouldBe: jobUpdates * wholeJobBytes / 1e6,
      tableRequests: storage.requests.slice(blobBefore).filter((r) => r.service === 'table').length,
    };
  } finally {
    await tenant.close();
    await storage.close();
    await azurite.process.stop(5000);
  }
}

/** The template's groups in the local tenant's seed: Marketing Team (security) and Marketing (Microsoft 365). */
const SCALE_GROUPS = [
  { id: '6a1d3f0e-0000-4000-8000-0000000000c1', displayName: 'Marketing Team' },
  { id: '6a1d3f0e-0000-4000-8000-0000000000c2', displayName: 'Marketing' },
];

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export async function runBulkBenchmarks(options: { readonly rows?: number; readonly scaleRows?: number } = {}): Promise<{ bulk: BulkFigures[]; scale?: ScaleFigures }> {
  const rows = options.rows ?? 1000;
  console.log(`\n## Bulk onboarding: ${rows} rows, ${LATENCY_MS} ms Graph latency, Entra's throttling model on (real limits)`);
  const figures = [await bulkRun(rows), await naiveRun(rows)];
  for (const f of figures) {
    console.log(`  ${f.name.padEnd(50)} ${formatMs(f.seconds * 1000).padStart(9)}  ${formatRate(f.accountsPerSecond).padStart(6)} accounts/s  `
      + `created ${f.created}, duplicates ${f.duplicates}, Graph requests ${f.graphRequests}, 429s ${f.throttled429}`);
  }
  const [bulk, naive] = figures as [BulkFigures, BulkFigures];
  console.log(`  speed-up: ×${(naive.seconds / bulk.seconds).toFixed(1)}`);
  const scaleRows = options.scaleRows ?? 10_000;
  if (scaleRows <= 0) return { bulk: figures };
  console.log(`\n## Bulk at scale: ${scaleRows} rows with a manager and a template of ${SCALE_GROUPS.length} groups each, ${LATENCY_MS} ms Graph latency, Entra's documented write budget, job and credentials in Azurite`);
  const scale = await atScale(scaleRows);
  console.log(`  floor: ${scale.writes} writes, ${scale.budget.writes} per ${scale.budget.perSeconds} s with a full bucket at the start → (${scale.writes} − ${scale.budget.writes}) ÷ ${scale.budget.writes / scale.budget.perSeconds}/s = ${scale.floorSeconds.toFixed(0)} s`);
  console.log(`  measured: ${scale.seconds.toFixed(1)} s from Create all to done → ${scale.ratioToFloor.toFixed(3)}× the floor (review of ${scale.rows} names: ${scale.reviewSeconds.toFixed(1)} s)`);
  console.log(`  created ${scale.created}, duplicates ${scale.duplicates}, lost ${scale.lost}, managers set ${scale.managersSet}, group memberships added ${scale.groupAdds}; 429s ${scale.throttled429} ${JSON.stringify(scale.throttledBy)} of ${scale.graphRequests} Graph requests`);
  console.log(`  memory: RSS ${scale.rssBeforeMb.toFixed(0)} MB before, peak growth ${scale.peakRssGrowthMb.toFixed(0)} MB (this process also hosts the local tenant and its ${scale.rows} new users)`);
  console.log(`  progress card: ${scale.progressUpdates} updates, at most ${scale.progressMaxBehind} accounts behind the directory when shown`);
  console.log(`  job record: ${scale.jobUpdates} updates in ${scale.blobWrites} blob writes, ${scale.blobMegabytesWritten.toFixed(1)} MB (rewriting the whole job each time: up to ${scale.wholeJobMegabytesWouldBe.toFixed(0)} MB); ${scale.tableRequests} table requests`);
  return { bulk: figures, scale };
}

function restartTrustingLocalCa(caCertPath: string): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath } });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { caCertPath } = ensureLocalCertificates(TLS_DIR);
  if (process.env.NODE_EXTRA_CA_CERTS !== caCertPath) {
    restartTrustingLocalCa(caCertPath);
  } else {
    const flag = (name: string) => {
      const at = process.argv.indexOf(name);
      return at > 0 ? Number(process.argv[at + 1]) : undefined;
    };
    const rows = flag('--rows');
    const scaleRows = flag('--scale-rows');
    const figures = await runBulkBenchmarks({ ...(rows !== undefined ? { rows } : {}), ...(scaleRows !== undefined ? { scaleRows } : {}) });
    const jsonAt = process.argv.indexOf('--json');
    const file = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
    if (file) writeFileSync(file, JSON.stringify({ bulk: figures.bulk, ...(figures.scale ? { bulkAtScale: figures.scale } : {}) }, null, 2));
  }
}
