/**
 * Templates as a JSON file, for review in git: `templates export` writes it, `templates import`
 * reads it back. The file names groups by id (with the name beside it, for the reader) and a
 * licence by its skuId (with its product name), and holds nothing that changes by itself (no
 * versions, no times), so a diff shows only what an admin changed. Reading is strict (zod):
 * an unknown field, a wrong type or a list too long is a problem named by template and field.
 */
import { z } from 'zod';
import { sayTemplates } from '../kernel/sentences.js';
import { licenceName } from './licence-names.js';
import { MAX_TEMPLATES, TEMPLATE_LIMITS, type OnboardingTemplate, type TemplateInput } from './template.js';

/** The largest file `templates import` reads. */
export const MAX_FILE_KB = 100;

const text = z.string();
const list = (max: number) => z.array(text).max(max);
const templateSchema = z.object({
  name: text,
  appliesTo: z.object({ departments: list(TEMPLATE_LIMITS.departments).default([]), employeeTypes: list(TEMPLATE_LIMITS.employeeTypes).default([]) }).strict(),
  defaults: z.object({
    usageLocation: text.optional(),
    jobTitles: list(TEMPLATE_LIMITS.jobTitles).default([]),
    employeeType: text.optional(),
    companyName: text.optional(),
    extensionAttributes: z.record(text).default({}),
  }).strict().default({}),
  groups: z.array(z.object({ id: text, displayName: text.optional() }).strict()).max(TEMPLATE_LIMITS.groups).default([]),
  licence: z.object({
    skuId: text.optional(), skuPartNumber: text.optional(), product: text.optional(),
    groupId: text.optional(), displayName: text.optional(),
  }).strict().refine((l) => (l.skuId === undefined) !== (l.groupId === undefined), { message: 'skuId or groupId, one of them' }).nullable().default(null),
}).strict();
const fileSchema = z.object({ templates: z.array(z.unknown()).max(MAX_TEMPLATES) }).strict();

type TemplateJson = z.input<typeof templateSchema>;

/** The file for these templates, by name, pretty-printed (two spaces) with a trailing newline. */
export function templateFile(templates: readonly OnboardingTemplate[]): string {
  const sorted = [...templates].sort((a, b) => a.name.localeCompare(b.name));
  const json: { templates: TemplateJson[] } = {
    templates: sorted.map((t) => ({
      name: t.name,
      appliesTo: { departments: [...t.departments], employeeTypes: [...t.employeeTypes] },
      defaults: {
        ...(t.defaults.usageLocation ? { usageLocation: t.defaults.usageLocation } : {}),
        jobTitles: [...t.defaults.jobTitles],
        ...(t.defaults.employeeType ? { employeeType: t.defaults.employeeType } : {}),
        ...(t.defaults.companyName ? { companyName: t.defaults.companyName } : {}),
        extensionAttributes: { ...t.defaults.extensionAttributes },
      },
      groups: t.groups.map((g) => ({ id: g.id, displayName: g.displayName })),
      licence: !t.licence ? null
        : t.licence.kind === 'sku' ? { skuId: t.licence.skuId, skuPartNumber: t.licence.skuPartNumber, product: licenceName(t.licence.skuPartNumber) }
          : { groupId: t.licence.groupId, displayName: t.licence.displayName },
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

export type ParsedFile =
  | { readonly kind: 'unreadable'; readonly sentence: string }
  /** Templates read well enough to check (each with its label for problems), and the problems of those that were not. */
  | { readonly kind: 'read'; readonly templates: ReadonlyArray<{ readonly label: string; readonly input: TemplateInput }>; readonly problems: readonly string[] };

/** Reads a pasted file: every shape problem listed by template and field; nothing is half-read. */
export function parseTemplateFile(raw: string): ParsedFile {
  const trimmed = raw.trim();
  if (trimmed === '') return { kind: 'unreadable', sentence: sayTemplates.IMPORT_EMPTY() };
  if (Buffer.byteLength(trimmed, 'utf8') > MAX_FILE_KB * 1024) return { kind: 'unreadable', sentence: sayTemplates.IMPORT_TOO_LARGE(MAX_FILE_KB) };
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    return { kind: 'unreadable', sentence: sayTemplates.IMPORT_NOT_JSON(error instanceof Error ? error.message : String(error)) };
  }
  const file = fileSchema.safeParse(json);
  if (!file.success) {
    return { kind: 'read', templates: [], problems: file.error.issues.map((issue) => sayTemplates.IMPORT_PROBLEM('The file', pathOf(issue.path), describeIssue(issue))) };
  }
  const templates: Array<{ label: string; input: TemplateInput }> = [];
  const problems: string[] = [];
  file.data.templates.forEach((item, index) => {
    const name = typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name.trim().slice(0, 64) : '';
    const label = name ? `Template ${index + 1} (${name})` : `Template ${index + 1}`;
    const parsed = templateSchema.safeParse(item);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => sayTemplates.IMPORT_PROBLEM(label, pathOf(issue.path) || 'the template', describeIssue(issue))));
      return;
    }
    const t = parsed.data;
    templates.push({
      label,
      input: {
        name: t.name,
        departments: t.appliesTo.departments,
        employeeTypes: t.appliesTo.employeeTypes,
        usageLocation: t.defaults.usageLocation,
        jobTitles: t.defaults.jobTitles,
        employeeType: t.defaults.employeeType,
        companyName: t.defaults.companyName,
        extensionAttributes: t.defaults.extensionAttributes,
        groupIds: t.groups.map((g) => g.id),
        licence: !t.licence ? null : t.licence.skuId !== undefined ? { kind: 'sku', skuId: t.licence.skuId } : { kind: 'group', groupId: t.licence.groupId ?? '' },
      },
    });
  });
  return { kind: 'read', templates, problems };
}

function pathOf(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function describeIssue(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys': return issue.keys.map(sayTemplates.IMPORT_UNKNOWN_FIELD).join(' ');
    case 'invalid_type': return issue.received === 'undefined' ? sayTemplates.IMPORT_SHAPE(`a value (it is required)`) : sayTemplates.IMPORT_SHAPE(shapeName(issue.expected));
    case 'too_big': return sayTemplates.TOO_MANY('entries', Number(issue.maximum));
    default: return issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
  }
}

function shapeName(expected: string): string {
  switch (expected) {
    case 'string': return 'text in quotes';
    case 'array': return 'a list in [ ]';
    case 'object': return 'an object in { }';
    default: return expected;
  }
}
