/**
 * Revealing a bulk's credentials: each recipient gets one reveal card listing the display
 * names of the accounts whose credentials are theirs; their Reveal click — and only theirs —
 * is answered with every one of those passwords, in the invoke response only. The first
 * reveal starts the same grace period as a single reveal; then, or at the end of the reveal
 * window, each secret is deleted from storage. Never a user name beside a secret.
 */
import { bulkEvent, credentialIdForRow, type BulkDependencies } from './bulk-job.js';
import { sealedPasswordOf } from './credentials.js';
import type { Requester } from './ports.js';
import type { Secret } from './secret.js';
import { say, sayBulk } from './sentences.js';

export type BulkRevealAnswer =
  | { readonly kind: 'refused'; readonly sentence: string }
  | { readonly kind: 'shown'; readonly accounts: ReadonlyArray<{ readonly displayName: string; readonly password: Secret }>;
      /** Accounts whose secret is gone (revealed long ago, or expired). */
      readonly gone: number; readonly visibleUntil?: string | undefined };

export async function revealBulkCredentials(deps: BulkDependencies, person: Requester | undefined, jobId: unknown): Promise<BulkRevealAnswer> {
  const stored = typeof jobId === 'string' && /^bulk-[A-Za-z0-9-]{1,80}$/.test(jobId) ? await deps.bulkJobs.get(jobId) : null;
  if (!stored) return { kind: 'refused', sentence: say.REVEAL_UNKNOWN() };
  const { job } = stored;
  const rows = job.rows.filter((r) => r.state === 'created' && person !== undefined && r.recipient.id === person.id);
  if (!person || rows.length === 0) {
    await deps.audit.append(bulkEvent(deps, job, 'access.refused', { reason: 'NOT_THE_RECIPIENT', action: 'bulk.reveal', personId: person?.id ?? null }));
    return { kind: 'refused', sentence: sayBulk.REVEAL_NOT_YOURS() };
  }
  const now = deps.clock.now();
  const accounts: Array<{ displayName: string; password: Secret }> = [];
  let gone = 0;
  let visibleUntil: string | undefined;
  for (const row of rows) {
    const credentialId = credentialIdForRow(job.jobId, row.rowNumber);
    const entry = await deps.credentials.get(credentialId);
    if (!entry || Date.parse(entry.credentials.purgeAt) <= now.getTime()) {
      if (entry) await deps.credentials.delete(credentialId);
      gone += 1;
      continue;
    }
    let { credentials } = entry;
    if (!credentials.revealedAt) {
      const purgeAt = new Date(Math.min(Date.parse(credentials.purgeAt), now.getTime() + deps.policy.credentials.revealGraceMs)).toISOString();
      const updated = await deps.credentials.update({ ...credentials, revealedAt: now.toISOString(), purgeAt }, entry.version);
      if (updated.kind === 'updated') credentials = { ...credentials, revealedAt: now.toISOString(), purgeAt };
    }
    visibleUntil = visibleUntil && visibleUntil < credentials.purgeAt ? visibleUntil : credentials.purgeAt;
    accounts.push({ displayName: row.request.displayName, password: await deps.vault.unseal(sealedPasswordOf(credentials), { requestId: credentialId }) });
  }
  await deps.audit.append(bulkEvent(deps, job, 'bulk.credentials_revealed', { recipientId: person.id, shown: accounts.length, gone }));
  return { kind: 'shown', accounts, gone, visibleUntil };
}
