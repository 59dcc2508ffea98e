/**
 * Managing templates in Teams, for IT admins only (the role checked fresh on every change):
 * list, create, edit and remove them with cards, export them as JSON for review in git and
 * import that JSON back. Every change is compare-and-set on the version the admin started
 * from (a second admin's edit is never overwritten: they are told), every bad input gets a
 * sentence and changes nothing, and every change is audited — who, which template, and what
 * changed, before → after, as plain facts.
 */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import type { AuditEvent, Requester } from '../kernel/ports.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayAdminister } from '../rules/roles.js';
import { sayTemplates } from '../kernel/sentences.js';
import { licenceName } from './licence-names.js';
import type { DirectoryGroup, StoredTemplate, SubscribedSku, TemplateChange } from './ports.js';
import {
  auditText, checkTemplateInput, MAX_TEMPLATES, nameKey, readDirectoryFacts, resolveTemplate,
  type CheckedTemplateInput, type OnboardingTemplate, type TemplateInput, type TemplateProblem,
} from './template.js';
import { parseTemplateFile, templateFile } from './template-file.js';

/** What managing templates needs: the desk's dependencies with the template store and the directory's groups and licences. */
export interface TemplateDeskDependencies extends RequestDeskDependencies {
  readonly templates: NonNullable<RequestDeskDependencies['templates']>;
  readonly templateDirectory: NonNullable<RequestDeskDependencies['templateDirectory']>;
  /** The extension attribute that carries the bot's marker (CREATE_MARKER_ATTRIBUTE): templates may not set it. */
  readonly markerAttribute: number;
}

export type Refused = { readonly kind: 'refused'; readonly sentence: string };

export type SaveAnswer =
  | Refused
  | { readonly kind: 'saved'; readonly stored: StoredTemplate; readonly created: boolean; readonly sentence: string }
  | { readonly kind: 'problems'; readonly problems: readonly TemplateProblem[] }
  /** Another admin changed (or removed) it since this one opened it: the current one, to edit again. */
  | { readonly kind: 'changed-meanwhile'; readonly sentence: string; readonly current?: StoredTemplate | undefined };

export type ImportAnswer = Refused | { readonly kind: 'imported'; readonly sentence: string } | { readonly kind: 'problems'; readonly sentence: string; readonly problems: readonly string[] };

export interface TemplateDesk {
  /** Undefined when this person may manage templates; else the sentence (and the refusal is recorded). */
  refusal(person: Requester | undefined, action: string): Promise<string | undefined>;
  list(person: Requester | undefined): Promise<Refused | { readonly kind: 'list'; readonly templates: readonly StoredTemplate[] }>;
  /** One template to edit, or undefined when it is gone. */
  get(person: Requester | undefined, templateId: string): Promise<Refused | { readonly kind: 'found'; readonly stored?: StoredTemplate | undefined }>;
  /** What the editor offers: the groups chosen (read again, so their names are Entra's), matches for `search`, the subscriptions. */
  editorChoices(person: Requester | undefined, input: { readonly groupIds: readonly string[]; readonly search?: string | undefined }):
    Promise<Refused | { readonly kind: 'choices'; readonly chosen: readonly DirectoryGroup[]; readonly matches: readonly DirectoryGroup[]; readonly skus: readonly SubscribedSku[] }>;
  save(person: Requester | undefined, input: { readonly templateId?: string | undefined; readonly version?: string | undefined; readonly template: TemplateInput }): Promise<SaveAnswer>;
  remove(person: Requester | undefined, input: { readonly templateId: string; readonly version: string }): Promise<Refused | { readonly kind: 'removed' | 'changed-meanwhile'; readonly sentence: string }>;
  exportTemplates(person: Requester | undefined): Promise<Refused | { readonly kind: 'json'; readonly json: string; readonly count: number }>;
  importTemplates(person: Requester | undefined, text: string): Promise<ImportAnswer>;
}

export function createTemplateDesk(deps: TemplateDeskDependencies): TemplateDesk {
  const refusal = async (person: Requester | undefined, action: string): Promise<string | undefined> => {
    if (person && mayAdminister(await deps.roles.roleOf(person.id, { fresh: true }))) return undefined;
    await recordRefusal(deps, { reason: person ? 'ADMINS_ONLY' : 'UNKNOWN_PERSON', action, person });
    return sayTemplates.ADMINS_ONLY((await deps.roles.whomToAsk()).admins);
  };
  const refused = (sentence: string): Refused => ({ kind: 'refused', sentence });
  const identity = (person: Requester, id: string) => ({ id, updatedAt: deps.clock.now().toISOString(), updatedBy: { id: person.id, name: person.name } });

  return {
    refusal,

    async list(person) {
      const no = await refusal(person, 'list templates');
      return no ? refused(no) : { kind: 'list', templates: await deps.templates.list() };
    },

    async get(person, templateId) {
      const no = await refusal(person, 'edit a template');
      if (no) return refused(no);
      return { kind: 'found', stored: (await deps.templates.list()).find((s) => s.template.id === templateId) };
    },

    async editorChoices(person, input) {
      const no = await refusal(person, 'edit a template');
      if (no) return refused(no);
      const ids = [...new Set(input.groupIds.map((id) => id.toLowerCase()))].slice(0, 50);
      const read = ids.length > 0 ? await deps.templateDirectory.readGroups(ids) : new Map<string, DirectoryGroup | null>();
      const search = input.search?.trim().replace(/\s+/g, ' ').slice(0, 64);
      const matches = search ? await deps.templateDirectory.searchGroups(search, 10) : [];
      const skus = (await deps.templateDirectory.listSubscribedSkus()).filter((s) => s.appliesTo === 'User');
      return { kind: 'choices', chosen: ids.map((id) => read.get(id)).filter((g): g is DirectoryGroup => !!g), matches, skus };
    },

    async save(person, input) {
      const no = await refusal(person, input.templateId ? 'edit a template' : 'create a template');
      if (no || !person) return refused(no ?? '');
      const all = await deps.templates.list();
      const previous = input.templateId ? all.find((s) => s.template.id === input.templateId) : undefined;
      if (input.templateId && (!previous || previous.version !== input.version)) {
        return { kind: 'changed-meanwhile', current: previous, sentence: previous ? sayTemplates.CHANGED_MEANWHILE(previous.template.name, previous.template.updatedBy.name) : sayTemplates.GONE_MEANWHILE() };
      }
      if (!previous && all.length >= MAX_TEMPLATES) return { kind: 'problems', problems: [{ field: 'name', message: sayTemplates.TOO_MANY_TEMPLATES(MAX_TEMPLATES) }] };
      const checked = checkTemplateInput(input.template, { others: all.filter((s) => s !== previous).map((s) => s.template), markerAttribute: deps.markerAttribute });
      if (!checked.ok) return { kind: 'problems', problems: checked.problems };
      const resolved = resolveTemplate(checked.checked, await readDirectoryFacts(deps.templateDirectory, [checked.checked]),
        identity(person, previous?.template.id ?? deps.random.uuid()));
      if (!resolved.ok) return { kind: 'problems', problems: resolved.problems };
      const template = resolved.template;
      const written = previous ? await deps.templates.update(template, previous) : await deps.templates.create(template);
      if (written.kind === 'name-taken') return { kind: 'problems', problems: [{ field: 'name', message: sayTemplates.NAME_TAKEN(template.name) }] };
      if (written.kind === 'conflict') {
        const current = (await deps.templates.list()).find((s) => s.template.id === template.id);
        return { kind: 'changed-meanwhile', current, sentence: current ? sayTemplates.CHANGED_MEANWHILE(current.template.name, current.template.updatedBy.name) : sayTemplates.GONE_MEANWHILE() };
      }
      await deps.audit.append(templateEvent(deps, person, previous ? 'template.updated' : 'template.created', previous?.template, template, 'card'));
      return { kind: 'saved', stored: { template, version: written.version }, created: !previous, sentence: sayTemplates.SAVED(template.name, !previous) };
    },

    async remove(person, input) {
      const no = await refusal(person, 'remove a template');
      if (no || !person) return refused(no ?? '');
      const previous = (await deps.templates.list()).find((s) => s.template.id === input.templateId);
      if (!previous) return { kind: 'changed-meanwhile', sentence: sayTemplates.GONE_MEANWHILE() };
      if (previous.version !== input.version) return { kind: 'changed-meanwhile', sentence: sayTemplates.CHANGED_MEANWHILE(previous.template.name, previous.template.updatedBy.name) };
      const removed = await deps.templates.remove(previous);
      if (removed.kind === 'conflict') return { kind: 'changed-meanwhile', sentence: sayTemplates.CHANGED_MEANWHILE(previous.template.name, 'Someone') };
      await deps.audit.append(templateEvent(deps, person, 'template.removed', previous.template, undefined, 'card'));
      return { kind: 'removed', sentence: sayTemplates.REMOVED(previous.template.name) };
    },

    async exportTemplates(person) {
      const no = await refusal(person, 'export templates');
      if (no) return refused(no);
      const all = await deps.templates.list();
      return { kind: 'json', json: templateFile(all.map((s) => s.template)), count: all.length };
    },

    async importTemplates(person, text) {
      const no = await refusal(person, 'import templates');
      if (no || !person) return refused(no ?? '');
      return importFile(deps, person, text);
    },
  };
}

/** Imports a templates file (all or nothing) in `person`'s name: every problem listed by template and field. */
async function importFile(deps: TemplateDeskDependencies, person: Requester, text: string): Promise<ImportAnswer> {
  const identity = (id: string) => ({ id, updatedAt: deps.clock.now().toISOString(), updatedBy: { id: person.id, name: person.name } });
  const parsed = parseTemplateFile(text);
  if (parsed.kind === 'unreadable') return { kind: 'problems', sentence: parsed.sentence, problems: [] };
  const all = await deps.templates.list();
  const problems: string[] = [...parsed.problems];
  const checked: Array<{ label: string; input: CheckedTemplateInput; previous?: StoredTemplate | undefined }> = [];
  // A template is matched by its name: the file's templates update those of the same name, the rest are created.
  const named = new Set(parsed.templates.map((t) => nameKey(t.input.name)));
  const seen = new Set<string>();
  for (const { label, input } of parsed.templates) {
    const key = nameKey(input.name);
    if (seen.has(key)) problems.push(sayTemplates.IMPORT_PROBLEM(label, 'name', sayTemplates.IMPORT_DUPLICATE_NAME(input.name.trim())));
    seen.add(key);
    const previous = all.find((s) => nameKey(s.template.name) === key);
    // Names must differ from the templates the file does not name (duplicates within the file are reported above).
    const others = all.filter((s) => !named.has(nameKey(s.template.name))).map((s) => s.template);
    const result = checkTemplateInput(input, { others, markerAttribute: deps.markerAttribute });
    if (!result.ok) problems.push(...result.problems.map((p) => sayTemplates.IMPORT_PROBLEM(label, p.field, p.message)));
    else checked.push({ label, input: result.checked, previous });
  }
  if (all.filter((s) => !checked.some((c) => c.previous === s)).length + checked.filter((c) => !c.previous).length > MAX_TEMPLATES) {
    problems.push(sayTemplates.TOO_MANY_TEMPLATES(MAX_TEMPLATES));
  }
  // Every problem at once: the directory is asked about the templates whose text is right even when others' is not.
  const facts = checked.length > 0 ? await readDirectoryFacts(deps.templateDirectory, checked.map((c) => c.input)) : undefined;
  const changes: TemplateChange[] = [];
  const created: string[] = [];
  const updated: string[] = [];
  const unchanged: string[] = [];
  const events: AuditEvent[] = [];
  for (const item of checked) {
    if (!facts) break;
    const resolved = resolveTemplate(item.input, facts, identity(item.previous?.template.id ?? deps.random.uuid()));
    if (!resolved.ok) {
      problems.push(...resolved.problems.map((p) => sayTemplates.IMPORT_PROBLEM(item.label, p.field, p.message)));
      continue;
    }
    const template = resolved.template;
    if (item.previous && describeChanges(item.previous.template, template) === '') {
      unchanged.push(template.name);
      continue;
    }
    changes.push(item.previous ? { kind: 'update', template, previous: item.previous } : { kind: 'create', template });
    (item.previous ? updated : created).push(template.name);
    events.push(templateEvent(deps, person, item.previous ? 'template.updated' : 'template.created', item.previous?.template, template, 'import'));
  }
  if (problems.length > 0) return { kind: 'problems', sentence: sayTemplates.IMPORT_PROBLEMS(problems.length), problems };
  if (changes.length > 0 && (await deps.templates.applyAll(changes)).kind === 'conflict') {
    return { kind: 'problems', sentence: sayTemplates.IMPORT_CHANGED_MEANWHILE(), problems: [] };
  }
  await deps.audit.appendAll(events);
  return { kind: 'imported', sentence: sayTemplates.IMPORTED(created, updated, unchanged) };
}

/**
 * Imports `text` when there is no template yet (the local launcher's Marketing template, or a
 * first deployment's file): in the name of `source`, audited like an admin's import.
 */
export async function seedTemplates(deps: TemplateDeskDependencies, text: string, source: string): Promise<ImportAnswer | { readonly kind: 'skipped' }> {
  if ((await deps.templates.list()).length > 0) return { kind: 'skipped' };
  return importFile(deps, { id: 'seed', name: source }, text);
}

/** One audit event for a template change: who, which template, and what changed, before → after. */
function templateEvent(
  deps: TemplateDeskDependencies, person: Requester, type: string, before: OnboardingTemplate | undefined, after: OnboardingTemplate | undefined, via: 'card' | 'import',
): AuditEvent {
  const template = (after ?? before)!;
  return {
    eventId: deps.random.uuid(),
    requestId: `template-${template.id}`,
    correlationId: deps.random.uuid(),
    at: deps.clock.now().toISOString(),
    type,
    actor: deps.instanceId,
    details: {
      requesterId: person.id, requesterName: person.name, templateId: template.id, templateName: auditText(template.name), via,
      changes: describeChanges(before, after).slice(0, 8000),
    },
  };
}

/** Each value as the audit trail keeps text (auditText). */
function plainFacts(facts: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(facts).map(([key, value]) => [key, auditText(value)]));
}

/** "groups: Marketing Team → Marketing Team, Brand; licence: none → Microsoft 365 E3", or '' when nothing differs. */
export function describeChanges(before: OnboardingTemplate | undefined, after: OnboardingTemplate | undefined): string {
  const facts = (t: OnboardingTemplate | undefined): Record<string, string> => !t ? {} : plainFacts({
    name: t.name,
    departments: t.departments.join(', '),
    'employee types': t.employeeTypes.join(', '),
    'usage location': t.defaults.usageLocation ?? '',
    'job titles': t.defaults.jobTitles.join(', '),
    'employee type': t.defaults.employeeType ?? '',
    company: t.defaults.companyName ?? '',
    'extension attributes': Object.entries(t.defaults.extensionAttributes).map(([k, v]) => `${k}=${v}`).join(', '),
    groups: t.groups.map((g) => g.displayName).join(', '),
    licence: !t.licence ? '' : t.licence.kind === 'sku' ? licenceName(t.licence.skuPartNumber) : `through the group ${t.licence.displayName}`,
  });
  const a = facts(before);
  const b = facts(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => (a[key] ?? '') !== (b[key] ?? ''))
    .map((key) => `${key}: ${a[key] || 'none'} → ${b[key] || 'none'}`)
    .join('; ');
}
