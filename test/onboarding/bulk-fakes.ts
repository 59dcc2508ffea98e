import {
  defaultBulkPolicy, type BulkJobSummary, type BulkNameProbe, type BulkNamesAnswer, type NameHolder, type BulkCreateAnswer, type BulkCreateItem, type BulkDeskDependencies, type BulkDirectory, type BulkJob,
  type BulkJobStore, type BulkPolicy, type BulkProgress, type BulkReporting, type BulkResultLine, type BulkRevealNotice, type CreateUserOutcome,
  type BulkManagerAnswer, type BulkManagerLink, type ManagerLinkOutcome, type OnboardingPolicy, type OnboardingRecord, type Requester, type RequestHistory, type RoleResolver, type StoredBulkJob,
} from '../../src/onboarding/index.js';
import { Crash, makeWorld, type World } from './fakes.js';

export class InMemoryBulkJobStore implements BulkJobStore {
  readonly jobs = new Map<string, { json: string; version: number }>();
  writes = 0;

  async get(jobId: string): Promise<StoredBulkJob | null> {
    const row = this.jobs.get(jobId);
    return row ? { job: JSON.parse(row.json) as BulkJob, version: String(row.version) } : null;
  }
  async create(job: BulkJob) {
    if (this.jobs.has(job.jobId)) return { kind: 'exists' as const };
    this.jobs.set(job.jobId, { json: JSON.stringify(job), version: 1 });
    return { kind: 'created' as const, version: '1' };
  }
  /** Rows written by each update (all of them when the caller did not say which changed). */
  rowsWritten = 0;
  async update(job: BulkJob, expectedVersion: string, changedRows?: ReadonlySet<number>) {
    const row = this.jobs.get(job.jobId);
    if (!row || String(row.version) !== expectedVersion) return { kind: 'conflict' as const };
    this.writes += 1;
    this.rowsWritten += changedRows?.size ?? job.rows.length;
    this.jobs.set(job.jobId, { json: JSON.stringify(job), version: row.version + 1 });
    return { kind: 'updated' as const, version: String(row.version + 1) };
  }
  async listUnfinished(): Promise<BulkJobSummary[]> {
    const all = await Promise.all([...this.jobs.keys()].map((id) => this.get(id)));
    return all.filter((s): s is StoredBulkJob => !!s && (s.job.status === 'approved' || s.job.status === 'running'))
      .map(({ job }) => ({ jobId: job.jobId, status: job.status, lease: job.lease }));
  }
  async countSentSince(requesterId: string, since: Date) {
    return [...this.jobs.values()].map((r) => JSON.parse(r.json) as BulkJob)
      .filter((j) => j.requester.id === requesterId && Date.parse(j.createdAt) >= since.getTime()).length;
  }
}

/** Batches over the fake directory, item by item; faults per batch ('crash-midway' applies half, then the process dies). */
export class FakeBulkDirectory implements BulkDirectory {
  batches = 0;
  largestBatch = 0;
  batchFaults: Array<'crash-midway' | 'throttle-half' | 'lost-after-apply' | 'near-budget'> = [];
  constructor(private readonly world: World) {}

  nameChecks = 0;
  /** Name checks to answer 429 (Retry-After 1.5 s) for every other probe, in order. */
  nameFaults: Array<'throttle-half'> = [];
  async checkNames(probes: readonly BulkNameProbe[]): Promise<BulkNamesAnswer> {
    this.nameChecks += 1;
    const fault = this.nameFaults.shift();
    const holders: Record<string, readonly NameHolder[]> = {};
    const throttled: Record<string, number | undefined> = {};
    for (const [index, probe] of probes.entries()) {
      if (fault === 'throttle-half' && index % 2 === 1) throttled[probe.key] = 1.5;
      else holders[probe.key] = (await this.world.directory.checkNewAccount(probe)).holders;
    }
    return { holders, throttled };
  }

  async createUsers(items: readonly BulkCreateItem[]): Promise<BulkCreateAnswer> {
    this.batches += 1;
    this.largestBatch = Math.max(this.largestBatch, items.length);
    const fault = this.batchFaults.shift();
    const outcomes: Record<string, CreateUserOutcome> = {};
    for (const [index, item] of items.entries()) {
      if (fault === 'crash-midway' && index === Math.floor(items.length / 2)) throw new Crash('killed in the middle of a batch');
      if (fault === 'throttle-half' && index % 2 === 1) {
        outcomes[item.key] = { kind: 'throttled', retryAfterSeconds: 3 };
        continue;
      }
      outcomes[item.key] = await this.world.directory.createUser(item.draft, item.password, item.marker);
    }
    if (fault === 'lost-after-apply') return { outcomes: {} };
    return { outcomes, throttleLimitPercentage: fault === 'near-budget' ? 0.95 : 0.1 };
  }

  managerBatches = 0;
  /** Per manager batch: 'throttle-half' answers every other link 429 (Retry-After 2 s). */
  managerFaults: Array<'throttle-half'> = [];
  async setManagers(links: readonly BulkManagerLink[]): Promise<BulkManagerAnswer> {
    this.managerBatches += 1;
    const fault = this.managerFaults.shift();
    const outcomes: Record<string, ManagerLinkOutcome> = {};
    for (const [index, link] of links.entries()) {
      if (fault === 'throttle-half' && index % 2 === 1) {
        outcomes[link.key] = { kind: 'throttled', retryAfterSeconds: 2 };
        continue;
      }
      const result = await this.world.directory.setManager(link.userId, link.managerId);
      outcomes[link.key] = result.kind === 'set' ? { kind: 'set' } : { kind: 'failed', graphRequestId: result.graphRequestId };
    }
    return { outcomes };
  }
}

export class RecordingBulkReporting implements BulkReporting {
  readonly progress: Array<{ messageId: string | undefined; progress: BulkProgress }> = [];
  readonly results: Array<{ progress: BulkProgress; lines: readonly BulkResultLine[] }> = [];
  readonly revealCards: Array<{ recipient: Requester; notice: BulkRevealNotice }> = [];
  async sendRevealCard(recipient: Requester, notice: BulkRevealNotice) {
    this.revealCards.push({ recipient, notice });
    return { kind: 'delivered' as const };
  }
  async showProgress(_admin: Requester, progress: BulkProgress, messageId: string | undefined) {
    this.progress.push({ messageId, progress });
    return { messageId: messageId ?? 'progress-1' };
  }
  async postResults(progress: BulkProgress, lines: readonly BulkResultLine[]) {
    this.results.push({ progress, lines });
    return { kind: 'posted' as const, messageId: 'results-1' };
  }
}

export const admin: Requester = { id: 'admin-1', name: 'Isaiah Langer' };

/** A request history with no single requests in it. */
export const noHistory: RequestHistory = { listByRequester: async () => ({ requests: [] }), findByTicketReference: async () => ({ requests: [] }) };

export function adminRoles(adminIds: readonly string[] = [admin.id]): RoleResolver {
  return {
    roleOf: async (id) => (adminIds.includes(id) ? 'admin' : 'requester'),
    whomToAsk: async () => ({ admins: '“Onboarding Admins”', requesters: '“Hiring Managers”' }),
  };
}

export interface BulkWorld extends World {
  bulkDirectory: FakeBulkDirectory;
  bulkJobs: InMemoryBulkJobStore;
  bulkReporting: RecordingBulkReporting;
  bulkDeps(instanceId?: string, policy?: Partial<BulkPolicy>, onboarding?: Partial<OnboardingPolicy>): BulkDeskDependencies;
}

export function makeBulkWorld(seed = 11): BulkWorld {
  const world = makeWorld(seed);
  const bulkDirectory = new FakeBulkDirectory(world);
  const bulkJobs = new InMemoryBulkJobStore();
  const bulkReporting = new RecordingBulkReporting();
  return {
    ...world, bulkDirectory, bulkJobs, bulkReporting,
    bulkDeps: (instanceId = 'instance-a', policy = {}, onboarding = {}) => ({
      ...world.deps(instanceId, onboarding), bulkDirectory, bulkJobs, bulkReporting, roles: adminRoles(), defaultUsageLocation: 'US',
      history: {
        listByRequester: async () => ({ requests: [] }),
        // The requests stored under a ticket, newest first (as the table index answers).
        findByTicketReference: async (ticket: string, limit: number) => ({
          requests: [...world.store.records.values()].map((r, i) => ({ record: JSON.parse(r.json) as OnboardingRecord, version: String(r.version), i }))
            .filter(({ record }) => record.request?.ticketReference.toLowerCase() === ticket.toLowerCase())
            .reverse().slice(0, limit).map(({ record, version }) => ({ record, version })),
        }),
      },
      bulkPolicy: { ...defaultBulkPolicy, ...policy },
    }),
  };
}
