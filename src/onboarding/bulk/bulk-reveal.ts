/**
 * Revealing a bulk's credentials: each recipient gets a reveal card listing the display
 * names of the accounts whose credentials are theirs — one card per part when there are more
 * than one answer can carry (a Teams message holds about 80 KB: message-size.ts) — and their
 * Reveal click on a part, and only theirs, is answered with that part's passwords and passes
 * (as the job's credential policy says: a pass alongside the password, or instead of it), in the
 * invoke response only. The first reveal of an account starts the same grace period as a
 * single reveal; then, or at the end of the reveal window, each secret is deleted from
 * storage. Never a user name beside a secret. A guest row's invitation link (GUEST_INVITATION=reveal)
 * is among its recipient's accounts, shown beside the guest's display name.
 */
import { bulkEvent, credentialIdForRow, type BulkDependencies, type BulkRowRecord } from './bulk-job.js';
import { MESSAGE_BUDGET_UTF16, jsonSizeOf, partsWithin } from '../rules/message-size.js';
import type { Requester, SealedSecret, StillAnswering } from '../kernel/ports.js';
import type { Secret } from '../credentials/secret.js';
import { contentsOfRow } from './bulk-hand-over.js';
import { say, sayBulk } from '../kernel/sentences.js';

export type BulkRevealAnswer =
  | { readonly kind: 'refused'; readonly sentence: string }
  | { readonly kind: 'shown'; readonly accounts: ReadonlyArray<BulkRevealedAccount>;
      /** Accounts whose secret is gone (revealed long ago, or expired), and how many of them are guests' links. */
      readonly gone: number; readonly goneGuests?: number | undefined; readonly visibleUntil?: string | undefined;
      /** Which part of the recipient's accounts this is (1-based), of how many. */
      readonly part: number; readonly parts: number };

/** One account's secrets as revealed: a password, a pass, or both; or a guest's invitation link. */
export interface BulkRevealedAccount {
  readonly displayName: string;
  readonly password?: Secret | undefined;
  readonly temporaryAccessPass?: Secret | undefined;
  readonly invitationLink?: Secret | undefined;
}

/**
 * What a revealed account takes on a card besides its name and password: the columns and text
 * blocks around them (about 230 UTF-16 code units in adaptiveCards/bulk-revealed.json; a card
 * test holds the template to this), and what one part's card needs around its accounts.
 */
const REVEALED_ACCOUNT_MARKUP_UTF16 = 250;
const REVEALED_CARD_FRAME_UTF16 = 4_000;
/** A pass beside it: its own text block (about 150 code units) and the value, at most 48 characters (Entra's longest pass). */
const REVEALED_PASS_UTF16 = 150 + 48;
/**
 * A guest's invitation link: its text block and "Invitation link: " (about 170 code units), and the
 * link planned at 1,024 characters — Graph's inviteRedeemUrl and the local tenant's are about 300,
 * and Microsoft documents no maximum (learn.microsoft.com/graph/api/resources/invitation), so a
 * part keeps three times that room per link.
 */
const REVEALED_LINK_UTF16 = 170 + 1_024;

/**
 * A recipient's rows with credentials (in the job's order) in the parts their reveal cards show,
 * each part's revealed passwords and passes fitting one message. The same parts for the card and the click.
 */
export function revealParts(rows: readonly BulkRowRecord[], passwordLength: number, mode: 'off' | 'alongside' | 'instead' = 'off'): BulkRowRecord[][] {
  const secrets = (row: BulkRowRecord): number => {
    const contents = contentsOfRow(row, mode) ?? 'password';
    if (contents === 'invitation-link') return REVEALED_LINK_UTF16;
    return (contents === 'tap' ? 0 : passwordLength) + (contents === 'password' ? 0 : REVEALED_PASS_UTF16);
  };
  return partsWithin(rows, (row) => jsonSizeOf(row.request.displayName) + secrets(row) + REVEALED_ACCOUNT_MARKUP_UTF16,
    MESSAGE_BUDGET_UTF16 - REVEALED_CARD_FRAME_UTF16);
}

/** The part a click names: a whole number from 1 (a card may carry it as text), or 1 for a card from before parts. */
function partNumberOf(part: unknown): number | undefined {
  if (part === undefined) return 1;
  const value = typeof part === 'string' && /^\d{1,5}$/.test(part) ? Number(part) : part;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10_000 ? value : undefined;
}

/**
 * A recipient's Reveal click on one part: the passwords are read and opened first, and the accounts
 * are recorded as revealed (their grace period started, the audit event written) only if the click
 * is still answered with them.
 */
export async function revealBulkCredentials(
  deps: BulkDependencies, person: Requester | undefined, jobId: unknown, part?: unknown, stillAnswering: StillAnswering = () => true,
): Promise<BulkRevealAnswer> {
  const stored = typeof jobId === 'string' && /^bulk-[A-Za-z0-9-]{1,80}$/.test(jobId) ? await deps.bulkJobs.get(jobId) : null;
  const partNumber = partNumberOf(part);
  if (!stored || partNumber === undefined) return { kind: 'refused', sentence: say.REVEAL_UNKNOWN() };
  const { job } = stored;
  // The same rows the card named: created, theirs, with credentials to hand over.
  const mode = job.tapMode ?? 'off';
  const theirs = job.rows.filter((r) => r.state === 'created' && person !== undefined && r.recipient.id === person.id && contentsOfRow(r, mode) !== undefined);
  if (!person || theirs.length === 0) {
    await deps.audit.append(bulkEvent(deps, job, 'access.refused', { reason: 'NOT_THE_RECIPIENT', action: 'bulk.reveal', personId: person?.id ?? null }));
    return { kind: 'refused', sentence: sayBulk.REVEAL_NOT_YOURS() };
  }
  const parts = revealParts(theirs, deps.policy.password.length, mode);
  const rows = parts[partNumber - 1];
  if (!rows) return { kind: 'refused', sentence: say.REVEAL_UNKNOWN() };
  const now = deps.clock.now();
  const found: Array<{ account: BulkRevealedAccount; entry: NonNullable<Awaited<ReturnType<typeof deps.credentials.get>>> }> = [];
  let gone = 0;
  let goneGuests = 0;
  for (const row of rows) {
    const credentialId = credentialIdForRow(job.jobId, row.rowNumber);
    const entry = await deps.credentials.get(credentialId);
    if (!entry || Date.parse(entry.credentials.purgeAt) <= now.getTime()) {
      if (entry) await deps.credentials.delete(credentialId);
      gone += 1;
      if (row.guest !== undefined) goneGuests += 1;
      continue;
    }
    const contents = contentsOfRow(row, mode) ?? 'password';
    const open = async (sealed: SealedSecret | undefined) => (sealed ? deps.vault.unseal(sealed, { requestId: credentialId }) : undefined);
    found.push({
      entry,
      account: contents === 'invitation-link'
        ? { displayName: row.request.displayName, invitationLink: await open(entry.credentials.invitationLink) }
        : {
            displayName: row.request.displayName,
            password: contents === 'tap' ? undefined : await open(entry.credentials.password),
            temporaryAccessPass: contents === 'password' ? undefined : await open(entry.credentials.temporaryAccessPass),
          },
    });
  }
  // Answered "too slow, nothing was shown": then nothing says it was.
  if (!stillAnswering()) return { kind: 'refused', sentence: say.CARD_TOO_SLOW_PRESS_AGAIN() };
  let visibleUntil: string | undefined;
  for (const { entry } of found) {
    let { credentials } = entry;
    if (!credentials.revealedAt) {
      const purgeAt = new Date(Math.min(Date.parse(credentials.purgeAt), now.getTime() + deps.policy.credentials.revealGraceMs)).toISOString();
      const updated = await deps.credentials.update({ ...credentials, revealedAt: now.toISOString(), purgeAt }, entry.version);
      if (updated.kind === 'updated') credentials = { ...credentials, revealedAt: now.toISOString(), purgeAt };
    }
    visibleUntil = visibleUntil && visibleUntil < credentials.purgeAt ? visibleUntil : credentials.purgeAt;
  }
  const accounts = found.map(({ account }) => account);
  await deps.audit.append(bulkEvent(deps, job, 'bulk.credentials_revealed', { recipientId: person.id, shown: accounts.length, gone, part: partNumber, parts: parts.length }));
  return { kind: 'shown', accounts, gone, goneGuests, visibleUntil, part: partNumber, parts: parts.length };
}
