/**
 * Applying a template's snapshot to an account that exists: its groups (20 to a $batch), then
 * its licence — through the licensing group when the template names one (Entra's
 * recommendation), else directly with assignLicense, and only while a seat is free. One clean
 * use case, given the account's object id and the snapshot, answering per part; a single
 * request, a bulk row and a guest all use it. It never throws for the directory's sake and
 * never fails an onboarding: each part that could not be done says why, for the ticket.
 *
 * Safe to run again (a resume, "Apply template"): a member already there is success, a
 * licence the account already holds is success, and the parts done before are not sent again.
 */
import { DirectoryError } from '../kernel/errors.js';
import type { Clock, GraphFacts } from '../kernel/ports.js';
import type { OnboardingPolicy } from '../rules/policy.js';
import type { LicenceSeats, SnapshotLicence, TemplateSnapshot } from './choose-template.js';
import { freeSeats } from './licence-names.js';
import type { GroupAddOutcome, GroupKind, TemplateDirectory, UserLicences } from './ports.js';

/** The least-privileged Graph application permission each part needs (README, "Templates"). */
export const TEMPLATE_PERMISSIONS = {
  groups: 'GroupMember.ReadWrite.All',
  assignLicence: 'LicenseAssignment.ReadWrite.All',
  readSeats: 'LicenseAssignment.Read.All',
} as const;

export type GroupResult =
  | 'added' | 'already-member'
  /** A rule decides its members. */
  | 'dynamic'
  /** A role-assignable group: only a Privileged Role Administrator may change its members. */
  | 'role-assignable'
  /** A mail-enabled security group or distribution list: Exchange manages its members. */
  | 'exchange-managed'
  /** 403: the app lacks the permission. */
  | 'forbidden'
  | 'removed'
  /** Not answered in time (throttled, unavailable): "Apply template" finishes it. */
  | 'not-done'
  | 'refused';

export interface GroupPart {
  readonly id: string;
  readonly displayName: string;
  readonly result: GroupResult;
  readonly graphRequestId?: string | undefined;
  readonly detail?: string | undefined;
}

export type LicenceResult =
  | 'assigned' | 'already'
  /** Group-based: Entra assigns it in the background (no state yet), has (active), or reports an error. */
  | 'requested' | 'active' | 'group-error'
  | 'no-seats' | 'no-usage-location' | 'unknown-sku' | 'forbidden' | 'not-done' | 'refused';

export interface LicencePart {
  readonly kind: 'sku' | 'group';
  /** The licence in words ("Microsoft 365 E3", or several through a group). */
  readonly name: string;
  readonly skuIds: readonly string[];
  readonly groupName?: string | undefined;
  readonly result: LicenceResult;
  /** Seats when last read (no-seats says how many). */
  readonly free?: number | undefined;
  readonly total?: number | undefined;
  /** The licenseAssignmentStates error (CountViolation …) for a group's licence. */
  readonly error?: string | undefined;
  /** The permission missing, when forbidden. */
  readonly permission?: string | undefined;
  readonly graphRequestId?: string | undefined;
}

export interface TemplateOutcome {
  readonly groups: readonly GroupPart[];
  readonly licence?: LicencePart | undefined;
}

export interface ApplyTemplateDependencies {
  readonly templateDirectory?: TemplateDirectory | undefined;
  readonly clock: Clock;
  readonly policy: Pick<OnboardingPolicy, 'readBackAttempts' | 'readBackDelayMs' | 'maxWaitMs'>;
}

/** Which parts to do: all of them, or only the licence ("Assign licence"). */
export type ApplyScope = 'all' | 'licence';

const DONE_GROUP: ReadonlySet<GroupResult> = new Set(['added', 'already-member']);
const DONE_LICENCE: ReadonlySet<LicenceResult> = new Set(['assigned', 'already', 'requested', 'active']);
/** Parts that a later "Apply template" / "Assign licence" may finish (the rest need a person to change something first… or not at all). */
const RETRYABLE_GROUP: ReadonlySet<GroupResult> = new Set(['forbidden', 'not-done']);
const RETRYABLE_LICENCE: ReadonlySet<LicenceResult> = new Set(['no-seats', 'no-usage-location', 'forbidden', 'not-done', 'group-error']);

export const groupDone = (part: GroupPart) => DONE_GROUP.has(part.result);
export const licenceDone = (part: LicencePart | undefined) => !part || DONE_LICENCE.has(part.result);
/** True when a group is left that pressing "Apply template" could still add. */
export const groupsUnfinished = (outcome: TemplateOutcome) => outcome.groups.some((g) => RETRYABLE_GROUP.has(g.result));
/** True when the licence is missing for a reason "Assign licence" can overcome once someone fixed it. */
export const licenceMissing = (outcome: TemplateOutcome) => !!outcome.licence && RETRYABLE_LICENCE.has(outcome.licence.result);

/**
 * Applies the snapshot to the account `objectId`; `previous` (an earlier run's outcome) is
 * kept for the parts it did. `usageLocation` is the account's (a direct licence needs one).
 */
export async function applyTemplate(
  deps: ApplyTemplateDependencies, objectId: string, snapshot: TemplateSnapshot,
  options: { readonly previous?: TemplateOutcome | undefined; readonly scope?: ApplyScope } = {},
): Promise<TemplateOutcome> {
  const directory = deps.templateDirectory;
  const scope = options.scope ?? 'all';
  const previous = options.previous;
  const licenceGroup = snapshot.licence?.kind === 'group' ? { id: snapshot.licence.groupId, displayName: snapshot.licence.groupName } : undefined;
  const wanted = scope === 'licence' ? [] : snapshot.groups;
  const before = new Map((previous?.groups ?? []).map((g) => [g.id, g]));
  const toAdd = [...wanted.filter((g) => !before.get(g.id) || RETRYABLE_GROUP.has(before.get(g.id)!.result))];
  const licenceDoneBefore = !!previous?.licence && licenceDone(previous.licence);
  const licenceGroupAdd = licenceGroup && !licenceDoneBefore ? [licenceGroup] : [];
  const added = directory
    ? await addToGroups(deps, directory, objectId, [...toAdd, ...licenceGroupAdd])
    : new Map([...toAdd, ...licenceGroupAdd].map((g) => [g.id, { ...g, result: 'not-done' as const }]));
  const groups = scope === 'licence' ? previous?.groups ?? [] : snapshot.groups.map((g) => added.get(g.id) ?? before.get(g.id) ?? { ...g, result: 'not-done' as const });

  const licence = !snapshot.licence ? undefined
    : licenceDoneBefore && previous?.licence ? previous.licence
      : directory ? await applyLicence(deps, directory, objectId, snapshot.licence, licenceGroup ? added.get(licenceGroup.id) : undefined)
        : describeLicencePart(snapshot.licence, { result: 'not-done' });
  return { groups, ...(licence ? { licence } : {}) };
}

/**
 * Adds the account to each group: a batch, then again for the parts Graph asked us to wait
 * for (throttled, within maxWaitMs) or that do not see the new account yet (replicas).
 */
async function addToGroups(
  deps: ApplyTemplateDependencies, directory: TemplateDirectory, objectId: string, groups: readonly { id: string; displayName: string }[],
): Promise<Map<string, GroupPart>> {
  const results = new Map<string, GroupPart>();
  let pending = [...groups];
  let waited = 0;
  for (let round = 0; pending.length > 0; round += 1) {
    const answers = await directory.addToGroups(objectId, pending.map((g) => g.id));
    const again: typeof pending = [];
    let wait = 0;
    for (const group of pending) {
      const answer: GroupAddOutcome = answers.get(group.id) ?? { kind: 'unavailable', detail: 'missing from the batch answer' };
      const retry = answer.kind === 'throttled' || answer.kind === 'user-not-found' || (answer.kind === 'unavailable' && round === 0);
      if (retry && round < deps.policy.readBackAttempts - 1) {
        again.push(group);
        const ms = answer.kind === 'throttled' && answer.retryAfterSeconds !== undefined
          ? answer.retryAfterSeconds * 1000 : deps.policy.readBackDelayMs * 2 ** round;
        wait = Math.max(wait, ms);
        continue;
      }
      results.set(group.id, { ...group, ...groupResultOf(answer) });
    }
    if (again.length > 0 && waited + wait > deps.policy.maxWaitMs) {
      for (const group of again) results.set(group.id, { ...group, result: 'not-done', detail: 'throttled' });
      break;
    }
    if (again.length > 0) {
      await deps.clock.sleep(wait);
      waited += wait;
    }
    pending = again;
  }
  // Graph answers the same 403 for a dynamic, a role-assignable or a mail-enabled security group and for a
  // missing permission (Microsoft's troubleshooting article says to read the group): the group itself says which.
  const forbidden = [...results.values()].filter((g) => g.result === 'forbidden');
  if (forbidden.length > 0) {
    const read = await directory.readGroups(forbidden.map((g) => g.id)).catch(() => new Map<string, null>());
    const why: Partial<Record<GroupKind, GroupResult>> = { dynamic: 'dynamic', 'role-assignable': 'role-assignable', other: 'exchange-managed' };
    for (const group of forbidden) {
      const kind = read.get(group.id)?.kind;
      const result = kind ? why[kind] : undefined;
      if (result) results.set(group.id, { ...group, result });
    }
  }
  return results;
}

function groupResultOf(answer: GroupAddOutcome): Omit<GroupPart, 'id' | 'displayName'> {
  const facts = factsOf(answer);
  switch (answer.kind) {
    case 'added': return { result: 'added' };
    case 'already-member': return { result: 'already-member', ...facts };
    case 'refused': return { result: answer.reason === 'dynamic' ? 'dynamic' : answer.reason === 'forbidden' ? 'forbidden' : 'refused', ...facts };
    case 'group-not-found': return { result: 'removed', ...facts };
    case 'user-not-found':
    case 'throttled':
    case 'unavailable': return { result: 'not-done', ...facts };
  }
}

/** The licence part: through its group (already added above), or assigned directly while a seat is free. */
async function applyLicence(
  deps: ApplyTemplateDependencies, directory: TemplateDirectory, objectId: string, licence: SnapshotLicence, groupAdd: GroupPart | undefined,
): Promise<LicencePart> {
  if (licence.kind === 'group') {
    if (!groupAdd || !groupDone(groupAdd)) {
      const result: LicenceResult = groupAdd?.result === 'forbidden' ? 'forbidden' : groupAdd?.result === 'removed' ? 'unknown-sku' : 'not-done';
      return describeLicencePart(licence, { result, ...(result === 'forbidden' ? { permission: TEMPLATE_PERMISSIONS.groups } : {}), graphRequestId: groupAdd?.graphRequestId });
    }
    // Group-based licensing is processed in the background: report what Entra shows now.
    const states = await readLicences(deps, directory, objectId);
    const mine = states?.states.filter((s) => s.assignedByGroup?.toLowerCase() === licence.groupId && licence.licences.some((l) => l.skuId === s.skuId.toLowerCase())) ?? [];
    const failing = mine.find((s) => s.state === 'Error');
    if (failing) return describeLicencePart(licence, { result: 'group-error', error: failing.error });
    if (mine.length > 0 && mine.every((s) => s.state === 'Active' || s.state === 'ActiveWithError')) return describeLicencePart(licence, { result: 'active' });
    return describeLicencePart(licence, { result: 'requested' });
  }
  // Direct: already there (a run that crashed after assigning, or someone was quicker) is success.
  let current: UserLicences | null | 'unreadable';
  try {
    current = await readLicences(deps, directory, objectId);
  } catch {
    current = 'unreadable';
  }
  if (current !== 'unreadable' && current?.assignedSkuIds.some((id) => id.toLowerCase() === licence.skuId)) return describeLicencePart(licence, { result: 'already' });
  let seats: { free: number; total: number } | undefined;
  try {
    const sku = (await directory.listSubscribedSkus()).find((s) => s.skuId.toLowerCase() === licence.skuId);
    if (!sku) return describeLicencePart(licence, { result: 'unknown-sku' });
    seats = { free: freeSeats(sku), total: sku.enabledUnits };
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    return describeLicencePart(licence, error.code === 'PERMISSION_MISSING'
      ? { result: 'forbidden', permission: TEMPLATE_PERMISSIONS.readSeats, graphRequestId: error.graphRequestId }
      : { result: 'not-done', graphRequestId: error.graphRequestId });
  }
  if (seats.free <= 0) return describeLicencePart(licence, { result: 'no-seats', ...seats });
  let waited = 0;
  for (let attempt = 0; ; attempt += 1) {
    const outcome = await directory.assignLicence(objectId, licence.skuId);
    const facts = factsOf(outcome);
    switch (outcome.kind) {
      case 'assigned': return describeLicencePart(licence, { result: 'assigned', free: seats.free - 1, total: seats.total });
      case 'refused': {
        const result: LicenceResult = outcome.reason === 'no-seats' ? 'no-seats' : outcome.reason === 'no-usage-location' ? 'no-usage-location'
          : outcome.reason === 'unknown-sku' ? 'unknown-sku' : outcome.reason === 'forbidden' ? 'forbidden' : 'refused';
        return describeLicencePart(licence, {
          result, ...facts, ...(result === 'no-seats' ? { free: 0, total: seats.total } : {}),
          ...(result === 'forbidden' ? { permission: TEMPLATE_PERMISSIONS.assignLicence } : {}),
        });
      }
      case 'user-not-found':
      case 'throttled':
      case 'unavailable': {
        const ms = outcome.kind === 'throttled' && outcome.retryAfterSeconds !== undefined ? outcome.retryAfterSeconds * 1000 : deps.policy.readBackDelayMs * 2 ** attempt;
        if (attempt + 1 >= deps.policy.readBackAttempts || waited + ms > deps.policy.maxWaitMs) return describeLicencePart(licence, { result: 'not-done', ...facts });
        await deps.clock.sleep(ms);
        waited += ms;
      }
    }
  }
}

/** The user's licences, read again while a just-created account is not on every replica. */
async function readLicences(deps: ApplyTemplateDependencies, directory: TemplateDirectory, objectId: string): Promise<UserLicences | null> {
  for (let attempt = 0; ; attempt += 1) {
    const found = await directory.readLicences(objectId).catch((error: unknown) => {
      if (error instanceof DirectoryError) return null;
      throw error;
    });
    if (found || attempt + 1 >= deps.policy.readBackAttempts) return found;
    await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** attempt);
  }
}

function describeLicencePart(licence: SnapshotLicence, result: Omit<LicencePart, 'kind' | 'name' | 'skuIds' | 'groupName'>): LicencePart {
  const names = (list: readonly LicenceSeats[]) => list.map((l) => l.name).join(', ');
  return licence.kind === 'sku'
    ? { kind: 'sku', name: licence.name, skuIds: [licence.skuId], ...withoutUndefined(result) }
    : { kind: 'group', name: names(licence.licences), skuIds: licence.licences.map((l) => l.skuId), groupName: licence.groupName, ...withoutUndefined(result) };
}

function factsOf(outcome: Partial<GraphFacts> & { kind: string }): { graphRequestId?: string; detail?: string } {
  return withoutUndefined({ graphRequestId: outcome.graphRequestId, detail: outcome.detail });
}

/** Records are stored as JSON: keep them free of `undefined` members. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
