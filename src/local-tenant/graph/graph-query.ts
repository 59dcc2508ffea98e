import { GraphError, unsupportedQuery } from '../responses.js';
import { USER_PROPERTY_NAMES } from './graph-views.js';

// Graph's URL and query options: path segments, $select, $expand, $top, paging.

export function splitPath(path: string): string[] {
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
  } else if (segments[1]?.startsWith('$') && segments[1] !== '$count') {
    // OData reads /users/$x as a system segment, not a key.
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segments[1]}'. A key that starts with '$' must be addressed as /${first}('${segments[1]}').`);
  }
  return segments;
}

/** $select's property names, each checked against the type's properties (default: a user's). */
export function parseSelect(query: URLSearchParams, properties: ReadonlySet<string> = USER_PROPERTY_NAMES, type = 'microsoft.graph.user'): string[] | undefined {
  const select = query.get('$select');
  if (select === null) return undefined;
  const names = select.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new GraphError(400, 'BadRequest', "The query specified in the URI is not valid. The $select query option can't be empty.");
  for (const name of names) {
    if (!properties.has(name)) throw new GraphError(400, 'BadRequest', `Could not find a property named '${name}' on type '${type}'.`);
  }
  return names;
}

export function parseExpand(query: URLSearchParams): boolean {
  const expand = query.get('$expand');
  if (expand === null) return false;
  if (expand.trim() !== 'manager') throw new GraphError(400, 'BadRequest', `Could not find a property named '${expand}' on type 'microsoft.graph.user' that can be expanded by this local tenant (only 'manager').`);
  return true;
}

export function parseTop(query: URLSearchParams, fallback: number): number {
  const value = query.get('$top');
  if (value === null) return fallback;
  const top = Number(value);
  const message = `Invalid page size specified: '${value}'. Must be between 1 and 999 inclusive.`;
  // Graph refuses a page larger than 999 as an unsupported query (aad-advanced-queries, user-list).
  if (Number.isInteger(top) && top > 999) throw unsupportedQuery(message);
  if (!Number.isInteger(top) || top < 1) throw new GraphError(400, 'Request_BadRequest', message);
  return top;
}

export function rejectUnknownQueryOptions(query: URLSearchParams, allowed: string[]): void {
  for (const name of query.keys()) {
    if (!name.startsWith('$')) continue;
    if (!allowed.includes(name)) throw new GraphError(400, 'BadRequest', `Query option '${name}' is not allowed on this resource.`);
  }
}

/** Whether the request carries `ConsistencyLevel: eventual` (what advanced queries need). */
export function isEventual(headers: Record<string, string | undefined>): boolean {
  return (headers['consistencylevel'] ?? '').trim().toLowerCase() === 'eventual';
}

/** One page of a collection and, when more remain, how to build its @odata.nextLink. */
export function page<T>(items: T[], query: URLSearchParams, top: number, baseUrl: string): { items: T[]; nextLink?: (path: string) => string } {
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
      return `${baseUrl}/v1.0/${path}?${next.toString().replace(/%24/g, '$')}`;
    },
  };
}
