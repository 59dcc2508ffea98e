import { randomUUID } from 'node:crypto';
import { newDirectoryUser, type DirectoryState, type DirectoryUser, type Group } from '../directory.js';
import { AuthenticationMethodsApi } from './graph-authentication-methods.js';
import { DeletedItemsApi } from './graph-deleted-items.js';
import { DirectoryObjectsApi } from './graph-directory-objects.js';
import { GroupsApi } from './graph-groups.js';
import { GuestsApi } from './graph-guests.js';
import { LicensingApi } from './graph-licensing.js';
import { licenseProcessingStateOf, membershipChangedForLicensing, processDueLicensing, userChangedForLicensing } from './group-licensing.js';
import { accessDenied, sendMail } from '../exchange/graph-mail.js';
import { TeamworkApi } from '../teams/graph-teamwork.js';
import { CHANGE_OWN_PASSWORD, hasPermission, LIFECYCLE_WRITE, MAIL_SEND, MEMBERSHIP_READ, ME_READ, POLICY_READ, POLICY_WRITE, TAP_READ, TAP_WRITE, USER_READ, USER_WRITE } from './graph-permissions.js';
import { parseExpand, parseSelect, rejectUnknownQueryOptions, splitPath } from './graph-query.js';
import { countUsers, listUsers } from './graph-user-list.js';
import { DEFAULT_USER_PROPERTIES, fullUser } from './graph-views.js';
import { groupView } from './groups.js';
import { badRequest, conflict, GraphError, insufficientPrivileges, json, methodNotAllowed, noContent, notFound, type ApiResponse } from '../responses.js';
import { hashSecret, secretMatches } from '../entra/secrets.js';
import { parseUserWrite, passwordContext, passwordProblem, validateUser } from './user-rules.js';
import type { OtherService } from './throttling.js';

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
  /** The signed-in user (object id) when the token is a user's (delegated); /me resolves to it. */
  userId?: string | undefined;
  /** The caller's application permissions (an app-only token's `roles`), for checks inside an operation. */
  roles?: string[] | undefined;
}

/** A resolved Graph operation: what it needs (permission, cost) and how to run it. */
export interface GraphOperation {
  name: string;
  /** Any one of these sets of application permissions suffices (all of a set are needed). */
  permissions: string[][];
  /** The same for a user's token (its `scp`); none = app-only, a user's token gets 403. */
  delegatedPermissions?: string[][];
  baseCost: number;
  isWrite: boolean;
  /** Another service's limits instead of the identity service's (a Temporary Access Pass, a mail). */
  service?: OtherService;
  /** The error when the caller lacks the permission (default: the directory's Authorization_RequestDenied). */
  forbidden?: () => GraphError;
  run(now: Date): ApiResponse;
}

/** What each area of the Graph emulator (groups, licences, guests, …) may use of it. */
export interface GraphAreaContext {
  readonly baseUrl: string;
  state(): DirectoryState;
  /** Persist after a write. */
  save(): void;
  /** The @odata.context URL for a metadata fragment. */
  context(fragment: string): string;
  operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation;
  /** An active user by id or user name (404 otherwise); a read also hides users replication has not reached. */
  findUser(key: string, now: Date, isRead: boolean): DirectoryUser;
  /** A user as Graph shows it: the default properties or the $select-ed ones. */
  userView(user: DirectoryUser, select?: string[]): Record<string, unknown>;
}

/** What the Graph emulator needs from the tenant around it. */
export interface GraphTenant {
  readonly baseUrl: string;
  state(): DirectoryState;
  /** Persist after a write. */
  save(): void;
  replicationLagMs(): number;
}

const TAP_POLICY_PATH = 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Microsoft Graph v1.0 over the emulated directory. */
export class GraphApi {
  private readonly authenticationMethods: AuthenticationMethodsApi;
  private readonly directoryObjects: DirectoryObjectsApi;
  private readonly deletedItems: DeletedItemsApi;
  private readonly teamwork: TeamworkApi;
  private readonly groups: GroupsApi;
  private readonly licensing: LicensingApi;
  private readonly guests: GuestsApi;

  constructor(private readonly tenant: GraphTenant) {
    // What every area of Graph gets from here; each takes the part its context names.
    const area: GraphAreaContext = {
      baseUrl: tenant.baseUrl,
      state: () => tenant.state(),
      save: () => tenant.save(),
      context: (fragment) => this.context(fragment),
      operation: (name, permissions, baseCost, isWrite, run) => this.operation(name, permissions, baseCost, isWrite, run),
      findUser: (key, now, isRead) => this.findUser(key, now, isRead),
      userView: (user, select) => this.userView(user, select),
    };
    this.authenticationMethods = new AuthenticationMethodsApi(area);
    this.guests = new GuestsApi({ ...area, userChanged: (user, now) => userChangedForLicensing(this.state, user, now) });
    this.licensing = new LicensingApi(area);
    this.groups = new GroupsApi({
      ...area,
      licenseProcessingState: (group, now) => this.groupLicenseState(group, now),
      membershipChanged: (group, memberId, _added, now) => membershipChangedForLicensing(this.state, group, memberId, now),
    });
    this.directoryObjects = new DirectoryObjectsApi({ ...area, groupView: (group, select, now) => groupView(group, select, this.groupLicenseState(group, now)) });
    this.deletedItems = new DeletedItemsApi({ ...area, checkConflicts: (upn, mailNickname, self, now) => this.checkConflicts(upn, mailNickname, null, self, now) });
    this.teamwork = new TeamworkApi(area);
  }

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
        return this.directoryObjects.resolveDomains(method, rest, request);
      case 'organization':
        return this.directoryObjects.resolveOrganization(method, rest);
      case 'directory':
        return this.deletedItems.resolve(method, rest, request);
      case 'groups':
        return this.groups.resolve(method, rest, request);
      case 'me':
        return this.resolveMe(method, rest, request);
      case 'policies':
        return this.resolvePolicies(method, segments.join('/'), request);
      case 'appCatalogs':
        return this.teamwork.resolveAppCatalogs(method, rest, request);
      case 'subscribedSkus':
        return this.licensing.resolveSubscribedSkus(method, rest, request);
      case 'invitations':
        return this.guests.resolveInvitations(method, rest, request);
      default:
        throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${root}'.`);
    }
  }

  /** Group-based licensing's processing state of a group with licences (null: none assigned). */
  private groupLicenseState(group: Group, _now: Date): string | null {
    return licenseProcessingStateOf(group, this.state);
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
    if (key === '$count' && sub === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.operation('countUsers', USER_READ, 1, false, (now) => countUsers(this.listContext(), request, now));
    }
    if (key === undefined) {
      if (method === 'GET') return this.operation('listUsers', USER_READ, 2, false, (now) => listUsers(this.listContext(), request, now));
      if (method === 'POST') return this.operation('createUser', USER_WRITE, 1, true, (now) => this.createUser(request, now));
      throw methodNotAllowed();
    }
    if (sub === undefined) {
      if (method === 'GET') return this.operation('getUser', USER_READ, 1, false, (now) => this.getUser(key, request, now));
      if (method === 'PATCH') return this.updateUserOperation(key, request);
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
        return this.operation('checkMemberGroups', MEMBERSHIP_READ, 4, false, (now) => this.directoryObjects.checkMemberGroups(key, request, now));
      case 'transitiveMemberOf':
      case 'memberOf':
        if (tail.length > 0) break;
        if (method !== 'GET') throw methodNotAllowed();
        return this.operation(sub, MEMBERSHIP_READ, 2, false, (now) => this.directoryObjects.memberOf(key, sub === 'transitiveMemberOf', request, now));
      case 'sendMail':
        if (tail.length > 0) break;
        if (method !== 'POST') throw methodNotAllowed();
        return {
          ...this.operation('sendMail', MAIL_SEND, 1, false, (now) => sendMail(this.tenant, key, request.body, now)), forbidden: accessDenied,
          service: { kind: 'mailbox', mailbox: this.mailboxKey(key), sendsMessage: true },
        };
      case 'teamwork':
        return this.teamwork.resolveUserTeamwork(method, key, tail, request);
      case 'assignLicense':
        if (tail.length > 0) break;
        if (method !== 'POST') throw methodNotAllowed();
        return this.licensing.assignUserLicenseOperation(key, request);
      case 'sponsors':
        return this.guests.resolveSponsors(method, key, tail, request);
      case 'reprocessLicenseAssignment':
        if (tail.length > 0) break;
        if (method !== 'POST') throw methodNotAllowed();
        return this.licensing.reprocessOperation(key);
      case 'authentication': {
        const [collection, methodId, ...more] = tail;
        if (collection !== 'temporaryAccessPassMethods' || more.length > 0) break;
        // The authenticationMethod resource has its own budget (Identity and access reports service limits), not the directory's writes.
        const onMethods = (operation: GraphOperation): GraphOperation => ({ ...operation, service: { kind: 'authenticationMethod' } });
        if (methodId === undefined) {
          if (method === 'POST') return onMethods(this.operation('createTemporaryAccessPass', TAP_WRITE, 1, false, (now) => this.authenticationMethods.createTemporaryAccessPass(key, request.body, now)));
          if (method === 'GET') return onMethods(this.operation('listTemporaryAccessPasses', TAP_READ, 1, false, (now) => this.authenticationMethods.listTemporaryAccessPasses(key, now)));
          throw methodNotAllowed();
        }
        if (method === 'GET') return onMethods(this.operation('getTemporaryAccessPass', TAP_READ, 1, false, (now) => this.authenticationMethods.getTemporaryAccessPass(key, methodId, now)));
        if (method === 'DELETE') return onMethods(this.operation('deleteTemporaryAccessPass', TAP_WRITE, 1, false, (now) => this.authenticationMethods.deleteTemporaryAccessPass(key, methodId, now)));
        throw methodNotAllowed();
      }
      default:
        break;
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${[sub, ...tail].join('/')}'.`);
  }

  // ----------------------------------------------------- signed-in user

  /** /me for a user's token (delegated): GET /me and POST /me/changePassword (user-changepassword.md). */
  private resolveMe(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const userId = request.userId;
    const [action, ...tail] = rest;
    if (tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    const me = (): string => {
      // An app-only token has no /me (Graph answers the same).
      if (!userId) throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      return userId;
    };
    if (action === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return { ...this.operation('getMe', [], 1, false, (now) => this.getUser(me(), request, now)), delegatedPermissions: ME_READ };
    }
    if (action === 'changePassword') {
      if (method !== 'POST') throw methodNotAllowed();
      return { ...this.operation('changeOwnPassword', [], 1, true, (now) => this.changeOwnPassword(me(), request.body, now)), delegatedPermissions: CHANGE_OWN_PASSWORD };
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${action}'.`);
  }

  private changeOwnPassword(userId: string, body: unknown, now: Date): ApiResponse {
    const user = this.findUser(userId, now, false);
    const fields = (body ?? {}) as Record<string, unknown>;
    const current = fields['currentPassword'];
    const next = fields['newPassword'];
    if (typeof current !== 'string') throw badRequest("A value is required for property 'currentPassword' of resource 'changePassword'.");
    if (typeof next !== 'string') throw badRequest("A value is required for property 'newPassword' of resource 'changePassword'.");
    // The messages are ours; Graph's reference documents only the 204.
    if (!secretMatches(current, user.password)) throw new GraphError(400, 'Request_BadRequest', 'Invalid currentPassword: it does not match the password of the signed-in user.');
    if (passwordProblem(next, passwordContext(user, this.state)) !== null) {
      throw badRequest('The specified password does not comply with password complexity requirements. Please provide a different password.');
    }
    setPassword(user, next, false, now);
    this.tenant.save();
    return noContent();
  }

  // ------------------------------------------------------------ policies

  private resolvePolicies(method: string, path: string, request: GraphRequest): GraphOperation {
    if (path !== TAP_POLICY_PATH) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${path}'. This local tenant serves ${TAP_POLICY_PATH} only.`);
    if (method === 'GET') return this.operation('getTemporaryAccessPassPolicy', POLICY_READ, 1, false, () => this.authenticationMethods.getPolicy());
    if (method === 'PATCH') return this.operation('updateTemporaryAccessPassPolicy', POLICY_WRITE, 1, true, () => this.authenticationMethods.updatePolicy(request.body));
    throw methodNotAllowed();
  }

  private listContext() {
    return {
      baseUrl: this.tenant.baseUrl,
      visibleUsers: (now: Date) => this.visibleUsers(now),
      userView: (user: DirectoryUser, select?: string[], expandManager?: boolean) => this.userView(user, select, expandManager),
      context: (fragment: string) => this.context(fragment),
    };
  }

  /** The mailbox a sendMail names (by object id or user name), as one key: its limits are per mailbox. */
  private mailboxKey(key: string): string {
    const decoded = decodeURIComponent(key).replace(/^\('(.*)'\)$/, '$1').toLowerCase();
    const user = this.tenant.state().users.find((u) => u.deletedDateTime === null && (u.id === decoded || u.userPrincipalName.toLowerCase() === decoded));
    return user?.id ?? decoded;
  }

  private operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation {
    return {
      name,
      permissions,
      baseCost,
      isWrite,
      run: (now) => {
        this.deletedItems.purgeExpired(now);
        // Entra's background work (group-based licensing) has caught up by the time the next request is answered.
        if (processDueLicensing(this.state, now)) this.tenant.save();
        return run(now);
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
      password: hashSecret(write.password as string),
      onPremisesExtensionAttributes: { ...newDirectoryUser({ id: '', userPrincipalName: '', displayName: '', mailNickname: '' }, now).onPremisesExtensionAttributes, ...(props.onPremisesExtensionAttributes ?? {}) },
    }, now);
    this.state.users.push(user);
    userChangedForLicensing(this.state, user, now);
    this.tenant.save();
    return json(201, { '@odata.context': this.context('users/$entity'), ...this.userView(user) }, { location: `${this.tenant.baseUrl}/v1.0/users/${user.id}` });
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
    if (write.password !== undefined) setPassword(user, write.password, user.forceChangePasswordNextSignIn, now);
    userChangedForLicensing(this.state, user, now);
    this.tenant.save();
    return noContent();
  }

  /**
   * PATCH /users/{id}: User.ReadWrite.All; employeeLeaveDateTime also needs User-LifeCycleInfo.ReadWrite.All, and
   * with it alone User.Read.All suffices (user resource; tutorial-lifecycle-workflows-set-employeeleavedatetime).
   */
  private updateUserOperation(key: string, request: GraphRequest): GraphOperation {
    const names = typeof request.body === 'object' && request.body !== null ? Object.keys(request.body).filter((name) => !name.startsWith('@odata.')) : [];
    const setsLeave = names.includes('employeeLeaveDateTime');
    const permissions = setsLeave && names.length === 1 ? LIFECYCLE_WRITE : USER_WRITE;
    return this.operation('updateUser', permissions, 1, true, (now) => {
      if (setsLeave && !hasPermission(request.roles ?? [], LIFECYCLE_WRITE)) throw insufficientPrivileges();
      return this.updateUser(key, request, now);
    });
  }

  private deleteUser(key: string, now: Date): ApiResponse {
    const user = this.findUser(key, now, false);
    user.deletedDateTime = now.toISOString();
    userChangedForLicensing(this.state, user, now);
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


/** A new password: only its hash is kept; what sign-in checks (the forced change) goes with it. */
export function setPassword(user: DirectoryUser, password: string, forceChangePasswordNextSignIn: boolean, now: Date): void {
  user.password = hashSecret(password);
  user.forceChangePasswordNextSignIn = forceChangePasswordNextSignIn;
  user.lastPasswordChangeDateTime = now.toISOString();
}
