/**
 * Calendar days as the person's calendar shows them: year, month, day, no time and no time
 * zone, so a start date never shifts by a day with the machine's clock or zone.
 */
export interface Ymd {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

export const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The day, or undefined when it doesn't exist (31 April) or lies outside the years a start date can have. */
export function makeDate(y: number, m: number, d: number): Ymd | undefined {
  if (!Number.isInteger(y) || y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return undefined;
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d ? { y, m, d } : undefined;
}

export function parseIso(text: string): Ymd | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m ? makeDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

export const dayNumber = (date: Ymd): number => Date.UTC(date.y, date.m - 1, date.d) / 86_400_000;
export const weekdayOf = (date: Ymd): number => new Date(Date.UTC(date.y, date.m - 1, date.d)).getUTCDay();
export const weekdayName = (weekday: number): string => WEEKDAY_NAMES[weekday] ?? '';
export const iso = (date: Ymd): string =>
  `${String(date.y).padStart(4, '0')}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
/** "Tuesday 1 December 2026": how a note reads a date back, weekday included so a slip shows. */
export const spoken = (date: Ymd): string => `${weekdayName(weekdayOf(date))} ${date.d} ${MONTH_NAMES[date.m - 1]} ${date.y}`;

export function addDays(date: Ymd, days: number): Ymd {
  const t = new Date((dayNumber(date) + days) * 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The first occurrence on or after today of a day and month with no year (29 February waits for a leap year). */
export function nextOccurrence(month: number, day: number, today: Ymd): Ymd | undefined {
  for (let y = today.y; y <= today.y + 8; y++) {
    const date = makeDate(y, month, day);
    if (date && dayNumber(date) >= dayNumber(today)) return date;
  }
  return undefined;
}

/** The next such weekday strictly after today ("starts Monday" said on a Monday means next week). */
export function nextWeekday(weekday: number, today: Ymd): Ymd {
  const ahead = ((weekday - weekdayOf(today) + 7) % 7) || 7;
  return addDays(today, ahead);
}
