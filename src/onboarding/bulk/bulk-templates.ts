/**
 * Onboarding templates for bulk rows, with the single request's own parts (templates/): each
 * row's template is chosen as a form's is (its department and employee type, or a Template
 * column naming one, or "none"), its empty fields filled with the template's or the
 * organisation's defaults before the row is validated; the review takes one snapshot per
 * template the sheet uses (seats read once) and shows it; the run applies each created row's
 * template with applyTemplate — groups, then the licence — within the directory's write budget,
 * and the results line says what each part came to, as a request's ticket does.
 */
import type { BulkRowRecord } from './bulk-job.js';
import { inLanes, type BulkRunContext } from './bulk-record.js';
import type { OnboardingForm } from '../request/request.js';
import { sayBulk } from '../kernel/sentences.js';
import { applyTemplate, groupDone, licenceDone } from '../templates/apply-template.js';
import { chooseTemplate, describeLicence, fillDefaults, NO_TEMPLATE, takeSnapshot, type TemplateSnapshot } from '../templates/choose-template.js';
import type { OrganisationDefaults } from '../templates/review-template.js';
import type { StoredTemplate, TemplateDirectory } from '../templates/ports.js';
import { nameKey } from '../templates/template.js';
import { templateLinesOf } from '../templates/template-ticket.js';

/**
 * A row's form as a single request's review leaves it: the template chosen (a Template cell may
 * name one by name or id, or say "none"), empty fields filled. `chosen` learns the row's template.
 */
export function prepareRowForm(
  templates: readonly StoredTemplate[], organisation: OrganisationDefaults, chosen: Map<number, StoredTemplate>, rowNumber: number, form: OnboardingForm,
): { readonly form: OnboardingForm; readonly problem?: string | undefined } {
  const typed = form.template?.trim() ?? '';
  const byName = typed && typed.toLowerCase() !== NO_TEMPLATE ? templates.find((s) => nameKey(s.template.name) === nameKey(typed)) : undefined;
  const choice = chooseTemplate(templates, { ...form, template: byName ? byName.template.id : typed, employeeType: form.employeeType?.trim() || organisation.employeeType });
  if (choice.kind === 'problem') return { form, problem: choice.message };
  if (choice.kind !== 'chosen') return { form: fillDefaults(form, undefined, organisation).form };
  chosen.set(rowNumber, choice.stored);
  return { form: fillDefaults(form, choice.stored.template, organisation).form };
}

/** One snapshot per template the sheet uses (a template's seats read once, not per row). */
export async function snapshotsOf(directory: TemplateDirectory | undefined, chosen: ReadonlyMap<number, StoredTemplate>): Promise<Record<string, TemplateSnapshot>> {
  const snapshots: Record<string, TemplateSnapshot> = {};
  for (const stored of new Map([...chosen.values()].map((s) => [s.template.id, s])).values()) {
    snapshots[stored.template.id] = await takeSnapshot(directory, stored, []);
  }
  return snapshots;
}

/** What the review card says of a template the sheet uses: how many rows get it, and what it adds. */
export interface BulkTemplateUse {
  readonly name: string;
  readonly rows: number;
  readonly summary: string;
  /** Said when its licence has fewer free seats than rows (the rest miss it). */
  readonly seatsNote?: string | undefined;
}

export function templateUses(snapshots: Readonly<Record<string, TemplateSnapshot>>, rows: readonly BulkRowRecord[]): BulkTemplateUse[] {
  return Object.values(snapshots).map((snapshot) => {
    const count = rows.filter((r) => r.template?.templateId === snapshot.templateId).length;
    const licence = snapshot.licence;
    const seats = licence?.kind === 'sku' ? licence.free : undefined;
    return {
      name: snapshot.name, rows: count,
      summary: sayBulk.TEMPLATE_USE(count, snapshot.groups.map((g) => g.displayName), licence ? describeLicence(licence) : undefined),
      ...(seats !== undefined && seats < count ? { seatsNote: sayBulk.TEMPLATE_SEATS_SHORT(snapshot.name, seats, count) } : {}),
    };
  });
}

/** Directory writes one row's template takes: a group add each, and the licence (an assignment, or its group's add). */
export function templateWrites(snapshot: TemplateSnapshot | undefined): number {
  return snapshot ? snapshot.groups.length + (snapshot.licence ? 1 : 0) : 0;
}

/** The templates of the created rows, each applied once (applying again is harmless: a member already there is success). */
export async function applyTemplates(run: BulkRunContext): Promise<void> {
  const { record, deps, paces } = run;
  const snapshots = record.job.templates ?? {};
  const due = record.rows((r) => r.state === 'created' && r.objectId !== undefined && r.template !== undefined && r.template.state !== 'applied');
  const { batchSize, concurrentBatches } = deps.bulkPolicy;
  for (let i = 0; i < due.length; i += batchSize) {
    await inLanes(due.slice(i, i + batchSize), concurrentBatches, async (row) => {
      const template = row.template!;
      const snapshot = snapshots[template.templateId];
      if (!snapshot) return;
      await paces.directoryWrites.take(Math.max(1, templateWrites(snapshot)));
      const outcome = await applyTemplate(deps, row.objectId!, snapshot, { previous: template.outcome });
      record.change(row.rowNumber, { template: { ...template, state: 'applied', outcome } });
    });
    await record.flush();
    await run.showProgress(false);
  }
}

/** The results line's words for the row's template: the groups and licence it added, and what is missing and why. */
export function templateLine(row: BulkRowRecord, snapshots: Readonly<Record<string, TemplateSnapshot>> | undefined): string | undefined {
  const template = row.template;
  const snapshot = template ? snapshots?.[template.templateId] : undefined;
  if (!template || !snapshot) return undefined;
  if (row.state !== 'created') return sayBulk.TEMPLATE_NOT_APPLIED(snapshot.name, sayBulk.NO_ACCOUNT());
  if (template.state !== 'applied' || !template.outcome) return sayBulk.TEMPLATE_NOT_APPLIED(snapshot.name, sayBulk.NOT_YET());
  return templateLinesOf({ snapshot, state: 'applied', outcome: template.outcome, runs: 1 }).join(' ');
}

/** Counts for the audit trail: groups added and not, licences assigned and missing. */
export function templateCounts(rows: readonly BulkRowRecord[]): Record<string, number> {
  const outcomes = rows.flatMap((r) => (r.template?.outcome ? [r.template.outcome] : []));
  return {
    rowsWithTemplate: rows.filter((r) => r.template !== undefined).length,
    groupsAdded: outcomes.reduce((n, o) => n + o.groups.filter(groupDone).length, 0),
    groupsNotAdded: outcomes.reduce((n, o) => n + o.groups.filter((g) => !groupDone(g)).length, 0),
    licencesAssigned: outcomes.filter((o) => o.licence && licenceDone(o.licence)).length,
    licencesMissing: outcomes.filter((o) => o.licence && !licenceDone(o.licence)).length,
  };
}
