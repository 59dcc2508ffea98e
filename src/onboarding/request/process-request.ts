/**
 * Processing a request: takes it from wherever it is (received, or half-done after a crash)
 * as far as it can go now. Safe to call any number of times, from any instance, at any
 * moment: every step starts from the stored record and moves it with the record kernel.
 *
 *   received → checked → (approval) → creating → created → delivering → delivered → done
 *   (at created: the manager, then the template's groups and licence, then a TAP, before the credentials go out)
 *   (at delivered, the welcome mail goes out first when the request gave a personal address)
 *   (a reissue: done/failed → reissuing → created → … → done)
 *   (a guest: creating invites them; when Microsoft emails the invitation, nothing is delivered)
 */
import { DirectoryError, describeProblem, type ErrorCode } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { createAccount, linkManager } from './create-account.js';
import { rememberedWithinRun } from '../credentials/credentials.js';
import { expireApprovalIfDue, needsApproval, requestApproval } from './decide-approval.js';
import { deliverCredentials, issueTemporaryAccessPass } from '../credentials/hand-over-credentials.js';
import { sendTicket } from './it-ticket.js';
import { resetForReissue } from '../credentials/reissue-credentials.js';
import type { StoredRequest } from '../kernel/ports.js';
import { isGuestRequest, validateOnboardingForm, type FieldProblem } from './request.js';
import { newGuestState } from '../guests/guest-record.js';
import { inviteGuest } from '../guests/invite-guest.js';
import { describeOutcome, type OnboardingOutcome } from '../kernel/request-record.js';
import { carryTo, claimStep, heldElsewhere, moveTo, noteEvent, requireRequest, settleAudit, stop, withProblem, type StepResult } from '../kernel/record-kernel.js';
import { failRequest, leavePending } from '../kernel/request-endings.js';
import { sendWelcomeEmail, welcomeMailDue } from '../credentials/send-welcome-email.js';
import { lookUpSecretRecipient, pickSecretRecipient } from '../credentials/secret-recipient.js';
import { say } from '../kernel/sentences.js';
import { applyTemplateStep, templateDue } from '../templates/template-step.js';

/**
 * `stored`: the record as the caller just wrote it, when it has it (saves reading it again);
 * `runId`: the name of a lease the caller wrote into it for this run (the admission lease).
 */
export async function processOnboardingRequest(
  deps: OnboardingDependencies, requestId: string, stored?: StoredRequest, runId?: string,
): Promise<OnboardingOutcome> {
  // Each run holds leases under its own name, so two runs in one process (a double click
  // reaching the same instance) serialize exactly like two instances do.
  // Its state changes keep their audit events in the record, sent in one batch when it ends.
  // What it stores in the credential store it reads back from memory.
  const run: OnboardingDependencies = {
    ...deps, instanceId: runId ?? `${deps.instanceId}/${deps.random.uuid()}`, auditInOutbox: true, credentials: rememberedWithinRun(deps.credentials),
  };
  // The record is read once; each step hands on what it wrote, and only a lost race reads it again.
  let known: StoredRequest | undefined = stored?.record.requestId === requestId ? stored : undefined;
  for (let step = 0; step < 64; step += 1) {
    const current = known ?? (await deps.store.get(requestId));
    if (!current) {
      return {
        requestId, correlationId: requestId, status: 'failed', pending: false, fieldProblems: [], alternatives: [], warnings: [],
        problem: describeProblem('REQUEST_NOT_FOUND', requestId),
      };
    }
    const result = await runStep(run, current);
    if (result.kind === 'stop') {
      await settleAudit(run, result.record);
      return describeOutcome(result.record);
    }
    known = result.stored;
  }
  throw new Error(`Onboarding request ${requestId} did not settle`);
}

async function runStep(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  try {
    switch (record.status) {
      // Under another run's lease (its admission, while its click takes a rate-limit slot): that run goes on.
      case 'received': return heldElsewhere(deps, record) ? stop(withProblem(record, 'BUSY_ELSEWHERE')) : await validateRequest(deps, stored);
      // Records validated before names were checked only at review: nothing left to check here.
      case 'validated': return await moveTo(deps, stored, 'checked', {});
      case 'checked': return needsApproval(record) ? await requestApproval(deps, stored) : await createOrInvite(deps, stored);
      case 'approved':
      case 'creating': return await createOrInvite(deps, stored);
      case 'awaiting_approval': return await expireApprovalIfDue(deps, stored);
      case 'created':
        if (record.manager === 'pending') return await assignManager(deps, stored);
        if (templateDue(record)) return await applyTemplateStep(deps, stored);
        // Microsoft emailed the invitation with the POST: nothing for us to hand over.
        if (record.guest && !record.credentials) return carryTo(deps, stored, 'delivered', {}, 'invitation.emailed_by_microsoft', { email: record.guest.email });
        if (record.credentials?.tap === 'pending' || record.credentials?.tap === 'issuing') return await issueTemporaryAccessPass(deps, stored);
        return await deliverCredentials(deps, stored);
      case 'delivering': return await deliverCredentials(deps, stored);
      case 'delivered': return welcomeMailDue(record) ? await sendWelcomeEmail(deps, stored) : await recordOnboarding(deps, stored);
      case 'reissuing': return await resetForReissue(deps, stored);
      case 'done':
      case 'rejected':
      case 'failed':
        return stop(record);
    }
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    return directoryTrouble(deps, stored, error);
  }
}

/**
 * received → checked | rejected: the whole form in one pass, against the tenant's verified
 * domains (remembered briefly); the manager looked up unless the review found them already.
 * The names were checked at review; from here POST /users's own conflict answer decides.
 */
async function validateRequest(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const domains = await (deps.verifiedDomains?.() ?? deps.directory.listDomains());
  const validation = validateOnboardingForm(record.form, { domains, aliasPattern: deps.policy.aliasPattern });
  const problems: FieldProblem[] = validation.ok ? [] : [...validation.problems];
  const managerUpn = validation.ok ? validation.request.manager : undefined;
  const managerId = managerUpn === undefined ? undefined : record.managerId ?? (await deps.directory.findUserByUpn(managerUpn))?.id;
  const guest = validation.ok && isGuestRequest(validation.request);
  if (guest && !deps.guests) problems.push({ field: 'accountKind', message: say.GUESTS_UNAVAILABLE() });
  if (managerUpn !== undefined && !managerId) {
    problems.push({ field: 'manager', message: say.MANAGER_NOT_IN_DIRECTORY(managerUpn), code: 'MANAGER_NOT_FOUND' });
  }
  // Who receives the credentials is fixed now, so every later step (and a reissue) reaches the same person.
  // A guest whose invitation Microsoft emails has nothing for anyone of ours to receive.
  const handsOver = !guest || deps.policy.guests.invitation === 'reveal';
  const picked = validation.ok && problems.length === 0 && handsOver ? pickSecretRecipient(deps.policy.credentials.recipient, record) : undefined;
  const choice = picked?.kind === 'look-up' ? await lookUpSecretRecipient(deps.directory, deps.policy.credentials.recipient, picked.role, managerUpn) : picked;
  if (choice?.kind === 'problem') problems.push(choice.problem);
  if (!validation.ok || problems.length > 0) {
    const onlyAlias = problems.length === 1 && problems[0]?.code === 'ALIAS_NEEDED';
    const code: ErrorCode = onlyAlias ? 'ALIAS_NEEDED' : 'VALIDATION_FAILED';
    return moveTo(deps, stored, 'rejected', { fieldProblems: problems, problem: describeProblem(code, record.correlationId), lease: undefined },
      'request.rejected', { problemCount: problems.length, fields: problems.map((p) => p.field).join(',') });
  }
  const secretRecipient = choice?.kind === 'chosen' ? choice.recipient : undefined;
  // The admission lease (if this run came with one) ends here; the next step claims its own.
  const guestState = guest ? { guest: newGuestState(deps.policy.guests, validation.request.guestEmail!) } : {};
  return moveTo(deps, stored, 'checked', { request: validation.request, managerId, manager: managerId ? 'pending' : 'none', secretRecipient, lease: undefined, ...guestState },
    'request.validated', {
      userPrincipalName: validation.request.userPrincipalName, recipientId: secretRecipient?.id ?? null, recipientRole: secretRecipient?.role ?? null,
    });
}

/** A guest is invited; anyone else gets an account of ours. */
function createOrInvite(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  return stored.record.guest ? inviteGuest(deps, stored) : createAccount(deps, stored);
}

/** created (manager pending) → created: after a crash between POST /users and the created write (usually it is linked with it). */
async function assignManager(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  if (!record.objectId || !record.managerId) return moveTo(deps, stored, 'created', { manager: 'none' });
  const link = await linkManager(deps, record, record.objectId);
  return moveTo(deps, stored, 'created', link.changes, link.event, link.details);
}

/** delivered → done: the IT ticket (never a secret) and the closing audit event. */
async function recordOnboarding(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  // Claim first, so two runs don't both post the ticket.
  const claim = await claimStep(deps, stored, 'delivered');
  if (claim.kind === 'lost') return claim.result;
  // The ticket is noted with the closing write itself (one write, its event in the same batch).
  const ticket = await sendTicket(deps, claim.stored.record, 'done');
  const ticketed = noteEvent(deps, claim.stored, ticket.event, ticket.details);
  const reissued = (stored.record.credentials?.generation ?? 1) > 1;
  return moveTo(deps, ticketed, 'done', { ...ticket.changes, lease: undefined, reissue: undefined }, reissued ? 'credentials.reissued' : 'onboarding.done', {
    userPrincipalName: requireRequest(stored.record).userPrincipalName, objectId: stored.record.objectId ?? null,
  });
}

/** A directory failure inside a step: fail (a missing permission before create) or leave pending for a resume. */
async function directoryTrouble(deps: OnboardingDependencies, before: StoredRequest, error: DirectoryError): Promise<StepResult> {
  // The step may have moved the record before the directory failed: note the problem on the latest one.
  const stored = (await deps.store.get(before.record.requestId)) ?? before;
  if (heldElsewhere(deps, stored.record)) return stop(withProblem(stored.record, 'BUSY_ELSEWHERE'));
  const facts = { graphRequestId: error.graphRequestId, detail: error.retryAfterSeconds ? `retry after ${error.retryAfterSeconds} s` : undefined };
  const beforeCreate = ['received', 'validated', 'checked'].includes(stored.record.status);
  if (error.code === 'PERMISSION_MISSING' && beforeCreate) {
    return failRequest(deps, stored, describeProblem('PERMISSION_MISSING', stored.record.correlationId, facts));
  }
  const code: ErrorCode = error.code === 'UNEXPECTED' ? 'DIRECTORY_UNAVAILABLE' : error.code;
  return leavePending(deps, stored, code, error.graphRequestId);
}
