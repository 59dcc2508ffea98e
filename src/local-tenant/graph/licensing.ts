/**
 * Licences as the directory holds them: the organisation's subscriptions (subscribedSku) and their seats,
 * and what a user holds — shown in assignedLicenses, assignedPlans and licenseAssignmentStates
 * (https://learn.microsoft.com/en-us/graph/api/resources/licenseassignmentstate).
 */
import type { DirectoryState, DirectoryUser, SubscribedSku } from '../directory.js';
import { z } from 'zod';
import { badRequest, GraphError } from '../responses.js';

/** A user holds a seat of a SKU while any of their assignments of it is Active or ActiveWithError. */
export function holdsSeat(user: DirectoryUser, skuId: string): boolean {
  return user.deletedDateTime === null && user.licenseAssignments.some((assignment) => assignment.skuId === skuId && (assignment.state === 'Active' || assignment.state === 'ActiveWithError'));
}

/** "The number of licenses that have been assigned": one per user holding the SKU, however many times assigned. */
export function consumedUnits(sku: SubscribedSku, state: DirectoryState): number {
  return sku.consumedElsewhere + state.users.filter((user) => holdsSeat(user, sku.skuId)).length;
}

/** Seats a new assignment can take: the enabled units not consumed (consumption can exceed them). */
export function freeUnits(sku: SubscribedSku, state: DirectoryState): number {
  return Math.max(0, sku.prepaidUnits.enabled - consumedUnits(sku, state));
}

/** The licences in effect, as user.assignedLicenses shows them (one per SKU). */
export function assignedLicensesOf(user: DirectoryUser): Array<{ disabledPlans: string[]; skuId: string }> {
  const bySku = new Map<string, { disabledPlans: string[]; skuId: string }>();
  const effective = user.licenseAssignments.filter((assignment) => assignment.state === 'Active' || assignment.state === 'ActiveWithError');
  // A direct assignment's disabled plans win over an inherited one's.
  for (const assignment of [...effective].sort((a, b) => Number(a.assignedByGroup === null) - Number(b.assignedByGroup === null))) {
    bySku.set(assignment.skuId, { disabledPlans: [...assignment.disabledPlans], skuId: assignment.skuId });
  }
  return [...bySku.values()];
}

/** user.assignedPlans: each service plan of the licences in effect that is not disabled. */
export function assignedPlansOf(user: DirectoryUser, state: DirectoryState): Array<Record<string, unknown>> {
  const plans: Array<Record<string, unknown>> = [];
  for (const license of assignedLicensesOf(user)) {
    const sku = state.subscribedSkus.find((candidate) => candidate.skuId === license.skuId);
    const since = user.licenseAssignments.find((assignment) => assignment.skuId === license.skuId)?.lastUpdatedDateTime ?? user.createdDateTime;
    for (const plan of sku?.servicePlans ?? []) {
      if (plan.appliesTo !== 'User' || license.disabledPlans.includes(plan.servicePlanId)) continue;
      plans.push({ assignedDateTime: `${since.slice(0, 19)}Z`, capabilityStatus: 'Enabled', service: plan.service, servicePlanId: plan.servicePlanId });
    }
  }
  return plans;
}

/** user.licenseAssignmentStates, one per assignment (direct, and each group's). */
export function licenseAssignmentStatesOf(user: DirectoryUser): Array<Record<string, unknown>> {
  return user.licenseAssignments.map((assignment) => ({
    assignedByGroup: assignment.assignedByGroup,
    disabledPlans: [...assignment.disabledPlans],
    error: assignment.error,
    lastUpdatedDateTime: `${assignment.lastUpdatedDateTime.slice(0, 19)}Z`,
    skuId: assignment.skuId,
    state: assignment.state,
  }));
}

/** The subscribedSku id: the tenant's id and the SKU's, joined by "_" (subscribedsku-list example). */
export function subscribedSkuId(state: DirectoryState, sku: SubscribedSku): string {
  return `${state.tenantId}_${sku.skuId}`;
}

export function subscribedSkuView(sku: SubscribedSku, state: DirectoryState): Record<string, unknown> {
  return {
    accountName: state.organization.displayName,
    accountId: state.tenantId,
    appliesTo: sku.appliesTo,
    capabilityStatus: sku.capabilityStatus,
    consumedUnits: consumedUnits(sku, state),
    id: subscribedSkuId(state, sku),
    prepaidUnits: { ...sku.prepaidUnits },
    servicePlans: sku.servicePlans.map((plan) => ({ servicePlanId: plan.servicePlanId, servicePlanName: plan.servicePlanName, provisioningStatus: 'Success', appliesTo: plan.appliesTo })),
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    subscriptionIds: [...sku.subscriptionIds],
  };
}

export const SKU_PROPERTIES = new Set(['accountName', 'accountId', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An assignLicense body, checked as Graph checks it (both collections present, not both empty, GUIDs). */
export interface LicenseChange {
  add: Array<{ skuId: string; disabledPlans: string[] }>;
  remove: string[];
}

/**
 * Reads {addLicenses: [{skuId, disabledPlans?}], removeLicenses: [skuId]} as Graph does: both are required
 * ("One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing
 * parameters are: removeLicenses.", msgraph-sdk-powershell#3231/#3361), and both empty is 400 "No license
 * changes provided…" (msgraph-sdk-powershell#3286).
 */
export function readLicenseChange(body: unknown): LicenseChange {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : {};
  const missing = ['addLicenses', 'removeLicenses'].filter((name) => fields[name] === undefined || fields[name] === null);
  if (missing.length > 0) {
    throw badRequest(`One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(',')}.`);
  }
  const add = fields['addLicenses'];
  const remove = fields['removeLicenses'];
  if (!Array.isArray(add) || !Array.isArray(remove)) throw new GraphError(400, 'BadRequest', 'The parameters addLicenses and removeLicenses must be collections.');
  const guid = (value: unknown): string => {
    if (typeof value !== 'string' || !GUID.test(value)) {
      throw new GraphError(400, 'BadRequest', "Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details");
    }
    return value.toLowerCase();
  };
  const change: LicenseChange = {
    add: add.map((entry) => {
      const license = typeof entry === 'object' && entry !== null ? entry as Record<string, unknown> : {};
      const plans = license['disabledPlans'] ?? [];
      if (!Array.isArray(plans)) throw new GraphError(400, 'BadRequest', "The property 'disabledPlans' must be a collection of GUIDs.");
      return { skuId: guid(license['skuId']), disabledPlans: plans.map(guid) };
    }),
    remove: remove.map(guid),
  };
  if (change.add.length === 0 && change.remove.length === 0) throw badRequest('No license changes provided. At least one license to add or remove must be specified.');
  return change;
}

/** What /_tenant/subscribedSkus/{skuId} may change: the seats and the subscription's status ("buy" more, run out). */
export const skuUpdateSchema = z.object({
  prepaidUnits: z.object({
    enabled: z.number().int().min(0),
    suspended: z.number().int().min(0),
    warning: z.number().int().min(0),
    lockedOut: z.number().int().min(0),
  }).partial().strict(),
  capabilityStatus: z.enum(['Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut']),
  consumedElsewhere: z.number().int().min(0),
}).partial().strict();

export type SkuUpdate = z.input<typeof skuUpdateSchema>;

/** PUT /_tenant/licensing: how long group-based licensing takes (seconds; 0 = by the next request). */
export const licensingSettingsSchema = z.object({ groupProcessingSeconds: z.number().min(0).max(86_400) }).strict();

/** Applies a seat change to the SKU named by its skuId or skuPartNumber; undefined when there is none. */
export function updateSubscribedSku(state: DirectoryState, key: string, update: unknown): SubscribedSku | undefined {
  const sku = state.subscribedSkus.find((candidate) => candidate.skuId === key.toLowerCase() || candidate.skuPartNumber.toLowerCase() === key.toLowerCase());
  if (!sku) return undefined;
  const change = skuUpdateSchema.parse(update ?? {});
  if (change.prepaidUnits) sku.prepaidUnits = { ...sku.prepaidUnits, ...change.prepaidUnits };
  if (change.capabilityStatus) sku.capabilityStatus = change.capabilityStatus;
  if (change.consumedElsewhere !== undefined) sku.consumedElsewhere = change.consumedElsewhere;
  return sku;
}
