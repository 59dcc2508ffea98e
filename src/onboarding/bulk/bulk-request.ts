/**
 * An admin sends a bulk sheet: only admins may, within their daily bulk limit; every row is
 * validated first (bulk-rows.ts), its manager and recipient looked up, and its user name
 * checked in the directory as a single request's is; a sheet with any problem is answered with
 * every problem by row and nothing is stored; a clean sheet is stored as a job `review` for one
 * review card, with the credential policy its rows get and what the admin must confirm first
 * (bulk-confirmations.ts). The admin then approves it (the runner creates the accounts,
 * run-bulk.ts) or cancels it. Nothing reaches Graph's write side here.
 */
import { bulkEvent, type BulkDependencies, type BulkJob, type BulkRowRecord } from './bulk-job.js';
import { validateBulkSheet, type BulkProblem, type BulkRowRequest, type BulkSheet } from './bulk-rows.js';
import { forRow, missingBulkConfirmations, type BulkConfirmation } from './bulk-confirmations.js';
import { dayIn, startDateConfirmation } from '../rules/confirmations.js';
import { inLanes } from './bulk-record.js';
import { prepareRowForm, snapshotsOf, templateUses, type BulkTemplateUse } from './bulk-templates.js';
import { DEFAULT_EMPLOYEE_TYPE } from '../request/review-request.js';
import type { StoredTemplate } from '../templates/ports.js';
import { Pace } from './bulk-pace.js';
import type { DirectoryUser, NameHolder, Requester, RequestHistory, StillAnswering } from '../kernel/ports.js';
import { isGuestRequest, validateOnboardingForm, type OnboardingRequest } from '../request/request.js';
import { guestStateOfRow, reviewGuestRows } from './bulk-guests.js';
import type { RoleResolver } from '../rules/roles.js';
import { sayBulk } from '../kernel/sentences.js';
import { pacesFor, resumeBulks, runBulk, type BulkRunOutcome } from './run-bulk.js';
import { revealBulkCredentials, type BulkRevealAnswer } from './bulk-reveal.js';
import { earlierOnboardingByTicket, earlierOnboardingOf, sameNames, suggestAlternatives, upnCheckOf, type EarlierOnboarding } from '../request/user-name-check.js';

export interface BulkDeskDependencies extends BulkDependencies {
  readonly roles: RoleResolver;
  /** The usage location an empty cell gets when no template gives one, as a single request's form. */
  readonly defaultUsageLocation: string;
  /** Single requests under a ticket: a sheet naming a ticket that already produced an account asks for a confirmation. */
  readonly history: RequestHistory;
}

export type BulkReview =
  | { readonly kind: 'refused'; readonly message: string }
  | { readonly kind: 'problems'; readonly rowCount: number; readonly badRows: number; readonly problems: readonly BulkProblem[]; readonly notes: readonly string[] }
  | { readonly kind: 'ready'; readonly jobId: string; readonly rowCount: number; readonly ticketReferences: readonly string[];
      readonly recipients: readonly string[]; readonly notes: readonly string[];
      /** The credential policy every row gets, and how many welcome mails will go out (`mailer`: whether they can). */
      readonly tapMode: 'off' | 'alongside' | 'instead'; readonly welcomeMails: number; readonly mailer: boolean;
      /** What the admin ticks before Create all (each row, or once for the sheet). */
      readonly confirmations: readonly BulkConfirmation[];
      /** The templates the rows get, and what each adds. */
      readonly templates: readonly BulkTemplateUse[];
      /** Guest rows: how many are invited (by Microsoft's email), how many name no manager, and who answers for those. */
      readonly guests?: {
        readonly count: number; readonly withoutManager: number; readonly answeredBy: string;
        /** Who sends the invitations: Microsoft's email, or the recipients' reveal cards (GUEST_INVITATION). */
        readonly invitation: 'email' | 'reveal';
      } };

export async function reviewBulkSheet(deps: BulkDeskDependencies, admin: Requester, sheet: BulkSheet): Promise<BulkReview> {
  if ((await deps.roles.roleOf(admin.id, { fresh: true })) !== 'admin') {
    return { kind: 'refused', message: sayBulk.ADMINS_ONLY((await deps.roles.whomToAsk()).admins) };
  }
  const sinceYesterday = new Date(deps.clock.now().getTime() - 24 * 3_600_000);
  if ((await deps.bulkJobs.countSentSince(admin.id, sinceYesterday)) >= deps.bulkPolicy.perAdminPerDay) {
    return { kind: 'refused', message: sayBulk.DAILY_LIMIT(deps.bulkPolicy.perAdminPerDay) };
  }

  const domains = await deps.directory.listDomains();
  // As a single request's review: the template each row gets, and the defaults it (or the organisation) fills in.
  const templates = deps.templates ? await deps.templates.list({ recent: true }) : [];
  const organisation = { usageLocation: deps.defaultUsageLocation, employeeType: DEFAULT_EMPLOYEE_TYPE };
  const chosen = new Map<number, StoredTemplate>();
  const validation = validateBulkSheet(sheet, {
    domains, aliasPattern: deps.policy.aliasPattern, maxRows: deps.bulkPolicy.maxRows, guestInvitation: deps.policy.guests.invitation,
    prepare: (rowNumber, form) => prepareRowForm(templates, organisation, chosen, rowNumber, form),
  });
  if (!validation.ok) return { kind: 'problems', ...validation };

  const people = await lookUpPeople(deps, validation.rows);
  const problems: BulkProblem[] = [];
  for (const row of validation.rows) {
    const { manager } = row.request;
    const { recipient } = row;
    if (manager !== undefined && !people.get(manager)) problems.push({ rowNumber: row.rowNumber, message: sayBulk.MANAGER_NOT_IN_DIRECTORY(manager) });
    if (recipient !== undefined && !people.get(recipient)) problems.push({ rowNumber: row.rowNumber, message: sayBulk.RECIPIENT_NOT_IN_DIRECTORY(recipient) });
  }
  // Member rows' user names checked in the directory; guest rows' addresses looked up (nobody invited twice).
  const memberRows = validation.rows.filter((row) => !isGuestRequest(row.request));
  const guestRows = validation.rows.filter((row) => isGuestRequest(row.request));
  const names = await checkNames(deps, memberRows);
  problems.push(...names.problems, ...await reviewGuestRows(deps, guestRows));
  if (problems.length > 0) {
    problems.sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
    return { kind: 'problems', rowCount: validation.rows.length, badRows: new Set(problems.map((p) => p.rowNumber)).size, problems, notes: validation.notes };
  }
  // As for a single guest: with no manager named, the admin who sent the sheet answers for the guest (shown on the review card).
  const withoutManager = guestRows.filter((row) => row.request.manager === undefined).length;
  const answering = withoutManager > 0 ? await deps.directory.findUserByUpn(admin.id) : null;
  const sheetRows = [...names.rows, ...guestRows.map((row) => (row.request.manager === undefined && answering
    ? { ...row, request: { ...row.request, manager: answering.userPrincipalName.toLowerCase() } } : row))]
    .sort((a, b) => a.rowNumber - b.rowNumber);
  if (answering) people.set(answering.userPrincipalName.toLowerCase(), { id: answering.id, name: answering.displayName ?? answering.userPrincipalName });
  const today = dayIn(deps.clock.now(), admin.timeZone);
  const confirmations: BulkConfirmation[] = [
    ...sheetRows.flatMap((row) => forRow(row.rowNumber, startDateConfirmation(row.request.employeeHireDate?.slice(0, 10), today)) ?? []),
    ...names.confirmations,
    ...await ticketsSeenBefore(deps, sheetRows),
  ];

  const snapshots = await snapshotsOf(deps.templateDirectory, chosen);
  const now = deps.clock.now().toISOString();
  const jobId = `bulk-${deps.random.uuid()}`;
  const rows: BulkRowRecord[] = sheetRows.map((row) => {
    const managerId = row.request.manager === undefined ? undefined : people.get(row.request.manager)?.id;
    const recipient = row.recipient === undefined ? admin : (people.get(row.recipient) ?? admin);
    const template = chosen.get(row.rowNumber);
    return {
      rowNumber: row.rowNumber, request: row.request, recipient, managerId, personalEmail: row.personalEmail,
      state: 'pending', manager: managerId ? 'pending' : 'none', attempts: 0, passwordAttempts: 0,
      ...(template ? { template: { templateId: template.template.id, state: 'pending' as const } } : {}),
      ...(isGuestRequest(row.request) ? { guest: guestStateOfRow(row, deps.policy.guests) } : {}),
    };
  });
  const ticketReferences = [...new Set(rows.map((r) => r.request.ticketReference))];
  const tapMode = deps.policy.credentials.temporaryAccessPass.mode;
  const job: BulkJob = {
    jobId, correlationId: jobId, requester: admin, ticketReference: ticketReferences.join(', ').slice(0, 200),
    createdAt: now, updatedAt: now, status: 'review', rows, tapMode, ...(confirmations.length > 0 ? { confirmations } : {}),
    ...(Object.keys(snapshots).length > 0 ? { templates: snapshots } : {}),
  };
  await deps.bulkJobs.create(job);
  await deps.audit.append(bulkEvent(deps, job, 'bulk.reviewed', {
    rows: rows.length, tapMode, confirmations: confirmations.length, templates: Object.keys(snapshots).length, guests: guestRows.length,
  }));
  const uses = templateUses(snapshots, rows);
  return {
    kind: 'ready', jobId, rowCount: rows.length, ticketReferences,
    recipients: [...new Set(rows.map((r) => r.recipient.name))], notes: [...validation.notes, ...uses.flatMap((u) => u.seatsNote ?? [])],
    tapMode, welcomeMails: rows.filter((r) => r.personalEmail !== undefined).length, mailer: deps.mailer !== undefined, confirmations,
    templates: uses,
    ...(guestRows.length > 0 ? { guests: { count: guestRows.length, withoutManager: answering ? withoutManager : 0, answeredBy: admin.name, invitation: deps.policy.guests.invitation } } : {}),
  };
}

/**
 * Every row's user name checked as a single request's is, 20 reads to a batch: taken by an
 * account this bot made for the same person → a confirmation, and the row gets a free variant
 * (a second account, if the admin says so); taken by anyone else → a problem with the row.
 */
async function checkNames(deps: BulkDeskDependencies, rows: readonly BulkRowRequest[]): Promise<{ rows: BulkRowRequest[]; problems: BulkProblem[]; confirmations: BulkConfirmation[] }> {
  const { batchSize, concurrentBatches } = deps.bulkPolicy;
  const holders = new Map<number, readonly NameHolder[]>();
  // Each read is a resource unit of Entra's budget: paced like the writes, throttled ones asked again after their wait.
  const pace = new Pace(deps.bulkPolicy.budgets.directoryReads, deps.clock);
  let open = [...rows];
  while (open.length > 0) {
    const batches: BulkRowRequest[][] = [];
    for (let i = 0; i < open.length; i += batchSize) batches.push(open.slice(i, i + batchSize));
    const again: BulkRowRequest[] = [];
    await inLanes(batches, concurrentBatches, async (batch) => {
      await pace.take(batch.length);
      const answer = await deps.bulkDirectory.checkNames(batch.map((row) => ({
        key: String(row.rowNumber), userPrincipalName: row.request.userPrincipalName, mailNickname: row.request.mailNickname,
      })));
      pace.observeUsedShare(answer.throttleLimitPercentage);
      for (const row of batch) {
        const key = String(row.rowNumber);
        if (key in answer.throttled) {
          pace.onThrottled(answer.throttled[key]);
          again.push(row);
        } else holders.set(row.rowNumber, answer.holders[key] ?? []);
      }
    });
    open = again;
  }
  const inSheet = new Set(rows.map((r) => r.request.userPrincipalName.toLowerCase()));
  const checked: BulkRowRequest[] = [];
  const problems: BulkProblem[] = [];
  const confirmations: BulkConfirmation[] = [];
  const earlierBulks = new Map<string, Promise<BulkJob | null>>();
  for (const row of rows) {
    const check = upnCheckOf(holders.get(row.rowNumber) ?? []);
    if (check.free) {
      checked.push(row);
      continue;
    }
    const earlier = check.holder ? await earlierOnboardingOfAny(deps, check.holder, earlierBulks) : null;
    const instead = earlier && sameNames(earlier, row.request) ? await freeVariant(deps, row.request, inSheet) : undefined;
    if (!earlier || !instead) {
      problems.push({ rowNumber: row.rowNumber, message: sayBulk.NAME_TAKEN(row.request.userPrincipalName) });
      continue;
    }
    inSheet.add(instead.userPrincipalName.toLowerCase());
    checked.push({ ...row, request: instead });
    confirmations.push({
      kind: 'second-account', rowNumber: row.rowNumber, why: 'same-name',
      earlierUserPrincipalName: earlier.userPrincipalName, earlierRequestId: earlier.requestId, instead: instead.userPrincipalName,
    });
  }
  return { rows: checked, problems, confirmations };
}

/** The first free variant of the row's user name that no other row of the sheet uses, as a validated request. */
async function freeVariant(deps: BulkDeskDependencies, request: OnboardingRequest, inSheet: ReadonlySet<string>): Promise<OnboardingRequest | undefined> {
  const domains = await deps.directory.listDomains();
  for (const upn of await suggestAlternatives(deps.directory, request, 3)) {
    if (inSheet.has(upn.toLowerCase())) continue;
    const alias = upn.slice(0, upn.lastIndexOf('@'));
    const validation = validateOnboardingForm({ ...formOf(request), alias }, { domains, aliasPattern: deps.policy.aliasPattern });
    if (validation.ok) return validation.request;
  }
  return undefined;
}

/** The request as form fields again (to validate it under another alias). */
function formOf(request: OnboardingRequest): Record<string, string> {
  const form: Record<string, string | undefined> = {
    givenName: request.givenName, surname: request.surname, displayName: request.displayName, alias: request.alias, domain: request.domain,
    usageLocation: request.usageLocation, jobTitle: request.jobTitle, department: request.department, employeeType: request.employeeType,
    companyName: request.companyName, officeLocation: request.officeLocation, manager: request.manager, ticketReference: request.ticketReference,
    businessJustification: request.businessJustification, startDate: request.employeeHireDate?.slice(0, 10),
  };
  return Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * The onboarding this bot made under a user name: a single request (earlierOnboardingOf) or a
 * row of an earlier bulk, whose marker names the job and the row.
 */
async function earlierOnboardingOfAny(
  deps: BulkDeskDependencies, user: DirectoryUser,
  bulks: Map<string, Promise<BulkJob | null>>,
): Promise<EarlierOnboarding | null> {
  const marker = user.marker ?? '';
  const bulkRow = marker.startsWith(deps.policy.markerPrefix) ? /^(bulk-[A-Za-z0-9-]{1,80})#(\d{1,6})$/.exec(marker.slice(deps.policy.markerPrefix.length)) : null;
  if (!bulkRow) return earlierOnboardingOf(deps, user);
  const [, jobId, rowNumber] = bulkRow as unknown as [string, string, string];
  if (!bulks.has(jobId)) bulks.set(jobId, deps.bulkJobs.get(jobId).then((stored) => stored?.job ?? null));
  const job = await bulks.get(jobId)!;
  const row = job?.rows.find((r) => r.rowNumber === Number(rowNumber));
  return {
    userPrincipalName: user.userPrincipalName, displayName: user.displayName, requestId: `${jobId}#${rowNumber}`,
    requesterName: job?.requester.name, receivedAt: job?.createdAt, givenName: row?.request.givenName, surname: row?.request.surname,
  };
}

/** Each ticket of the sheet that already produced an account through a single request: one confirmation for the sheet. */
async function ticketsSeenBefore(deps: BulkDeskDependencies, rows: readonly BulkRowRequest[]): Promise<BulkConfirmation[]> {
  const found: BulkConfirmation[] = [];
  for (const ticketReference of new Set(rows.map((r) => r.request.ticketReference))) {
    const earlier = await earlierOnboardingByTicket(deps, ticketReference);
    if (earlier) {
      found.push({
        kind: 'second-account', rowNumber: null, why: 'same-ticket', ticketReference,
        earlierUserPrincipalName: earlier.userPrincipalName, earlierRequestId: earlier.requestId,
      });
    }
  }
  return found;
}

export type BulkDecision = { readonly kind: 'approved' } | { readonly kind: 'cancelled' } | { readonly kind: 'refused'; readonly message: string };

/**
 * The admin who sent the sheet approves it (the caller then runs it) or cancels it; a second
 * click changes nothing. Approving needs every confirmation of the review card ticked
 * (`card`: the card's inputs, untrusted); what was confirmed is written into the rows and the audit trail.
 */
export async function decideBulk(deps: BulkDeskDependencies, admin: Requester, jobId: string, decision: 'approve' | 'cancel', card?: unknown): Promise<BulkDecision> {
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
    const needed = job.confirmations ?? [];
    const missing = decision === 'approve' ? missingBulkConfirmations(needed, card) : [];
    if (missing.length > 0) return { kind: 'refused', message: sayBulk.CONFIRMATIONS_MISSING(missing.length) };
    const status = decision === 'approve' ? 'approved' : 'cancelled';
    const confirmedRows = new Map<number, BulkConfirmation['kind'][]>();
    if (decision === 'approve') {
      for (const c of needed) if (c.rowNumber !== null) confirmedRows.set(c.rowNumber, [...(confirmedRows.get(c.rowNumber) ?? []), c.kind]);
    }
    const changed = new Set<number>();
    const rows = job.rows.map((row, index) => {
      const kinds = confirmedRows.get(row.rowNumber);
      if (!kinds) return row;
      changed.add(index);
      return { ...row, confirmed: kinds };
    });
    const next: BulkJob = { ...job, rows, status, updatedAt: deps.clock.now().toISOString() };
    const written = await deps.bulkJobs.update(next, stored.version, changed);
    if (written.kind === 'conflict') continue;
    await deps.audit.append(bulkEvent(deps, next, decision === 'approve' ? 'bulk.approved' : 'bulk.cancelled', {
      rows: job.rows.length,
      ...(decision === 'approve' && needed.length > 0 ? {
        confirmedStartDates: needed.filter((c) => c.kind === 'start-date').length,
        confirmedSecondAccounts: needed.filter((c) => c.kind === 'second-account' && c.rowNumber !== null).length,
        confirmedTicketsSeenBefore: needed.filter((c) => c.rowNumber === null).length,
      } : {}),
    }));
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
  /** Approve (with the review card's ticks; the run starts, `work` settles when it ends) or cancel. */
  decide(admin: Requester, jobId: string, decision: 'approve' | 'cancel', card?: unknown): Promise<BulkDecision & { readonly work?: Promise<BulkRunOutcome> }>;
  /** The recipient's Reveal click on one part of their reveal cards (1 when the card names none). */
  revealCredentials(person: Requester | undefined, jobId: unknown, part?: unknown, stillAnswering?: StillAnswering): Promise<BulkRevealAnswer>;
  /** Runs every approved, unfinished bulk to its end (after a restart). */
  resumeUnfinished(): Promise<number>;
}

export function createBulkDesk(deps: BulkDeskDependencies): BulkDesk {
  // One pace per budget for the whole process: every bulk it runs spends the same budgets.
  const paces = pacesFor(deps);
  return {
    reviewSheet: (admin, sheet) => reviewBulkSheet(deps, admin, sheet),
    async decide(admin, jobId, decision, card) {
      const result = await decideBulk(deps, admin, jobId, decision, card);
      return result.kind === 'approved' ? { ...result, work: runBulk(deps, jobId, paces) } : result;
    },
    revealCredentials: (person, jobId, part, stillAnswering) => revealBulkCredentials(deps, person, jobId, part, stillAnswering),
    resumeUnfinished: () => resumeBulks(deps, paces),
  };
}
