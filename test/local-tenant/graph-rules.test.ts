import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFilter, filterNeedsAdvancedQuery, parseFilter } from '../../src/local-tenant/graph/odata-filter.js';
import { checkPassword, checkUserPrincipalName } from '../../src/local-tenant/graph/user-rules.js';
import { newDirectoryUser, type DirectoryUser, type Domain } from '../../src/local-tenant/directory.js';
import { matchesMembershipRule, MembershipRuleError, parseMembershipRule } from '../../src/local-tenant/graph/membership-rule.js';

const subject = (values: Record<string, string | boolean | string[] | null>) => (property: string) => values[property];

describe('$filter parser', () => {
  it.each([
    ["userPrincipalName eq 'a@b.com'", { userPrincipalName: 'A@B.com' }, true],
    ["userPrincipalName eq 'a@b.com'", { userPrincipalName: 'c@b.com' }, false],
    ["startsWith(mailNickname,'ada')", { mailNickname: 'ada.l' }, true],
    ["mailNickname in ('x','ada')", { mailNickname: 'ada' }, true],
    ["proxyAddresses/any(p:p eq 'smtp:a@b.com')", { proxyAddresses: ['SMTP:a@b.com'] }, true],
    ["proxyAddresses/any(p:startsWith(p,'smtp:z'))", { proxyAddresses: ['SMTP:a@b.com'] }, false],
    ["accountEnabled eq true and (mailNickname eq 'a' or mailNickname eq 'b')", { accountEnabled: true, mailNickname: 'b' }, true],
    ["not(mailNickname eq 'a')", { mailNickname: 'a' }, false],
    ["displayName eq 'O''Brien'", { displayName: "O'Brien" }, true],
  ])('when %s is evaluated, then the result is as Graph would filter', (text, values, expected) => {
    expect(evaluateFilter(parseFilter(text), subject(values))).toBe(expected);
  });

  it.each([
    ["userPrincipalName eq 'a'", false],
    ["endsWith(userPrincipalName,'@b.com')", true],
    ["userPrincipalName ne 'a'", true],
    ["not(userPrincipalName eq 'a')", true],
    ["onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", true],
  ])('when %s is checked, then needs-advanced-query is %s', (text, advanced) => {
    expect(filterNeedsAdvancedQuery(parseFilter(text))).toBe(advanced);
  });

  it.each(["userPrincipalName eq", "eq 'a'", "userPrincipalName eq 'a' and", "(userPrincipalName eq 'a'", "userPrincipalName ~ 'a'"])('when %s is parsed, then it is a syntax error', (text) => {
    expect(() => parseFilter(text)).toThrow();
  });

  it('when any string is quoted with doubled quotes, then the filter matches exactly that string', () => {
    fc.assert(fc.property(fc.string(), (value) => {
      const node = parseFilter(`displayName eq '${value.replace(/'/g, "''")}'`);
      expect(evaluateFilter(node, subject({ displayName: value }))).toBe(true);
    }));
  });
});

describe('user rules', () => {
  const domains: Domain[] = [
    { id: 'contoso.com', authenticationType: 'Managed', isVerified: true, isDefault: true, isInitial: false },
    { id: 'contoso.eu', authenticationType: 'Federated', isVerified: true, isDefault: false, isInitial: false },
    { id: 'northwind.example', authenticationType: 'Managed', isVerified: false, isDefault: false, isInitial: false },
  ];

  it.each([
    ['ada.lovelace@contoso.com', null, true],
    ["o'brien_x-y!#^~@contoso.com", null, true],
    [`${'a'.repeat(64)}@contoso.com`, null, true],
    [`${'a'.repeat(65)}@contoso.com`, null, false],
    ['ada.@contoso.com', null, false],
    ['adé@contoso.com', null, false],
    ['a@b@contoso.com', null, false],
    ['ada@northwind.example', null, false],
    ['ada@contoso.eu', null, false],
    ['ada@contoso.eu', 'immutable-1', true],
  ])('when the UPN is %s (immutable id %s), then valid is %s', (upn, immutableId, valid) => {
    const check = (): void => checkUserPrincipalName(upn, domains, immutableId);
    if (valid) expect(check).not.toThrow();
    else expect(check).toThrow();
  });

  // concept-password-ban-bad: first and last name and the tenant name, each only when 4+ characters.
  const context = { names: ['Ada', 'Lovelace'], organization: 'Contoso', banned: ['password', 'welcome', 'contoso'] };
  it.each([
    ['Xk9!mPq2Lw#z', true],
    ['Short1!', false],
    ['alllowercase1', false],
    ['Password1!', false],
    ['Welcome2024!', true],
    ['Welcome1!', false],
    ['Contoso#2031', false],
    ['Lovelace#2031', false],
    ['L0vel@ce#2031', false],
    ['Ada#Xk9!mPq2', true],
    ['ada.lovelaceX9!', false],
    ['ada.lovXk9!mPq2', true],
    ['Gr8!Ünicode1', false],
  ])('when the password is %s, then accepted is %s', (password, accepted) => {
    const check = (): void => checkPassword(password, context);
    if (accepted) expect(check).not.toThrow();
    else expect(check).toThrow();
  });
});

// https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership
describe('dynamic membership rules', () => {
  const user = (fields: Partial<DirectoryUser>) => newDirectoryUser({ id: '00000000-0000-4000-8000-000000000001', userPrincipalName: 'a@contoso.com', displayName: 'A', mailNickname: 'a', ...fields }, new Date());
  it.each([
    ['(user.department -eq "Sales")', { department: 'sales' }, true],
    ['(user.department -eq "Sales")', { department: 'Retail' }, false],
    ['user.department -ne "Sales"', { department: null }, true],
    ['(user.jobTitle -startsWith "Sales") -and (user.country -eq "US")', { jobTitle: 'Sales Rep', country: 'US' }, true],
    ['(user.jobTitle -contains "rep") -or (user.city -eq "Tulsa")', { jobTitle: 'Manager', city: 'Tulsa' }, true],
    ['-not (user.department -in ["Sales","Marketing"])', { department: 'Marketing' }, false],
    ['user.extensionAttribute1 -eq "contractor"', { onPremisesExtensionAttributes: { extensionAttribute1: 'Contractor' } }, true],
    ['user.accountEnabled -eq true', { accountEnabled: false }, false],
    ['user.department -match "^Sa"', { department: 'Sales' }, true],
  ])('when %s is evaluated against a user, then membership is as Entra would decide', (rule, fields, expected) => {
    expect(matchesMembershipRule(parseMembershipRule(rule), user(fields))).toBe(expected);
  });

  it.each(['(user.department -like "x")', 'department -eq "x"', '(user.department -eq "x"', 'user.shoeSize -eq "9"', 'user.department -eq Sales'])(
    'when the rule %s is read, then it is refused with a reason',
    (rule) => expect(() => parseMembershipRule(rule)).toThrow(MembershipRuleError),
  );
});
