import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extractOnboardingRequest, MESSAGE_TEXT_CAP, normaliseMessageText, type MessageContext,
} from '../../src/request-reading/index.js';
import { formFields, validateOnboardingForm, type FormField } from '../../src/onboarding/request/request.js';
import { seedDomains } from '../onboarding/fakes.js';

// A Friday. "Monday" is then 2026-11-23, "Friday" a week later, 1 December a Tuesday.
const today = '2026-11-20';
const context: MessageContext = { today, knownDomains: ['contoso.com', 'contoso.onmicrosoft.com'] };
const extract = (text: string, overrides: Partial<MessageContext> = {}) => extractOnboardingRequest(text, { ...context, ...overrides });

describe('extractOnboardingRequest: the message from the issue', () => {
  it('when a manager writes the issue’s sentence, then the form is prefilled with name, department, type, start date and ticket', () => {
    const result = extract('please create an account for Adele Vance, Marketing, contractor, starts 1 Dec, ticket INC-4711');

    expect(result).toEqual({
      isAccountRequest: true,
      form: {
        givenName: 'Adele', surname: 'Vance', displayName: 'Adele Vance', department: 'Marketing',
        employeeType: 'Contractor', startDate: '2026-12-01', ticketReference: 'INC-4711',
      },
      notes: ['I read the start date as Tuesday 1 December 2026.'],
    });
  });

  it('when the prefilled form is completed with the fields a sentence cannot carry, then the request validates', () => {
    const { form } = extract('please create an account for Adele Vance, Marketing, contractor, starts 1 Dec, ticket INC-4711');

    const result = validateOnboardingForm(
      { ...form, usageLocation: 'GB', businessJustification: 'New marketing contractor for the winter campaign.' },
      { domains: seedDomains, aliasPattern: 'given.surname' },
    );

    expect(result.ok && result.request).toEqual(expect.objectContaining({
      userPrincipalName: 'adele.vance@contoso.com', employeeHireDate: '2026-12-01T00:00:00Z', employeeType: 'Contractor',
    }));
  });

  it('when the sentence arrives as Teams HTML with the bot’s mention, then it reads the same', () => {
    const html = '<at>Onboarding</at>&nbsp;<p>please create an account for <b>Adele</b> Vance, Marketing,&nbsp;contractor, starts 1&nbsp;Dec, ticket INC&#45;4711</p>';

    expect(extract(html)).toEqual(extract('please create an account for Adele Vance, Marketing, contractor, starts 1 Dec, ticket INC-4711'));
  });
});

describe('extractOnboardingRequest: is it an account request', () => {
  it.each([
    ['please create an account for Adele Vance', true],
    ['can you set up a login for Adele Vance?', true],
    ['onboard Adele Vance', true],
    ['new user', true],
    ['New starter on Monday', true],
    ['we have a new hire', true],
    ['Adele Vance needs an account', true],
    ['Adele Vance is joining on Monday', true],
    ['<at>Onboarding</at> new user', true],
    ['help', false],
    ['Help me', false],
    ['status', false],
    ['Status?', false],
    ['<at>Onboarding</at> status', false],
    ['What is the status of the account for Adele Vance?', false],
    ['set ticket channel', false],
    ['thanks, see you tomorrow', false],
    ['', false],
  ])('when the message is %j, then isAccountRequest is %s', (text, expected) => {
    expect(extract(text).isAccountRequest).toBe(expected);
  });
});

describe('extractOnboardingRequest: requests that name the person instead of saying "account" (today is Sunday 2026-11-22)', () => {
  const sunday: MessageContext = { today: '2026-11-22', knownDomains: ['contoso.com'] };
  const adele = { givenName: 'Adele', surname: 'Vance', displayName: 'Adele Vance' };

  it.each([
    [
      'Hi, can you set up Adele Vance (marketing) starting next Monday? INC-4711',
      { ...adele, department: 'Marketing', startDate: '2026-11-23', ticketReference: 'INC-4711' },
    ],
    [
      'We need an account for our new intern María José García-López, she starts tomorrow',
      { givenName: 'María José', surname: 'García-López', displayName: 'María José García-López', employeeType: 'Intern', startDate: '2026-11-23' },
    ],
    ['account for Adele Vance pls', adele],
    [
      'Adele Vance starts Monday in Marketing as Product Marketing Manager, reporting to Megan Bowen, INC-4711',
      {
        ...adele, department: 'Marketing', jobTitle: 'Product Marketing Manager', manager: 'Megan Bowen', startDate: '2026-11-23',
        ticketReference: 'INC-4711',
      },
    ],
  ])('when the message is %j, then it is an account request and the form is %j', (text, form) => {
    const result = extractOnboardingRequest(text, sunday);

    expect(result.isAccountRequest).toBe(true);
    expect(result.form).toEqual(form);
  });

  it('when the name follows "for our new intern" and ends in a double-barrelled surname, then a note says how it was split', () => {
    expect(extractOnboardingRequest('We need an account for our new intern María José García-López, she starts tomorrow', sunday).notes)
      .toEqual(['I took María José as the given name and García-López as the surname.', 'I read the start date as Monday 23 November 2026.']);
  });

  it('when a request without a request verb names the manager, then the manager keeps its note', () => {
    const result = extractOnboardingRequest('Adele Vance starts Monday in Marketing as Product Marketing Manager, reporting to Megan Bowen, INC-4711', sunday);

    expect(result.notes).toContain('I put Megan Bowen as the manager; I will look up their user name when you press Check and review.');
  });

  it.each([
    ['can you set up a meeting with Adele Vance on Monday?', {}],
    ['I need help', {}],
    ['create a report for Finance', { department: 'Finance' }],
    ['thanks, Adele Vance got her account', {}],
    ['who is Adele Vance?', {}],
    ['status', {}],
    ['help', {}],
    ["what's going on with INC-4711", { ticketReference: 'INC-4711' }],
  ])('when the message is %j, then it is not an account request and the form is %j', (text, form) => {
    const result = extractOnboardingRequest(text, sunday);

    expect(result.isAccountRequest).toBe(false);
    expect(result.form).toEqual(form);
  });

  it.each([
    ['create Adele Vance, Sales', true],
    ['provision Jean-Luc Picard', true],
    ['can I set up Adele Vance here?', true],
    ['an account for Adele Vance is needed', true],
    ['Account for Adele Vance, starts Monday', true],
    ['Adele Vance joins the Sales team on Wednesday', true],
    ['I set up Adele Vance yesterday', false],
    ['we already set up Adele Vance', false],
    ['the account for Adele Vance is locked', false],
    ['an account for Adele Vance already exists', false],
    ['Is there an account for Adele Vance?', false],
    ['set up Conditional Access for Adele Vance', false],
    ['create Teams Channel for Adele Vance', false],
    ['Adele Vance starts Monday', false],
    ['Adele Vance needs access to the Finance share from Monday, INC-4711', false],
    ['create a report for Adele Vance in Finance by Monday, INC-4711', false],
  ])('when the message is %j, then isAccountRequest is %s', (text, expected) => {
    expect(extractOnboardingRequest(text, sunday).isAccountRequest).toBe(expected);
  });
});

describe('extractOnboardingRequest: names', () => {
  it.each([
    ['create an account for Adele Vance', 'Adele', 'Vance'],
    ['new user named Ludwig van Beethoven', 'Ludwig', 'van Beethoven'],
    ['account for Maria de la Cruz, Sales', 'Maria', 'de la Cruz'],
    ["account for Seán O'Neil, starts Monday", 'Seán', "O'Neil"],
    ['account for Anne-Marie Smith-Jones', 'Anne-Marie', 'Smith-Jones'],
    ['account for Mary Jane Watson', 'Mary', 'Jane Watson'],
    ['a new user called Jürgen Groß', 'Jürgen', 'Groß'],
    ['account for Ms. Adele Vance', 'Adele', 'Vance'],
    ['account for Иван Петров', 'Иван', 'Петров'],
    ['account for Adele Vance Marketing contractor', 'Adele', 'Vance'],
    ['Adele Vance needs an account', 'Adele', 'Vance'],
    ["create an account for Megan Bowen's new hire Adele Vance", 'Adele', 'Vance'],
    ['create an account for Ad\u200Bele Va\u202Ence', 'Adele', 'Vance'],
    ['create an account for Jose\u0301 Nu\u0301n\u0303ez', 'José', 'Núñez'],
    ['account for our new intern María José García-López', 'María José', 'García-López'],
    ['account for Mary Jane Smith-Jones', 'Mary Jane', 'Smith-Jones'],
    ['account for Maria de la Cruz-López', 'Maria', 'de la Cruz-López'],
    ['create an account for the new contractor Adele Vance', 'Adele', 'Vance'],
    ['account for a new hire, Adele Vance', 'Adele', 'Vance'],
    ['new account for our new Marketing intern Adele Vance', 'Adele', 'Vance'],
    ['account for Adele Vance manager Megan Bowen', 'Adele', 'Vance'],
    ['set up Adele Vance', 'Adele', 'Vance'],
    ['set up Conditional Access for Adele Vance', 'Adele', 'Vance'],
  ])('when the message is %j, then the given name is %s and the surname %s', (text, givenName, surname) => {
    expect(extract(text).form).toEqual(expect.objectContaining({ givenName, surname, displayName: `${givenName} ${surname}` }));
  });

  it.each([
    'create an account for Adele',
    'create an account for the Marketing team',
    'create an account for adele vance',
    'create an account for INC-4711',
    'create an account for Human Resources',
  ])('when the message is %j, then no name is guessed', (text) => {
    const { form } = extract(text);
    expect(form.givenName).toBeUndefined();
    expect(form.surname).toBeUndefined();
  });

  it('when the surname has more than one word, then a note says how the name was split', () => {
    expect(extract('new user named Ludwig van Beethoven').notes).toContain('I took Ludwig as the given name and van Beethoven as the surname.');
  });
});

describe('extractOnboardingRequest: addresses', () => {
  it('when the address is on a known domain, then alias and domain are filled and the name is read from it with a note', () => {
    const result = extract('new user adele.vance@contoso.com');

    expect(result.form).toEqual({ alias: 'adele.vance', domain: 'contoso.com', givenName: 'Adele', surname: 'Vance', displayName: 'Adele Vance' });
    expect(result.notes).toContain('I took the name Adele Vance from adele.vance@contoso.com; please check the spelling.');
  });

  it('when the message has both a name and an address, then the name comes from the words and the alias from the address', () => {
    expect(extract('new user for Adele Vance <Adele.Vance@Contoso.com>').form).toEqual({
      givenName: 'Adele', surname: 'Vance', displayName: 'Adele Vance', alias: 'adele.vance', domain: 'contoso.com',
    });
  });

  it('when Teams sends the address as a mailto link, then it is read as an address', () => {
    expect(extract('new user <a href="mailto:adele.vance@contoso.com">adele.vance@contoso.com</a>').form.alias).toBe('adele.vance');
  });

  it('when the address is on a domain that is not the organisation’s, then neither alias nor domain is filled: a guest invitation is prepared and a note says why', () => {
    const result = extract('new user adele.vance@northwind.example');

    expect(result.form.alias).toBeUndefined();
    expect(result.form.domain).toBeUndefined();
    expect(result.form).toMatchObject({ accountKind: 'guest', guestEmail: 'adele.vance@northwind.example' });
    expect(result.notes[0]).toMatch(/^adele\.vance@northwind\.example is an address at another organisation, so I prepared a guest invitation/);
  });

  it('when no domains are known, then the alias is filled and the domain left for the form', () => {
    const result = extractOnboardingRequest('new user adele.vance@contoso.com', { today });

    expect(result.form.alias).toBe('adele.vance');
    expect(result.form.domain).toBeUndefined();
  });

  it.each([
    'new user for Adele Vance, personal email adele.v@example.org',
    'new user for Adele Vance, her private e-mail address is adele.v@example.org',
    'new user for Adele Vance; send the welcome email to adele.v@example.org',
    'new user for Adele Vance, home address: adele.v@Example.ORG',
  ])('when an address follows a personal-email cue (%s), then it is the personal email with a note, not the user name', (text) => {
    const result = extract(text);

    expect(result.form.personalEmail).toBe('adele.v@example.org');
    expect(result.form.alias).toBeUndefined();
    expect(result.notes).toContain('I put adele.v@example.org as the personal email: the welcome email goes there (never the password).');
  });

  it('when the message has the new person\'s address and a personal one, then each goes to its field', () => {
    const result = extract('new user adele.vance@contoso.com, personal email adele@example.org, manager megan.bowen@contoso.com');

    expect(result.form).toMatchObject({ alias: 'adele.vance', domain: 'contoso.com', personalEmail: 'adele@example.org', manager: 'megan.bowen@contoso.com' });
  });

  it('when the personal email is on the organisation\'s own domain, then it is left out and a note says why', () => {
    const result = extract('new user for Adele Vance, personal email adele@contoso.com');

    expect(result.form.personalEmail).toBeUndefined();
    expect(result.form.alias).toBeUndefined();
    expect(result.notes.join(' ')).toContain("must be the person's own address outside the organisation");
  });

  it('when the only address follows "manager", then it is the manager, not the new person', () => {
    const result = extract('new user for Adele Vance, manager megan.bowen@contoso.com');

    expect(result.form.manager).toBe('megan.bowen@contoso.com');
    expect(result.form.alias).toBeUndefined();
  });
});

describe('extractOnboardingRequest: ticket references', () => {
  it.each([
    ['ticket INC-4711', 'INC-4711'],
    ['REQ0012345', 'REQ0012345'],
    ['see RITM0012345', 'RITM0012345'],
    ['SR-12', 'SR-12'],
    ['change CHG0034567', 'CHG0034567'],
    ['ticket 4711', '4711'],
    ['ticket no. 4711', '4711'],
    ['ticket #4711', '4711'],
    ['#4711', '4711'],
    ['ticket: ONB-42', 'ONB-42'],
    ['inc-4711', 'INC-4711'],
    ['ticket ＩＮＣ－４７１１', 'INC-4711'],
  ])('when the message says %j, then the ticket reference is %s', (fragment, ticketReference) => {
    expect(extract(`new user for Adele Vance, ${fragment}`).form.ticketReference).toBe(ticketReference);
  });

  it.each(['new user for Adele Vance, starts 2026-12-01', 'new user adele.vance@contoso.com', 'new user for Adele Vance'])(
    'when the message %j has no ticket, then none is invented', (text) => {
      expect(extract(text).form.ticketReference).toBeUndefined();
    },
  );
});

describe('extractOnboardingRequest: start date (today is Friday 2026-11-20)', () => {
  it.each([
    ['starts Monday', '2026-11-23'],
    ['starts Friday', '2026-11-27'],
    ['starts next Monday', '2026-11-23'],
    ['starting 1 Dec', '2026-12-01'],
    ['starting 1 Nov', '2027-11-01'],
    ['starts 20 November', '2026-11-20'],
    ['from 2026-12-01', '2026-12-01'],
    ['start date 25/12', '2026-12-25'],
    ['starts tomorrow', '2026-11-21'],
    ['starts next week', '2026-11-23'],
    ['starts December 3rd', '2026-12-03'],
    ['starts on the 3rd of December 2027', '2027-12-03'],
    ['starts in 2 weeks', '2026-12-04'],
    ['starts 29 Feb', '2028-02-29'],
    ['joins the Sales team on Wednesday', '2026-11-25'],
    ['1 Dec', '2026-12-01'],
  ])('when the message says %j, then the start date is %s', (fragment, startDate) => {
    expect(extract(`new user for Adele Vance, ${fragment}`).form.startDate).toBe(startDate);
  });

  it('when a date is recognised, then a note reads it back with its weekday', () => {
    expect(extract('new user for Adele Vance, starts Monday').notes).toContain('I read the start date as Monday 23 November 2026.');
  });

  it('when a numeric date reads both ways, then day first is used and a note names both readings', () => {
    const result = extract('new user for Adele Vance, start date 12/01');

    expect(result.form.startDate).toBe('2027-01-12');
    expect(result.notes).toContain('12/01 could mean 1 December or 12 January; I read it day first. Writing the month as a word (or YYYY-MM-DD) avoids the doubt.');
  });

  it('when a numeric date reads both ways and the sender’s locale is en-US, then month first is used and noted', () => {
    const result = extract('new user for Adele Vance, start date 12/01', { locale: 'en-US' });

    expect(result.form.startDate).toBe('2026-12-01');
    expect(result.notes).toContain('12/01 could mean 12 January or 1 December; I read it month first. Writing the month as a word (or YYYY-MM-DD) avoids the doubt.');
  });

  it('when the written weekday does not match the date, then the date is kept and a note asks to check', () => {
    const result = extract('new user for Adele Vance, starts Monday 1 December');

    expect(result.form.startDate).toBe('2026-12-01');
    expect(result.notes).toContain('You wrote Monday, but that date is a Tuesday; please check the start date.');
  });

  it.each([
    ['starts 31 Apr', 'There is no 31 April, so I left the start date empty.'],
    ['starts 29 Feb 2027', 'There is no 29 February in 2027, so I left the start date empty.'],
    ['from 2026-02-30', '2026-02-30 is not a date, so I left the start date empty.'],
  ])('when the message says %j, then no start date is set and the note says %j', (fragment, note) => {
    const result = extract(`new user for Adele Vance, ${fragment}`);

    expect(result.form.startDate).toBeUndefined();
    expect(result.notes).toContain(note);
  });

  it('when the start date is in the past, then it is kept and a note says so', () => {
    const result = extract('new user for Adele Vance, starts 2020-01-06');

    expect(result.form.startDate).toBe('2020-01-06');
    expect(result.notes).toContain('That start date is in the past; please check it.');
  });

  it.each(['new user for Adele Vance, create it on Monday', 'new user for Adele Vance, version 1.2', 'new user for Adele Vance today'])(
    'when %j has no start cue and no written-out date, then no start date is guessed', (text) => {
      expect(extract(text).form.startDate).toBeUndefined();
    },
  );

  it('when today is not a date, then relative dates are left empty and nothing throws', () => {
    const result = extract('new user for Adele Vance, starts Monday', { today: 'not a date' });

    expect(result.form.startDate).toBeUndefined();
    expect(result.form.givenName).toBe('Adele');
  });
});

describe('extractOnboardingRequest: department, title, employee type, manager', () => {
  it.each([
    ['new user for Adele Vance, Marketing', 'Marketing'],
    ['new user for Adele Vance in HR', 'Human Resources'],
    ['new user for Adele Vance in human resources', 'Human Resources'],
    ['new user for Adele Vance, IT', 'IT'],
    ['new user for Adele Vance in the Platform Engineering team', 'Platform Engineering'],
    ['new user for Adele Vance joining the finance department', 'Finance'],
    ['new user for Adele Vance, department: Retail Banking', 'Retail Banking'],
    ['new user for Adele Vance, can you do it today', undefined],
    ['new user for Adele Vance, ticket HR-1234', undefined],
    ['new user for Adele Vance, the team is great', undefined],
    ['new user for Adele Vance, team: Platform', 'Platform'],
  ])('when the message is %j, then the department is %s', (text, department) => {
    expect(extract(text).form.department).toBe(department);
  });

  it.each([
    ['new user for Adele Vance as a Product Manager', 'Product Manager'],
    ['new user for Adele Vance as an engineer, starts Monday', 'Engineer'],
    ['new user for Adele Vance, role: Head of Sales', 'Head of Sales'],
    ['new user for Adele Vance as a contractor', undefined],
    ['new user for Adele Vance as a Marketing contractor', undefined],
    ['new user for Adele Vance as Product Marketing Manager', 'Product Marketing Manager'],
    ['new user for Adele Vance as a Marketing Manager', 'Marketing Manager'],
    ['new user for Adele Vance as senior developer', 'Senior developer'],
    ['new user for Adele Vance as of Monday as a Product Manager', 'Product Manager'],
    ['new user for Adele Vance as soon as possible', undefined],
    ['new user for Adele Vance as discussed with the manager', undefined],
    ['new user for Adele Vance as Marketing', undefined],
  ])('when the message is %j, then the job title is %s', (text, jobTitle) => {
    expect(extract(text).form.jobTitle).toBe(jobTitle);
  });

  it.each([
    ['contractor', 'Contractor'],
    ['freelancer', 'Contractor'],
    ['consultant', 'Contractor'],
    ['intern', 'Intern'],
    ['apprentice', 'Intern'],
    ['vendor', 'Vendor'],
    ['guest', 'Vendor'],
    ['permanent employee', 'Employee'],
    ['new employee, contractor', 'Contractor'],
    ['Marketing', undefined],
  ])('when the message mentions %j, then the employee type is %s', (fragment, employeeType) => {
    expect(extract(`new user for Adele Vance, ${fragment}`).form.employeeType).toBe(employeeType);
  });

  it('when the person is a guest, then a note says guests are invited and how to choose it on the form', () => {
    expect(extract('new user for Adele Vance, guest').notes).toContain(
      'Guests are invited (Entra B2B) rather than given an account: choose Guest on the form and give their work email. I set the employee type to Vendor — change it if that is wrong.',
    );
  });

  it.each([
    ['reporting to Megan Bowen', 'Megan Bowen'],
    ['reports to Megan', 'Megan'],
    ['manager: megan.bowen@contoso.com', 'megan.bowen@contoso.com'],
    ['her manager is MEGAN.BOWEN@CONTOSO.COM', 'megan.bowen@contoso.com'],
    ['reporting to me', undefined],
  ])('when the message says %j, then the manager is %s', (fragment, manager) => {
    expect(extract(`new user for Adele Vance, ${fragment}`).form.manager).toBe(manager);
  });

  it('when the manager is given by name, then a note says their user name is looked up at Check', () => {
    expect(extract('new user for Adele Vance, reporting to Megan Bowen').notes).toContain(
      'I put Megan Bowen as the manager; I will look up their user name when you press Check and review.',
    );
  });
});

describe('extractOnboardingRequest: hostile and odd input', () => {
  it('when the message is a megabyte, then only the first 2,000 characters are read', () => {
    const result = extract(`${'blah '.repeat(200_000)} create an account for Adele Vance`);

    expect(result).toEqual({ form: {}, isAccountRequest: false, notes: [] });
  });

  it('when bidi overrides and zero-width characters hide in the text, then they are stripped before matching', () => {
    const result = extract('\u202Ecreate\u200B an account for Adele\u2066 Vance, ticket IN\u200DC-4711\u202C');

    expect(result.form).toEqual(expect.objectContaining({ givenName: 'Adele', surname: 'Vance', ticketReference: 'INC-4711' }));
  });

  it('when the text is entity-encoded twice, then it is decoded once, so no markup is created', () => {
    expect(normaliseMessageText('a &amp;lt;b&amp;gt; c&nbsp;d')).toBe('a &lt;b&gt; c d');
  });

  it.each([null, undefined, 42, {}] as unknown[])('when the text is %j instead of a string, then an empty extraction comes back', (text) => {
    expect(extractOnboardingRequest(text as string, context)).toEqual({ form: {}, isAccountRequest: false, notes: [] });
  });
});

// Pieces of real requests, so random messages reach every rule, plus hostile ones.
const fragments = [
  'please create an account for', 'new user', 'onboard', 'named', 'called', 'for', 'Adele', 'Vance', 'van', 'de', 'Núñez',
  "O'Neil", 'Jean-Luc', 'Иван', '山田', 'A'.repeat(70), `${'B'.repeat(80)}son`, 'starts', 'starting', 'from', 'start date',
  '1 Dec', '31 Apr', '12/01', '2026-02-30', '2026-12-01', 'Monday', 'tomorrow', 'next week', 'in 3 weeks', 'ticket', 'INC-4711',
  `REQ${'9'.repeat(80)}`, '#4711', 'as a', 'Product Manager', 'in the', 'team', 'department:', 'Marketing', 'HR', 'IT',
  'contractor', 'guest', 'intern', 'reporting to', 'manager', 'megan.bowen@contoso.com', `${'x'.repeat(70)}@contoso.com`,
  'adele.vance@contoso.com', 'adele@northwind.example', '<at>Onboarding</at>', '<p>', '&nbsp;', '&#x202E;', '\u202E', '\u200B',
  '\uD800', ',', '.', ':', 'help', 'status',
  // Phrases chrono-node reads, and ones it reads as times or not at all.
  'next Tuesday', 'in two weeks', 'the day after tomorrow', 'this Friday', 'Monday 1 December', '29 Feb', '31 February', '13/13',
  '32/01', '12.01.2026', '1/12/26', '2027-02-29', 'at 3pm', 'in December', 'from 9 to 5', 'end of month', '1.2',
];
const message = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 12 })), { maxLength: 40 }).map((parts) => parts.join(' ')),
);
const anyContext = fc.record({
  today: fc.oneof(fc.constant(today), fc.date({ min: new Date('1990-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)), fc.string()),
  knownDomains: fc.constantFrom(undefined, ['contoso.com', 'contoso.onmicrosoft.com']),
  locale: fc.constantFrom(undefined, 'en-US', 'en-GB', 'de-DE', ''),
});

describe('extractOnboardingRequest: properties', () => {
  // extractOnboardingRequest catches nothing, so a rule that throws on some input fails this property.
  it('when any string (full Unicode, lone surrogates, markup) arrives with any context, then it never throws', () => {
    fc.assert(fc.property(message, anyContext, (text, ctx) => {
      const result = extractOnboardingRequest(text, ctx);
      expect(typeof result.isAccountRequest).toBe('boolean');
    }), { numRuns: 500 });
  });

  it('when any message is read, then every value fits its form field and passes the form’s own checks', () => {
    const limits: Record<FormField, number> = {
      givenName: 64, surname: 64, displayName: 256, alias: 64, domain: 48, usageLocation: 2, jobTitle: 128, department: 64,
      employeeType: 64, companyName: 64, officeLocation: 128, startDate: 10, manager: 113, ticketReference: 64, businessJustification: 1000,
      personalEmail: 254, secretRecipient: 16, template: 36, accountKind: 16, guestEmail: 254, endDate: 10,
    };
    fc.assert(fc.property(message, (text) => {
      const { form } = extract(text);
      for (const [field, value] of Object.entries(form)) {
        expect(formFields).toContain(field);
        expect(Array.from(value).length).toBeLessThanOrEqual(limits[field as FormField]);
      }
      const validation = validateOnboardingForm(form, { domains: seedDomains, aliasPattern: 'given.surname' });
      const problems = validation.ok ? [] : validation.problems;
      // A manager given by name is kept for the person to turn into a user name; everything else must pass.
      const present = new Set(Object.keys(form).filter((f) => f !== 'manager' && !(f === 'alias' && form.alias === undefined)));
      expect(problems.filter((p) => present.has(p.field))).toEqual([]);
      for (const p of problems) expect(p.message).not.toMatch(/longer than|invisible/);
    }), { numRuns: 500 });
  });

  it('when a message starts with help or status, then it is never an account request', () => {
    fc.assert(fc.property(
      fc.constantFrom('help', 'Help', 'HELP', 'status', 'Status', '<at>Onboarding</at> help', '<at>Onboarding</at> status'),
      message,
      (command, rest) => {
        expect(extract(`${command} ${rest}`).isAccountRequest).toBe(false);
      },
    ));
  });

  it('when the same message is read twice, then the result is the same', () => {
    fc.assert(fc.property(message, anyContext, (text, ctx) => {
      expect(extractOnboardingRequest(text, ctx)).toEqual(extractOnboardingRequest(text, ctx));
    }));
  });

  it('when the cleaned text is cleaned again or read instead of the original, then nothing changes', () => {
    const plain = message.map((text) => text.replace(/[<&]/g, ''));
    fc.assert(fc.property(plain, (text) => {
      const clean = normaliseMessageText(text);
      expect(normaliseMessageText(clean)).toBe(clean);
      expect(extract(clean)).toEqual(extract(text));
      expect(Array.from(clean).length).toBeLessThanOrEqual(MESSAGE_TEXT_CAP);
    }), { numRuns: 300 });
  });
});
