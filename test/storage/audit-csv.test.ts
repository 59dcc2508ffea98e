/**
 * The audit CSV export: RFC 4180 quoting, spreadsheet formula neutralisation, and a
 * property that every document parses back (with a strict RFC 4180 parser written here)
 * into exactly the cells that were exported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/onboarding/index.js';
import { auditCsvRows, csvField, formatCsv, neutraliseFormula, toCsv } from '../../src/storage/index.js';

/** A strict RFC 4180 reader: every record ends with CRLF, quotes only around whole fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let afterClosingQuote = false;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') {
        inQuotes = false;
        afterClosingQuote = true;
      } else {
        field += c;
      }
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      afterClosingQuote = false;
      fieldStarted = false;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      afterClosingQuote = false;
      fieldStarted = false;
      i += 1;
    } else if (afterClosingQuote) {
      throw new Error(`character ${JSON.stringify(c)} after a closing quote at ${i}`);
    } else if (c === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
    } else if (c === '"' || c === '\r' || c === '\n') {
      throw new Error(`unquoted ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0 || afterClosingQuote) throw new Error('the last record does not end with CRLF');
  return rows;
}

function anEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    requestId: 'req-1',
    correlationId: 'corr-1',
    at: '2025-03-03T09:00:00.000Z',
    type: 'account.created',
    actor: 'instance-1',
    details: {},
    ...overrides,
  };
}

describe('audit CSV: one field', () => {
  it.each([
    ['plain text', 'ada.lovelace@contoso.com', 'ada.lovelace@contoso.com'],
    ['an empty cell', '', ''],
    ['a comma', 'Lovelace, Ada', '"Lovelace, Ada"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line feed', 'line\nbreak', '"line\nbreak"'],
    ['a CR LF', 'line\r\nbreak', '"line\r\nbreak"'],
    ['a formula with =', '=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['a formula with +', '+1+1', "'+1+1"],
    ['a formula with -', '-2+3', "'-2+3"],
    ['a formula with @', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['a leading tab', '\t=1', "'\t=1"],
    ['a leading CR', '\r=1', '"\'\r=1"'],
    // OWASP ASVS 5.0 V1.2.10 (https://github.com/OWASP/ASVS/blob/master/5.0/en/0x10-V1-Encoding-and-Sanitization.md) adds the null character.
    ['a leading NUL', '\u0000=1', "'\u0000=1"],
    ['a formula character not at the start', 'a=b+c', 'a=b+c'],
    ['an apostrophe already', "'quoted", "'quoted"],
  ])('when the cell holds %s, then the field is %j', (_what, cell, expected) => {
    expect(csvField(cell)).toBe(expected);
  });
});

describe('audit CSV: events', () => {
  it('when events are exported, then there is a header, one CRLF record per event, detail columns sorted, nulls empty', () => {
    const events = [
      { ...anEvent({ details: { userPrincipalName: 'ada@contoso.com', attempt: 2, approved: true } }), eventId: 'e1' },
      anEvent({ type: 'request.received', details: { ticketReference: '=cmd|"/c calc"!A1', graphRequestId: null } }),
    ];

    const csv = toCsv(events);

    expect(csv.split('\r\n')).toEqual([
      'at,type,requestId,correlationId,actor,eventId,approved,attempt,graphRequestId,ticketReference,userPrincipalName',
      '2025-03-03T09:00:00.000Z,account.created,req-1,corr-1,instance-1,e1,true,2,,,ada@contoso.com',
      '2025-03-03T09:00:00.000Z,request.received,req-1,corr-1,instance-1,,,,,"\'=cmd|""/c calc""!A1",',
      '',
    ]);
  });

  it('when a details key has the name of a fixed column, then its column is headed details.<key>', () => {
    const rows = auditCsvRows([anEvent({ details: { type: 'shadow', status: 'done' } })]);

    expect(rows[0]).toEqual(['at', 'type', 'requestId', 'correlationId', 'actor', 'eventId', 'status', 'details.type']);
    expect(rows[1]?.slice(-2)).toEqual(['done', 'shadow']);
  });

  it('when there are no events, then the document is the header alone', () => {
    expect(toCsv([])).toBe('at,type,requestId,correlationId,actor,eventId\r\n');
  });
});

describe('audit CSV: properties', () => {
  const tricky = fc.constantFrom('a', 'Z', '0', ',', '"', '\r', '\n', '\r\n', '=', '+', '-', '@', '\t', ' ', "'", 'é', '😀', ';');
  const cell = fc.oneof(fc.string(), fc.string({ unit: tricky }), fc.string({ unit: 'binary' }));

  it('when any table of cells is formatted, then a strict RFC 4180 parser reads back exactly the neutralised cells', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 6 }), { maxLength: 8 }), (rows) => {
        expect(parseCsv(formatCsv(rows))).toEqual(rows.map((row) => row.map(neutraliseFormula)));
      }),
      { numRuns: 300 },
    );
  });

  it('when any cell is formatted, then no parsed cell starts with a formula character', () => {
    fc.assert(
      fc.property(cell, (value) => {
        const [[parsed]] = parseCsv(formatCsv([[value]])) as [[string]];
        expect(parsed).not.toMatch(/^[=+\-@\t\r]/);
      }),
      { numRuns: 300 },
    );
  });

  it('when any events are exported, then every record has the header\'s width and the cells read back', () => {
    const detailValue = fc.oneof(cell, fc.integer(), fc.boolean(), fc.constant(null));
    const event = fc.record({
      requestId: cell, correlationId: cell, at: cell, type: cell, actor: cell,
      details: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), detailValue, { maxKeys: 4 }),
    });

    fc.assert(
      fc.property(fc.array(event, { maxLength: 5 }), (events) => {
        const parsed = parseCsv(toCsv(events));
        const expected = auditCsvRows(events).map((row) => row.map(neutraliseFormula));
        expect(parsed).toEqual(expected);
        expect(new Set(parsed.map((row) => row.length))).toEqual(new Set([parsed[0]?.length]));
        events.forEach((e, i) => {
          expect(parsed[i + 1]?.slice(0, 5)).toEqual([e.at, e.type, e.requestId, e.correlationId, e.actor].map(neutraliseFormula));
        });
      }),
      { numRuns: 200 },
    );
  });
});
