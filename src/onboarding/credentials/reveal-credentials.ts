/**
 * Revealing credentials: only the recipient, only in the answer to their click (never a
 * message in the chat). The first reveal starts a short grace period in which they can look
 * again; then, or at the end of the reveal window, the secret is deleted from storage. What
 * anyone sees afterwards is where things stand ("revealed at 10:42", "expired"), never the secret.
 */
import type { OnboardingDependencies, RequestDeskDependencies } from '../kernel/dependencies.js';
import { contentsOf } from './credentials.js';
import type { CredentialContents, Requester, StillAnswering, StoredRequest } from '../kernel/ports.js';
import type { CredentialsState } from '../kernel/request-record.js';
import { audit, requireRequest, write } from '../kernel/record-kernel.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayReveal, secretRecipientOf } from './secret-recipient.js';
import { say } from '../kernel/sentences.js';
import type { Secret } from './secret.js';

/** Where a reveal stands, for the card the recipient sees (never a secret). */
export interface RevealState {
  readonly requestId: string;
  readonly displayName: string;
  readonly ticketReference: string;
  readonly generation: number;
  readonly contents: CredentialContents;
  /** `replaced`: a reissue made newer credentials; this card's are gone. */
  readonly state: 'waiting' | 'revealed' | 'gone' | 'replaced';
  readonly expiresAt?: string | undefined;
  readonly revealedAt?: string | undefined;
  /** While revealed: it can be shown again until then. */
  readonly visibleUntil?: string | undefined;
}

export type RevealAnswer =
  | { readonly kind: 'refused'; readonly sentence: string }
  | { readonly kind: 'state'; readonly reveal: RevealState }
  | {
    readonly kind: 'shown'; readonly reveal: RevealState; readonly password?: Secret | undefined; readonly temporaryAccessPass?: Secret | undefined;
    /** A guest's redeem link, to hand over to them. */
    readonly invitationLink?: Secret | undefined;
  };

/**
 * The Reveal click: the secrets for the recipient, once the first time and again within the grace
 * period. What is shown is read and opened first; it is recorded as revealed (the grace period
 * started, the audit event written) only if the click is still answered with it.
 */
export async function revealCredentials(
  deps: RequestDeskDependencies, person: Requester | undefined, requestId: unknown, generation?: number, stillAnswering: StillAnswering = () => true,
): Promise<RevealAnswer> {
  const found = await recipientsRequest(deps, person, requestId, 'reveal', generation);
  if (found.kind !== 'found') return found.answer;
  const { stored, state } = found;
  const now = deps.clock.now();
  const entry = await deps.credentials.get(state.credentialId);
  if (!entry || Date.parse(entry.credentials.purgeAt) <= now.getTime()) {
    await purgeCredentials(deps, state.credentialId, 'expired');
    return { kind: 'state', reveal: await revealStateOf(deps, stored.record.requestId) };
  }
  let { credentials } = entry;
  if (credentials.revealedBy && credentials.revealedBy !== person!.id) return revealTaken(deps, stored, state, person!, credentials.revealedBy);
  const contents = contentsOf(deps, state);
  const open = (sealed: typeof credentials.password | undefined) => (sealed ? deps.vault.unseal(sealed, { requestId: credentials.credentialId }) : undefined);
  const password = contents === 'tap' || contents === 'invitation-link' ? undefined : await open(credentials.password);
  const temporaryAccessPass = contents === 'password' || contents === 'invitation-link' ? undefined : await open(credentials.temporaryAccessPass);
  const invitationLink = contents === 'invitation-link' ? await open(credentials.invitationLink) : undefined;
  // Answered "too slow, nothing was shown": then nothing says it was (no revealedAt, no deletion clock, no audit event).
  if (!stillAnswering()) return { kind: 'refused', sentence: say.CARD_TOO_SLOW_PRESS_AGAIN() };
  if (!credentials.revealedAt) {
    // The first reveal: the grace period starts now and the entry goes then at the latest.
    // Who revealed is kept with it: in a coordinator group, only they may see it again.
    const purgeAt = new Date(Math.min(Date.parse(credentials.purgeAt), now.getTime() + deps.policy.credentials.revealGraceMs)).toISOString();
    const updated = await deps.credentials.update({ ...credentials, revealedAt: now.toISOString(), revealedBy: person!.id, purgeAt }, entry.version);
    if (updated.kind === 'updated') {
      credentials = { ...credentials, revealedAt: now.toISOString(), revealedBy: person!.id, purgeAt };
      await noteOnRecord(deps, stored.record.requestId, state.credentialId, { revealedAt: credentials.revealedAt });
      await audit(deps, stored.record, 'credentials.revealed', { recipientId: state.recipient.id, generation: state.generation, visibleUntil: purgeAt });
    } else {
      credentials = (await deps.credentials.get(state.credentialId))?.credentials ?? credentials;
      // Another member of a coordinator group revealed it at the same moment, and first.
      if (credentials.revealedBy && credentials.revealedBy !== person!.id) return revealTaken(deps, stored, state, person!, credentials.revealedBy);
    }
  } else {
    await audit(deps, stored.record, 'credentials.revealed_again', { recipientId: state.recipient.id, generation: state.generation });
  }
  return {
    kind: 'shown',
    reveal: { ...baseState(stored, state, deps), state: 'revealed', revealedAt: credentials.revealedAt, visibleUntil: credentials.purgeAt },
    password,
    temporaryAccessPass,
    invitationLink,
  };
}

/** Someone else in a coordinator group revealed these first: only they may see them again. */
async function revealTaken(deps: RequestDeskDependencies, stored: StoredRequest, state: CredentialsState, person: Requester, revealedBy: string): Promise<RevealAnswer> {
  const first = secretRecipientOf(stored.record).members?.find((member) => member.id === revealedBy)?.name ?? state.recipient.name;
  await recordRefusal(deps, { reason: 'NOT_THE_RECIPIENT', action: 'reveal credentials', person, requestId: stored.record.requestId, detail: 'revealed by another member' });
  return { kind: 'refused', sentence: say.REVEAL_TAKEN(first) };
}

/** The Hide click and the card's refresh: where the reveal stands, for the recipient only. */
export async function revealStatus(
  deps: RequestDeskDependencies, person: Requester | undefined, requestId: unknown, generation?: number,
): Promise<RevealAnswer> {
  const found = await recipientsRequest(deps, person, requestId, 'status', generation);
  if (found.kind !== 'found') return found.answer;
  return { kind: 'state', reveal: await revealStateOf(deps, found.stored.record.requestId) };
}

/** Deletes credentials that are due (revealed + grace, or the window ended); run by every resume pass. */
export async function purgeDueCredentials(deps: OnboardingDependencies, limit = 100): Promise<number> {
  const due = await deps.credentials.listDue(deps.clock.now(), limit);
  for (const credentials of due) await purgeCredentials(deps, credentials.credentialId, credentials.revealedAt ? 'revealed' : 'expired');
  return due.length;
}

async function purgeCredentials(deps: OnboardingDependencies, credentialId: string, reason: 'revealed' | 'expired'): Promise<void> {
  const entry = await deps.credentials.get(credentialId);
  await deps.credentials.delete(credentialId);
  if (!entry) return;
  const record = await noteOnRecord(deps, entry.credentials.requestId, credentialId, { purgedAt: deps.clock.now().toISOString() });
  if (record) await audit(deps, record, 'credentials.purged', { reason, generation: entry.credentials.generation });
}

/** Writes reveal facts onto the record's credentials (if they are still the current ones), re-reading on a conflict. */
async function noteOnRecord(deps: OnboardingDependencies, requestId: string, credentialId: string, facts: Partial<CredentialsState>) {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const stored = await deps.store.get(requestId);
    const state = stored?.record.credentials;
    if (!stored || !state || state.credentialId !== credentialId) return stored?.record;
    const next = await write(deps, stored, stored.record.status, { credentials: { ...state, ...facts } });
    if (next) return next.record;
  }
  return undefined;
}

type Found =
  | { readonly kind: 'found'; readonly stored: StoredRequest; readonly state: CredentialsState }
  | { readonly kind: 'answer'; readonly answer: RevealAnswer };

/**
 * The request whose credentials this person may see; anyone else is refused and the refusal
 * recorded. A card from before a reissue (another generation) opens nothing: its credentials were replaced.
 */
async function recipientsRequest(
  deps: RequestDeskDependencies, person: Requester | undefined, requestId: unknown, action: 'reveal' | 'status', generation: number | undefined,
): Promise<Found> {
  const stored = typeof requestId === 'string' && requestId ? await deps.store.get(requestId) : null;
  const state = stored?.record.credentials;
  if (!stored || !state) return { kind: 'answer', answer: { kind: 'refused', sentence: say.REVEAL_UNKNOWN() } };
  if (!person || !mayReveal(stored.record, person.id)) {
    await recordRefusal(deps, { reason: person ? 'NOT_THE_RECIPIENT' : 'UNKNOWN_PERSON', action: action === 'reveal' ? 'reveal credentials' : 'see credentials', person, requestId: stored.record.requestId });
    return { kind: 'answer', answer: { kind: 'refused', sentence: say.REVEAL_NOT_YOURS(state.recipient.name) } };
  }
  if (generation !== undefined && generation !== state.generation) {
    return { kind: 'answer', answer: { kind: 'state', reveal: { ...baseState(stored, state, deps), generation, state: 'replaced' } } };
  }
  return { kind: 'found', stored, state };
}

async function revealStateOf(deps: OnboardingDependencies, requestId: string): Promise<RevealState> {
  const stored = (await deps.store.get(requestId))!;
  const state = stored.record.credentials!;
  const entry = state.purgedAt ? null : await deps.credentials.get(state.credentialId);
  const now = deps.clock.now().getTime();
  const alive = entry !== null && Date.parse(entry.credentials.purgeAt) > now;
  const base = baseState(stored, state, deps);
  if (!alive) return { ...base, state: 'gone', revealedAt: state.revealedAt ?? entry?.credentials.revealedAt };
  if (entry.credentials.revealedAt) return { ...base, state: 'revealed', revealedAt: entry.credentials.revealedAt, visibleUntil: entry.credentials.purgeAt };
  return { ...base, state: 'waiting' };
}

function baseState(stored: StoredRequest, state: CredentialsState, deps: OnboardingDependencies) {
  const request = requireRequest(stored.record);
  return {
    requestId: stored.record.requestId, displayName: request.displayName, ticketReference: request.ticketReference,
    generation: state.generation, contents: contentsOf(deps, state), expiresAt: state.expiresAt,
  };
}
