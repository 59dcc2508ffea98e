import { GraphError, unsupportedQuery } from '../responses.js';

/** A parsed $filter expression over a user. */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; inner: FilterNode }
  | { kind: 'compare'; property: string; operator: 'eq' | 'ne' | 'ge' | 'le' | 'gt' | 'lt'; value: Literal }
  | { kind: 'in'; property: string; values: Literal[] }
  | { kind: 'function'; name: 'startswith' | 'endswith'; property: string; value: Literal }
  | { kind: 'any'; property: string; predicate: LambdaNode };

export type LambdaNode =
  | { kind: 'or' | 'and'; left: LambdaNode; right: LambdaNode }
  | { kind: 'eq'; value: string }
  | { kind: 'startswith'; value: string };

export type Literal = string | boolean | null | number;

type Token =
  | { type: 'string'; value: string }
  | { type: 'word'; value: string }
  | { type: 'number'; value: number }
  | { type: 'punct'; value: '(' | ')' | ',' | ':' | '/' };

const invalidFilter = (detail?: string): GraphError =>
  new GraphError(400, 'BadRequest', detail ? `Invalid filter clause: ${detail}` : 'Invalid filter clause');

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if ('(),:/'.includes(ch)) {
      tokens.push({ type: 'punct', value: ch as '(' | ')' | ',' | ':' | '/' });
      i += 1;
    } else if (ch === "'") {
      // A quote inside a literal is doubled: 'o''brien'.
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) throw invalidFilter('unterminated string literal.');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ type: 'string', value });
    } else if (/[0-9-]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!match) throw invalidFilter(`syntax error at position ${i}.`);
      tokens.push({ type: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_$]/.test(ch)) {
      const match = /^[A-Za-z_$][A-Za-z0-9_.$]*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ type: 'word', value: match[0] });
      i += match[0].length;
    } else {
      throw invalidFilter(`syntax error at position ${i}.`);
    }
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'ge', 'le', 'gt', 'lt']);

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.orExpression();
    if (this.position < this.tokens.length) throw invalidFilter('unexpected text after the expression.');
    return node;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (!token) throw invalidFilter('the expression ends too early.');
    this.position += 1;
    return token;
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.type === 'word' && token.value === word;
  }

  private expectPunct(value: string): void {
    const token = this.next();
    if (token.type !== 'punct' || token.value !== value) throw invalidFilter(`'${value}' expected.`);
  }

  private orExpression(): FilterNode {
    let left = this.andExpression();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.andExpression() };
    }
    return left;
  }

  private andExpression(): FilterNode {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', inner: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const token = this.next();
    if (token.type === 'punct' && token.value === '(') {
      const inner = this.orExpression();
      this.expectPunct(')');
      return inner;
    }
    if (token.type !== 'word') throw invalidFilter('a property name or function expected.');
    const lower = token.value.toLowerCase();
    if ((lower === 'startswith' || lower === 'endswith') && this.peek()?.type === 'punct' && this.peek()?.value === '(') {
      this.next();
      const property = this.propertyPath();
      this.expectPunct(',');
      const value = this.literal();
      this.expectPunct(')');
      return { kind: 'function', name: lower, property, value };
    }
    let property = token.value;
    while (this.peek()?.type === 'punct' && this.peek()?.value === '/') {
      this.next();
      const segment = this.next();
      if (segment.type !== 'word') throw invalidFilter('a property name expected after /.');
      if (segment.value.toLowerCase() === 'any') return { kind: 'any', property, predicate: this.lambda() };
      property = `${property}/${segment.value}`;
    }
    const operator = this.next();
    if (operator.type === 'word' && operator.value === 'in') {
      this.expectPunct('(');
      const values: Literal[] = [this.literal()];
      while (this.peek()?.type === 'punct' && this.peek()?.value === ',') {
        this.next();
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { kind: 'in', property, values };
    }
    if (operator.type !== 'word' || !COMPARISONS.has(operator.value)) throw invalidFilter(`an operator expected after '${property}'.`);
    return { kind: 'compare', property, operator: operator.value as 'eq', value: this.literal() };
  }

  private lambda(): LambdaNode {
    this.expectPunct('(');
    const variable = this.next();
    if (variable.type !== 'word') throw invalidFilter('a lambda variable expected.');
    this.expectPunct(':');
    const body = this.lambdaOr(variable.value);
    this.expectPunct(')');
    return body;
  }

  private lambdaOr(variable: string): LambdaNode {
    let left = this.lambdaTerm(variable);
    while (this.isWord(this.peek(), 'or') || this.isWord(this.peek(), 'and')) {
      const kind = (this.next() as { value: string }).value as 'or' | 'and';
      left = { kind, left, right: this.lambdaTerm(variable) };
    }
    return left;
  }

  private lambdaTerm(variable: string): LambdaNode {
    const token = this.next();
    if (token.type === 'word' && token.value.toLowerCase() === 'startswith') {
      this.expectPunct('(');
      const name = this.next();
      if (name.type !== 'word' || name.value !== variable) throw invalidFilter(`'${variable}' expected.`);
      this.expectPunct(',');
      const value = this.literal();
      this.expectPunct(')');
      if (typeof value !== 'string') throw invalidFilter('a string literal expected.');
      return { kind: 'startswith', value };
    }
    if (token.type === 'word' && token.value === variable) {
      const operator = this.next();
      if (operator.type !== 'word' || operator.value !== 'eq') throw unsupportedQuery(`Unsupported operator in lambda expression.`);
      const value = this.literal();
      if (typeof value !== 'string') throw invalidFilter('a string literal expected.');
      return { kind: 'eq', value };
    }
    throw invalidFilter('lambda expression expected.');
  }

  private propertyPath(): string {
    const first = this.next();
    if (first.type !== 'word') throw invalidFilter('a property name expected.');
    let path = first.value;
    while (this.peek()?.type === 'punct' && this.peek()?.value === '/') {
      this.next();
      const segment = this.next();
      if (segment.type !== 'word') throw invalidFilter('a property name expected.');
      path = `${path}/${segment.value}`;
    }
    return path;
  }

  private literal(): Literal {
    const token = this.next();
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'word') {
      if (token.value === 'true') return true;
      if (token.value === 'false') return false;
      if (token.value === 'null') return null;
    }
    throw invalidFilter('a literal value expected.');
  }
}

export function parseFilter(text: string): FilterNode {
  if (text.trim() === '') throw invalidFilter('the expression is empty.');
  return new Parser(tokenize(text)).parse();
}

/** What Graph lets a property do in $filter: which operators, and which need an advanced query. */
export interface FilterablePropertyRule {
  basic: Set<string>;
  advanced: Set<string>;
}

export const rule = (basic: string[], advanced: string[]): FilterablePropertyRule => ({ basic: new Set(basic), advanced: new Set(advanced) });
const STRING_RULE = rule(['eq', 'in', 'startswith', 'le', 'ge'], ['ne', 'not', 'endswith']);

/** Filterable user properties (from the user resource's property table). */
export const USER_FILTER_RULES: Record<string, FilterablePropertyRule> = {
  id: rule(['eq', 'in'], ['ne', 'not']),
  userPrincipalName: STRING_RULE,
  mailNickname: STRING_RULE,
  displayName: STRING_RULE,
  givenName: STRING_RULE,
  surname: STRING_RULE,
  mail: STRING_RULE,
  jobTitle: STRING_RULE,
  department: rule([], ['eq', 'in', 'startswith', 'ne', 'not', 'endswith']),
  companyName: rule([], ['eq', 'in', 'startswith', 'ne', 'not', 'endswith']),
  officeLocation: rule([], ['eq', 'in', 'startswith', 'ne', 'not', 'endswith']),
  employeeType: rule([], ['eq', 'in', 'startswith', 'ne', 'not']),
  employeeId: rule(['eq', 'in', 'startswith', 'le', 'ge'], ['ne', 'not']),
  usageLocation: STRING_RULE,
  onPremisesImmutableId: rule(['eq', 'in', 'startswith', 'le', 'ge'], ['ne', 'not', 'endswith']),
  accountEnabled: rule(['eq'], ['ne', 'not']),
  proxyAddresses: rule(['any'], ['not']),
  otherMails: rule(['any'], ['not']),
  userType: rule(['eq', 'in'], ['ne', 'not']),
  creationType: rule(['eq', 'in'], ['ne', 'not']),
  externalUserState: rule(['eq', 'in'], ['ne', 'not']),
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [
    `onPremisesExtensionAttributes/extensionAttribute${i + 1}`,
    rule([], ['eq', 'in', 'startswith', 'ne', 'not']),
  ])),
};

/**
 * Checks every clause against USER_FILTER_RULES; returns whether the filter needs an
 * advanced query (ConsistencyLevel: eventual and $count=true). Throws for unsupported clauses.
 */
export function filterNeedsAdvancedQuery(node: FilterNode, rules: Record<string, FilterablePropertyRule> = USER_FILTER_RULES, resource = 'User'): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return filterNeedsAdvancedQuery(node.left, rules, resource) || filterNeedsAdvancedQuery(node.right, rules, resource);
    case 'not':
      // "not" is an advanced-query operator for every property.
      filterNeedsAdvancedQuery(node.inner, rules, resource);
      return true;
    default: {
      const propertyRule = rules[node.property];
      if (!propertyRule) {
        throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${node.property}' of resource '${resource}'.`);
      }
      const operator = node.kind === 'compare' ? node.operator : node.kind === 'in' ? 'in' : node.kind === 'function' ? node.name : 'any';
      if (propertyRule.basic.has(operator)) return false;
      if (propertyRule.advanced.has(operator)) return true;
      throw unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${node.property}' of resource '${resource}'.`);
    }
  }
}

/** Values of a user the filter can see, keyed like USER_FILTER_RULES. */
export type FilterSubject = (property: string) => Literal | Literal[] | undefined;

export function evaluateFilter(node: FilterNode, subject: FilterSubject): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateFilter(node.left, subject) && evaluateFilter(node.right, subject);
    case 'or':
      return evaluateFilter(node.left, subject) || evaluateFilter(node.right, subject);
    case 'not':
      return !evaluateFilter(node.inner, subject);
    case 'compare': {
      const actual = subject(node.property);
      if (Array.isArray(actual)) return false;
      return compare(actual ?? null, node.operator, node.value);
    }
    case 'in': {
      const actual = subject(node.property);
      if (Array.isArray(actual)) return false;
      return node.values.some((value) => compare(actual ?? null, 'eq', value));
    }
    case 'function': {
      const actual = subject(node.property);
      if (typeof actual !== 'string' || typeof node.value !== 'string') return false;
      const a = actual.toLowerCase();
      const v = node.value.toLowerCase();
      return node.name === 'startswith' ? a.startsWith(v) : a.endsWith(v);
    }
    case 'any': {
      const actual = subject(node.property);
      const values = Array.isArray(actual) ? actual : [];
      return values.some((value) => typeof value === 'string' && evaluateLambda(node.predicate, value));
    }
  }
}

function evaluateLambda(node: LambdaNode, value: string): boolean {
  switch (node.kind) {
    case 'or':
      return evaluateLambda(node.left, value) || evaluateLambda(node.right, value);
    case 'and':
      return evaluateLambda(node.left, value) && evaluateLambda(node.right, value);
    case 'eq':
      return value.toLowerCase() === node.value.toLowerCase();
    case 'startswith':
      return value.toLowerCase().startsWith(node.value.toLowerCase());
  }
}

// Directory string comparisons are case-insensitive.
function compare(actual: Literal, operator: string, expected: Literal): boolean {
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const e = typeof expected === 'string' ? expected.toLowerCase() : expected;
  switch (operator) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    default: {
      if (a === null || e === null) return false;
      if (operator === 'ge') return a >= e;
      if (operator === 'le') return a <= e;
      if (operator === 'gt') return a > e;
      return a < e;
    }
  }
}
