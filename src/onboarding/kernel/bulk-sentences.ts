/**
 * The sentences of bulk onboarding, part of the one catalog (sentences.ts re-exports them):
 * the sheet, its review, the run, the results sheet, the reveal cards, guest rows.
 */
/** What the bot says about a bulk sheet (bulk-rows.ts, bulk-request.ts, run-bulk.ts, the sheet reader). */
export const sayBulk = {
  MANAGER_NOT_SET: () => 'Account created, but its manager could not be set: set it in the Entra admin center (Users → the user → Manager).',
  NO_ROWS: () => 'The sheet has no rows to create: put one person per row under the header row.',
  TOO_MANY_ROWS: (rows: number, max: number) => `The sheet has ${rows} rows; one bulk takes at most ${max}. Split it into several sheets.`,
  NOT_CSV: (detail: string) => `I could not read the sheet as CSV (${detail}). Save it as "CSV UTF-8" and send it again.`,
  NO_HEADER: () => 'The sheet has no header row: use the Entra bulk-create template (its second line names the columns, like "Name [displayName] Required").',
  MISSING_COLUMN: (column: string) => `The sheet has no "${column}" column.`,
  DUPLICATE_COLUMN: (column: string) => `The column "${column}" appears twice.`,
  PASSWORD_COLUMN_FILLED: () =>
    'The sheet fills in the "Initial password" column. I never take a password chosen in chat: I generate one per account. ' +
    'Empty that column (or remove it) and send the sheet again — and change any password you have used elsewhere.',
  PASSWORD_COLUMN_IGNORED: () => 'The empty "Initial password" column is ignored: I generate a temporary password per account.',
  COLUMNS_IGNORED: (columns: readonly string[]) => `These columns are not used and were ignored: ${columns.join(', ')}.`,
  ROW_TOO_WIDE: (cells: number, columns: number) => `This row has ${cells} cells but the header has ${columns} columns.`,
  USER_NAME_NEEDS_DOMAIN: (upn: string) => `The user name ${upn} needs the form name@domain.`,
  BLOCKED_SIGN_IN: () => 'Block sign in is "Yes": this bot only creates accounts that can sign in. Put "No" or leave it empty.',
  BLOCK_SIGN_IN_YES_NO: (value: string) => `Block sign in must be Yes or No, not "${value.slice(0, 20)}".`,
  RECIPIENT_INVALID: () => "The recipient must be a user name, like adele.vance@contoso.com.",
  RECIPIENT_NOT_IN_DIRECTORY: (upn: string) => `The recipient ${upn} was not found in the directory.`,
  MANAGER_NOT_IN_DIRECTORY: (upn: string) => `The manager ${upn} was not found in the directory.`,
  SAME_USER_NAME_AS_ROW: (upn: string, row: number) => `${upn} is already the user name of row ${row}: one row per account.`,
  JUSTIFICATION: (ticket: string) => `Bulk onboarding under ticket ${ticket}.`,
  ADMINS_ONLY: (admins: string) => `Only IT admins can send a bulk sheet. Ask a member of ${admins}.`,
  DAILY_LIMIT: (limit: number) => `You have sent ${limit} bulk sheets today, the most one admin may send in a day. Try again tomorrow.`,
  REVIEW_PROBLEMS: (badRows: number, rows: number) => `${badRows} of ${rows} rows need fixing. Nothing was created: fix them and send the whole sheet again.`,
  REVIEW_READY: (rows: number) => `${rows} accounts are ready to create. Press Create all to start.`,
  NOT_YOUR_BULK: () => 'Only the admin who sent this sheet can start or cancel it.',
  BULK_UNKNOWN: () => 'I no longer know this bulk. Send the sheet again.',
  BULK_CANCELLED: () => 'Bulk cancelled. Nothing was created.',
  BULK_STARTED: () => 'Started: a progress card follows and updates itself; the results sheet goes to the IT ticket channel.',
  BULK_ALREADY_STARTED: () => 'This bulk has already started; its progress card shows how far it is.',
  ROW_TAKEN: (upn: string) => `${upn} already belongs to another account.`,
  ROW_REJECTED: (detail: string) => `The directory refused this account: ${detail}`,
  ROW_UNKNOWN: () => 'The directory did not say whether this account was created; IT should check it.',
  REVEAL_NOT_YOURS: () => 'Only the people named as recipients in this bulk can reveal its credentials; your click was recorded and nothing was shown.',
  REVEAL_CARD_TITLE: (count: number, part = 1, parts = 1, guests = 0) =>
    `${[...(count > guests ? [`Credentials for ${count - guests} new account${count - guests === 1 ? '' : 's'}`] : []),
      ...(guests > 0 ? [`${count > guests ? 'invitation' : 'Invitation'} link${guests === 1 ? '' : 's'} for ${guests} guest${guests === 1 ? '' : 's'}`] : [])].join(' and ')}${parts > 1 ? `, part ${part} of ${parts}` : ''}`,
  REVEAL_INTRO_LINKS: (guests: number) =>
    `Press Reveal to see ${guests === 1 ? 'the guest\'s invitation link' : 'the guests\' invitation links'} here, visible to you only; give each guest theirs privately, and it works until they redeem it.`,
  REVEALED_GONE: (count: number, guests = 0) => guests === count
    ? `${count} invitation link${count === 1 ? ' is' : 's are'} no longer kept (expired or revealed long ago): ask IT to resend ${count === 1 ? 'that invitation' : 'those invitations'} in the Entra admin center.`
    : `${count} of them ${count === 1 ? 'is' : 'are'} no longer kept (expired or revealed long ago): ask IT to reissue${guests > 0 ? `, and to resend the ${guests === 1 ? 'guest\'s invitation' : `${guests} guests' invitations`} in the Entra admin center` : ''}.`,
  FILE_TOO_LARGE: (maxKb: number) => `The file is larger than ${maxKb} KB; one bulk takes a smaller sheet.`,
  FILE_NOT_CSV: () => 'Send the sheet as a .csv file (in Excel: Save as, "CSV UTF-8").',
  FILE_UNREADABLE: () => 'I could not download the file from Teams. Send it again, or paste the sheet into the message.',

  // --- the same promises as a single request, per row
  NAME_TAKEN: (upn: string) => `${upn} already belongs to another account: give this row another user name.`,
  REVIEW_CREDENTIALS: (mode: 'off' | 'alongside' | 'instead') =>
    mode === 'instead' ? 'Each recipient reveals a Temporary Access Pass per account, valid from the row\'s start date when it gives one; no password is created or shown.'
      : mode === 'alongside' ? 'Each recipient reveals a temporary password and a Temporary Access Pass per account (the pass valid from the row\'s start date when it gives one).'
        : 'Each recipient reveals a temporary password per account; it must be changed at the first sign-in.',
  REVIEW_WELCOME_MAILS: (count: number, on: boolean) =>
    on ? `${count} welcome email${count === 1 ? '' : 's'} will go to the personal addresses in the sheet once the accounts exist (never a password or pass).`
      : `${count} row${count === 1 ? ' gives' : 's give'} a personal email, but no welcome email is sent: no service mailbox is configured (WELCOME_MAIL_FROM).`,
  CONFIRMATIONS_INTRO: (count: number) => `${count} thing${count === 1 ? '' : 's'} to confirm before Create all — tick each row, or once for the whole sheet:`,
  CONFIRM_ROW_START_DATE: (row: number, date: string, why: 'past' | 'far-ahead') =>
    `Row ${row}: the start date ${date} is ${why === 'past' ? 'already past' : 'more than a year from today'}; it is written into the account as the hire date.`,
  CONFIRM_ROW_SECOND_ACCOUNT: (row: number, earlierUpn: string, instead: string) =>
    `Row ${row}: I already created ${earlierUpn} for the same name. If this is another person, the row gets ${instead}; if it is the same person, remove the row.`,
  CONFIRM_SHEET_TICKET: (ticket: string, earlierUpn: string) =>
    `The ticket ${ticket} already produced ${earlierUpn}. If the sheet repeats that hire, remove the row.`,
  CONFIRM_ALL_TOGGLE: () => 'Yes, all of these are right',
  CONFIRM_ROW_TOGGLE: (row: number) => `Yes, row ${row} is right`,
  CONFIRMATIONS_MISSING: (count: number) =>
    `Nothing was created: ${count} thing${count === 1 ? '' : 's'} on the review card still need${count === 1 ? 's' : ''} a tick (each row, or once for the whole sheet).`,
  TAP_NOT_ISSUED: (reason: string) => `not issued: ${reason}`,
  TAP_NOT_ISSUED_PASSWORD_INSTEAD: (reason: string) => `not issued: ${reason}; the recipient reveals a temporary password instead`,
  NO_CREDENTIAL: (reason: string) =>
    `not issued: ${reason}; and no password could be set, so nobody holds a credential for this account: issue a pass or reset the password in the Entra admin center`,
  TAP_ISSUED: (startDate: string | undefined) => (startDate ? `issued, valid from ${startDate}` : 'issued'),
  MAIL_SENT: (to: string) => `sent to ${to}`,
  MAIL_NOT_SENT: (to: string, reason: string) => `not sent to ${to}: ${reason}`,
  MAIL_UNCONFIRMED: (to: string) => `unconfirmed for ${to}: the bot stopped between asking Exchange and hearing back; not sent again, to avoid a duplicate`,
  NO_ACCOUNT: () => 'no account was created',
  TEMPLATE_USE: (rows: number, groups: readonly string[], licence: string | undefined) =>
    `${rows} row${rows === 1 ? '' : 's'}: ${groups.length > 0 ? `added to ${groups.join(', ')}` : 'no groups'}${licence ? `; licence ${licence}` : ''}.`,
  TEMPLATE_SEATS_SHORT: (template: string, free: number, rows: number) =>
    `The template ${template}'s licence has ${free} free seat${free === 1 ? '' : 's'} for ${rows} rows: the accounts past them are created without it, and the results sheet says which.`,
  TEMPLATE_NOT_APPLIED: (template: string, why: string) => `Template ${template} not applied: ${why}.`,
  REVEAL_NOT_DELIVERED: (recipient: string, guest = false) => guest
    ? `Guest invited, but the reveal card could not reach ${recipient}; the invitation link stays sealed until it expires: IT should resend the invitation in the Entra admin center.`
    : `Account created, but the reveal card could not reach ${recipient}; the credentials stay sealed until they expire: ask IT to hand them over.`,
  NOT_YET: () => 'not yet (the bulk has not finished)',
  MAIL_THROTTLED_TOO_LONG: () => 'Exchange kept asking the bot to slow down for too long.',
  REVEAL_INTRO: (contents: 'password' | 'password-and-tap' | 'tap') =>
    contents === 'tap' ? 'Press Reveal to see their Temporary Access Passes here, visible to you only. Each pass works from the start date, for the first sign-in.'
      : contents === 'password-and-tap' ? 'Press Reveal to see their temporary passwords and Temporary Access Passes here, visible to you only. Each person changes the password at the first sign-in.'
        : 'Press Reveal to see their temporary passwords here, visible to you only. Each person changes theirs at the first sign-in.',
  REVEALED_INSTRUCTIONS: (until: string) => `Give each person their credentials privately. They stay visible to you until ${until} UTC, then they are deleted.`,

  // --- guest rows (Entra B2B invitations, as a single guest request: guests/)
  SAME_GUEST_AS_ROW: (email: string, row: number) => `${email} is already the guest of row ${row}: one row per guest, or the second invitation would cancel the first one's link.`,
  GUEST_ROW_USER_NAME: (upn: string) => `A guest row gives no user name (Entra makes the guest's own from their address), so empty the user name ${upn} or make the row a member.`,
  GUEST_ROW_PERSONAL_EMAIL: () => 'A guest gets the invitation at the address to invite, not a welcome email: empty the personal email of this guest row.',
  GUEST_ROW_RECIPIENT: () => 'A guest row has nothing to hand over while Microsoft emails the invitation to the guest, so empty its recipient.',
  GUEST_LINK_NOT_KEPT: (email: string) =>
    `${email} is invited, but Entra gave no invitation link to hand over after the bot restarted; IT should resend the invitation in the Entra admin center.`,
  GUEST_LOOKUP_FAILED: (email: string) => `I could not look ${email} up in the directory, so this guest was not invited; send the row again later.`,
  GUEST_THROTTLED: (email: string) => `Entra kept asking the bot to slow down, so ${email} was not invited; send this row again later.`,
  GUEST_UNKNOWN: (email: string) => `The directory did not say whether ${email} was invited, and nobody is invited twice; IT should check the guests in the Entra admin center.`,
  REVIEW_TITLE: (accounts: number, guests: number) =>
    [...(accounts > 0 || guests === 0 ? [`${accounts} accounts to create`] : []), ...(guests > 0 ? [`${guests} guest${guests === 1 ? '' : 's'} to invite`] : [])].join(', '),
  REVIEW_READY_WITH_GUESTS: (accounts: number, guests: number) =>
    `${accounts > 0 ? `${accounts} account${accounts === 1 ? '' : 's'} and ` : ''}${guests} guest invitation${guests === 1 ? '' : 's'} ${accounts + guests === 1 ? 'is' : 'are'} ready: press Create all to start.`,
  REVIEW_GUESTS: (count: number, adminName: string, rowsWithoutManager: number, how: 'email' | 'reveal' = 'email') =>
    `${count} guest${count === 1 ? '' : 's'} will be invited: ` +
    (how === 'email' ? 'Microsoft emails each invitation to the address in the sheet (from invites@microsoft.com), nothing is handed over'
      : 'nobody emails the invitations; each link goes to the row\'s recipient on a reveal card, to hand over privately') +
    `, and you are ${count === 1 ? 'their' : 'each one\'s'} sponsor` +
    (rowsWithoutManager > 0 ? `; ${rowsWithoutManager} guest row${rowsWithoutManager === 1 ? ' names' : 's name'} no manager, so you (${adminName}) answer for ${rowsWithoutManager === 1 ? 'that guest' : 'those guests'} as manager.` : '.'),
  GUEST_INVITED: (email: string) => `invited: Microsoft emailed the invitation to ${email}; not accepted yet`,
  GUEST_LINK_TO_RECIPIENT: (email: string, recipient: string) => `invited: ${email}; the invitation link went to ${recipient} on a reveal card; not accepted yet`,
  PROGRESS_TITLE: (accounts: number, guests: number) =>
    `${[...(accounts > 0 || guests === 0 ? [`Creating ${accounts} account${accounts === 1 ? '' : 's'}`] : []),
      ...(guests > 0 ? [`${accounts > 0 ? 'inviting' : 'Inviting'} ${guests} guest${guests === 1 ? '' : 's'}`] : [])].join(' and ')}…`,
  GUEST_NOT_INVITED: (email: string) => `not invited: ${email} (why: in the Problem column)`,
  GUEST_PROFILE_NOT_SET: () => 'Guest invited, but their name, department and company could not be written onto their account: set them in the Entra admin center.',
  GUEST_SPONSOR_NOT_SET: (sponsor: string) => `Guest invited, but ${sponsor} could not be made their sponsor: add the sponsor in the Entra admin center.`,
} as const;
