/**
 * What a bulk tells people as it runs and when it ends: the progress card's counts, and the
 * results sheet's line per row — the account, its template's groups and licence, its pass,
 * its welcome mail, its guest invitation — never a secret.
 */
import { countRows, type BulkJob, type BulkRowRecord } from './bulk-job.js';
import type { BulkResultLine } from './bulk-rows.js';
import type { BulkProgress } from './bulk-ports.js';
import { contentsOfRow } from './bulk-hand-over.js';
import { templateLine } from './bulk-templates.js';
import { sayBulk } from '../kernel/sentences.js';
import { invitationLine, invitedGuestProblems, isGuestRow } from './bulk-guests.js';

/** What the progress card shows: the accounts, and the passes and welcome mails once there are any. */
export function progressOf(job: BulkJob, finished: boolean): BulkProgress {
  const counts = countRows(job);
  let passes = { issued: 0, failed: 0, total: 0 };
  let mails = { sent: 0, notSent: 0, total: 0 };
  for (const row of job.rows) {
    if (row.tap !== undefined) {
      passes = { issued: passes.issued + (row.tap === 'issued' ? 1 : 0), failed: passes.failed + (row.tap === 'failed' ? 1 : 0), total: passes.total + 1 };
    }
    const mail = row.welcomeMail?.state;
    if (mail !== undefined) {
      const settled = mail !== 'pending' && mail !== 'sending';
      mails = { sent: mails.sent + (mail === 'sent' ? 1 : 0), notSent: mails.notSent + (settled && mail !== 'sent' ? 1 : 0), total: mails.total + 1 };
    }
  }
  const guests = job.rows.filter(isGuestRow).length;
  return {
    jobId: job.jobId, ticketReference: job.ticketReference, ...counts, finished, ...(guests > 0 ? { guests } : {}),
    ...(passes.total > 0 ? { passes } : {}), ...(mails.total > 0 ? { mails } : {}),
  };
}

/** The results sheet's lines: one per row, what came of it and of each part of its hand-over, never a secret. */
export function resultLines(job: BulkJob): BulkResultLine[] {
  return job.rows.map((row) => ({
    rowNumber: row.rowNumber,
    displayName: row.request.displayName,
    // A guest's own user name once Entra made it (…#EXT#@…); the address invited until then.
    userPrincipalName: row.guest?.userPrincipalName ?? row.request.userPrincipalName,
    outcome: row.state === 'created' ? (row.guest ? 'invited' : 'created') : row.state === 'failed' ? 'failed' : 'not finished',
    objectId: row.objectId,
    problem: row.problem ?? createdRowProblem(job, row),
    groupsAndLicence: templateLine(row, job.templates),
    temporaryAccessPass: passLine(row),
    welcomeMail: mailLine(row),
    guestInvitation: invitationLine(row),
  }));
}

/** What went wrong around a created account: its manager, or its recipient's reveal card. */
function createdRowProblem(job: BulkJob, row: BulkRowRecord): string | undefined {
  if (row.state !== 'created') return undefined;
  const problems = [
    ...(row.manager === 'failed' ? [sayBulk.MANAGER_NOT_SET()] : []),
    ...invitedGuestProblems(row, job.requester.name),
    ...(job.status !== 'review' && contentsOfRow(row, job.tapMode ?? 'off') !== undefined && !job.revealsSent?.some((mark) => mark.split('#')[0] === row.recipient.id)
      ? [sayBulk.REVEAL_NOT_DELIVERED(row.recipient.name, row.guest !== undefined)] : []),
  ];
  return problems.length > 0 ? problems.join(' ') : undefined;
}

function passLine(row: BulkRowRecord): string | undefined {
  if (row.state !== 'created' || row.tap === undefined) return undefined;
  if (row.tap === 'issued') return sayBulk.TAP_ISSUED(row.tapFrom);
  if (row.tap === 'failed') return row.tapProblem;
  return sayBulk.NOT_YET();
}

function mailLine(row: BulkRowRecord): string | undefined {
  const to = row.personalEmail;
  if (!to) return undefined;
  if (row.state !== 'created') return sayBulk.MAIL_NOT_SENT(to, sayBulk.NO_ACCOUNT());
  switch (row.welcomeMail?.state) {
    case 'sent': return sayBulk.MAIL_SENT(to);
    case 'unconfirmed': return sayBulk.MAIL_UNCONFIRMED(to);
    case 'failed':
    case 'off': return sayBulk.MAIL_NOT_SENT(to, row.welcomeMail.reason ?? '');
    default: return sayBulk.NOT_YET();
  }
}
