/** The bulk cards as an admin reads them, and the results sheet split to fit Teams messages. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { bulkProgressCard, bulkResultsMessages, bulkReviewCard } from '../../../src/bot/cards/bulk-cards.js';
import { writeBulkResults } from '../../../src/request-reading/bulk-sheet.js';
import { textOf, type Card } from '../../support/cards.js';

const progress = { jobId: 'bulk-1', ticketReference: 'REORG-7', total: 40, done: 10, failed: 2, remaining: 28, finished: false };

describe('bulk cards', () => {
  it.each([
    [{ ...progress }, /Creating 40 accounts[\s\S]*██████░{14} 30 %[\s\S]*Done\n10\nFailed\n2\nRemaining\n28/],
    [{ ...progress, done: 38, remaining: 0, finished: true }, /Bulk finished: 38 created, 2 failed\n█{20} 100 %/],
    [{ ...progress, total: 0, done: 0, failed: 0, remaining: 0, finished: true }, /Bulk finished: 0 created\n█{20} 100 %/],
  ])('when the progress is %o, then the card shows the counts and a bar', (view, expected) => {
    expect(textOf(bulkProgressCard(view) as Card)).toMatch(expected);
  });

  it('when a sheet has more problems than a card shows, then the first 40 are listed by row and the rest counted, with no Create button', () => {
    const problems = Array.from({ length: 45 }, (_, i) => ({ rowNumber: i + 3, message: 'The usage location is required.' }));
    const card = bulkReviewCard({ kind: 'problems', rowCount: 50, badRows: 45, problems, notes: [] }) as Card;
    const text = textOf(card);
    expect(text).toContain('Row 3: The usage location is required.');
    expect(text).toContain('Row 42: The usage location is required.');
    expect(text).not.toContain('Row 43:');
    expect(text).toContain('… and 5 more.');
    expect(card.actions ?? []).toEqual([]);
  });

  it('when a sheet is ready, then the card gives the counts and Create all / Cancel for this job', () => {
    const card = bulkReviewCard({ kind: 'ready', jobId: 'bulk-9', rowCount: 12, ticketReferences: ['REORG-7'], recipients: ['Alex Wilber'], notes: [] }) as Card;
    expect(textOf(card)).toMatch(/^12 accounts to create/);
    expect(card.actions?.map((a) => [a.verb, a.data])).toEqual([['bulk.approve', { jobId: 'bulk-9' }], ['bulk.cancel', { jobId: 'bulk-9' }]]);
  });

  it('when the results sheet is long, then it is split at line ends into messages that fit Teams, and the parts join back into the sheet', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => ({ rowNumber: i + 3, displayName: `Person ${i}`, userPrincipalName: `p${i}@contoso.com`, outcome: 'created', objectId: '00000000-0000-4000-8000-000000000000' }));
    const csv = writeBulkResults(lines);
    const messages = bulkResultsMessages({ ...progress, total: 1000, done: 1000, remaining: 0, failed: 0, finished: true }, csv);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.every((m) => m.text.length < 20_000)).toBe(true);
    const joined = messages.map((m) => /```csv\n([\s\S]*)```$/.exec(m.text)?.[1] ?? '').join('');
    expect(joined).toBe(csv);
    expect(parse(joined)).toHaveLength(1001);
  });
});
