import { describe, expect, it } from 'vitest';
import { readOnboardingForm, validateOnboardingForm, type FieldProblem, type VerifiedDomain } from '../../src/onboarding/index.js';
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
    // The display name names the new person in the welcome mail's To header: the given name's and surname's rules (issue 26).
    ['displayName', { displayName: 'Liv Sandberg <evil@attacker.example>, x' }, 'The display name may not contain < > @ " \\ ; or :.'],
    ['displayName', { displayName: 'Liv "the boss" Sandberg' }, 'The display name may not contain < > @ " \\ ; or :.'],
    ['displayName', { displayName: 'Team: Liv;' }, 'The display name may not contain < > @ " \\ ; or :.'],
    ['displayName', { displayName: '1234' }, 'The display name must contain at least one letter.'],
    ['domain', { domain: 'northwind.example' }, 'The domain northwind.example is not a verified domain of the organisation; use one of: contoso.com, contoso.onmicrosoft.com.'],
    ['domain', { domain: 'contoso.eu' }, 'The domain contoso.eu is federated: its accounts come from the on-premises directory. Use one of: contoso.com, contoso.onmicrosoft.com.'],
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
    // Commas, dots and parentheses stay allowed in a display name: the mail quotes them.
    [{ displayName: 'Núñez, José (Contractor) Jr.' }, 'jose.nunez@contoso.com'],
  ])('when the form has %j, then it is accepted as %s', (overrides, upn) => {
    const result = validateOnboardingForm(form(overrides), context);
    expect(result.ok && result.request.userPrincipalName).toBe(upn);
  });

  // Each case is wrapped in its own array: a bare [] would be spread by it.each and arrive as undefined.
  it.each([[null], ['text'], [[]], [42], [undefined]])('when the card data is %j, then it is refused with a sentence, not an exception', (input) => {
    expect(problemsOf(input)[0]).toEqual({ field: 'givenName', message: 'The request form was empty or unreadable.' });
  });

  it('when the card sends extra or huge fields, then they are ignored or reported, never stored whole', () => {
    const problems = problemsOf(form({ givenName: 'A'.repeat(1_000_000), __proto__: { admin: true }, extra: 'x' }));
    expect(problems).toContainEqual(expect.objectContaining({ field: 'givenName', message: 'The given name is longer than 64 characters.' }));
  });
});

const longest = {
  givenName: 64, surname: 64, displayName: 256, alias: 64, domain: 48, usageLocation: 2, jobTitle: 128, department: 64,
  employeeType: 64, companyName: 64, officeLocation: 128, startDate: 10, manager: 113, ticketReference: 64, businessJustification: 1000,
} as const;

describe('validateOnboardingForm field limits', () => {
  it.each([
    ['givenName', 'The given name'], ['surname', 'The surname'], ['displayName', 'The display name'], ['alias', 'The user name'],
    ['domain', 'The domain'], ['usageLocation', 'The usage location'], ['jobTitle', 'The job title'], ['department', 'The department'],
    ['employeeType', 'The employee type'], ['companyName', 'The company'], ['officeLocation', 'The office'], ['startDate', 'The start date'],
    ['manager', 'The manager'], ['ticketReference', 'The ticket reference'], ['businessJustification', 'The business justification'],
  ] as const)('when %s is one character too long, then the problem says "%s is longer than …"', (field, label) => {
    const problems = problemsOf(form({ [field]: 'x'.repeat(longest[field] + 1) }));
    expect(problems).toContainEqual({ field, message: `${label} is longer than ${longest[field]} characters.` });
  });

  it('when every free-text field is exactly at its limit, then the request is accepted with the values whole', () => {
    const atLimit = {
      givenName: 'G'.repeat(64), surname: 'S'.repeat(64), displayName: 'D'.repeat(256), jobTitle: 'J'.repeat(128), department: 'P'.repeat(64),
      employeeType: 'E'.repeat(64), companyName: 'C'.repeat(64), officeLocation: 'O'.repeat(128), ticketReference: 'T'.repeat(64),
      businessJustification: 'B'.repeat(1000),
    };
    const result = validateOnboardingForm(form(atLimit), context);
    expect(result).toEqual({ ok: true, request: expect.objectContaining(atLimit) });
  });

  it('when a field holds characters outside the Basic Multilingual Plane, then its limit counts characters, not UTF-16 units', () => {
    const result = validateOnboardingForm(form({ jobTitle: '😀'.repeat(128) }), context);
    expect(result.ok && result.request.jobTitle).toBe('😀'.repeat(128));
  });

  it('when the card sends a megabyte, then the form keeps only enough of it to report "too long"', () => {
    const { form: read } = readOnboardingForm({ givenName: 'A'.repeat(1_000_000) });
    expect(read.givenName?.length).toBeGreaterThan(longest.givenName);
    expect(read.givenName?.length).toBeLessThan(1_000);
  });
});

describe('validateOnboardingForm rules', () => {
  it('when every optional field is filled, then each one reaches the request', () => {
    const result = validateOnboardingForm(
      form({ displayName: 'José N.', employeeType: 'Employee', companyName: 'Contoso', officeLocation: 'Madrid', startDate: '2025-04-01' }),
      context,
    );
    expect(result).toEqual({
      ok: true,
      request: {
        givenName: 'José', surname: 'Núñez', displayName: 'José N.', alias: 'jose.nunez', domain: 'contoso.com',
        userPrincipalName: 'jose.nunez@contoso.com', mailNickname: 'jose.nunez', usageLocation: 'ES', jobTitle: 'Engineer',
        department: 'R&D', employeeType: 'Employee', companyName: 'Contoso', officeLocation: 'Madrid',
        employeeHireDate: '2025-04-01T00:00:00Z', manager: 'adele.vance@contoso.com', ticketReference: 'HR-1234',
        businessJustification: 'New hire in the platform team starting Monday.',
      },
    });
  });

  it.each([
    ['givenName', 'The given name is required.'],
    ['surname', 'The surname is required.'],
    ['usageLocation', 'The usage location is required.'],
    ['ticketReference', 'The ticket reference is required.'],
    ['businessJustification', 'The business justification is required.'],
  ])('when %s is left out, then the problem says %j', (field, message) => {
    expect(problemsOf(form({ [field]: undefined }))).toContainEqual({ field, message });
  });

  it.each([
    [{ givenName: 'Jo\nse' }, 'givenName', 'The given name contains invisible or control characters; please retype it.'],
    [{ surname: 'Nu\r\nnez' }, 'surname', 'The surname contains invisible or control characters; please retype it.'],
    [{ jobTitle: 'Engineer\tII' }, 'jobTitle', 'The job title contains invisible or control characters; please retype it.'],
    [{ department: 'R\u2066D' }, 'department', 'The department contains invisible or control characters; please retype it.'],
    [{ alias: 'jose\u00ADnunez' }, 'alias', 'The user name contains invisible or control characters; please retype it.'],
    [{ businessJustification: 'Line one\rline two of the reason.' }, 'businessJustification', 'The business justification contains invisible or control characters; please retype it.'],
    [{ businessJustification: 'Line one\u2028line two of the reason.' }, 'businessJustification', 'The business justification contains invisible or control characters; please retype it.'],
  ])('when the form has %j, then a line break or invisible character is refused in %s', (overrides, field, message) => {
    expect(problemsOf(form(overrides))).toContainEqual({ field, message });
  });

  it('when the business justification uses Windows line breaks, then it is accepted', () => {
    const result = validateOnboardingForm(form({ businessJustification: 'Line one\r\nline two of the reason.' }), context);
    expect(result.ok).toBe(true);
  });

  it.each([
    ['Ten chars.', true],
    ['Nine char', false],
  ])('when the business justification is %j, then it is accepted: %s (10 characters at least)', (businessJustification, accepted) => {
    expect(validateOnboardingForm(form({ businessJustification }), context).ok).toBe(accepted);
  });

  it.each(['AD', 'BZ', 'CA', 'FR', 'GA', 'JO', 'JP', 'MR', 'MS', 'RO', 'RS', 'TV', 'TW', 'ZW', 'us'])(
    'when the usage location is %s, then it is accepted as a country code',
    (usageLocation) => {
      const result = validateOnboardingForm(form({ usageLocation }), context);
      expect(result.ok && result.request.usageLocation).toBe(usageLocation.toUpperCase());
    },
  );

  it.each([
    'adele vance@contoso.com',
    'adele.vance@contoso.com/x',
    'adele.vance@contoso.com?x',
    'adele@vance@contoso.com',
    '@contoso.com',
    'adele.vance@',
    'adele.vance@contoso_com',
  ])('when the manager is %j, then it is refused as not a user name', (manager) => {
    expect(problemsOf(form({ manager }))).toContainEqual({ field: 'manager', message: "The manager must be the manager's user name, like adele.vance@contoso.com." });
  });

  it('when the manager is typed in capitals, then it is kept in lower case', () => {
    const result = validateOnboardingForm(form({ manager: 'Adele.Vance@Contoso.com' }), context);
    expect(result.ok && result.request.manager).toBe('adele.vance@contoso.com');
  });

  it.each([
    [{ domain: 'northwind.example' }, { field: 'domain', message: 'The domain northwind.example is not a verified domain of the organisation; use one of: contoso.com, contoso.onmicrosoft.com.', code: 'DOMAIN_NOT_VERIFIED' }],
    [{ domain: 'contoso.eu' }, { field: 'domain', message: 'The domain contoso.eu is federated: its accounts come from the on-premises directory. Use one of: contoso.com, contoso.onmicrosoft.com.', code: 'DOMAIN_NOT_VERIFIED' }],
    [{ givenName: '山田', surname: '太郎' }, { field: 'alias', message: "The given name uses letters (山田) we don't spell in Latin letters automatically. Please type the user name you want.", code: 'ALIAS_NEEDED' }],
    [{ alias: 'jose.' }, { field: 'alias', message: 'The user name cannot end with a dot.' }],
  ])('when the form has %j, then the problem carries its code: %j', (overrides, problem) => {
    expect(problemsOf(form(overrides))).toContainEqual(problem);
  });

  it.each([
    [{ givenName: 42 }, 'givenName'],
    [{ surname: '<1>' }, 'surname'],
    [{ givenName: '1234', surname: 'Петров' }, 'givenName'],
    [{ givenName: 'Иван', surname: '1234' }, 'surname'],
  ])('when the form has %j, then only %s is reported, once (no second problem piled on it)', (overrides, field) => {
    expect(problemsOf(form(overrides))).toEqual([expect.objectContaining({ field })]);
  });

  it('when a field is null, then it counts as left out', () => {
    const result = validateOnboardingForm(form({ jobTitle: null, alias: null, displayName: null }), context);
    expect(result.ok && [result.request.jobTitle, result.request.alias, result.request.displayName]).toEqual([undefined, 'jose.nunez', 'José Núñez']);
  });

  it('when the card data inherits fields from its prototype, then only its own fields are read', () => {
    const input = Object.assign(Object.create({ alias: 'admin', manager: 'mallory@contoso.com' }) as object, form({ manager: undefined }));
    const result = validateOnboardingForm(input, context);
    expect(result.ok && [result.request.alias, result.request.manager]).toEqual(['jose.nunez', undefined]);
  });
});

describe('validateOnboardingForm domains', () => {
  const domain = (name: string, isDefault: boolean, isVerified = true): VerifiedDomain => ({ name, isDefault, isVerified, authenticationType: 'Managed' });
  const problemsIn = (domains: VerifiedDomain[], input: unknown): FieldProblem[] => {
    const result = validateOnboardingForm(input, { domains, aliasPattern: 'given.surname' });
    return result.ok ? [] : [...result.problems];
  };

  it('when the default domain is not the first one listed, then the default is still the one used', () => {
    const result = validateOnboardingForm(form({ domain: undefined }), {
      domains: [domain('contoso.onmicrosoft.com', false), domain('contoso.com', true)], aliasPattern: 'given.surname',
    });
    expect(result.ok && result.request.userPrincipalName).toBe('jose.nunez@contoso.com');
  });

  it('when the default domain is not verified and none is typed, then a domain is asked for among the verified ones', () => {
    const problems = problemsIn([domain('northwind.example', true, false), domain('contoso.com', false)], form({ domain: undefined }));
    expect(problems).toEqual([{ field: 'domain', message: 'The domain is required (one of: contoso.com).' }]);
  });

  it('when the tenant has no default domain and none is typed, then a domain is asked for, and a wrong alias is still reported', () => {
    const domains = [domain('contoso.onmicrosoft.com', false)];
    expect(problemsIn(domains, form({ domain: undefined }))).toEqual([
      { field: 'domain', message: 'The domain is required (one of: contoso.onmicrosoft.com).' },
    ]);
    expect(problemsIn(domains, form({ domain: undefined, alias: 'josé' })).map((p) => p.field)).toEqual(['domain', 'alias']);
  });

  it('when the default domain is longer than Graph allows, then the derived user name is refused with the reason', () => {
    const long = `${'d'.repeat(45)}.example`;
    expect(problemsIn([domain(long, true)], form({ domain: undefined }))).toEqual([
      { field: 'alias', message: 'The domain is longer than 48 characters.' },
    ]);
  });
});
