/**
 * The template step of a request, after the account and its manager and before the
 * credentials go out (process-request.ts):  created (template pending) → created (applied).
 * Like every step it claims the record first (a lease, compare-and-set), so two runs never
 * apply it at once, and a crash in the middle is resumed; applying twice is harmless anyway.
 * Each part is audited; nothing here fails the onboarding.
 */
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import type { StoredRequest } from '../kernel/ports.js';
import type { OnboardingRecord, TemplateOnRecord } from '../kernel/request-record.js';
import { claimStep, moveTo, noteEvent, type StepResult } from '../kernel/record-kernel.js';
import { applyTemplate, groupDone, licenceDone, type ApplyScope, type GroupPart, type LicencePart, type TemplateOutcome } from './apply-template.js';
import { auditText } from './template.js';

/** True while the request's template still has to be applied (it runs before the credentials go out). */
export function templateDue(record: OnboardingRecord): boolean {
  return !!record.template && record.template.state !== 'applied' && !!record.objectId;
}

/** created (template pending/applying) → created (template applied). */
export async function applyTemplateStep(deps: OnboardingDependencies, stored: StoredRequest): Promise<StepResult> {
  const template = stored.record.template!;
  const claim = await claimStep(deps, stored, stored.record.status, { template: { ...template, state: 'applying', runs: template.runs + 1 } },
    template.state === 'pending' ? 'template.applying' : undefined, { templateId: template.snapshot.templateId, templateName: auditText(template.snapshot.name) });
  if (claim.kind === 'lost') return claim.result;
  const applied = await applyOnRecord(deps, claim.stored, template.scope ?? 'all');
  return moveTo(deps, applied.stored, stored.record.status, { template: applied.template, lease: undefined }, 'template.applied', summaryOf(applied.template));
}

/**
 * Applies the record's snapshot to its account and says what to write: the template with its
 * outcome, and (in the returned record's outbox) one audit event per part that changed.
 */
export async function applyOnRecord(
  deps: OnboardingDependencies, claimed: StoredRequest, scope: ApplyScope,
): Promise<{ readonly stored: StoredRequest; readonly template: TemplateOnRecord }> {
  const current = claimed.record.template!;
  const outcome = await applyTemplate(deps, claimed.record.objectId!, current.snapshot, { previous: current.outcome, scope });
  let noted = claimed;
  for (const event of partEvents(current.outcome, outcome)) noted = noteEvent(deps, noted, event.type, event.details);
  const template: TemplateOnRecord = { ...current, state: 'applied', outcome, scope: undefined };
  return { stored: noted, template };
}

type Details = Record<string, string | number | boolean | null>;

/** One audit event per group and for the licence, for each part whose result is new. */
function partEvents(before: TemplateOutcome | undefined, after: TemplateOutcome): Array<{ type: string; details: Details }> {
  const events: Array<{ type: string; details: Details }> = [];
  const earlier = new Map((before?.groups ?? []).map((g) => [g.id, g.result]));
  for (const group of after.groups) {
    if (earlier.get(group.id) === group.result) continue;
    events.push({ type: groupDone(group) ? 'template.group_added' : 'template.group_not_added', details: groupDetails(group) });
  }
  if (after.licence && before?.licence?.result !== after.licence.result) {
    events.push({ type: licenceDone(after.licence) ? 'template.licence_assigned' : 'template.licence_missing', details: licenceDetails(after.licence) });
  }
  return events;
}

function groupDetails(group: GroupPart): Details {
  return { groupId: group.id, groupName: auditText(group.displayName), result: group.result, graphRequestId: group.graphRequestId ?? null };
}

function licenceDetails(licence: LicencePart): Details {
  return {
    licence: licence.name, skuIds: licence.skuIds.join(','), through: licence.groupName === undefined ? null : auditText(licence.groupName), result: licence.result,
    freeSeats: licence.free ?? null, totalSeats: licence.total ?? null, licenceError: licence.error ?? null, permission: licence.permission ?? null,
    graphRequestId: licence.graphRequestId ?? null,
  };
}

/** The closing event's facts: the template and how many parts went through. */
export function summaryOf(template: TemplateOnRecord): Details {
  const groups = template.outcome?.groups ?? [];
  return {
    templateId: template.snapshot.templateId, templateName: auditText(template.snapshot.name), templateVersion: template.snapshot.version,
    groupsAdded: groups.filter(groupDone).length, groupsNotAdded: groups.filter((g) => !groupDone(g)).length,
    licence: template.outcome?.licence?.name ?? null, licenceResult: template.outcome?.licence?.result ?? null,
  };
}
