import type { DirectoryState, DirectoryUser, Group } from '../directory.js';
import type { GraphOperation, GraphRequest } from './graph-api.js';
import { DOMAIN_READ, ORGANIZATION_READ } from './graph-permissions.js';
import { page, parseSelect, parseTop, rejectUnknownQueryOptions } from './graph-query.js';
import { domainView } from './graph-views.js';
import { GROUP_PROPERTY_NAMES, groupsContaining } from './groups.js';
import { badRequest, GraphError, json, methodNotAllowed, notFound, type ApiResponse } from '../responses.js';

/** What membership checks, domains and the organization need from the Graph emulator. */
export interface DirectoryObjectsContext {
  baseUrl: string;
  state(): DirectoryState;
  findUser(key: string, now: Date, isRead: boolean): DirectoryUser;
  context(fragment: string): string;
  operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation;
  groupView(group: Group, select: string[] | undefined, now: Date): Record<string, unknown>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Membership checks (checkMemberGroups, memberOf), domains and the organization. */
export class DirectoryObjectsApi {
  constructor(private readonly ctx: DirectoryObjectsContext) {}

  // ---------------------------------------------------------- membership

  checkMemberGroups(key: string, request: GraphRequest, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    const body = request.body as Record<string, unknown> | undefined;
    if (body === undefined) throw badRequest('Empty Payload. JSON content expected.');
    const groupIds = body['groupIds'];
    if (!Array.isArray(groupIds)) throw badRequest("A value is required for property 'groupIds' of resource 'checkMemberGroups'.");
    if (groupIds.length > 20) throw badRequest('The number of groupIds in the request exceeds the maximum of 20.');
    for (const id of groupIds) {
      if (typeof id !== 'string' || !GUID.test(id)) throw badRequest(`Invalid GUID:${String(id)}`);
    }
    const memberOf = groupsContaining(user.id, this.ctx.state(), true);
    const value = (groupIds as string[]).filter((id) => memberOf.some((group) => group.id === id.toLowerCase()));
    return json(200, { '@odata.context': this.ctx.context('Collection(Edm.String)'), value });
  }

  memberOf(key: string, transitive: boolean, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$top', '$skiptoken', '$select', '$count']);
    const select = parseSelect(request.query, GROUP_PROPERTY_NAMES, 'microsoft.graph.directoryObject');
    const user = this.ctx.findUser(key, now, true);
    const groups = groupsContaining(user.id, this.ctx.state(), transitive);
    const onePage = page(groups, request.query, parseTop(request.query, 100), this.ctx.baseUrl);
    const path = `users/${user.id}/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    return json(200, {
      '@odata.context': this.ctx.context('directoryObjects'),
      ...(onePage.nextLink ? { '@odata.nextLink': onePage.nextLink(path) } : {}),
      value: onePage.items.map((group) => ({ '@odata.type': '#microsoft.graph.group', ...this.ctx.groupView(group, select, now) })),
    });
  }

  // ------------------------------------------------ domains, organization

  resolveDomains(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.ctx.operation(id ? 'getDomain' : 'listDomains', DOMAIN_READ, 1, false, () => {
      rejectUnknownQueryOptions(request.query, ['$select']);
      if (id !== undefined) {
        const domain = this.ctx.state().domains.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
        if (!domain) throw notFound(id);
        return json(200, { '@odata.context': this.ctx.context('domains/$entity'), ...domainView(domain) });
      }
      return json(200, { '@odata.context': this.ctx.context('domains'), value: this.ctx.state().domains.map(domainView) });
    });
  }

  resolveOrganization(method: string, rest: string[]): GraphOperation {
    const [id, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.ctx.operation('getOrganization', ORGANIZATION_READ, 1, false, () => {
      const organization = this.organizationView();
      if (id !== undefined) {
        if (id.toLowerCase() !== this.ctx.state().tenantId) throw notFound(id);
        return json(200, { '@odata.context': this.ctx.context('organization/$entity'), ...organization });
      }
      return json(200, { '@odata.context': this.ctx.context('organization'), value: [organization] });
    });
  }

  private organizationView(): Record<string, unknown> {
    const { organization, domains } = this.ctx.state();
    return {
      id: organization.id,
      deletedDateTime: null,
      businessPhones: [],
      city: null,
      country: null,
      countryLetterCode: organization.countryLetterCode,
      createdDateTime: organization.createdDateTime,
      displayName: organization.displayName,
      onPremisesLastSyncDateTime: null,
      onPremisesSyncEnabled: null,
      preferredLanguage: organization.preferredLanguage,
      tenantType: 'AAD',
      assignedPlans: [],
      verifiedDomains: domains.filter((domain) => domain.isVerified).map((domain) => ({
        capabilities: 'Email, OfficeCommunicationsOnline',
        isDefault: domain.isDefault,
        isInitial: domain.isInitial,
        name: domain.id,
        type: domain.authenticationType,
      })),
    };
  }
}
