/**
 * End-to-end benchmarks over real HTTPS: the local tenant (Entra token service + Graph
 * emulator) in this process, the real Graph adapter (@azure/identity + graph client) and
 * the real workflow, with in-memory store, audit, delivery and tickets from the unit tests.
 *
 * Run through run.ts (`npm run bench`), or alone: `tsx test/bench/end-to-end.ts [--json FILE]`.
 * Node reads NODE_EXTRA_CA_CERTS only at start-up, so when it does not point at the local
 * CA this file starts itself again with it set: TLS verification is never turned off.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGraphDirectory } from '../../src/directory/index.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import type { RequestLogEntry } from '../../src/local-tenant/request-log.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import type { ThrottlingSettings } from '../../src/local-tenant/graph/throttling.js';
import {
  checkUpnFree, createAesGcmSecretVault, cryptoRandom, defaultOnboardingPolicy, onboard, systemClock,
  type Directory, type OnboardingDependencies, type OnboardingStatus,
} from '../../src/onboarding/index.js';
import { form, InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets, requester } from '../onboarding/fakes.js';
import { benchAsync, formatMs, formatRate, printTable, type BenchResult } from './harness.js';

export const TLS_DIR = fileURLToPath(new URL('../../.local/tls', import.meta.url));

// ------------------------------------------------------------------------------ request log

export interface Tally {
  graph: number;
  token: number;
  throttled: number;
  /** Log entries that fell out of the tenant's bounded log before we read them. */
  lost: number;
  byOperation: Record<string, number>;
  throttledByOperation: Record<string, number>;
}

const emptyTally = (): Tally => ({ graph: 0, token: 0, throttled: 0, lost: 0, byOperation: {}, throttledByOperation: {} });

/** Drains tenant.requestLog() often enough that its 2,000-entry window never drops anything unseen. */
export class RequestCounter {
  private last = 0;
  private readonly total = emptyTally();
  private readonly timer: NodeJS.Timeout;
  /** Date.now() of the first 429 this counter saw, if any. */
  firstThrottledAt: number | undefined;

  constructor(private readonly tenant: LocalTenant) {
    this.timer = setInterval(() => this.drain(), 50);
    this.timer.unref();
  }

  drain(): Tally {
    const entries: RequestLogEntry[] = this.tenant.requestLog(this.last);
    const first = entries[0];
    if (first && first.sequence > this.last + 1) this.total.lost += first.sequence - this.last - 1;
    for (const entry of entries) {
      this.last = entry.sequence;
      if (entry.path.startsWith('/v1.0')) {
        this.total.graph += 1;
        const op = entry.operation ?? `${entry.method} ?`;
        this.total.byOperation[op] = (this.total.byOperation[op] ?? 0) + 1;
        if (entry.throttled || entry.status === 429) {
          this.total.throttled += 1;
          this.firstThrottledAt ??= Date.parse(entry.time);
          this.total.throttledByOperation[op] = (this.total.throttledByOperation[op] ?? 0) + 1;
        }
      } else if (entry.path.includes('/oauth2/')) this.total.token += 1;
    }
    return structuredClone(this.total);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function since(before: Tally, after: Tally): Tally {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
  return {
    graph: after.graph - before.graph,
    token: after.token - before.token,
    throttled: after.throttled - before.throttled,
    lost: after.lost - before.lost,
    byOperation: diff(after.byOperation, before.byOperation),
    throttledByOperation: diff(after.throttledByOperation, before.throttledByOperation),
  };
}

// ------------------------------------------------------------------------------ the world

interface World {
  readonly tenant: LocalTenant;
  readonly directory: Directory;
  readonly deps: OnboardingDependencies;
  readonly counter: RequestCounter;
  close(): Promise<void>;
}

async function openWorld(throttling: boolean): Promise<World> {
  const tenant = await startLocalTenant({ port: 0, stateDir: null, throttling, tlsDir: TLS_DIR });
  const directory = createGraphDirectory({
    baseUrl: tenant.graphBaseUrl,
    tenantId: tenant.tenantId,
    credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret },
    authorityHost: tenant.authorityHost,
    disableInstanceDiscovery: true,
  });
  const deps: OnboardingDependencies = {
    directory,
    delivery: new RecordingDelivery(),
    tickets: new RecordingTickets(),
    store: new InMemoryRequestStore(),
    audit: new InMemoryAuditLog(),
    vault: createAesGcmSecretVault({ key: randomBytes(32), keyId: 'bench' }),
    credentials: new InMemoryCredentialStore(),
    clock: systemClock,
    random: cryptoRandom,
    policy: defaultOnboardingPolicy,
    instanceId: 'bench',
  };
  const counter = new RequestCounter(tenant);
  return {
    tenant, directory, deps, counter,
    close: async () => {
      counter.stop();
      await tenant.close();
    },
  };
}

// Every onboarding gets a new person: accented given names, a surname spelled from the counter.
const GIVEN = ['José', 'Zoë', 'Søren', 'Łukasz', 'Anne-Marie', 'Björk', 'Günter', 'Chloé'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'bo', 'da', 'fe', 'gu', 'hi', 'jo', 'pe'];
let people = 0;

function nextPerson(): { requestId: string; card: Record<string, unknown> } {
  people += 1;
  let n = people;
  let surname = '';
  do {
    surname += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  surname = `${surname.charAt(0).toUpperCase()}${surname.slice(1)}sson`;
  return {
    requestId: `bench-${people}-${cryptoRandom.uuid()}`,
    card: form({ givenName: GIVEN[people % GIVEN.length], surname, ticketReference: `BENCH-${people}`, manager: 'adele.vance@contoso.com' }),
  };
}

/** Runs `iterations` full onboardings and reports outcomes and Graph requests per onboarding. */
async function onboardings(world: World, name: string, iterations: number, concurrency: number): Promise<BenchResult> {
  const statuses: Partial<Record<OnboardingStatus, number>> = {};
  const run = async (): Promise<void> => {
    const person = nextPerson();
    const outcome = await onboard(world.deps, { requestId: person.requestId, requester, form: person.card });
    statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
  };
  const before = world.counter.drain();
  return benchAsync(name, run, { iterations, concurrency }, () => {
    const t = since(before, world.counter.drain());
    if ((statuses.done ?? 0) !== iterations) console.warn(`WARNING ${name}: not every onboarding finished: ${JSON.stringify(statuses)}`);
    return {
      done: statuses.done ?? 0,
      notDone: iterations - (statuses.done ?? 0),
      graphPerOnboarding: t.graph / iterations,
      tokenRequests: t.token,
      throttled: t.throttled,
      ...(t.lost ? { logLost: t.lost } : {}),
      perOnboarding: Object.entries(t.byOperation).map(([op, count]) => `${op}:${Number((count / iterations).toFixed(2))}`).join(','),
    };
  });
}

/** checkUpnFree in a loop: `free` asks for names nobody has (one $filter over UPN, mailNickname and proxyAddresses), `taken` for a seeded user. */
async function upnChecks(world: World, kind: 'free' | 'taken', iterations: number): Promise<BenchResult> {
  const warmup = 20;
  let free = 0;
  let before = emptyTally();
  return benchAsync(`checkUpnFree (${kind})`, async (i) => {
    if (i === warmup) before = world.counter.drain();
    const check = kind === 'free'
      ? await checkUpnFree(world.directory, `nobody.${i}@contoso.com`, `nobody.${i}`)
      : await checkUpnFree(world.directory, 'adele.vance@contoso.com', 'adele.vance');
    if (check.free && i >= warmup) free += 1;
  }, { iterations, concurrency: 1, warmup }, () => ({ free, graphPerCheck: since(before, world.counter.drain()).graph / iterations }));
}

// ------------------------------------------------------------------------------ throttled

export interface FloorResult {
  readonly concurrency: number;
  readonly seconds: number;
  readonly accounts: number;
  readonly accountsPerSecond: number;
  /** Before the first 429: the burst allowance of the token buckets. */
  readonly burst: { readonly seconds: number; readonly accounts: number; readonly accountsPerSecond: number };
  /** From the first 429 on: the rate the limits let through ("the floor"). */
  readonly throttledPhase: { readonly seconds: number; readonly accounts: number; readonly accountsPerSecond: number } | null;
  readonly graphRequests: number;
  readonly throttled429: number;
  readonly throttledByOperation: Record<string, number>;
  readonly statuses: Partial<Record<OnboardingStatus, number>>;
  /** Onboardings that finished with a warning (e.g. the manager could not be set). */
  readonly withWarnings: number;
  /** The write limit's steady rate divided by the writes one onboarding needs (POST /users + PUT manager). */
  readonly documentedWriteFloorPerSecond: number;
  readonly limits: ThrottlingSettings;
}

/**
 * Throttling ON with Entra's real limits, on a fresh tenant: onboardings as fast as the
 * workers can push them until 429s have come for `throttledSeconds` (at most `maxSeconds`).
 * The RetryHandler (reads) and the workflow (POST /users) wait out each Retry-After, so
 * after the burst allowance is spent the rate settles where the limits put it.
 */
async function underRealLimits(concurrency: number, throttledSeconds: number, maxSeconds: number): Promise<{ result: BenchResult; floor: FloorResult }> {
  const world = await openWorld(true);
  try {
    const limits = world.tenant.throttling();
    const statuses: Partial<Record<OnboardingStatus, number>> = {};
    const doneAt: number[] = [];
    let withWarnings = 0;
    const started = Date.now();
    const before = world.counter.drain();
    let tally = emptyTally();
    const stopWhen = (): boolean => {
      const now = Date.now();
      const first = world.counter.firstThrottledAt;
      return now - started >= maxSeconds * 1000 || (first !== undefined && now - first >= throttledSeconds * 1000);
    };
    const result = await benchAsync('onboard, throttling ON (real limits)', async () => {
      const person = nextPerson();
      const outcome = await onboard(world.deps, { requestId: person.requestId, requester, form: person.card });
      statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
      if (outcome.warnings.length > 0) withWarnings += 1;
      if (outcome.status === 'done') doneAt.push(Date.now());
    }, { iterations: 1_000_000, concurrency, stopWhen }, ({ wallMs }) => {
      tally = since(before, world.counter.drain());
      return {
        done: statuses.done ?? 0,
        notDone: Object.entries(statuses).filter(([k]) => k !== 'done').reduce((sum, [, v]) => sum + (v ?? 0), 0),
        accountsPerSec: (statuses.done ?? 0) / (wallMs / 1000),
        '429s': tally.throttled,
        graphPerOnboarding: tally.graph / Math.max(1, doneAt.length),
      };
    });
    const ended = Date.now();
    const first = world.counter.firstThrottledAt;
    const phase = (from: number, to: number) => {
      const accounts = doneAt.filter((t) => t >= from && t < to).length;
      const seconds = (to - from) / 1000;
      return { seconds, accounts, accountsPerSecond: seconds > 0 ? accounts / seconds : Number.NaN };
    };
    const floor: FloorResult = {
      concurrency,
      seconds: (ended - started) / 1000,
      accounts: statuses.done ?? 0,
      accountsPerSecond: (statuses.done ?? 0) / ((ended - started) / 1000),
      burst: phase(started, first ?? ended + 1),
      throttledPhase: first === undefined ? null : phase(first, ended + 1),
      graphRequests: tally.graph,
      throttled429: tally.throttled,
      throttledByOperation: tally.throttledByOperation,
      statuses,
      withWarnings,
      documentedWriteFloorPerSecond: limits.writesPerWindow / limits.writeWindowSeconds / 2,
      limits,
    };
    return { result, floor };
  } finally {
    await world.close();
  }
}

// ------------------------------------------------------------------------------ main

export interface EndToEndResults {
  readonly upn: BenchResult[];
  readonly onboarding: BenchResult[];
  readonly throttled: { readonly result: BenchResult; readonly floor: FloorResult };
}

export async function runEndToEndBenchmarks(options: { readonly onboardings?: number; readonly throttledSeconds?: number; readonly maxFloorSeconds?: number } = {}): Promise<EndToEndResults> {
  const n = options.onboardings ?? 200;
  const world = await openWorld(false);
  let upn: BenchResult[];
  let onboarding: BenchResult[];
  try {
    upn = [await upnChecks(world, 'free', 300), await upnChecks(world, 'taken', 300)];
    printTable('checkUpnFree over HTTPS (local tenant, throttling off)', upn);
    // Not measured: JIT, connection pool and token cache warm before the timed runs (the
    // first few hundred onboardings of a cold process run ~20% slower).
    await onboardings(world, 'warm-up', 60, 8);
    onboarding = [
      await onboardings(world, `onboard ×${n}, concurrency 1`, n, 1),
      await onboardings(world, `onboard ×${n}, concurrency 8`, n, 8),
    ];
    printTable('Full onboarding: validate → check → create → manager → deliver → record (throttling off)', onboarding);
  } finally {
    await world.close();
  }
  const throttled = await underRealLimits(16, options.throttledSeconds ?? 12, options.maxFloorSeconds ?? 55);
  printTable('Full onboarding under Entra\'s real throttling limits (fresh tenant, until 429s have come for a while)', [throttled.result]);
  const f = throttled.floor;
  const b = f.burst;
  const t = f.throttledPhase;
  console.log(`  burst: ${b.accounts} accounts in ${b.seconds.toFixed(1)} s (${formatRate(b.accountsPerSecond)}/s) before the first 429`);
  console.log(t
    ? `  floor: ${formatRate(t.accountsPerSecond)} accounts/s over ${t.seconds.toFixed(1)} s once throttled; ${f.throttled429} answers were 429 ${JSON.stringify(f.throttledByOperation)}`
    : `  no 429 in ${f.seconds.toFixed(1)} s: this process could not outrun the limits`);
  console.log(`  documented write floor: ${f.limits.writesPerWindow} writes / ${f.limits.writeWindowSeconds} s ÷ 2 writes per onboarding = ${formatRate(f.documentedWriteFloorPerSecond)} accounts/s; `
    + `statuses ${JSON.stringify(f.statuses)}, ${f.withWarnings} with warnings, p95 ${formatMs(throttled.result.latencyMs.p95)}`);
  return { upn, onboarding, throttled };
}

/** Starts this file again with NODE_EXTRA_CA_CERTS pointing at the local CA (read by Node at start-up only). */
function restartTrustingLocalCa(caCertPath: string): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath },
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { caCertPath } = ensureLocalCertificates(TLS_DIR);
  if (process.env.NODE_EXTRA_CA_CERTS !== caCertPath) {
    restartTrustingLocalCa(caCertPath);
  } else {
    const results = await runEndToEndBenchmarks();
    const jsonAt = process.argv.indexOf('--json');
    const file = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
    if (file) writeFileSync(file, JSON.stringify({ endToEnd: results }, null, 2));
  }
}
