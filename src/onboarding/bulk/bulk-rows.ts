/**
 * The rows of a bulk sheet and the one validation pass over them: every row by the same
 * rules as a single request (request.ts, user-name.ts), plus what only a sheet can get
 * wrong (two rows for one user name, too many rows, a blocked sign-in). Every problem is
 * returned at once, each with its row number, so an admin fixes the sheet in one go.
 */
import type { VerifiedDomain } from '../kernel/ports.js';
import { personalEmailProblem, validateOnboardingForm, type FormField, type OnboardingForm, type OnboardingRequest } from '../request/request.js';
import { sayBulk } from '../kernel/sentences.js';
import type { AliasPattern } from '../rules/user-name.js';

/** The columns a bulk sheet may carry: the request form's fields and the sheet's own. */
export type BulkField = FormField | 'userPrincipalName' | 'blockSignIn' | 'personalEmail' | 'recipient';

/** One data row as read from the sheet: its row number in the file and its cells (trimmed text). */
export interface BulkSheetRow {
  readonly rowNumber: number;
  readonly cells: Partial<Record<BulkField, string>>;
}

/** A problem with the sheet: a row number (null: the whole sheet), and one sentence. */
export interface BulkProblem {
  readonly rowNumber: number | null;
  readonly message: string;
}

/** A sheet read from CSV text: its rows, what made it unreadable, and notes (ignored columns). */
export interface BulkSheet {
  readonly rows: readonly BulkSheetRow[];
  readonly problems: readonly BulkProblem[];
  readonly notes: readonly string[];
}

/** A validated row: the request it makes, and who gets its credentials. */
export interface BulkRowRequest {
  readonly rowNumber: number;
  readonly request: OnboardingRequest;
  readonly personalEmail?: string | undefined;
  /** User name of the person who receives this row's credentials; absent: the admin who sent the sheet. */
  readonly recipient?: string | undefined;
}

/** One line of the results sheet: what happened to a row, never a secret. */
export interface BulkResultLine {
  readonly rowNumber: number;
  readonly displayName: string;
  readonly userPrincipalName: string;
  readonly outcome: string;
  readonly objectId?: string | undefined;
  readonly problem?: string | undefined;
  /** What the row's template added, and what is missing and why (absent: the row has no template). */
  readonly groupsAndLicence?: string | undefined;
  /** What came of the row's Temporary Access Pass (absent: the bulk issues none). */
  readonly temporaryAccessPass?: string | undefined;
  /** What came of the row's welcome mail (absent: the row gives no personal email). */
  readonly welcomeMail?: string | undefined;
  /** A guest row's invitation: sent by Microsoft to which address, or why nobody was invited (absent: a member row). */
  readonly guestInvitation?: string | undefined;
}

export type BulkValidation =
  | { readonly ok: true; readonly rows: readonly BulkRowRequest[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly problems: readonly BulkProblem[]; readonly rowCount: number; readonly badRows: number; readonly notes: readonly string[] };

export interface BulkValidationContext {
  readonly domains: readonly VerifiedDomain[];
  readonly aliasPattern: AliasPattern;
  readonly maxRows: number;
  /**
   * What a single request's review does to its form before validating it (its template chosen,
   * empty fields filled with the template's or the organisation's defaults): the row's form as it
   * will be validated, or the sentence saying why it cannot be.
   */
  readonly prepare?: ((rowNumber: number, form: OnboardingForm) => { readonly form: OnboardingForm; readonly problem?: string | undefined }) | undefined;
  /** Who sends a guest's invitation (GUEST_INVITATION): under `reveal` its link goes to the row's recipient, as a member's credentials do. */
  readonly guestInvitation?: 'email' | 'reveal' | undefined;
}

const PERSON = /^[^\s@/\\?%]{1,64}@[a-z0-9.-]{1,48}$/;

/** Validates every row of the sheet; any problem anywhere means nothing may be created. */
export function validateBulkSheet(sheet: BulkSheet, context: BulkValidationContext): BulkValidation {
  const problems: BulkProblem[] = [...sheet.problems];
  if (sheet.rows.length === 0 && problems.length === 0) problems.push({ rowNumber: null, message: sayBulk.NO_ROWS() });
  if (sheet.rows.length > context.maxRows) problems.push({ rowNumber: null, message: sayBulk.TOO_MANY_ROWS(sheet.rows.length, context.maxRows) });

  const rows: BulkRowRequest[] = [];
  const badRows = new Set<number>();
  const firstRowOf = new Map<string, number>();
  for (const row of sheet.rows) {
    const rowProblems = validateRow(row, context);
    if (rowProblems.kind === 'problems') {
      for (const message of rowProblems.messages) problems.push({ rowNumber: row.rowNumber, message });
      badRows.add(row.rowNumber);
      continue;
    }
    const { request } = rowProblems.row;
    // Two rows for one account would create one and report the other as taken (two for one guest
    // would invite them twice, the second replacing the first's link): say so now.
    const guestEmail = request.guestEmail?.toLowerCase();
    const keys = guestEmail !== undefined ? [`guest:${guestEmail}`] : [request.userPrincipalName.toLowerCase(), `nick:${request.mailNickname.toLowerCase()}`];
    const earlier = keys.map((key) => firstRowOf.get(key)).find((n) => n !== undefined);
    if (earlier !== undefined) {
      problems.push({
        rowNumber: row.rowNumber,
        message: guestEmail !== undefined ? sayBulk.SAME_GUEST_AS_ROW(guestEmail, earlier) : sayBulk.SAME_USER_NAME_AS_ROW(request.userPrincipalName, earlier),
      });
      badRows.add(row.rowNumber);
      continue;
    }
    for (const key of keys) firstRowOf.set(key, row.rowNumber);
    rows.push(rowProblems.row);
  }
  if (problems.length > 0) return { ok: false, problems, rowCount: sheet.rows.length, badRows: badRows.size, notes: sheet.notes };
  return { ok: true, rows, notes: sheet.notes };
}

type RowCheck = { readonly kind: 'row'; readonly row: BulkRowRequest } | { readonly kind: 'problems'; readonly messages: string[] };

function validateRow(row: BulkSheetRow, context: BulkValidationContext): RowCheck {
  const { cells } = row;
  const messages: string[] = [];
  const form: OnboardingForm = {};
  for (const [field, value] of Object.entries(cells) as Array<[BulkField, string]>) {
    if (field === 'userPrincipalName' || field === 'blockSignIn' || field === 'personalEmail' || field === 'recipient') continue;
    form[field] = value;
  }
  // A guest row: the Guest kind, or an address to invite with no kind given (Entra's own bulk-invite sheet has no such column).
  if (!form.accountKind && form.guestEmail) form.accountKind = 'guest';
  const guest = form.accountKind?.trim().toLowerCase() === 'guest';
  const upn = cells.userPrincipalName?.trim();
  if (guest) {
    // Entra makes a guest's user name (…#EXT#@…) and nothing of ours is handed over: a member's column on a guest row is a mistake, not a detail.
    if (upn) messages.push(sayBulk.GUEST_ROW_USER_NAME(upn));
    if (cells.personalEmail?.trim()) messages.push(sayBulk.GUEST_ROW_PERSONAL_EMAIL());
    // Microsoft emails the invitation (the default): nothing of ours is handed over, so nobody receives anything.
    if (cells.recipient?.trim() && context.guestInvitation !== 'reveal') messages.push(sayBulk.GUEST_ROW_RECIPIENT());
  } else if (upn) {
    const at = upn.lastIndexOf('@');
    if (at <= 0 || at === upn.length - 1) messages.push(sayBulk.USER_NAME_NEEDS_DOMAIN(upn));
    else {
      form.alias = upn.slice(0, at);
      form.domain = upn.slice(at + 1);
    }
  }
  // The sheet's name column is the display name; a row may give only it.
  if (!form.givenName && !form.surname && form.displayName) {
    const parts = form.displayName.trim().split(/\s+/);
    if (parts.length >= 2) {
      form.givenName = parts.slice(0, -1).join(' ');
      form.surname = parts[parts.length - 1];
    }
  }
  if (!form.businessJustification && form.ticketReference) form.businessJustification = sayBulk.JUSTIFICATION(form.ticketReference);

  const blockSignIn = cells.blockSignIn?.trim().toLowerCase();
  if (blockSignIn && blockSignIn !== 'no') {
    messages.push(blockSignIn === 'yes' ? sayBulk.BLOCKED_SIGN_IN() : sayBulk.BLOCK_SIGN_IN_YES_NO(cells.blockSignIn ?? ''));
  }
  const personalEmail = guest ? undefined : cells.personalEmail?.trim() || undefined;
  // The form's rule and sentence: one plain address (a welcome mail's recipient), outside the organisation.
  const personalEmailWrong = personalEmail === undefined ? undefined : personalEmailProblem(personalEmail, context.domains.filter((d) => d.isVerified).map((d) => d.name));
  if (personalEmailWrong) messages.push(personalEmailWrong);
  const recipient = guest && context.guestInvitation !== 'reveal' ? undefined : cells.recipient?.trim().toLowerCase() || undefined;
  if (recipient !== undefined && !PERSON.test(recipient)) messages.push(sayBulk.RECIPIENT_INVALID());

  const prepared = context.prepare ? context.prepare(row.rowNumber, form) : { form };
  if (prepared.problem) messages.push(prepared.problem);
  const validation = validateOnboardingForm(prepared.form, { domains: context.domains, aliasPattern: context.aliasPattern });
  if (!validation.ok) messages.push(...validation.problems.map((p) => p.message));
  if (messages.length > 0 || !validation.ok) return { kind: 'problems', messages };
  return { kind: 'row', row: { rowNumber: row.rowNumber, request: validation.request, personalEmail, recipient } };
}
