/**
 * One run's hold on a bulk job: the job in memory, every change noted per row and written in
 * one compare-and-set at a time (renewing the run's lease), telling the store which rows
 * changed so it writes only the parts of the record that hold them — a 10,000-row job is not
 * rewritten whole for every batch of 20. Another run that took the job over makes the next
 * write fail: this run then stops (LeaseLost).
 */
import type { BulkDependencies, BulkJob, BulkRowRecord } from './bulk-job.js';
import type { StoredBulkJob } from './bulk-ports.js';
import type { Pace } from './bulk-pace.js';

export class LeaseLost extends Error {}

/** What a run may change of a row (never its number, request or recipient). */
export type RowChange = Partial<Omit<BulkRowRecord, 'rowNumber' | 'request' | 'recipient'>>;

export class BulkRecord {
  private stored: StoredBulkJob;
  private writing: Promise<unknown> = Promise.resolve();
  private pendingChanges = new Map<number, RowChange>();
  private readonly indexOf = new Map<number, number>();

  constructor(private readonly deps: BulkDependencies, stored: StoredBulkJob) {
    this.stored = stored;
    stored.job.rows.forEach((row, index) => this.indexOf.set(row.rowNumber, index));
  }

  get job(): BulkJob {
    return this.stored.job;
  }

  /** The row as it is now, with the changes not written yet. */
  row(rowNumber: number): BulkRowRecord {
    const index = this.indexOf.get(rowNumber);
    const row = index === undefined ? undefined : this.job.rows[index];
    if (!row) throw new Error(`Bulk ${this.job.jobId} has no row ${rowNumber}`);
    const change = this.pendingChanges.get(rowNumber);
    return change ? { ...row, ...change } : row;
  }

  /** Rows as they are now that match `test`. */
  rows(test: (row: BulkRowRecord) => boolean): BulkRowRecord[] {
    return this.job.rows.map((row) => this.row(row.rowNumber)).filter(test);
  }

  /** Notes a change of one row; `flush` writes all noted changes in one compare-and-set. */
  change(rowNumber: number, change: RowChange): void {
    this.pendingChanges.set(rowNumber, { ...this.pendingChanges.get(rowNumber), ...change });
  }

  flush(): Promise<void> {
    return this.update((job) => job);
  }

  /** Applies `mutate` and the noted row changes to the job and writes it (one write at a time), renewing the lease. */
  update(mutate: (job: BulkJob) => BulkJob): Promise<void> {
    const next = this.writing.then(async () => {
      const changes = this.pendingChanges;
      this.pendingChanges = new Map();
      const changedRows = new Set<number>();
      let rows = this.job.rows;
      if (changes.size > 0) {
        const copy = [...rows];
        for (const [rowNumber, change] of changes) {
          const index = this.indexOf.get(rowNumber)!;
          copy[index] = { ...copy[index]!, ...change };
          changedRows.add(index);
        }
        rows = copy;
      }
      const job: BulkJob = { ...mutate({ ...this.job, rows }), updatedAt: this.deps.clock.now().toISOString() };
      const withLease = job.status === 'done' ? job : { ...job, lease: this.leaseFor() };
      const written = await this.deps.bulkJobs.update(withLease, this.stored.version, changedRows);
      if (written.kind === 'conflict') throw new LeaseLost(`Bulk ${job.jobId} was changed by another run`);
      this.stored = { job: withLease, version: written.version };
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  leaseFor(): { owner: string; until: string } {
    return { owner: this.deps.instanceId, until: new Date(this.deps.clock.now().getTime() + this.deps.policy.leaseMs).toISOString() };
  }
}

/** The budgets a run paces itself to (bulk-pace.ts), one per service. */
export interface BulkPaces {
  readonly directoryWrites: Pace;
  readonly authenticationMethods: Pace;
  readonly mailboxMessages: Pace;
  /** Reads the run makes before a write (a guest's address looked up before their invitation). */
  readonly directoryReads: Pace;
}

/** What the steps of one run share: its hold on the job, its pace, and its progress card. */
export interface BulkRunContext {
  readonly deps: BulkDependencies;
  readonly record: BulkRecord;
  readonly paces: BulkPaces;
  /** The admin's progress card, updated in place at most every progressEveryMs unless `force`. */
  showProgress(force: boolean): Promise<void>;
}

/** `work` on every item, `lanes` at a time, in order. */
export async function inLanes<T>(items: readonly T[], lanes: number, work: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(Math.max(1, lanes), queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}
