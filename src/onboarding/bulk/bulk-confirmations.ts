/**
 * The confirmations a bulk sheet needs before Create all, the same a single request asks for
 * (confirmations.ts): a row whose start date lies in the past or more than a year ahead, a row
 * for someone this bot already made an account for (same names under the user name asked for:
 * the row then makes a second account under a free variant), and a ticket that already produced
 * an account. The review card lists them; the admin ticks once for the whole sheet or row by row,
 * and Create all is refused while one is not ticked. What was confirmed stays in the job, the
 * audit trail and the results.
 */
import type { Confirmation } from '../rules/confirmations.js';

/** One confirmation of a sheet: a row's (rowNumber) or the whole sheet's (null: a ticket seen before). */
export type BulkConfirmation =
  | { readonly kind: 'start-date'; readonly rowNumber: number; readonly startDate: string; readonly why: 'past' | 'far-ahead' }
  | {
      readonly kind: 'second-account'; readonly rowNumber: number | null; readonly why: 'same-name' | 'same-ticket';
      /** The account this bot made before, and the request or bulk row that made it. */
      readonly earlierUserPrincipalName: string; readonly earlierRequestId: string;
      /** same-name: the user name the row gets instead (a free variant); same-ticket: the ticket. */
      readonly instead?: string | undefined; readonly ticketReference?: string | undefined;
    };

/** The review card's inputs: one toggle for the whole sheet, and one per row. */
export const CONFIRM_ALL_INPUT = 'confirmAll';
export const confirmRowInput = (rowNumber: number): string => `confirmRow${rowNumber}`;

const ticked = (value: unknown): boolean => value === true || value === 'true';

/** The confirmations the card data (untrusted) does not tick: each needs the sheet's toggle or its row's. */
export function missingBulkConfirmations(needed: readonly BulkConfirmation[], data: unknown): BulkConfirmation[] {
  const values = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  if (ticked(values[CONFIRM_ALL_INPUT])) return [];
  return needed.filter((c) => c.rowNumber === null || !ticked(values[confirmRowInput(c.rowNumber)]));
}

/** A row's confirmation from the single request's rule (confirmations.ts). */
export function forRow(rowNumber: number, confirmation: Confirmation | undefined): BulkConfirmation | undefined {
  if (confirmation?.kind !== 'start-date') return undefined;
  return { kind: 'start-date', rowNumber, startDate: confirmation.startDate, why: confirmation.why };
}
