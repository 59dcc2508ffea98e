/**
 * Dynamic membership rules of groups (https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership):
 * `user.<property> <operator> <value>` clauses joined by -and / -or, negated by -not, grouped with
 * parentheses. Operators -eq, -ne, -startsWith, -notStartsWith, -contains, -notContains, -match,
 * -notMatch, -in, -notIn; string comparisons are not case sensitive ("String and regex operations
 * aren't case sensitive"); values are "double-quoted" strings, true, false or null. Entra evaluates a
 * rule in the background; this tenant evaluates it whenever membership is read (no processing delay).
 */
import type { DirectoryUser } from '../directory.js';

export type RuleNode =
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode }
  | { kind: 'not'; inner: RuleNode }
  | { kind: 'compare'; property: string; operator: string; value: RuleValue | RuleValue[] };

type RuleValue = string | boolean | null;
type Token = { type: 'paren'; value: '(' | ')' } | { type: 'bracket'; value: '[' | ']' } | { type: 'comma' } | { type: 'operator'; value: string } | { type: 'word'; value: string } | { type: 'string'; value: string };

const OPERATORS = ['-eq', '-ne', '-startswith', '-notstartswith', '-contains', '-notcontains', '-match', '-notmatch', '-in', '-notin'];

/** user.<name> in a rule → the user's property (the rule's names are Entra's attribute names). */
const RULE_PROPERTIES: Record<string, string> = {
  accountenabled: 'accountEnabled', city: 'city', companyname: 'companyName', country: 'country', department: 'department',
  displayname: 'displayName', employeeid: 'employeeId', employeetype: 'employeeType', givenname: 'givenName', jobtitle: 'jobTitle',
  mail: 'mail', mailnickname: 'mailNickname', mobile: 'mobilePhone', objectid: 'id', physicaldeliveryofficename: 'officeLocation',
  preferredlanguage: 'preferredLanguage', surname: 'surname', usagelocation: 'usageLocation', userprincipalname: 'userPrincipalName',
  usertype: 'userType', ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`extensionattribute${i + 1}`, `extension:extensionAttribute${i + 1}`])),
};

export class MembershipRuleError extends Error {}

export function parseMembershipRule(text: string): RuleNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const next = (): Token => {
    const token = tokens[position];
    if (!token) throw new MembershipRuleError(`The rule ends too early: ${text}`);
    position += 1;
    return token;
  };
  const isOperator = (token: Token | undefined, value: string): boolean => token?.type === 'operator' && token.value === value;

  const value = (): RuleValue => {
    const token = next();
    if (token.type === 'string') return token.value;
    if (token.type === 'word' && ['true', 'false', 'null'].includes(token.value.toLowerCase())) {
      const word = token.value.toLowerCase();
      return word === 'null' ? null : word === 'true';
    }
    throw new MembershipRuleError(`A value ("text", true, false or null) is expected in: ${text}`);
  };
  const primary = (): RuleNode => {
    const token = next();
    if (token.type === 'paren' && token.value === '(') {
      const inner = or();
      const close = next();
      if (close.type !== 'paren' || close.value !== ')') throw new MembershipRuleError(`')' expected in: ${text}`);
      return inner;
    }
    if (token.type !== 'word' || !/^user\./i.test(token.value)) throw new MembershipRuleError(`A user property (user.department, …) is expected in: ${text}`);
    const name = token.value.slice('user.'.length).toLowerCase();
    const property = RULE_PROPERTIES[name];
    if (!property) throw new MembershipRuleError(`The property user.${name} is not supported in a membership rule by this local tenant.`);
    const operator = next();
    if (operator.type !== 'operator' || !OPERATORS.includes(operator.value)) throw new MembershipRuleError(`An operator (-eq, -ne, -startsWith, …) is expected in: ${text}`);
    if (operator.value === '-in' || operator.value === '-notin') {
      const open = next();
      if (open.type !== 'bracket' || open.value !== '[') throw new MembershipRuleError(`'[' expected after ${operator.value} in: ${text}`);
      const values: RuleValue[] = [value()];
      while (peek()?.type === 'comma') {
        next();
        values.push(value());
      }
      const close = next();
      if (close.type !== 'bracket' || close.value !== ']') throw new MembershipRuleError(`']' expected in: ${text}`);
      return { kind: 'compare', property, operator: operator.value, value: values };
    }
    return { kind: 'compare', property, operator: operator.value, value: value() };
  };
  const unary = (): RuleNode => {
    if (isOperator(peek(), '-not')) {
      next();
      return { kind: 'not', inner: unary() };
    }
    return primary();
  };
  const and = (): RuleNode => {
    let left = unary();
    while (isOperator(peek(), '-and')) {
      next();
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const or = (): RuleNode => {
    let left = and();
    while (isOperator(peek(), '-or')) {
      next();
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const rule = or();
  if (position < tokens.length) throw new MembershipRuleError(`Unexpected text after the rule: ${text}`);
  return rule;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: 'paren', value: ch });
      i += 1;
    } else if (ch === '[' || ch === ']') {
      tokens.push({ type: 'bracket', value: ch });
      i += 1;
    } else if (ch === ',') {
      tokens.push({ type: 'comma' });
      i += 1;
    } else if (ch === '"') {
      // A double quote inside a value is escaped with a backtick (`").
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '`' && text[i + 1] === '"') i += 1;
        value += text[i];
        i += 1;
      }
      if (i >= text.length) throw new MembershipRuleError(`Unterminated "value" in: ${text}`);
      i += 1;
      tokens.push({ type: 'string', value });
    } else if (ch === '-') {
      const match = /^-[A-Za-z]+/.exec(text.slice(i));
      if (!match) throw new MembershipRuleError(`Syntax error at position ${i} in: ${text}`);
      tokens.push({ type: 'operator', value: match[0].toLowerCase() });
      i += match[0].length;
    } else {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
      if (!match) throw new MembershipRuleError(`Syntax error at position ${i} in: ${text}`);
      tokens.push({ type: 'word', value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

/** Whether the user satisfies the rule. `userType` is the user's (Member or Guest). */
export function matchesMembershipRule(rule: RuleNode, user: DirectoryUser): boolean {
  switch (rule.kind) {
    case 'and':
      return matchesMembershipRule(rule.left, user) && matchesMembershipRule(rule.right, user);
    case 'or':
      return matchesMembershipRule(rule.left, user) || matchesMembershipRule(rule.right, user);
    case 'not':
      return !matchesMembershipRule(rule.inner, user);
    case 'compare':
      return compare(valueOf(user, rule.property), rule.operator, rule.value);
  }
}

function valueOf(user: DirectoryUser, property: string): RuleValue {
  if (property.startsWith('extension:')) return user.onPremisesExtensionAttributes[property.slice('extension:'.length)] ?? null;
  const value = (user as unknown as Record<string, unknown>)[property];
  if (property === 'userType') return typeof value === 'string' ? value : 'Member';
  return typeof value === 'string' || typeof value === 'boolean' ? value : null;
}

function compare(actual: RuleValue, operator: string, expected: RuleValue | RuleValue[]): boolean {
  const lower = (value: RuleValue): RuleValue => (typeof value === 'string' ? value.toLowerCase() : value);
  const a = lower(actual);
  if (Array.isArray(expected)) {
    const found = expected.map(lower).includes(a);
    return operator === '-in' ? found : !found;
  }
  const e = lower(expected);
  switch (operator) {
    case '-eq':
      return a === e;
    case '-ne':
      return a !== e;
    case '-startswith':
    case '-notstartswith': {
      const starts = typeof a === 'string' && typeof e === 'string' && a.startsWith(e);
      return operator === '-startswith' ? starts : !starts;
    }
    case '-contains':
    case '-notcontains': {
      const contains = typeof a === 'string' && typeof e === 'string' && a.includes(e);
      return operator === '-contains' ? contains : !contains;
    }
    default: {
      let matches = false;
      try {
        matches = typeof a === 'string' && typeof e === 'string' && new RegExp(e, 'i').test(a);
      } catch {
        matches = false;
      }
      return operator === '-match' ? matches : !matches;
    }
  }
}
