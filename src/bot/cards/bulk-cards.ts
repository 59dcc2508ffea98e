/**
 * View models for the bulk cards in adaptiveCards/: the review card (counts, or every
 * problem by row) and the progress card (done / failed / remaining and a bar), updated in
 * place. Never a user name with a secret, never a secret.
 */
import {
  CONFIRM_ALL_INPUT, MESSAGE_BUDGET_UTF16, confirmRowInput, sayBulk, type BulkConfirmation, type BulkProgress, type BulkRevealAnswer, type BulkRevealNotice,
  type BulkReview,
} from '../../onboarding/index.js';
import { renderCard } from './render.js';
import { textInParts } from './text-parts.js';

/** Problems shown on one card; the rest are counted ("and 12 more"). */
const MAX_PROBLEMS_SHOWN = 40;
/** Confirmations listed with their own toggle; past these, the sheet's toggle confirms the rest too. */
const MAX_CONFIRMATIONS_SHOWN = 20;

interface Fact { title: string; value: string }

export function bulkReviewCard(review: Exclude<BulkReview, { kind: 'refused' }>) {
  if (review.kind === 'problems') {
    const shown = review.problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => (p.rowNumber === null ? p.message : `Row ${p.rowNumber}: ${p.message}`));
    const more = review.problems.length - shown.length;
    return renderCard('bulk-review', {
      title: 'Nothing was created: the sheet needs fixing', color: 'Attention', jobId: '', ready: false,
      facts: [{ title: 'Rows', value: String(review.rowCount) }, { title: 'Rows to fix', value: String(review.badRows) }] satisfies Fact[],
      problems: more > 0 ? [...shown, `… and ${more} more.`] : shown,
      notes: [...review.notes],
      summary: sayBulk.REVIEW_PROBLEMS(review.badRows, review.rowCount),
      ...noConfirmations,
    });
  }
  // The sheet's own first: only the sheet's toggle confirms them, so they are never among the ones counted.
  const shownConfirmations = [...review.confirmations].sort((a, b) => Number(a.rowNumber !== null) - Number(b.rowNumber !== null)).slice(0, MAX_CONFIRMATIONS_SHOWN);
  const unlisted = review.confirmations.length - shownConfirmations.length;
  const guests = review.guests?.count ?? 0;
  return renderCard('bulk-review', {
    title: sayBulk.REVIEW_TITLE(review.rowCount - guests, guests), color: 'Default', jobId: review.jobId, ready: true,
    facts: [
      { title: 'Rows', value: String(review.rowCount) },
      { title: 'Tickets', value: listed(review.ticketReferences) },
      // A guest gets no credentials of ours; its link goes to a recipient only when the tenant hands links over (GUEST_INVITATION=reveal).
      ...(guests < review.rowCount || review.guests?.invitation === 'reveal' ? [{ title: 'Credentials to', value: listed(review.recipients) }] : []),
      ...(guests < review.rowCount ? [{ title: 'Credentials', value: sayBulk.REVIEW_CREDENTIALS(review.tapMode) }] : []),
      ...(review.welcomeMails > 0 ? [{ title: 'Welcome emails', value: sayBulk.REVIEW_WELCOME_MAILS(review.welcomeMails, review.mailer) }] : []),
      ...(review.guests ? [{ title: 'Guests', value: sayBulk.REVIEW_GUESTS(review.guests.count, review.guests.answeredBy, review.guests.withoutManager, review.guests.invitation) }] : []),
      ...review.templates.slice(0, MAX_LISTED).map((t) => ({ title: `Template ${t.name}`, value: t.summary })),
    ] satisfies Fact[],
    problems: [], notes: [...review.notes],
    summary: guests > 0 ? sayBulk.REVIEW_READY_WITH_GUESTS(review.rowCount - guests, guests) : sayBulk.REVIEW_READY(review.rowCount),
    confirmIntro: sayBulk.CONFIRMATIONS_INTRO(review.confirmations.length),
    confirmations: shownConfirmations.map(confirmationView),
    moreConfirmations: unlisted > 0 ? `… and ${unlisted} more, confirmed only with the toggle below.` : '',
    confirmAllToggle: sayBulk.CONFIRM_ALL_TOGGLE(),
    confirmAllInput: CONFIRM_ALL_INPUT,
  });
}

const noConfirmations = { confirmIntro: '', confirmations: [], moreConfirmations: '', confirmAllToggle: '', confirmAllInput: CONFIRM_ALL_INPUT };

/** One confirmation on the review card: what to check, and its row's toggle (none for the sheet's own). */
function confirmationView(c: BulkConfirmation): { text: string; id: string; toggle: string } {
  const text = c.kind === 'start-date' ? sayBulk.CONFIRM_ROW_START_DATE(c.rowNumber, c.startDate, c.why)
    : c.rowNumber === null ? sayBulk.CONFIRM_SHEET_TICKET(c.ticketReference ?? '', c.earlierUserPrincipalName)
      : sayBulk.CONFIRM_ROW_SECOND_ACCOUNT(c.rowNumber, c.earlierUserPrincipalName, c.instead ?? '');
  return c.rowNumber === null ? { text, id: '', toggle: '' } : { text, id: confirmRowInput(c.rowNumber), toggle: sayBulk.CONFIRM_ROW_TOGGLE(c.rowNumber) };
}

/** Names listed on a card, the first few and a count of the rest: a sheet may name a thousand tickets, and a card must fit one Teams message. */
const MAX_LISTED = 20;
const listed = (names: readonly string[]): string =>
  names.length <= MAX_LISTED ? names.join(', ') : `${names.slice(0, MAX_LISTED).join(', ')} and ${names.length - MAX_LISTED} more`;

/** A plain card with one sentence (a decision's answer). */
export function bulkSentenceCard(text: string) {
  return { type: 'AdaptiveCard' as const, version: '1.5', body: [{ type: 'TextBlock', text, wrap: true }] };
}

const BAR_WIDTH = 20;

export function bulkProgressCard(progress: BulkProgress) {
  const settled = progress.done + progress.failed;
  const share = progress.total === 0 ? 1 : settled / progress.total;
  const filled = Math.round(share * BAR_WIDTH);
  return renderCard('bulk-progress', {
    title: progress.finished
      ? `Bulk finished: ${progress.done} created${progress.failed > 0 ? `, ${progress.failed} failed` : ''}`
      : sayBulk.PROGRESS_TITLE(progress.total - (progress.guests ?? 0), progress.guests ?? 0),
    color: progress.finished ? (progress.failed > 0 ? 'Warning' : 'Good') : 'Default',
    bar: `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${Math.floor(share * 100)} %`,
    facts: [
      { title: 'Done', value: String(progress.done) },
      { title: 'Failed', value: String(progress.failed) },
      { title: 'Remaining', value: String(progress.remaining) },
      ...(progress.passes ? [{ title: 'Temporary Access Passes', value: `${progress.passes.issued} issued${progress.passes.failed > 0 ? `, ${progress.passes.failed} not issued` : ''} of ${progress.passes.total}` }] : []),
      ...(progress.mails ? [{ title: 'Welcome emails', value: `${progress.mails.sent} sent${progress.mails.notSent > 0 ? `, ${progress.mails.notSent} not sent` : ''} of ${progress.mails.total}` }] : []),
      { title: 'Tickets', value: progress.ticketReference },
    ] satisfies Fact[],
    summary: progress.finished ? 'The results sheet is in the IT ticket channel.' : 'This card updates itself every few seconds.',
  });
}

/** A part of the sheet with its heading and fence fits the 80 KB (UTF-16) a message is planned to hold. */
const RESULTS_PART_CHARS = MESSAGE_BUDGET_UTF16 - 2_000;

/**
 * The results sheet for the ticket channel: a summary, then the CSV (no secret) in code
 * blocks an admin copies into a spreadsheet, split at line ends into parts that fit a message.
 */
export function bulkResultsMessages(progress: BulkProgress, csv: string): Array<{ type: 'message'; text: string; textFormat: 'markdown' }> {
  const parts = textInParts(csv, RESULTS_PART_CHARS);
  const heading = `Bulk ${progress.jobId} (tickets ${progress.ticketReference}): ${progress.done} created, ${progress.failed} failed, ${progress.remaining} not finished. Results sheet (no passwords):`;
  return parts.map((part, index) => ({
    type: 'message' as const, textFormat: 'markdown' as const,
    text: `${index === 0 ? heading : `Results sheet, part ${index + 1} of ${parts.length}:`}\n\n\`\`\`csv\n${part}\`\`\``,
  }));
}

/** The bulk reveal card of one part for a recipient: whose credentials, until when; no user name, no secret. Reveal names its part. */
export function bulkRevealCard(notice: BulkRevealNotice) {
  return renderCard('bulk-reveal', {
    jobId: notice.jobId,
    part: notice.part,
    title: sayBulk.REVEAL_CARD_TITLE(notice.displayNames.length, notice.part, notice.parts, notice.guests ?? 0),
    intro: [
      ...((notice.guests ?? 0) < notice.displayNames.length ? [sayBulk.REVEAL_INTRO(notice.contents)] : []),
      ...((notice.guests ?? 0) > 0 ? [sayBulk.REVEAL_INTRO_LINKS(notice.guests ?? 0)] : []),
    ].join(' '),
    names: [...notice.displayNames],
    expiry: `Kept until ${notice.expiresAt.slice(0, 16).replace('T', ' ')} UTC, then deleted.`,
  });
}

/** The answer to the recipient's Reveal click on one part, in the invoke response only: display names with each one's password and pass. */
export function bulkRevealedCard(answer: Extract<BulkRevealAnswer, { kind: 'shown' }>) {
  return renderCard('bulk-revealed', {
    title: sayBulk.REVEAL_CARD_TITLE(answer.accounts.length, answer.part, answer.parts, answer.accounts.filter((a) => a.invitationLink).length),
    accounts: answer.accounts.map((a) => ({
      displayName: a.displayName, password: a.password?.reveal() ?? '', pass: a.temporaryAccessPass ? `Pass: ${a.temporaryAccessPass.reveal()}` : '',
      link: a.invitationLink ? `Invitation link: ${a.invitationLink.reveal()}` : '',
    })),
    gone: answer.gone > 0 ? sayBulk.REVEALED_GONE(answer.gone, answer.goneGuests ?? 0) : '',
    instructions: sayBulk.REVEALED_INSTRUCTIONS(answer.visibleUntil?.slice(11, 16) ?? '—'),
  });
}
