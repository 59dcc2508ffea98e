import { describe, expect, it } from 'vitest';
import { validateOnboardingForm, type FieldProblem } from '../../src/onboarding/index.js';
import { form, seedDomains } from './fakes.js';

const context = { domains: seedDomains, aliasPattern: 'given.surname' as const };
const problemsOf = (input: unknown): FieldProblem[] => {
  const result = validateOnboardingForm(input, context);
  return result.ok ? [] : [...result.problems];
};

describe('validateOnboardingForm', () => {
  it('when the form is complete, then the request carries the derived UPN, the default display name and the hire date', () => {
    const result = validateOnboardingForm(form({ startDate: '2025-04-01', usageLocation: 'es' }), context);
    expect(result).toEqual({
      ok: true,
      request: expect.objectContaining({
        givenName: 'José', surname: 'Núñez', displayName: 'José Núñez', alias: 'jose.nunez', domain: 'contoso.com',
        userPrincipalName: 'jose.nunez@contoso.com', mailNickname: 'jose.nunez', usageLocation: 'ES',
        employeeHireDate: '2025-04-01T00:00:00Z', manager: 'adele.vance@contoso.com', ticketReference: 'HR-1234',
      }),
    });
  });

  it('when the domain is left out, then the tenant’s default domain is used', () => {
    const result = validateOnboardingForm(form({ domain: undefined }), context);
    expect(result.ok && result.request.userPrincipalName).toBe('jose.nunez@contoso.com');
  });

  it('when several fields are wrong, then one pass reports every one of them', () => {
    const problems = problemsOf({ givenName: '', surname: 'X'.repeat(65), domain: 'northwind.example', usageLocation: 'XX', startDate: '2025-02-30' });
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['businessJustification', 'domain', 'givenName', 'startDate', 'surname', 'ticketReference', 'usageLocation'].sort(),
    );
    for (const p of problems) expect(p.message).toMatch(/^[A-Z].*\.$/);
  });

  it.each([
    ['givenName', { givenName: '  ' }, 'The given name is required.'],
    ['givenName', { givenName: 'Jo\u202Ese' }, 'The given name contains invisible or control characters; please retype it.'],
    ['givenName', { givenName: 'Jo\u200Bse' }, 'The given name contains invisible or control characters; please retype it.'],
    ['surname', { surname: 'Nu\u0000nez' }, 'The surname contains invisible or control characters; please retype it.'],
    ['surname', { surname: '1234' }, 'The surname must contain at least one letter.'],
    ['surname', { surname: '<script>' }, 'The surname may not contain < > @ " \\ ; or :.'],
    ['givenName', { givenName: 42 }, 'The given name must be text.'],
    ['displayName', { displayName: 'D'.repeat(257) }, 'The display name is longer than 256 characters.'],
    ['domain', { domain: 'northwind.example' }, 'The domain northwind.example is not a verified domain of the organisation; use one of: contoso.com, contoso.onmicrosoft.com.'],
    ['domain', { domain: 'fabrikam.com' }, 'The domain fabrikam.com is federated: its accounts come from the on-premises directory. Use one of: contoso.com, contoso.onmicrosoft.com.'],
    ['domain', { domain: 'evil.example' }, 'The domain evil.example is not a verified domain of the organisation; use one of: contoso.com, contoso.onmicrosoft.com.'],
    ['alias', { alias: 'jose.' }, 'The user name cannot end with a dot.'],
    ['alias', { alias: 'josé' }, "The user name may only use letters a–z, digits and ' . - _ ! # ^ ~ (no accents or spaces)."],
    ['alias', { givenName: '山田', surname: '太郎' }, "The given name uses letters (山田) we don't spell in Latin letters automatically. Please type the user name you want."],
    ['usageLocation', { usageLocation: 'USA' }, 'The usage location is longer than 2 characters.'],
    ['usageLocation', { usageLocation: 'ZZ' }, 'The usage location must be a two-letter country code such as US, GB or JP.'],
    ['startDate', { startDate: '01/04/2025' }, 'The start date must be a date written YYYY-MM-DD.'],
    ['startDate', { startDate: '2025-13-01' }, 'The start date must be a date written YYYY-MM-DD.'],
    ['manager', { manager: 'Adele Vance' }, "The manager must be the manager's user name, like adele.vance@contoso.com."],
    ['ticketReference', { ticketReference: 'HR 12' }, 'The ticket reference may contain letters, digits and . _ - / # only.'],
    ['businessJustification', { businessJustification: 'because' }, 'The business justification needs at least a short sentence (10 characters).'],
    ['businessJustification', { businessJustification: 'x\u202E'.repeat(10) }, 'The business justification contains invisible or control characters; please retype it.'],
  ])('when %s is %j, then the problem says %j', (field, overrides, message) => {
    expect(problemsOf(form(overrides))).toContainEqual(expect.objectContaining({ field, message }));
  });

  it.each([
    [{ alias: 'Custom.Name' }, 'custom.name@contoso.com'],
    [{ givenName: 'Иван', surname: 'Петров', alias: 'ivan.petrov' }, 'ivan.petrov@contoso.com'],
    [{ domain: 'contoso.onmicrosoft.com' }, 'jose.nunez@contoso.onmicrosoft.com'],
    [{ businessJustification: 'Line one\nline two of the reason.' }, 'jose.nunez@contoso.com'],
    [{ manager: '$svc@contoso.com' }, 'jose.nunez@contoso.com'],
  ])('when the form has %j, then it is accepted as %s', (overrides, upn) => {
    const result = validateOnboardingForm(form(overrides), context);
    expect(result.ok && result.request.userPrincipalName).toBe(upn);
  });

  it.each([null, 'text', [], 42])('when the card data is %j, then it is refused with a sentence, not an exception', (input) => {
    expect(problemsOf(input).length).toBeGreaterThan(0);
  });

  it('when the card sends extra or huge fields, then they are ignored or reported, never stored whole', () => {
    const problems = problemsOf(form({ givenName: 'A'.repeat(1_000_000), __proto__: { admin: true }, extra: 'x' }));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'givenName', message: 'The given name is longer than 64 characters.' }));
  });
});
