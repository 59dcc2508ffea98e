import { describe, expect, it } from 'vitest';
import { validateBulkSheet, type BulkSheetRow } from '../../src/onboarding/bulk/bulk-rows.js';
import { seedDomains } from './fakes.js';

const context = { domains: seedDomains, aliasPattern: 'given.surname' as const, maxRows: 5 };
const row = (rowNumber: number, cells: BulkSheetRow['cells']): BulkSheetRow => ({
  rowNumber, cells: { displayName: 'Ana Ruiz', usageLocation: 'ES', ticketReference: 'HR-1', ...cells },
});
const validate = (...rows: BulkSheetRow[]) => validateBulkSheet({ rows, problems: [], notes: [] }, context);

describe('validateBulkSheet', () => {
  it('when every row is right, then each becomes a request by the single-request rules, names split from the display name', () => {
    const result = validate(row(3, {}), row(4, { displayName: 'Jo Lee', userPrincipalName: 'JO.LEE@contoso.com', recipient: 'Megan.Bowen@contoso.com', startDate: '2026-12-01' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rows.map((r) => [r.rowNumber, r.request.userPrincipalName, r.request.givenName, r.request.surname, r.recipient])).toEqual([
      [3, 'ana.ruiz@contoso.com', 'Ana', 'Ruiz', undefined],
      [4, 'jo.lee@contoso.com', 'Jo', 'Lee', 'megan.bowen@contoso.com'],
    ]);
    expect(result.rows[0]?.request.businessJustification).toBe('Bulk onboarding under ticket HR-1.');
    expect(result.rows[1]?.request.employeeHireDate).toBe('2026-12-01T00:00:00Z');
  });

  it.each([
    ['no usage location', { usageLocation: undefined }, /usage location is required/i],
    ['a federated domain', { userPrincipalName: 'ana@contoso.eu' }, /federated/],
    ['a user name without a domain', { userPrincipalName: 'ana.ruiz@' }, /needs the form name@domain/],
    ['sign-in blocked', { blockSignIn: 'Yes' }, /only creates accounts that can sign in/],
    ['a block sign in that is neither yes nor no', { blockSignIn: 'maybe' }, /must be Yes or No/],
    ['a bad personal email', { personalEmail: 'ana at home' }, /The personal email must be one address, like adele@example.com\./],
    // The form's rule for the personal email, the address a welcome mail goes to: one plain address, outside the organisation.
    ['a personal email whose local part a header reads as a list', { personalEmail: 'ana,evil@example.org' }, /The personal email must be one address/],
    ['a personal email with a doubled dot', { personalEmail: 'ana..ruiz@example.org' }, /The personal email must be one address/],
    ['a personal email in the organisation', { personalEmail: 'ana@contoso.com' }, /the person's own address outside the organisation/],
    ['a recipient that is not a user name', { recipient: 'Megan' }, /recipient must be a user name/],
    ['a bad start date', { startDate: '01/12/2026' }, /YYYY-MM-DD/],
    ['a ticket with spaces', { ticketReference: 'HR 1' }, /ticket reference may contain/i],
    ['a single name only', { displayName: 'Ana' }, /given name is required/i],
    ['a display name that carries an address', { givenName: 'Liv', surname: 'Sandberg', displayName: 'Liv Sandberg <evil@attacker.example>, x' }, /The display name may not contain < > @ " \\ ; or :\./],
  ])('when a row has %s, then its row number and one sentence are reported and nothing is valid', (_what, cells, message) => {
    const result = validate(row(3, {}), row(7, cells as BulkSheetRow['cells']));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.rowNumber)).toContain(7);
    expect(result.problems.filter((p) => p.rowNumber === 7).map((p) => p.message).join(' ')).toMatch(message);
    expect(result.problems.some((p) => p.rowNumber === 3)).toBe(false);
    expect(result.badRows).toBe(1);
  });

  it('when two rows make the same user name, then the later one names the earlier row', () => {
    const result = validate(row(3, {}), row(4, { userPrincipalName: 'Ana.Ruiz@contoso.com' }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ rowNumber: 4, message: 'ana.ruiz@contoso.com is already the user name of row 3: one row per account.' }]);
  });

  it('when the sheet has more rows than a bulk takes, or none, then the whole sheet is refused', () => {
    const many = Array.from({ length: 6 }, (_, i) => row(i + 3, { displayName: `Ana Ruiz${String.fromCharCode(97 + i)}` }));
    const tooMany = validate(...many);
    expect(!tooMany.ok && tooMany.problems.find((p) => p.rowNumber === null)?.message).toMatch(/6 rows; one bulk takes at most 5/);
    const none = validate();
    expect(!none.ok && none.problems[0]?.message).toMatch(/no rows to create/);
  });
});
