import { GraphError, unsupportedQuery } from '../responses.js';

/**
 * `$search` on directory objects (search-query-parameter.md): clauses `"property:text"` joined by
 * upper-case AND / OR, only with `ConsistencyLevel: eventual`. displayName and description are
 * searched by tokens (spaces, lower→upper case changes, digits and symbols split words; a search
 * token matches the start of a word); any other string property behaves like startsWith.
 */
export type SearchNode =
  | { kind: 'clause'; property: string; text: string }
  | { kind: 'and' | 'or'; left: SearchNode; right: SearchNode };

const TOKENIZED = new Set(['displayName', 'description']);

export function parseSearch(raw: string): SearchNode {
  const clauses: SearchNode[] = [];
  const operators: Array<'AND' | 'OR'> = [];
  let rest = raw.trim();
  for (;;) {
    const clause = /^"((?:[^"\\]|\\.)*)"\s*/.exec(rest);
    if (!clause) throw invalidSearch(raw);
    const body = (clause[1] ?? '').replace(/\\(.)/g, '$1');
    const colon = body.indexOf(':');
    if (colon <= 0) throw invalidSearch(raw);
    clauses.push({ kind: 'clause', property: body.slice(0, colon).trim(), text: body.slice(colon + 1) });
    rest = rest.slice(clause[0].length);
    if (rest === '') break;
    const operator = /^(AND|OR)\s+/.exec(rest);
    if (!operator) throw invalidSearch(raw);
    operators.push(operator[1] as 'AND' | 'OR');
    rest = rest.slice(operator[0].length);
  }
  // AND binds tighter than OR; parentheses are not emulated.
  const groups: SearchNode[] = [clauses[0] as SearchNode];
  operators.forEach((operator, index) => {
    const next = clauses[index + 1] as SearchNode;
    if (operator === 'AND') groups[groups.length - 1] = { kind: 'and', left: groups[groups.length - 1] as SearchNode, right: next };
    else groups.push(next);
  });
  return groups.reduce((left, right) => ({ kind: 'or', left, right }));
}

export function searchProperties(node: SearchNode): string[] {
  return node.kind === 'clause' ? [node.property] : [...searchProperties(node.left), ...searchProperties(node.right)];
}

export function matchesSearch(node: SearchNode, valueOf: (property: string) => unknown): boolean {
  if (node.kind === 'clause') return matchesClause(node, valueOf);
  if (node.kind === 'and') return matchesSearch(node.left, valueOf) && matchesSearch(node.right, valueOf);
  return matchesSearch(node.left, valueOf) || matchesSearch(node.right, valueOf);
}

function matchesClause(node: Extract<SearchNode, { kind: 'clause' }>, valueOf: (property: string) => unknown): boolean {
  const value = valueOf(node.property);
  const values = Array.isArray(value) ? value : [value];
  return values.some((candidate) => typeof candidate === 'string' && matchesText(node.property, candidate, node.text));
}

function matchesText(property: string, value: string, text: string): boolean {
  if (!TOKENIZED.has(property)) return value.toLowerCase().startsWith(text.toLowerCase());
  const words = searchTokens(value);
  const wanted = searchTokens(text).filter((token) => /[\p{L}\p{N}]/u.test(token));
  return wanted.length > 0 && wanted.every((token) => words.some((word) => word.startsWith(token)));
}

/** "HelloWorld-2x" → hello, world, 2, x, plus words joined across symbols (helloworld). */
export function searchTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const part of text.split(/\s+/).filter(Boolean)) {
    const pieces = part.split(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})|[^\p{L}\p{N}]+/u).filter(Boolean);
    tokens.push(...pieces.map((piece) => piece.toLowerCase()));
    const joined = part.replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase();
    if (joined) tokens.push(joined);
  }
  return tokens;
}

function invalidSearch(raw: string): GraphError {
  return new GraphError(400, 'Request_UnsupportedQuery', `Syntax error: invalid $search value '${raw}'. Each clause is "property:text" in double quotes, joined by AND or OR.`);
}

export const SEARCH_NEEDS_EVENTUAL = (): GraphError =>
  unsupportedQuery("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'");
