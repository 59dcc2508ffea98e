/**
 * An onboarding template: what a new account in some departments (or of some employee types)
 * gets besides itself — defaults for empty fields, groups, a licence. Templates are data that
 * admins manage in Teams; this file holds their shape and the rules a template must keep.
 * Every rule answers with a sentence for the admin (sentences.ts, sayTemplates), never a throw.
 *
 * Two passes: `checkTemplateInput` (the text itself: lengths, odd Unicode, unique names,
 * the extension attribute the bot keeps for its own marker), then `resolveTemplateInDirectory`
 * (the groups and the licence exist, and a person can be added to them).
 */
import { FIELD_LIMITS, hasInvisibleCharacters, isCountryCode } from '../request/request.js';
import { sayTemplates } from '../kernel/sentences.js';
import type { DirectoryGroup, SubscribedSku, TemplateDirectory } from './ports.js';

/** Templates are read as a whole on every review: a few dozen are plenty, and an import is one storage transaction (at most 100 actions, two per new template). */
export const MAX_TEMPLATES = 50;
export const TEMPLATE_LIMITS = {
  name: 64, departments: 20, employeeTypes: 10, jobTitles: 10, groups: 20, extensionAttributeValue: 1024,
} as const;

/** A group the template adds people to, by id, with its name as Entra showed it when the template was saved. */
export interface TemplateGroup {
  readonly id: string;
  readonly displayName: string;
}

/** The licence: one subscription assigned directly, or a group whose group-based licensing assigns it. */
export type TemplateLicence =
  | { readonly kind: 'sku'; readonly skuId: string; readonly skuPartNumber: string }
  | { readonly kind: 'group'; readonly groupId: string; readonly displayName: string; readonly skuIds: readonly string[] };

/** Values for fields the requester leaves empty (job titles are only suggested). */
export interface TemplateDefaults {
  readonly usageLocation?: string | undefined;
  readonly jobTitles: readonly string[];
  readonly employeeType?: string | undefined;
  readonly companyName?: string | undefined;
  /** onPremisesExtensionAttributes, by name ("extensionAttribute3") → value. */
  readonly extensionAttributes: Readonly<Record<string, string>>;
}

export interface OnboardingTemplate {
  readonly id: string;
  readonly name: string;
  /** Departments it applies to (compared without case). */
  readonly departments: readonly string[];
  /** Employee types it applies to; with departments too, both must match. */
  readonly employeeTypes: readonly string[];
  readonly defaults: TemplateDefaults;
  readonly groups: readonly TemplateGroup[];
  readonly licence?: TemplateLicence | undefined;
  readonly updatedAt: string;
  readonly updatedBy: { readonly id: string; readonly name: string };
}

/** A template as an admin typed it (card) or pasted it (import): plain values, not yet checked. */
export interface TemplateInput {
  readonly name: string;
  readonly departments: readonly string[];
  readonly employeeTypes: readonly string[];
  readonly usageLocation?: string | undefined;
  readonly jobTitles: readonly string[];
  readonly employeeType?: string | undefined;
  readonly companyName?: string | undefined;
  /** "extensionAttribute3" or "3" → value. */
  readonly extensionAttributes: Readonly<Record<string, string>>;
  readonly groupIds: readonly string[];
  readonly licence: { readonly kind: 'sku'; readonly skuId: string } | { readonly kind: 'group'; readonly groupId: string } | null;
}

export type TemplateField =
  | 'name' | 'departments' | 'employeeTypes' | 'usageLocation' | 'jobTitles' | 'employeeType' | 'companyName'
  | 'extensionAttributes' | 'groups' | 'licence';

export interface TemplateProblem {
  readonly field: TemplateField;
  readonly message: string;
}

/** A template's text as checked: ready for the directory check. */
export interface CheckedTemplateInput {
  readonly name: string;
  readonly departments: readonly string[];
  readonly employeeTypes: readonly string[];
  readonly defaults: TemplateDefaults;
  readonly groupIds: readonly string[];
  readonly licence: TemplateInput['licence'];
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An admin's (or Entra's) text as the audit trail keeps it: ":" and "=" become their full-width
 * forms, so a template named "Secret: projects" or a value "password = none" is never taken for
 * a field holding a secret (the audit table refuses those outright).
 */
export function auditText(text: string): string {
  return text.replace(/:/g, '\uFF1A').replace(/=/g, '\uFF1D');
}

/** How names are compared: NFC, spaces collapsed, without case. */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface TemplateCheckContext {
  /** The other templates (not the one being edited): names must differ from theirs. */
  readonly others: readonly Pick<OnboardingTemplate, 'id' | 'name'>[];
  /** The extension attribute (1–15) that carries the bot's marker: a template may not set it. */
  readonly markerAttribute: number;
}

/** The text of a template, checked as a whole: every problem at once, by field. */
export function checkTemplateInput(input: TemplateInput, context: TemplateCheckContext):
  { readonly ok: true; readonly checked: CheckedTemplateInput } | { readonly ok: false; readonly problems: readonly TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const problem = (field: TemplateField, message: string) => {
    if (!problems.some((p) => p.field === field)) problems.push({ field, message });
  };
  const text = (field: TemplateField, label: string, raw: string | undefined, max: number): string | undefined => {
    const value = (raw ?? '').normalize('NFC').trim();
    if (value === '') return undefined;
    if (hasInvisibleCharacters(value)) return void problem(field, sayTemplates.INVISIBLE_CHARACTERS(label));
    if (Array.from(value).length > max) return void problem(field, sayTemplates.TOO_LONG(label, max));
    return value;
  };
  const list = (field: TemplateField, label: string, plural: string, raw: readonly string[], maxItems: number, maxEach: number): string[] => {
    const values: string[] = [];
    for (const item of raw) {
      const value = text(field, label, item, maxEach);
      if (value !== undefined && !values.some((v) => nameKey(v) === nameKey(value))) values.push(value);
    }
    if (values.length > maxItems) problem(field, sayTemplates.TOO_MANY(plural, maxItems));
    return values.slice(0, maxItems);
  };

  const name = text('name', 'The name', input.name, TEMPLATE_LIMITS.name);
  if (name === undefined && !problems.some((p) => p.field === 'name')) problem('name', sayTemplates.NAME_REQUIRED());
  const clash = name === undefined ? undefined : context.others.find((other) => nameKey(other.name) === nameKey(name));
  if (clash) problem('name', sayTemplates.NAME_TAKEN(clash.name));

  const departments = list('departments', 'A department', 'departments', input.departments, TEMPLATE_LIMITS.departments, FIELD_LIMITS.department);
  const employeeTypes = list('employeeTypes', 'An employee type', 'employee types', input.employeeTypes, TEMPLATE_LIMITS.employeeTypes, FIELD_LIMITS.employeeType);
  if (departments.length === 0 && employeeTypes.length === 0 && !problems.some((p) => p.field === 'departments' || p.field === 'employeeTypes')) {
    problem('departments', sayTemplates.APPLIES_TO_NOBODY());
  }

  const usageLocation = text('usageLocation', 'The usage location', input.usageLocation, 2)?.toUpperCase();
  if (usageLocation !== undefined && !isCountryCode(usageLocation)) problem('usageLocation', sayTemplates.COUNTRY_CODE());
  const jobTitles = list('jobTitles', 'A job title', 'job titles', input.jobTitles, TEMPLATE_LIMITS.jobTitles, FIELD_LIMITS.jobTitle);
  const employeeType = text('employeeType', 'The employee type', input.employeeType, FIELD_LIMITS.employeeType);
  const companyName = text('companyName', 'The company', input.companyName, FIELD_LIMITS.companyName);

  const extensionAttributes: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input.extensionAttributes)) {
    const number = /^(?:extensionAttribute)?(\d{1,2})$/i.exec(key.trim())?.[1];
    const n = number === undefined ? NaN : Number(number);
    if (!Number.isInteger(n) || n < 1 || n > 15) {
      problem('extensionAttributes', sayTemplates.EXTENSION_ATTRIBUTE_UNKNOWN(key.slice(0, 40)));
      continue;
    }
    if (n === context.markerAttribute) {
      problem('extensionAttributes', sayTemplates.EXTENSION_ATTRIBUTE_RESERVED(n));
      continue;
    }
    const value = text('extensionAttributes', `extensionAttribute${n}`, raw, TEMPLATE_LIMITS.extensionAttributeValue);
    if (value !== undefined) extensionAttributes[`extensionAttribute${n}`] = value;
  }

  const groupIds: string[] = [];
  for (const raw of input.groupIds) {
    const id = raw.trim().toLowerCase();
    if (!GUID.test(id)) problem('groups', sayTemplates.GROUP_ID_FORM(raw.slice(0, 40)));
    else if (!groupIds.includes(id)) groupIds.push(id);
  }
  if (groupIds.length > TEMPLATE_LIMITS.groups) problem('groups', sayTemplates.TOO_MANY('groups', TEMPLATE_LIMITS.groups));

  let licence: TemplateInput['licence'] = null;
  if (input.licence) {
    const id = (input.licence.kind === 'sku' ? input.licence.skuId : input.licence.groupId).trim().toLowerCase();
    if (!GUID.test(id)) problem('licence', input.licence.kind === 'sku' ? sayTemplates.SKU_ID_FORM(id.slice(0, 40)) : sayTemplates.GROUP_ID_FORM(id.slice(0, 40)));
    else licence = input.licence.kind === 'sku' ? { kind: 'sku', skuId: id } : { kind: 'group', groupId: id };
  }

  if (problems.length > 0 || name === undefined) return { ok: false, problems };
  return {
    ok: true,
    checked: {
      name, departments, employeeTypes, groupIds, licence,
      defaults: { usageLocation, jobTitles, employeeType, companyName, extensionAttributes },
    },
  };
}

/** What the directory says about a template's groups and licence, read once for many templates (an import). */
export interface DirectoryFacts {
  readonly groups: ReadonlyMap<string, DirectoryGroup | null>;
  /** Read only when some template names a subscription. */
  readonly skus?: readonly SubscribedSku[] | undefined;
}

/** Reads every group and, when needed, the subscriptions the checked templates name. */
export async function readDirectoryFacts(directory: TemplateDirectory, templates: readonly CheckedTemplateInput[]): Promise<DirectoryFacts> {
  const ids = [...new Set(templates.flatMap((t) => [...t.groupIds, ...(t.licence?.kind === 'group' ? [t.licence.groupId] : [])]))];
  const groups = ids.length > 0 ? await directory.readGroups(ids) : new Map<string, DirectoryGroup | null>();
  const skus = templates.some((t) => t.licence?.kind === 'sku') ? await directory.listSubscribedSkus() : undefined;
  return { groups, skus };
}

/**
 * The template as it will be stored: groups by id with the names Entra shows, the licence
 * resolved; or what stands in the way (a group that does not exist, or whose members a
 * template cannot change, a subscription the organisation does not hold).
 */
export function resolveTemplate(
  checked: CheckedTemplateInput, facts: DirectoryFacts, identity: Pick<OnboardingTemplate, 'id' | 'updatedAt' | 'updatedBy'>,
): { readonly ok: true; readonly template: OnboardingTemplate } | { readonly ok: false; readonly problems: readonly TemplateProblem[] } {
  const problems: TemplateProblem[] = [];
  const groups: TemplateGroup[] = [];
  for (const id of checked.groupIds) {
    const group = facts.groups.get(id);
    const unusable = groupProblem(id, group);
    if (unusable) problems.push({ field: 'groups', message: unusable });
    else if (group) groups.push({ id: group.id.toLowerCase(), displayName: group.displayName });
  }
  let licence: TemplateLicence | undefined;
  if (checked.licence?.kind === 'group') {
    const group = facts.groups.get(checked.licence.groupId);
    const unusable = groupProblem(checked.licence.groupId, group);
    if (unusable) problems.push({ field: 'licence', message: unusable });
    else if (group && group.assignedSkuIds.length === 0) problems.push({ field: 'licence', message: sayTemplates.LICENCE_GROUP_WITHOUT_LICENCE(group.displayName) });
    else if (group) licence = { kind: 'group', groupId: group.id.toLowerCase(), displayName: group.displayName, skuIds: group.assignedSkuIds.map((s) => s.toLowerCase()) };
  } else if (checked.licence?.kind === 'sku') {
    const skuId = checked.licence.skuId;
    const sku = facts.skus?.find((s) => s.skuId.toLowerCase() === skuId);
    if (!sku) problems.push({ field: 'licence', message: sayTemplates.SKU_UNKNOWN(skuId) });
    else if (sku.appliesTo !== 'User') problems.push({ field: 'licence', message: sayTemplates.SKU_NOT_FOR_USERS(sku.skuPartNumber) });
    else licence = { kind: 'sku', skuId, skuPartNumber: sku.skuPartNumber };
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    template: {
      ...identity, name: checked.name, departments: checked.departments, employeeTypes: checked.employeeTypes, defaults: checked.defaults,
      groups, ...(licence ? { licence } : {}),
    },
  };
}

/** Why a template cannot add people to this group, or undefined when it can. */
function groupProblem(id: string, group: DirectoryGroup | null | undefined): string | undefined {
  if (!group) return sayTemplates.GROUP_UNKNOWN(id);
  if (group.kind === 'dynamic') return sayTemplates.GROUP_DYNAMIC(group.displayName);
  if (group.kind === 'role-assignable') return sayTemplates.GROUP_ROLE_ASSIGNABLE(group.displayName);
  if (group.kind === 'other') return sayTemplates.GROUP_EXCHANGE_MANAGED(group.displayName);
  return undefined;
}
