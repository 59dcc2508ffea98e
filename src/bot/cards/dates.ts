/**
 * Dates and times as the person reads them: in their Teams locale and time zone (the
 * activity's `locale`, and `localTimezone` or the clientInfo entity's `timezone`), one
 * format everywhere on the cards. A calendar day (a start date) has no time zone and is
 * shown as that day; a moment is shown in the person's zone, named. The audit export keeps ISO.
 */
export interface DateStyle {
  readonly locale: string;
  readonly timeZone: string;
}

export const DEFAULT_DATE_STYLE: DateStyle = { locale: 'en-US', timeZone: 'UTC' };

interface ActivityLike {
  readonly activity: { readonly locale?: string | undefined; readonly localTimezone?: string | undefined; readonly entities?: readonly unknown[] | undefined };
}

/** The person's locale and time zone from the activity; anything Intl does not know falls back to en-US / UTC. */
export function datesFor(context: ActivityLike): DateStyle {
  const { activity } = context;
  const clientInfo = (activity.entities ?? []).find((e): e is { type: string; locale?: unknown; timezone?: unknown } =>
    typeof e === 'object' && e !== null && (e as { type?: unknown }).type === 'clientInfo');
  const locale = [activity.locale, clientInfo?.locale].find((l): l is string => typeof l === 'string' && knownLocale(l)) ?? DEFAULT_DATE_STYLE.locale;
  const timeZone = [activity.localTimezone, clientInfo?.timezone].find((z): z is string => typeof z === 'string' && knownZone(z)) ?? DEFAULT_DATE_STYLE.timeZone;
  return { locale, timeZone };
}

/** The style a person read dates in when they last spoke to the bot (kept with the request); en-US / UTC otherwise. */
export function dateStyleOf(person: { readonly locale?: string | undefined; readonly timeZone?: string | undefined } | undefined): DateStyle {
  return {
    locale: person?.locale && knownLocale(person.locale) ? person.locale : DEFAULT_DATE_STYLE.locale,
    timeZone: person?.timeZone && knownZone(person.timeZone) ? person.timeZone : DEFAULT_DATE_STYLE.timeZone,
  };
}

/** A calendar day (YYYY-MM-DD, or the date part of an ISO time): "December 1, 2026" in en-US. */
export function formatDay(isoDate: string, style: DateStyle = DEFAULT_DATE_STYLE): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  if (!m) return isoDate;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(style.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(day);
}

/** A moment (ISO 8601): "December 1, 2026 at 11:42 AM GMT+1" in en-US, Europe/Paris. */
export function formatMoment(iso: string, style: DateStyle = DEFAULT_DATE_STYLE): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  // ICU puts a narrow no-break space before AM/PM; a plain space reads the same and matches what people type.
  return `${new Intl.DateTimeFormat(style.locale, { dateStyle: 'long', timeStyle: 'short', timeZone: style.timeZone }).format(at)} ${zoneName(at, style)}`
    .replace(/\u202f/g, ' ');
}

function zoneName(at: Date, style: DateStyle): string {
  const part = new Intl.DateTimeFormat(style.locale, { timeZone: style.timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName');
  return part?.value ?? style.timeZone;
}

function knownLocale(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
