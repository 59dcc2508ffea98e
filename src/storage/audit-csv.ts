/**
 * CSV export of audit events for admins: RFC 4180 (CRLF records, fields quoted when they
 * hold a comma, quote, CR or LF, quotes doubled) with spreadsheet formula injection
 * neutralised — a cell starting with = + - @ TAB, CR or NUL gets a leading apostrophe, so Excel
 * and Sheets show it as text instead of evaluating it (OWASP "CSV injection"; NUL as OWASP ASVS 5.0
 * V1.2.10 adds, https://github.com/OWASP/ASVS/blob/master/5.0/en/0x10-V1-Encoding-and-Sanitization.md).
 */
import type { AuditEvent } from '../onboarding/index.js';

const FIXED_COLUMNS = ['at', 'type', 'requestId', 'correlationId', 'actor', 'eventId'] as const;
const FORMULA_START = /^[=+\-@\t\r\0]/;

/** The cell as a spreadsheet must see it: text, never a formula. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/** One RFC 4180 field (after neutralising formulas). */
export function csvField(cell: string): string {
  const safe = neutraliseFormula(cell);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 text of these rows: fields joined by commas, records ended by CRLF. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/**
 * The events as a table: fixed columns first, then one column per details key (sorted;
 * a key that clashes with a fixed column is headed `details.<key>`). Null is an empty cell.
 */
export function auditCsvRows(events: readonly (AuditEvent & { readonly eventId?: string })[]): string[][] {
  const detailKeys = [...new Set(events.flatMap((event) => Object.keys(event.details)))].sort();
  const fixed: readonly string[] = FIXED_COLUMNS;
  const header = [...FIXED_COLUMNS, ...detailKeys.map((key) => (fixed.includes(key) ? `details.${key}` : key))];
  const rows = events.map((event) => [
    event.at, event.type, event.requestId, event.correlationId, event.actor, event.eventId ?? '',
    ...detailKeys.map((key) => {
      const value = Object.hasOwn(event.details, key) ? event.details[key] : null;
      return value === null || value === undefined ? '' : String(value);
    }),
  ]);
  return [header, ...rows];
}

/** The events as an RFC 4180 CSV document with a header row, safe to open in a spreadsheet. */
export function toCsv(events: readonly (AuditEvent & { readonly eventId?: string })[]): string {
  return formatCsv(auditCsvRows(events));
}
