/**
 * Running an approved bulk: the accounts are created through batches of POST /users, a few
 * batches in flight, paced to Entra's write budget — a throttled item waits its Retry-After,
 * and the runner slows down when Graph says the budget is nearly used. Safe to call any
 * number of times, from any instance: the job is held under a lease, every row is marked
 * `creating` before its POST is sent, and rows found `creating` are read back first (see
 * bulk-job.ts). The admin's progress card is updated in place, every few seconds; at the
 * end IT gets the results sheet (no secret) in the ticket channel.
 */
import { bulkEvent, countRows, credentialIdForRow, markerForRow, type BulkDependencies, type BulkJob, type BulkRowRecord } from './bulk-job.js';
import type { BulkResultLine } from './bulk-rows.js';
import { userDraftFrom } from './create-account.js';
import { sealedPasswordOf, sealNewPassword } from './credentials.js';
import { DirectoryError } from './errors.js';
import type { BulkCreateItem, BulkProgress, ManagerLinkOutcome, StoredBulkJob } from './bulk-ports.js';
import type { CreateUserOutcome } from './ports.js';
import { revealParts } from './bulk-reveal.js';
import { sayBulk } from './sentences.js';

export type BulkRunOutcome = { readonly kind: 'done' | 'busy' | 'not-approved' | 'lost' | 'unknown' };

export async function runBulk(deps: BulkDependencies, jobId: string): Promise<BulkRunOutcome> {
  const run = new BulkRun({ ...deps, instanceId: `${deps.instanceId}/${deps.random.uuid()}` });
  const claimed = await run.claim(jobId);
  if (claimed.kind !== 'claimed') return claimed;
  try {
    await run.readBackUnsettledRows();
    await run.createPendingRows();
    await run.close();
    return { kind: 'done' };
  } catch (error) {
    if (error instanceof LeaseLost) return { kind: 'lost' };
    throw error;
  }
}

/** Bulks approved but not finished, run again (at start-up): each finishes what it had left. */
export async function resumeBulks(deps: BulkDependencies): Promise<number> {
  let resumed = 0;
  for (const { job } of await deps.bulkJobs.listUnfinished()) {
    if ((await runBulk(deps, job.jobId)).kind === 'done') resumed += 1;
  }
  return resumed;
}

class LeaseLost extends Error {}

type RowChange = Partial<Omit<BulkRowRecord, 'rowNumber' | 'request' | 'recipient'>>;

/** One run of one job: the job in memory, every change written through one compare-and-set queue. */
class BulkRun {
  private stored!: StoredBulkJob;
  private writing: Promise<unknown> = Promise.resolve();
  private lastProgressAt = 0;
  private pauseUntil = 0;

  constructor(private readonly deps: BulkDependencies) {}

  private get job(): BulkJob {
    return this.stored.job;
  }

  async claim(jobId: string): Promise<{ kind: 'claimed' } | BulkRunOutcome> {
    for (;;) {
      const stored = await this.deps.bulkJobs.get(jobId);
      if (!stored) return { kind: 'unknown' };
      const { job } = stored;
      if (job.status !== 'approved' && job.status !== 'running') return { kind: job.status === 'done' ? 'done' : 'not-approved' };
      const lease = job.lease;
      if (lease && lease.owner !== this.deps.instanceId && Date.parse(lease.until) > this.deps.clock.now().getTime()) return { kind: 'busy' };
      const next: BulkJob = { ...job, status: 'running', lease: this.leaseFor(), updatedAt: this.deps.clock.now().toISOString() };
      const written = await this.deps.bulkJobs.update(next, stored.version);
      if (written.kind === 'conflict') continue;
      this.stored = { job: next, version: written.version };
      if (job.status === 'approved') await this.deps.audit.append(bulkEvent(this.deps, next, 'bulk.started', { rows: job.rows.length }));
      await this.showProgress(true);
      return { kind: 'claimed' };
    }
  }

  /** Rows a crashed run left `creating`: read back by user name before anything is sent again. */
  async readBackUnsettledRows(): Promise<void> {
    const unsettled = this.job.rows.filter((r) => r.state === 'creating');
    await this.inParallel(unsettled, async (row) => {
      const found = await this.deps.directory.findUserByUpn(row.request.userPrincipalName);
      if (!found) return this.change(row.rowNumber, { state: 'pending' });
      if (found.marker === row.marker) return this.change(row.rowNumber, { state: 'created', objectId: found.id });
      return this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
    });
    await this.flush();
  }

  /** Pending rows in batches, `concurrentBatches` at a time, until every row is created or failed. */
  async createPendingRows(): Promise<void> {
    const { concurrentBatches } = this.deps.bulkPolicy;
    const taken = new Set<number>();
    const worker = async (): Promise<void> => {
      for (;;) {
        await this.waitForBudget();
        const batch = this.nextBatch(taken);
        if (batch.kind === 'finished') return;
        if (batch.kind === 'wait') {
          await this.deps.clock.sleep(batch.ms);
          continue;
        }
        try {
          await this.sendBatch(batch.rows);
        } finally {
          for (const row of batch.rows) taken.delete(row.rowNumber);
        }
        await this.showProgress(false);
      }
    };
    await Promise.all(Array.from({ length: concurrentBatches }, worker));
  }

  /** Managers, the results sheet in the ticket channel, the final progress card; the job is done. */
  async close(): Promise<void> {
    await this.assignManagers();
    if (!this.job.resultsPosted) {
      const posted = await this.deps.bulkReporting.postResults(this.progress(true), resultLines(this.job));
      if (posted.kind === 'posted') await this.update((job) => ({ ...job, resultsPosted: true }));
    }
    await this.handOverCredentials();
    const counts = countRows(this.job);
    await this.update((job) => ({ ...job, status: 'done', lease: undefined }));
    await this.flush();
    await this.deps.audit.append(bulkEvent(this.deps, this.job, 'bulk.done', { created: counts.done, failed: counts.failed }));
    await this.showProgress(true);
  }

  /**
   * Reveal cards for each recipient, a card per part (revealParts), each sent once; the sealed
   * passwords of rows that made no account are deleted. `revealsSent` holds "{recipient}#{part}"
   * per card delivered (a bare recipient id, from before parts, means all of theirs).
   */
  private async handOverCredentials(): Promise<void> {
    for (const row of this.job.rows.filter((r) => r.state === 'failed')) {
      await this.deps.credentials.delete(credentialIdForRow(this.job.jobId, row.rowNumber));
    }
    const byRecipient = new Map<string, BulkRowRecord[]>();
    for (const row of this.job.rows.filter((r) => r.state === 'created')) {
      byRecipient.set(row.recipient.id, [...(byRecipient.get(row.recipient.id) ?? []), row]);
    }
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.deps.policy.credentials.revealWindowMs).toISOString();
    for (const [recipientId, rows] of byRecipient) {
      const recipient = rows[0]!.recipient;
      const parts = revealParts(rows, this.deps.policy.password.length);
      for (const [index, partRows] of parts.entries()) {
        const sentMark = `${recipientId}#${index + 1}`;
        if (this.job.revealsSent?.some((mark) => mark === recipientId || mark === sentMark)) continue;
        const sent = await this.deps.bulkReporting.sendRevealCard(recipient, {
          jobId: this.job.jobId, displayNames: partRows.map((r) => r.request.displayName), expiresAt, part: index + 1, parts: parts.length,
        });
        await this.deps.audit.append(bulkEvent(this.deps, this.job, sent.kind === 'delivered' ? 'bulk.reveal_card_sent' : 'bulk.reveal_card_undeliverable', {
          recipientId, accounts: partRows.length, part: index + 1, parts: parts.length, reason: sent.kind === 'undeliverable' ? sent.reason : null,
        }));
        if (sent.kind === 'delivered') await this.update((job) => ({ ...job, revealsSent: [...(job.revealsSent ?? []), sentMark] }));
      }
    }
  }

  private nextBatch(taken: Set<number>): { kind: 'rows'; rows: BulkRowRecord[] } | { kind: 'wait'; ms: number } | { kind: 'finished' } {
    const now = this.deps.clock.now().getTime();
    const open = this.job.rows.filter((r) => (r.state === 'pending' || r.state === 'creating') && !taken.has(r.rowNumber));
    const inFlight = taken.size > 0;
    if (open.length === 0) return inFlight ? { kind: 'wait', ms: 50 } : { kind: 'finished' };
    const ready = open.filter((r) => r.state === 'pending' && (!r.notBefore || Date.parse(r.notBefore) <= now)).slice(0, this.deps.bulkPolicy.batchSize);
    if (ready.length === 0) {
      // Rows left `creating` by an ambiguous answer are read back (none of them is in flight).
      const unsettled = open.filter((r) => r.state === 'creating').slice(0, this.deps.bulkPolicy.batchSize);
      if (unsettled.length > 0) {
        for (const row of unsettled) taken.add(row.rowNumber);
        return { kind: 'rows', rows: unsettled };
      }
      const soonest = Math.min(...open.map((r) => (r.notBefore ? Date.parse(r.notBefore) : now + 50)));
      return { kind: 'wait', ms: Math.max(10, soonest - now) };
    }
    for (const row of ready) taken.add(row.rowNumber);
    return { kind: 'rows', rows: ready };
  }

  private async sendBatch(rows: BulkRowRecord[]): Promise<void> {
    if (rows.every((r) => r.state === 'creating')) {
      await this.readBack(rows);
      return;
    }
    const { policy } = this.deps;
    // The password is sealed and the row marked `creating` BEFORE its POST, so a crash
    // after the POST finds the row and sends the same password again, or finds our account.
    await Promise.all(rows.map((row) => this.ensureCredentials(row)));
    for (const row of rows) {
      this.change(row.rowNumber, { state: 'creating', marker: markerForRow(policy.markerPrefix, this.job.jobId, row.rowNumber), attempts: row.attempts + 1 });
    }
    await this.flush();
    const items: BulkCreateItem[] = await Promise.all(rows.map(async (row) => {
      const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
      const entry = await this.deps.credentials.get(credentialId);
      if (!entry) throw new Error(`Credentials ${credentialId} are not stored`);
      return {
        key: String(row.rowNumber), draft: userDraftFrom(row.request),
        password: await this.deps.vault.unseal(sealedPasswordOf(entry.credentials), { requestId: credentialId }),
        marker: markerForRow(policy.markerPrefix, this.job.jobId, row.rowNumber),
      };
    }));
    const answer = await this.deps.bulkDirectory.createUsers(items);
    if (answer.throttleLimitPercentage !== undefined && answer.throttleLimitPercentage > this.deps.bulkPolicy.slowDownAbove) {
      this.pause(1000);
    }
    const conflicts: BulkRowRecord[] = [];
    for (const row of rows) {
      const outcome: CreateUserOutcome = answer.outcomes[String(row.rowNumber)] ?? { kind: 'ambiguous' };
      const current = this.rowOf(row.rowNumber);
      if (outcome.kind === 'conflict' && outcome.property === 'userPrincipalName') conflicts.push(current);
      else await this.applyOutcome(current, outcome);
    }
    await this.flush();
    if (conflicts.length > 0) await this.readBack(conflicts);
  }

  private async applyOutcome(row: BulkRowRecord, outcome: CreateUserOutcome): Promise<void> {
    const { maxRowAttempts } = this.deps.bulkPolicy;
    switch (outcome.kind) {
      case 'created':
        this.change(row.rowNumber, { state: 'created', objectId: outcome.user.id, notBefore: undefined });
        return;
      case 'throttled': {
        // 429 means this item was not applied: it goes again after its Retry-After, and so does everyone.
        const waitMs = (outcome.retryAfterSeconds ?? 2 ** Math.min(row.attempts, 5)) * 1000;
        this.pause(waitMs);
        this.change(row.rowNumber, { state: 'pending', notBefore: new Date(this.deps.clock.now().getTime() + waitMs).toISOString() });
        return;
      }
      case 'ambiguous':
        // The account may or may not exist: the row stays `creating` and is read back.
        if (row.attempts >= maxRowAttempts) this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_UNKNOWN() });
        return;
      case 'conflict':
        this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
        return;
      case 'rejected':
        if (outcome.reason === 'password' && row.passwordAttempts + 1 < this.deps.policy.maxPasswordAttempts) {
          // Refused, so nothing was created: a new password is safe.
          await this.replacePassword(row);
          this.change(row.rowNumber, { state: 'pending', passwordAttempts: row.passwordAttempts + 1 });
          return;
        }
        this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_REJECTED(outcome.detail ?? outcome.reason) });
    }
  }

  /** Rows whose POST may have been applied: our marker → created; another account → taken; nothing → send again. */
  private async readBack(rows: readonly BulkRowRecord[]): Promise<void> {
    await this.inParallel(rows, async (row) => {
      let found;
      try {
        found = await this.deps.directory.findUserByUpn(row.request.userPrincipalName);
      } catch (error) {
        if (error instanceof DirectoryError) return; // still unknown: read again later
        throw error;
      }
      const current = this.rowOf(row.rowNumber);
      if (found && found.marker === current.marker) this.change(row.rowNumber, { state: 'created', objectId: found.id });
      else if (found) this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
      else if (current.attempts >= this.deps.bulkPolicy.maxRowAttempts) this.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_UNKNOWN() });
      else this.change(row.rowNumber, { state: 'pending' });
    });
    await this.flush();
  }

  private async ensureCredentials(row: BulkRowRecord): Promise<void> {
    const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
    if (await this.deps.credentials.get(credentialId)) return;
    await this.deps.credentials.create({
      credentialId, requestId: `${this.job.jobId}-${row.rowNumber}`, generation: 1, recipientId: row.recipient.id,
      password: await sealNewPassword(this.deps, row.request, credentialId),
      purgeAt: new Date(this.deps.clock.now().getTime() + this.deps.policy.credentials.revealWindowMs).toISOString(),
    });
  }

  private async replacePassword(row: BulkRowRecord): Promise<void> {
    const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
    const entry = await this.deps.credentials.get(credentialId);
    if (!entry) return;
    await this.deps.credentials.update({ ...entry.credentials, password: await sealNewPassword(this.deps, row.request, credentialId) }, entry.version);
  }

  /**
   * The managers of the created rows, 20 links to a JSON batch, batches in flight as for the
   * accounts. A throttled link goes again after its Retry-After, at most maxRowAttempts times;
   * a link that fails never undoes its account (the results sheet says "manager not set").
   */
  private async assignManagers(): Promise<void> {
    const { batchSize, maxRowAttempts } = this.deps.bulkPolicy;
    let rows = this.job.rows.filter((r) => r.state === 'created' && r.manager === 'pending' && r.objectId && r.managerId);
    for (let round = 1; rows.length > 0; round += 1) {
      const again: BulkRowRecord[] = [];
      let waitSeconds = 0;
      const batches = Array.from({ length: Math.ceil(rows.length / batchSize) }, (_, i) => rows.slice(i * batchSize, (i + 1) * batchSize));
      await this.inParallel(batches, async (batch) => {
        const outcomes = await this.deps.bulkDirectory.setManagers(batch.map((row) => ({ key: String(row.rowNumber), userId: row.objectId!, managerId: row.managerId! })))
          .catch(() => ({} as Readonly<Record<string, ManagerLinkOutcome>>));
        for (const row of batch) {
          const outcome = outcomes[String(row.rowNumber)] ?? { kind: 'throttled' as const };
          if (outcome.kind === 'throttled' && round < maxRowAttempts) {
            again.push(row);
            waitSeconds = Math.max(waitSeconds, outcome.retryAfterSeconds ?? 2 ** round);
          } else {
            this.change(row.rowNumber, { manager: outcome.kind === 'set' ? 'set' : 'failed' });
          }
        }
      }, Math.max(1, this.deps.bulkPolicy.concurrentBatches));
      await this.flush();
      if (again.length > 0) await this.deps.clock.sleep(Math.min(waitSeconds * 1000, this.deps.policy.maxWaitMs));
      rows = again;
    }
  }

  // ------------------------------------------------------------------ pace

  private pause(ms: number): void {
    this.pauseUntil = Math.max(this.pauseUntil, this.deps.clock.now().getTime() + ms);
  }

  private async waitForBudget(): Promise<void> {
    const wait = this.pauseUntil - this.deps.clock.now().getTime();
    if (wait > 0) await this.deps.clock.sleep(wait);
  }

  private async inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>, lanes = Math.max(1, this.deps.bulkPolicy.concurrentBatches * 2)): Promise<void> {
    const queue = [...items];
    await Promise.all(Array.from({ length: Math.min(lanes, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }));
  }

  // ------------------------------------------------------------------ the record

  private pendingChanges = new Map<number, RowChange>();

  private rowOf(rowNumber: number): BulkRowRecord {
    const row = this.job.rows.find((r) => r.rowNumber === rowNumber);
    if (!row) throw new Error(`Bulk ${this.job.jobId} has no row ${rowNumber}`);
    const change = this.pendingChanges.get(rowNumber);
    return change ? { ...row, ...change } : row;
  }

  /** Notes a change of one row; `flush` writes all noted changes in one compare-and-set. */
  private change(rowNumber: number, change: RowChange): void {
    this.pendingChanges.set(rowNumber, { ...this.pendingChanges.get(rowNumber), ...change });
  }

  private flush(): Promise<void> {
    return this.update((job) => job);
  }

  /** Applies `mutate` and the noted row changes to the job and writes it (one write at a time), renewing the lease. */
  private update(mutate: (job: BulkJob) => BulkJob): Promise<void> {
    const next = this.writing.then(async () => {
      const changes = this.pendingChanges;
      this.pendingChanges = new Map();
      const rows = changes.size === 0 ? this.job.rows : this.job.rows.map((r) => {
        const change = changes.get(r.rowNumber);
        return change ? { ...r, ...change } : r;
      });
      const job: BulkJob = { ...mutate({ ...this.job, rows }), updatedAt: this.deps.clock.now().toISOString() };
      const withLease = job.status === 'done' ? job : { ...job, lease: this.leaseFor() };
      const written = await this.deps.bulkJobs.update(withLease, this.stored.version);
      if (written.kind === 'conflict') throw new LeaseLost(`Bulk ${job.jobId} was changed by another run`);
      this.stored = { job: withLease, version: written.version };
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private leaseFor(): { owner: string; until: string } {
    return { owner: this.deps.instanceId, until: new Date(this.deps.clock.now().getTime() + this.deps.policy.leaseMs).toISOString() };
  }

  // ------------------------------------------------------------------ progress

  private progress(finished: boolean): BulkProgress {
    return { jobId: this.job.jobId, ticketReference: this.job.ticketReference, ...countRows(this.job), finished };
  }

  /** The admin's progress card, updated in place at most every progressEveryMs (always at the start and the end). */
  private async showProgress(force: boolean): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (!force && now - this.lastProgressAt < this.deps.bulkPolicy.progressEveryMs) return;
    this.lastProgressAt = now;
    const shown = await this.deps.bulkReporting.showProgress(this.job.requester, this.progress(this.job.status === 'done'), this.job.progressMessageId)
      .catch(() => ({ messageId: undefined })); // a missed update is repaired by the next one
    if (shown.messageId && shown.messageId !== this.job.progressMessageId) {
      const messageId = shown.messageId;
      await this.update((job) => ({ ...job, progressMessageId: messageId })).catch(() => undefined);
    }
  }
}

/** The results sheet's lines: one per row, what came of it, never a secret. */
export function resultLines(job: BulkJob): BulkResultLine[] {
  return job.rows.map((row) => ({
    rowNumber: row.rowNumber,
    displayName: row.request.displayName,
    userPrincipalName: row.request.userPrincipalName,
    outcome: row.state === 'created' ? 'created' : row.state === 'failed' ? 'failed' : 'not finished',
    objectId: row.objectId,
    problem: row.problem ?? (row.state === 'created' && row.manager === 'failed' ? sayBulk.MANAGER_NOT_SET() : undefined),
  }));
}
