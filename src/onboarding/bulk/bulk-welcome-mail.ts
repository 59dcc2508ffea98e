/**
 * The welcome mail of every bulk row that gives a personal email, as a single request sends it
 * (send-welcome-email.ts): after the credentials are on their way, never a password or a pass,
 * exactly once. Graph's sendMail has no idempotency key, so each row's send is claimed first
 * (`sending`, written before the call); a run that finds a row `sending` cannot know whether
 * the mail left and records it `unconfirmed` instead of sending a second one.
 *
 * One mailbox sends them all, and Exchange Online lets a mailbox send 30 messages a minute
 * (https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1):
 * the mails are paced to that, and a throttled one (429: not sent) waits its Retry-After and goes
 * again — none is dropped for being throttled until Exchange has refused it for a long while.
 */
import { bulkEvent, type BulkRowRecord } from './bulk-job.js';
import type { BulkRunContext } from './bulk-record.js';
import { contentsOfRow } from './bulk-hand-over.js';
import { welcomeMailOf } from '../credentials/send-welcome-email.js';
import { say, sayBulk } from '../kernel/sentences.js';

/** Throttled sends of one mail before it is given up (at 30 a minute that is well past any Retry-After Exchange asks for). */
const MAX_THROTTLED_SENDS = 20;

export async function sendWelcomeMails(run: BulkRunContext): Promise<void> {
  const { record, deps } = run;
  for (const row of record.rows((r) => r.state === 'created' && r.personalEmail !== undefined && r.welcomeMail === undefined)) {
    record.change(row.rowNumber, { welcomeMail: { state: 'pending', attempts: 0 } });
  }
  // A send claimed by a run that never recorded its answer: the mail may have left.
  for (const row of record.rows((r) => r.welcomeMail?.state === 'sending')) {
    record.change(row.rowNumber, { welcomeMail: { ...row.welcomeMail!, state: 'unconfirmed' } });
  }
  await record.flush();
  let pending = record.rows((r) => r.state === 'created' && r.welcomeMail?.state === 'pending');
  if (pending.length === 0) return;
  if (!deps.mailer) {
    for (const row of pending) record.change(row.rowNumber, { welcomeMail: { ...row.welcomeMail!, state: 'off', reason: say.WELCOME_MAIL_REASON('off') } });
    await record.flush();
  }
  // One at a time: the mailbox's rate is the limit, and Outlook takes at most 4 requests at once per mailbox.
  while ((pending = record.rows((r) => r.state === 'created' && r.welcomeMail?.state === 'pending')).length > 0) {
    for (const row of pending) {
      await sendOne(run, row);
      await run.showProgress(false);
    }
  }
  const mails = record.rows((r) => r.welcomeMail !== undefined);
  const count = (state: string) => mails.filter((r) => r.welcomeMail?.state === state).length;
  await deps.audit.append(bulkEvent(deps, record.job, 'bulk.welcome_mails', {
    sent: count('sent'), failed: count('failed'), unconfirmed: count('unconfirmed'), off: count('off'),
  }));
}

async function sendOne(run: BulkRunContext, row: BulkRowRecord): Promise<void> {
  const { record, deps, paces } = run;
  const state = row.welcomeMail!;
  const to = row.personalEmail!;
  await paces.mailboxMessages.take(1);
  record.change(row.rowNumber, { welcomeMail: { ...state, state: 'sending', attempts: state.attempts + 1 } });
  await record.flush();
  const mode = record.job.tapMode ?? 'off';
  const outcome = await deps.mailer!.sendWelcome(welcomeMailOf({
    requestId: `${record.job.jobId}-${row.rowNumber}`, request: row.request, to,
    copyTo: deps.policy.welcomeMail.copyManager ? row.request.manager : undefined,
    secretHolder: row.recipient.name, contents: contentsOfRow(row, mode) ?? 'password', contact: record.job.requester.name,
  }));
  const attempts = state.attempts + 1;
  switch (outcome.kind) {
    case 'sent':
      record.change(row.rowNumber, { welcomeMail: { state: 'sent', attempts } });
      break;
    case 'throttled':
      // 429: Exchange did not take it; it goes again after the wait.
      paces.mailboxMessages.onThrottled(outcome.retryAfterSeconds);
      record.change(row.rowNumber, { welcomeMail: attempts >= MAX_THROTTLED_SENDS
        ? { state: 'failed', attempts, reason: sayBulk.MAIL_THROTTLED_TOO_LONG() }
        : { state: 'pending', attempts } });
      break;
    case 'refused':
      record.change(row.rowNumber, { welcomeMail: { state: 'failed', attempts, reason: say.WELCOME_MAIL_REASON(outcome.reason) } });
      break;
    case 'ambiguous':
      record.change(row.rowNumber, { welcomeMail: { state: 'unconfirmed', attempts } });
  }
  await record.flush();
}
