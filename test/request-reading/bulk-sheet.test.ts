import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readBulkSheet, writeBulkResults } from '../../src/request-reading/bulk-sheet.js';

const ENTRA_HEADER =
  'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,' +
  'Block sign in (Yes/No) [accountEnabled] Required,First name [givenName],Last name [surname],Job title [jobTitle],' +
  'Department [department],Usage location [usageLocation],Street address [streetAddress],Ticket,Manager,Start date,Personal email,Recipient';
const EXAMPLE = 'Example: Chris Green,chris@contoso.onmicrosoft.com,myPassword1234,No,Chris,Green,Analyst,Sales,US,123 Main St,,,,,';
const sheet = (...rows: string[]): string => ['version:v1.0', ENTRA_HEADER, EXAMPLE, ...rows].join('\r\n');

describe('readBulkSheet', () => {
  it('when the Entra template is filled in, then each data row is read by its bracketed property, keeping spreadsheet row numbers', () => {
    const read = readBulkSheet(sheet(
      'Ana Ruiz,ana.ruiz@contoso.com,,No,Ana,Ruiz,Engineer,R&D,ES,,HR-1,adele.vance@contoso.com,2026-12-01,ana@example.org,',
      '"Lee, Jo",,,,Jo,Lee,,,GB,,HR-2,,,,megan.bowen@contoso.com',
    ));
    expect(read.problems).toEqual([]);
    expect(read.rows).toEqual([
      { rowNumber: 4, cells: {
        displayName: 'Ana Ruiz', userPrincipalName: 'ana.ruiz@contoso.com', blockSignIn: 'No', givenName: 'Ana', surname: 'Ruiz',
        jobTitle: 'Engineer', department: 'R&D', usageLocation: 'ES', ticketReference: 'HR-1', manager: 'adele.vance@contoso.com',
        startDate: '2026-12-01', personalEmail: 'ana@example.org',
      } },
      { rowNumber: 5, cells: { displayName: 'Lee, Jo', givenName: 'Jo', surname: 'Lee', usageLocation: 'GB', ticketReference: 'HR-2', recipient: 'megan.bowen@contoso.com' } },
    ]);
    expect(read.notes).toEqual([
      expect.stringContaining('"Initial password" column is ignored'),
      expect.stringContaining('Street address [streetAddress]'),
    ]);
  });

  it('when a row fills in the Initial password, then the whole sheet is refused and the password is never repeated', () => {
    const read = readBulkSheet(sheet('Ana Ruiz,ana.ruiz@contoso.com,Sommer2026!,No,Ana,Ruiz,,,ES,,HR-1,,,,'));
    expect(read.rows).toEqual([]);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]?.message).toContain('I never take a password chosen in chat');
    expect(JSON.stringify(read)).not.toContain('Sommer2026!');
  });

  it.each([
    ['an unclosed quote', 'version:v1.0\nName,Ticket\n"Ana Ruiz,HR-1\n', /could not read the sheet as CSV/],
    ['no header at all', 'version:v1.0\n', /no header row/],
    ['a header of unknown columns', 'Colour,Shoe size\nred,42\n', /no header row/],
    ['no ticket column', 'Name [displayName],Usage location\nAna Ruiz,ES\n', /no "Ticket \[ticketReference\]" column/],
    ['the same column twice', 'Name,Ticket,Ticket\nAna Ruiz,HR-1,HR-2\n', /"Ticket" appears twice/],
    ['a row wider than the header', 'Name,Ticket\nAna Ruiz,HR-1,surprise\n', /has 3 cells but the header has 2/],
  ])('when the sheet has %s, then it says so with nothing read', (_what, text, message) => {
    const read = readBulkSheet(text);
    expect(read.problems.map((p) => p.message).join(' ')).toMatch(message);
  });

  it('when the text is longer than any sheet we take, then it is refused before parsing', () => {
    expect(readBulkSheet('x'.repeat(16_000_001)).problems[0]?.message).toMatch(/larger than/);
  });

  it('when any text arrives, then reading never throws and every row number is a line of the text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => {
      const read = readBulkSheet(text);
      for (const row of read.rows) expect(row.rowNumber).toBeGreaterThan(0);
    }), { numRuns: 300 });
  });

  it('when a results cell starts with a null character, then it is defused like a formula (OWASP ASVS 5.0 V1.2.10)', () => {
    const back = parse(writeBulkResults([{ rowNumber: 3, displayName: '\u0000=1+1', userPrincipalName: 'ana@contoso.com', outcome: 'failed', problem: '\u0000@SUM(A1)' }]), { relax_column_count: true }) as string[][];
    expect(back[1]).toEqual(['3', "'\u0000=1+1", 'ana@contoso.com', 'failed', '', "'\u0000@SUM(A1)", '', '', '', '']);
  });

  it('when any cells are written into the results sheet and read back, then they come back the same (formulas defused)', () => {
    const cell = fc.string({ maxLength: 30 });
    const record = fc.record({ rowNumber: fc.nat(5000), displayName: cell, userPrincipalName: cell, outcome: cell, problem: cell, groupsAndLicence: cell, temporaryAccessPass: cell, welcomeMail: cell, guestInvitation: cell });
    fc.assert(fc.property(fc.array(record, { maxLength: 20 }), (lines) => {
      const back = parse(writeBulkResults(lines), { relax_column_count: true }) as string[][];
      expect(back[0]).toEqual(['Row', 'Name [displayName]', 'User name [userPrincipalName]', 'Outcome', 'Object id', 'Problem', 'Groups and licence', 'Temporary Access Pass', 'Welcome email', 'Guest invitation']);
      // OWASP's = + - @ TAB CR, and NUL as ASVS 5.0 V1.2.10 adds.
      const defuse = (v: string): string => (/^[=+\-@\t\r\0]/.test(v) ? `'${v}` : v);
      expect(back.slice(1)).toEqual(lines.map((l) => [
        String(l.rowNumber), defuse(l.displayName), defuse(l.userPrincipalName), l.outcome, '', defuse(l.problem), defuse(l.groupsAndLicence), defuse(l.temporaryAccessPass), defuse(l.welcomeMail), defuse(l.guestInvitation),
      ]));
    }), { numRuns: 200 });
  });

  it('when a sheet is written by a CSV writer from any cells, then reading it gives back the same cells', () => {
    const value = fc.string({ maxLength: 20 }).map((s) => s.trim()).filter((s) => s !== '' && !/^example:/i.test(s));
    fc.assert(fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 10 }), (rows) => {
      const text = writeLike([['Name [displayName] Required', 'Ticket'], ...rows]);
      const read = readBulkSheet(`version:v1.0\n${text}`);
      expect(read.problems).toEqual([]);
      expect(read.rows.map((r) => [r.cells.displayName, r.cells.ticketReference])).toEqual(rows);
    }), { numRuns: 200 });
  });
});

/** RFC 4180 by hand, so the round trip does not test the library against itself. */
function writeLike(rows: string[][]): string {
  return rows.map((cells) => cells.map((c) => (/[",\r\n]/.test(c) || c !== c.trim() ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\r\n');
}
