import { randomInt, randomUUID } from 'node:crypto';
import { newDirectoryUser, type DirectoryState, type DirectoryUser, type Group, type StoredTemporaryAccessPass } from './directory.js';
import { evaluateFilter, filterNeedsAdvancedQuery, parseFilter, type FilterNode, type Literal } from './odata-filter.js';
import { badRequest, conflict, GraphError, methodNotAllowed, notFound, unsupportedQuery, type ApiResponse } from './responses.js';
import { parseUserWrite, validateUser } from './user-rules.js';

/** One Graph call, transport-independent (also what a $batch part becomes). */
export interface GraphRequest {
  method: string;
  /** Path after /v1.0, still percent-encoded, e.g. "/users/alex%40contoso.com". */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

/** A resolved Graph operation: what it needs (permission, cost) and how to run it. */
export interface GraphOperation {
  name: string;
  /** Any one of these sets of application permissions suffices (all of a set are needed). */
  permissions: string[][];
  baseCost: number;
  isWrite: boolean;
  run(now: Date): ApiResponse;
}

/** What the Graph emulator needs from the tenant around it. */
export interface GraphTenant {
  readonly baseUrl: string;
  state(): DirectoryState;
  /** Persist after a write. */
  save(): void;
  replicationLagMs(): number;
}

const anyOf = (...names: string[]): string[][] => names.map((name) => [name]);
const USER_READ = anyOf('User.Read.All', 'User.ReadWrite.All', 'User.ReadBasic.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
const USER_WRITE = anyOf('User.ReadWrite.All', 'Directory.ReadWrite.All');
const DOMAIN_READ = anyOf('Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
const ORGANIZATION_READ = anyOf('Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
const GROUP_MEMBER_WRITE = anyOf('GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All');
const GROUP_READ = anyOf('GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All');
const MEMBERSHIP_READ = [
  ...['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'Group.Read.All', 'Group.ReadWrite.All'].flatMap((group) => [[group, 'User.Read.All'], [group, 'User.ReadWrite.All']]),
  ['Directory.Read.All'], ['Directory.ReadWrite.All'],
];
const TAP_WRITE = anyOf('UserAuthenticationMethod.ReadWrite.All');
const TAP_READ = anyOf('UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All');

export function hasPermission(roles: string[], alternatives: string[][]): boolean {
  return alternatives.some((set) => set.every((permission) => roles.includes(permission)));
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_USER_PROPERTIES = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
const SOFT_DELETE_RETENTION_MS = 30 * 24 * 3600 * 1000;
const JSON_CONTENT = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Microsoft Graph v1.0 over the emulated directory. */
export class GraphApi {
  constructor(private readonly tenant: GraphTenant) {}

  /** Maps a request to its operation; throws GraphError for unknown paths and methods. */
  resolve(request: GraphRequest): GraphOperation {
    const segments = splitPath(request.path);
    const method = request.method.toUpperCase();
    const [root, ...rest] = segments;
    if (root === undefined) throw new GraphError(400, 'BadRequest', 'Invalid request. The request URI has no resource segment.');
    switch (root) {
      case 'users':
        return this.resolveUsers(method, rest, request);
      case 'domains':
        return this.resolveDomains(method, rest, request);
      case 'organization':
        return this.resolveOrganization(method, rest);
      case 'directory':
        return this.resolveDirectory(method, rest, request);
      case 'groups':
        return this.resolveGroups(method, rest, request);
      default:
        throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${root}'.`);
    }
  }

  private get state(): DirectoryState {
    return this.tenant.state();
  }

  private context(fragment: string): string {
    return `${this.tenant.baseUrl}/v1.0/$metadata#${fragment}`;
  }

  // ---------------------------------------------------------------- users

  private resolveUsers(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [key, sub, ...tail] = rest;
    if (key === undefined) {
      if (method === 'GET') return this.operation('listUsers', USER_READ, 2, false, (now) => this.listUsers(request, now));
      if (method === 'POST') return this.operation('createUser', USER_WRITE, 1, true, (now) => this.createUser(request, now));
      throw methodNotAllowed();
    }
    if (sub === undefined) {
      if (method === 'GET') return this.operation('getUser', USER_READ, 1, false, (now) => this.getUser(key, request, now));
      if (method === 'PATCH') return this.operation('updateUser', USER_WRITE, 1, true, (now) => this.updateUser(key, request, now));
      if (method === 'DELETE') return this.operation('deleteUser', USER_WRITE, 1, true, (now) => this.deleteUser(key, now));
      throw methodNotAllowed();
    }
    switch (sub) {
      case 'manager': {
        const ref = tail[0];
        if (tail.length > 1 || (ref !== undefined && ref !== '$ref')) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
        if (method === 'GET') return this.operation('getManager', USER_READ, 1, false, (now) => this.getManager(key, ref === '$ref', request, now));
        if (ref === '$ref' && method === 'PUT') return this.operation('setManager', USER_WRITE, 1, true, (now) => this.setManager(key, request, now));
        if (ref === '$ref' && method === 'DELETE') return this.operation('removeManager', USER_WRITE, 1, true, (now) => this.removeManager(key, now));
        throw methodNotAllowed();
      }
      case 'checkMemberGroups':
        if (tail.length > 0) break;
        if (method !== 'POST') throw methodNotAllowed();
        return this.operation('checkMemberGroups', MEMBERSHIP_READ, 4, false, (now) => this.checkMemberGroups(key, request, now));
      case 'transitiveMemberOf':
      case 'memberOf':
        if (tail.length > 0) break;
        if (method !== 'GET') throw methodNotAllowed();
        return this.operation(sub, MEMBERSHIP_READ, 2, false, (now) => this.memberOf(key, sub === 'transitiveMemberOf', request, now));
      case 'authentication': {
        const [collection, methodId, ...more] = tail;
        if (collection !== 'temporaryAccessPassMethods' || more.length > 0) break;
        if (methodId === undefined) {
          if (method === 'POST') return this.operation('createTemporaryAccessPass', TAP_WRITE, 1, true, (now) => this.createTemporaryAccessPass(key, request, now));
          if (method === 'GET') return this.operation('listTemporaryAccessPasses', TAP_READ, 1, false, (now) => this.listTemporaryAccessPasses(key, now));
          throw methodNotAllowed();
        }
        if (method === 'GET') return this.operation('getTemporaryAccessPass', TAP_READ, 1, false, (now) => this.getTemporaryAccessPass(key, methodId, now));
        if (method === 'DELETE') return this.operation('deleteTemporaryAccessPass', TAP_WRITE, 1, true, (now) => this.deleteTemporaryAccessPass(key, methodId, now));
        throw methodNotAllowed();
      }
      default:
        break;
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${[sub, ...tail].join('/')}'.`);
  }

  private operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation {
    return {
      name,
      permissions,
      baseCost,
      isWrite,
      run: (now) => {
        this.purgeExpiredDeletions(now);
        return run(now);
      },
    };
  }

  private listUsers(request: GraphRequest, now: Date): ApiResponse {
    const { query } = request;
    rejectUnknownQueryOptions(query, ['$filter', '$select', '$top', '$count', '$skiptoken', '$orderby', '$expand']);
    const select = parseSelect(query);
    const expandManager = parseExpand(query);
    const top = parseTop(query, 100);
    const eventual = (request.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
    const count = query.get('$count');
    if (count !== null && count !== 'true' && count !== 'false') throw new GraphError(400, 'BadRequest', `Invalid value '${count}' for $count query option found. Valid values are 'true' and 'false'.`);
    const wantsCount = count === 'true';
    if (wantsCount && !eventual) throw new GraphError(400, 'Request_BadRequest', '$count is not currently supported. Send the ConsistencyLevel: eventual header to use $count.');

    let filter: FilterNode | undefined;
    const filterText = query.get('$filter');
    if (filterText !== null) {
      filter = parseFilter(filterText);
      if (filterNeedsAdvancedQuery(filter) && !(eventual && wantsCount)) {
        throw unsupportedQuery("Unsupported Query. This filter needs an advanced query: send the 'ConsistencyLevel: eventual' header and $count=true. Refer to https://aka.ms/graph-docs/advanced-queries for more information.");
      }
    }
    let users = this.visibleUsers(now);
    if (filter) {
      const node = filter;
      users = users.filter((user) => evaluateFilter(node, (property) => filterValue(user, property)));
    }
    const orderBy = query.get('$orderby');
    if (orderBy !== null) {
      const match = /^\s*(displayName|userPrincipalName)(?:\s+(asc|desc))?\s*$/.exec(orderBy);
      if (!match) throw unsupportedQuery(`Unsupported or invalid query: $orderby=${orderBy}.`);
      if (filter && !(eventual && wantsCount)) throw unsupportedQuery('Unsupported Query. Sorting with $filter needs an advanced query (ConsistencyLevel: eventual and $count=true).');
      const property = match[1] as 'displayName' | 'userPrincipalName';
      const direction = match[2] === 'desc' ? -1 : 1;
      users = [...users].sort((a, b) => direction * a[property].toLowerCase().localeCompare(b[property].toLowerCase()));
    }
    const page = this.page(users, query, top);
    const body: Record<string, unknown> = { '@odata.context': this.context(select ? `users(${select.join(',')})` : 'users') };
    if (wantsCount) body['@odata.count'] = users.length;
    if (page.nextLink) body['@odata.nextLink'] = page.nextLink('users');
    body['value'] = page.items.map((user) => this.userView(user, select, expandManager));
    return json(200, body);
  }

  private page<T>(items: T[], query: URLSearchParams, top: number): { items: T[]; nextLink?: (path: string) => string } {
    let offset = 0;
    const token = query.get('$skiptoken');
    if (token !== null) {
      const parsed = /^RFNwdAI([A-Za-z0-9_-]+)$/.exec(token);
      const decoded = parsed?.[1] ? Number(Buffer.from(parsed[1], 'base64url').toString('utf8')) : NaN;
      if (!Number.isInteger(decoded) || decoded < 0) {
        throw new GraphError(400, 'Directory_ExpiredPageToken', 'The specified page token value has expired and can no longer be included in your request.');
      }
      offset = decoded;
    }
    const slice = items.slice(offset, offset + top);
    if (offset + top >= items.length) return { items: slice };
    return {
      items: slice,
      nextLink: (path) => {
        const next = new URLSearchParams(query);
        next.set('$skiptoken', `RFNwdAI${Buffer.from(String(offset + top)).toString('base64url')}`);
        return `${this.tenant.baseUrl}/v1.0/${path}?${next.toString().replace(/%24/g, '$')}`;
      },
    };
  }

  private getUser(key: string, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$select', '$expand']);
    const select = parseSelect(request.query);
    const expandManager = parseExpand(request.query);
    const user = this.findUser(key, now, true);
    return json(200, { '@odata.context': this.context(select ? `users(${select.join(',')})/$entity` : 'users/$entity'), ...this.userView(user, select, expandManager) });
  }

  private createUser(request: GraphRequest, now: Date): ApiResponse {
    if (request.body === undefined) throw badRequest('Empty Payload. JSON content expected.');
    const write = parseUserWrite(request.body);
    validateUser(write, this.state);
    const props = write.properties;
    const upn = props.userPrincipalName as string;
    const mailNickname = props.mailNickname as string;
    const mail = typeof props.mail === 'string' ? props.mail : null;
    this.checkConflicts(upn, mailNickname, mail, undefined, now);
    const user = newDirectoryUser({
      ...props,
      id: randomUUID(),
      userPrincipalName: upn,
      displayName: props.displayName as string,
      mailNickname,
      proxyAddresses: mail ? [`SMTP:${mail}`] : [],
      forceChangePasswordNextSignIn: write.forceChangePasswordNextSignIn ?? true,
      onPremisesExtensionAttributes: { ...newDirectoryUser({ id: '', userPrincipalName: '', displayName: '', mailNickname: '' }, now).onPremisesExtensionAttributes, ...(props.onPremisesExtensionAttributes ?? {}) },
    }, now);
    this.state.users.push(user);
    this.tenant.save();
    return {
      status: 201,
      headers: { 'content-type': JSON_CONTENT, location: `${this.tenant.baseUrl}/v1.0/users/${user.id}` },
      body: { '@odata.context': this.context('users/$entity'), ...this.userView(user) },
    };
  }

  private updateUser(key: string, request: GraphRequest, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    if (request.body === undefined) throw badRequest('Empty Payload. JSON content expected.');
    const write = parseUserWrite(request.body);
    validateUser(write, this.state, user);
    const { onPremisesExtensionAttributes, ...props } = write.properties;
    const upn = props.userPrincipalName ?? user.userPrincipalName;
    const mailNickname = props.mailNickname ?? user.mailNickname;
    const mail = props.mail !== undefined ? props.mail : null;
    this.checkConflicts(
      upn.toLowerCase() === user.userPrincipalName.toLowerCase() ? null : upn,
      mailNickname.toLowerCase() === user.mailNickname.toLowerCase() ? null : mailNickname,
      mail,
      user.id,
      now,
    );
    Object.assign(user, props);
    if (onPremisesExtensionAttributes) user.onPremisesExtensionAttributes = { ...user.onPremisesExtensionAttributes, ...onPremisesExtensionAttributes };
    if (props.mail !== undefined) {
      const others = user.proxyAddresses.filter((address) => !address.startsWith('SMTP:'));
      user.proxyAddresses = props.mail ? [`SMTP:${props.mail}`, ...others] : others;
    }
    if (write.forceChangePasswordNextSignIn !== undefined) user.forceChangePasswordNextSignIn = write.forceChangePasswordNextSignIn;
    if (write.password !== undefined) user.lastPasswordChangeDateTime = now.toISOString();
    this.tenant.save();
    return noContent();
  }

  private deleteUser(key: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    user.deletedDateTime = now.toISOString();
    this.tenant.save();
    return noContent();
  }

  private checkConflicts(upn: string | null, mailNickname: string | null, mail: string | null, self: string | undefined, now: Date): void {
    const active = this.activeUsers(now).filter((user) => user.id !== self);
    const proxies = (user: DirectoryUser): string[] => user.proxyAddresses.map((address) => address.replace(/^smtp:/i, '').toLowerCase());
    if (upn !== null) {
      const lower = upn.toLowerCase();
      if (active.some((user) => user.userPrincipalName.toLowerCase() === lower)) throw conflict('userPrincipalName');
      if (active.some((user) => proxies(user).includes(lower))) throw conflict('proxyAddresses');
    }
    if (mail !== null) {
      const lower = mail.toLowerCase();
      if (active.some((user) => proxies(user).includes(lower) || user.userPrincipalName.toLowerCase() === lower)) throw conflict('proxyAddresses');
    }
    if (mailNickname !== null && active.some((user) => user.mailNickname.toLowerCase() === mailNickname.toLowerCase())) throw conflict('mailNickname');
  }

  // ------------------------------------------------------------- manager

  private getManager(key: string, asReference: boolean, request: GraphRequest, now: Date): ApiResponse {
    const user = this.findUser(key, now, true);
    const manager = user.managerId ? this.activeUsers(now).find((candidate) => candidate.id === user.managerId) : undefined;
    if (!manager) throw notFound('manager');
    if (asReference) {
      return json(200, { '@odata.context': this.context('directoryObjects/$entity'), '@odata.id': `${this.tenant.baseUrl}/v2/${this.state.tenantId}/directoryObjects/${manager.id}/Microsoft.DirectoryServices.User` });
    }
    const select = parseSelect(request.query);
    return json(200, { '@odata.context': this.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...this.userView(manager, select) });
  }

  private setManager(key: string, request: GraphRequest, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    const body = request.body as Record<string, unknown> | undefined;
    const reference = body && typeof body === 'object' ? body['@odata.id'] : undefined;
    if (typeof reference !== 'string') throw badRequest("A value is required for property '@odata.id'.");
    const match = /\/(?:users|directoryObjects)(?:\/|\(')([^/'()]+)(?:'\))?\/?$/i.exec(reference);
    if (!match?.[1]) throw badRequest(`Invalid object identifier '${reference}'.`);
    const manager = this.findUser(decodeURIComponent(match[1]), now, false);
    if (manager.id === user.id) throw badRequest('A user cannot be their own manager.');
    user.managerId = manager.id;
    this.tenant.save();
    return noContent();
  }

  private removeManager(key: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    if (!user.managerId) throw notFound('manager');
    user.managerId = null;
    this.tenant.save();
    return noContent();
  }

  // ---------------------------------------------------------- membership

  private checkMemberGroups(key: string, request: GraphRequest, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
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
    return json(200, { '@odata.context': this.context('Collection(Edm.String)'), value });
  }

  private memberOf(key: string, transitive: boolean, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$top', '$skiptoken', '$select', '$count']);
    const user = this.findUser(key, now, true);
    const groups = this.groupsOf(user.id, transitive);
    const page = this.page(groups, request.query, parseTop(request.query, 100));
    const path = `users/${user.id}/${transitive ? 'transitiveMemberOf' : 'memberOf'}`;
    return json(200, {
      '@odata.context': this.context('directoryObjects'),
      ...(page.nextLink ? { '@odata.nextLink': page.nextLink(path) } : {}),
      value: page.items.map((group) => groupView(group)),
    });
  }

  /** Groups containing the object directly or (transitive) through nested groups. */
  private groupsOf(objectId: string, transitive: boolean): Group[] {
    const result = new Map<string, Group>();
    const pending = [objectId];
    while (pending.length > 0) {
      const current = pending.pop() as string;
      for (const group of this.state.groups) {
        if (group.members.includes(current) && !result.has(group.id)) {
          result.set(group.id, group);
          if (transitive) pending.push(group.id);
        }
      }
    }
    return [...result.values()];
  }

  // -------------------------------------------------------------- groups

  private resolveGroups(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, ...tail] = rest;
    // Membership changes, as an admin makes them in Entra: POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{member}/$ref.
    if (id !== undefined && tail[0] === 'members') return this.changeGroupMembers(method, id, tail.slice(1), request);
    if (id === undefined || tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/') || 'groups'}'. This local tenant serves GET /groups/{id} and members/$ref only.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.operation('getGroup', GROUP_READ, 1, false, () => {
      rejectUnknownQueryOptions(request.query, ['$select']);
      const group = this.state.groups.find((candidate) => candidate.id === id.toLowerCase());
      if (!group) throw notFound(id);
      return json(200, { '@odata.context': this.context('groups/$entity'), ...groupView(group) });
    });
  }

  private changeGroupMembers(method: string, groupId: string, tail: string[], request: GraphRequest): GraphOperation {
    const findGroup = () => {
      const group = this.state.groups.find((candidate) => candidate.id === groupId.toLowerCase());
      if (!group) throw notFound(groupId);
      return group;
    };
    if (method === 'POST' && tail.length === 1 && tail[0] === '$ref') {
      return this.operation('addGroupMember', GROUP_MEMBER_WRITE, 1, true, () => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const reference = typeof body['@odata.id'] === 'string' ? body['@odata.id'] : '';
        const memberId = /\/directoryObjects\/([0-9a-fA-F-]{36})$|\/users\/([0-9a-fA-F-]{36})$/.exec(reference);
        const id = (memberId?.[1] ?? memberId?.[2] ?? '').toLowerCase();
        if (!id) throw new GraphError(400, 'Request_BadRequest', "Invalid value specified for property '@odata.id' of resource 'DirectoryObject'.");
        if (!this.state.users.some((user) => user.id === id) && !this.state.groups.some((group) => group.id === id)) throw notFound(id);
        const group = findGroup();
        if (group.members.includes(id)) {
          throw new GraphError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'members'.");
        }
        group.members.push(id);
        return noContent();
      });
    }
    if (method === 'DELETE' && tail.length === 2 && tail[1] === '$ref' && tail[0]) {
      const memberId = tail[0].toLowerCase();
      return this.operation('removeGroupMember', GROUP_MEMBER_WRITE, 1, true, () => {
        const group = findGroup();
        if (!group.members.includes(memberId)) throw notFound(memberId);
        group.members = group.members.filter((member) => member !== memberId);
        return noContent();
      });
    }
    throw methodNotAllowed();
  }

  // ------------------------------------------------- temporary access pass

  private createTemporaryAccessPass(key: string, request: GraphRequest, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    const policy = this.state.temporaryAccessPassPolicy;
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new GraphError(400, 'badRequest', 'Invalid request body.');
    for (const name of Object.keys(body)) {
      if (!['lifetimeInMinutes', 'isUsableOnce', 'startDateTime', '@odata.type'].includes(name)) {
        throw new GraphError(400, 'badRequest', `Property '${name}' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethod'.`);
      }
    }
    if (policy.state !== 'enabled') {
      throw new GraphError(400, 'badRequest', 'Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass].');
    }
    const lifetime = body['lifetimeInMinutes'] ?? policy.defaultLifetimeInMinutes;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 10 || lifetime > 43200) {
      throw new GraphError(400, 'badRequest', 'The value of lifetimeInMinutes must be an integer between 10 and 43200.');
    }
    if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
      throw new GraphError(400, 'badRequest', `The lifetimeInMinutes ${lifetime} is outside the range the Temporary Access Pass policy allows (${policy.minimumLifetimeInMinutes}–${policy.maximumLifetimeInMinutes}).`);
    }
    const isUsableOnce = body['isUsableOnce'] ?? policy.isUsableOnce;
    if (typeof isUsableOnce !== 'boolean') throw new GraphError(400, 'badRequest', "Cannot convert the value of 'isUsableOnce' to Edm.Boolean.");
    if (policy.isUsableOnce && !isUsableOnce) {
      throw new GraphError(400, 'badRequest', 'The Temporary Access Pass policy only allows one-time passes (isUsableOnce must be true).');
    }
    let start = now;
    if (body['startDateTime'] !== undefined) {
      if (typeof body['startDateTime'] !== 'string' || Number.isNaN(Date.parse(body['startDateTime']))) {
        throw new GraphError(400, 'badRequest', "Cannot convert the value of 'startDateTime' to Edm.DateTimeOffset.");
      }
      start = new Date(body['startDateTime']);
    }
    const pass: StoredTemporaryAccessPass = {
      id: randomUUID(),
      createdDateTime: now.toISOString(),
      startDateTime: start.toISOString(),
      lifetimeInMinutes: lifetime,
      isUsableOnce,
    };
    // One usable pass per user: the new one replaces the old.
    user.temporaryAccessPasses = [pass];
    this.tenant.save();
    return {
      status: 201,
      headers: { 'content-type': JSON_CONTENT, location: `${this.tenant.baseUrl}/v1.0/users/${user.id}/authentication/temporaryAccessPassMethods/${pass.id}` },
      body: {
        '@odata.context': this.context(`users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`),
        ...temporaryAccessPassView(pass, now, newTemporaryAccessPassValue(policy.defaultLength)),
      },
    };
  }

  private listTemporaryAccessPasses(key: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    return json(200, {
      '@odata.context': this.context(`users('${user.id}')/authentication/temporaryAccessPassMethods`),
      value: user.temporaryAccessPasses.map((pass) => temporaryAccessPassView(pass, now, null)),
    });
  }

  private getTemporaryAccessPass(key: string, id: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    const pass = user.temporaryAccessPasses.find((candidate) => candidate.id === id);
    if (!pass) throw notFound(id);
    return json(200, { '@odata.context': this.context(`users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`), ...temporaryAccessPassView(pass, now, null) });
  }

  private deleteTemporaryAccessPass(key: string, id: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    if (!user.temporaryAccessPasses.some((candidate) => candidate.id === id)) throw notFound(id);
    user.temporaryAccessPasses = user.temporaryAccessPasses.filter((candidate) => candidate.id !== id);
    this.tenant.save();
    return noContent();
  }

  // ------------------------------------------------ domains, organization

  private resolveDomains(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [id, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.operation(id ? 'getDomain' : 'listDomains', DOMAIN_READ, 1, false, () => {
      rejectUnknownQueryOptions(request.query, ['$select']);
      if (id !== undefined) {
        const domain = this.state.domains.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
        if (!domain) throw notFound(id);
        return json(200, { '@odata.context': this.context('domains/$entity'), ...domainView(domain) });
      }
      return json(200, { '@odata.context': this.context('domains'), value: this.state.domains.map(domainView) });
    });
  }

  private resolveOrganization(method: string, rest: string[]): GraphOperation {
    const [id, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    return this.operation('getOrganization', ORGANIZATION_READ, 1, false, () => {
      const organization = this.organizationView();
      if (id !== undefined) {
        if (id.toLowerCase() !== this.state.tenantId) throw notFound(id);
        return json(200, { '@odata.context': this.context('organization/$entity'), ...organization });
      }
      return json(200, { '@odata.context': this.context('organization'), value: [organization] });
    });
  }

  private organizationView(): Record<string, unknown> {
    const { organization, domains } = this.state;
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

  // ------------------------------------------------- deleted items

  private resolveDirectory(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [collection, id, action, ...tail] = rest;
    if (collection !== 'deletedItems' || tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
    if (id === undefined) throw methodNotAllowed();
    if (id === 'microsoft.graph.user' && action === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.operation('listDeletedUsers', USER_READ, 2, false, () => {
        const deleted = this.state.users.filter((user) => user.deletedDateTime !== null);
        const page = this.page(deleted, request.query, parseTop(request.query, 100));
        return json(200, {
          '@odata.context': this.context('directoryObjects/microsoft.graph.user'),
          ...(page.nextLink ? { '@odata.nextLink': page.nextLink('directory/deletedItems/microsoft.graph.user') } : {}),
          value: page.items.map((user) => this.userView(user, parseSelect(request.query))),
        });
      });
    }
    if (action === 'restore') {
      if (method !== 'POST') throw methodNotAllowed();
      return this.operation('restoreDeletedItem', USER_WRITE, 1, true, (now) => {
        const user = this.findDeleted(id);
        this.checkConflicts(user.userPrincipalName, user.mailNickname, null, user.id, now);
        user.deletedDateTime = null;
        this.tenant.save();
        return json(200, { '@odata.context': this.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...this.userView(user) });
      });
    }
    if (action !== undefined) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${action}'.`);
    if (method === 'GET') {
      return this.operation('getDeletedItem', USER_READ, 1, false, () => {
        const user = this.findDeleted(id);
        return json(200, { '@odata.context': this.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...this.userView(user, parseSelect(request.query)), deletedDateTime: user.deletedDateTime });
      });
    }
    if (method === 'DELETE') {
      return this.operation('purgeDeletedItem', USER_WRITE, 1, true, () => {
        const user = this.findDeleted(id);
        this.state.users = this.state.users.filter((candidate) => candidate !== user);
        this.tenant.save();
        return noContent();
      });
    }
    throw methodNotAllowed();
  }

  private findDeleted(id: string): DirectoryUser {
    const user = this.state.users.find((candidate) => candidate.id === id.toLowerCase() && candidate.deletedDateTime !== null);
    if (!user) throw notFound(id);
    return user;
  }

  private purgeExpiredDeletions(now: Date): void {
    const before = this.state.users.length;
    this.state.users = this.state.users.filter((user) => user.deletedDateTime === null || now.getTime() - Date.parse(user.deletedDateTime) < SOFT_DELETE_RETENTION_MS);
    if (this.state.users.length !== before) this.tenant.save();
  }

  // --------------------------------------------------------------- helpers

  private activeUsers(_now: Date): DirectoryUser[] {
    return this.state.users.filter((user) => user.deletedDateTime === null);
  }

  /** Active users a read can see: replication lag hides the newest ones for a while. */
  private visibleUsers(now: Date): DirectoryUser[] {
    const lag = this.tenant.replicationLagMs();
    return this.activeUsers(now).filter((user) => lag === 0 || now.getTime() - Date.parse(user.createdDateTime) >= lag);
  }

  private findUser(key: string, now: Date, isRead: boolean): DirectoryUser {
    const users = isRead ? this.visibleUsers(now) : this.activeUsers(now);
    const lower = key.toLowerCase();
    const user = GUID.test(key)
      ? users.find((candidate) => candidate.id === lower)
      : key.includes('@') ? users.find((candidate) => candidate.userPrincipalName.toLowerCase() === lower) : undefined;
    if (!user) throw notFound(key);
    return user;
  }

  private userView(user: DirectoryUser, select?: string[], expandManager = false): Record<string, unknown> {
    const full = fullUser(user, this.state);
    const view: Record<string, unknown> = {};
    for (const name of select ?? DEFAULT_USER_PROPERTIES) view[name] = full[name];
    if (expandManager) {
      const manager = user.managerId ? this.state.users.find((candidate) => candidate.id === user.managerId && candidate.deletedDateTime === null) : undefined;
      if (manager) view['manager'] = { '@odata.type': '#microsoft.graph.user', ...this.userView(manager) };
    }
    return view;
  }
}

const USER_PROPERTY_NAMES = new Set(Object.keys(fullUser(newDirectoryUser({ id: '', userPrincipalName: 'a@b', displayName: '', mailNickname: '' }, new Date()), {
  domains: [], organization: { displayName: '' },
} as unknown as DirectoryState)));

function fullUser(user: DirectoryUser, state: DirectoryState): Record<string, unknown> {
  const initial = state.domains.find((domain) => domain.isInitial)?.id ?? '';
  return {
    id: user.id,
    businessPhones: user.businessPhones,
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: user.mobilePhone,
    officeLocation: user.officeLocation,
    preferredLanguage: user.preferredLanguage,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    ageGroup: null,
    assignedLicenses: [],
    assignedPlans: [],
    city: user.city,
    companyName: user.companyName,
    country: user.country,
    createdDateTime: `${user.createdDateTime.slice(0, 19)}Z`,
    creationType: null,
    deletedDateTime: user.deletedDateTime,
    department: user.department,
    employeeHireDate: user.employeeHireDate,
    employeeId: user.employeeId,
    employeeType: user.employeeType,
    externalUserState: null,
    identities: [{ signInType: 'userPrincipalName', issuer: initial, issuerAssignedId: user.userPrincipalName }],
    lastPasswordChangeDateTime: `${user.lastPasswordChangeDateTime.slice(0, 19)}Z`,
    mailNickname: user.mailNickname,
    onPremisesExtensionAttributes: { ...user.onPremisesExtensionAttributes },
    onPremisesImmutableId: user.onPremisesImmutableId,
    onPremisesSyncEnabled: null,
    otherMails: user.otherMails,
    passwordPolicies: user.passwordPolicies,
    passwordProfile: null,
    proxyAddresses: user.proxyAddresses,
    usageLocation: user.usageLocation,
    userType: 'Member',
  };
}

function filterValue(user: DirectoryUser, property: string): Literal | Literal[] | undefined {
  if (property.startsWith('onPremisesExtensionAttributes/')) return user.onPremisesExtensionAttributes[property.slice('onPremisesExtensionAttributes/'.length)] ?? null;
  const value = (user as unknown as Record<string, unknown>)[property];
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}

function groupView(group: Group): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    deletedDateTime: null,
    description: group.description ?? null,
    displayName: group.displayName,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    mailNickname: group.mailNickname,
    securityEnabled: true,
    visibility: null,
  };
}

function domainView(domain: DirectoryState['domains'][number]): Record<string, unknown> {
  return {
    authenticationType: domain.authenticationType,
    availabilityStatus: null,
    id: domain.id,
    isAdminManaged: true,
    isDefault: domain.isDefault,
    isInitial: domain.isInitial,
    isRoot: true,
    isVerified: domain.isVerified,
    passwordNotificationWindowInDays: 14,
    passwordValidityPeriodInDays: 2147483647,
    supportedServices: domain.isVerified ? ['Email', 'OfficeCommunicationsOnline'] : [],
    state: null,
  };
}

function temporaryAccessPassView(pass: StoredTemporaryAccessPass, now: Date, value: string | null): Record<string, unknown> {
  const start = Date.parse(pass.startDateTime);
  const end = start + pass.lifetimeInMinutes * 60_000;
  const reason = now.getTime() < start ? 'NotYetValid' : now.getTime() >= end ? 'Expired' : 'EnabledByPolicy';
  return {
    '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
    id: pass.id,
    temporaryAccessPass: value,
    createdDateTime: pass.createdDateTime,
    startDateTime: pass.startDateTime,
    lifetimeInMinutes: pass.lifetimeInMinutes,
    isUsableOnce: pass.isUsableOnce,
    isUsable: reason === 'EnabledByPolicy',
    methodUsabilityReason: reason,
  };
}

function newTemporaryAccessPassValue(length: number): string {
  // Entra's passes mix letters, digits and a few symbols; no look-alikes.
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%&+=?@';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function splitPath(path: string): string[] {
  const raw = path.split('/').filter((segment) => segment !== '');
  let segments: string[];
  try {
    segments = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new GraphError(400, 'BadRequest', 'The request URI is not valid: it contains an invalid percent-encoding.');
  }
  // users('$alias@contoso.com') addresses a key that would otherwise look like a system segment.
  const first = segments[0];
  const keyed = first !== undefined ? /^(users|groups|domains)\('((?:[^']|'')*)'\)$/.exec(first) : null;
  if (keyed?.[1] && keyed[2] !== undefined) {
    segments.splice(0, 1, keyed[1], keyed[2].replace(/''/g, "'"));
  } else if (segments[1]?.startsWith('$')) {
    // OData reads /users/$x as a system segment, not a key.
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segments[1]}'. A key that starts with '$' must be addressed as /${first}('${segments[1]}').`);
  }
  return segments;
}

function parseSelect(query: URLSearchParams): string[] | undefined {
  const select = query.get('$select');
  if (select === null) return undefined;
  const names = select.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new GraphError(400, 'BadRequest', "The query specified in the URI is not valid. The $select query option can't be empty.");
  for (const name of names) {
    if (!USER_PROPERTY_NAMES.has(name)) throw new GraphError(400, 'BadRequest', `Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
  }
  return names;
}

function parseExpand(query: URLSearchParams): boolean {
  const expand = query.get('$expand');
  if (expand === null) return false;
  if (expand.trim() !== 'manager') throw new GraphError(400, 'BadRequest', `Could not find a property named '${expand}' on type 'microsoft.graph.user' that can be expanded by this local tenant (only 'manager').`);
  return true;
}

function parseTop(query: URLSearchParams, fallback: number): number {
  const value = query.get('$top');
  if (value === null) return fallback;
  const top = Number(value);
  if (!Number.isInteger(top) || top < 1 || top > 999) throw new GraphError(400, 'Request_BadRequest', `Invalid page size specified: '${value}'. Must be between 1 and 999 inclusive.`);
  return top;
}

function rejectUnknownQueryOptions(query: URLSearchParams, allowed: string[]): void {
  for (const name of query.keys()) {
    if (!name.startsWith('$')) continue;
    if (name === '$search') throw unsupportedQuery('Unsupported Query. $search is not implemented by this local tenant; use $filter.');
    if (!allowed.includes(name)) throw new GraphError(400, 'BadRequest', `Query option '${name}' is not allowed on this resource.`);
  }
}

function json(status: number, body: unknown): ApiResponse {
  return { status, headers: { 'content-type': JSON_CONTENT }, body };
}

function noContent(): ApiResponse {
  return { status: 204, headers: {} };
}
