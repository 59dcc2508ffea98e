/**
 * The start date, and the end date of a contract ("until 31 March"). chrono-node finds and reads the date phrases ("starts Monday", "in two weeks",
 * "1 Dec", "12/01"; en-GB day first or en-US month first, by the sender's Teams locale); the
 * rules here decide which phrase is the START date and turn it into a calendar day counted from
 * the person's today, never the machine's clock. Every guess is read back in a note, with the weekday, and a
 * date that doesn't exist is said rather than silently dropped.
 */
import * as chrono from 'chrono-node';
import {
  addDays, iso, makeDate, MONTH_NAMES, nextOccurrence, nextWeekday, parseIso, spoken, weekdayName, weekdayOf, dayNumber, type Ymd,
} from './calendar.js';
import { overlaps, type Span } from './spans.js';

// Regions that write the month first (12/01 is 1 December): the US and the places that follow it.
const MONTH_FIRST_REGIONS = /[-_](?:US|PH|FM|MH|PW|AS|GU|MP|PR|UM|VI)\b/i;

// chrono drops a date that doesn't exist ("31 April") without a word; its reading is kept here
// so the note can say so. The same chrono filter drops bare numbers ("version 1.2"), which stays.
const dropBareNumbers: chrono.Refiner = {
  refine: (_context, results) => results.filter((result) => !/^\d*(?:\.\d*)?$/.test(result.text.replace(' ', ''))),
};
function keepingImpossibleDates(reader: chrono.Chrono): chrono.Chrono {
  const kept = reader.clone();
  kept.refiners = kept.refiners.map((refiner) => (refiner.constructor.name === 'UnlikelyFormatFilter' ? dropBareNumbers : refiner));
  return kept;
}
const DAY_FIRST = keepingImpossibleDates(chrono.en.GB);
const MONTH_FIRST = keepingImpossibleDates(chrono.en.casual);

const WRITTEN_MONTH = /\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b/i;
// chrono may join a weekday or a time to the date ("Friday 2026-12-01", "at 3pm 12.01.2026"),
// so these look inside what it read, not only at its start.
const ISO_DATE = /\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/;
// 12/01, 12.01.2026, 1/12/26: either order reads, so a note names both when both are dates.
const NUMERIC_DATE = /(?<![\d/.])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/]|\.\d)/g;
const NEXT_WEEK = /^next week$/i;
const PAST_WORD = /\b(?:last|previous|past|ago)\b/i;
/** Further ahead than this, a start date is read back with a note to check it (the review asks to confirm it too). */
const FAR_AHEAD_DAYS = 366;
// A start word followed by words about time that no reader took for a date ("starts next quarter", "starts soon").
const UNREAD_START = /\b(?:starts?|starting|start date(?:\s+is)?|first day(?:\s+is)?)\s+((?:on\s+|in\s+)?[^,.;!?\n]{1,30})/gi;
const TIME_WORDS = /\b(?:yesterday|today|tomorrow|tonight|soon|asap|now|week|weeks|month|months|quarter|year|years|day|days|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next|last|ago|\d{1,4})\b/i;

// Words that say the date that follows is the start date: right before it, or earlier in the
// same clause ("joins the Sales team on Monday").
const START_CUE_NEAR = /\b(?:starts?|starting|start date|begins?|beginning|joins?|joining|first day)\b[^,.;!?]{0,40}$/i;
const START_CUE = /\b(?:start(?:s|ing|ed)?|start date(?:\s+(?:is|of|will be))?|begin(?:s|ning)?|join(?:s|ing)?|first day(?:\s+(?:is|will be))?|from|as of|effective|commenc(?:es|ing)|arriv(?:es|ing))\s*(?:[:=-]\s*)?(?:on\s+|in\s+)?(?:the\s+)?$/i;

// Words that say the date right after them is when the person's access ends ("until 31 March", "contract ends 30 June").
const END_CUE = /\b(?:until|till|til|through|thru|ends?|ending|end date(?:\s+(?:is|of|will be))?|last day(?:\s+(?:is|will be))?|leaves?|leaving|expires?)\s*(?:[:=-]\s*)?(?:on\s+|in\s+)?(?:the\s+)?$/i;

/** Which date a note is about. */
type DateField = 'start date' | 'end date';

interface DateCandidate extends Span {
  readonly text: string;
  /** Written out (a month word or YYYY-MM-DD) counts without a start word; the others need one. */
  readonly kind: 'written' | 'numeric' | 'relative';
  /** chrono's reading; none for a numeric date, which is read from its digits. */
  readonly reading?: chrono.ParsedComponents;
  /** chrono read a range ("2 February until 31 March"): its end, and where the end is written. */
  readonly rangeEnd?: { readonly reading: chrono.ParsedComponents; readonly text: string };
}

// The word that ends a range chrono read as one phrase ("from 2 February until 31 March").
const RANGE_END_WORD = /\b(?:until|till|til|through|thru)\b\s*/i;

type Resolution = { readonly date: Ymd; readonly notes: readonly string[] } | { readonly problem: string };

export interface StartDateRead {
  /** YYYY-MM-DD, as the form takes it. */
  readonly value?: string;
  readonly notes: readonly string[];
  /** The date came right after a start or join word ("starts Monday"), not after "from". */
  readonly joining: boolean;
}

export function findStartDate(text: string, context: { readonly today: string; readonly locale?: string | undefined }, taken: readonly Span[]): StartDateRead {
  const today = parseIso(context.today);
  const monthFirst = MONTH_FIRST_REGIONS.test(context.locale ?? '');
  const candidates = dateCandidates(text, today, monthFirst).filter((c) => !overlaps(taken, c.start, c.end));
  const textBefore = (c: DateCandidate): string => text.slice(Math.max(0, c.start - 60), c.start);
  // A date after a start cue wins; otherwise only a date written out in full is taken.
  const chosen = candidates.find((c) => START_CUE.test(textBefore(c)) || START_CUE_NEAR.test(textBefore(c)))
    ?? candidates.find((c) => c.kind === 'written');
  if (!chosen) return { notes: unreadStartPhrase(text, taken), joining: false };
  const resolution = resolve(chosen, today, monthFirst);
  if (!resolution) return { notes: [], joining: false };
  if ('problem' in resolution) return { notes: [resolution.problem], joining: false };
  const notes = [`I read the start date as ${spoken(resolution.date)}.`, ...resolution.notes];
  if (today && dayNumber(resolution.date) < dayNumber(today)) notes.push('That start date is in the past; please check it.');
  if (today && dayNumber(resolution.date) - dayNumber(today) > FAR_AHEAD_DAYS) notes.push('That start date is more than a year away; please check it.');
  return { value: iso(resolution.date), notes, joining: START_CUE_NEAR.test(textBefore(chosen)) };
}

export interface EndDateRead {
  /** YYYY-MM-DD, as the form takes it. */
  readonly value?: string;
  readonly notes: readonly string[];
  /** Where the date was written: the start date is not looked for there. */
  readonly span?: Span;
}

/** The end date: a date right after "until", "ends", "last day"…; none without such a word. */
export function findEndDate(text: string, context: { readonly today: string; readonly locale?: string | undefined }, taken: readonly Span[]): EndDateRead {
  const today = parseIso(context.today);
  const monthFirst = MONTH_FIRST_REGIONS.test(context.locale ?? '');
  const candidates = dateCandidates(text, today, monthFirst).filter((c) => !overlaps(taken, c.start, c.end));
  const cued = candidates.find((c) => END_CUE.test(text.slice(Math.max(0, c.start - 30), c.start)));
  const range = cued ? undefined : candidates.find((c) => c.rangeEnd);
  const rangeEnd = range?.rangeEnd;
  const endKind = rangeEnd ? kindOf(rangeEnd.text, rangeEnd.reading) : undefined;
  // A range's start stays for the start date: only a date of its own is kept from it.
  const chosen: DateCandidate | undefined = cued
    ?? (range && rangeEnd && endKind ? { start: range.end, end: range.end, text: rangeEnd.text, kind: endKind, reading: rangeEnd.reading } : undefined);
  if (!chosen) return { notes: [] };
  const span = cued ? { start: cued.start, end: cued.end } : undefined;
  const resolution = resolve(chosen, today, monthFirst, 'end date');
  if (!resolution) return { notes: [], ...(span ? { span } : {}) };
  if ('problem' in resolution) return { notes: [resolution.problem], ...(span ? { span } : {}) };
  const notes = [`I read the end date as ${spoken(resolution.date)}.`, ...resolution.notes];
  if (today && dayNumber(resolution.date) < dayNumber(today)) notes.push('That end date is in the past; please check it.');
  return { value: iso(resolution.date), notes, ...(span ? { span } : {}) };
}

/** A start word with a time phrase that no reader took for a date: said in a note, never dropped in silence. */
function unreadStartPhrase(text: string, taken: readonly Span[]): string[] {
  for (const m of text.matchAll(UNREAD_START)) {
    const phrase = (m[1] ?? '').trim();
    const start = m.index + m[0].length - (m[1] ?? '').length;
    if (TIME_WORDS.test(phrase) && !overlaps(taken, start, start + phrase.length)) {
      return [`I couldn't read "${phrase}" as a start date, so I left the start date empty.`];
    }
  }
  return [];
}

/** Every date phrase in the text, earliest first; at the same place the longest reading. */
function dateCandidates(text: string, today: Ymd | undefined, monthFirst: boolean): DateCandidate[] {
  // Noon on the person's today in the machine's own zone: chrono counts days in local time, so
  // a local reference keeps "tomorrow" the person's tomorrow whatever zone the server runs in.
  const reference = today ? new Date(today.y, today.m - 1, today.d, 12) : new Date(2000, 0, 1, 12);
  // Numeric dates are read from their digits (see resolveNumeric), so chrono's reading of
  // them, or of a phrase it joined them to ("December 12/01", "at 3pm 12.01.2026"), is left out.
  // That also keeps "13/13" and "32/01", which chrono doesn't take for dates but the person did.
  const candidates: DateCandidate[] = [...text.matchAll(NUMERIC_DATE)]
    .map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0], kind: 'numeric' as const }));
  const numeric = [...candidates];
  for (const result of (monthFirst ? MONTH_FIRST : DAY_FIRST).parse(text, reference, { forwardDate: true })) {
    const start = result.index;
    const end = start + result.text.length;
    const kind = kindOf(result.text, result.start);
    const endWord = result.end ? RANGE_END_WORD.exec(result.text) : null;
    const rangeEnd = result.end && endWord ? { reading: result.end, text: result.text.slice(endWord.index + endWord[0].length) } : undefined;
    if (kind && !overlaps(numeric, start, end)) candidates.push({ start, end, text: result.text, kind, reading: result.start, ...(rangeEnd ? { rangeEnd } : {}) });
  }
  return candidates.sort((x, y) => x.start - y.start || y.end - x.end);
}

function kindOf(text: string, reading: chrono.ParsedComponents): DateCandidate['kind'] | undefined {
  const dayAndMonth = reading.isCertain('day') && reading.isCertain('month');
  if (dayAndMonth && (WRITTEN_MONTH.test(text) || ISO_DATE.test(text))) return 'written';
  // A time alone ("at 3pm") or a month alone ("in December") is no start date.
  return reading.isCertain('day') || reading.isCertain('weekday') ? 'relative' : undefined;
}

function resolve(candidate: DateCandidate, today: Ymd | undefined, monthFirst: boolean, field: DateField = 'start date'): Resolution | undefined {
  const { kind, reading } = candidate;
  if (kind === 'numeric') return resolveNumeric(candidate.text, today, monthFirst, field);
  if (!reading) return undefined;
  if (kind === 'written') return resolveWritten(candidate.text, reading, today, field);
  // Relative phrases count from today; without a today there is nothing to count from.
  if (!today) return undefined;
  // A start "next week" is its Monday, not seven days from now.
  if (NEXT_WEEK.test(candidate.text)) return { date: nextWeekday(1, today), notes: [] };
  // A weekday alone is the first one after today: chrono would give today for "Friday" said on
  // a Friday, and the Friday after the coming one for "next Friday" said on a Wednesday.
  // "last Monday" is behind us: forwardDate (which keeps "Monday" ahead) must not turn it into next Monday.
  if (reading.isCertain('weekday') && !reading.isCertain('day')) {
    const weekday = reading.get('weekday') ?? 0;
    return { date: PAST_WORD.test(candidate.text) ? previousWeekday(weekday, today) : nextWeekday(weekday, today), notes: [] };
  }
  const date = makeDate(reading.get('year') ?? 0, reading.get('month') ?? 0, reading.get('day') ?? 0);
  return date ? { date, notes: [] } : undefined;
}

/** A day in a year, or the first such day on or after today when no year was written. */
function onDay(day: number, month: number, year: number | undefined, today: Ymd | undefined): Ymd | undefined {
  if (year !== undefined) return makeDate(year, month, day);
  return today ? nextOccurrence(month, day, today) : undefined;
}

/** A day and month in words (or YYYY-MM-DD); a day that doesn't exist is said, not guessed. */
function resolveWritten(text: string, reading: chrono.ParsedComponents, today: Ymd | undefined, field: DateField): Resolution | undefined {
  const day = reading.get('day') ?? 0;
  const month = reading.get('month') ?? 0;
  const year = reading.isCertain('year') ? reading.get('year') ?? undefined : undefined;
  const date = onDay(day, month, year, today);
  if (date) {
    const said = reading.isCertain('weekday') ? reading.get('weekday') : null;
    if (said === null || said === weekdayOf(date)) return { date, notes: [] };
    return { date, notes: [`You wrote ${weekdayName(said)}, but that date is a ${weekdayName(weekdayOf(date))}; please check the ${field}.`] };
  }
  const isoWritten = WRITTEN_MONTH.test(text) ? null : ISO_DATE.exec(text);
  if (isoWritten) return { problem: `${isoWritten[0]} is not a date, so I left the ${field} empty.` };
  const monthName = MONTH_NAMES[month - 1] ?? '';
  // 2024 is a leap year: a day missing from it is missing from every year.
  if (!makeDate(2024, month, day)) return { problem: `There is no ${day} ${monthName}, so I left the ${field} empty.` };
  if (year !== undefined) return { problem: `There is no ${day} ${monthName} in ${year}, so I left the ${field} empty.` };
  return undefined;
}

/** 12/01: in the locale's order when that is a date, else the other; a note when both are. */
function resolveNumeric(written: string, today: Ymd | undefined, monthFirst: boolean, field: DateField): Resolution | undefined {
  const [, first = '', second = '', yearDigits] = /^(\d{1,2})[/.](\d{1,2})(?:[/.](\d+))?$/.exec(written) ?? [];
  const year = yearDigits === undefined ? undefined : Number(yearDigits.length === 2 ? `20${yearDigits}` : yearDigits);
  const [day, month] = monthFirst ? [Number(second), Number(first)] : [Number(first), Number(second)];
  const asRead = onDay(day, month, year, today);
  const swapped = onDay(month, day, year, today);
  const date = asRead ?? swapped;
  if (!date) return today || year !== undefined ? { problem: `I couldn't read ${written} as a date, so I left the ${field} empty.` } : undefined;
  const other = date === asRead ? swapped : asRead;
  if (!other || iso(other) === iso(date)) return { date, notes: [] };
  const order = date.d === Number(first) ? 'day first' : 'month first';
  return {
    date,
    notes: [`${written} could mean ${other.d} ${MONTH_NAMES[other.m - 1]} or ${date.d} ${MONTH_NAMES[date.m - 1]}; I read it ${order}. Writing the month as a word (or YYYY-MM-DD) avoids the doubt.`],
  };
}

/** The such weekday strictly before today ("started last Monday" said on a Monday means a week ago). */
function previousWeekday(weekday: number, today: Ymd): Ymd {
  return addDays(today, -(((weekdayOf(today) - weekday + 7) % 7) || 7));
}
