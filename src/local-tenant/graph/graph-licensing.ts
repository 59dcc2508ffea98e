/**
 * Licences through Graph v1.0: the organisation's subscriptions (GET /subscribedSkus[/{id}], subscribedsku-list)
 * and licences assigned to a user directly (POST /users/{id}/assignLicense, user-assignlicense).
 */
import type { DirectoryUser, LicenseAssignment, SubscribedSku } from '../directory.js';
import type { GraphAreaContext, GraphOperation, GraphRequest } from './graph-api.js';
import { LICENSE_REPROCESS, LICENSE_WRITE, SUBSCRIBED_SKU_READ } from './graph-permissions.js';
import { enqueueLicensing } from './group-licensing.js';
import { membersOf } from './groups.js';
import { parseSelect, rejectUnknownQueryOptions } from './graph-query.js';
import { freeUnits, holdsSeat, readLicenseChange, SKU_PROPERTIES, subscribedSkuId, subscribedSkuView, type LicenseChange } from './licensing.js';
import { badRequest, GraphError, json, methodNotAllowed, notFound } from '../responses.js';

/** What the licence routes need from the Graph emulator. */
export type LicensingContext = Pick<GraphAreaContext, 'state' | 'save' | 'context' | 'operation' | 'findUser' | 'userView'>;

export class LicensingApi {
  constructor(private readonly ctx: LicensingContext) {}

  /** /subscribedSkus[/{id}]: $select only ("It does not support $filter"); 3 resource units (throttling-limits). */
  resolveSubscribedSkus(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.ctx.operation(id === undefined ? 'listSubscribedSkus' : 'getSubscribedSku', SUBSCRIBED_SKU_READ, 3, false, () => {
      rejectUnknownQueryOptions(request.query, ['$select']);
      const select = parseSelect(request.query, SKU_PROPERTIES, 'microsoft.graph.subscribedSku');
      const state = this.ctx.state();
      const view = (sku: SubscribedSku) => {
        const full = subscribedSkuView(sku, state);
        return select ? Object.fromEntries(select.map((name) => [name, full[name]])) : full;
      };
      if (id !== undefined) {
        const sku = state.subscribedSkus.find((candidate) => subscribedSkuId(state, candidate).toLowerCase() === id.toLowerCase());
        if (!sku) throw notFound(id);
        return json(200, { '@odata.context': this.ctx.context('subscribedSkus/$entity'), ...view(sku) });
      }
      return json(200, { '@odata.context': this.ctx.context('subscribedSkus'), value: state.subscribedSkus.map(view) });
    });
  }

  /** POST /users/{id}/assignLicense → 200 with the user. */
  assignUserLicenseOperation(key: string, request: GraphRequest): GraphOperation {
    return this.ctx.operation('assignLicense', LICENSE_WRITE, 1, true, (now) => {
      const change = readLicenseChange(request.body);
      const user = this.ctx.findUser(key, now, false);
      this.assignDirectly(user, change, now);
      this.ctx.save();
      return json(200, { '@odata.context': this.ctx.context('users/$entity'), ...this.ctx.userView(user) });
    });
  }

  /**
   * POST /users/{id}/reprocessLicenseAssignment (user-reprocesslicenseassignment): the user's group-based
   * licences are worked out again (after seats were bought, say) → 200 with the user.
   */
  reprocessOperation(key: string): GraphOperation {
    return this.ctx.operation('reprocessLicenseAssignment', LICENSE_REPROCESS, 1, true, (now) => {
      const user = this.ctx.findUser(key, now, false);
      const state = this.ctx.state();
      for (const group of state.groups) {
        if (membersOf(group, state).includes(user.id) || user.licenseAssignments.some((assignment) => assignment.assignedByGroup === group.id)) {
          enqueueLicensing(state, group.id, user.id, now);
        }
      }
      this.ctx.save();
      return json(200, { '@odata.context': this.ctx.context('users/$entity'), ...this.ctx.userView(user) });
    });
  }

  /**
   * Direct assignment: every SKU must be the company's, the user needs a usage location, and a SKU the user
   * does not hold yet needs a free seat — else nothing changes (one 400 for the whole request).
   */
  private assignDirectly(user: DirectoryUser, change: LicenseChange, now: Date): void {
    const state = this.ctx.state();
    const skuOf = (skuId: string): SubscribedSku => {
      const sku = state.subscribedSkus.find((candidate) => candidate.skuId === skuId.toLowerCase());
      if (!sku) throw badRequest(`License ${skuId} does not correspond to a valid company License.`);
      return sku;
    };
    for (const skuId of change.remove) skuOf(skuId);
    const added = change.add.map((license) => ({ license, sku: skuOf(license.skuId) }));
    for (const { license, sku } of added) {
      // Ours: Graph's answer for a plan the SKU does not have is not documented.
      const unknownPlan = license.disabledPlans.find((planId) => !sku.servicePlans.some((plan) => plan.servicePlanId === planId.toLowerCase()));
      if (unknownPlan) throw badRequest(`The service plan ${unknownPlan} is not part of the license ${sku.skuId}.`);
    }
    if (added.length > 0 && !user.usageLocation) throw badRequest('License assignment cannot be done for user with invalid usage location.');
    for (const { sku } of added) {
      if (!holdsSeat(user, sku.skuId) && freeUnits(sku, state) <= 0) {
        throw badRequest(`Subscription with SKU ${sku.skuId} does not have any available licenses.`);
      }
    }
    const removed = new Set(change.remove.map((skuId) => skuId.toLowerCase()));
    const direct = (assignment: LicenseAssignment) => assignment.assignedByGroup === null;
    user.licenseAssignments = user.licenseAssignments.filter((assignment) => !(direct(assignment) && removed.has(assignment.skuId)));
    for (const { license, sku } of added) {
      user.licenseAssignments = user.licenseAssignments.filter((assignment) => !(direct(assignment) && assignment.skuId === sku.skuId));
      user.licenseAssignments.push({
        skuId: sku.skuId, disabledPlans: license.disabledPlans.map((planId) => planId.toLowerCase()), assignedByGroup: null,
        state: 'Active', error: 'None', lastUpdatedDateTime: now.toISOString(),
      });
    }
  }
}

