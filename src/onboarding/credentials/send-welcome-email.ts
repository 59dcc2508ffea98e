/**
 * The welcome mail, once the credentials are on their way: the new person's personal
 * address gets their user name, start date, how the first sign-in works and whom to ask —
 * never the password or the pass. A failure never undoes the account; it is a warning the
 * requester and IT read.
 *
 * Exactly once: Graph's sendMail has no idempotency key, so the send is claimed first
 * (`sending`, compare-and-set, under a lease). Only the run holding that claim sends. A run
 * that finds `sending` with nobody on it cannot know whether the mail left before the crash,
 * so it records `unconfirmed` and does not send again: a missing welcome mail is an
 * inconvenience IT can fix, a second one is noise that looks like a fault.
 */
import { describeProblem, type ErrorCode } from '../kernel/errors.js';
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { contentsOf } from './credentials.js';
import type { CredentialContents, MailOutcome, StoredRequest, WelcomeMail } from '../kernel/ports.js';
import type { OnboardingRequest } from '../request/request.js';
import type { OnboardingRecord, WelcomeMailState } from '../kernel/request-record.js';
import { claimStep, heldElsewhere, moveTo, requireRequest, stop, withProblem, type StepResult } from '../kernel/record-kernel.js';
import { say } from '../kernel/sentences.js';

/** True while the request has a welcome mail that is not settled yet (the `delivered` step sends it before closing). */
export function welcomeMailDue(record: OnboardingRecord): boolean {
  const personalEmail = record.request?.personalEmail;
  if (!personalEmail) return false;
  const state = record.welcomeMail?.state;
  return state === undefined || state === 'pending' || state === 'sending';
}

/** The person the mail names as the one who hands over the password or pass: whoever receives the secret. */
export function secretHolderOf(record: OnboardingRecord): string {
  return record.credentials?.recipient.name ?? record.requester.name;
}

/** delivered (welcome mail due) → delivered (sent, failed, unconfirmed or off). */
export async function sendWelcomeEmail(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  const request = requireRequest(record);
  const to = request.personalEmail!;
  const copyTo = deps.policy.welcomeMail.copyManager ? request.manager : undefined;
  const before: WelcomeMailState = record.welcomeMail ?? { to, state: 'pending', attempts: 0, ...(copyTo ? { copyTo } : {}) };

  if (before.state === 'sending') {
    if (heldElsewhere(deps, record)) return stop(withProblem(record, 'BUSY_ELSEWHERE'));
    // A run claimed the send and never recorded its answer: the mail may have left (whatever the configuration says now).
    return settle(deps, stored, { ...before, state: 'unconfirmed', reason: say.WELCOME_MAIL_UNCONFIRMED(to) }, 'welcome_mail.unconfirmed');
  }
  if (!deps.mailer) return settle(deps, stored, { ...before, state: 'off', reason: say.WELCOME_MAIL_REASON('off') }, 'welcome_mail.off');

  const claim = await claimStep(deps, stored, 'delivered', { welcomeMail: { ...before, state: 'sending', attempts: before.attempts + 1 } });
  if (claim.kind === 'lost') return claim.result;
  const outcome = await sendWithinBounds(deps, welcomeMailFor(deps, record, to, copyTo));
  const claimed = claim.stored.record.welcomeMail!;
  switch (outcome.kind) {
    case 'sent':
      return settle(deps, claim.stored, { ...claimed, state: 'sent', sentAt: deps.clock.now().toISOString(), reason: undefined }, 'welcome_mail.sent');
    case 'ambiguous':
      return settle(deps, claim.stored, { ...claimed, state: 'unconfirmed', reason: say.WELCOME_MAIL_UNCONFIRMED(to) }, 'welcome_mail.unconfirmed', outcome);
    case 'throttled':
      return settle(deps, claim.stored, { ...claimed, state: 'failed', reason: say.WELCOME_MAIL_REASON('throttled') }, 'welcome_mail.failed', outcome);
    case 'refused':
      return settle(deps, claim.stored, { ...claimed, state: 'failed', reason: say.WELCOME_MAIL_REASON(outcome.reason) }, 'welcome_mail.failed', outcome);
  }
}

/** What the template needs, from the record: names, dates and people, never a secret. */
function welcomeMailFor(deps: OnboardingDependencies, record: OnboardingRecord, to: string, copyTo: string | undefined): WelcomeMail {
  return welcomeMailOf({
    requestId: record.requestId, request: requireRequest(record), to, copyTo, secretHolder: secretHolderOf(record),
    contents: record.credentials ? contentsOf(deps, record.credentials) : 'password', contact: record.requester.name,
  });
}

/** A welcome mail for one new account (a request, or a bulk row): names, dates and people, never a secret. */
export function welcomeMailOf(parts: {
  readonly requestId: string; readonly request: OnboardingRequest; readonly to: string; readonly copyTo?: string | undefined;
  readonly secretHolder: string; readonly contents: CredentialContents; readonly contact: string;
}): WelcomeMail {
  const { request } = parts;
  return {
    requestId: parts.requestId,
    to: parts.to,
    ...(parts.copyTo ? { copyTo: parts.copyTo } : {}),
    givenName: request.givenName,
    displayName: request.displayName,
    userPrincipalName: request.userPrincipalName,
    startDate: request.employeeHireDate?.slice(0, 10),
    secretHolder: parts.secretHolder,
    contents: parts.contents,
    contact: parts.contact,
    ticketReference: request.ticketReference,
  };
}

/** Sends, and sends again only while Exchange throttles (then the mail surely did not leave), up to the policy's bound. */
async function sendWithinBounds(deps: OnboardingDependencies, mail: WelcomeMail): Promise<MailOutcome> {
  let outcome = await deps.mailer!.sendWelcome(mail);
  for (let attempt = 1; attempt < deps.policy.welcomeMail.maxAttempts && outcome.kind === 'throttled'; attempt += 1) {
    const waitMs = (outcome.retryAfterSeconds ?? deps.policy.readBackDelayMs / 1000 * 2 ** (attempt - 1)) * 1000;
    if (waitMs > deps.policy.maxWaitMs) break;
    await deps.clock.sleep(waitMs);
    outcome = await deps.mailer!.sendWelcome(mail);
  }
  return outcome;
}

/** Records where the mail ended; anything but `sent` is also a warning on the request, for the requester and the ticket. */
async function settle(
  deps: OnboardingDependencies, stored: StoredRequest, welcomeMail: WelcomeMailState, event: string,
  facts: { graphRequestId?: string | undefined; detail?: string | undefined } = {},
): Promise<StepResult> {
  const { record } = stored;
  const code: ErrorCode | undefined = welcomeMail.state === 'sent' ? undefined : welcomeMail.state === 'unconfirmed' ? 'WELCOME_MAIL_UNCONFIRMED' : 'WELCOME_MAIL_NOT_SENT';
  const warning = code && describeProblem(code, record.correlationId, {
    graphRequestId: facts.graphRequestId,
    message: code === 'WELCOME_MAIL_NOT_SENT' ? say.WELCOME_MAIL_NOT_SENT(welcomeMail.to, welcomeMail.reason ?? '') : say.WELCOME_MAIL_UNCONFIRMED(welcomeMail.to),
  });
  return moveTo(deps, stored, 'delivered', { welcomeMail, lease: undefined, ...(warning ? { warnings: [...record.warnings, warning] } : {}) }, event, {
    to: welcomeMail.to, copyTo: welcomeMail.copyTo ?? null, attempts: welcomeMail.attempts, reason: welcomeMail.reason ?? null,
    graphRequestId: facts.graphRequestId ?? null, detail: facts.detail ?? null,
  });
}
