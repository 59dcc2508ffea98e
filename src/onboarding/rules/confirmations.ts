/**
 * What the requester must confirm on the review card before Create may go ahead: a start
 * date in the past or more than a year ahead (usually a typo, and it is written into the
 * account), and a second account for someone this bot already made one for (same name, or
 * the same ticket). Review finds them; submit refuses until each one is ticked, and the
 * decision is kept in the record, the audit trail and the IT ticket.
 */
import type { EarlierOnboarding } from '../request/user-name-check.js';

/** A start date further ahead than this needs a confirmation (a year and a bit of slack). */
export const FAR_AHEAD_DAYS = 366;
const DAY_MS = 86_400_000;

export type Confirmation =
  | { readonly kind: 'start-date'; readonly startDate: string; readonly why: 'past' | 'far-ahead' }
  | { readonly kind: 'second-account'; readonly earlier: EarlierOnboarding; readonly why: 'same-name' | 'same-ticket' };

/** The card input that confirms each kind (an Input.Toggle sending "true"). */
export const CONFIRMATION_INPUT: Readonly<Record<Confirmation['kind'], string>> = {
  'start-date': 'confirmStartDate',
  'second-account': 'confirmSecondAccount',
};

/** A start date (YYYY-MM-DD) that needs a confirmation, given today (YYYY-MM-DD); undefined when it is plausible. */
export function startDateConfirmation(startDate: string | undefined, today: string): Confirmation | undefined {
  if (!startDate || !/^\d{4}-\d{2}-\d{2}$/.test(startDate)) return undefined;
  const days = (Date.parse(`${startDate}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS;
  if (Number.isNaN(days)) return undefined;
  if (days < 0) return { kind: 'start-date', startDate, why: 'past' };
  if (days > FAR_AHEAD_DAYS) return { kind: 'start-date', startDate, why: 'far-ahead' };
  return undefined;
}

/** The confirmations among `needed` that the card data (untrusted) does not tick. */
export function missingConfirmations(needed: readonly Confirmation[], data: unknown): Confirmation[] {
  const values = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  return needed.filter((c) => values[CONFIRMATION_INPUT[c.kind]] !== 'true' && values[CONFIRMATION_INPUT[c.kind]] !== true);
}

/** What the record keeps of the confirmations given (facts only, for the audit trail and the ticket). */
export interface ConfirmedDecisions {
  readonly startDate?: { readonly startDate: string; readonly why: 'past' | 'far-ahead' } | undefined;
  readonly secondAccount?: {
    readonly earlierRequestId: string; readonly earlierUserPrincipalName: string; readonly why: 'same-name' | 'same-ticket';
  } | undefined;
}

export function confirmedDecisions(given: readonly Confirmation[]): ConfirmedDecisions | undefined {
  if (given.length === 0) return undefined;
  const decisions: { -readonly [K in keyof ConfirmedDecisions]: ConfirmedDecisions[K] } = {};
  for (const c of given) {
    if (c.kind === 'start-date') decisions.startDate = { startDate: c.startDate, why: c.why };
    else decisions.secondAccount = { earlierRequestId: c.earlier.requestId, earlierUserPrincipalName: c.earlier.userPrincipalName, why: c.why };
  }
  return decisions;
}

/** The decisions as flat audit details. */
export function auditDetailsOf(decisions: ConfirmedDecisions | undefined): Record<string, string | boolean> {
  if (!decisions) return {};
  return {
    ...(decisions.startDate ? { startDateConfirmed: decisions.startDate.startDate, startDateWhy: decisions.startDate.why } : {}),
    ...(decisions.secondAccount ? {
      secondAccountConfirmed: true,
      secondAccountOf: decisions.secondAccount.earlierUserPrincipalName,
      secondAccountEarlierRequest: decisions.secondAccount.earlierRequestId,
      secondAccountWhy: decisions.secondAccount.why,
    } : {}),
  };
}

/** The calendar day of `at` in a time zone (IANA name), as YYYY-MM-DD; UTC's day when the zone is unknown. */
export function dayIn(at: Date, timeZone?: string): string {
  if (timeZone) {
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
      const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      return `${part('year')}-${part('month')}-${part('day')}`;
    } catch {
      // An unknown zone name: fall through to UTC.
    }
  }
  return at.toISOString().slice(0, 10);
}
