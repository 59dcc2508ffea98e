/**
 * Handing a bulk's credentials over, row by row as a single request does (hand-over-credentials.ts):
 * (a guest row's invitation link, under GUEST_INVITATION=reveal, is sealed by bulk-guests.ts and
 * goes on the same reveal cards, among its recipient's accounts)
 * a Temporary Access Pass when the job's policy wants one — from the start date when that is
 * ahead, paced to the authentication methods' own budget; under `instead` a row has no password
 * at all unless the tenant refuses the pass, and then a password is set so its recipient still
 * has something to hand over — and then one reveal card per recipient, sent once.
 *
 * A pass's value is readable only in the answer that creates it, so a row is marked `issuing`
 * before the POST; a run that finds it `issuing` cannot know whether a pass exists, and removes
 * the user's passes before issuing one again (a user has at most one).
 */
import { bulkEvent, credentialIdForRow, type BulkRowRecord } from './bulk-job.js';
import { inLanes, type BulkRunContext } from './bulk-record.js';
import { sealNewPassword } from '../credentials/credentials.js';
import { revealParts } from './bulk-reveal.js';
import type { CredentialContents, StoredCredentials } from '../kernel/ports.js';
import type { Secret } from '../credentials/secret.js';
import { say, sayBulk } from '../kernel/sentences.js';

/** The passes of every created row that wants one, each issued once. */
export async function issuePasses(run: BulkRunContext): Promise<void> {
  const { record, deps } = run;
  const mode = record.job.tapMode ?? 'off';
  if (mode === 'off') return;
  // A guest signs in with their own organisation's account: no pass (the invitation is their welcome).
  for (const row of record.rows((r) => r.state === 'created' && r.tap === undefined && r.guest === undefined)) record.change(row.rowNumber, { tap: 'pending' });
  await record.flush();
  let waiting = record.rows((r) => r.state === 'created' && (r.tap === 'pending' || r.tap === 'issuing'));
  // One pass at a time per lane: the budget is a few requests a second, not a batch's worth.
  while (waiting.length > 0) {
    await inLanes(waiting, 2, (row) => issuePass(run, row));
    await record.flush();
    await run.showProgress(false);
    waiting = record.rows((r) => r.state === 'created' && (r.tap === 'pending' || r.tap === 'issuing'));
  }
  const passes = record.rows((r) => r.tap !== undefined);
  await deps.audit.append(bulkEvent(deps, record.job, 'bulk.passes_issued', {
    mode, issued: passes.filter((r) => r.tap === 'issued').length, failed: passes.filter((r) => r.tap === 'failed').length,
  }));
}

async function issuePass(run: BulkRunContext, row: BulkRowRecord): Promise<void> {
  const { record, deps, paces } = run;
  const objectId = row.objectId!;
  const replacing = row.tap === 'issuing';
  if (!replacing) {
    record.change(row.rowNumber, { tap: 'issuing' });
    await record.flush();
  }
  // A run that died after its POST lost the pass's value; the user may hold one already.
  if (replacing) {
    await paces.authenticationMethods.take(2);
    await deps.directory.removeTemporaryAccessPasses(objectId);
  }
  await paces.authenticationMethods.take(1);
  const { lifetimeMinutes, usableOnce } = deps.policy.credentials.temporaryAccessPass;
  const hireDate = row.request.employeeHireDate;
  const startsLater = hireDate !== undefined && Date.parse(hireDate) > deps.clock.now().getTime();
  const outcome = await deps.directory.issueTemporaryAccessPass(objectId, {
    ...(startsLater ? { startDateTime: hireDate } : {}), lifetimeInMinutes: lifetimeMinutes, isUsableOnce: usableOnce,
  });
  switch (outcome.kind) {
    case 'throttled':
      // No pass was made: nothing to remove; the row goes again after the wait.
      paces.authenticationMethods.onThrottled(outcome.retryAfterSeconds);
      record.change(row.rowNumber, { tap: 'pending' });
      return;
    case 'issued':
      await keepSecrets(run, row, { temporaryAccessPass: outcome.pass });
      record.change(row.rowNumber, { tap: 'issued', ...(startsLater ? { tapFrom: outcome.startDateTime.slice(0, 10) } : {}) });
      return;
    case 'refused': {
      const reason = say.TAP_REFUSED(outcome.reason);
      if (record.job.tapMode !== 'instead') {
        record.change(row.rowNumber, { tap: 'failed', tapProblem: sayBulk.TAP_NOT_ISSUED(reason) });
        return;
      }
      // No pass and no password: the recipient would have nothing to hand over. As a single request
      // falls back to its password, the row gets one (sealed first, so a retry sets the same one).
      const password = await keepSecrets(run, row, { newPassword: true });
      await paces.directoryWrites.take(1);
      const reset = await deps.directory.resetPassword(objectId, password!);
      record.change(row.rowNumber, reset.kind === 'reset'
        ? { tap: 'failed', tapProblem: sayBulk.TAP_NOT_ISSUED_PASSWORD_INSTEAD(reason), passwordInstead: 'set' }
        : { tap: 'failed', tapProblem: sayBulk.NO_CREDENTIAL(reason), passwordInstead: 'failed' });
    }
  }
}

/**
 * Seals a row's new secret into its credential entry (made now when the row had none: a
 * passwordless row's first secret is its pass). `newPassword` seals a password unless the
 * entry holds one already, and returns it opened, for the reset.
 */
async function keepSecrets(run: BulkRunContext, row: BulkRowRecord, secrets: { temporaryAccessPass?: Secret; newPassword?: boolean }): Promise<Secret | undefined> {
  const { deps, record } = run;
  const credentialId = credentialIdForRow(record.job.jobId, row.rowNumber);
  const seal = (secret: Secret) => deps.vault.seal(secret, { requestId: credentialId });
  const existing = await deps.credentials.get(credentialId);
  const password = existing?.credentials.password ?? (secrets.newPassword ? await sealNewPassword(deps, row.request, credentialId) : undefined);
  const entry: StoredCredentials = {
    ...(existing?.credentials ?? {
      credentialId, requestId: `${record.job.jobId}-${row.rowNumber}`, generation: 1, recipientId: row.recipient.id,
      purgeAt: new Date(deps.clock.now().getTime() + deps.policy.credentials.revealWindowMs).toISOString(),
    }),
    ...(password ? { password } : {}),
    ...(secrets.temporaryAccessPass ? { temporaryAccessPass: await seal(secrets.temporaryAccessPass) } : {}),
  };
  const written = existing ? await deps.credentials.update(entry, existing.version) : await deps.credentials.create(entry);
  if (written.kind !== 'created' && written.kind !== 'updated') throw new Error(`Credentials ${credentialId} changed while this run held the bulk`);
  return secrets.newPassword && password ? deps.vault.unseal(password, { requestId: credentialId }) : undefined;
}

/** What a bulk row's credentials hold: a member's password and/or pass, or a guest's invitation link (GUEST_INVITATION=reveal). */
export type BulkCredentialContents = CredentialContents;

/** What a row's recipient reveals for it: its pass, its password, or both; a guest's link; never nothing when the row has credentials. */
export function contentsOfRow(row: BulkRowRecord, mode: 'off' | 'alongside' | 'instead'): BulkCredentialContents | undefined {
  // A guest row hands its link over only when the tenant says so; otherwise Microsoft emails the invitation to the guest.
  if (row.guest !== undefined) return row.guest.invitation === 'reveal' ? 'invitation-link' : undefined;
  if (row.tap !== 'issued') {
    if (mode === 'instead' && row.passwordInstead !== 'set') return undefined;
    return 'password';
  }
  return mode === 'instead' ? 'tap' : 'password-and-tap';
}

/** What the reveal card says the recipient will see for the members' accounts, for the job's policy. */
export function contentsOfJob(mode: 'off' | 'alongside' | 'instead'): Exclude<CredentialContents, 'invitation-link'> {
  return mode === 'instead' ? 'tap' : mode === 'alongside' ? 'password-and-tap' : 'password';
}

/**
 * Reveal cards for each recipient, a card per part (revealParts: each part's Reveal answer fits
 * one Teams message), each sent once; the sealed secrets of rows that made no account are
 * deleted. `revealsSent` holds "{recipient}#{part}" per card delivered (a bare recipient id,
 * from before parts, means all of theirs).
 */
export async function sendRevealCards(run: BulkRunContext): Promise<void> {
  const { record, deps } = run;
  const { job } = record;
  const mode = job.tapMode ?? 'off';
  for (const row of record.rows((r) => r.state === 'failed')) {
    await deps.credentials.delete(credentialIdForRow(job.jobId, row.rowNumber));
  }
  const byRecipient = new Map<string, BulkRowRecord[]>();
  for (const row of record.rows((r) => r.state === 'created' && contentsOfRow(r, mode) !== undefined)) {
    byRecipient.set(row.recipient.id, [...(byRecipient.get(row.recipient.id) ?? []), row]);
  }
  const expiresAt = new Date(deps.clock.now().getTime() + deps.policy.credentials.revealWindowMs).toISOString();
  for (const [recipientId, rows] of byRecipient) {
    const recipient = rows[0]!.recipient;
    const parts = revealParts(rows, deps.policy.password.length, mode);
    if (parts.every((_, index) => record.job.revealsSent?.some((mark) => mark === recipientId || mark === `${recipientId}#${index + 1}`))) continue;
    // As a single request does: someone other than the admin may never have written to the bot; reach them first (installing the app for them where allowed).
    if (recipientId !== job.requester.id) {
      const reach = await deps.delivery.reach(recipient);
      if (reach.kind === 'unreachable') {
        await deps.audit.append(bulkEvent(deps, record.job, 'bulk.reveal_card_undeliverable', { recipientId, accounts: rows.length, reason: reach.reason }));
        continue;
      }
    }
    for (const [index, partRows] of parts.entries()) {
      const sentMark = `${recipientId}#${index + 1}`;
      if (record.job.revealsSent?.some((mark) => mark === recipientId || mark === sentMark)) continue;
      const sent = await deps.bulkReporting.sendRevealCard(recipient, {
        jobId: job.jobId, displayNames: partRows.map((r) => r.request.displayName), contents: contentsOfJob(mode), expiresAt, part: index + 1, parts: parts.length,
        guests: partRows.filter((r) => r.guest !== undefined).length,
      });
      await deps.audit.append(bulkEvent(deps, record.job, sent.kind === 'delivered' ? 'bulk.reveal_card_sent' : 'bulk.reveal_card_undeliverable', {
        recipientId, accounts: partRows.length, part: index + 1, parts: parts.length, reason: sent.kind === 'undeliverable' ? sent.reason : null,
      }));
      if (sent.kind === 'delivered') await record.update((current) => ({ ...current, revealsSent: [...(current.revealsSent ?? []), sentMark] }));
    }
  }
}
