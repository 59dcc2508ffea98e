/**
 * In-memory template store and directory groups/licences, behaving as Table Storage and Graph
 * do where the workflow can tell: versions change on every write, names are unique without
 * case, a member already there is Graph's 400 (an outcome), seats run out, a new account is
 * not on every replica at once, Graph throttles.
 */
import {
  freeSeats, nameKey, type AssignLicenceOutcome, type DirectoryGroup, type GroupAddOutcome, type OnboardingTemplate, type StoredTemplate,
  type SubscribedSku, type TemplateChange, type TemplateDirectory, type TemplateStore, type UserLicences, DirectoryError,
} from '../../src/onboarding/index.js';
import { Crash } from './fakes.js';

export class InMemoryTemplateStore implements TemplateStore {
  readonly rows = new Map<string, { json: string; version: number }>();
  private counter = 0;
  writes = 0;

  async list(): Promise<StoredTemplate[]> {
    return [...this.rows.values()].map((row) => ({ template: JSON.parse(row.json) as OnboardingTemplate, version: String(row.version) }))
      .sort((a, b) => a.template.name.localeCompare(b.template.name));
  }
  async create(template: OnboardingTemplate) {
    if (this.nameTaken(template)) return { kind: 'name-taken' as const };
    return { kind: 'created' as const, version: this.put(template) };
  }
  async update(template: OnboardingTemplate, previous: StoredTemplate) {
    const row = this.rows.get(template.id);
    if (!row || String(row.version) !== previous.version) return { kind: 'conflict' as const };
    if (this.nameTaken(template)) return { kind: 'name-taken' as const };
    return { kind: 'updated' as const, version: this.put(template) };
  }
  async remove(previous: StoredTemplate) {
    const row = this.rows.get(previous.template.id);
    if (!row || String(row.version) !== previous.version) return { kind: 'conflict' as const };
    this.rows.delete(previous.template.id);
    this.writes += 1;
    return { kind: 'removed' as const };
  }
  async applyAll(changes: readonly TemplateChange[]) {
    for (const change of changes) {
      if (change.kind === 'create' ? this.nameTaken(change.template) : String(this.rows.get(change.previous.template.id)?.version) !== change.previous.version) {
        return { kind: 'conflict' as const };
      }
    }
    for (const change of changes) this.put(change.template);
    return { kind: 'applied' as const };
  }
  /** Arranges a template as if an admin had saved it (tests). */
  seed(template: OnboardingTemplate): StoredTemplate {
    return { template, version: this.put(template) };
  }
  private nameTaken(template: OnboardingTemplate): boolean {
    return [...this.rows.entries()].some(([id, row]) => id !== template.id && nameKey((JSON.parse(row.json) as OnboardingTemplate).name) === nameKey(template.name));
  }
  private put(template: OnboardingTemplate): string {
    this.counter += 1;
    this.writes += 1;
    this.rows.set(template.id, { json: JSON.stringify(template), version: 100 + this.counter });
    return String(100 + this.counter);
  }
}

interface FakeGroup extends DirectoryGroup {
  members: Set<string>;
}

export class FakeTemplateDirectory implements TemplateDirectory {
  readonly groups = new Map<string, FakeGroup>();
  readonly skus = new Map<string, SubscribedSku>();
  /** userId → directly assigned skuIds. */
  readonly licences = new Map<string, Set<string>>();
  /** Users Graph knows (a new one is added by the test or by `knowsUser`). */
  readonly users = new Set<string>();
  /** Per call of addToGroups, in order: 'throttled' answers every part 429; 'forbidden' 403s every part. */
  addFaults: Array<'throttled' | 'forbidden' | 'unavailable'> = [];
  /** Reads of a just-created user that still miss it. */
  userLagReads = 0;
  permissionMissing = new Set<'groups' | 'assign' | 'seats'>();
  /** The process dies right after Graph assigned the licence (before it could write anything down). */
  crashAfterAssign = false;
  batches: string[][] = [];
  assignCalls = 0;

  addGroup(group: Omit<DirectoryGroup, 'assignedSkuIds'> & { assignedSkuIds?: string[] }): DirectoryGroup {
    const full: FakeGroup = { assignedSkuIds: [], ...group, members: new Set() };
    this.groups.set(group.id, full);
    return full;
  }
  addSku(sku: Omit<SubscribedSku, 'appliesTo' | 'capabilityStatus'> & Partial<SubscribedSku>): void {
    this.skus.set(sku.skuId, { appliesTo: 'User', capabilityStatus: 'Enabled', ...sku });
  }
  knowsUser(userId: string): void {
    this.users.add(userId);
  }
  membersOf(groupId: string): string[] {
    return [...(this.groups.get(groupId)?.members ?? [])];
  }

  async searchGroups(text: string, limit: number): Promise<DirectoryGroup[]> {
    return [...this.groups.values()].filter((g) => g.displayName.toLowerCase().startsWith(text.toLowerCase())).slice(0, limit).map(publicGroup);
  }
  async readGroups(ids: readonly string[]): Promise<ReadonlyMap<string, DirectoryGroup | null>> {
    return new Map(ids.map((id) => [id, this.groups.has(id) ? publicGroup(this.groups.get(id)!) : null]));
  }
  async listSubscribedSkus(): Promise<SubscribedSku[]> {
    if (this.permissionMissing.has('seats')) throw new DirectoryError('PERMISSION_MISSING', 'List subscribed SKUs: 403', { status: 403, permission: 'LicenseAssignment.Read.All' });
    return [...this.skus.values()].map((s) => ({ ...s }));
  }
  async addToGroups(userId: string, groupIds: readonly string[]): Promise<ReadonlyMap<string, GroupAddOutcome>> {
    if (groupIds.length > 20) throw new Error('a $batch takes at most 20 requests');
    this.batches.push([...groupIds]);
    const fault = this.addFaults.shift();
    const answers = new Map<string, GroupAddOutcome>();
    for (const id of groupIds) {
      const group = this.groups.get(id);
      if (fault === 'throttled') answers.set(id, { kind: 'throttled', retryAfterSeconds: 2 });
      else if (fault === 'unavailable') answers.set(id, { kind: 'unavailable' });
      else if (fault === 'forbidden' || this.permissionMissing.has('groups')) answers.set(id, { kind: 'refused', reason: 'forbidden' });
      else if (!group) answers.set(id, { kind: 'group-not-found' });
      else if (!this.seesUser(userId)) answers.set(id, { kind: 'user-not-found' });
      // Graph answers one 403 for all three (the domain reads the group to tell which).
      else if (group.kind === 'dynamic' || group.kind === 'role-assignable' || group.kind === 'other') answers.set(id, { kind: 'refused', reason: 'forbidden' });
      else if (group.members.has(userId)) answers.set(id, { kind: 'already-member' });
      else {
        group.members.add(userId);
        for (const skuId of group.assignedSkuIds) this.consume(skuId);
        answers.set(id, { kind: 'added' });
      }
    }
    return answers;
  }
  async assignLicence(userId: string, skuId: string): Promise<AssignLicenceOutcome> {
    this.assignCalls += 1;
    if (this.permissionMissing.has('assign')) return { kind: 'refused', reason: 'forbidden' };
    if (!this.seesUser(userId)) return { kind: 'user-not-found' };
    const sku = this.skus.get(skuId);
    if (!sku) return { kind: 'refused', reason: 'unknown-sku' };
    const mine = this.licences.get(userId) ?? new Set<string>();
    if (mine.has(skuId)) return { kind: 'assigned' };
    if (freeSeats(sku) <= 0) return { kind: 'refused', reason: 'no-seats' };
    mine.add(skuId);
    this.licences.set(userId, mine);
    this.consume(skuId);
    if (this.crashAfterAssign) {
      this.crashAfterAssign = false;
      throw new Crash('crash after assignLicense');
    }
    return { kind: 'assigned' };
  }
  async readLicences(userId: string): Promise<UserLicences | null> {
    if (!this.seesUser(userId)) return null;
    const direct = [...(this.licences.get(userId) ?? [])];
    const viaGroups = [...this.groups.values()].filter((g) => g.members.has(userId) && g.assignedSkuIds.length > 0);
    return {
      assignedSkuIds: [...direct, ...viaGroups.flatMap((g) => g.assignedSkuIds)],
      states: [
        ...direct.map((skuId) => ({ skuId, assignedByGroup: null, state: 'Active', error: 'None' })),
        ...viaGroups.flatMap((g) => g.assignedSkuIds.map((skuId) => {
          const sku = this.skus.get(skuId);
          const over = sku ? sku.consumedUnits > sku.enabledUnits : false;
          return { skuId, assignedByGroup: g.id, state: over ? 'Error' : 'Active', error: over ? 'CountViolation' : 'None' };
        })),
      ],
    };
  }

  /** Another fake that knows users too (the FakeDirectory's accounts, by object id). */
  alsoKnows?: (userId: string) => boolean;

  private seesUser(userId: string): boolean {
    if (!this.users.has(userId) && !this.alsoKnows?.(userId)) return false;
    if (this.userLagReads > 0) {
      this.userLagReads -= 1;
      return false;
    }
    return true;
  }
  private consume(skuId: string): void {
    const sku = this.skus.get(skuId);
    if (sku) this.skus.set(skuId, { ...sku, consumedUnits: sku.consumedUnits + 1 });
  }
}

function publicGroup(group: FakeGroup): DirectoryGroup {
  return { id: group.id, displayName: group.displayName, kind: group.kind, assignedSkuIds: [...group.assignedSkuIds] };
}

export const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
export const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
export const GROUPS = {
  marketingTeam: 'a1f0c000-0000-4000-8000-00000000c001',
  marketing: 'a1f0c000-0000-4000-8000-00000000c002',
  allSales: 'a1f0c000-0000-4000-8000-00000000c003',
  helpdeskAdmins: 'a1f0c000-0000-4000-8000-00000000c004',
  licenceE3: 'a1f0c000-0000-4000-8000-00000000c005',
} as const;

/** A directory with the groups and subscriptions the template tests use. */
export function templateDirectoryWithSeed(): FakeTemplateDirectory {
  const directory = new FakeTemplateDirectory();
  directory.addGroup({ id: GROUPS.marketingTeam, displayName: 'Marketing Team', kind: 'security' });
  directory.addGroup({ id: GROUPS.marketing, displayName: 'Marketing', kind: 'microsoft365' });
  directory.addGroup({ id: GROUPS.allSales, displayName: 'All Sales', kind: 'dynamic' });
  directory.addGroup({ id: GROUPS.helpdeskAdmins, displayName: 'Helpdesk Admins', kind: 'role-assignable' });
  directory.addGroup({ id: GROUPS.licenceE3, displayName: 'Licence – Microsoft 365 E3', kind: 'security', assignedSkuIds: [E3] });
  directory.addSku({ skuId: E3, skuPartNumber: 'SPE_E3', enabledUnits: 250, consumedUnits: 238 });
  directory.addSku({ skuId: E5, skuPartNumber: 'SPE_E5', enabledUnits: 5, consumedUnits: 5 });
  return directory;
}

/** A template as an admin would have saved it. */
export function marketingTemplate(overrides: Partial<OnboardingTemplate> = {}): OnboardingTemplate {
  return {
    id: '7e3a0000-0000-4000-8000-00000000e001',
    name: 'Marketing',
    departments: ['Marketing'],
    employeeTypes: [],
    defaults: { usageLocation: 'SE', jobTitles: ['Marketing Manager', 'Content Writer'], companyName: 'Contoso Nordic', extensionAttributes: { extensionAttribute1: 'MKT' } },
    groups: [{ id: GROUPS.marketingTeam, displayName: 'Marketing Team' }, { id: GROUPS.marketing, displayName: 'Marketing' }],
    licence: { kind: 'sku', skuId: E3, skuPartNumber: 'SPE_E3' },
    updatedAt: '2025-03-01T09:00:00.000Z',
    updatedBy: { id: 'admin-1', name: 'Alex Wilber' },
    ...overrides,
  };
}
