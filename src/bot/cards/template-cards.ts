/**
 * View models for the template cards in adaptiveCards/ (templates, template-editor,
 * template-remove), and reading the editor's inputs back (untrusted card data) into the domain's
 * TemplateInput. Every field a template reads is present (empty string rather than undefined).
 */
import {
  describeDefault, freeSeats, licenceName, sayTemplates, type DirectoryGroup, type OnboardingTemplate, type StoredTemplate,
  type SubscribedSku, type TemplateField, type TemplateInput, type TemplateProblem,
} from '../../onboarding/index.js';
import { renderCard } from './render.js';

type Fact = { title: string; value: string };

/** The list: each template in words, with Edit and Remove; New template and Export. */
export function templateListCard(templates: readonly StoredTemplate[], notes: readonly string[] = []) {
  return renderCard('templates', {
    notes: [...notes],
    emptyText: sayTemplates.NONE_YET(),
    templates: templates.map(({ template, version }) => ({ templateId: template.id, version, name: template.name, facts: templateFacts(template) })),
  });
}

/** A template in words (the list card, and an editor's heading). */
export function templateFacts(template: OnboardingTemplate): Fact[] {
  const defaults = [
    ...(template.defaults.usageLocation ? [describeDefault({ field: 'usageLocation', value: template.defaults.usageLocation, from: 'template' })] : []),
    ...(template.defaults.employeeType ? [describeDefault({ field: 'employeeType', value: template.defaults.employeeType, from: 'template' })] : []),
    ...(template.defaults.companyName ? [describeDefault({ field: 'companyName', value: template.defaults.companyName, from: 'template' })] : []),
    ...Object.entries(template.defaults.extensionAttributes).map(([key, value]) => `${key} ${value}`),
  ];
  return [
    { title: 'Departments', value: template.departments.join(', ') },
    { title: 'Employee types', value: template.employeeTypes.join(', ') },
    { title: 'Groups', value: template.groups.map((g) => g.displayName).join(', ') },
    { title: 'Licence', value: !template.licence ? '' : template.licence.kind === 'sku' ? licenceName(template.licence.skuPartNumber) : `through the group ${template.licence.displayName}` },
    { title: 'Defaults', value: defaults.join(', ') },
    { title: 'Job titles', value: template.defaults.jobTitles.join(', ') },
    { title: 'Last change', value: template.updatedBy.name },
  ].filter((fact) => fact.value !== '');
}

/** The editor's inputs as the card holds them (all text). */
export interface EditorValues {
  name: string;
  departments: string;
  employeeTypes: string;
  usageLocation: string;
  companyName: string;
  employeeType: string;
  jobTitles: string;
  extensionAttributes: string;
  /** '' (none), 'sku:{skuId}' or 'group:{groupId}'. */
  licence: string;
}

export function editorValuesOf(template: OnboardingTemplate | undefined): EditorValues {
  return {
    name: template?.name ?? '',
    departments: template?.departments.join(', ') ?? '',
    employeeTypes: template?.employeeTypes.join(', ') ?? '',
    usageLocation: template?.defaults.usageLocation ?? '',
    companyName: template?.defaults.companyName ?? '',
    employeeType: template?.defaults.employeeType ?? '',
    jobTitles: template?.defaults.jobTitles.join(', ') ?? '',
    extensionAttributes: Object.entries(template?.defaults.extensionAttributes ?? {}).map(([k, v]) => `${k} = ${v}`).join('\n'),
    licence: !template?.licence ? '' : template.licence.kind === 'sku' ? `sku:${template.licence.skuId}` : `group:${template.licence.groupId}`,
  };
}

/** The editor's choices for "no employee type" and "no licence" (an Adaptive Card choice's value may not be empty). */
const UNSET = 'unset';
const NO_LICENCE = 'none';

const text = (data: Record<string, unknown>, key: string, max: number): string => (typeof data[key] === 'string' ? (data[key] as string).slice(0, max) : '');
const listOf = (value: string): string[] => value.split(/[,;\n]/).map((part) => part.trim()).filter(Boolean).slice(0, 60);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The editor's card data read back: the values as typed (kept for showing again), the groups
 * ticked, the search text, and the template input for the domain to check. Untrusted: only
 * known keys, strings, bounded lengths.
 */
export function readEditorData(data: Record<string, unknown>): { values: EditorValues; groupIds: string[]; search: string; input: TemplateInput } {
  // Long enough to report "too long" in the domain's words; a hostile card could send megabytes.
  const values: EditorValues = {
    name: text(data, 'name', 300), departments: text(data, 'departments', 4000), employeeTypes: text(data, 'employeeTypes', 2000),
    usageLocation: text(data, 'usageLocation', 20), companyName: text(data, 'companyName', 300), employeeType: text(data, 'employeeType', 300),
    jobTitles: text(data, 'jobTitles', 4000), extensionAttributes: text(data, 'extensionAttributes', 20_000), licence: text(data, 'licence', 80),
  };
  if (values.employeeType === UNSET) values.employeeType = '';
  if (values.licence === NO_LICENCE) values.licence = '';
  const groupIds = Object.entries(data)
    .filter(([key, value]) => key.startsWith('group.') && value === 'true' && GUID.test(key.slice(6)))
    .map(([key]) => key.slice(6).toLowerCase())
    .slice(0, 50);
  const extensionAttributes: Record<string, string> = {};
  for (const line of values.extensionAttributes.split('\n').slice(0, 30)) {
    const match = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (match?.[1]) extensionAttributes[match[1]] = match[2] ?? '';
    else if (line.trim()) extensionAttributes[line.trim().slice(0, 40)] = '';
  }
  const [licenceKind, licenceId = ''] = values.licence.split(':');
  const input: TemplateInput = {
    name: values.name,
    departments: listOf(values.departments),
    employeeTypes: listOf(values.employeeTypes),
    usageLocation: values.usageLocation || undefined,
    jobTitles: listOf(values.jobTitles),
    employeeType: values.employeeType || undefined,
    companyName: values.companyName || undefined,
    extensionAttributes,
    groupIds,
    licence: licenceKind === 'sku' ? { kind: 'sku', skuId: licenceId } : licenceKind === 'group' ? { kind: 'group', groupId: licenceId } : null,
  };
  return { values, groupIds, search: text(data, 'groupSearch', 64), input };
}

const KIND_WORDS: Record<DirectoryGroup['kind'], string> = {
  security: 'security group', microsoft365: 'Microsoft 365 group', dynamic: 'dynamic: cannot be added to', 'role-assignable': 'role-assignable: cannot be added to', other: 'managed in Exchange: cannot be added to',
};

/** The editor: the values as typed, the groups (ticked: in the template), matches of a search, the licences to choose from. */
export function templateEditorCard(input: {
  stored?: StoredTemplate | undefined;
  values: EditorValues;
  /** Groups shown ticked (read again from Entra), then the matches of a search, unticked. */
  chosen: readonly DirectoryGroup[];
  matches?: readonly DirectoryGroup[];
  skus: readonly SubscribedSku[];
  search?: string;
  searchNote?: string;
  problems?: readonly TemplateProblem[];
  notes?: readonly string[];
}) {
  const errors = Object.fromEntries(
    (['name', 'departments', 'employeeTypes', 'usageLocation', 'jobTitles', 'employeeType', 'companyName', 'extensionAttributes', 'groups', 'licence'] as const satisfies readonly TemplateField[])
      .map((field) => [field, (input.problems ?? []).filter((p) => p.field === field).map((p) => p.message).join(' ')]),
  );
  const chosenIds = new Set(input.chosen.map((g) => g.id));
  const groups = [
    ...input.chosen.map((g) => ({ id: g.id, title: `${g.displayName} (${KIND_WORDS[g.kind]})`, selected: 'true' })),
    ...(input.matches ?? []).filter((g) => !chosenIds.has(g.id)).map((g) => ({ id: g.id, title: `${g.displayName} (${KIND_WORDS[g.kind]})`, selected: 'false' })),
  ];
  const licensingGroups = [...input.chosen, ...(input.matches ?? [])].filter((g, i, all) => g.assignedSkuIds.length > 0 && all.findIndex((o) => o.id === g.id) === i);
  const skuName = (skuId: string) => licenceName(input.skus.find((s) => s.skuId === skuId)?.skuPartNumber ?? skuId);
  const licenceChoices = [
    { title: 'No licence', value: NO_LICENCE },
    ...input.skus.map((s) => ({ title: `${licenceName(s.skuPartNumber)} (${freeSeats(s)} of ${s.enabledUnits} free)`, value: `sku:${s.skuId}` })),
    ...licensingGroups.map((g) => ({ title: `Through the group ${g.displayName} (${g.assignedSkuIds.map(skuName).join(', ')})`, value: `group:${g.id}` })),
  ];
  // A licence chosen before that is not offered now (the group not found again): keep it visible, so Save reports it.
  if (input.values.licence && !licenceChoices.some((c) => c.value === input.values.licence)) licenceChoices.push({ title: input.values.licence, value: input.values.licence });
  const problems = input.problems ?? [];
  return renderCard('template-editor', {
    title: input.stored ? `Edit the template ${input.stored.template.name}` : 'New template',
    templateId: input.stored?.template.id ?? '',
    version: input.stored?.version ?? '',
    notes: [...(input.notes ?? [])],
    summaryProblem: problems.length > 0 ? sayTemplates.NEEDS_CHANGES(new Set(problems.map((p) => p.field)).size) : '',
    input: input.values,
    errors,
    groups,
    groupHint: sayTemplates.GROUP_SEARCH_HINT(),
    search: input.search ?? '',
    searchNote: input.searchNote ?? '',
    licenceChoices,
    // A choice needs a value of its own: "unset" and "none" stand for empty.
    employeeTypeValue: input.values.employeeType || UNSET,
    licenceValue: input.values.licence || NO_LICENCE,
  });
}

/** Asks before removing: requests reviewed with the template will be asked to review again. */
export function templateRemoveCard(stored: StoredTemplate) {
  return renderCard('template-remove', {
    title: `Remove ${stored.template.name}?`,
    question: sayTemplates.REMOVE_CONFIRM(stored.template.name),
    templateId: stored.template.id,
    version: stored.version,
  });
}
