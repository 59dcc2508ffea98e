/**
 * The house rule for what the bot says: a sentence under a code in sentences.ts, one plain
 * sentence each (a clause after a semicolon or a colon, never a second sentence), so a person
 * reads one thing and a ticket line stays one line.
 */
import { describe, expect, it } from 'vitest';
import { say, sayBulk, sayTemplates, validateOnboardingForm, type FieldProblem } from '../../src/onboarding/index.js';
import { form, seedDomains } from './fakes.js';

/** Sentences in a text: a full stop, question or exclamation mark, then a space and a capital letter, starts another. */
const sentencesIn = (text: string) => text.trim().split(/(?<=[.!?])\s+(?=[A-Z])/).length;

describe('what the bot says is one plain sentence', () => {
  it.each([
    ['CARD_TOO_SLOW_PRESS_AGAIN', say.CARD_TOO_SLOW_PRESS_AGAIN()],
    ['AUDIT_FILE_FAILED', say.AUDIT_FILE_FAILED()],
    ['AUDIT_FILE_DECLINED', say.AUDIT_FILE_DECLINED()],
    ['FILE_ANSWER_UNKNOWN', say.FILE_ANSWER_UNKNOWN()],
    ['the ticket line for no free seats', sayTemplates.LICENCE_MISSING('Microsoft 365 E3', sayTemplates.WHY_NO_SEATS(0, 25))],
    ['the ticket line for no usage location', sayTemplates.LICENCE_MISSING('Microsoft 365 E3', sayTemplates.WHY_NO_USAGE_LOCATION())],
    ['the ticket line for a subscription gone', sayTemplates.LICENCE_MISSING('Microsoft 365 E3', sayTemplates.WHY_UNKNOWN_SKU())],
    ['the ticket line for a missing permission', sayTemplates.LICENCE_MISSING('Microsoft 365 E3', sayTemplates.WHY_LICENCE_FORBIDDEN('LicenseAssignment.ReadWrite.All'))],
    ['the ticket line for Graph out of time', sayTemplates.LICENCE_MISSING('Microsoft 365 E3', sayTemplates.WHY_LICENCE_NOT_DONE())],
    ['a guest row\'s user name', sayBulk.GUEST_ROW_USER_NAME('jo@contoso.com')],
    ['a guest row\'s personal email', sayBulk.GUEST_ROW_PERSONAL_EMAIL()],
    ['a guest row\'s recipient', sayBulk.GUEST_ROW_RECIPIENT()],
    ['two rows for one guest', sayBulk.SAME_GUEST_AS_ROW('jo@fabrikam.example', 3)],
    ['a guest row whose lost link could not be renewed', sayBulk.GUEST_LINK_NOT_KEPT('jo@fabrikam.example')],
    ['a guest look-up that failed', sayBulk.GUEST_LOOKUP_FAILED('jo@fabrikam.example')],
    ['a guest invitation left unknown', sayBulk.GUEST_UNKNOWN('jo@fabrikam.example')],
    ['a guest invitation throttled too long', sayBulk.GUEST_THROTTLED('jo@fabrikam.example')],
    ['the review of guest rows', sayBulk.REVIEW_GUESTS(3, 'Alex Wilber', 2)],
    ['the review of one guest row', sayBulk.REVIEW_GUESTS(1, 'Alex Wilber', 0)],
    ['the review of guest rows whose links are handed over', sayBulk.REVIEW_GUESTS(3, 'Alex Wilber', 2, 'reveal')],
    ['the review of one guest row whose link is handed over', sayBulk.REVIEW_GUESTS(1, 'Alex Wilber', 0, 'reveal')],
    ['a guest\'s profile not set', sayBulk.GUEST_PROFILE_NOT_SET()],
    ['a guest\'s sponsor not set', sayBulk.GUEST_SPONSOR_NOT_SET('Alex Wilber')],
    ['a guest\'s reveal card not delivered', sayBulk.REVEAL_NOT_DELIVERED('Megan Bowen', true)],
    ['credentials gone', sayBulk.REVEALED_GONE(3)],
    ['credentials and a guest\'s link gone', sayBulk.REVEALED_GONE(3, 1)],
    ['guests\' links gone', sayBulk.REVEALED_GONE(2, 2)],
  ])('when the bot says %s, then it is one sentence: %j', (_what, text) => {
    expect(sentencesIn(text)).toBe(1);
    expect(text).toMatch(/[.!?]$/);
  });

  it.each([
    ['displayName', { displayName: 'Team: Liv;' }, () => say.NAME_FORBIDDEN_CHARACTERS('The display name')],
    ['surname', { surname: '<script>' }, () => say.NAME_FORBIDDEN_CHARACTERS('The surname')],
    ['givenName', { givenName: '1234' }, () => say.NAME_NEEDS_A_LETTER('The given name')],
  ])('when %s breaks the name rules, then the form says the catalog\'s sentence for it', (field, overrides, sentence) => {
    const result = validateOnboardingForm(form(overrides), { domains: seedDomains, aliasPattern: 'given.surname' });
    const problems: FieldProblem[] = result.ok ? [] : [...result.problems];
    expect(problems).toContainEqual(expect.objectContaining({ field, message: sentence() }));
  });
});
