/**
 * An admin sends a bulk sheet: only admins may, within their daily bulk limit; every row is
 * validated first (bulk-rows.ts) and its manager and recipient looked up; a sheet with any
 * problem is answered with every problem by row and nothing is stored; a clean sheet is
 * stored as a job `review` for one review card. The admin then approves it (the runner
 * creates the accounts, run-bulk.ts) or cancels it. Nothing reaches Graph's write side here.
 */
import { bulkEvent, type BulkDependencies, type BulkJob, type BulkRowRecord } from './bulk-job.js';
import { validateBulkSheet, type BulkProblem, type BulkRowRequest, type BulkSheet } from './bulk-rows.js';
import type { Requester, StillAnswering } from './ports.js';
import type { RoleResolver } from './roles.js';
import { sayBulk } from './sentences.js';
import { resumeBulks, runBulk, type BulkRunOutcome } from './run-bulk.js';
import { revealBulkCredentials, type BulkRevealAnswer } from './bulk-reveal.js';

export interface BulkDeskDependencies extends BulkDependencies {
  readonly roles: RoleResolver;
}

export type BulkReview =
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'problems'; readonly rowCount: number; readonly badRows: number; readonly problems: readonly BulkProblem[]; readonly notes: readonly string[] }
  | { readonly kind: 'ready'; readonly jobId: string; readonly rowCount: number; readonly ticketReferences: readonly string[];
      readonly recipients: readonly string[]; readonly notes: readonly string[] };

export async function reviewBulkSheet(deps: BulkDeskDependencies, admin: Requester, sheet: BulkSheet): Promise<BulkReview> {
  if ((await deps.roles.roleOf(admin.id, { fresh: true })) !== 'admin') {
    return { kind: 'refused', message: sayBulk.ADMINS_ONLY((await deps.roles.whomToAsk()).admins) };
  }
  const sinceYesterday = new Date(deps.clock.now().getTime() - 24 * 3_600_000);
  if ((await deps.bulkJobs.countSentSince(admin.id, sinceYesterday)) >= deps.bulkPolicy.perAdminPerDay) {
    return { kind: 'refused', message: sayBulk.DAILY_LIMIT(deps.bulkPolicy.perAdminPerDay) };
  }

  const domains = await deps.directory.listDomains();
  const validation = validateBulkSheet(sheet, { domains, aliasPattern: deps.policy.aliasPattern, maxRows: deps.bulkPolicy.maxRows });
  if (!validation.ok) return { kind: 'problems', ...validation };

  const people = await lookUpPeople(deps, validation.rows);
  const problems: BulkProblem[] = [];
  for (const row of validation.rows) {
    const { manager } = row.request;
    const { recipient } = row;
    if (manager !== undefined && !people.get(manager)) problems.push({ rowNumber: row.rowNumber, message: sayBulk.MANAGER_NOT_IN_DIRECTORY(manager) });
    if (recipient !== undefined && !people.get(recipient)) problems.push({ rowNumber: row.rowNumber, message: sayBulk.RECIPIENT_NOT_IN_DIRECTORY(recipient) });
  }
  if (problems.length > 0) {
    return { kind: 'problems', rowCount: validation.rows.length, badRows: new Set(problems.map((p) => p.rowNumber)).size, problems, notes: validation.notes };
  }

  const now = deps.clock.now().toISOString();
  const jobId = `bulk-${deps.random.uuid()}`;
  const rows: BulkRowRecord[] = validation.rows.map((row) => {
    const managerId = row.request.manager === undefined ? undefined : people.get(row.request.manager)?.id;
    const recipient = row.recipient === undefined ? admin : (people.get(row.recipient) ?? admin);
    return {
      rowNumber: row.rowNumber, request: row.request, recipient, managerId, personalEmail: row.personalEmail,
      state: 'pending', manager: managerId ? 'pending' : 'none', attempts: 0, passwordAttempts: 0,
    };
  });
  const ticketReferences = [...new Set(rows.map((r) => r.request.ticketReference))];
  const job: BulkJob = {
    jobId, correlationId: jobId, requester: admin, ticketReference: ticketReferences.join(', ').slice(0, 200),
    createdAt: now, updatedAt: now, status: 'review', rows,
  };
  await deps.bulkJobs.create(job);
  await deps.audit.append(bulkEvent(deps, job, 'bulk.reviewed', { rows: rows.length }));
  return {
    kind: 'ready', jobId, rowCount: rows.length, ticketReferences,
    recipients: [...new Set(rows.map((r) => r.recipient.name))], notes: validation.notes,
  };
}

export type BulkDecision = { readonly kind: 'approved' } | { readonly kind: 'cancelled' } | { readonly kind: 'refused'; readonly message: string };

/** The admin who sent the sheet approves it (the caller then runs it) or cancels it; a second click changes nothing. */
export async function decideBulk(deps: BulkDeskDependencies, admin: Requester, jobId: string, decision: 'approve' | 'cancel'): Promise<BulkDecision> {
  for (;;) {
    const stored = await deps.bulkJobs.get(jobId);
    if (!stored) return { kind: 'refused', message: sayBulk.BULK_UNKNOWN() };
    const { job } = stored;
    if (job.requester.id !== admin.id) return { kind: 'refused', message: sayBulk.NOT_YOUR_BULK() };
    if (job.status === 'cancelled') return { kind: 'refused', message: sayBulk.BULK_CANCELLED() };
    if (job.status !== 'review') return { kind: 'refused', message: sayBulk.BULK_ALREADY_STARTED() };
    if ((await deps.roles.roleOf(admin.id, { fresh: true })) !== 'admin') {
      return { kind: 'refused', message: sayBulk.ADMINS_ONLY((await deps.roles.whomToAsk()).admins) };
    }
    const status = decision === 'approve' ? 'approved' : 'cancelled';
    const next: BulkJob = { ...job, status, updatedAt: deps.clock.now().toISOString() };
    const written = await deps.bulkJobs.update(next, stored.version);
    if (written.kind === 'conflict') continue;
    await deps.audit.append(bulkEvent(deps, next, decision === 'approve' ? 'bulk.approved' : 'bulk.cancelled', { rows: job.rows.length }));
    return { kind: status };
  }
}

/** Managers and recipients named in the sheet, each looked up once: user name → person (null: not found). */
async function lookUpPeople(deps: BulkDependencies, rows: readonly BulkRowRequest[]): Promise<Map<string, Requester | null>> {
  const names = new Set<string>();
  for (const row of rows) {
    if (row.request.manager) names.add(row.request.manager);
    if (row.recipient) names.add(row.recipient);
  }
  const people = new Map<string, Requester | null>();
  for (const upn of names) {
    const user = await deps.directory.findUserByUpn(upn);
    people.set(upn, user ? { id: user.id, name: user.displayName ?? user.userPrincipalName } : null);
  }
  return people;
}


/** The bulk use cases bound to their dependencies, for the edge (which never reaches the ports itself). */
export interface BulkDesk {
  /** Validates a sheet an admin sent and stores it for review, or says what is wrong, by row. */
  reviewSheet(admin: Requester, sheet: BulkSheet): Promise<BulkReview>;
  /** Approve (the run starts; `work` settles when it ends) or cancel. */
  decide(admin: Requester, jobId: string, decision: 'approve' | 'cancel'): Promise<BulkDecision & { readonly work?: Promise<BulkRunOutcome> }>;
  /** The recipient's Reveal click: the passwords of their rows, for the invoke response only. */
  /** The recipient's Reveal click on one part of their reveal cards (1 when the card names none). */
  revealCredentials(person: Requester | undefined, jobId: unknown, part?: unknown, stillAnswering?: StillAnswering): Promise<BulkRevealAnswer>;
  /** Runs every approved, unfinished bulk to its end (after a restart). */
  resumeUnfinished(): Promise<number>;
}

export function createBulkDesk(deps: BulkDeskDependencies): BulkDesk {
  return {
    reviewSheet: (admin, sheet) => reviewBulkSheet(deps, admin, sheet),
    async decide(admin, jobId, decision) {
      const result = await decideBulk(deps, admin, jobId, decision);
      return result.kind === 'approved' ? { ...result, work: runBulk(deps, jobId) } : result;
    },
    revealCredentials: (person, jobId, part, stillAnswering) => revealBulkCredentials(deps, person, jobId, part, stillAnswering),
    resumeUnfinished: () => resumeBulks(deps),
  };
}
