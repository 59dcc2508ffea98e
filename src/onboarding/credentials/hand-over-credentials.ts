/**
 * Handing the credentials over, after the account exists: a Temporary Access Pass when the
 * policy wants one (the account goes on without it when the tenant refuses), then the
 * recipient's 1:1 chat gets a reveal card — or, in the weaker plain-message mode, the
 * secret itself. Never with the user name.
 */
import { DirectoryError, describeProblem } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { contentsOf, discardCredentials, openPassword, requireCredentials } from './credentials.js';
import { postTicket } from '../request/it-ticket.js';
import type { DeliveryOutcome, ReachOutcome, Requester, StoredRequest, TemporaryAccessPassOutcome, TemporaryAccessPassRequest } from '../kernel/ports.js';
import type { CredentialsState, OnboardingRecord } from '../kernel/request-record.js';
import { audit, carryTo, claimStep, moved, moveTo, requireRequest, stop, write, type StepResult } from '../kernel/record-kernel.js';
import { welcomeMailDue } from './send-welcome-email.js';
import { failRequest } from '../kernel/request-endings.js';
import { nameRecipient, secretRecipientOf } from './secret-recipient.js';
import { say } from '../kernel/sentences.js';

/** created (TAP pending) → created (TAP issued or failed): one pass, starting on the start date when that is ahead. */
export async function issueTemporaryAccessPass(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const state = record.credentials!;
  const objectId = record.objectId!;
  // A run that died after POST lost the pass's value, and a reissue replaces the old pass:
  // either way the user may hold one already, and a user has at most one.
  const replacing = state.tap === 'issuing' || state.generation > 1;
  const claim = await claimStep(deps, stored, 'created', { credentials: { ...state, tap: 'issuing' } });
  if (claim.kind === 'lost') return claim.result;
  if (replacing) await deps.directory.removeTemporaryAccessPasses(objectId);
  const { lifetimeMinutes, usableOnce } = deps.policy.credentials.temporaryAccessPass;
  const hireDate = requireRequest(record).employeeHireDate;
  const startsLater = hireDate !== undefined && Date.parse(hireDate) > deps.clock.now().getTime();
  // The run keeps its lease while it sits out a 429 (half a lease at a time, renewed in between), so no
  // other run takes the step meanwhile and issues a second pass; one that took it anyway (this process
  // stalled past the lease) makes this run stop before it sends again.
  let current = claim.stored;
  let lost: StepResult | undefined;
  const outcome = await issueWithinBounds(deps, objectId, {
    ...(startsLater ? { startDateTime: hireDate } : {}), lifetimeInMinutes: lifetimeMinutes, isUsableOnce: usableOnce,
  }, async (waitMs) => {
    for (let leftMs = waitMs; leftMs > 0;) {
      const kept = await claimStep(deps, current, 'created');
      if (kept.kind === 'lost') {
        lost = kept.result;
        return false;
      }
      current = kept.stored;
      const sliceMs = Math.min(leftMs, deps.policy.leaseMs / 2);
      await deps.clock.sleep(sliceMs);
      leftMs -= sliceMs;
    }
    const kept = await claimStep(deps, current, 'created');
    if (kept.kind === 'lost') {
      lost = kept.result;
      return false;
    }
    current = kept.stored;
    return true;
  });
  if (lost) return lost;
  if (outcome.kind === 'throttled') {
    // Still throttled after the waits one run sits out: the step stays `issuing` and a later run tries again.
    throw new DirectoryError('THROTTLED', 'Issue a Temporary Access Pass: throttled', { graphRequestId: outcome.graphRequestId, status: 429, retryAfterSeconds: outcome.retryAfterSeconds });
  }
  if (outcome.kind === 'refused') {
    const warning = describeProblem('TAP_NOT_ISSUED', record.correlationId, { graphRequestId: outcome.graphRequestId, detail: say.TAP_REFUSED(outcome.reason) });
    return moveTo(deps, current, 'created', { credentials: { ...state, tap: 'failed' }, warnings: [...record.warnings, warning], lease: undefined },
      'tap.refused', { reason: outcome.reason, graphRequestId: outcome.graphRequestId ?? null });
  }
  const { credentials, version } = await requireCredentials(deps, state);
  const sealed = await deps.vault.seal(outcome.pass, { requestId: credentials.credentialId });
  const updated = await deps.credentials.update({ ...credentials, temporaryAccessPass: sealed }, version);
  if (updated.kind === 'conflict') throw new Error(`Credentials ${credentials.credentialId} changed while a TAP was added`);
  return moveTo(deps, current, 'created', { credentials: { ...state, tap: 'issued' }, lease: undefined }, 'tap.issued', {
    startDateTime: outcome.startDateTime, lifetimeInMinutes: outcome.lifetimeInMinutes, isUsableOnce: outcome.isUsableOnce,
  });
}

/**
 * POST …/temporaryAccessPassMethods, sent again after each 429's Retry-After (a 429 made no
 * pass, so the same POST is safe) while the wait is one a run sits out, at most maxCreateAttempts times.
 */
export async function issueWithinBounds(
  deps: OnboardingDependencies, objectId: string, request: TemporaryAccessPassRequest,
  /** Waits `ms` while keeping the step; false when the step was lost meanwhile (then nothing more is sent). */
  wait: (ms: number) => Promise<boolean> = async (ms) => {
    await deps.clock.sleep(ms);
    return true;
  },
): Promise<TemporaryAccessPassOutcome> {
  let outcome = await deps.directory.issueTemporaryAccessPass(objectId, request);
  for (let attempt = 1; attempt < deps.policy.maxCreateAttempts && outcome.kind === 'throttled'; attempt += 1) {
    const waitMs = (outcome.retryAfterSeconds ?? 2 ** attempt) * 1000;
    if (waitMs > deps.policy.maxWaitMs) break;
    if (!(await wait(waitMs))) break;
    outcome = await deps.directory.issueTemporaryAccessPass(objectId, request);
  }
  return outcome;
}

/** created/delivering → delivered: the reveal card (or the plain message) to the recipient only. */
export async function deliverCredentials(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const claim = await claimStep(deps, stored, 'delivering', { deliveryAttempts: record.deliveryAttempts + 1 });
  if (claim.kind === 'lost') return claim.result;
  let claimed = claim.stored;
  // A guest's invitation link is never put in a chat message, whatever the mode.
  const reveal = deps.policy.credentials.delivery === 'reveal' || claimed.record.credentials?.holds === 'invitation-link';
  // Someone other than the requester may never have written to the bot: make sure it can
  // reach them first. If not, nothing goes to anyone else; the credentials stay sealed for a reissue.
  const recipient = secretRecipientOf(claimed.record);
  let targets: readonly Requester[] = [claimed.record.credentials!.recipient];
  if (recipient.members) {
    // A coordinator group: each member it can reach gets the card; never the secret itself in a message.
    if (!reveal) return recipientUnreachable(deps, claimed, say.GROUP_NEEDS_REVEAL_CARD());
    const reached = await reachPeople(deps, claimed, recipient.members);
    if (reached.kind === 'stopped') return reached.result;
    if (reached.kind === 'unreachable') return recipientUnreachable(deps, reached.stored, say.GROUP_UNREACHABLE());
    ({ stored: claimed, people: targets } = reached);
  } else if (targets[0]!.id !== claimed.record.requester.id) {
    const reached = await reachPeople(deps, claimed, targets);
    if (reached.kind === 'stopped') return reached.result;
    if (reached.kind === 'unreachable') return recipientUnreachable(deps, reached.stored, reached.reason);
    claimed = reached.stored;
  }
  const state = claimed.record.credentials!;
  const outcome: HandOver = reveal ? await sendRevealCard(deps, claimed, state, targets) : await sendPlainMessage(deps, claimed, state);
  if (outcome.kind === 'delivered') {
    const now = deps.clock.now().toISOString();
    // Plain-message mode: the secret left in the message, so storage keeps no copy.
    if (!reveal) await discardCredentials(deps, state);
    const { reachingSince: _reached, nextTryAt: _tried, ...sent } = state;
    const credentials = outcome.expiresAt ? { ...sent, expiresAt: outcome.expiresAt } : { ...sent, purgedAt: now };
    // The lease stays: this run records the onboarding next (ticket, done), which frees it.
    const event = reveal ? 'credentials.reveal_card_sent' : 'password.delivered';
    const details = { recipientId: state.recipient.id, generation: state.generation };
    const delivered = { credentials, problem: undefined };
    // A reveal card with no welcome mail to send: "delivered" is written with "done" (a crash in
    // between sends the card again, as one before this write always did). A plain message is
    // written down at once: its secret is gone from storage, so it could not be sent again.
    if (reveal && !welcomeMailDue({ ...claimed.record, ...delivered })) return carryTo(deps, claimed, 'delivered', delivered, event, details);
    return moveTo(deps, claimed, 'delivered', delivered, event, details);
  }
  const problem = describeProblem('DELIVERY_FAILED', record.correlationId, { detail: outcome.reason });
  if (claimed.record.deliveryAttempts >= deps.policy.maxDeliveryAttempts) {
    // The credentials stay sealed until they expire, so an admin can reissue or IT hand them over.
    // No more tries from here, so the recipient is not told to wait for one.
    const final = { ...problem, help: say.CREDENTIALS_UNDELIVERABLE_HELP() };
    const failed = await write(deps, claimed, 'failed', { problem: final, lease: undefined }, 'password.undeliverable', { reason: outcome.reason });
    if (failed) await postTicket(deps, failed, 'failed');
    return moved;
  }
  const back = await write(deps, claimed, 'created', { problem, lease: undefined }, 'password.delivery_failed', { reason: outcome.reason });
  if (!back) return moved;
  // IT hears now, not after the last try: the account exists and the credentials have not reached anyone yet.
  const ticketed = await postTicket(deps, back, 'created');
  return stop((ticketed ?? back).record);
}

type Reached =
  | { readonly kind: 'reached'; readonly stored: StoredRequest; readonly people: readonly Requester[] }
  | { readonly kind: 'unreachable'; readonly stored: StoredRequest; readonly reason: string }
  /** Another run took the request, or a resume pass left it to try again later. */
  | { readonly kind: 'stopped'; readonly result: StepResult };

/**
 * Makes sure the bot can open a 1:1 chat with these people (one recipient, or a coordinator
 * group's members): those it reaches now, or — when Teams refused in a way that may pass, such
 * as an app installation that has not reached Teams yet — after waiting firstDelayMs, twice that,
 * … (or what Teams asked) until the retry window ends. The window counts from the first such
 * refusal, stored with the credentials, so a restart resumes it instead of starting a new one.
 * A resume pass does not wait: it leaves the request with the time of its next try, for a later pass.
 *
 * The run keeps its lease while it waits: it sleeps at most half a lease at a time and renews the
 * lease in between, however long Teams asks it to wait. A run that lost the lease anyway (its
 * process stalled past it, and another run took the request) finds out at the next write: once it
 * reaches them after a wait it claims the step again before anything is sent, so only one run sends.
 */
async function reachPeople(deps: OnboardingDependencies, stored: StoredRequest, people: readonly Requester[]): Promise<Reached> {
  const { windowMs, firstDelayMs, maxDelayMs } = deps.policy.reachRetry;
  let current = stored;
  let delayMs = firstDelayMs;
  for (;;) {
    const reached: Requester[] = [];
    const refusals: Array<Extract<ReachOutcome, { kind: 'unreachable' }>> = [];
    for (const person of people) {
      const outcome = await deps.delivery.reach(person);
      if (outcome.kind === 'reachable') reached.push(person);
      else refusals.push(outcome);
    }
    const state = current.record.credentials!;
    if (reached.length > 0) {
      if (!state.reachingSince) return { kind: 'reached', stored: current, people: reached };
      // After a wait: still ours? The window is over either way (a compare-and-set write).
      const { reachingSince: _waited, nextTryAt: _tried, ...reachedState } = state;
      const kept = await claimStep(deps, current, 'delivering', { credentials: reachedState });
      return kept.kind === 'lost' ? { kind: 'stopped', result: kept.result } : { kind: 'reached', stored: kept.stored, people: reached };
    }
    const reason = refusals[0]?.reason ?? say.GROUP_UNREACHABLE();
    const passing = refusals.filter((refusal) => refusal.retry);
    const now = deps.clock.now().getTime();
    const since = state.reachingSince ? Date.parse(state.reachingSince) : now;
    // A resume pass waits for nothing: its next try is as far off as the wait has lasted so far.
    const backoffMs = deps.resumePass ? Math.min(Math.max(now - since, firstDelayMs), maxDelayMs) : delayMs;
    const waitMs = Math.max(backoffMs, ...passing.map((refusal) => refusal.retry?.afterMs ?? 0));
    if (passing.length === 0 || now + waitMs > since + windowMs) return { kind: 'unreachable', stored: current, reason };
    if (deps.resumePass) return { kind: 'stopped', result: await tryAgainLater(deps, current, since, now + waitMs) };
    // The window's start noted once (for a restart); the lease renewed before each part of the wait.
    let waiting: Partial<OnboardingRecord> = state.reachingSince ? {} : { credentials: { ...state, reachingSince: new Date(now).toISOString() } };
    for (let leftMs = waitMs; leftMs > 0;) {
      const kept = await claimStep(deps, current, 'delivering', waiting);
      if (kept.kind === 'lost') return { kind: 'stopped', result: kept.result };
      current = kept.stored;
      waiting = {};
      const sliceMs = Math.min(leftMs, deps.policy.leaseMs / 2);
      await deps.clock.sleep(sliceMs);
      leftMs -= sliceMs;
    }
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}

/**
 * delivering → delivering, without a lease: a resume pass leaves the wait to the first pass after
 * `nextTry`. This entry into the step sent nothing, so it costs no delivery attempt.
 */
async function tryAgainLater(deps: OnboardingDependencies, stored: StoredRequest, since: number, nextTry: number): Promise<StepResult> {
  const { record } = stored;
  const credentials = { ...record.credentials!, reachingSince: new Date(since).toISOString(), nextTryAt: new Date(nextTry).toISOString() };
  const left = await write(deps, stored, 'delivering', { credentials, lease: undefined, deliveryAttempts: Math.max(0, record.deliveryAttempts - 1) });
  return left ? stop(left.record) : moved;
}

/** created/delivering → failed: the recipient cannot be reached; the requester hears it in one sentence and IT in the ticket. */
async function recipientUnreachable(deps: OnboardingDependencies, stored: StoredRequest, reason: string): Promise<StepResult> {
  const recipient = secretRecipientOf(stored.record);
  const named = nameRecipient(recipient);
  await audit(deps, stored.record, 'credentials.recipient_unreachable', { recipientId: recipient.id, recipientRole: recipient.role, reason });
  return failRequest(deps, stored, describeProblem('RECIPIENT_UNREACHABLE', stored.record.correlationId, { message: say.RECIPIENT_UNREACHABLE(named), detail: reason }));
}

/**
 * How long the recipient has to reveal: the reveal window from when the card goes out. When it
 * goes out within CARD_FOLLOWS_SEAL_MS of the sealing (the usual case: the same run, seconds
 * later), the expiry stored with the secret is kept as it is, saving a write; the window is then
 * at most that much shorter than configured, and the card names the exact time either way.
 */
export const CARD_FOLLOWS_SEAL_MS = 60_000;

/** A delivery, with the reveal card's expiry when it was one. */
type HandOver = { readonly kind: 'delivered'; readonly expiresAt?: string } | { readonly kind: 'undeliverable'; readonly reason: string };

async function sendRevealCard(
  deps: OnboardingDependencies, stored: StoredRequest, state: CredentialsState, targets: readonly Requester[],
): Promise<HandOver> {
  const { credentials, version } = await requireCredentials(deps, state);
  const fullWindow = deps.clock.now().getTime() + deps.policy.credentials.revealWindowMs;
  const stays = Date.parse(credentials.purgeAt) <= fullWindow && Date.parse(credentials.purgeAt) >= fullWindow - CARD_FOLLOWS_SEAL_MS;
  const expiresAt = stays ? credentials.purgeAt : new Date(fullWindow).toISOString();
  const notice = {
    requestId: stored.record.requestId,
    displayName: requireRequest(stored.record).displayName,
    ticketReference: requireRequest(stored.record).ticketReference,
    expiresAt,
    contents: contentsOf(deps, state),
    generation: state.generation,
  };
  // Each target in their own chat (one for a person, each reachable member of a coordinator group); one delivery is enough.
  let outcome: DeliveryOutcome = { kind: 'undeliverable', reason: say.NO_WAY_TO_REACH(state.recipient.name) };
  for (const target of targets) {
    const sent = await deps.delivery.sendRevealCard(target, notice);
    if (outcome.kind !== 'delivered') outcome = sent;
  }
  if (outcome.kind !== 'delivered') return outcome;
  // The window now counts from the card: the stored entry is deleted then at the latest.
  if (!stays) await deps.credentials.update({ ...credentials, purgeAt: expiresAt }, version);
  return { ...outcome, expiresAt };
}

async function sendPlainMessage(deps: OnboardingDependencies, stored: StoredRequest, state: CredentialsState): Promise<DeliveryOutcome> {
  const { credentials } = await requireCredentials(deps, state);
  const contents = contentsOf(deps, state);
  const password = await openPassword(deps, state);
  const pass = contents !== 'password' && credentials.temporaryAccessPass
    ? await deps.vault.unseal(credentials.temporaryAccessPass, { requestId: credentials.credentialId })
    : undefined;
  return deps.delivery.deliverTemporaryPassword(state.recipient, password, {
    requestId: stored.record.requestId, displayName: requireRequest(stored.record).displayName, temporaryAccessPass: pass,
  });
}

