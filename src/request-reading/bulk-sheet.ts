/**
 * A bulk sheet read from CSV text: the Entra admin center's bulk-create layout (first line
 * `version:v1.0`, then the header `Name [displayName] Required,User name [userPrincipalName]
 * Required,Initial password [passwordProfile] Required,…`, then an optional
 * `Example:` row) plus this product's columns (ticket, manager, start date, personal email,
 * recipient, template). Columns are known by the property in brackets, or by their plain name.
 *
 * Never throws on any text; an unreadable sheet comes back with problems and no rows. A
 * filled "Initial password" column refuses the whole sheet without repeating its values.
 * And the results sheet written back: one row per account, never a secret.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { BulkField, BulkProblem, BulkResultLine, BulkSheet, BulkSheetRow } from '../onboarding/bulk/bulk-rows.js';
import { sayBulk } from '../onboarding/kernel/sentences.js';
import { readPastedHtml, type PastedSheet } from './pasted-sheet.js';

/** Longest sheet read at all (a 1,000-row sheet is ~300 KB: this takes 50,000 rows, BULK_MAX_ROWS's most); longer text is refused before parsing. */
export const BULK_SHEET_MAX_CHARS = 16_000_000;

// The property in brackets (Entra's template) or the plain column name, lower-cased without spaces.
const COLUMN_FIELDS: Record<string, BulkField | 'password' | 'ignored'> = {
  displayname: 'displayName', name: 'displayName',
  userprincipalname: 'userPrincipalName', username: 'userPrincipalName',
  passwordprofile: 'password', initialpassword: 'password',
  accountenabled: 'blockSignIn', 'blocksignin(yes/no)': 'blockSignIn', blocksignin: 'blockSignIn',
  givenname: 'givenName', firstname: 'givenName',
  surname: 'surname', lastname: 'surname',
  jobtitle: 'jobTitle', department: 'department', usagelocation: 'usageLocation',
  physicaldeliveryofficename: 'officeLocation', officelocation: 'officeLocation', office: 'officeLocation',
  companyname: 'companyName', company: 'companyName', employeetype: 'employeeType',
  ticketreference: 'ticketReference', ticket: 'ticketReference',
  manager: 'manager', startdate: 'startDate', employeehiredate: 'startDate',
  personalemail: 'personalEmail', recipient: 'recipient', template: 'template',
  businessjustification: 'businessJustification', justification: 'businessJustification',
  // A guest row: its kind (Member or Guest) and the address to invite; Entra's bulk-invite sheet names it
  // "Email address to invite [inviteeEmail]" and the display name "Name to display [invitedUserDisplayName]".
  accountkind: 'accountKind', account: 'accountKind',
  guestemail: 'guestEmail', inviteeemail: 'guestEmail', emailaddresstoinvite: 'guestEmail', inviteduserdisplayname: 'displayName',
};

const REQUIRED: ReadonlyArray<{ field: BulkField; column: string }> = [
  { field: 'displayName', column: 'Name [displayName]' },
  { field: 'ticketReference', column: 'Ticket [ticketReference]' },
];

/** Reads CSV text (pasted or from a file) into the sheet's rows, problems and notes. */
export function readBulkSheet(text: string): BulkSheet {
  if (text.length > BULK_SHEET_MAX_CHARS) return refused({ rowNumber: null, message: sayBulk.FILE_TOO_LARGE(Math.round(BULK_SHEET_MAX_CHARS / 1000)) });
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: 64_000,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    const detail = error instanceof Error ? error.message.replace(/:.*$/s, '').slice(0, 120) : 'unknown error';
    return refused({ rowNumber: typeof line === 'number' ? line : null, message: sayBulk.NOT_CSV(detail) });
  }
  return readRecords(records);
}

/**
 * The sheet of a message as Teams sent it: from its HTML (the text/html attachment) when that
 * holds a table or lines — Teams may have turned the text's line breaks into spaces — and from
 * its text otherwise.
 */
export function pastedSheetOf(text: string, html: string | undefined): PastedSheet {
  return (html !== undefined ? readPastedHtml(html) : undefined) ?? { kind: 'lines', text };
}

/** Whether a pasted message is a sheet: the template's version line, or a header naming the display name column, on a line (or row) of its own. */
export function looksLikeBulkSheet(sheet: PastedSheet): boolean {
  const marks = (line: string) => /^\s*version:v\d/i.test(line) || /\[displayName\]/i.test(line);
  if (sheet.kind === 'table') return sheet.rows.slice(0, 5).some((row) => marks(row.join(',')));
  return sheet.text.includes('\n') && sheet.text.split('\n').some(marks);
}

/** Reads a pasted sheet: a table cell by cell (a comma in a cell stays in it), lines as CSV text. */
export function readPastedSheet(sheet: PastedSheet): BulkSheet {
  if (sheet.kind === 'lines') return readBulkSheet(sheet.text);
  return readRecords(sheet.rows.map((row) => row.map((cell) => cell.trim())));
}

/** The sheet's records (rows of cells) read into rows, problems and notes. */
function readRecords(records: readonly (readonly string[])[]): BulkSheet {
  // Row numbers are the spreadsheet's: the version line is row 1 when present.
  const numbered = records.map((cells, index) => ({ rowNumber: index + 1, cells })).filter(({ cells }) => cells.some((c) => c !== ''));
  let start = 0;
  if (/^version:/i.test(numbered[0]?.cells[0] ?? '')) start = 1;
  const header = numbered[start];
  if (!header) return refused({ rowNumber: null, message: sayBulk.NO_HEADER() });

  const problems: BulkProblem[] = [];
  const notes: string[] = [];
  const ignored: string[] = [];
  const columns: Array<BulkField | 'password' | 'ignored'> = [];
  const seen = new Set<string>();
  for (const title of header.cells) {
    const field = COLUMN_FIELDS[columnKey(title)] ?? 'ignored';
    if (field === 'ignored') ignored.push(title === '' ? '(untitled)' : title);
    else if (seen.has(field)) problems.push({ rowNumber: header.rowNumber, message: sayBulk.DUPLICATE_COLUMN(title) });
    seen.add(field);
    columns.push(field);
  }
  if (!columns.some((c) => c !== 'ignored' && c !== 'password')) return refused({ rowNumber: header.rowNumber, message: sayBulk.NO_HEADER() });
  for (const { field, column } of REQUIRED) if (!seen.has(field)) problems.push({ rowNumber: header.rowNumber, message: sayBulk.MISSING_COLUMN(column) });

  const rows: BulkSheetRow[] = [];
  let passwordGiven = false;
  for (const { rowNumber, cells } of numbered.slice(start + 1)) {
    if (/^example:/i.test(cells[0] ?? '')) continue; // the template's own sample row
    if (cells.length > columns.length && cells.slice(columns.length).some((c) => c !== '')) {
      problems.push({ rowNumber, message: sayBulk.ROW_TOO_WIDE(cells.length, columns.length) });
      continue;
    }
    const row: Partial<Record<BulkField, string>> = {};
    columns.forEach((field, index) => {
      const value = cells[index] ?? '';
      if (field === 'password') passwordGiven ||= value !== '';
      else if (field !== 'ignored' && value !== '') row[field] = value;
    });
    rows.push({ rowNumber, cells: row });
  }
  if (passwordGiven) return refused({ rowNumber: null, message: sayBulk.PASSWORD_COLUMN_FILLED() });
  if (seen.has('password')) notes.push(sayBulk.PASSWORD_COLUMN_IGNORED());
  if (ignored.length > 0) notes.push(sayBulk.COLUMNS_IGNORED(ignored));
  return { rows, problems, notes };
}

/** "Name [displayName] Required" → "displayname"; "Start date" → "startdate". */
function columnKey(title: string): string {
  const bracketed = /\[([^\]]+)\]/.exec(title)?.[1];
  const name = bracketed ?? title.replace(/\brequired\b/i, '');
  return name.toLowerCase().replace(/\s+/g, '');
}

function refused(problem: BulkProblem): BulkSheet {
  return { rows: [], problems: [problem], notes: [] };
}

/**
 * The results sheet as CSV; cells a spreadsheet would run as a formula (= + - @ TAB CR, and NUL as
 * OWASP ASVS 5.0 V1.2.10 adds) are quoted with a leading apostrophe, as the audit export does.
 */
export function writeBulkResults(lines: readonly BulkResultLine[]): string {
  const safe = (value: string | undefined): string => (value && /^[=+\-@\t\r\0]/.test(value) ? `'${value}` : value ?? '');
  return stringify([
    ['Row', 'Name [displayName]', 'User name [userPrincipalName]', 'Outcome', 'Object id', 'Problem', 'Groups and licence', 'Temporary Access Pass', 'Welcome email', 'Guest invitation'],
    ...lines.map((l) => [
      String(l.rowNumber), safe(l.displayName), safe(l.userPrincipalName), l.outcome, l.objectId ?? '', safe(l.problem),
      safe(l.groupsAndLicence), safe(l.temporaryAccessPass), safe(l.welcomeMail), safe(l.guestInvitation),
    ]),
  ]);
}
