/**
 * Graph's deleted items (/directory/deletedItems): a deleted user stays restorable for 30
 * days, then is purged; a restore meets the same uniqueness rules as a create.
 */
import type { DirectoryState, DirectoryUser } from '../directory.js';
import type { GraphOperation, GraphRequest } from './graph-api.js';
import { USER_READ, USER_WRITE } from './graph-permissions.js';
import { page, parseSelect, parseTop } from './graph-query.js';
import { GraphError, json, methodNotAllowed, noContent, notFound, type ApiResponse } from '../responses.js';

const SOFT_DELETE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** What the deleted-items routes need from the Graph API around them. */
export interface DeletedItemsContext {
  readonly baseUrl: string;
  state(): DirectoryState;
  save(): void;
  context(fragment: string): string;
  operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation;
  userView(user: DirectoryUser, select?: string[]): Record<string, unknown>;
  /** Throws the Graph conflict when another active user holds the user name or mail nickname. */
  checkConflicts(userPrincipalName: string, mailNickname: string, self: string, now: Date): void;
}

export class DeletedItemsApi {
  constructor(private readonly api: DeletedItemsContext) {}

  /** /directory/deletedItems/…: list, read, restore and purge deleted users. */
  resolve(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [collection, id, action, ...tail] = rest;
    if (collection !== 'deletedItems' || tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
    if (id === undefined) throw methodNotAllowed();
    if (id === 'microsoft.graph.user' && action === undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.api.operation('listDeletedUsers', USER_READ, 2, false, () => {
        const deleted = this.api.state().users.filter((user) => user.deletedDateTime !== null);
        const onePage = page(deleted, request.query, parseTop(request.query, 100), this.api.baseUrl);
        return json(200, {
          '@odata.context': this.api.context('directoryObjects/microsoft.graph.user'),
          ...(onePage.nextLink ? { '@odata.nextLink': onePage.nextLink('directory/deletedItems/microsoft.graph.user') } : {}),
          value: onePage.items.map((user) => this.api.userView(user, parseSelect(request.query))),
        });
      });
    }
    if (action === 'restore') {
      if (method !== 'POST') throw methodNotAllowed();
      return this.api.operation('restoreDeletedItem', USER_WRITE, 1, true, (now) => {
        const user = this.findDeleted(id);
        this.api.checkConflicts(user.userPrincipalName, user.mailNickname, user.id, now);
        user.deletedDateTime = null;
        this.api.save();
        return json(200, { '@odata.context': this.api.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...this.api.userView(user) });
      });
    }
    if (action !== undefined) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${action}'.`);
    if (method === 'GET') {
      return this.api.operation('getDeletedItem', USER_READ, 1, false, () => {
        const user = this.findDeleted(id);
        return json(200, { '@odata.context': this.api.context('directoryObjects/$entity'), '@odata.type': '#microsoft.graph.user', ...this.api.userView(user, parseSelect(request.query)), deletedDateTime: user.deletedDateTime });
      });
    }
    if (method === 'DELETE') {
      return this.api.operation('purgeDeletedItem', USER_WRITE, 1, true, () => {
        const user = this.findDeleted(id);
        const state = this.api.state();
        state.users = state.users.filter((candidate) => candidate !== user);
        this.api.save();
        return noContent();
      });
    }
    throw methodNotAllowed();
  }

  private findDeleted(id: string): DirectoryUser {
    const user = this.api.state().users.find((candidate) => candidate.id === id.toLowerCase() && candidate.deletedDateTime !== null);
    if (!user) throw notFound(id);
    return user;
  }

  /** Deleted users are kept 30 days, then gone for good. */
  purgeExpired(now: Date): void {
    const state = this.api.state();
    const before = state.users.length;
    state.users = state.users.filter((user) => user.deletedDateTime === null || now.getTime() - Date.parse(user.deletedDateTime) < SOFT_DELETE_RETENTION_MS);
    if (state.users.length !== before) this.api.save();
  }
}
