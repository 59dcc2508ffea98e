import type { DirectoryUser } from '../directory.js';
import { evaluateFilter, filterNeedsAdvancedQuery, parseFilter, USER_FILTER_RULES, type FilterablePropertyRule, type FilterNode, type FilterSubject } from './odata-filter.js';
import { isEventual, page, parseExpand, parseSelect, parseTop, rejectUnknownQueryOptions } from './graph-query.js';
import { matchesSearch, parseSearch, SEARCH_NEEDS_EVENTUAL, searchProperties } from './graph-search.js';
import { filterValue, USER_PROPERTY_NAMES } from './graph-views.js';
import { badRequest, GraphError, json, unsupportedQuery, type ApiResponse } from '../responses.js';

/** What listing users needs from the Graph emulator. */
export interface UserListContext {
  baseUrl: string;
  visibleUsers(now: Date): DirectoryUser[];
  userView(user: DirectoryUser, select?: string[], expandManager?: boolean): Record<string, unknown>;
  context(fragment: string): string;
}

/** How a directory collection (users, groups) answers $filter, $search, $orderby and $count. */
export interface DirectoryCollection<T> {
  /** microsoft.graph.user, microsoft.graph.group: named in Graph's messages. */
  typeName: string;
  /** User, Group: the resource name in Graph's unsupported-filter message. */
  resource: string;
  filterRules: Record<string, FilterablePropertyRule>;
  /** Properties $search accepts. */
  searchable: ReadonlySet<string>;
  /** Properties $orderby accepts without an advanced query. */
  orderable: readonly string[];
  valueOf(item: T): FilterSubject;
  sortKey(item: T, property: string): string;
}

interface Selection<T> {
  items: T[];
  wantsCount: boolean;
}

export const USERS: DirectoryCollection<DirectoryUser> = {
  typeName: 'microsoft.graph.user',
  resource: 'User',
  filterRules: USER_FILTER_RULES,
  searchable: USER_PROPERTY_NAMES,
  orderable: ['displayName', 'userPrincipalName'],
  valueOf: (user) => (property) => filterValue(user, property),
  sortKey: (user, property) => String((user as unknown as Record<string, unknown>)[property] ?? ''),
};

/**
 * GET /users and GET /users/$count with Graph's advanced-query rules (aad-advanced-queries.md):
 * `$count=true` without `ConsistencyLevel: eventual` is ignored; `/$count` without it is 400;
 * `$search` needs the header; ne/not/endsWith and $filter+$orderby need the header and $count=true.
 */
export function listUsers(ctx: UserListContext, request: { query: URLSearchParams; headers: Record<string, string | undefined> }, now: Date): ApiResponse {
  const { query } = request;
  rejectUnknownQueryOptions(query, ['$filter', '$select', '$top', '$count', '$skiptoken', '$orderby', '$expand', '$search']);
  const select = parseSelect(query);
  const expandManager = parseExpand(query);
  const top = parseTop(query, 100);
  const { items: users, wantsCount } = selectFromCollection(USERS, ctx.visibleUsers(now), query, request.headers);
  const onePage = page(users, query, top, ctx.baseUrl);
  const body: Record<string, unknown> = { '@odata.context': ctx.context(select ? `users(${select.join(',')})` : 'users') };
  if (wantsCount) body['@odata.count'] = users.length;
  if (onePage.nextLink) body['@odata.nextLink'] = onePage.nextLink('users');
  body['value'] = onePage.items.map((user) => ctx.userView(user, select, expandManager));
  return json(200, body);
}

/** GET /users/$count: a plain-text number, only as an advanced query. */
export function countUsers(ctx: UserListContext, request: { query: URLSearchParams; headers: Record<string, string | undefined> }, now: Date): ApiResponse {
  return countInCollection(USERS, ctx.visibleUsers(now), request);
}

/** GET /{collection}/$count: a plain-text number, only as an advanced query. */
export function countInCollection<T>(collection: DirectoryCollection<T>, all: T[], request: { query: URLSearchParams; headers: Record<string, string | undefined> }): ApiResponse {
  rejectUnknownQueryOptions(request.query, ['$filter', '$search']);
  if (!isEventual(request.headers)) throw badRequest('$count is not currently supported.');
  // The /$count segment is itself the advanced query: $filter needs no $count=true here.
  const query = new URLSearchParams(request.query);
  query.set('$count', 'true');
  const { items } = selectFromCollection(collection, all, query, request.headers);
  return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body: items.length };
}

/** The items of a collection that $filter and $search keep, in $orderby's order. */
export function selectFromCollection<T>(collection: DirectoryCollection<T>, all: T[], query: URLSearchParams, headers: Record<string, string | undefined>): Selection<T> {
  const eventual = isEventual(headers);
  const count = query.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') throw new GraphError(400, 'BadRequest', `Invalid value '${count}' for $count query option found. Valid values are 'true' and 'false'.`);
  // Without the header Graph silently ignores $count=true.
  const wantsCount = count === 'true' && eventual;

  let filter: FilterNode | undefined;
  const filterText = query.get('$filter');
  if (filterText !== null) {
    filter = parseFilter(filterText);
    if (filterNeedsAdvancedQuery(filter, collection.filterRules, collection.resource) && !wantsCount) {
      throw unsupportedQuery("Unsupported Query. This filter needs an advanced query: send the 'ConsistencyLevel: eventual' header and $count=true. Refer to https://aka.ms/graph-docs/advanced-queries for more information.");
    }
  }
  const searchText = query.get('$search');
  const search = searchText === null ? undefined : parseSearch(searchText);
  if (search) {
    if (!eventual) throw SEARCH_NEEDS_EVENTUAL();
    for (const property of searchProperties(search)) {
      if (!collection.searchable.has(property)) throw new GraphError(400, 'BadRequest', `Could not find a property named '${property}' on type '${collection.typeName}'.`);
    }
  }

  let items = all;
  if (filter) {
    const node = filter;
    items = items.filter((item) => evaluateFilter(node, collection.valueOf(item)));
  }
  if (search) {
    const node = search;
    items = items.filter((item) => matchesSearch(node, collection.valueOf(item)));
  }
  const orderBy = query.get('$orderby');
  if (orderBy !== null) {
    const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/.exec(orderBy);
    if (!match || !collection.orderable.includes(match[1] as string)) throw unsupportedQuery(`Unsupported or invalid query: $orderby=${orderBy}.`);
    if (filter && !wantsCount) throw unsupportedQuery('Unsupported Query. Sorting with $filter needs an advanced query (ConsistencyLevel: eventual and $count=true).');
    const property = match[1] as string;
    const direction = match[2] === 'desc' ? -1 : 1;
    items = [...items].sort((a, b) => direction * collection.sortKey(a, property).toLowerCase().localeCompare(collection.sortKey(b, property).toLowerCase()));
  }
  return { items, wantsCount };
}
