/** The onboarding cards as a hiring manager reads them: the outcome in the title, no state names, one reference, dates in their locale. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { onboardingResultCard, onboardingReviewCard, ticketCard } from '../../../src/bot/cards/onboarding-cards.js';
import { datesFor, formatDay, formatMoment } from '../../../src/bot/cards/dates.js';
import { statusCard } from '../../../src/bot/cards/credentials-cards.js';
import { dayIn, startDateConfirmation, missingConfirmations, type Confirmation, type OnboardingOutcome } from '../../../src/onboarding/index.js';
import { textOf, type Card } from '../../support/cards.js';

const done: OnboardingOutcome = {
  requestId: 'req-123', correlationId: 'corr-456', status: 'done', pending: false, userPrincipalName: 'avery.lindqvist@contoso.com',
  displayName: 'Avery Lindqvist', fieldProblems: [], alternatives: [], warnings: [],
};

describe('the result card', () => {
  it('when an account was created, then the title says so for the person, and the card shows no state name and one reference', () => {
    const text = textOf(onboardingResultCard(done) as Card);
    expect(text.split('\n')[0]).toBe('Account created for Avery Lindqvist');
    expect(text).not.toMatch(/Status|\bdone\b|req-123/);
    expect(text.match(/corr-456/g)).toHaveLength(1);
  });

  it('when the welcome email went out, then the card says to whom; when it did not, the warning says why', () => {
    const sent = textOf(onboardingResultCard({ ...done, welcomeMail: { to: 'avery@example.org', state: 'sent' } }) as Card);
    expect(sent).toContain('Welcome email sent to avery@example.org.');
    const failed = textOf(onboardingResultCard({
      ...done, welcomeMail: { to: 'avery@example.org', state: 'failed' },
      warnings: [{ code: 'WELCOME_MAIL_NOT_SENT', message: 'Welcome email not sent to avery@example.org: Exchange refused the address.', help: 'Tell them yourself.', retryable: false, correlationId: 'corr-456' }],
    }) as Card);
    expect(failed).not.toContain('Welcome email sent');
    expect(failed).toContain('Welcome email not sent to avery@example.org: Exchange refused the address.');
  });

  it('when a field was wrong, then it is named by its label, not its code name', () => {
    const text = textOf(onboardingResultCard({ ...done, status: 'rejected', fieldProblems: [{ field: 'usageLocation', message: 'Two letters.' }] }) as Card);
    expect(text).toContain('No account created for Avery Lindqvist');
    expect(text).toContain('Country');
    expect(text).not.toContain('usageLocation');
  });
});

describe('the review card', () => {
  const base = { draftId: 'd1', userPrincipalName: 'avery.lindqvist@contoso.com', displayName: 'Avery Lindqvist', form: { startDate: '2026-12-01', ticketReference: 'INC-1' } };

  it('when a personal email is given, then the review card says the welcome email goes there and never holds the password', () => {
    const text = textOf(onboardingReviewCard({ ...base, form: { ...base.form, personalEmail: ' avery@example.org ' } }) as Card);
    expect(text).toContain('A welcome email will go to avery@example.org once the account exists (user name, start date, how to sign in; never the password).');
    expect(textOf(onboardingReviewCard(base) as Card)).not.toContain('welcome email');
  });

  it('when the password goes to the manager or the coordinator, then the review card\'s last line names them, and says "you" for the requester', () => {
    const megan = { id: 'u-megan', name: 'Megan Bowen' };
    const line = (recipient?: Parameters<typeof onboardingReviewCard>[0]['recipient']) => textOf(onboardingReviewCard({ ...base, ...(recipient ? { recipient } : {}) }) as Card).split('\n').find((text) => text.startsWith('The temporary password will be sent'));
    expect(line({ ...megan, role: 'manager' })).toBe('The temporary password will be sent only to Megan Bowen (the manager), in a private chat with me. The IT ticket channel gets the account name, never the password.');
    expect(line({ id: 'g1', name: 'IT coordinators', role: 'coordinator', members: [megan, { id: 'u-alex', name: 'Alex Wilber' }] })).toContain('sent only to IT coordinators (the IT coordinators: any one of 2), in a private chat with me.');
    expect(line({ ...megan, role: 'requester' })).toContain('sent only to you, in a private chat with me.');
    expect(line()).toContain('sent only to you, in a private chat with me.');
  });

  it('when nothing needs confirming, then the start date reads in the person\'s locale and there is no toggle', () => {
    const card = onboardingReviewCard({ ...base, dates: { locale: 'de-DE', timeZone: 'Europe/Berlin' } });
    expect(textOf(card as Card)).toContain('1. Dezember 2026');
    expect(JSON.stringify(card)).not.toContain('Input.Toggle');
  });

  it('when a start date in the past and a second account need confirming, then each has a required toggle and the earlier account is shown', () => {
    const confirmations: Confirmation[] = [
      { kind: 'start-date', startDate: '2020-03-03', why: 'past' },
      { kind: 'second-account', why: 'same-name', earlier: { userPrincipalName: 'avery.lindqvist@contoso.com', displayName: 'Avery Lindqvist', requestId: 'r0', requesterName: 'Megan Bowen', receivedAt: '2026-11-02T09:00:00.000Z' } },
    ];
    const card = onboardingReviewCard({ ...base, confirmations });
    const text = textOf(card as Card);
    expect(text).toContain('The start date is in the past');
    expect(text).toContain('March 3, 2020');
    expect(text).toContain('Yes, the start date is right');
    expect(text).toMatch(/I already created avery\.lindqvist@contoso\.com for the same name on November 2, 2026, requested by Megan Bowen/);
    expect(text).toContain('Yes, create a second account');
    const toggles = JSON.stringify(card).match(/"type":"Input.Toggle"[^}]*"isRequired":true/g) ?? [];
    expect(toggles).toHaveLength(2);
  });
});

describe('dates in the person\'s locale and time zone', () => {
  it.each([
    ['en-US', '2026-12-01', 'December 1, 2026'],
    ['en-GB', '2026-12-01', '1 December 2026'],
    ['de-DE', '2026-12-01', '1. Dezember 2026'],
  ])('when the locale is %s, then %s reads %s (a calendar day, whatever the zone)', (locale, day, expected) => {
    expect(formatDay(day, { locale, timeZone: 'Pacific/Kiritimati' })).toBe(expected);
  });

  it('when a moment is shown, then it is in the person\'s zone and names it', () => {
    expect(formatMoment('2026-12-01T10:42:00.000Z', { locale: 'en-GB', timeZone: 'Europe/Paris' })).toBe('1 December 2026 at 11:42 CET');
  });

  it('when the reveal card is answered to a person in Paris with en-GB, then its times are theirs', () => {
    const card = statusCard({
      requestId: 'r1', displayName: 'Avery Lindqvist', ticketReference: 'INC-1', generation: 1, contents: 'password', state: 'waiting', expiresAt: '2026-12-02T10:00:00.000Z',
    }, undefined, { locale: 'en-GB', timeZone: 'Europe/Paris' });
    expect(textOf(card as Card)).toContain('Reveal before 2 December 2026 at 11:00 CET');
  });

  it.each([
    ['Pacific/Auckland', '2026-12-01'], ['America/Los_Angeles', '2026-11-30'], ['UTC', '2026-11-30'], [undefined, '2026-11-30'], ['Not/AZone', '2026-11-30'],
  ])('when it is 2026-11-30 14:00 UTC and the person is in %s, then their today is %s', (zone, day) => {
    expect(dayIn(new Date('2026-11-30T14:00:00.000Z'), zone)).toBe(day);
  });

  it('when the activity names no usable locale or zone, then en-US and the clientInfo zone or UTC are used', () => {
    expect(datesFor({ activity: { locale: 'not a locale!', localTimezone: 'Mars/Base', entities: [{ type: 'clientInfo', timezone: 'Asia/Tokyo' }] } }))
      .toEqual({ locale: 'en-US', timeZone: 'Asia/Tokyo' });
    expect(datesFor({ activity: {} })).toEqual({ locale: 'en-US', timeZone: 'UTC' });
  });
});

describe('start dates that need a confirmation', () => {
  it.each([
    ['2026-11-29', 'past'], ['2020-03-03', 'past'], ['2028-01-01', 'far-ahead'], ['2026-11-30', undefined], ['2027-11-30', undefined], [undefined, undefined],
  ])('when the start date is %s (today 2026-11-30), then the confirmation is %s', (startDate, why) => {
    expect(startDateConfirmation(startDate, '2026-11-30')?.kind === 'start-date' ? startDateConfirmation(startDate, '2026-11-30')?.why : undefined).toBe(why);
  });

  it('when the card data ticks the toggle, then nothing is missing; any other value is not a confirmation', () => {
    const needed: Confirmation[] = [{ kind: 'start-date', startDate: '2020-03-03', why: 'past' }];
    expect(missingConfirmations(needed, { confirmStartDate: 'true' })).toEqual([]);
    for (const data of [{}, { confirmStartDate: 'false' }, { confirmStartDate: 'yes' }, null, 'true']) expect(missingConfirmations(needed, data)).toHaveLength(1);
  });
});

// Issue 26: the cards are templates with ${} binding (adaptivecards-templating); a person's text is a value, expanded once, never read as a template.
describe('the cards and a person\'s text (${} binding, https://learn.microsoft.com/en-us/adaptive-cards/templating/language)', () => {
  const piece = fc.constantFrom('${', '}', '$root', '$data', 'requestId', 'json($root)', "if(true,'x','y')", '${requestId}', '${json($root)}', '\\', '{', '"', ' ', 'Avery');
  const templated = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
  const facts = (card: unknown) => Object.fromEntries(((card as { body: Array<{ facts?: Array<{ title: string; value: string }> }> }).body.find((b) => b.facts)?.facts ?? []).map((f) => [f.title, f.value]));

  it('when a display name, a justification or a reject reason holds ${…}, then the ticket and review cards show it exactly as typed', () => {
    fc.assert(fc.property(templated, templated, (name, text) => {
      const ticket = ticketCard({
        requestId: 'req-123', ticketReference: 'INC-1', userPrincipalName: 'avery@contoso.com', displayName: name, requester: { id: 'u1', name: 'Dana Lee' },
        status: 'rejected', decision: { by: 'Megan Bowen', reason: text }, at: '2026-12-01T09:00:00Z', notes: [],
      });
      expect((ticket.body as Array<{ text?: string }>)[0]!.text).toBe(`Rejected: new account for ${name}`);
      expect(facts(ticket)).toMatchObject({ 'Display name': name, Reason: text });
      const review = onboardingReviewCard({ draftId: 'd1', userPrincipalName: 'avery@contoso.com', displayName: name, form: { businessJustification: text, ticketReference: 'INC-1' } });
      expect(facts(review)).toMatchObject({ Name: name, Justification: text });
    }), { numRuns: 200 });
  });
});
