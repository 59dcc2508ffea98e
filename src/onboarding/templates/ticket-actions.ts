/**
 * The ticket's template buttons, when the decision is made later: "Apply template" (an account
 * this bot created with no template yet, or one partly applied) and "Assign licence" (its
 * licence is missing: no seats then, a permission granted since…). Only admins, exactly once
 * under double clicks and several instances: the click claims the record (a lease written
 * compare-and-set, as every step does); a second click finds it claimed or done and is told.
 * Audited, and the ticket card is updated for everyone.
 */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import { postTicket, ticketFor } from '../request/it-ticket.js';
import type { Requester, StoredRequest, Ticket } from '../kernel/ports.js';
import { claimStep, heldElsewhere, write } from '../kernel/record-kernel.js';
import { recordRefusal } from '../kernel/refusals.js';
import type { TemplateOnRecord } from '../kernel/request-record.js';
import { mayAdminister } from '../rules/roles.js';
import { sayTemplates } from '../kernel/sentences.js';
import { groupsUnfinished, licenceDone, licenceMissing } from './apply-template.js';
import { chooseTemplate, takeSnapshot } from './choose-template.js';
import { applyOnRecord, summaryOf } from './template-step.js';
import { auditText } from './template.js';

export type TemplateAction = 'apply-template' | 'assign-licence';

export type TicketActionAnswer =
  | { readonly kind: 'refused'; readonly sentence: string }
  /** Done (or found done already): what to tell the clicker, and the ticket as it is now. */
  | { readonly kind: 'answered'; readonly sentence: string; readonly ticket?: Ticket | undefined };

export async function runTicketAction(
  deps: RequestDeskDependencies, input: { readonly actor: Requester | undefined; readonly requestId: unknown; readonly action: TemplateAction },
): Promise<TicketActionAnswer> {
  const { actor, action } = input;
  const requestId = typeof input.requestId === 'string' ? input.requestId.slice(0, 128) : '';
  if (!actor || !mayAdminister(await deps.roles.roleOf(actor.id, { fresh: true }))) {
    await recordRefusal(deps, { reason: actor ? 'ADMINS_ONLY' : 'UNKNOWN_PERSON', action: action === 'apply-template' ? 'apply template' : 'assign licence', person: actor, requestId });
    return { kind: 'refused', sentence: sayTemplates.ACTION_NOT_ALLOWED((await deps.roles.whomToAsk()).admins) };
  }
  // Its own run name: the lease it writes is this click's, and a second click (even on this instance) is another run.
  const run: RequestDeskDependencies = { ...deps, instanceId: `${deps.instanceId}/${deps.random.uuid()}` };
  let stored = requestId ? await deps.store.get(requestId) : null;
  for (let attempt = 0; stored && attempt < 5; attempt += 1) {
    const next = await claim(run, stored, action, actor);
    if (next.kind !== 'claimed') return next.kind === 'answer' ? next.answer : { kind: 'answered', sentence: sayTemplates.ACTION_IN_PROGRESS() };
    if (next.claimed) return finish(run, next.claimed, action);
    stored = await deps.store.get(requestId);
  }
  return stored ? { kind: 'answered', sentence: sayTemplates.ACTION_IN_PROGRESS() } : { kind: 'refused', sentence: sayTemplates.ACTION_UNKNOWN_REQUEST() };
}

type Claimed = { readonly kind: 'claimed'; readonly claimed?: StoredRequest | undefined } | { readonly kind: 'answer'; readonly answer: TicketActionAnswer } | { readonly kind: 'busy' };

/** Claims the record for this click, or says why there is nothing to do. `claimed` undefined: lost a race, read again. */
async function claim(deps: RequestDeskDependencies, stored: StoredRequest, action: TemplateAction, actor: Requester): Promise<Claimed> {
  const { record } = stored;
  const answer = (sentence: string): Claimed => ({ kind: 'answer', answer: { kind: 'answered', sentence } });
  if (!record.objectId) return answer(sayTemplates.ACTION_NO_ACCOUNT());
  if (record.status !== 'done' && record.status !== 'failed') return answer(sayTemplates.ACTION_NOT_FINISHED());
  if (heldElsewhere(deps, record)) return { kind: 'busy' };
  const current = record.template;
  let template: TemplateOnRecord;
  if (action === 'assign-licence') {
    if (!current?.outcome?.licence) return answer(sayTemplates.ACTION_NO_LICENCE_MISSING());
    if (!licenceMissing(current.outcome)) {
      return answer(licenceDone(current.outcome.licence) ? sayTemplates.ACTION_LICENCE_ALREADY(current.outcome.licence.name) : sayTemplates.ACTION_NO_LICENCE_MISSING());
    }
    template = { ...current, state: 'applying', scope: 'licence', runs: current.runs + 1 };
  } else if (current) {
    if (current.state === 'applied' && current.outcome && !groupsUnfinished(current.outcome) && !licenceMissing(current.outcome)) {
      return answer(sayTemplates.ACTION_ALREADY_APPLIED(current.snapshot.name));
    }
    template = { ...current, state: 'applying', scope: 'all', runs: current.runs + 1 };
  } else {
    // An account without a template: the one its department picks now, as a review would show it.
    const choice = chooseTemplate(deps.templates ? await deps.templates.list() : [], { ...record.form, template: '' });
    if (choice.kind !== 'chosen') return answer(sayTemplates.ACTION_NO_TEMPLATE_APPLIES(record.request?.department ?? record.form.department));
    // The account exists: no field is filled in any more, only groups and licence are added.
    const snapshot = { ...(await takeSnapshot(deps.templateDirectory, choice.stored, [])), extensionAttributes: {} };
    template = { snapshot, state: 'applying', scope: 'all', runs: 1 };
  }
  const claimed = await claimStep(deps, stored, record.status, { template: { ...template, requestedBy: { by: actor, at: deps.clock.now().toISOString(), action } } },
    action === 'apply-template' ? 'template.apply_requested' : 'template.licence_requested',
    { byId: actor.id, byName: actor.name, templateId: template.snapshot.templateId, templateName: auditText(template.snapshot.name) });
  if (claimed.kind === 'lost') return claimed.result.kind === 'stop' ? { kind: 'busy' } : { kind: 'claimed' };
  return { kind: 'claimed', claimed: claimed.stored };
}

/** Applies what the click claimed, records it (audit, then the ticket updated), and says how it went. */
async function finish(deps: RequestDeskDependencies, claimed: StoredRequest, action: TemplateAction): Promise<TicketActionAnswer> {
  const applied = await applyOnRecord(deps, claimed, claimed.record.template?.scope ?? 'all');
  const status = claimed.record.status;
  const written = await write(deps, applied.stored, status, { template: applied.template, lease: undefined }, 'template.applied', summaryOf(applied.template));
  if (!written) return { kind: 'answered', sentence: sayTemplates.ACTION_IN_PROGRESS() };
  const ticketStatus = status === 'done' ? 'done' : 'failed';
  const ticketed = written.record.ticketMessageId ? await postTicket(deps, written, ticketStatus) : written;
  const record = (ticketed ?? written).record;
  const outcome = applied.template.outcome!;
  const sentence = action === 'assign-licence'
    ? (licenceDone(outcome.licence) ? sayTemplates.ACTION_LICENCE_DONE(outcome.licence!.name) : sayTemplates.ACTION_LICENCE_STILL_MISSING(outcome.licence!.name))
    : sayTemplates.ACTION_DONE(applied.template.snapshot.name);
  return { kind: 'answered', sentence, ticket: ticketFor(record, ticketStatus, deps.clock.now(), !!deps.templates) };
}
