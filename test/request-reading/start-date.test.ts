import { afterEach, describe, expect, it, vi } from 'vitest';
import { extractOnboardingRequest, type MessageContext } from '../../src/request-reading/index.js';

// A Friday, as in the other request-reading tests.
const today = '2026-11-20';
const read = (fragment: string, overrides: Partial<MessageContext> = {}) =>
  extractOnboardingRequest(`new user for Adele Vance, ${fragment}`, { today, knownDomains: ['contoso.com'], ...overrides });

describe('start date: day and month order follow the sender’s Teams locale', () => {
  it.each([
    ['en-GB', 'start date 12/01', '2027-01-12'],
    ['de-DE', 'start date 12/01', '2027-01-12'],
    ['fr-FR', 'start date 12/01', '2027-01-12'],
    [undefined, 'start date 12/01', '2027-01-12'],
    ['en-US', 'start date 12/01', '2026-12-01'],
    ['en-PH', 'start date 12/01', '2026-12-01'],
    ['en-GB', 'starts 1/12/26', '2026-12-01'],
    ['en-US', 'starts 1/12/26', '2026-01-12'],
    ['de-DE', 'starts 03.12.2026', '2026-12-03'],
    ['en-US', 'starts 03.12.2026', '2026-03-12'],
    // Only one order is a date: it is taken whatever the locale says.
    ['en-US', 'start date 25/12', '2026-12-25'],
    ['en-GB', 'start date 12/25', '2026-12-25'],
  ])('when the locale is %s and the message says %j, then the start date is %s', (locale, fragment, startDate) => {
    expect(read(fragment, locale === undefined ? {} : { locale }).form.startDate).toBe(startDate);
  });

  it.each([
    ['en-US', 'start date 25/12'],
    ['en-GB', 'start date 12/25'],
    ['en-GB', 'start date 05/05'],
  ])('when the locale is %s and %j reads only one way, then no note asks about the order', (locale, fragment) => {
    expect(read(fragment, { locale }).notes.filter((n) => n.includes('could mean'))).toEqual([]);
  });
});

describe('start date: relative phrases count from the person’s today (Friday 2026-11-20)', () => {
  it.each([
    ['starts today', '2026-11-20'],
    ['starts tomorrow', '2026-11-21'],
    ['starts the day after tomorrow', '2026-11-22'],
    ['starts in 3 days', '2026-11-23'],
    ['starts in two weeks', '2026-12-04'],
    ['starts Monday', '2026-11-23'],
    ['starts next Tuesday', '2026-11-24'],
    ['starts this Saturday', '2026-11-21'],
    // A weekday alone is the first one after today, never today and never a week later.
    ['starts Friday', '2026-11-27'],
    ['starts next Friday', '2026-11-27'],
    ['starts on Wed', '2026-11-25'],
    // "next week" is its Monday.
    ['starts next week', '2026-11-23'],
  ])('when the message says %j, then the start date is %s', (fragment, startDate) => {
    expect(read(fragment).form.startDate).toBe(startDate);
  });

  it.each([
    ['2026-11-18', 'starts next Friday', '2026-11-20'],
    ['2026-11-23', 'starts Monday', '2026-11-30'],
    ['2026-12-31', 'starts tomorrow', '2027-01-01'],
    ['2028-02-28', 'starts tomorrow', '2028-02-29'],
    ['2026-12-28', 'starts in 2 weeks', '2027-01-11'],
  ])('when today is %s and the message says %j, then the start date is %s', (day, fragment, startDate) => {
    expect(read(fragment, { today: day }).form.startDate).toBe(startDate);
  });
});

describe('start date: a date without a year is the next one on or after today', () => {
  it.each([
    ['2026-11-20', 'starts 20 November', '2026-11-20'],
    ['2026-11-20', 'starts 19 November', '2027-11-19'],
    ['2026-12-31', 'starts 1 Jan', '2027-01-01'],
    ['2026-12-31', 'starts December 31st', '2026-12-31'],
    ['2026-11-20', 'starts 29 Feb', '2028-02-29'],
    ['2028-02-29', 'starts 29 Feb', '2028-02-29'],
    ['2028-03-01', 'starts 29 Feb', '2032-02-29'],
    ['2026-11-20', 'start date 20/11', '2026-11-20'],
    ['2026-11-20', 'start date 19/11', '2027-11-19'],
  ])('when today is %s and the message says %j, then the start date is %s', (day, fragment, startDate) => {
    expect(read(fragment, { today: day }).form.startDate).toBe(startDate);
  });
});

describe('start date: the notes the person reads', () => {
  it.each([
    ['starts 31 February', 'There is no 31 February, so I left the start date empty.'],
    ['starts February 30th', 'There is no 30 February, so I left the start date empty.'],
    ['starts 31 Apr', 'There is no 31 April, so I left the start date empty.'],
    ['starts 29 Feb 2027', 'There is no 29 February in 2027, so I left the start date empty.'],
    ['from 2027-02-29', '2027-02-29 is not a date, so I left the start date empty.'],
    ['from 2026/02/30', '2026/02/30 is not a date, so I left the start date empty.'],
    ['start date 31/02', "I couldn't read 31/02 as a date, so I left the start date empty."],
    ['start date 13/13', "I couldn't read 13/13 as a date, so I left the start date empty."],
    ['start date 32/01', "I couldn't read 32/01 as a date, so I left the start date empty."],
  ])('when the message says %j, then no start date is set and the only note says %j', (fragment, note) => {
    const result = read(fragment);

    expect(result.form.startDate).toBeUndefined();
    expect(result.notes).toEqual([note]);
  });

  it.each([
    ['starts 1 Dec', ['I read the start date as Tuesday 1 December 2026.']],
    ['starts Friday 2 December', ['I read the start date as Wednesday 2 December 2026.', 'You wrote Friday, but that date is a Wednesday; please check the start date.']],
    ['starts Wednesday 2 December', ['I read the start date as Wednesday 2 December 2026.']],
    ['starts 1 Dec 2025', ['I read the start date as Monday 1 December 2025.', 'That start date is in the past; please check it.']],
    ['start date 12/01', [
      'I read the start date as Tuesday 12 January 2027.',
      '12/01 could mean 1 December or 12 January; I read it day first. Writing the month as a word (or YYYY-MM-DD) avoids the doubt.',
    ]],
  ])('when the message says %j, then the notes are %j', (fragment, notes) => {
    expect(read(fragment).notes).toEqual(notes);
  });
});

describe('start date: a day behind us, far ahead, or not readable is said, never dropped', () => {
  it.each([
    ['starts yesterday', '2026-11-19', ['I read the start date as Thursday 19 November 2026.', 'That start date is in the past; please check it.']],
    // Said on a Friday: last Monday is the 16th, not the coming Monday.
    ['starts last Monday', '2026-11-16', ['I read the start date as Monday 16 November 2026.', 'That start date is in the past; please check it.']],
    ['starts 1 Dec 2031', '2031-12-01', ['I read the start date as Monday 1 December 2031.', 'That start date is more than a year away; please check it.']],
    ['starts next quarter', undefined, ['I couldn\'t read "next quarter" as a start date, so I left the start date empty.']],
    ['starts soon', undefined, ['I couldn\'t read "soon" as a start date, so I left the start date empty.']],
  ])('when the message says %j, then the start date is %s and the notes are %j', (fragment, startDate, notes) => {
    const result = read(fragment);
    expect(result.form.startDate).toBe(startDate);
    expect(result.notes).toEqual(notes);
  });
});

describe('start date: phrases that are not a start date', () => {
  it.each([
    'call me at 3pm',
    'starts in December',
    'version 1.2',
    'ticket 4711',
    'we met on Monday',
    'back from holiday tomorrow',
  ])('when the message says %j, then no start date is set and no date note is added', (fragment) => {
    const result = read(fragment);

    expect(result.form.startDate).toBeUndefined();
    expect(result.notes.filter((n) => /date/.test(n))).toEqual([]);
  });
});

describe('start date: without a usable today', () => {
  it.each([
    ['starts 1 Dec 2026', '2026-12-01', ['I read the start date as Tuesday 1 December 2026.']],
    ['from 2026-12-01', '2026-12-01', ['I read the start date as Tuesday 1 December 2026.']],
    ['start date 13/12/2026', '2026-12-13', ['I read the start date as Sunday 13 December 2026.']],
    ['starts tomorrow', undefined, []],
    ['starts 1 Dec', undefined, []],
    ['start date 12/01', undefined, []],
    ['starts 31 Apr', undefined, ['There is no 31 April, so I left the start date empty.']],
  ])('when today is not a date and the message says %j, then the start date is %s with notes %j', (fragment, startDate, notes) => {
    const result = read(fragment, { today: 'not a date' });

    expect(result.form.startDate).toBe(startDate);
    expect(result.notes).toEqual(notes);
  });
});

describe('start date: the machine’s clock and time zone play no part', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    vi.useRealTimers();
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  const fragments = ['starts tomorrow', 'starts the day after tomorrow', 'starts Monday', 'starts 20 November', 'start date 12/01', 'starts in two weeks'];

  it.each(fragments)('when the machine’s clock says another year, then %j still counts from the person’s today', (fragment) => {
    const expected = read(fragment);
    vi.useFakeTimers({ now: new Date('2031-06-15T23:59:00Z') });

    expect(read(fragment)).toEqual(expected);
  });

  // UTC+14 and UTC-11: a day either side of UTC, where a date computed in the wrong zone slips.
  it.each(fragments.flatMap((fragment) => [['Pacific/Kiritimati', fragment], ['Pacific/Pago_Pago', fragment]]))(
    'when the machine runs in %s, then %j reads the same as in UTC', (timeZone, fragment) => {
      process.env.TZ = 'UTC';
      const expected = read(fragment);
      process.env.TZ = timeZone;

      expect(read(fragment)).toEqual(expected);
    },
  );
});
