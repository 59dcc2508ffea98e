/**
 * Sentences about someone from another organisation (issue 24): their work address there
 * prepares a guest invitation; an address on one of the tenant's own domains never does.
 */
import { describe, expect, it } from 'vitest';
import { extractOnboardingRequest, type MessageContext } from '../../src/request-reading/index.js';
import { validateOnboardingForm } from '../../src/onboarding/request/request.js';
import { seedDomains } from '../onboarding/fakes.js';

const today = '2026-01-05';
// The seed's verified domains, as the bot passes them (contoso.eu among them: federated, verified).
const knownDomains = seedDomains.filter((d) => d.isVerified).map((d) => d.name);
const context: MessageContext = { today, knownDomains };
const read = (text: string) => extractOnboardingRequest(text, context);

describe('a guest read from a sentence', () => {
  it('when the issue’s own sentence names jane.doe@fabrikam.com (Fabrikam is another organisation, not a domain of the tenant), then the form is a guest invitation for that address', () => {
    const result = read('Jane Doe, contractor from Fabrikam, jane.doe@fabrikam.com, Marketing, ticket INC-5100');
    expect(result.form).toEqual({
      accountKind: 'guest', guestEmail: 'jane.doe@fabrikam.com', givenName: 'Jane', surname: 'Doe', displayName: 'Jane Doe',
      companyName: 'Fabrikam', department: 'Marketing', employeeType: 'Contractor', ticketReference: 'INC-5100',
    });
  });

  it('when a sentence names an address at another organisation, then the form is a guest invitation for that address, company and all, that validates as it stands', () => {
    const result = read('Jane Doe, contractor from Tailspin Toys, jane.doe@tailspin.example, Marketing, ticket INC-5100');
    expect(result.isAccountRequest).toBe(true);
    expect(result.form).toEqual({
      accountKind: 'guest', guestEmail: 'jane.doe@tailspin.example', givenName: 'Jane', surname: 'Doe', displayName: 'Jane Doe',
      companyName: 'Tailspin Toys', department: 'Marketing', employeeType: 'Contractor', ticketReference: 'INC-5100',
    });
    expect(result.notes).toContain("jane.doe@tailspin.example is an address at another organisation, so I prepared a guest invitation: they sign in with their own organisation's account, with no password from us. Choose Member on the form if they need an account of ours instead.");
    const validation = validateOnboardingForm({ ...result.form, businessJustification: 'Spring campaign contractor.' }, { domains: seedDomains, aliasPattern: 'given.surname' });
    expect(validation).toMatchObject({ ok: true, request: { guestEmail: 'jane.doe@tailspin.example' } });
  });

  it('when the address is on contoso.eu, one of the tenant’s own verified (federated) domains, then it is read as a user name of ours, never a guest', () => {
    const result = read('Jane Doe, contractor from Contoso Europe, jane.doe@contoso.eu, Marketing, ticket INC-5100');
    expect(result.isAccountRequest).toBe(true);
    expect(result.form).toMatchObject({ alias: 'jane.doe', domain: 'contoso.eu', companyName: 'Contoso Europe' });
    expect(result.form.accountKind).toBeUndefined();
    expect(result.form.guestEmail).toBeUndefined();
  });

  it('when the address is on a subdomain of ours, then it is neither a user name nor a guest, and the note says it is not external', () => {
    const result = read('please set up Jane Doe, jane.doe@eu.contoso.com, ticket INC-5101');
    expect(result.form.guestEmail).toBeUndefined();
    expect(result.form.alias).toBeUndefined();
    expect(result.notes.join(' ')).toMatch(/one of the organisation's own verified domains, so the person is not external/);
  });

  it('when someone asks to invite a person as a guest, then that reads as a request', () => {
    const result = read('please invite Jane Doe from Tailspin Toys as a guest, jane.doe@tailspin.example, ticket INC-5102');
    expect(result.isAccountRequest).toBe(true);
    expect(result.form).toMatchObject({ givenName: 'Jane', surname: 'Doe', accountKind: 'guest', guestEmail: 'jane.doe@tailspin.example' });
  });

  it('when a guest sentence also names a personal email, then it is left out with a note: the invitation goes to the work address', () => {
    const result = read('invite Jane Doe, jane.doe@tailspin.example, personal email jane@example.org, ticket INC-5103');
    expect(result.form.personalEmail).toBeUndefined();
    expect(result.notes).toContain('I left out jane@example.org: a guest gets the invitation at their work email, not a welcome email.');
  });
});

describe('an end date read from a sentence', () => {
  it.each([
    ['contractor from Tailspin Toys until 31 March, jane.doe@tailspin.example, ticket INC-5104', '2026-03-31'],
    ['new user for Adele Vance, starts 12 January, contract ends 30 June, ticket INC-5105', '2026-06-30'],
    ['new user for Adele Vance, end date 2026-09-30, ticket INC-5106', '2026-09-30'],
  ])('when %j, then the end date is %s and it is not taken for the start date', (text, endDate) => {
    const result = read(text);
    expect(result.form.endDate).toBe(endDate);
    expect(result.form.startDate).not.toBe(endDate);
    expect(result.notes.some((n) => n.startsWith('I read the end date as'))).toBe(true);
  });

  it('when "from … until …" gives both, then each is read as itself', () => {
    expect(read('new user for Adele Vance from 2 February until 31 March, ticket INC-5107').form).toMatchObject({ startDate: '2026-02-02', endDate: '2026-03-31' });
  });

  it('when the end date would be before the start date, then it is left empty with a note', () => {
    const result = read('new user for Adele Vance, starts 1 June 2026, until 31 March 2026, ticket INC-5108');
    expect(result.form.endDate).toBeUndefined();
    expect(result.notes).toContain('The end date I read (2026-03-31) is before the start date, so I left the end date empty.');
  });

  it('when the end date names a day that does not exist, then the note says so for the end date', () => {
    expect(read('new user for Adele Vance until 31 April 2026, ticket INC-5109').notes).toContain('There is no 31 April, so I left the end date empty.');
  });
});
