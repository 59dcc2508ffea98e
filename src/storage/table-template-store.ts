/**
 * The TemplateStore port over Azure Table Storage. Templates are few and read as a whole, so
 * they share one partition — which lets a change that touches several rows be one entity
 * group transaction (all or nothing), and an import of many templates one transaction too.
 *
 *   PartitionKey = "templates"
 *   RowKey "t:{template id}" — the template: name, data (the template as JSON)
 *   RowKey "n:{sha256 of the name's key}" — the name claimed, templateId: which template holds it
 *
 * The name rows make names unique without case: creating a template inserts both rows in one
 * transaction, so a second template of the same name fails on the table's own 409. Every
 * change is compare-and-set on the template row's ETag (its version): a transaction carries
 * the ETag on its update; a removal deletes the template row with its ETag, then its name row.
 * A name row whose template is gone (a crash between those two deletes) is stale: it is
 * cleared before the name is claimed again.
 */
import { createHash } from 'node:crypto';
import { odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { nameKey, type OnboardingTemplate, type StoredTemplate, type TemplateChange, type TemplateStore } from '../onboarding/index.js';
import { statusCodeOf, tableReachable, type StorageReachability } from './reachability.js';
import { tableClientOf, tableCreatedOnFirstUse, type StorageAccess } from './storage-account.js';

export type TableTemplateStoreOptions = StorageAccess & {
  /** Letters and digits, starting with a letter, 3–63 characters; created if missing. */
  readonly tableName: string;
  /** How long a list read serves `list({ recent: true })` (default 15 s); this store's own writes forget it. */
  readonly recentMs?: number;
  /** The time, for that (tests move it). */
  readonly now?: () => number;
};

export interface TableTemplateStore extends TemplateStore {
  /** Whether Table Storage answers, for the health endpoint; never throws. */
  checkReachable(options?: { readonly timeoutMs?: number }): Promise<StorageReachability>;
}

const PARTITION = 'templates';
/** A Table transaction holds at most 100 actions. */
const MAX_TRANSACTION_ACTIONS = 100;

interface TemplateRow extends TableEntity {
  name: string;
  data: string;
}
interface NameRow extends TableEntity {
  templateId: string;
}

const templateKey = (id: string) => `t:${id}`;
const nameRowKey = (name: string) => `n:${createHash('sha256').update(nameKey(name)).digest('hex').slice(0, 40)}`;

export function createTableTemplateStore(options: TableTemplateStoreOptions): TableTemplateStore {
  const table = tableClientOf(options, options.tableName);
  const ensureReady = tableCreatedOnFirstUse(table);

  const templateRow = (template: OnboardingTemplate): TemplateRow => ({
    partitionKey: PARTITION, rowKey: templateKey(template.id), name: template.name, data: JSON.stringify(template),
  });
  const nameRow = (template: OnboardingTemplate): NameRow => ({ partitionKey: PARTITION, rowKey: nameRowKey(template.name), templateId: template.id });

  /** Runs a transaction; the failing action's status (409 a name taken, 412/404 a version changed) when it is refused. */
  const transact = async (actions: TransactionAction[]): Promise<{ ok: true; firstEtag: string | undefined } | { ok: false; status: number | undefined }> => {
    if (actions.length > MAX_TRANSACTION_ACTIONS) throw new RangeError(`A template change of ${actions.length} storage actions does not fit one transaction`);
    try {
      // The responses come in the order of the actions: the first is the template row's.
      const response = await table.submitTransaction(actions);
      return { ok: true, firstEtag: response.subResponses[0]?.etag };
    } catch (error) {
      const status = statusCodeOf(error);
      if (status === 409 || status === 412 || status === 404) return { ok: false, status };
      throw error;
    }
  };

  /** Clears the name rows among `names` whose template is gone, so they can be claimed again. */
  const clearStaleNames = async (templates: readonly OnboardingTemplate[]): Promise<void> => {
    for (const template of templates) {
      const claim = await table.getEntity<NameRow>(PARTITION, nameRowKey(template.name)).catch((error: unknown) => {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      });
      if (!claim || claim.templateId === template.id) continue;
      const holder = await table.getEntity(PARTITION, templateKey(claim.templateId)).catch((error: unknown) => {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      });
      if (!holder) await table.deleteEntity(PARTITION, claim.rowKey, { etag: claim.etag }).catch(ignore(404, 412));
    }
  };


  // The last list read, for `recent` reads: every review reads the templates, and they change rarely.
  const recentMs = options.recentMs ?? 15_000;
  const now = options.now ?? Date.now;
  let remembered: { list: StoredTemplate[]; until: number } | undefined;
  // Bumped by every write: a list read that began before a write is not remembered.
  let writes = 0;
  const forget = () => {
    writes += 1;
    remembered = undefined;
  };

  const list = async (listOptions: { readonly recent?: boolean } = {}): Promise<StoredTemplate[]> => {
    if (listOptions.recent && remembered && remembered.until > now()) return remembered.list;
    const before = writes;
    const read = await readAll();
    if (before === writes) remembered = { list: read, until: now() + recentMs };
    return read;
  };

  const readAll = async (): Promise<StoredTemplate[]> => {
    await ensureReady();
    const stored: StoredTemplate[] = [];
    const rows = table.listEntities<TemplateRow>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION} and RowKey ge 't:' and RowKey lt 't;'` } });
    for await (const row of rows) stored.push({ template: JSON.parse(row.data) as OnboardingTemplate, version: row.etag });
    return stored.sort((a, b) => a.template.name.localeCompare(b.template.name));
  };

  // A write forgets the remembered list before and after it.
  const writing = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    forget();
    try {
      return await write(...args);
    } finally {
      forget();
    }
  };

  const store: TableTemplateStore = {
    list,

    async create(template) {
      await ensureReady();
      await clearStaleNames([template]);
      const done = await transact([['create', templateRow(template)], ['create', nameRow(template)]]);
      return done.ok ? { kind: 'created', version: requireEtag(done.firstEtag) } : { kind: 'name-taken' };
    },

    async update(template, previous) {
      await ensureReady();
      const renamed = nameKey(template.name) !== nameKey(previous.template.name);
      if (renamed) await clearStaleNames([template]);
      const actions: TransactionAction[] = [['update', templateRow(template), 'Replace', { etag: previous.version }]];
      if (renamed) actions.push(['delete', nameRow(previous.template)], ['create', nameRow(template)]);
      const done = await transact(actions);
      if (done.ok) return { kind: 'updated', version: requireEtag(done.firstEtag) };
      return done.status === 409 ? { kind: 'name-taken' } : { kind: 'conflict' };
    },

    async remove(previous) {
      await ensureReady();
      try {
        await table.deleteEntity(PARTITION, templateKey(previous.template.id), { etag: previous.version });
      } catch (error) {
        const status = statusCodeOf(error);
        if (status === 412 || status === 404) return { kind: 'conflict' };
        throw error;
      }
      // The name is free again; if this delete is lost, the next claim of the name clears it.
      await table.deleteEntity(PARTITION, nameRowKey(previous.template.name)).catch(ignore(404));
      return { kind: 'removed' };
    },

    async applyAll(changes: readonly TemplateChange[]) {
      await ensureReady();
      const creating = changes.flatMap((c) => (c.kind === 'create' || (c.kind === 'update' && nameKey(c.template.name) !== nameKey(c.previous.template.name)) ? [c.template] : []));
      await clearStaleNames(creating);
      const actions: TransactionAction[] = changes.flatMap((change): TransactionAction[] => {
        switch (change.kind) {
          case 'create': return [['create', templateRow(change.template)], ['create', nameRow(change.template)]];
          case 'update': return nameKey(change.template.name) === nameKey(change.previous.template.name)
            ? [['update', templateRow(change.template), 'Replace', { etag: change.previous.version }]]
            : [['update', templateRow(change.template), 'Replace', { etag: change.previous.version }], ['delete', nameRow(change.previous.template)], ['create', nameRow(change.template)]];
        }
      });
      if (actions.length === 0) return { kind: 'applied' };
      const done = await transact(actions);
      return done.ok ? { kind: 'applied' } : { kind: 'conflict' };
    },

    checkReachable: ({ timeoutMs = 2500 } = {}) => tableReachable(table, timeoutMs),
  };
  return { ...store, create: writing(store.create), update: writing(store.update), remove: writing(store.remove), applyAll: writing(store.applyAll) };
}

/** A write's new version; never read back afterwards, where another admin's change could already be. */
function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('Table Storage answered a template write without an ETag');
  return etag;
}

function ignore(...statuses: number[]) {
  return (error: unknown) => {
    if (!statuses.includes(statusCodeOf(error) ?? 0)) throw error;
  };
}
