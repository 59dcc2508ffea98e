/**
 * The template in a request's review, and again at Create. The review picks it (by the
 * department; the requester may choose another that applies), fills empty fields with its
 * defaults, and takes the snapshot the review card shows. Create checks that the template is
 * still the one reviewed — same version, still there, and no other now applying instead — and
 * otherwise nothing is created: the requester sees the review again.
 */
import type { OnboardingForm, FieldProblem } from '../request/request.js';
import { sayTemplates } from '../kernel/sentences.js';
import { BY_DEPARTMENT, chooseTemplate, fillDefaults, NO_TEMPLATE, takeSnapshot, type TemplateSnapshot } from './choose-template.js';
import type { TemplateDirectory, TemplateStore } from './ports.js';

export type TemplateReview =
  /** No templates exist: the review says nothing of them. */
  | { readonly kind: 'off' }
  | { readonly kind: 'none'; readonly note: string }
  | { readonly kind: 'chosen'; readonly snapshot: TemplateSnapshot; readonly notes: readonly string[] }
  | { readonly kind: 'problem'; readonly problem: FieldProblem };

/** The organisation's own defaults, for fields neither the requester nor a template fills. */
export interface OrganisationDefaults {
  readonly usageLocation: string;
  readonly employeeType: string;
}

/**
 * The template for this form, and the form as Create will submit it: empty fields filled, and
 * the choice made explicit (the template's id, "none", or "" when none applied), so Create
 * checks exactly what the review showed.
 */
export async function reviewTemplate(
  deps: { readonly templates?: TemplateStore | undefined; readonly templateDirectory?: TemplateDirectory | undefined }, form: OnboardingForm, organisation: OrganisationDefaults,
): Promise<{ readonly review: TemplateReview; readonly form: OnboardingForm }> {
  // A recent list will do: Create checks the template again, fresh.
  const templates = deps.templates ? await deps.templates.list({ recent: true }) : [];
  // The employee type the account will have if the requester gives none decides too.
  const choice = chooseTemplate(templates, { ...form, employeeType: form.employeeType?.trim() || organisation.employeeType });
  switch (choice.kind) {
    case 'off': return { review: { kind: 'off' }, form: fillDefaults(form, undefined, organisation).form };
    case 'problem': return { review: { kind: 'problem', problem: { field: 'template', message: choice.message } }, form };
    case 'none': {
      const filled = fillDefaults(form, undefined, organisation).form;
      const note = choice.declined ? sayTemplates.DECLINED() : sayTemplates.NONE_APPLIES(choice.department);
      return { review: { kind: 'none', note }, form: { ...filled, template: choice.declined ? NO_TEMPLATE : '' } };
    }
    case 'chosen': {
      const filled = fillDefaults(form, choice.stored.template, organisation);
      const snapshot = await takeSnapshot(deps.templateDirectory, choice.stored, filled.applied);
      const notes = [
        ...(choice.others.length > 0 && !choice.byRequester ? [sayTemplates.SEVERAL_APPLY(choice.stored.template.name, choice.others.map((s) => s.template.name))] : []),
        ...noSeatNotes(snapshot),
      ];
      return { review: { kind: 'chosen', snapshot, notes }, form: { ...filled.form, template: choice.stored.template.id } };
    }
  }
}

function noSeatNotes(snapshot: TemplateSnapshot): string[] {
  const licence = snapshot.licence;
  if (!licence) return [];
  const seats = licence.kind === 'sku' ? [licence] : licence.licences;
  return seats.filter((l) => l.free === 0).map((l) => sayTemplates.NO_SEATS_AT_REVIEW(l.name));
}

/**
 * At Create, read fresh: undefined when the template is still what the review showed (`reviewed`:
 * its snapshot, or null when it showed none); else the sentence saying what changed, and the
 * request must be reviewed again.
 */
export async function templateChangedSinceReview(
  templates: TemplateStore, form: OnboardingForm, reviewed: TemplateSnapshot | null,
): Promise<string | undefined> {
  const all = await templates.list();
  const typed = form.template?.trim().toLowerCase() ?? '';
  const chosenId = typed === BY_DEPARTMENT ? '' : typed;
  if (reviewed) {
    const now = all.find((s) => s.template.id === reviewed.templateId);
    if (!now) return sayTemplates.REMOVED_SINCE_REVIEW(reviewed.name);
    if (now.version !== reviewed.version || chosenId !== reviewed.templateId) return sayTemplates.CHANGED_SINCE_REVIEW(now.template.name);
    return undefined;
  }
  if (chosenId === NO_TEMPLATE) return undefined;
  // Reviewed without a template: one that applies now would add what the review did not show.
  const choice = chooseTemplate(all, { ...form, template: '' });
  return choice.kind === 'chosen' ? sayTemplates.APPLIES_SINCE_REVIEW(choice.stored.template.name) : undefined;
}
