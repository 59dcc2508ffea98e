import type { DirectoryUser } from './directory.js';
import { evaluateFilter, filterNeedsAdvancedQuery, parseFilter, type FilterNode } from './odata-filter.js';
import { isEventual, page, parseExpand, parseSelect, parseTop, rejectUnknownQueryOptions } from './graph-query.js';
import { matchesSearch, parseSearch, SEARCH_NEEDS_EVENTUAL, searchProperties } from './graph-search.js';
import { filterValue, USER_PROPERTY_NAMES } from './graph-views.js';
import { badRequest, GraphError, json, unsupportedQuery, type ApiResponse } from './responses.js';

/** What listing users needs from the Graph emulator. */
export interface UserListContext {
  baseUrl: string;
  visibleUsers(now: Date): DirectoryUser[];
  userView(user: DirectoryUser, select?: string[], expandManager?: boolean): Record<string, unknown>;
  context(fragment: string): string;
}

interface Selection {
  users: DirectoryUser[];
  wantsCount: boolean;
}

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
  const { users, wantsCount } = selectUsers(ctx, query, request.headers, now);
  const onePage = page(users, query, top, ctx.baseUrl);
  const body: Record<string, unknown> = { '@odata.context': ctx.context(select ? `users(${select.join(',')})` : 'users') };
  if (wantsCount) body['@odata.count'] = users.length;
  if (onePage.nextLink) body['@odata.nextLink'] = onePage.nextLink('users');
  body['value'] = onePage.items.map((user) => ctx.userView(user, select, expandManager));
  return json(200, body);
}

/** GET /users/$count: a plain-text number, only as an advanced query. */
export function countUsers(ctx: UserListContext, request: { query: URLSearchParams; headers: Record<string, string | undefined> }, now: Date): ApiResponse {
  rejectUnknownQueryOptions(request.query, ['$filter', '$search']);
  if (!isEventual(request.headers)) throw badRequest('$count is not currently supported.');
  // The /$count segment is itself the advanced query: $filter needs no $count=true here.
  const query = new URLSearchParams(request.query);
  query.set('$count', 'true');
  const { users } = selectUsers(ctx, query, request.headers, now);
  return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body: users.length };
}

function selectUsers(ctx: UserListContext, query: URLSearchParams, headers: Record<string, string | undefined>, now: Date): Selection {
  const eventual = isEventual(headers);
  const count = query.get('$count');
  if (count !== null && count !== 'true' && count !== 'false') throw new GraphError(400, 'BadRequest', `Invalid value '${count}' for $count query option found. Valid values are 'true' and 'false'.`);
  // Without the header Graph silently ignores $count=true.
  const wantsCount = count === 'true' && eventual;

  let filter: FilterNode | undefined;
  const filterText = query.get('$filter');
  if (filterText !== null) {
    filter = parseFilter(filterText);
    if (filterNeedsAdvancedQuery(filter) && !wantsCount) {
      throw unsupportedQuery("Unsupported Query. This filter needs an advanced query: send the 'ConsistencyLevel: eventual' header and $count=true. Refer to https://aka.ms/graph-docs/advanced-queries for more information.");
    }
  }
  const searchText = query.get('$search');
  const search = searchText === null ? undefined : parseSearch(searchText);
  if (search) {
    if (!eventual) throw SEARCH_NEEDS_EVENTUAL();
    for (const property of searchProperties(search)) {
      if (!USER_PROPERTY_NAMES.has(property)) throw new GraphError(400, 'BadRequest', `Could not find a property named '${property}' on type 'microsoft.graph.user'.`);
    }
  }

  let users = ctx.visibleUsers(now);
  if (filter) {
    const node = filter;
    users = users.filter((user) => evaluateFilter(node, (property) => filterValue(user, property)));
  }
  if (search) {
    const node = search;
    users = users.filter((user) => matchesSearch(node, (property) => filterValue(user, property)));
  }
  const orderBy = query.get('$orderby');
  if (orderBy !== null) {
    const match = /^\s*(displayName|userPrincipalName)(?:\s+(asc|desc))?\s*$/.exec(orderBy);
    if (!match) throw unsupportedQuery(`Unsupported or invalid query: $orderby=${orderBy}.`);
    if (filter && !wantsCount) throw unsupportedQuery('Unsupported Query. Sorting with $filter needs an advanced query (ConsistencyLevel: eventual and $count=true).');
    const property = match[1] as 'displayName' | 'userPrincipalName';
    const direction = match[2] === 'desc' ? -1 : 1;
    users = [...users].sort((a, b) => direction * a[property].toLowerCase().localeCompare(b[property].toLowerCase()));
  }
  return { users, wantsCount };
}
