import type { DirectoryState, DirectoryUser, Group } from './directory.js';
import type { GraphOperation, GraphRequest } from './graph-api.js';
import { DOMAIN_READ, GROUP_MEMBER_WRITE, GROUP_READ, ORGANIZATION_READ } from './graph-permissions.js';
import { page, parseSelect, parseTop, rejectUnknownQueryOptions } from './graph-query.js';
import { DEFAULT_USER_PROPERTIES, domainView, fullUser, groupView } from './graph-views.js';
import { badRequest, GraphError, json, methodNotAllowed, noContent, notFound, type ApiResponse } from './responses.js';

/** What groups, membership, domains and the organization need from the Graph emulator. */
export interface DirectoryObjectsContext {
  baseUrl: string;
  state(): DirectoryState;
  findUser(key: string, now: Date, isRead: boolean): DirectoryUser;
  context(fragment: string): string;
  operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Membership checks, groups (GET, members/$ref), domains and the organization. */
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
    const memberOf = this.groupsOf(user.id, true);
    const value = (groupIds as string[]).filter((id) => memberOf.some((group) => group.id === id.toLowerCase()));
    return json(200, { '@odata.context': this.ctx.context('Collection(Edm.String)'), value });
  }

  memberOf(key: string, transitive: boolean, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$top', '$skiptoken', '$select', '$count']);
    const user = this.ctx.findUser(key, now, true);
    const groups = this.groupsOf(user.id, transitive);
    const onePage = page(groups, request.query, parseTop(request.query, 100), this.ctx.baseUrl);
    const path = `users/${user.id}/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    return json(200, {
      '@odata.context': this.ctx.context('directoryObjects'),
      ...(onePage.nextLink ? { '@odata.nextLink': onePage.nextLink(path) } : {}),
      value: onePage.items.map((group) => groupView(group)),
    });
  }

  /** Groups containing the object directly or (transitive) through nested groups. */
  private groupsOf(objectId: string, transitive: boolean): Group[] {
    const result = new Map<string, Group>();
    const pending = [objectId];
    while (pending.length > 0) {
      const current = pending.pop() as string;
      for (const group of this.ctx.state().groups) {
        if (group.members.includes(current) && !result.has(group.id)) {
          result.set(group.id, group);
          if (transitive) pending.push(group.id);
        }
      }
    }
    return [...result.values()];
  }

  // -------------------------------------------------------------- groups

  resolveGroups(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, ...tail] = rest;
    // Membership changes, as an admin makes them in Entra: POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{member}/$ref.
    if (id !== undefined && tail[0] === 'members') return this.changeGroupMembers(method, id, tail.slice(1), request);
    if (id === undefined || tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/') || 'groups'}'. This local tenant serves GET /groups/{id}, GET members and members/$ref only.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.ctx.operation('getGroup', GROUP_READ, 1, false, () => {
      rejectUnknownQueryOptions(request.query, ['$select']);
      const group = this.ctx.state().groups.find((candidate) => candidate.id === id.toLowerCase());
      if (!group) throw notFound(id);
      return json(200, { '@odata.context': this.ctx.context('groups/$entity'), ...groupView(group) });
    });
  }

  private changeGroupMembers(method: string, groupId: string, tail: string[], request: GraphRequest): GraphOperation {
    const findGroup = () => {
      const group = this.ctx.state().groups.find((candidate) => candidate.id === groupId.toLowerCase());
      if (!group) throw notFound(groupId);
      return group;
    };
    if (method === 'POST' && tail.length === 1 && tail[0] === '$ref') {
      return this.ctx.operation('addGroupMember', GROUP_MEMBER_WRITE, 1, true, () => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const reference = typeof body['@odata.id'] === 'string' ? body['@odata.id'] : '';
        const memberId = /\/directoryObjects\/([0-9a-fA-F-]{36})$|\/users\/([0-9a-fA-F-]{36})$/.exec(reference);
        const id = (memberId?.[1] ?? memberId?.[2] ?? '').toLowerCase();
        if (!id) throw new GraphError(400, 'Request_BadRequest', "Invalid value specified for property '@odata.id' of resource 'DirectoryObject'.");
        if (!this.ctx.state().users.some((user) => user.id === id) && !this.ctx.state().groups.some((group) => group.id === id)) throw notFound(id);
        const group = findGroup();
        if (group.members.includes(id)) {
          throw new GraphError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
        }
        group.members.push(id);
        return noContent();
      });
    }
    // GET /groups/{id}/members and …/members/microsoft.graph.user (direct members; the cast keeps users only).
    if (method === 'GET' && (tail.length === 0 || (tail.length === 1 && tail[0] === 'microsoft.graph.user'))) {
      return this.ctx.operation('listGroupMembers', GROUP_READ, 2, false, () => {
        rejectUnknownQueryOptions(request.query, ['$select', '$top', '$skiptoken']);
        const group = findGroup();
        const users = this.ctx.state().users.filter((user) => group.members.includes(user.id) && user.deletedDateTime === null);
        const groups = tail.length === 0 ? this.ctx.state().groups.filter((candidate) => group.members.includes(candidate.id)) : [];
        const select = parseSelect(request.query);
        const userView = (user: DirectoryUser) => {
          const full = fullUser(user, this.ctx.state());
          const keys = select ?? DEFAULT_USER_PROPERTIES;
          return { '@odata.type': '#microsoft.graph.user', ...Object.fromEntries(keys.filter((k) => k in full).map((k) => [k, full[k]])), id: user.id };
        };
        const items = [...users.map(userView), ...groups.map((g) => ({ '@odata.type': '#microsoft.graph.group', ...groupView(g) }))];
        const onePage = page(items, request.query, parseTop(request.query, 100), this.ctx.baseUrl);
        const path = `groups/${group.id}/members${tail.length === 0 ? '' : '/microsoft.graph.user'}`;
        return json(200, {
          '@odata.context': this.ctx.context(tail.length === 0 ? 'directoryObjects' : 'users'),
          ...(onePage.nextLink ? { '@odata.nextLink': onePage.nextLink(path) } : {}),
          value: onePage.items,
        });
      });
    }
    if (method === 'DELETE' && tail.length === 2 && tail[1] === '$ref' && tail[0]) {
      const memberId = tail[0].toLowerCase();
      return this.ctx.operation('removeGroupMember', GROUP_MEMBER_WRITE, 1, true, () => {
        const group = findGroup();
        if (!group.members.includes(memberId)) throw notFound(memberId);
        group.members = group.members.filter((member) => member !== memberId);
        return noContent();
      });
    }
    throw methodNotAllowed();
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
