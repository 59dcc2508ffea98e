/**
 * The request desk: every use case a person can start from Teams, bound to its
 * dependencies. The edge (src/bot) holds only this: it never touches the directory, the
 * store or the clock itself.
 */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import { decideApproval, type ApprovalResult } from './decide-approval.js';
import { processOnboardingRequest } from './process-request.js';
import type { AuditCriteria, AuditEvent, Requester, StillAnswering } from '../kernel/ports.js';
import { auditTrailRefusal, readAuditTrail } from './read-audit-trail.js';
import type { OnboardingForm } from './request.js';
import type { OnboardingOutcome } from '../kernel/request-record.js';
import { describeRecentRequests, requestResult } from './request-status.js';
import { prepareRequestForm, rememberVerifiedDomains, reviewRequest, type FormPreparation, type RequestReview } from './review-request.js';
import { reissueCredentials, type ReissueAnswer } from '../credentials/reissue-credentials.js';
import { revealCredentials, revealStatus, type RevealAnswer } from '../credentials/reveal-credentials.js';
import { recordRefusal, type Refusal } from '../kernel/refusals.js';
import { dayIn } from '../rules/confirmations.js';
import { mayAdminister } from '../rules/roles.js';
import { say } from '../kernel/sentences.js';
import type { TemplateSnapshot } from '../templates/choose-template.js';
import { runTicketAction, type TemplateAction, type TicketActionAnswer } from '../templates/ticket-actions.js';
import { submitRequest, type ConfirmationsGiven, type ReviewedManager, type Submission } from './submit-request.js';

export interface RequestDesk {
  /** Today's date (YYYY-MM-DD) in the person's time zone (UTC when not given or unknown), for reading "starts Monday". */
  today(timeZone?: string): string;
  /** `form`: what the form will show (a sentence's prefill, a draft), for the template hints. */
  prepareRequestForm(person: Requester | undefined, form?: OnboardingForm): Promise<FormPreparation>;
  reviewRequest(person: Requester, data: unknown): Promise<RequestReview>;
  /** `confirmations`: what the review asked to confirm, and the Create click's card data that should tick it. */
  submitRequest(input: {
    readonly requestId: string; readonly requester: Requester; readonly form: OnboardingForm; readonly confirmations?: ConfirmationsGiven | undefined;
    readonly manager?: ReviewedManager | undefined; readonly template?: TemplateSnapshot | null | undefined;
  }): Promise<Submission>;
  requestResult(person: Requester | undefined, requestId: unknown): ReturnType<typeof requestResult>;
  describeRecentRequests(person: Requester | undefined): Promise<string>;
  /**
   * Approve or reject; an approved request is then created in the background (`continuing`,
   * for the caller to watch for unexpected errors).
   */
  decideApproval(input: { readonly requestId: string; readonly approver: Requester; readonly decision: 'approved' | 'rejected'; readonly reason?: string | undefined }):
    Promise<ApprovalResult & { readonly continuing?: Promise<OnboardingOutcome> }>;
  /** Only admins choose the ticket channel (role checked fresh); undefined when this person may. */
  ticketChannelRefusal(person: Requester | undefined): Promise<string | undefined>;
  auditTrailRefusal(person: Requester | undefined): Promise<string | undefined>;
  /** Records a refusal the edge decided itself (someone else's card, another tenant, an unknown person). */
  recordRefusal(refusal: Refusal): Promise<void>;
  readAuditTrail(query: AuditCriteria & { readonly requesterUpn?: string | undefined }): ReturnType<typeof readAuditTrail>;
  auditCsv(events: readonly AuditEvent[]): string;
  /** The recipient's Reveal click: the secret, for the answer to that click only. */
  revealCredentials(person: Requester | undefined, requestId: unknown, generation?: number, stillAnswering?: StillAnswering): Promise<RevealAnswer>;
  /** Where a reveal stands (Hide, and the card's refresh); never the secret. */
  revealStatus(person: Requester | undefined, requestId: unknown, generation?: number): Promise<RevealAnswer>;
  /** New credentials for an account this bot created (admins; the requester where the policy allows). */
  reissueCredentials(input: Parameters<typeof reissueCredentials>[1]): Promise<ReissueAnswer>;
  /** A template button on the ticket card: "Apply template" or "Assign licence" (admins; exactly once). */
  ticketTemplateAction(input: { readonly actor: Requester | undefined; readonly requestId: unknown; readonly action: TemplateAction }): Promise<TicketActionAnswer>;
}

export function createRequestDesk(desk: RequestDeskDependencies): RequestDesk {
  // The form, the review and the request's own validation share one remembered domain list.
  const review = { ...desk, verifiedDomains: desk.verifiedDomains ?? rememberVerifiedDomains(desk.directory, desk.clock) };
  const deps: RequestDeskDependencies = review;
  return {
    today: (timeZone) => dayIn(deps.clock.now(), timeZone),
    prepareRequestForm: (person, form) => prepareRequestForm(review, person, form),
    reviewRequest: (person, data) => reviewRequest(review, person, data),
    submitRequest: (input) => submitRequest(deps, input),
    requestResult: (person, requestId) => requestResult(deps, person, requestId),
    describeRecentRequests: (person) => describeRecentRequests(deps, person),
    async decideApproval(input) {
      const result = await decideApproval(deps, input);
      if (result.kind !== 'decided' || result.outcome.status !== 'approved') return result;
      return { ...result, continuing: processOnboardingRequest(deps, input.requestId) };
    },
    async ticketChannelRefusal(person) {
      if (person && mayAdminister(await deps.roles.roleOf(person.id, { fresh: true }))) return undefined;
      await recordRefusal(deps, { reason: person ? 'ADMINS_ONLY' : 'UNKNOWN_PERSON', action: 'set ticket channel', person });
      return say.ADMINS_ONLY_TICKET_CHANNEL(await deps.roles.whomToAsk());
    },
    auditTrailRefusal: (person) => auditTrailRefusal(deps, person),
    recordRefusal: (refusal) => recordRefusal(deps, refusal),
    readAuditTrail: (query) => readAuditTrail(deps, query),
    auditCsv: (events) => deps.auditTrail.toCsv(events),
    revealCredentials: (person, requestId, generation, stillAnswering) => revealCredentials(deps, person, requestId, generation, stillAnswering),
    revealStatus: (person, requestId, generation) => revealStatus(deps, person, requestId, generation),
    reissueCredentials: (input) => reissueCredentials(deps, input),
    ticketTemplateAction: (input) => runTicketAction(deps, input),
  };
}
