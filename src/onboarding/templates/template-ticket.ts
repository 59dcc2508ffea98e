/** What the IT ticket says of a request's template: one plain line per part, and which buttons it offers. */
import { FIELD_LABELS_IN_WORDS } from '../request/request.js';
import type { OnboardingRecord, TemplateOnRecord } from '../kernel/request-record.js';
import { sayTemplates } from '../kernel/sentences.js';
import { groupDone, groupsUnfinished, licenceMissing, TEMPLATE_PERMISSIONS, type GroupPart, type LicencePart } from './apply-template.js';
import type { AppliedDefault } from './choose-template.js';

/** The ticket's lines about the template (none when the request has none, or it is not applied yet). */
export function templateLines(record: OnboardingRecord): string[] {
  return record.template ? templateLinesOf(record.template) : [];
}

/** The lines about one account's template (a request's, or a bulk row's on its results line). */
export function templateLinesOf(template: TemplateOnRecord): string[] {
  const lines: string[] = [];
  const outcome = template.outcome;
  const defaults = template.snapshot.defaultsApplied.filter((d) => d.from === 'template');
  const head = sayTemplates.TICKET_TEMPLATE(template.snapshot.name);
  const added = outcome?.groups.filter(groupDone).map((g) => g.displayName) ?? [];
  lines.push([head, added.length > 0 ? sayTemplates.GROUPS_ADDED(added) : ''].filter(Boolean).join(' '));
  for (const group of outcome?.groups.filter((g) => !groupDone(g)) ?? []) lines.push(sayTemplates.GROUP_NOT_ADDED(group.displayName, whyNotAdded(group)));
  if (outcome?.licence) lines.push(licenceLine(outcome.licence));
  if (defaults.length > 0) lines.push(sayTemplates.DEFAULTS_IN_TICKET(defaults.map(describeDefault)));
  return lines;
}

/** "Country SE", "Company Contoso": a default as the review and the ticket show it. */
export function describeDefault(applied: AppliedDefault): string {
  return `${FIELD_LABELS_IN_WORDS[applied.field]} ${applied.value}`;
}

function whyNotAdded(group: GroupPart): string {
  switch (group.result) {
    case 'dynamic': return sayTemplates.WHY_DYNAMIC();
    case 'role-assignable': return sayTemplates.WHY_ROLE_ASSIGNABLE();
    case 'exchange-managed': return sayTemplates.WHY_EXCHANGE_MANAGED();
    case 'forbidden': return sayTemplates.WHY_FORBIDDEN(TEMPLATE_PERMISSIONS.groups);
    case 'removed': return sayTemplates.WHY_GROUP_GONE();
    case 'not-done': return sayTemplates.WHY_NOT_DONE();
    default: return sayTemplates.WHY_OTHER(group.detail ?? group.result);
  }
}

function licenceLine(licence: LicencePart): string {
  const group = licence.groupName ?? '';
  switch (licence.result) {
    case 'assigned': return sayTemplates.LICENCE_ASSIGNED(licence.name);
    case 'already': return sayTemplates.LICENCE_ALREADY(licence.name);
    case 'requested': return sayTemplates.LICENCE_REQUESTED(licence.name, group);
    case 'active': return sayTemplates.LICENCE_ACTIVE(licence.name, group);
    case 'group-error': return sayTemplates.LICENCE_GROUP_ERROR(licence.name, group, licence.error ?? 'an error');
    case 'no-seats': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_NO_SEATS(licence.free ?? 0, licence.total ?? 0));
    case 'no-usage-location': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_NO_USAGE_LOCATION());
    case 'unknown-sku': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_UNKNOWN_SKU());
    case 'forbidden': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_LICENCE_FORBIDDEN(licence.permission ?? TEMPLATE_PERMISSIONS.assignLicence));
    case 'not-done': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_LICENCE_NOT_DONE());
    case 'refused': return sayTemplates.LICENCE_MISSING(licence.name, sayTemplates.WHY_OTHER(licence.graphRequestId ?? 'refused'));
  }
}

/**
 * The ticket's template buttons, for an account this bot created: "Apply template" when it
 * has none yet (and templates are on) or a part is left to finish; "Assign licence" when the
 * licence is missing for a reason someone can fix.
 */
export function templateActions(record: OnboardingRecord, templatesOn: boolean): { readonly canApply: boolean; readonly canAssignLicence: boolean } {
  const finished = record.status === 'done' || record.status === 'failed';
  if (!finished || !record.objectId || !templatesOn) return { canApply: false, canAssignLicence: false };
  const template = record.template;
  if (!template) return { canApply: true, canAssignLicence: false };
  if (template.state !== 'applied' || !template.outcome) return { canApply: false, canAssignLicence: false };
  return { canApply: groupsUnfinished(template.outcome), canAssignLicence: licenceMissing(template.outcome) };
}
