import { describe, expect, it } from 'vitest';
import { validateOnboardingForm } from '../../src/onboarding/index.js';
import { form, seedDomains } from './fakes.js';

const context = { domains: seedDomains, aliasPattern: 'given.surname' as const };
const validate = (personalEmail: unknown) => validateOnboardingForm(form({ personalEmail }), context);
const problemOf = (personalEmail: unknown) => {
  const result = validate(personalEmail);
  return result.ok ? undefined : result.problems.find((p) => p.field === 'personalEmail')?.message;
};

describe('personal email (for the welcome email)', () => {
  it('when it is left out or blank, then the request has none and nothing is wrong', () => {
    for (const value of [undefined, '', '   ']) {
      const result = validate(value);
      expect(result.ok && result.request.personalEmail).toBeUndefined();
    }
  });

  it('when it is one plain address, then it is kept trimmed with its domain in lower case', () => {
    const result = validate('  Jose.Nunez+work@Example.ORG ');
    expect(result.ok && result.request.personalEmail).toBe('Jose.Nunez+work@example.org');
  });

  it('when its local part has letters outside ASCII, then it is refused (not every mail system on the way takes them)', () => {
    expect(problemOf('José.Núñez@example.org')).toBe('The personal email must be one address, like adele@example.com.');
  });

  it.each([
    ['two addresses', 'a@example.org, b@example.org'],
    ['a list with semicolons', 'a@example.org;b@example.org'],
    ['a display name', 'Adele <adele@example.org>'],
    ['no domain', 'adele@'],
    ['no dot in the domain', 'adele@localhost'],
    ['a double dot', 'adele..v@example.org'],
    ['a quoted local part', '"adele v"@example.org'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.org`],
    ['a domain label starting with a hyphen', 'adele@-example.org'],
  ])('when it is %s, then one sentence says what is expected', (_what, value) => {
    expect(problemOf(value)).toBe('The personal email must be one address, like adele@example.com.');
  });

  it.each([
    ['a CR/LF (a header injection attempt)', 'adele@example.org\r\nBcc: all@example.org'],
    ['a LF', 'adele@example.org\nx'],
    ['a zero-width space', 'adele\u200B@example.org'],
  ])('when it carries %s, then it is refused as invisible characters', (_what, value) => {
    expect(problemOf(value)).toBe('The personal email contains invisible or control characters; please retype it.');
  });

  it('when it is longer than 254 characters, then the sentence names the limit', () => {
    expect(problemOf(`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.org`)).toBe('The personal email is longer than 254 characters.');
  });

  it.each(['adele@contoso.com', 'adele@CONTOSO.com', 'adele@mail.contoso.com', 'adele@contoso.onmicrosoft.com'])(
    'when it is on one of the organisation\'s verified domains (%s), then it is refused with the reason',
    (value) => {
      expect(problemOf(value)).toMatch(/^The personal email must be the person's own address outside the organisation, not @[a-z.]+: their new mailbox is what the email is about\.$/);
    },
  );

  it('when it is on a domain the tenant lists but has not verified, then it is accepted (that domain is not the organisation\'s yet)', () => {
    const result = validate('adele@northwind.example');
    expect(result.ok && result.request.personalEmail).toBe('adele@northwind.example');
  });

  it('when it is not text, then the form says so and nothing else about it', () => {
    expect(problemOf(42)).toBe('The personal email must be text.');
  });
});
