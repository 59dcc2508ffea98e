/**
 * A sheet pasted into Teams, read from the message's text/html attachment as Teams sends it:
 * an Excel range as a <table> inside Teams' copy-paste <div>s, lines as <div>s or <br>s
 * (botframework-sdk#3238: the text itself may have lost its line breaks; msteams-docs#3960
 * shows the attachment's shape). Hostile HTML yields text only and takes linear time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { looksLikeBulkSheet, pastedSheetOf, readPastedSheet } from '../../src/request-reading/bulk-sheet.js';
import { PASTED_HTML_MAX_CHARS, readPastedHtml } from '../../src/request-reading/pasted-sheet.js';

const HEADER = ['Name [displayName] Required', 'User name [userPrincipalName] Required', 'Initial password [passwordProfile] Required',
  'Block sign in (Yes/No) [accountEnabled] Required', 'Usage location [usageLocation]', 'Department [department]', 'Ticket'];
/** A range copied from Excel and pasted into a Teams chat, as the text/html attachment carries it. */
const excelPaste = (rows: readonly (readonly string[])[]) =>
  '<div>\r\n<div itemprop="copy-paste-block">\r\n<table style="border-collapse:collapse" border="0" cellspacing="0" cellpadding="0" width="640">\r\n<tbody>\r\n' +
  rows.map((cells) => `<tr style="height:15.0pt">\r\n${cells.map((c) => `<td style="padding:0 5.4pt;white-space:nowrap" nowrap="">\r\n<p><span style="font-size:11.0pt;color:black">${c}</span></p>\r\n</td>`).join('\r\n')}\r\n</tr>`).join('\r\n') +
  '\r\n</tbody>\r\n</table>\r\n</div>\r\n</div>';

describe('reading a pasted sheet from Teams HTML', () => {
  it('when an Excel range arrives as a table inside Teams’ copy-paste divs, then each row is read cell by cell (a comma stays in its cell)', () => {
    const html = excelPaste([['version:v1.0'], HEADER, ['Lee, Jo', 'jo.lee@contoso.com', '', 'No', 'GB', 'Sales', 'HR-2'], ['Ana Ruiz', 'ana.ruiz@contoso.com', '', 'No', 'ES', 'R&amp;D', 'HR-1']]);
    const sheet = pastedSheetOf('version:v1.0 Name [displayName] Required User name … (the text Teams sent, without its line breaks)', html);
    expect(sheet.kind).toBe('table');
    expect(looksLikeBulkSheet(sheet)).toBe(true);
    const read = readPastedSheet(sheet);
    expect(read.problems).toEqual([]);
    expect(read.rows).toEqual([
      { rowNumber: 3, cells: { displayName: 'Lee, Jo', userPrincipalName: 'jo.lee@contoso.com', blockSignIn: 'No', usageLocation: 'GB', department: 'Sales', ticketReference: 'HR-2' } },
      { rowNumber: 4, cells: { displayName: 'Ana Ruiz', userPrincipalName: 'ana.ruiz@contoso.com', blockSignIn: 'No', usageLocation: 'ES', department: 'R&D', ticketReference: 'HR-1' } },
    ]);
  });

  it('when cells hold entities, <br>, non-breaking spaces and nothing at all, then each cell reads as its text on one line and empty cells stay empty', () => {
    const sheet = readPastedHtml(`<table><tr><td>Name [displayName]</td><td>Department</td><td>Ticket</td></tr>
      <tr><td>Zo&euml;&nbsp;M&#252;ller</td><td>Research<br>&amp; Development</td><td></td></tr><tr><td>&lt;b&gt;Kim&lt;/b&gt;</td><td> </td><td>HR-3</td></tr></table>`);
    expect(sheet).toEqual({ kind: 'table', rows: [['Name [displayName]', 'Department', 'Ticket'], ['Zoë Müller', 'Research & Development', ''], ['<b>Kim</b>', '', 'HR-3']] });
  });

  it('when a cell spans columns, then the cells after it keep their column', () => {
    expect(readPastedHtml('<table><tr><td colspan="2">Name [displayName]</td><td>Ticket</td></tr><tr><td>A</td><td>B</td><td>C</td></tr></table>'))
      .toEqual({ kind: 'table', rows: [['Name [displayName]', '', 'Ticket'], ['A', 'B', 'C']] });
  });

  it('when the paste is lines of text (divs, paragraphs, <br>), then the lines are read as CSV although the text lost its line breaks', () => {
    const html = '<div><div>version:v1.0</div><div>Name [displayName] Required,Ticket</div><p>"Lee, Jo",HR-2<br>Ana Ruiz,HR-1</p></div>';
    const sheet = pastedSheetOf('version:v1.0 Name [displayName] Required,Ticket "Lee, Jo",HR-2 Ana Ruiz,HR-1', html);
    expect(sheet).toEqual({ kind: 'lines', text: 'version:v1.0\nName [displayName] Required,Ticket\n"Lee, Jo",HR-2\nAna Ruiz,HR-1' });
    expect(readPastedSheet(sheet).rows.map((r) => r.cells.displayName)).toEqual(['Lee, Jo', 'Ana Ruiz']);
  });

  it('when there is no HTML, then the text is read, and a sentence without line breaks is no sheet', () => {
    expect(pastedSheetOf('version:v1.0\nName [displayName],Ticket', undefined)).toEqual({ kind: 'lines', text: 'version:v1.0\nName [displayName],Ticket' });
    expect(looksLikeBulkSheet(pastedSheetOf('version:v1.0 Name [displayName],Ticket', undefined))).toBe(false);
    expect(looksLikeBulkSheet(pastedSheetOf('please create an account for Ana Ruiz', '<div>please create an account for Ana Ruiz</div>'))).toBe(false);
    expect(looksLikeBulkSheet(pastedSheetOf('', '<table><tr><td>Name</td><td>Ticket</td></tr></table>'))).toBe(false);
  });

  it('when a table holds a table, then only the outer one is the sheet and the inner one is text of its cell', () => {
    expect(readPastedHtml('<table><tr><td>Name [displayName]</td><td><table><tr><td>x</td><td>y</td></tr></table></td></tr></table>'))
      .toEqual({ kind: 'table', rows: [['Name [displayName]', 'xy']] });
  });

  it('when a 1,000-row range is pasted, then all 1,000 rows are read in order', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [`Person ${i}`, `person.${i}@contoso.com`, '', 'No', 'US', 'Sales', 'REORG-9']);
    const read = readPastedSheet(pastedSheetOf('', excelPaste([['version:v1.0'], HEADER, ...rows])));
    expect(read.problems).toEqual([]);
    expect(read.rows).toHaveLength(1000);
    expect(read.rows[999]).toEqual({ rowNumber: 1002, cells: expect.objectContaining({ displayName: 'Person 999', userPrincipalName: 'person.999@contoso.com' }) });
  });

  it('when the HTML is hostile (script, style, comments, handlers, unclosed and deeply nested tags, a colspan bomb), then only text comes out, nothing runs', () => {
    const hostile = '<table><tr><td onclick="alert(1)">Name [displayName]<script>document.cookie</script></td><td colspan="999999999">Ticket<style>td{}</style></td></tr>' +
      '<tr><td><!-- <td>hidden</td> -->Ana<img src=x onerror=alert(2)></td><td><a href="javascript:alert(3)">HR-1</a>' + '<div>'.repeat(5000) + '</table>';
    const sheet = readPastedHtml(hostile);
    expect(sheet?.kind).toBe('table');
    const rows = (sheet as { rows: string[][] } | undefined)?.rows ?? [];
    expect(rows[0]![0]).toBe('Name [displayName]');
    expect(rows[0]!.length).toBeLessThanOrEqual(200);
    expect(rows[1]!.slice(0, 2)).toEqual(['Ana', 'HR-1']);
    expect(JSON.stringify(rows)).not.toMatch(/alert|cookie|hidden|onerror|<|td\{/);
  });

  it('when the HTML is longer than the cap, then it is not read at all', () => {
    expect(readPastedHtml(`<table><tr><td>${'x'.repeat(PASTED_HTML_MAX_CHARS)}</td></tr></table>`)).toBeUndefined();
  });

  it('property: any string as HTML gives a sheet or nothing, never an error, and cells never hold a tag', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom('<table>', '<tr>', '<td>', '</td>', '</tr>', '</table>', '<br>', '<div>', 'a,b', '&amp;', '&#0;', '<script>', '</script>', '<!--', '-->', ' '), { maxLength: 60 }).map((parts) => parts.join(''))), (html) => {
      const sheet = readPastedHtml(html);
      if (sheet?.kind === 'table') expect(sheet.rows.flat().some((cell) => /<\/?(td|tr|table|script)>/.test(cell) && !html.includes('&lt;'))).toBe(false);
    }), { numRuns: 300, seed: 22 });
  });
});
