/**
 * Which template a request gets, and what it adds. The form's department (and employee type)
 * picks it, without case; where several apply the requester may choose another on the form
 * ("template": a template id, "none", or empty for "by department"). What the review shows is
 * taken as a snapshot — the template's version, its groups with their names, the licence with
 * its seats then — and Create uses that snapshot and nothing else.
 */
import type { FormField, OnboardingForm } from '../request/request.js';
import { sayTemplates } from '../kernel/sentences.js';
import { freeSeats, licenceName } from './licence-names.js';
import type { StoredTemplate, SubscribedSku, TemplateDirectory } from './ports.js';
import { nameKey, type OnboardingTemplate, type TemplateGroup } from './template.js';

/** The form's "template" value that turns templates off for one request. */
export const NO_TEMPLATE = 'none';
/** The form's "template" value for "the one the department picks" (the same as leaving it empty). */
export const BY_DEPARTMENT = 'by-department';

export type TemplateChoice =
  /** No template exists: templates play no part (and the review says nothing about them). */
  | { readonly kind: 'off' }
  /** None applies (or the requester chose none): said plainly on the review. */
  | { readonly kind: 'none'; readonly declined: boolean; readonly department?: string | undefined }
  | { readonly kind: 'chosen'; readonly stored: StoredTemplate; readonly others: readonly StoredTemplate[]; readonly byRequester: boolean }
  /** The requester chose one that is gone or does not apply: a field problem. */
  | { readonly kind: 'problem'; readonly message: string };

const same = (a: string | undefined, b: string) => a !== undefined && nameKey(a) === nameKey(b);

/** True when the template applies to this department and employee type (each list it has must match). */
export function templateApplies(template: OnboardingTemplate, form: Pick<OnboardingForm, 'department' | 'employeeType'>): boolean {
  const department = form.department?.trim() || undefined;
  const employeeType = form.employeeType?.trim() || undefined;
  if (template.departments.length > 0 && !template.departments.some((d) => same(department, d))) return false;
  if (template.employeeTypes.length > 0 && !template.employeeTypes.some((t) => same(employeeType, t))) return false;
  return template.departments.length > 0 || template.employeeTypes.length > 0;
}

/** The templates that apply, the most specific first (department and employee type), then by name. */
export function applicableTemplates(templates: readonly StoredTemplate[], form: OnboardingForm): StoredTemplate[] {
  const specificity = (t: OnboardingTemplate) => Number(t.departments.length > 0) + Number(t.employeeTypes.length > 0);
  return templates.filter((s) => templateApplies(s.template, form))
    .sort((a, b) => specificity(b.template) - specificity(a.template) || a.template.name.localeCompare(b.template.name));
}

export function chooseTemplate(templates: readonly StoredTemplate[], form: OnboardingForm): TemplateChoice {
  if (templates.length === 0) return { kind: 'off' };
  const typed = form.template?.trim() ?? '';
  const wanted = typed.toLowerCase() === BY_DEPARTMENT ? '' : typed;
  const applicable = applicableTemplates(templates, form);
  const department = form.department?.trim() || undefined;
  if (wanted.toLowerCase() === NO_TEMPLATE) return { kind: 'none', declined: true, department };
  if (wanted !== '') {
    const stored = templates.find((s) => s.template.id === wanted.toLowerCase());
    if (!stored) return { kind: 'problem', message: sayTemplates.CHOSEN_TEMPLATE_GONE() };
    if (!applicable.includes(stored)) return { kind: 'problem', message: sayTemplates.CHOSEN_TEMPLATE_DOES_NOT_APPLY(stored.template.name, department ?? '', applicable.map((s) => s.template.name)) };
    return { kind: 'chosen', stored, others: applicable.filter((s) => s !== stored), byRequester: true };
  }
  const [first, ...others] = applicable;
  return first ? { kind: 'chosen', stored: first, others, byRequester: false } : { kind: 'none', declined: false, department };
}

/** A default the template (or the organisation) filled into a field the requester left empty. */
export interface AppliedDefault {
  readonly field: FormField;
  readonly value: string;
  readonly from: 'template' | 'organisation';
}

/**
 * Fills the fields the requester left empty: from the template, then the organisation's own
 * defaults (usage location, employee type). Typed values always win.
 */
export function fillDefaults(
  form: OnboardingForm, template: OnboardingTemplate | undefined, organisation: { readonly usageLocation: string; readonly employeeType: string },
): { readonly form: OnboardingForm; readonly applied: readonly AppliedDefault[] } {
  const applied: AppliedDefault[] = [];
  const filled: Record<string, string> = { ...form } as Record<string, string>;
  const fill = (field: FormField, fromTemplate: string | undefined, fromOrganisation?: string) => {
    if ((form[field] ?? '').trim() !== '') return;
    const value = fromTemplate ?? fromOrganisation;
    if (value === undefined || value === '') return;
    filled[field] = value;
    applied.push({ field, value, from: fromTemplate !== undefined ? 'template' : 'organisation' });
  };
  fill('usageLocation', template?.defaults.usageLocation, organisation.usageLocation);
  fill('employeeType', template?.defaults.employeeType, organisation.employeeType);
  fill('companyName', template?.defaults.companyName);
  return { form: filled as OnboardingForm, applied };
}

/** A licence as the review shows it: its name and the seats then. */
export interface LicenceSeats {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly name: string;
  /** Absent when the subscription could not be read (then the review says so). */
  readonly free?: number | undefined;
  readonly total?: number | undefined;
}

export type SnapshotLicence =
  | ({ readonly kind: 'sku' } & LicenceSeats)
  | { readonly kind: 'group'; readonly groupId: string; readonly groupName: string; readonly licences: readonly LicenceSeats[] };

/** Exactly what the review showed, and what Create (or a later "Apply template") adds. */
export interface TemplateSnapshot {
  readonly templateId: string;
  readonly name: string;
  /** The template's version when the review was taken: Create refuses a stale one. */
  readonly version: string;
  readonly groups: readonly TemplateGroup[];
  readonly licence?: SnapshotLicence | undefined;
  /** Written into the account with it (onPremisesExtensionAttributes). */
  readonly extensionAttributes: Readonly<Record<string, string>>;
  readonly defaultsApplied: readonly AppliedDefault[];
  readonly jobTitleSuggestions: readonly string[];
}

/**
 * The snapshot of a template for a review: its licence's seats read now (one GET
 * /subscribedSkus); when they cannot be read the review says the seats are unknown.
 */
export async function takeSnapshot(
  directory: TemplateDirectory | undefined, stored: StoredTemplate, applied: readonly AppliedDefault[],
): Promise<TemplateSnapshot> {
  const { template } = stored;
  const licence = template.licence;
  const skus = licence ? await directory?.listSubscribedSkus().catch(() => undefined) : undefined;
  const seatsOf = (skuId: string, skuPartNumber: string): LicenceSeats => {
    const sku: SubscribedSku | undefined = skus?.find((s) => s.skuId.toLowerCase() === skuId.toLowerCase());
    const partNumber = sku?.skuPartNumber ?? skuPartNumber;
    return { skuId, skuPartNumber: partNumber, name: licenceName(partNumber), ...(sku ? { free: freeSeats(sku), total: sku.enabledUnits } : {}) };
  };
  return {
    templateId: template.id,
    name: template.name,
    version: stored.version,
    groups: template.groups,
    licence: !licence ? undefined
      : licence.kind === 'sku' ? { kind: 'sku', ...seatsOf(licence.skuId, licence.skuPartNumber) }
        : { kind: 'group', groupId: licence.groupId, groupName: licence.displayName, licences: licence.skuIds.map((id) => seatsOf(id, id)) },
    extensionAttributes: template.defaults.extensionAttributes,
    defaultsApplied: applied,
    jobTitleSuggestions: template.defaults.jobTitles,
  };
}

/** "Microsoft 365 E3 — 12 of 250 free" (or "seats unknown" when they could not be read). */
export function describeSeats(licence: LicenceSeats): string {
  return licence.free === undefined || licence.total === undefined
    ? sayTemplates.SEATS_UNKNOWN(licence.name)
    : sayTemplates.SEATS(licence.name, licence.free, licence.total);
}

/** The licence in words, for the review card. */
export function describeLicence(licence: SnapshotLicence): string {
  return licence.kind === 'sku'
    ? describeSeats(licence)
    : sayTemplates.LICENCE_THROUGH_GROUP(licence.groupName, licence.licences.map(describeSeats));
}
