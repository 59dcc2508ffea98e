/**
 * Running an approved bulk: the accounts are created through batches of POST /users, a few
 * batches in flight, paced to Entra's documented write budget (bulk-pace.ts) — a throttled
 * item waits its Retry-After, and what Graph says of the budget corrects the pace. Then every
 * row gets what a single request gets: its manager, its Temporary Access Pass, its recipient's
 * reveal card, its welcome mail (bulk-hand-over.ts, bulk-welcome-mail.ts). Safe to call any
 * number of times, from any instance: the job is held under a lease, every row is marked
 * `creating` before its POST is sent, and rows found `creating` are read back first (see
 * bulk-job.ts). The admin's progress card is updated in place, every few seconds; at the
 * end IT gets the results sheet (no secret) in the ticket channel.
 */
import { bulkEvent, countRows, credentialIdForRow, markerForRow, type BulkDependencies, type BulkJob, type BulkRowRecord } from './bulk-job.js';
import { userDraftFrom } from '../request/create-account.js';
import { sealNewPassword } from '../credentials/credentials.js';
import { DirectoryError } from '../kernel/errors.js';
import type { BulkCreateItem, BulkProgress, ManagerLinkOutcome } from './bulk-ports.js';
import { BulkRecord, inLanes, LeaseLost, type BulkPaces, type BulkRunContext } from './bulk-record.js';
import { Pace } from './bulk-pace.js';
import { issuePasses, sendRevealCards } from './bulk-hand-over.js';
import { sendWelcomeMails } from './bulk-welcome-mail.js';
import { applyTemplates, templateCounts } from './bulk-templates.js';
import { generateTemporaryPassword } from '../rules/password.js';
import type { CreateUserOutcome } from '../kernel/ports.js';
import type { Secret } from '../credentials/secret.js';
import { sayBulk } from '../kernel/sentences.js';
import { guestCounts, inviteGuestRows, isGuestRow } from './bulk-guests.js';
import { progressOf, resultLines } from './bulk-results.js';

export type BulkRunOutcome = { readonly kind: 'done' | 'busy' | 'not-approved' | 'lost' | 'unknown' };

export async function runBulk(deps: BulkDependencies, jobId: string, paces?: BulkPaces): Promise<BulkRunOutcome> {
  const runDeps = { ...deps, instanceId: `${deps.instanceId}/${deps.random.uuid()}` };
  const claimed = await claim(runDeps, jobId);
  if (claimed.kind !== 'claimed') return claimed;
  const run = new BulkRun(runDeps, claimed.record, paces ?? pacesFor(deps));
  try {
    await run.start(claimed.first);
    await run.readBackUnsettledRows();
    await run.createPendingRows();
    await inviteGuestRows(run);
    await run.assignManagers();
    await applyTemplates(run);
    await issuePasses(run);
    await sendRevealCards(run);
    await sendWelcomeMails(run);
    await run.close();
    return { kind: 'done' };
  } catch (error) {
    if (error instanceof LeaseLost) return { kind: 'lost' };
    throw error;
  }
}

/** Paces for the policy's budgets, shared by every run of this process (they spend one budget). */
export function pacesFor(deps: Pick<BulkDependencies, 'bulkPolicy' | 'clock'>): BulkPaces {
  const { budgets } = deps.bulkPolicy;
  return {
    directoryWrites: new Pace(budgets.directoryWrites, deps.clock),
    authenticationMethods: new Pace(budgets.authenticationMethods, deps.clock),
    mailboxMessages: new Pace(budgets.mailboxMessages, deps.clock),
    directoryReads: new Pace(budgets.directoryReads, deps.clock),
  };
}

/** Bulks approved but not finished (at start-up, and on every resume pass): each finishes what it had left. */
export async function resumeBulks(deps: BulkDependencies, paces?: BulkPaces): Promise<number> {
  let resumed = 0;
  const now = deps.clock.now().getTime();
  for (const job of await deps.bulkJobs.listUnfinished()) {
    // Held by a live run (here or elsewhere): nothing to read.
    if (job.lease && Date.parse(job.lease.until) > now) continue;
    if ((await runBulk(deps, job.jobId, paces)).kind === 'done') resumed += 1;
  }
  return resumed;
}

type Claimed = { kind: 'claimed'; record: BulkRecord; first: boolean };

async function claim(deps: BulkDependencies, jobId: string): Promise<Claimed | BulkRunOutcome> {
  for (;;) {
    const stored = await deps.bulkJobs.get(jobId);
    if (!stored) return { kind: 'unknown' };
    const { job } = stored;
    if (job.status !== 'approved' && job.status !== 'running') return { kind: job.status === 'done' ? 'done' : 'not-approved' };
    const lease = job.lease;
    if (lease && lease.owner !== deps.instanceId && Date.parse(lease.until) > deps.clock.now().getTime()) return { kind: 'busy' };
    const next: BulkJob = {
      ...job, status: 'running', updatedAt: deps.clock.now().toISOString(),
      lease: { owner: deps.instanceId, until: new Date(deps.clock.now().getTime() + deps.policy.leaseMs).toISOString() },
    };
    const written = await deps.bulkJobs.update(next, stored.version, new Set());
    if (written.kind === 'conflict') continue;
    return { kind: 'claimed', record: new BulkRecord(deps, { job: next, version: written.version }), first: job.status === 'approved' };
  }
}

/** One run of one job: the accounts and managers here; the hand-over in its own files. */
class BulkRun implements BulkRunContext {
  private lastProgressAt = 0;

  constructor(readonly deps: BulkDependencies, readonly record: BulkRecord, readonly paces: BulkPaces) {}

  private get job(): BulkJob {
    return this.record.job;
  }

  async start(first: boolean): Promise<void> {
    if (first) await this.deps.audit.append(bulkEvent(this.deps, this.job, 'bulk.started', { rows: this.job.rows.length, tapMode: this.job.tapMode ?? 'off' }));
    await this.showProgress(true);
  }

  /** Rows a crashed run left `creating`: read back by user name before anything is sent again. */
  async readBackUnsettledRows(): Promise<void> {
    // Guest rows are looked up by address in their own step (bulk-guests.ts).
    const unsettled = this.record.rows((r) => r.state === 'creating' && !isGuestRow(r));
    await inLanes(unsettled, this.deps.bulkPolicy.concurrentBatches * 2, async (row) => {
      const found = await this.deps.directory.findUserByUpn(row.request.userPrincipalName);
      if (!found) return this.record.change(row.rowNumber, { state: 'pending' });
      if (found.marker === row.marker) return this.record.change(row.rowNumber, { state: 'created', objectId: found.id });
      return this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
    });
    await this.record.flush();
  }

  /**
   * Pending rows in batches, `concurrentBatches` at a time, each batch let through by the write
   * budget, until every row is created or failed. When the progress card is due, no new batch
   * starts until those in flight have answered: the card then shows every account the directory
   * has (it would otherwise lag by the batches in flight).
   */
  async createPendingRows(): Promise<void> {
    const taken = new Set<number>();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (this.progressDue()) {
          await this.batchesDrained();
          await this.showProgress(false);
        }
        const batch = this.nextBatch(taken);
        if (batch.kind === 'finished') return;
        if (batch.kind === 'wait') {
          await this.deps.clock.sleep(batch.ms);
          continue;
        }
        this.batchesInFlight += 1;
        try {
          if (batch.rows.every((r) => r.state === 'creating')) {
            await this.readBack(batch.rows);
          } else {
            await this.paces.directoryWrites.take(batch.rows.length);
            await this.sendBatch(batch.rows);
          }
        } finally {
          for (const row of batch.rows) taken.delete(row.rowNumber);
          this.batchDone();
        }
      }
    };
    await Promise.all(Array.from({ length: this.deps.bulkPolicy.concurrentBatches }, worker));
  }

  private batchesInFlight = 0;
  private drainWaiters: Array<() => void> = [];

  private progressDue(): boolean {
    return this.deps.clock.now().getTime() - this.lastProgressAt >= this.deps.bulkPolicy.progressEveryMs;
  }

  /** Settles once no batch is in flight. */
  private batchesDrained(): Promise<void> {
    return this.batchesInFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private batchDone(): void {
    this.batchesInFlight -= 1;
    if (this.batchesInFlight > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The results sheet in the ticket channel (once), then the job is done and the progress card says so. */
  async close(): Promise<void> {
    if (!this.job.resultsPosted) {
      const posted = await this.deps.bulkReporting.postResults(this.progress(true), resultLines(this.job));
      if (posted.kind === 'posted') await this.record.update((job) => ({ ...job, resultsPosted: true }));
    }
    const counts = countRows(this.job);
    await this.record.update((job) => ({ ...job, status: 'done', lease: undefined }));
    await this.deps.audit.append(bulkEvent(this.deps, this.job, 'bulk.done', {
      created: counts.done, failed: counts.failed, ...templateCounts(this.job.rows), ...guestCounts(this.job.rows),
    }));
    await this.showProgress(true);
  }

  private nextBatch(taken: Set<number>): { kind: 'rows'; rows: BulkRowRecord[] } | { kind: 'wait'; ms: number } | { kind: 'finished' } {
    const now = this.deps.clock.now().getTime();
    const open = this.record.rows((r) => (r.state === 'pending' || r.state === 'creating') && !isGuestRow(r) && !taken.has(r.rowNumber));
    const inFlight = taken.size > 0;
    if (open.length === 0) return inFlight ? { kind: 'wait', ms: 50 } : { kind: 'finished' };
    const { batchSize } = this.deps.bulkPolicy;
    const ready = open.filter((r) => r.state === 'pending' && (!r.notBefore || Date.parse(r.notBefore) <= now)).slice(0, batchSize);
    if (ready.length === 0) {
      // Rows left `creating` by an ambiguous answer are read back (none of them is in flight).
      const unsettled = open.filter((r) => r.state === 'creating').slice(0, batchSize);
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
    const { policy } = this.deps;
    // The password is sealed and the row marked `creating` BEFORE its POST, so a crash
    // after the POST finds the row and sends the same password again, or finds our account.
    await Promise.all(rows.map((row) => this.ensurePassword(row)));
    for (const row of rows) {
      this.record.change(row.rowNumber, { state: 'creating', marker: markerForRow(policy.markerPrefix, this.job.jobId, row.rowNumber), attempts: row.attempts + 1 });
    }
    await this.record.flush();
    const items: BulkCreateItem[] = await Promise.all(rows.map(async (row) => ({
      key: String(row.rowNumber), draft: userDraftFrom(row.request, this.templateOf(row)?.extensionAttributes), password: await this.passwordForPost(row),
      marker: markerForRow(policy.markerPrefix, this.job.jobId, row.rowNumber),
    })));
    const answer = await this.deps.bulkDirectory.createUsers(items);
    this.paces.directoryWrites.observeUsedShare(answer.throttleLimitPercentage);
    const conflicts: BulkRowRecord[] = [];
    for (const row of rows) {
      const outcome: CreateUserOutcome = answer.outcomes[String(row.rowNumber)] ?? { kind: 'ambiguous' };
      const current = this.record.row(row.rowNumber);
      if (outcome.kind === 'conflict' && outcome.property === 'userPrincipalName') conflicts.push(current);
      else await this.applyOutcome(current, outcome);
    }
    await this.record.flush();
    if (conflicts.length > 0) await this.readBack(conflicts);
  }

  private async applyOutcome(row: BulkRowRecord, outcome: CreateUserOutcome): Promise<void> {
    const { maxRowAttempts } = this.deps.bulkPolicy;
    switch (outcome.kind) {
      case 'created':
        this.record.change(row.rowNumber, { state: 'created', objectId: outcome.user.id, notBefore: undefined });
        return;
      case 'throttled': {
        // 429 means this item was not applied: it goes again after its Retry-After, and nobody sends before then.
        this.paces.directoryWrites.onThrottled(outcome.retryAfterSeconds);
        this.record.change(row.rowNumber, { state: 'pending', notBefore: new Date(this.paces.directoryWrites.heldUntil()).toISOString() });
        return;
      }
      case 'ambiguous':
        // The account may or may not exist: the row stays `creating` and is read back.
        if (row.attempts >= maxRowAttempts) this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_UNKNOWN() });
        return;
      case 'conflict':
        this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
        return;
      case 'rejected':
        if (outcome.reason === 'password' && row.passwordAttempts + 1 < this.deps.policy.maxPasswordAttempts) {
          // Refused, so nothing was created: a new password is safe.
          await this.replacePassword(row);
          this.record.change(row.rowNumber, { state: 'pending', passwordAttempts: row.passwordAttempts + 1 });
          return;
        }
        this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_REJECTED(outcome.detail ?? outcome.reason) });
    }
  }

  /** Rows whose POST may have been applied: our marker → created; another account → taken; nothing → send again. */
  private async readBack(rows: readonly BulkRowRecord[]): Promise<void> {
    await inLanes(rows, this.deps.bulkPolicy.concurrentBatches * 2, async (row) => {
      let found;
      try {
        found = await this.deps.directory.findUserByUpn(row.request.userPrincipalName);
      } catch (error) {
        if (error instanceof DirectoryError) return; // still unknown: read again later
        throw error;
      }
      const current = this.record.row(row.rowNumber);
      if (found && found.marker === current.marker) this.record.change(row.rowNumber, { state: 'created', objectId: found.id });
      else if (found) this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_TAKEN(row.request.userPrincipalName) });
      else if (current.attempts >= this.deps.bulkPolicy.maxRowAttempts) this.record.change(row.rowNumber, { state: 'failed', problem: sayBulk.ROW_UNKNOWN() });
      else this.record.change(row.rowNumber, { state: 'pending' });
    });
    await this.record.flush();
  }

  /** The snapshot of the row's template, as the review showed it. */
  private templateOf(row: BulkRowRecord) {
    return row.template ? this.job.templates?.[row.template.templateId] : undefined;
  }

  /** Handing over only a pass (TAP_MODE=instead): the row keeps no password at all. */
  private get passwordless(): boolean {
    return this.job.tapMode === 'instead';
  }

  private async ensurePassword(row: BulkRowRecord): Promise<void> {
    if (this.passwordless) return;
    const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
    if (await this.deps.credentials.get(credentialId)) return;
    await this.deps.credentials.create({
      credentialId, requestId: `${this.job.jobId}-${row.rowNumber}`, generation: 1, recipientId: row.recipient.id,
      password: await sealNewPassword(this.deps, row.request, credentialId),
      purgeAt: new Date(this.deps.clock.now().getTime() + this.deps.policy.credentials.revealWindowMs).toISOString(),
    });
  }

  /**
   * The password the POST carries: the row's sealed one; or, passwordless, a fresh one nobody is
   * ever given — POST /users requires a password
   * (https://learn.microsoft.com/graph/api/user-post-users#request-body), and a pass replaces it.
   */
  private async passwordForPost(row: BulkRowRecord): Promise<Secret> {
    const { request } = row;
    if (this.passwordless) {
      return generateTemporaryPassword(this.deps.random, this.deps.policy.password, [request.givenName, request.surname, request.alias, request.displayName, request.mailNickname]);
    }
    const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
    const entry = await this.deps.credentials.get(credentialId);
    if (!entry?.credentials.password) throw new Error(`Credentials ${credentialId} are not stored`);
    return this.deps.vault.unseal(entry.credentials.password, { requestId: credentialId });
  }

  private async replacePassword(row: BulkRowRecord): Promise<void> {
    if (this.passwordless) return;
    const credentialId = credentialIdForRow(this.job.jobId, row.rowNumber);
    const entry = await this.deps.credentials.get(credentialId);
    if (!entry) return;
    await this.deps.credentials.update({ ...entry.credentials, password: await sealNewPassword(this.deps, row.request, credentialId) }, entry.version);
  }

  /**
   * The managers of the created rows, 20 links to a JSON batch, batches in flight as for the
   * accounts and let through by the same write budget (each link is a directory write). A
   * throttled link goes again after its Retry-After, at most maxRowAttempts times; a link that
   * fails never undoes its account (the results sheet says "manager not set").
   */
  async assignManagers(): Promise<void> {
    const { batchSize, maxRowAttempts, concurrentBatches } = this.deps.bulkPolicy;
    let rows = this.record.rows((r) => r.state === 'created' && r.manager === 'pending' && r.objectId !== undefined && r.managerId !== undefined);
    for (let round = 1; rows.length > 0; round += 1) {
      const batches: BulkRowRecord[][] = [];
      for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize));
      const again: BulkRowRecord[] = [];
      await inLanes(batches, concurrentBatches, async (batch) => {
        await this.paces.directoryWrites.take(batch.length);
        const answer = await this.deps.bulkDirectory.setManagers(batch.map((row) => ({ key: String(row.rowNumber), userId: row.objectId!, managerId: row.managerId! })))
          .catch(() => ({ outcomes: {} as Readonly<Record<string, ManagerLinkOutcome>>, throttleLimitPercentage: undefined }));
        this.paces.directoryWrites.observeUsedShare(answer.throttleLimitPercentage);
        const { outcomes } = answer;
        for (const row of batch) {
          const outcome = outcomes[String(row.rowNumber)] ?? { kind: 'throttled' as const };
          if (outcome.kind === 'throttled') this.paces.directoryWrites.onThrottled(outcome.retryAfterSeconds ?? 2 ** round);
          if (outcome.kind === 'throttled' && round < maxRowAttempts) again.push(row);
          else this.record.change(row.rowNumber, { manager: outcome.kind === 'set' ? 'set' : 'failed' });
        }
        await this.record.flush();
        await this.showProgress(false);
      });
      rows = again;
    }
  }

  // ------------------------------------------------------------------ progress

  private progress(finished: boolean): BulkProgress {
    return progressOf(this.job, finished);
  }

  async showProgress(force: boolean): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (!force && now - this.lastProgressAt < this.deps.bulkPolicy.progressEveryMs) return;
    this.lastProgressAt = now;
    const shown = await this.deps.bulkReporting.showProgress(this.job.requester, this.progress(this.job.status === 'done'), this.job.progressMessageId)
      .catch(() => ({ messageId: undefined })); // a missed update is repaired by the next one
    if (shown.messageId && shown.messageId !== this.job.progressMessageId) {
      const messageId = shown.messageId;
      await this.record.update((job) => ({ ...job, progressMessageId: messageId })).catch((error: unknown) => {
        if (error instanceof LeaseLost) throw error;
      });
    }
  }
}
