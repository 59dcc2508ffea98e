/** The bulk cards as an admin reads them, and the results sheet split to fit Teams messages. */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { bulkProgressCard, bulkResultsMessages, bulkRevealCard, bulkRevealedCard, bulkReviewCard } from '../../../src/bot/cards/bulk-cards.js';
import { Secret, revealParts, type BulkRowRecord } from '../../../src/onboarding/index.js';
import { writeBulkResults } from '../../../src/request-reading/bulk-sheet.js';
import { textOf, type Card } from '../../support/cards.js';

const progress = { jobId: 'bulk-1', ticketReference: 'REORG-7', total: 40, done: 10, failed: 2, remaining: 28, finished: false };

describe('bulk cards', () => {
  it.each([
    [{ ...progress }, /Creating 40 accounts…[\s\S]*██████░{14} 30 %[\s\S]*Done\n10\nFailed\n2\nRemaining\n28/],
    [{ ...progress, guests: 12 }, /^Creating 28 accounts and inviting 12 guests…\n/],
    [{ ...progress, total: 1, guests: 1, done: 0, failed: 0, remaining: 1 }, /^Inviting 1 guest…\n/],
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
    const card = bulkReviewCard({ kind: 'ready', jobId: 'bulk-9', rowCount: 12, ticketReferences: ['REORG-7'], recipients: ['Alex Wilber'], notes: [], tapMode: 'off', welcomeMails: 0, mailer: true, confirmations: [], templates: [] }) as Card;
    expect(textOf(card)).toMatch(/^12 accounts to create/);
    expect(card.actions?.map((a) => [a.verb, a.data])).toEqual([['bulk.approve', { jobId: 'bulk-9' }], ['bulk.cancel', { jobId: 'bulk-9' }]]);
  });

  it('when the results sheet is long, then it is split at line ends into messages that fit Teams, and the parts join back into the sheet', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => ({ rowNumber: i + 3, displayName: `Person ${i}`, userPrincipalName: `p${i}@contoso.com`, outcome: 'created', objectId: '00000000-0000-4000-8000-000000000000' }));
    const csv = writeBulkResults(lines);
    const messages = bulkResultsMessages({ ...progress, total: 1000, done: 1000, remaining: 0, failed: 0, finished: true }, csv);
    expect(messages.length).toBeGreaterThan(1);
    // Within the 80 KB in UTF-16 Teams recommends (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages).
    expect(messages.every((m) => JSON.stringify(m).length * 2 <= 80_000)).toBe(true);
    const joined = messages.map((m) => /```csv\n([\s\S]*)```$/.exec(m.text)?.[1] ?? '').join('');
    expect(joined).toBe(csv);
    expect(parse(joined)).toHaveLength(1001);
  });

  // Teams takes about 100 KB a message in UTF-16 and recommends 80 KB
  // (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/format-your-bot-messages).
  const RECOMMENDED_BYTES = 80_000;
  // Each row with a pass issued: under `alongside` its Reveal shows the password and a pass of Entra's longest (48 characters).
  const rowsNamed = (names: string[]) => names.map((displayName, i) => ({ rowNumber: i + 3, request: { displayName }, state: 'created', tap: 'issued' }) as unknown as BulkRowRecord);
  const revealedAnswer = (part: readonly BulkRowRecord[], index: number, parts: number) => ({
    statusCode: 200, type: 'application/vnd.microsoft.card.adaptive',
    value: bulkRevealedCard({
      kind: 'shown', gone: 0, visibleUntil: '2026-12-01T10:52:00.000Z', part: index + 1, parts,
      accounts: part.map((r) => ({ displayName: r.request.displayName, password: new Secret('7+k&Q2YKqh26pYNu'), temporaryAccessPass: new Secret('\\"'.repeat(16)) })),
    }),
  });

  it.each([
    ['1,000 everyday names', Array.from({ length: 1000 }, (_, i) => `Person ${i} Tester`)],
    ['300 names of 256 characters full of quotes and backslashes', Array.from({ length: 300 }, (_, i) => `${i}"\\`.padEnd(256, '"\\'))],
  ])('when one recipient has %s, then every part’s reveal card and Reveal answer fit 80 KB in UTF-16, and the parts hold every name once, in order', (_, names) => {
    const parts = revealParts(rowsNamed(names), 16, 'alongside');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat().map((r) => r.request.displayName)).toEqual(names);
    parts.forEach((part, index) => {
      const notice = bulkRevealCard({ jobId: 'bulk-1', displayNames: part.map((r) => r.request.displayName), contents: 'password-and-tap', expiresAt: '2026-12-02T10:00:00.000Z', part: index + 1, parts: parts.length });
      expect(JSON.stringify(notice).length * 2).toBeLessThanOrEqual(RECOMMENDED_BYTES);
      expect(textOf(notice as Card)).toContain(`part ${index + 1} of ${parts.length}`);
      expect(JSON.stringify(revealedAnswer(part, index, parts.length)).length * 2).toBeLessThanOrEqual(RECOMMENDED_BYTES);
    });
  });

  it('when one recipient has 300 guests whose links are handed over (GUEST_INVITATION=reveal), then each part\'s Reveal answer fits 80 KB even with links of 1,024 characters, and shows each guest\'s name with "Invitation link:"', () => {
    const names = Array.from({ length: 300 }, (_, i) => `${i}"\\`.padEnd(256, '"\\'));
    const guests = names.map((displayName, i) => ({ rowNumber: i + 3, request: { displayName }, state: 'created', guest: { invitation: 'reveal' } }) as unknown as BulkRowRecord);
    // Graph's inviteRedeemUrl is about 300 characters; the planning allows 1,024.
    const link = `https://login.microsoftonline.com/redeem?rd=${'%2f'.repeat(326)}`;
    const parts = revealParts(guests, 16, 'off');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.flat()).toHaveLength(300);
    parts.forEach((part, index) => {
      const answer = {
        statusCode: 200, type: 'application/vnd.microsoft.card.adaptive',
        value: bulkRevealedCard({
          kind: 'shown', gone: 0, visibleUntil: '2026-12-01T10:52:00.000Z', part: index + 1, parts: parts.length,
          accounts: part.map((r) => ({ displayName: r.request.displayName, invitationLink: new Secret(link) })),
        }),
      };
      expect(JSON.stringify(answer).length * 2).toBeLessThanOrEqual(RECOMMENDED_BYTES);
      expect(textOf(answer.value as Card)).toContain(`Invitation link: ${link}`);
      const notice = bulkRevealCard({ jobId: 'bulk-1', displayNames: part.map((r) => r.request.displayName), contents: 'password', expiresAt: '2026-12-02T10:00:00.000Z', part: index + 1, parts: parts.length, guests: part.length });
      expect(textOf(notice as Card)).toMatch(new RegExp(`^Invitation links for ${part.length} guests, part ${index + 1} of ${parts.length}`));
      expect(textOf(notice as Card)).not.toContain('temporary password');
    });
  });

  it('when a ready sheet names 1,000 tickets and 1,000 recipients, then the review card lists the first 20 of each and counts the rest, within 80 KB', () => {
    const many = (prefix: string) => Array.from({ length: 1000 }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}-${'x'.repeat(50)}`);
    const card = bulkReviewCard({ kind: 'ready', jobId: 'bulk-9', rowCount: 1000, ticketReferences: many('INC'), recipients: many('Person'), notes: [], tapMode: 'alongside', welcomeMails: 1000, mailer: true, confirmations: [], templates: [] }) as Card;
    expect(textOf(card)).toContain('and 980 more');
    expect(textOf(card)).toContain(`INC-0019-${'x'.repeat(50)} and 980 more`);
    expect(JSON.stringify(card).length * 2).toBeLessThanOrEqual(RECOMMENDED_BYTES);
  });

  it('when a sheet needs confirmations, then the card lists each with its row\'s toggle and one toggle for the sheet, and past 20 counts the rest, within 80 KB', () => {
    const confirmations = Array.from({ length: 1000 }, (_, i) => ({ kind: 'start-date' as const, rowNumber: i + 3, startDate: '2025-01-06', why: 'past' as const }));
    const card = bulkReviewCard({
      kind: 'ready', jobId: 'bulk-9', rowCount: 1000, ticketReferences: ['REORG-7'], recipients: ['Alex Wilber'], notes: [], tapMode: 'instead', welcomeMails: 0, mailer: false, templates: [],
      confirmations: [...confirmations, { kind: 'second-account', rowNumber: null, why: 'same-ticket', ticketReference: 'REORG-7', earlierUserPrincipalName: 'ana@contoso.com', earlierRequestId: 'r1' }],
    }) as Card;
    const text = textOf(card);
    expect(text).toContain('1001 things to confirm before Create all');
    expect(text).toContain('The ticket REORG-7 already produced ana@contoso.com.');
    expect(text).toContain('Row 3: the start date 2025-01-06 is already past');
    expect(text).toContain('… and 981 more, confirmed only with the toggle below.');
    expect(text).toContain('no password is created or shown');
    const toggles = JSON.stringify(card).match(/"Input\.Toggle","id":"(confirmRow\d+|confirmAll)"/g) ?? [];
    expect(toggles).toHaveLength(20);
    expect(toggles.at(-1)).toContain('confirmAll');
    expect(JSON.stringify(card).length * 2).toBeLessThanOrEqual(RECOMMENDED_BYTES);
  });
});
