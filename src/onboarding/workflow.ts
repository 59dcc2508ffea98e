/**
 * The onboarding workflow: one function per step, each reading like the story it tells
 * (validate → check → create → deliver → record). Every step starts from the persisted
 * record, does its work, and moves the record forward with a compare-and-set write, so
 * a double click, a redelivery, a crash or a second instance resumes instead of repeating.
 *
 * Exactly once, in short:
 *  - the password is generated and sealed in the record BEFORE the account is created, and
 *    every retry reuses it, so nobody can ever receive two different passwords;
 *  - `creating` (with a marker) is persisted BEFORE POST /users; the marker is written into
 *    the account by the same POST. Whenever we can't know whether a POST was applied, we
 *    read the UPN back: our marker → created; someone else's account → taken; absent → the
 *    POST is sent again with the same UPN and password (the directory refuses a second
 *    account with the same UPN, so at most one can exist);
 *  - the UPN never changes once `creating` is persisted.
 */
import { DirectoryError, describeProblem, type ErrorCode, type OnboardingProblem } from './errors.js';
import { generateTemporaryPassword, defaultPasswordPolicy, type PasswordPolicy } from './password.js';
import type {
  AuditLog, Clock, CollidingProperty, CredentialDelivery, Directory, DirectoryUser, RandomSource, Requester, RequestStore,
  SecretVault, StoredRequest, Ticket, TicketChannel, TicketStatus, UserDraft,
} from './ports.js';
import type { Role } from './access.js';
import { readOnboardingForm, validateOnboardingForm, type FieldProblem, type OnboardingRequest } from './request.js';
import { finalStatuses, newOnboardingRecord, type OnboardingRecord, type OnboardingStatus } from './state.js';
import { aliasCandidates, type AliasPattern } from './user-name.js';

export interface OnboardingPolicy {
  readonly aliasPattern: AliasPattern;
  readonly password: PasswordPolicy;
  /** Prefix of the marker written into the account: `${markerPrefix}${requestId}`. */
  readonly markerPrefix: string;
  /** Passwords tried when the tenant refuses one (banned list) before giving up. */
  readonly maxPasswordAttempts: number;
  /** POST /users attempts in one run (throttled or ambiguous) before leaving it for a resume. */
  readonly maxCreateAttempts: number;
  readonly maxDeliveryAttempts: number;
  /** How long a step belongs to the instance working on it before another may take over. */
  readonly leaseMs: number;
  /** Reads of a just-created account while replicas catch up, and the first delay. */
  readonly readBackAttempts: number;
  readonly readBackDelayMs: number;
  /** Longest Retry-After we wait for inside one run; longer ones are left for a resume. */
  readonly maxWaitMs: number;
  readonly approval: ApprovalPolicy;
}

/** Which requests an IT admin must approve before the account is created. */
export interface ApprovalPolicy {
  readonly mode: 'none' | 'non-admins' | 'all';
  /** Separation of duties: by default nobody approves their own request. */
  readonly allowSelfApproval: boolean;
  /** A pending approval expires after this long. */
  readonly expiresAfterMs: number;
}

export const defaultOnboardingPolicy: OnboardingPolicy = {
  aliasPattern: 'given.surname',
  password: defaultPasswordPolicy,
  markerPrefix: 'onboarding:',
  maxPasswordAttempts: 3,
  maxCreateAttempts: 4,
  maxDeliveryAttempts: 3,
  leaseMs: 120_000,
  readBackAttempts: 4,
  readBackDelayMs: 500,
  maxWaitMs: 30_000,
  approval: { mode: 'none', allowSelfApproval: false, expiresAfterMs: 72 * 3_600_000 },
};

/** Everything the workflow talks to. */
export interface OnboardingDependencies {
  readonly directory: Directory;
  readonly delivery: CredentialDelivery;
  readonly tickets: TicketChannel;
  readonly store: RequestStore;
  readonly audit: AuditLog;
  readonly vault: SecretVault;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly policy: OnboardingPolicy;
  /** Names this process in leases and audit events. */
  readonly instanceId: string;
}

/** What the requester is told: the truth of the persisted record, never a secret. */
export interface OnboardingOutcome {
  readonly requestId: string;
  readonly correlationId: string;
  readonly status: OnboardingStatus;
  /** True while the request is not finished (it will continue on the next resume). */
  readonly pending: boolean;
  readonly userPrincipalName?: string | undefined;
  readonly displayName?: string | undefined;
  readonly objectId?: string | undefined;
  readonly fieldProblems: readonly FieldProblem[];
  readonly problem?: OnboardingProblem | undefined;
  readonly alternatives: readonly string[];
  readonly warnings: readonly OnboardingProblem[];
}

export function describeOutcome(record: OnboardingRecord): OnboardingOutcome {
  return {
    requestId: record.requestId,
    correlationId: record.correlationId,
    status: record.status,
    pending: !finalStatuses.has(record.status),
    userPrincipalName: record.request?.userPrincipalName,
    displayName: record.request?.displayName,
    objectId: record.objectId,
    fieldProblems: record.fieldProblems,
    problem: record.problem,
    alternatives: record.alternatives,
    warnings: record.warnings,
  };
}

// ------------------------------------------------------------------------------ entry points

/**
 * Records a new request (idempotent on requestId: a double click or a redelivered activity
 * with the same id gets the existing request) and takes it as far as it can go.
 */
export interface NewRequestInput {
  readonly requestId: string;
  readonly requester: Requester;
  readonly form: unknown;
  /** The requester's role when they pressed Create; decides whether approval is needed. */
  readonly requesterRole?: Role | undefined;
}

export async function onboard(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  await submitOnboardingRequest(deps, input);
  return processOnboardingRequest(deps, input.requestId);
}

/** Stores the request as `received`; returns the stored one if the id is already known. */
export async function submitOnboardingRequest(deps: OnboardingDependencies, input: NewRequestInput): Promise<OnboardingOutcome> {
  const mode = deps.policy.approval.mode;
  const record: OnboardingRecord = {
    ...newOnboardingRecord({
      requestId: input.requestId,
      correlationId: deps.random.uuid(),
      requester: { id: input.requester.id, name: input.requester.name },
      form: readOnboardingForm(input.form).form,
      at: deps.clock.now(),
    }),
    approval: { required: mode === 'all' || (mode === 'non-admins' && input.requesterRole !== 'admin') },
  };
  const created = await deps.store.create(record);
  if (created.kind === 'exists') return describeOutcome(created.existing.record);
  await audit(deps, record, 'request.received', { ticketReference: record.form.ticketReference ?? null });
  return describeOutcome(record);
}

type StepResult = { readonly kind: 'moved' } | { readonly kind: 'stop'; readonly record: OnboardingRecord };
const moved: StepResult = { kind: 'moved' };
const stop = (record: OnboardingRecord): StepResult => ({ kind: 'stop', record });

/**
 * Takes a request from wherever it is (received, or half-done after a crash) as far as it
 * can go now. Safe to call any number of times, from any instance, at any moment.
 */
export async function processOnboardingRequest(deps: OnboardingDependencies, requestId: string): Promise<OnboardingOutcome> {
  // Each run holds leases under its own name, so two runs in one process (a double click
  // reaching the same instance) serialize exactly like two instances do.
  const run: OnboardingDependencies = { ...deps, instanceId: `${deps.instanceId}/${deps.random.uuid()}` };
  for (let step = 0; step < 64; step += 1) {
    const stored = await deps.store.get(requestId);
    if (!stored) {
      return {
        requestId, correlationId: requestId, status: 'failed', pending: false, fieldProblems: [], alternatives: [], warnings: [],
        problem: describeProblem('REQUEST_NOT_FOUND', requestId),
      };
    }
    const result = await runStep(run, stored);
    if (result.kind === 'stop') return describeOutcome(result.record);
  }
  throw new Error(`Onboarding request ${requestId} did not settle`);
}

async function runStep(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  try {
    switch (record.status) {
      case 'received': return await validateRequest(deps, stored);
      case 'validated': return await checkRequest(deps, stored);
      case 'checked':
        return needsApproval(record) ? await requestApproval(deps, stored) : await createAccount(deps, stored);
      case 'approved':
      case 'creating': return await createAccount(deps, stored);
      case 'awaiting_approval': return await expireIfDue(deps, stored);
      case 'created': return record.manager === 'pending' ? await assignManager(deps, stored) : await deliverPassword(deps, stored);
      case 'delivering': return await deliverPassword(deps, stored);
      case 'delivered': return await recordOnboarding(deps, stored);
      // The reveal view is not built yet: such requests wait.
      case 'reveal_pending':
      case 'done':
      case 'rejected':
      case 'failed':
      case 'revealed':
      case 'expired':
        return stop(record);
    }
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    return directoryTrouble(deps, stored, error);
  }
}

// ------------------------------------------------------------------------------ the steps

/** received → validated | rejected: the whole form in one pass, domain and manager looked up. */
export async function validateRequest(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const domains = await deps.directory.listDomains();
  const validation = validateOnboardingForm(record.form, { domains, aliasPattern: deps.policy.aliasPattern });
  const problems: FieldProblem[] = validation.ok ? [] : [...validation.problems];
  let managerId: string | undefined;
  const managerUpn = validation.ok ? validation.request.manager : undefined;
  if (managerUpn !== undefined) {
    const manager = await deps.directory.findUserByUpn(managerUpn);
    if (manager) managerId = manager.id;
    else problems.push({ field: 'manager', message: `${managerUpn} was not found in the directory.`, code: 'MANAGER_NOT_FOUND' });
  }
  if (!validation.ok || problems.length > 0) {
    const onlyAlias = problems.length === 1 && problems[0]?.code === 'ALIAS_NEEDED';
    const code: ErrorCode = onlyAlias ? 'ALIAS_NEEDED' : 'VALIDATION_FAILED';
    return moveTo(deps, stored, 'rejected', { fieldProblems: problems, problem: describeProblem(code, record.correlationId) },
      'request.rejected', { problemCount: problems.length, fields: problems.map((p) => p.field).join(',') });
  }
  return moveTo(deps, stored, 'validated', { request: validation.request, managerId, manager: managerId ? 'pending' : 'none' },
    'request.validated', { userPrincipalName: validation.request.userPrincipalName });
}

/** validated → checked | rejected: the user name must be free; if not, offer checked alternatives. */
export async function checkRequest(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const request = requireRequest(stored.record);
  const check = await checkUpnFree(deps.directory, request.userPrincipalName, request.mailNickname);
  if (check.free) return moveTo(deps, stored, 'checked', {}, 'upn.free', { userPrincipalName: request.userPrincipalName });
  return rejectAsTaken(deps, stored, check.takenBy);
}

export type UpnCheck =
  | { readonly free: true }
  | { readonly free: false; readonly takenBy: CollidingProperty; /** The account holding the user name, when that is what collided. */ readonly holder?: DirectoryUser };

/** Is this user name free? GET /users/{upn} (404 → free) plus mailNickname and proxyAddresses collisions. */
export async function checkUpnFree(directory: Directory, userPrincipalName: string, mailNickname: string): Promise<UpnCheck> {
  const holder = await directory.findUserByUpn(userPrincipalName);
  if (holder) return { free: false, takenBy: 'userPrincipalName', holder };
  const collisions = await directory.findCollisions({ userPrincipalName, mailNickname });
  const first = collisions[0];
  return first ? { free: false, takenBy: first } : { free: true };
}

/** An account this bot already made, found under a user name someone asks for again. */
export interface EarlierOnboarding {
  readonly userPrincipalName: string;
  readonly displayName: string | undefined;
  readonly requestId: string;
  /** From the stored request, when it is still there. */
  readonly requesterName: string | undefined;
  readonly receivedAt: string | undefined;
}

/**
 * When a wanted user name is taken by an account this bot created (its marker names the
 * request), that request: asking again for the same person is the usual way to end up with
 * two accounts for one human, so the requester is told before picking another name.
 */
export async function earlierOnboardingOf(
  deps: Pick<OnboardingDependencies, 'store' | 'policy'>, user: DirectoryUser,
): Promise<EarlierOnboarding | null> {
  if (!user.marker?.startsWith(deps.policy.markerPrefix)) return null;
  const requestId = user.marker.slice(deps.policy.markerPrefix.length);
  const earlier = requestId ? await deps.store.get(requestId) : null;
  return {
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    requestId,
    requesterName: earlier?.record.requester.name,
    receivedAt: earlier?.record.receivedAt,
  };
}

/** Up to `count` other user names for this person, each one checked free in the directory. */
export async function suggestAlternatives(directory: Directory, request: OnboardingRequest, count = 3): Promise<string[]> {
  const free: string[] = [];
  const candidates = aliasCandidates(request.alias, request.givenName, request.surname).slice(0, count + 7);
  for (const alias of candidates) {
    const upn = `${alias}@${request.domain}`;
    if (upn.length > 113) continue;
    if ((await checkUpnFree(directory, upn, alias)).free) free.push(upn);
    if (free.length === count) break;
  }
  return free;
}

/**
 * checked/creating → created | rejected | failed, or stays creating (pending) when the
 * directory can't tell us yet. See the file comment for why this creates at most one account.
 */
export async function createAccount(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const { policy } = deps;
  const request = requireRequest(record);
  let current: StoredRequest;
  let mayExistAlready: boolean;

  if (record.status === 'checked' || record.status === 'approved') {
    // Generate and seal the password, and say "creating", before anything reaches Graph.
    const password = generateTemporaryPassword(deps.random, policy.password, passwordForbiddenWords(request));
    const sealedPassword = await deps.vault.seal(password, { requestId: record.requestId });
    const next = await write(deps, stored, 'creating', {
      sealedPassword, marker: `${policy.markerPrefix}${record.requestId}`, passwordAttempts: 1, createAttempts: 1, lease: leaseFor(deps),
    }, 'account.creating', { userPrincipalName: request.userPrincipalName });
    if (!next) return moved;
    current = next;
    mayExistAlready = false;
  } else {
    if (heldElsewhere(deps, record)) return stop(withProblem(record, 'BUSY_ELSEWHERE'));
    // Someone (maybe a crashed instance) may have sent the POST already: look before sending.
    const next = await write(deps, stored, 'creating', { createAttempts: record.createAttempts + 1, lease: leaseFor(deps) });
    if (!next) return moved;
    current = next;
    mayExistAlready = true;
  }

  for (let attempt = 1; ; attempt += 1) {
    if (mayExistAlready) {
      const found = await reconcile(deps, current.record, 1);
      if (found.kind === 'ours') return markCreated(deps, current, found.id);
      if (found.kind === 'theirs') return rejectAsTaken(deps, current, 'userPrincipalName');
    }
    if (attempt > policy.maxCreateAttempts) return leavePending(deps, current, 'OUTCOME_UNKNOWN');

    const sealed = current.record.sealedPassword;
    const marker = current.record.marker;
    if (!sealed || !marker) throw new Error(`Request ${record.requestId} is creating without a sealed password or marker`);
    const password = await deps.vault.unseal(sealed, { requestId: record.requestId });
    const outcome = await deps.directory.createUser(userDraftFrom(request), password, marker);

    switch (outcome.kind) {
      case 'created':
        return markCreated(deps, current, outcome.user.id);
      case 'ambiguous':
        // Timeout, 5xx or a reset after sending: the account may or may not exist.
        await audit(deps, current.record, 'account.create_ambiguous', { graphRequestId: outcome.graphRequestId ?? null, attempt });
        mayExistAlready = true;
        continue;
      case 'throttled': {
        // 429 means the directory did not apply the POST; wait as told, then send it again.
        const waitMs = (outcome.retryAfterSeconds ?? 2 ** attempt) * 1000;
        if (waitMs > policy.maxWaitMs) return leavePending(deps, current, 'THROTTLED', outcome.graphRequestId);
        await deps.clock.sleep(waitMs);
        continue;
      }
      case 'conflict': {
        // Maybe it is our own account from an earlier attempt whose answer we never saw.
        const found = await reconcile(deps, current.record, policy.readBackAttempts);
        if (found.kind === 'ours') return markCreated(deps, current, found.id);
        if (found.kind === 'theirs' || outcome.property !== 'userPrincipalName') {
          return rejectAsTaken(deps, current, outcome.property === 'unknown' ? 'userPrincipalName' : outcome.property, outcome.graphRequestId);
        }
        // The UPN exists but replicas don't show it yet: we can't tell whose it is.
        return leavePending(deps, current, 'OUTCOME_UNKNOWN', outcome.graphRequestId);
      }
      case 'rejected': {
        if (outcome.reason === 'password' && current.record.passwordAttempts < policy.maxPasswordAttempts) {
          // The POST was refused, so nothing was created: a new password is safe to use.
          const fresh = generateTemporaryPassword(deps.random, policy.password, passwordForbiddenWords(request));
          const sealedPassword = await deps.vault.seal(fresh, { requestId: record.requestId });
          const next = await write(deps, current, 'creating', { sealedPassword, passwordAttempts: current.record.passwordAttempts + 1 },
            'password.regenerated', { graphRequestId: outcome.graphRequestId ?? null });
          if (!next) return moved;
          current = next;
          mayExistAlready = false;
          continue;
        }
        const code = rejectionCodes[outcome.reason];
        return fail(deps, current, describeProblem(code, record.correlationId, { graphRequestId: outcome.graphRequestId, detail: outcome.detail }));
      }
    }
  }
}

/** created (manager pending) → created: a failure keeps the account and is reported as a warning. */
export async function assignManager(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  if (!record.objectId || !record.managerId) return moveTo(deps, stored, 'created', { manager: 'none' });
  let last: { graphRequestId?: string | undefined; detail?: string | undefined } = {};
  for (let attempt = 0; attempt < deps.policy.readBackAttempts; attempt += 1) {
    // A just-created user may not be on every replica yet: try again a little later.
    if (attempt > 0) await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** (attempt - 1));
    const result = await deps.directory.setManager(record.objectId, record.managerId).catch((error: unknown) => {
      if (error instanceof DirectoryError) return { kind: 'failed' as const, graphRequestId: error.graphRequestId, detail: error.code };
      throw error;
    });
    if (result.kind === 'set') return moveTo(deps, stored, 'created', { manager: 'set' }, 'manager.set', { managerId: record.managerId });
    last = result;
  }
  const warning = describeProblem('MANAGER_NOT_SET', record.correlationId, last);
  return moveTo(deps, stored, 'created', { manager: 'failed', warnings: [...record.warnings, warning] }, 'manager.failed',
    { graphRequestId: last.graphRequestId ?? null });
}

/** created/delivering → delivered: the same sealed password, to the requester only, without the UPN. */
export async function deliverPassword(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const request = requireRequest(record);
  if (record.status === 'delivering' && heldElsewhere(deps, record)) return stop(withProblem(record, 'BUSY_ELSEWHERE'));
  const claimed = await write(deps, stored, 'delivering', { deliveryAttempts: record.deliveryAttempts + 1, lease: leaseFor(deps) });
  if (!claimed) return moved;
  const sealed = claimed.record.sealedPassword;
  if (!sealed) throw new Error(`Request ${record.requestId} has no sealed password to deliver`);
  const secret = await deps.vault.unseal(sealed, { requestId: record.requestId });
  const outcome = await deps.delivery.deliverTemporaryPassword(record.requester, secret, {
    requestId: record.requestId, displayName: request.displayName,
  });
  if (outcome.kind === 'delivered') {
    return moveTo(deps, claimed, 'delivered', { sealedPassword: undefined, lease: undefined, problem: undefined }, 'password.delivered',
      { requesterId: record.requester.id });
  }
  const problem = describeProblem('DELIVERY_FAILED', record.correlationId, { detail: outcome.reason });
  if (claimed.record.deliveryAttempts >= deps.policy.maxDeliveryAttempts) {
    // Keep the sealed password: IT (or the future reveal view) can still hand over the same one.
    // No more tries from here, so the requester is not told to wait for one.
    const final = { ...problem, help: 'IT has it in the ticket: ask them to reset the password and give it to you.' };
    const failed = await write(deps, claimed, 'failed', { problem: final, lease: undefined }, 'password.undeliverable', { reason: outcome.reason });
    if (failed) await postTicket(deps, failed, 'failed');
    return moved;
  }
  const back = await write(deps, claimed, 'created', { problem, lease: undefined }, 'password.delivery_failed', { reason: outcome.reason });
  if (!back) return moved;
  // IT hears now, not after the last try: the account exists and the password has not reached the requester yet.
  const ticketed = await postTicket(deps, back, 'created');
  return stop((ticketed ?? back).record);
}

/** delivered → done: the IT ticket (never a secret) and the closing audit event. */
export async function recordOnboarding(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  // Claim first, so two runs don't both post the ticket.
  if (heldElsewhere(deps, stored.record)) return stop(withProblem(stored.record, 'BUSY_ELSEWHERE'));
  const claimed = await write(deps, stored, 'delivered', { lease: leaseFor(deps) });
  if (!claimed) return moved;
  const ticketed = await postTicket(deps, claimed, 'done');
  if (!ticketed) return moved;
  return moveTo(deps, ticketed, 'done', { lease: undefined }, 'onboarding.done', {
    userPrincipalName: requireRequest(stored.record).userPrincipalName, objectId: stored.record.objectId ?? null,
  });
}

// ------------------------------------------------------------------------------ helpers

const rejectionCodes: Record<'password' | 'domain' | 'invalid' | 'permission', ErrorCode> = {
  password: 'PASSWORD_REJECTED', domain: 'DOMAIN_NOT_VERIFIED', invalid: 'PROPERTY_REJECTED', permission: 'PERMISSION_MISSING',
};

type Found = { readonly kind: 'ours'; readonly id: string } | { readonly kind: 'theirs' } | { readonly kind: 'absent' };

/** Reads the UPN back: our marker → ours; another account → theirs; nothing (after `reads` tries) → absent. */
async function reconcile(deps: OnboardingDependencies, record: OnboardingRecord, reads: number): Promise<Found> {
  const upn = requireRequest(record).userPrincipalName;
  for (let i = 0; i < reads; i += 1) {
    if (i > 0) await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** (i - 1));
    const user = await deps.directory.findUserByUpn(upn);
    if (user) return user.marker === record.marker ? { kind: 'ours', id: user.id } : { kind: 'theirs' };
  }
  return { kind: 'absent' };
}

function markCreated(deps: OnboardingDependencies, stored: StoredRequest, objectId: string): Promise<StepResult> {
  return moveTo(deps, stored, 'created', { objectId, lease: undefined, problem: undefined }, 'account.created', {
    objectId, userPrincipalName: requireRequest(stored.record).userPrincipalName,
  });
}

async function rejectAsTaken(deps: OnboardingDependencies, stored: StoredRequest, takenBy: CollidingProperty, graphRequestId?: string): Promise<StepResult> {
  const request = requireRequest(stored.record);
  const alternatives = await suggestAlternatives(deps.directory, request);
  const what = takenBy === 'userPrincipalName' ? 'user name' : takenBy === 'mailNickname' ? 'mail alias' : 'e-mail address';
  return moveTo(deps, stored, 'rejected', {
    alternatives,
    lease: undefined,
    sealedPassword: undefined,
    fieldProblems: [{ field: 'alias', message: `The ${what} ${request.alias} is already used in the directory.`, code: 'UPN_TAKEN' }],
    problem: describeProblem('UPN_TAKEN', stored.record.correlationId, { graphRequestId, detail: takenBy }),
  }, 'upn.taken', { userPrincipalName: request.userPrincipalName, takenBy, alternatives: alternatives.join(',') });
}

async function fail(deps: OnboardingDependencies, stored: StoredRequest, problem: OnboardingProblem): Promise<StepResult> {
  // Without an account the sealed password serves nobody: don't keep it.
  const sealedPassword = stored.record.objectId ? stored.record.sealedPassword : undefined;
  const failed = await write(deps, stored, 'failed', { problem, lease: undefined, sealedPassword }, 'request.failed', {
    code: problem.code, graphRequestId: problem.graphRequestId ?? null,
  });
  if (!failed) return moved;
  // What fails here is IT's to fix (a permission, a domain, a refused property), so IT hears
  // of it in the ticket channel, not only the requester.
  const ticketed = failed.record.request ? await postTicket(deps, failed, 'failed') : null;
  return stop((ticketed ?? failed).record);
}

/** Keeps the status, records why we stopped, and frees the lease so any instance can resume. */
async function leavePending(deps: OnboardingDependencies, stored: StoredRequest, code: ErrorCode, graphRequestId?: string): Promise<StepResult> {
  const problem = describeProblem(code, stored.record.correlationId, { graphRequestId });
  const next = await write(deps, stored, stored.record.status, { problem, lease: undefined }, 'request.pending', {
    code, graphRequestId: graphRequestId ?? null,
  });
  return next ? stop(next.record) : moved;
}

async function directoryTrouble(deps: OnboardingDependencies, before: StoredRequest, error: DirectoryError): Promise<StepResult> {
  // The step may have moved the record before the directory failed: note the problem on the latest one.
  const stored = (await deps.store.get(before.record.requestId)) ?? before;
  if (heldElsewhere(deps, stored.record)) return stop(withProblem(stored.record, 'BUSY_ELSEWHERE'));
  const facts = { graphRequestId: error.graphRequestId, detail: error.retryAfterSeconds ? `retry after ${error.retryAfterSeconds} s` : undefined };
  const beforeCreate = ['received', 'validated', 'checked'].includes(stored.record.status);
  if (error.code === 'PERMISSION_MISSING' && beforeCreate) {
    return fail(deps, stored, describeProblem('PERMISSION_MISSING', stored.record.correlationId, facts));
  }
  const code: ErrorCode = error.code === 'UNEXPECTED' ? 'DIRECTORY_UNAVAILABLE' : error.code;
  return leavePending(deps, stored, code, error.graphRequestId);
}

/** The IT channel's view of a request: account facts and decisions, never a secret. */
export function ticketFor(record: OnboardingRecord, status: TicketStatus, at: Date): Ticket {
  const request = requireRequest(record);
  const approval = record.approval;
  return {
    requestId: record.requestId,
    ticketReference: request.ticketReference,
    userPrincipalName: request.userPrincipalName,
    displayName: request.displayName,
    requester: record.requester,
    objectId: record.objectId,
    status,
    at: at.toISOString(),
    notes: [...record.warnings, ...(record.problem ? [record.problem] : [])].map((p) => `${p.code}: ${p.message}${p.detail ? ` (${p.detail})` : ''}`),
    ...(approval?.decidedBy ? { decision: { by: approval.decidedBy.name, reason: approval.reason } } : {}),
  };
}

async function postTicket(deps: OnboardingDependencies, stored: StoredRequest, status: TicketStatus): Promise<StoredRequest | null> {
  const { record } = stored;
  const ticket = ticketFor(record, status, deps.clock.now());
  const outcome = record.ticketMessageId
    ? await deps.tickets.updateTicket(record.ticketMessageId, ticket)
    : await deps.tickets.postTicket(ticket);
  if (outcome.kind === 'posted') return write(deps, stored, record.status, { ticketMessageId: outcome.messageId }, 'ticket.posted', { status });
  const warning = describeProblem('TICKET_NOT_POSTED', record.correlationId, { detail: outcome.reason });
  return write(deps, stored, record.status, { warnings: [...record.warnings, warning] }, 'ticket.failed', { reason: outcome.reason });
}

async function moveTo(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord>,
  event?: string, details: Record<string, string | number | boolean | null> = {},
): Promise<StepResult> {
  const next = await write(deps, stored, status, changes, event, details);
  return next && finalStatuses.has(status) ? stop(next.record) : moved;
}

/**
 * Compare-and-set: writes the record only if nobody else changed it since we read it.
 * Returns null on a conflict — the caller re-reads and continues from what it finds.
 */
async function write(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord>,
  event?: string, details: Record<string, string | number | boolean | null> = {},
): Promise<StoredRequest | null> {
  const record: OnboardingRecord = { ...stored.record, ...changes, status, updatedAt: deps.clock.now().toISOString() };
  const result = await deps.store.update(record, stored.version);
  if (result.kind === 'conflict') return null;
  if (event) await audit(deps, record, event, details);
  return { record, version: result.version };
}

async function audit(deps: OnboardingDependencies, record: OnboardingRecord, type: string, details: Record<string, string | number | boolean | null>): Promise<void> {
  await deps.audit.append({
    requestId: record.requestId,
    correlationId: record.correlationId,
    at: deps.clock.now().toISOString(),
    type,
    actor: deps.instanceId,
    // Who asked and for what, on every event, so the trail can be queried by UPN and requester.
    details: {
      status: record.status,
      requesterId: record.requester.id,
      requesterName: record.requester.name,
      userPrincipalName: record.request?.userPrincipalName ?? null,
      displayName: record.request?.displayName ?? null,
      ticketReference: record.request?.ticketReference ?? record.form.ticketReference ?? null,
      ...details,
    },
  });
}

function leaseFor(deps: OnboardingDependencies): { owner: string; until: string } {
  return { owner: deps.instanceId, until: new Date(deps.clock.now().getTime() + deps.policy.leaseMs).toISOString() };
}

function heldElsewhere(deps: OnboardingDependencies, record: OnboardingRecord): boolean {
  const lease = record.lease;
  return !!lease && lease.owner !== deps.instanceId && Date.parse(lease.until) > deps.clock.now().getTime();
}

function withProblem(record: OnboardingRecord, code: ErrorCode): OnboardingRecord {
  return { ...record, problem: describeProblem(code, record.correlationId) };
}

function requireRequest(record: OnboardingRecord): OnboardingRequest {
  if (!record.request) throw new Error(`Request ${record.requestId} is ${record.status} but was never validated`);
  return record.request;
}

function passwordForbiddenWords(request: OnboardingRequest): string[] {
  return [request.givenName, request.surname, request.alias, request.displayName, request.mailNickname];
}

export function userDraftFrom(request: OnboardingRequest): UserDraft {
  return {
    userPrincipalName: request.userPrincipalName,
    mailNickname: request.mailNickname,
    displayName: request.displayName,
    givenName: request.givenName,
    surname: request.surname,
    usageLocation: request.usageLocation,
    jobTitle: request.jobTitle,
    department: request.department,
    employeeType: request.employeeType,
    companyName: request.companyName,
    officeLocation: request.officeLocation,
    employeeHireDate: request.employeeHireDate,
  };
}

// ------------------------------------------------------------------------------ approval

function needsApproval(record: OnboardingRecord): boolean {
  return record.approval?.required === true && record.approval.decision !== 'approved';
}

/** checked → awaiting_approval: the approval card goes to the IT channel (the ticket, with buttons). */
async function requestApproval(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  if (heldElsewhere(deps, stored.record)) return stop(withProblem(stored.record, 'BUSY_ELSEWHERE'));
  const claimed = await write(deps, stored, 'checked', {
    lease: leaseFor(deps),
    approval: { ...stored.record.approval, required: true, requestedAt: deps.clock.now().toISOString() },
  });
  if (!claimed) return moved;
  const ticketed = await postTicket(deps, claimed, 'awaiting_approval');
  if (!ticketed) return moved;
  const waiting = await write(deps, ticketed, 'awaiting_approval', {
    lease: undefined, problem: describeProblem('AWAITING_APPROVAL', stored.record.correlationId),
  }, 'approval.requested', { userPrincipalName: requireRequest(stored.record).userPrincipalName });
  return waiting ? stop(waiting.record) : moved;
}

/** awaiting_approval → rejected once the approval has been pending too long; otherwise it waits. */
async function expireIfDue(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const requestedAt = Date.parse(record.approval?.requestedAt ?? record.updatedAt);
  if (deps.clock.now().getTime() < requestedAt + deps.policy.approval.expiresAfterMs) return stop(record);
  const expired = await write(deps, stored, 'rejected', {
    problem: describeProblem('APPROVAL_EXPIRED', record.correlationId), lease: undefined, sealedPassword: undefined,
  }, 'approval.expired', {});
  if (!expired) return moved;
  await postTicket(deps, expired, 'rejected');
  return stop(expired.record);
}

export type ApprovalRefusal = 'NOT_AN_APPROVER' | 'OWN_REQUEST' | 'NOT_PENDING' | 'NOT_FOUND';

export type ApprovalResult =
  | { readonly kind: 'decided'; readonly outcome: OnboardingOutcome; readonly ticket: Ticket }
  | { readonly kind: 'refused'; readonly reason: ApprovalRefusal; readonly outcome?: OnboardingOutcome };

/**
 * An admin approves or rejects a pending request. Both roles are as checked just now by the
 * caller (fresh, not cached): the approver must be an admin, the requester must still be
 * allowed to request; nobody approves their own request unless the policy says so.
 */
export async function decideApproval(
  deps: OnboardingDependencies,
  input: {
    readonly requestId: string;
    readonly approver: Requester;
    readonly approverRole: Role;
    readonly requesterRole: Role;
    readonly decision: 'approved' | 'rejected';
    readonly reason?: string | undefined;
  },
): Promise<ApprovalResult> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const stored = await deps.store.get(input.requestId);
    if (!stored) return { kind: 'refused', reason: 'NOT_FOUND' };
    const { record } = stored;
    if (input.approverRole !== 'admin') return { kind: 'refused', reason: 'NOT_AN_APPROVER', outcome: describeOutcome(record) };
    if (record.requester.id === input.approver.id && !deps.policy.approval.allowSelfApproval) {
      return { kind: 'refused', reason: 'OWN_REQUEST', outcome: describeOutcome(record) };
    }
    if (record.status !== 'awaiting_approval') return { kind: 'refused', reason: 'NOT_PENDING', outcome: describeOutcome(record) };

    const now = deps.clock.now();
    const expired = now.getTime() >= Date.parse(record.approval?.requestedAt ?? record.updatedAt) + deps.policy.approval.expiresAfterMs;
    const requesterGone = input.decision === 'approved' && input.requesterRole !== 'admin' && input.requesterRole !== 'requester';
    const decision = expired || requesterGone ? 'rejected' : input.decision;
    const reason = expired ? 'The approval expired.' : requesterGone ? 'The requester may no longer request accounts.' : input.reason?.trim().slice(0, 500);
    const approval = { ...record.approval, required: true, decision, decidedBy: input.approver, decidedAt: now.toISOString(), reason };
    const problem = decision === 'approved'
      ? undefined
      : describeProblem(expired ? 'APPROVAL_EXPIRED' : requesterGone ? 'REQUESTER_NOT_ALLOWED' : 'REQUEST_REJECTED', record.correlationId,
        reason ? { detail: reason } : {});
    const next = await write(deps, stored, decision === 'approved' ? 'approved' : 'rejected', {
      approval, problem, lease: undefined, ...(decision === 'approved' ? {} : { sealedPassword: undefined }),
    }, `approval.${decision}`, { approverId: input.approver.id, approverName: input.approver.name, reason: reason ?? null });
    if (!next) continue; // someone else changed it: read again
    const ticketStatus: TicketStatus = decision === 'approved' ? 'approved' : 'rejected';
    const ticketed = (await postTicket(deps, next, ticketStatus)) ?? next;
    return { kind: 'decided', outcome: describeOutcome(ticketed.record), ticket: ticketFor(ticketed.record, ticketStatus, now) };
  }
  const latest = await deps.store.get(input.requestId);
  return { kind: 'refused', reason: 'NOT_PENDING', ...(latest ? { outcome: describeOutcome(latest.record) } : {}) };
}
