/**
 * The bulk benchmark: 1,000 rows at 100 ms Graph latency (every HTTP request to the local
 * tenant waits 100 ms) with Entra's throttling model on at its real limits — the bulk runner
 * (JSON batches of 20, four in flight, Retry-After honoured) against the recipe's naive
 * sequential loop (per row: GET the UPN, then POST /users if it is free). Both over real
 * HTTPS with the real Graph adapters; stores, audit and Teams in memory. Figures only.
 *
 * Run through run.ts (`npm run bench`), or alone: `tsx test/bench/bulk.ts [--json FILE] [--rows N]`.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGraphBulkDirectory } from '../../src/directory/graph-bulk-directory.js';
import { createGraphDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import {
  createAesGcmSecretVault, cryptoRandom, decideBulk, defaultBulkPolicy, defaultOnboardingPolicy, generateTemporaryPassword, reviewBulkSheet,
  runBulk, systemClock, userDraftFrom, type BulkDeskDependencies, type BulkSheet,
} from '../../src/onboarding/index.js';
import { InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets } from '../onboarding/fakes.js';
import { admin, adminRoles, InMemoryBulkJobStore, noHistory, RecordingBulkReporting } from '../onboarding/bulk-fakes.js';
import { formatMs, formatRate } from './harness.js';

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

/** Counts Graph requests (batch parts included) and 429s, draining the tenant's bounded log often. */
function countRequests(tenant: LocalTenant): { stop(): { graph: number; throttled: number } } {
  let last = 0;
  const total = { graph: 0, throttled: 0 };
  const drain = () => {
    for (const entry of tenant.requestLog(last)) {
      last = entry.sequence;
      if (entry.path.startsWith('/v1.0/')) total.graph += 1;
      if (entry.status === 429) total.throttled += 1;
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
      clock: systemClock, random: cryptoRandom, policy: defaultOnboardingPolicy, instanceId: 'bench', roles: adminRoles(), history: noHistory,
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

export async function runBulkBenchmarks(options: { readonly rows?: number } = {}): Promise<BulkFigures[]> {
  const rows = options.rows ?? 1000;
  console.log(`\n## Bulk onboarding: ${rows} rows, ${LATENCY_MS} ms Graph latency, Entra's throttling model on (real limits)`);
  const figures = [await bulkRun(rows), await naiveRun(rows)];
  for (const f of figures) {
    console.log(`  ${f.name.padEnd(50)} ${formatMs(f.seconds * 1000).padStart(9)}  ${formatRate(f.accountsPerSecond).padStart(6)} accounts/s  `
      + `created ${f.created}, duplicates ${f.duplicates}, Graph requests ${f.graphRequests}, 429s ${f.throttled429}`);
  }
  const [bulk, naive] = figures as [BulkFigures, BulkFigures];
  console.log(`  speed-up: ×${(naive.seconds / bulk.seconds).toFixed(1)}`);
  return figures;
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
    const rowsAt = process.argv.indexOf('--rows');
    const figures = await runBulkBenchmarks(rowsAt > 0 ? { rows: Number(process.argv[rowsAt + 1]) } : {});
    const jsonAt = process.argv.indexOf('--json');
    const file = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
    if (file) writeFileSync(file, JSON.stringify({ bulk: figures }, null, 2));
  }
}
