/**
 * Bulk onboarding with the real Graph adapters (JSON batching for the creates, the Directory
 * for read-backs) against the local tenant over HTTPS, with Entra's throttling model and
 * faults. Storage and the Teams side are in memory.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createGraphDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { createGraphBulkDirectory } from '../../src/directory/graph-bulk-directory.js';
import {
  createAesGcmSecretVault, cryptoRandom, decideBulk, defaultBulkPolicy, defaultOnboardingPolicy, reviewBulkSheet, runBulk,
  Secret, systemClock, type BulkDeskDependencies,
} from '../../src/onboarding/index.js';
import { readBulkSheet } from '../../src/request-reading/bulk-sheet.js';
import { InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets } from '../onboarding/fakes.js';
import { admin, adminRoles, InMemoryBulkJobStore, noHistory, RecordingBulkReporting } from '../onboarding/bulk-fakes.js';

let tenant: LocalTenant;

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: true });
});
afterAll(async () => {
  await tenant?.close();
});
beforeEach(() => {
  tenant.reset();
  tenant.setFaults({});
  tenant.setThrottling({ enabled: true, writesPerWindow: 3000, writeWindowSeconds: 150 });
  tenant.clearRequestLog();
});

function graphOptions(): GraphDirectoryOptions {
  return {
    baseUrl: tenant.graphBaseUrl, tenantId: tenant.tenantId, authorityHost: tenant.authorityHost, disableInstanceDiscovery: true,
    credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret },
    readRetries: 6, maxRetryAfterSeconds: 2, requestTimeoutMs: 5_000, readTimeoutMs: 6_000, readRetryDelaySeconds: 0,
  };
}

function world() {
  const reporting = new RecordingBulkReporting();
  const deps: BulkDeskDependencies = {
    directory: createGraphDirectory(graphOptions()), bulkDirectory: createGraphBulkDirectory(graphOptions()),
    bulkJobs: new InMemoryBulkJobStore(), bulkReporting: reporting, bulkPolicy: { ...defaultBulkPolicy, progressEveryMs: 0 },
    delivery: new RecordingDelivery(), tickets: new RecordingTickets(), store: new InMemoryRequestStore(), audit: new InMemoryAuditLog(),
    credentials: new InMemoryCredentialStore(), vault: createAesGcmSecretVault({ key: randomBytes(32), keyId: 'k' }),
    clock: systemClock, random: cryptoRandom, policy: defaultOnboardingPolicy, instanceId: 'bulk-test', roles: adminRoles(), history: noHistory, defaultUsageLocation: 'US',
  };
  return { deps, reporting };
}

const csv = (count: number, extra: string[] = []): string => [
  'version:v1.0',
  'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Ticket',
  ...Array.from({ length: count }, (_, i) => `Bulk Person${letters(i)},bulk.${i}@contoso.com,,No,US,REORG-9`),
  ...extra,
].join('\n');
const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');

async function approved(deps: BulkDeskDependencies, text: string): Promise<string> {
  const review = await reviewBulkSheet(deps, admin, readBulkSheet(text));
  if (review.kind !== 'ready') throw new Error(JSON.stringify(review));
  await decideBulk(deps, admin, review.jobId, 'approve');
  return review.jobId;
}

const bulkAccounts = () => tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('bulk.'));

describe('bulk onboarding against the local tenant', () => {
  it('when 30 rows meet a write budget that throttles part of a batch, then the throttled items wait their Retry-After and every row is created exactly once', async () => {
    const { deps, reporting } = world();
    tenant.setThrottling({ writesPerWindow: 15, writeWindowSeconds: 3 });
    const jobId = await approved(deps, csv(30));
    expect(await runBulk(deps, jobId)).toEqual({ kind: 'done' });
    const accounts = bulkAccounts();
    expect(accounts).toHaveLength(30);
    expect(new Set(accounts.map((a) => a.userPrincipalName)).size).toBe(30);
    const log = tenant.requestLog();
    expect(log.some((e) => e.batchPartId !== undefined && e.throttled)).toBe(true);
    expect(log.filter((e) => e.method === 'POST' && e.path.endsWith('/users') && e.status === 201)).toHaveLength(30);
    expect(reporting.results[0]?.lines.filter((l) => l.outcome === 'created')).toHaveLength(30);
  });

  it('when a batch is applied but its answer is lost, then the rows are read back as ours and none is created twice', async () => {
    const { deps, reporting } = world();
    tenant.setFaults({ rules: [{ action: 'lostResponse', method: 'POST', path: '\\$batch', count: 1 }] });
    const jobId = await approved(deps, csv(12));
    await runBulk(deps, jobId);
    expect(bulkAccounts()).toHaveLength(12);
    expect(reporting.results[0]?.lines.every((l) => l.outcome === 'created')).toBe(true);
  });

  it('when 25 rows name a manager, then the managers are linked with two JSON batches of PUT …/manager/$ref, not 25 calls', async () => {
    const { deps, reporting } = world();
    const sheet = csv(25).split('\n').map((line, i) => (i === 0 ? line : i === 1 ? `${line},Manager` : `${line},adele.vance@contoso.com`)).join('\n');
    const jobId = await approved(deps, sheet);
    expect(await runBulk(deps, jobId)).toEqual({ kind: 'done' });
    const adele = tenant.directory().users.find((u) => u.userPrincipalName === 'adele.vance@contoso.com')!;
    expect(bulkAccounts().map((a) => a.managerId)).toEqual(Array.from({ length: 25 }, () => adele.id));
    const log = tenant.requestLog();
    const links = log.filter((e) => e.method === 'PUT' && /\/manager\/\$ref$/.test(e.path));
    expect(links).toHaveLength(25);
    expect(links.every((e) => e.batchPartId !== undefined && e.status === 204)).toBe(true);
    // 2 batches of name checks at the review, 2 of creates, 2 of links.
    expect(log.filter((e) => e.method === 'POST' && e.path.endsWith('/$batch') && e.batchPartId === undefined)).toHaveLength(2 + 2 + 2);
    expect(log.filter((e) => e.method === 'GET' && e.path.endsWith('/users') && e.batchPartId !== undefined)).toHaveLength(25);
    expect(reporting.results[0]?.lines.every((l) => l.outcome === 'created' && l.problem === undefined)).toBe(true);
  });

  it('when a row names a user name or mail nickname that exists already, then the review names that row, read 20 names to a batch, and nothing is created', async () => {
    const { deps } = world();
    const review = await reviewBulkSheet(deps, admin, readBulkSheet(csv(3, ['Adele Again,adele.vance@contoso.com,,No,US,REORG-9'])));
    expect(review).toMatchObject({ kind: 'problems', badRows: 1, problems: [{ rowNumber: 6, message: 'adele.vance@contoso.com already belongs to another account: give this row another user name.' }] });
    expect(bulkAccounts()).toHaveLength(0);
  });

  it('when the review\'s name checks outrun the resource units, then the throttled parts are read again after their Retry-After and the sheet is ready', async () => {
    const { deps } = world();
    tenant.setThrottling({ resourceUnitsPerWindow: 30, windowSeconds: 2 });
    const review = await reviewBulkSheet(deps, admin, readBulkSheet(csv(60)));
    expect(review.kind).toBe('ready');
    const reads = tenant.requestLog().filter((e) => e.method === 'GET' && e.path.endsWith('/users') && e.batchPartId !== undefined);
    expect(reads.filter((e) => e.status === 200)).toHaveLength(60);
    expect(reads.some((e) => e.status === 429)).toBe(true);
  });

  it('when a row\'s user name is taken after the review, then that row fails with a sentence and the others are created', async () => {
    const { deps, reporting } = world();
    const jobId = await approved(deps, csv(3));
    await createGraphDirectory(graphOptions()).createUser(
      { userPrincipalName: 'bulk.1@contoso.com', mailNickname: 'bulk.1', displayName: 'Someone Else', givenName: 'Someone', surname: 'Else', usageLocation: 'US' },
      new Secret('Xy7!kLm2#Pq9$Rt4'), 'someone-else',
    );
    await runBulk(deps, jobId);
    expect(bulkAccounts()).toHaveLength(3);
    expect(reporting.results[0]?.lines.find((l) => l.userPrincipalName === 'bulk.1@contoso.com'))
      .toMatchObject({ outcome: 'failed', problem: 'bulk.1@contoso.com already belongs to another account.' });
  });
});

