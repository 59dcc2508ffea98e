/**
 * Approval, when the policy asks for it: the request waits in the IT channel as a ticket
 * with Approve/Reject; an IT admin decides (never their own request, unless the policy
 * allows it); a decision nobody made in time expires the request.
 */
import { describeProblem, type ErrorCode } from '../kernel/errors.js';
import type { OnboardingDependencies, RequestDeskDependencies } from '../kernel/dependencies.js';
import { postTicket, ticketFor } from './it-ticket.js';
import type { Requester, StoredRequest, Ticket, TicketStatus } from '../kernel/ports.js';
import { approvalExpired, describeOutcome, type OnboardingOutcome, type OnboardingRecord } from '../kernel/request-record.js';
import { claimStep, moved, requireRequest, stop, write, type StepResult } from '../kernel/record-kernel.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayAdminister, mayRequest } from '../rules/roles.js';
import { say } from '../kernel/sentences.js';

export function needsApproval(record: OnboardingRecord): boolean {
  return record.approval?.required === true && record.approval.decision !== 'approved';
}

/** checked → awaiting_approval: the approval card goes to the IT channel (the ticket, with buttons). */
export async function requestApproval(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const claim = await claimStep(deps, stored, 'checked', {
    approval: { ...stored.record.approval, required: true, requestedAt: deps.clock.now().toISOString() },
  });
  if (claim.kind === 'lost') return claim.result;
  const ticketed = await postTicket(deps, claim.stored, 'awaiting_approval');
  if (!ticketed) return moved;
  const waiting = await write(deps, ticketed, 'awaiting_approval', {
    lease: undefined, problem: describeProblem('AWAITING_APPROVAL', stored.record.correlationId),
  }, 'approval.requested', { userPrincipalName: requireRequest(stored.record).userPrincipalName });
  return waiting ? stop(waiting.record) : moved;
}

/** awaiting_approval → rejected once the approval has been pending too long; otherwise it waits. */
export async function expireApprovalIfDue(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const { record } = stored;
  if (!approvalExpired(record, deps.clock.now(), deps.policy.approval.expiresAfterMs)) return stop(record);
  const expired = await write(deps, stored, 'rejected', {
    problem: describeProblem('APPROVAL_EXPIRED', record.correlationId), lease: undefined,
  }, 'approval.expired', {});
  if (!expired) return moved;
  await postTicket(deps, expired, 'rejected');
  return stop(expired.record);
}

export type ApprovalResult =
  | { readonly kind: 'decided'; readonly outcome: OnboardingOutcome; readonly ticket: Ticket }
  | { readonly kind: 'refused'; readonly reason: ErrorCode; readonly outcome?: OnboardingOutcome };

/**
 * An admin approves or rejects a pending request. Both roles are checked fresh (not
 * cached): an approver removed from the admins, or a requester removed from the hiring
 * managers since the request, must not get an account created. The requester is told the
 * decision in their 1:1 chat.
 */
export async function decideApproval(
  deps: RequestDeskDependencies,
  input: { readonly requestId: string; readonly approver: Requester; readonly decision: 'approved' | 'rejected'; readonly reason?: string | undefined },
): Promise<ApprovalResult> {
  const stored = input.requestId ? await deps.store.get(input.requestId) : null;
  if (!stored) return { kind: 'refused', reason: 'APPROVAL_REQUEST_UNKNOWN' };
  const approverRole = await deps.roles.roleOf(input.approver.id, { fresh: true });
  const requesterStillAllowed = mayRequest(await deps.roles.roleOf(stored.record.requester.id, { fresh: true }));
  const result = await recordDecision(deps, { ...input, approverIsAdmin: mayAdminister(approverRole), requesterStillAllowed });
  if (result.kind === 'refused' && (result.reason === 'NOT_AN_APPROVER' || result.reason === 'OWN_REQUEST')) {
    await recordRefusal(deps, { reason: result.reason, action: input.decision === 'approved' ? 'approve' : 'reject', person: input.approver, requestId: input.requestId });
  }
  if (result.kind === 'decided') {
    const upn = result.outcome.userPrincipalName ?? 'the account';
    const why = result.outcome.problem?.detail ?? result.outcome.problem?.message ?? '';
    const guest = result.outcome.guest;
    const text = result.outcome.status !== 'approved' ? say.REJECTED_NOTICE(upn, why)
      : guest ? say.APPROVED_GUEST_NOTICE(input.approver.name, guest.email) : say.APPROVED_NOTICE(input.approver.name, upn);
    await deps.notice.notifyRequester(stored.record.requester, { requestId: input.requestId, text });
  }
  return result;
}

/** Writes the decision (compare-and-set, read again on a conflict) and updates the ticket. */
async function recordDecision(
  deps: OnboardingDependencies,
  input: {
    readonly requestId: string; readonly approver: Requester; readonly approverIsAdmin: boolean; readonly requesterStillAllowed: boolean;
    readonly decision: 'approved' | 'rejected'; readonly reason?: string | undefined;
  },
): Promise<ApprovalResult> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const stored = await deps.store.get(input.requestId);
    if (!stored) return { kind: 'refused', reason: 'APPROVAL_REQUEST_UNKNOWN' };
    const { record } = stored;
    if (!input.approverIsAdmin) return { kind: 'refused', reason: 'NOT_AN_APPROVER', outcome: describeOutcome(record) };
    if (record.requester.id === input.approver.id && !deps.policy.approval.allowSelfApproval) {
      return { kind: 'refused', reason: 'OWN_REQUEST', outcome: describeOutcome(record) };
    }
    if (record.status !== 'awaiting_approval') return { kind: 'refused', reason: 'APPROVAL_NOT_PENDING', outcome: describeOutcome(record) };

    const now = deps.clock.now();
    const expired = approvalExpired(record, now, deps.policy.approval.expiresAfterMs);
    const requesterGone = input.decision === 'approved' && !input.requesterStillAllowed;
    const decision = expired || requesterGone ? 'rejected' : input.decision;
    const reason = expired ? say.APPROVAL_EXPIRED_REASON() : requesterGone ? say.REQUESTER_GONE_REASON() : input.reason?.trim().slice(0, 500);
    const approval = { ...record.approval, required: true, decision, decidedBy: input.approver, decidedAt: now.toISOString(), reason };
    const problem = decision === 'approved'
      ? undefined
      : describeProblem(expired ? 'APPROVAL_EXPIRED' : requesterGone ? 'REQUESTER_NOT_ALLOWED' : 'REQUEST_REJECTED', record.correlationId,
        reason ? { detail: reason } : {});
    const next = await write(deps, stored, decision, {
      approval, problem, lease: undefined,
    }, `approval.${decision}`, { approverId: input.approver.id, approverName: input.approver.name, reason: reason ?? null });
    if (!next) continue; // someone else changed it: read again
    const ticketStatus: TicketStatus = decision;
    const ticketed = (await postTicket(deps, next, ticketStatus)) ?? next;
    return { kind: 'decided', outcome: describeOutcome(ticketed.record), ticket: ticketFor(ticketed.record, ticketStatus, now) };
  }
  const latest = await deps.store.get(input.requestId);
  return { kind: 'refused', reason: 'APPROVAL_NOT_PENDING', ...(latest ? { outcome: describeOutcome(latest.record) } : {}) };
}
