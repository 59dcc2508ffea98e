/** The ticket the request was raised under: labelled ("ticket 4711") or in a tracker's own shape. */
import { FIELD_LIMITS } from '../onboarding/request/request.js';
import { overlaps, type Span } from './spans.js';

const TICKET_PATTERNS: readonly RegExp[] = [
  // Labelled: "ticket 4711", "ticket: INC-4711", "ticket no. 4711", "ticket #4711", "case 88".
  /\b(?:ticket|incident|ref|reference|case)(?:\s+(?:is|no\.?|number|nr\.?|id))?\s*[:#]?\s*#?\s*([A-Za-z]{0,10}[-_]?\d{1,20})\b/gi,
  // ServiceNow and friends: INC0012345, REQ0012345, RITM0012345, CHG…, SR-12.
  /\b((?:INC|REQ|RITM|SCTASK|TASK|CHG|PRB|SR|CR|RFC|TKT)[-_]?\d{1,20})\b/gi,
  // Jira style: ONB-42, HELP-1234.
  /\b([A-Z][A-Z0-9]{1,9}-\d{2,20})\b/g,
  // "#4711".
  /(?:^|[\s(])#(\d{2,20})\b/g,
];
const TICKET_FORM = /^[A-Za-z0-9][A-Za-z0-9._\-/#]*$/;

export interface TicketRead extends Span {
  /** As the form takes it: the letters of the prefix in upper case ("inc-4711" → "INC-4711"). */
  readonly reference: string;
}

export function findTicket(text: string, taken: readonly Span[]): TicketRead | undefined {
  for (const pattern of TICKET_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const value = m[1];
      if (value === undefined) continue;
      const start = m.index + m[0].lastIndexOf(value);
      const end = start + value.length;
      if (overlaps(taken, start, end)) continue;
      const reference = value.replace(/^[a-z]+/i, (prefix) => prefix.toUpperCase());
      if (reference.length <= FIELD_LIMITS.ticketReference && TICKET_FORM.test(reference)) return { start, end, reference };
    }
  }
  return undefined;
}
