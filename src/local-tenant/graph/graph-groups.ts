/**
 * Groups through Graph v1.0: GET /groups (with $filter, $search, $count, $orderby, $select, $top),
 * GET /groups/$count, GET /groups/{id}, GET …/members[/microsoft.graph.user], and membership changes
 * with POST …/members/$ref and DELETE …/members/{id}/$ref — with the answers Graph gives for a member
 * already there, a dynamic or role-assignable group, and objects that do not exist.
 */
import type { Group } from '../directory.js';
import type { GraphAreaContext, GraphOperation, GraphRequest } from './graph-api.js';
import { GROUP_LICENSE_WRITE, GROUP_MEMBER_WRITE, GROUP_READ, hasPermission, ROLE_MANAGEMENT_WRITE } from './graph-permissions.js';
import { enqueueLicensing, licensable } from './group-licensing.js';
import { readLicenseChange } from './licensing.js';
import { page, parseSelect, parseTop, rejectUnknownQueryOptions } from './graph-query.js';
import { countInCollection, selectFromCollection, type DirectoryCollection } from './graph-user-list.js';
import { DEFAULT_USER_PROPERTIES, USER_PROPERTY_NAMES } from './graph-views.js';
import {
  fullGroup, GROUP_FILTER_RULES, GROUP_PROPERTY_NAMES, GROUP_SEARCH_PROPERTIES, groupView, isDynamic, isMicrosoft365, membersOf,
} from './groups.js';
import type { Literal } from './odata-filter.js';
import { badRequest, GraphError, insufficientPrivileges, json, methodNotAllowed, noContent, notFound, type ApiResponse } from '../responses.js';

/** What the group routes need from the Graph emulator around them. */
export interface GroupsContext extends Pick<GraphAreaContext, 'baseUrl' | 'state' | 'save' | 'context' | 'operation' | 'userView'> {
  /** The group's licence processing state (group-based licensing), or null when it has no licences. */
  licenseProcessingState(group: Group, now: Date): string | null;
  /** Called after a membership change (group-based licensing queues the member). */
  membershipChanged(group: Group, memberId: string, added: boolean, now: Date): void;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class GroupsApi {
  private readonly collection: DirectoryCollection<Group>;

  constructor(private readonly ctx: GroupsContext) {
    this.collection = {
      typeName: 'microsoft.graph.group',
      resource: 'Group',
      filterRules: GROUP_FILTER_RULES,
      searchable: GROUP_SEARCH_PROPERTIES,
      orderable: ['displayName'],
      valueOf: (group) => {
        const full = fullGroup(group, null);
        return (property) => {
          const value = full[property];
          return Array.isArray(value) || typeof value === 'string' || typeof value === 'boolean' || value === null ? value as Literal | Literal[] : undefined;
        };
      },
      sortKey: (group, property) => String((group as unknown as Record<string, unknown>)[property] ?? ''),
    };
  }

  /** /groups… */
  resolve(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, collection, ...tail] = rest;
    if (id === undefined) {
      if (method === 'GET') return this.ctx.operation('listGroups', GROUP_READ, 2, false, (now) => this.listGroups(request, now));
      throw notPlayed('POST /groups');
    }
    if (id === '$count' && collection === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.ctx.operation('countGroups', GROUP_READ, 1, false, () => countInCollection(this.collection, this.ctx.state().groups, request));
    }
    if (collection === undefined) {
      if (method === 'GET') return this.ctx.operation('getGroup', GROUP_READ, 1, false, (now) => this.getGroup(id, request, now));
      throw notPlayed(`${method} /groups/{id}`);
    }
    if (collection === 'members') return this.resolveMembers(method, id, tail, request);
    if (collection === 'assignLicense' && tail.length === 0) {
      if (method !== 'POST') throw methodNotAllowed();
      return this.ctx.operation('assignGroupLicense', GROUP_LICENSE_WRITE, 1, true, (now) => this.assignLicense(id, request, now));
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${[collection, ...tail].join('/')}'.`);
  }

  findGroup(id: string): Group {
    const group = this.ctx.state().groups.find((candidate) => candidate.id === id.toLowerCase());
    if (!group) throw notFound(id);
    return group;
  }

  private listGroups(request: GraphRequest, now: Date): ApiResponse {
    const { query } = request;
    rejectUnknownQueryOptions(query, ['$filter', '$select', '$top', '$count', '$skiptoken', '$orderby', '$search']);
    const select = parseSelect(query, GROUP_PROPERTY_NAMES, 'microsoft.graph.group');
    // group-list: "$top … 1 and 999"; the default page is 100.
    const top = parseTop(query, 100);
    const { items, wantsCount } = selectFromCollection(this.collection, this.ctx.state().groups, query, request.headers);
    const onePage = page(items, query, top, this.ctx.baseUrl);
    const body: Record<string, unknown> = { '@odata.context': this.ctx.context(select ? `groups(${select.join(',')})` : 'groups') };
    if (wantsCount) body['@odata.count'] = items.length;
    if (onePage.nextLink) body['@odata.nextLink'] = onePage.nextLink('groups');
    body['value'] = onePage.items.map((group) => groupView(group, select, this.ctx.licenseProcessingState(group, now)));
    return json(200, body);
  }

  private getGroup(id: string, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$select']);
    const select = parseSelect(request.query, GROUP_PROPERTY_NAMES, 'microsoft.graph.group');
    const group = this.findGroup(id);
    return json(200, {
      '@odata.context': this.ctx.context(select ? `groups(${select.join(',')})/$entity` : 'groups/$entity'),
      ...groupView(group, select, this.ctx.licenseProcessingState(group, now)),
    });
  }

  /**
   * POST /groups/{id}/assignLicense (group-assignlicense): the group's licences change at once and reach its
   * members in the background (group-licensing.ts) → 202 Accepted with the group and a Location header.
   * No seat is checked here: a member for whom none is left gets CountViolation when processing runs.
   */
  private assignLicense(id: string, request: GraphRequest, now: Date): ApiResponse {
    const state = this.ctx.state();
    const change = readLicenseChange(request.body);
    const group = this.findGroup(id);
    for (const skuId of [...change.remove, ...change.add.map((license) => license.skuId)]) {
      if (!state.subscribedSkus.some((sku) => sku.skuId === skuId)) throw badRequest(`License ${skuId} does not correspond to a valid company License.`);
    }
    // licensing-group-advanced: "only … security groups, and Microsoft 365 groups that have securityEnabled=TRUE" (our message).
    if (!licensable(group) && change.add.length > 0) throw badRequest('Licenses can be assigned only to security-enabled groups.');
    const removed = new Set([...change.remove, ...change.add.map((license) => license.skuId)]);
    group.assignedLicenses = [
      ...group.assignedLicenses.filter((license) => !removed.has(license.skuId)),
      ...change.add.map((license) => ({ skuId: license.skuId, disabledPlans: license.disabledPlans })),
    ];
    enqueueLicensing(state, group.id, null, now);
    this.ctx.save();
    return json(202, { '@odata.context': this.ctx.context('groups/$entity'), ...groupView(group, undefined, this.ctx.licenseProcessingState(group, now)) }, {
      location: `${this.ctx.baseUrl}/v2/${state.tenantId}/directoryObjects/${group.id}/Microsoft.DirectoryServices.Group`,
    });
  }

  // ------------------------------------------------------------ members

  private resolveMembers(method: string, groupId: string, tail: string[], request: GraphRequest): GraphOperation {
    // GET /groups/{id}/members and …/members/microsoft.graph.user (direct members; the cast keeps users only).
    if (method === 'GET' && (tail.length === 0 || (tail.length === 1 && tail[0] === 'microsoft.graph.user'))) {
      return this.ctx.operation('listGroupMembers', GROUP_READ, 3, false, (now) => this.listMembers(groupId, tail.length === 1, request, now));
    }
    if (tail.length === 1 && tail[0] === '$ref') {
      if (method !== 'POST') throw methodNotAllowed();
      return this.ctx.operation('addGroupMember', GROUP_MEMBER_WRITE, 1, true, (now) => this.addMember(groupId, request, now));
    }
    if (tail.length === 2 && tail[1] === '$ref' && tail[0]) {
      if (method !== 'DELETE') throw methodNotAllowed();
      const memberId = tail[0];
      return this.ctx.operation('removeGroupMember', GROUP_MEMBER_WRITE, 1, true, (now) => this.removeMember(groupId, memberId, request, now));
    }
    throw methodNotAllowed();
  }

  private listMembers(groupId: string, usersOnly: boolean, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$select', '$top', '$skiptoken']);
    const state = this.ctx.state();
    const group = this.findGroup(groupId);
    const select = parseSelect(request.query, new Set([...USER_PROPERTY_NAMES, ...GROUP_PROPERTY_NAMES]), usersOnly ? 'microsoft.graph.user' : 'microsoft.graph.directoryObject');
    const ids = new Set(membersOf(group, state));
    const users = state.users.filter((user) => ids.has(user.id) && user.deletedDateTime === null);
    const groups = usersOnly ? [] : state.groups.filter((candidate) => ids.has(candidate.id));
    const userKeys = (select ?? DEFAULT_USER_PROPERTIES).filter((key) => USER_PROPERTY_NAMES.has(key));
    const items = [
      ...users.map((user) => ({ '@odata.type': '#microsoft.graph.user', ...this.ctx.userView(user, userKeys), id: user.id })),
      ...groups.map((member) => ({
        '@odata.type': '#microsoft.graph.group',
        ...groupView(member, select?.filter((key) => GROUP_PROPERTY_NAMES.has(key)), this.ctx.licenseProcessingState(member, now)),
        id: member.id,
      })),
    ];
    const onePage = page(items, request.query, parseTop(request.query, 100), this.ctx.baseUrl);
    const path = `groups/${group.id}/members${usersOnly ? '/microsoft.graph.user' : ''}`;
    return json(200, {
      '@odata.context': this.ctx.context(usersOnly ? 'users' : 'directoryObjects'),
      ...(onePage.nextLink ? { '@odata.nextLink': onePage.nextLink(path) } : {}),
      value: onePage.items,
    });
  }

  /**
   * POST /groups/{id}/members/$ref (group-post-members): 204; the object already a member → 400; an
   * object that does not exist → 404. Groups Graph cannot change — dynamic ones, mail-enabled security
   * and distribution groups — and a role-assignable group without RoleManagement.ReadWrite.Directory
   * are refused with 403 Authorization_RequestDenied, as Microsoft's troubleshooting article describes
   * (https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/users-groups-entra-apis/authorization-requestdenied-403-error-add-user-group).
   */
  private addMember(groupId: string, request: GraphRequest, now: Date): ApiResponse {
    const state = this.ctx.state();
    const group = this.findGroup(groupId);
    const memberId = referencedObjectId(request.body);
    const user = state.users.find((candidate) => candidate.id === memberId && candidate.deletedDateTime === null);
    const nested = state.groups.find((candidate) => candidate.id === memberId);
    if (!user && !nested) throw notFound(memberId);
    this.checkMembershipIsManageable(group, request);
    // groups-allowed-member-types: a Microsoft 365 group holds users only; no group holds a Microsoft 365 group.
    if (nested && (isMicrosoft365(group) || isMicrosoft365(nested))) {
      throw badRequest(`A ${isMicrosoft365(nested) ? 'Microsoft 365 group' : 'group'} cannot be a member of ${isMicrosoft365(group) ? 'a Microsoft 365 group' : 'this group'}.`);
    }
    if (nested && nested.id === group.id) throw badRequest('A group cannot be a member of itself.');
    if (group.members.includes(memberId)) {
      throw badRequest("One or more added object references already exist for the following modified properties: 'members'.");
    }
    group.members.push(memberId);
    this.ctx.membershipChanged(group, memberId, true, now);
    this.ctx.save();
    return noContent();
  }

  /**
   * DELETE /groups/{id}/members/{id}/$ref (group-delete-members): 204; an object that exists but is not
   * a member is 400 "One or more removed object references do not exist for the following modified
   * properties: 'members'." (the answer Graph clients quote when they treat it as already removed);
   * an object that does not exist is 404.
   */
  private removeMember(groupId: string, memberKey: string, request: GraphRequest, now: Date): ApiResponse {
    const state = this.ctx.state();
    const group = this.findGroup(groupId);
    const memberId = memberKey.toLowerCase();
    const exists = state.users.some((user) => user.id === memberId && user.deletedDateTime === null) || state.groups.some((candidate) => candidate.id === memberId);
    if (!exists) throw notFound(memberKey);
    this.checkMembershipIsManageable(group, request);
    if (!group.members.includes(memberId)) {
      throw badRequest("One or more removed object references do not exist for the following modified properties: 'members'.");
    }
    group.members = group.members.filter((member) => member !== memberId);
    this.ctx.membershipChanged(group, memberId, false, now);
    this.ctx.save();
    return noContent();
  }

  private checkMembershipIsManageable(group: Group, request: GraphRequest): void {
    // "Dynamic groups (groupTypes contains DynamicMembership) can't have their membership managed via Microsoft Graph."
    if (isDynamic(group)) throw insufficientPrivileges();
    // Mail-enabled security groups and distribution groups are read-only through Graph.
    if (!isMicrosoft365(group) && group.mailEnabled) throw insufficientPrivileges();
    // "To add members to a role-assignable group, the app must also be assigned the RoleManagement.ReadWrite.Directory permission."
    if (group.isAssignableToRole && !hasPermission(request.roles ?? [], ROLE_MANAGEMENT_WRITE)) throw insufficientPrivileges();
  }
}

/** The object id in a $ref body: {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"} (or …/users/{id}, …/groups/{id}). */
export function referencedObjectId(body: unknown): string {
  const reference = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  if (typeof reference !== 'string') throw badRequest("A value is required for property '@odata.id'.");
  const match = /\/(?:directoryObjects|users|groups)(?:\/|\(')([^/'()]+)(?:'\))?\/?$/i.exec(reference);
  const id = match?.[1] ? decodeURIComponent(match[1]) : '';
  if (!GUID.test(id)) throw badRequest("Invalid value specified for property '@odata.id' of resource 'DirectoryObject'.");
  return id.toLowerCase();
}

function notPlayed(what: string): GraphError {
  return new GraphError(400, 'BadRequest', `${what} is not played by this local tenant: groups come from seed.json (src/local-tenant/README.md).`);
}
