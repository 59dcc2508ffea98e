/**
 * The credentials' lifecycle in the CredentialStore: sealed when the account is about to
 * be created (so every retry sends the same password), a Temporary Access Pass added after
 * creation, deleted a grace period after the first reveal, at the end of the reveal
 * window, when superseded by a reissue, or when no account came of the request.
 */
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import { generateTemporaryPassword } from '../rules/password.js';
import type { CredentialContents, CredentialStore, SealedSecret, StoredCredentials } from '../kernel/ports.js';
import type { OnboardingRequest } from '../request/request.js';
import type { CredentialsState, OnboardingRecord } from '../kernel/request-record.js';
import type { Secret } from './secret.js';

export const credentialIdFor = (requestId: string, generation: number): string => `${requestId}.${generation}`;

/** A fresh temporary password that avoids the person's names, sealed to these credentials. */
export async function sealNewPassword(deps: OnboardingDependencies, request: OnboardingRequest, credentialId: string): Promise<SealedSecret> {
  const forbidden = [request.givenName, request.surname, request.alias, request.displayName, request.mailNickname];
  const password = generateTemporaryPassword(deps.random, deps.policy.password, forbidden);
  return deps.vault.seal(password, { requestId: credentialId });
}

/**
 * Stores new credentials for this request (generation 1 at creation, +1 per reissue) and
 * returns their state for the record. A retry after a crash finds the entry already there
 * and keeps it, so the account is only ever sent the password stored here.
 */
export async function storeNewCredentials(
  deps: OnboardingDependencies, record: OnboardingRecord, request: OnboardingRequest, generation: number,
): Promise<CredentialsState> {
  const state = newCredentialsState(deps, record, generation);
  await sealAndStoreCredentials(deps, record, request, state);
  return state;
}

/** The record's side of new credentials (which entry, for whom), before anything is stored. */
export function newCredentialsState(deps: OnboardingDependencies, record: OnboardingRecord, generation: number): CredentialsState {
  const chosen = record.secretRecipient;
  const recipient = record.credentials?.recipient ?? (chosen && chosen.role !== 'requester' ? { id: chosen.id, name: chosen.name } : record.requester);
  return {
    credentialId: credentialIdFor(record.requestId, generation), generation, recipient,
    tap: deps.policy.credentials.temporaryAccessPass.mode === 'off' ? 'off' : 'pending',
  };
}

/**
 * Seals a new password into the entry of `state` unless the entry exists already: `create`
 * keeps an existing entry as it is (`exists`), so a retry after a crash never changes the
 * password an account may already have.
 */
export async function sealAndStoreCredentials(
  deps: OnboardingDependencies, record: OnboardingRecord, request: OnboardingRequest, state: CredentialsState,
): Promise<void> {
  await deps.credentials.create({
    credentialId: state.credentialId,
    requestId: record.requestId,
    generation: state.generation,
    recipientId: state.recipient.id,
    password: await sealNewPassword(deps, request, state.credentialId),
    // Never kept without an expiry: the reveal window counts from now until the card goes out.
    purgeAt: new Date(deps.clock.now().getTime() + deps.policy.credentials.revealWindowMs).toISOString(),
  });
}

/** The stored credentials of this state; throws when a step that needs them finds none (a bug, not an outcome). */
export async function requireCredentials(deps: OnboardingDependencies, state: CredentialsState | undefined): Promise<{ credentials: StoredCredentials; version: string }> {
  const found = state ? await deps.credentials.get(state.credentialId) : null;
  if (!found) throw new Error(`Credentials ${state?.credentialId ?? '(none)'} are not stored`);
  return found;
}

/** The password, opened for one use (the POST that creates the account, or the reset). */
export async function openPassword(deps: OnboardingDependencies, state: CredentialsState | undefined): Promise<Secret> {
  const { credentials } = await requireCredentials(deps, state);
  return deps.vault.unseal(sealedPasswordOf(credentials), { requestId: credentials.credentialId });
}

/** The sealed password of an entry that must hold one (only a guest's invitation link comes without); a bug otherwise. */
export function sealedPasswordOf(credentials: StoredCredentials): SealedSecret {
  if (!credentials.password) throw new Error(`Credentials ${credentials.credentialId} hold no password`);
  return credentials.password;
}

/** Replaces the password of not-yet-used credentials (the tenant refused the last one). */
export async function replacePassword(deps: OnboardingDependencies, state: CredentialsState, request: OnboardingRequest): Promise<void> {
  const { credentials, version } = await requireCredentials(deps, state);
  const updated = await deps.credentials.update({ ...credentials, password: await sealNewPassword(deps, request, credentials.credentialId) }, version);
  if (updated.kind === 'conflict') throw new Error(`Credentials ${credentials.credentialId} changed while their password was replaced`);
}

/** Deletes the secret for good; the record keeps only when and why. */
export async function discardCredentials(deps: OnboardingDependencies, state: CredentialsState | undefined): Promise<void> {
  if (state) await deps.credentials.delete(state.credentialId);
}

/** What the recipient will get: the TAP `instead` of the password only when one was issued. */
export function contentsOf(deps: OnboardingDependencies, state: CredentialsState): CredentialContents {
  if (state.holds === 'invitation-link') return 'invitation-link';
  if (state.tap !== 'issued') return 'password';
  return deps.policy.credentials.temporaryAccessPass.mode === 'instead' ? 'tap' : 'password-and-tap';
}

/**
 * The credential store as one run sees it: what the run stored or read it reads from memory,
 * not storage. Within a run nothing else changes its entries (the run holds the request's
 * lease; the reveal comes after the card it sends), and every update stays compare-and-set,
 * so a memory that is stale after all meets a conflict, never a silent overwrite.
 */
export function rememberedWithinRun(store: CredentialStore): CredentialStore {
  const known = new Map<string, { readonly credentials: StoredCredentials; readonly version: string }>();
  return {
    async get(credentialId) {
      const remembered = known.get(credentialId);
      if (remembered) return remembered;
      const found = await store.get(credentialId);
      if (found) known.set(credentialId, found);
      return found;
    },
    async create(credentials) {
      const created = await store.create(credentials);
      if (created.kind === 'created') known.set(credentials.credentialId, { credentials, version: created.version });
      return created;
    },
    async update(credentials, expectedVersion) {
      const updated = await store.update(credentials, expectedVersion);
      if (updated.kind === 'updated') known.set(credentials.credentialId, { credentials, version: updated.version });
      else known.delete(credentials.credentialId);
      return updated;
    },
    async delete(credentialId) {
      known.delete(credentialId);
      await store.delete(credentialId);
    },
    listDue: (now, limit) => store.listDue(now, limit),
  };
}
