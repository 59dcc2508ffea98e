/**
 * The GuestDirectory port over Microsoft Graph v1.0: guest invitations (Entra B2B).
 *  - POST /invitations (learn.microsoft.com/graph/api/invitation-post) is sent once, with the
 *    RetryHandler off: a second POST for the same address returns the same guest with a NEW
 *    redeem link that cancels the first, so a lost answer is reconciled by the workflow looking
 *    the address up, never by sending again here.
 *  - The redeem link comes back as a Secret and is never logged.
 *  - Refusals are told apart by the invitation service's own texts (Graph's error codes there
 *    are BadRequest/Forbidden/Unauthorized for everything): see `classifyInvitationFailure`.
 */
import { GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import type { User } from '@microsoft/microsoft-graph-types';
import {
  DirectoryError, Secret, type ExistingPerson, type GuestDirectory, type GuestInvitation, type GuestProfile, type GuestWrite, type InvitationOutcome,
  type InvitationState,
} from '../onboarding/index.js';
import { createGraphReads, odataString, userPath, type GraphDirectoryOptions } from './graph-directory.js';
import { errorBody, isIdentityFailure, requestIdOf, retryAfterSeconds, toDirectoryError } from './graph-errors.js';

export type GraphGuestDirectoryOptions = GraphDirectoryOptions;

const PERSON_SELECT = 'id,userPrincipalName,displayName,userType,creationType,externalUserState,createdDateTime,onPremisesExtensionAttributes';

// The invitation service's answers (learn.microsoft.com/entra/external-id/troubleshoot, allow-deny-list, and
// observed in public code). Graph's codes there say nothing the status does not: the texts tell them apart.
const INVITATIONS_OFF = /guest invitations not allowed for your company/i;
const CROSS_TENANT = /blocked by cross-tenant access settings/i;
const DOMAIN_BLOCKED = /blocked by your invitation policy|domain of the user is currently blocked|invitation is not allowed/i;
const OWN_DOMAIN = /is a verified domain of this directory/i;
const MEMBER_EXISTS = /already exists in the directory as object\s?id:?\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i;

/** A refused or failed POST /invitations as an outcome; the member's id when Graph says the address is theirs. */
export function classifyInvitationFailure(error: unknown): InvitationOutcome | { readonly kind: 'member'; readonly id: string; readonly graphRequestId?: string | undefined } {
  // The token could not be had: nothing was sent, and the workflow leaves the request for a retry.
  if (isIdentityFailure(error)) throw toDirectoryError(error, 'Invite a guest');
  if (!(error instanceof GraphError)) return { kind: 'ambiguous', detail: error instanceof Error ? error.name : 'unknown failure' };
  const graphRequestId = requestIdOf(error);
  const status = error.statusCode;
  const message = errorBody(error).message ?? error.message ?? '';
  const detail = message.slice(0, 200);
  if (status === 429) return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), graphRequestId };
  if (status === 400 || status === 401 || status === 403) {
    if (INVITATIONS_OFF.test(message)) return { kind: 'refused', reason: 'invitations-off', graphRequestId, detail };
    if (CROSS_TENANT.test(message)) return { kind: 'refused', reason: 'cross-tenant', graphRequestId, detail };
    if (DOMAIN_BLOCKED.test(message)) return { kind: 'refused', reason: 'domain-blocked', graphRequestId, detail };
    if (OWN_DOMAIN.test(message)) return { kind: 'refused', reason: 'own-domain', graphRequestId, detail };
    const member = MEMBER_EXISTS.exec(message);
    if (member?.[1]) return { kind: 'member', id: member[1], graphRequestId };
    // Without User.Invite.All the invite API answers 401 Unauthorized ("…ControllerName=MSGraphInviteAPI…"),
    // not the directory's 403 Authorization_RequestDenied (microsoft-graph-docs issue #716).
    if (status === 401 || status === 403) return { kind: 'refused', reason: 'permission', graphRequestId, detail };
    return { kind: 'refused', reason: 'invalid', graphRequestId, detail };
  }
  // 5xx, -1 (reset, timeout, DNS) or anything else: the invitation may or may not exist now.
  return { kind: 'ambiguous', graphRequestId, detail: `${status} ${error.code ?? ''}`.trim() };
}

export function createGraphGuestDirectory(options: GraphGuestDirectoryOptions): GuestDirectory {
  const baseUrl = new URL(options.baseUrl).origin;
  const markerAttribute = `extensionAttribute${options.markerAttribute ?? 15}`;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const readTimeoutMs = options.readTimeoutMs ?? timeoutMs * 4;
  const { client, read, readRetry } = createGraphReads(options);

  const toPerson = (u: User): ExistingPerson => ({
    id: u.id ?? '',
    userPrincipalName: u.userPrincipalName ?? '',
    displayName: u.displayName ?? undefined,
    userType: u.userType === 'Guest' ? 'Guest' : 'Member',
    creationType: u.creationType ?? null,
    externalUserState: invitationStateOf(u.externalUserState),
    createdDateTime: u.createdDateTime ?? undefined,
    marker: (u.onPremisesExtensionAttributes as Record<string, string | null> | null | undefined)?.[markerAttribute] ?? null,
  });

  async function readPerson(id: string): Promise<ExistingPerson | null> {
    try {
      return toPerson(await read('Read user', () => client.api(userPath(id)).select(PERSON_SELECT), (r) => r.get() as Promise<User>));
    } catch (error) {
      if (error instanceof DirectoryError && error.status === 404) return null;
      throw error;
    }
  }

  /** A write that is safe to send again (PATCH, a $ref add whose repeat answers "already exist"), as an outcome. */
  async function write(what: string, send: () => Promise<unknown>, alreadyDone?: RegExp): Promise<GuestWrite> {
    try {
      await send();
      return { kind: 'set' };
    } catch (error) {
      if (alreadyDone && error instanceof GraphError && error.statusCode === 400 && alreadyDone.test(errorBody(error).message ?? error.message ?? '')) return { kind: 'set' };
      const e = toDirectoryError(error, what);
      return { kind: 'failed', graphRequestId: e.graphRequestId, detail: `${e.status ?? ''} ${e.code}`.trim() };
    }
  }

  return {
    async findPeopleByEmail(email: string): Promise<ExistingPerson[]> {
      // One request: a guest has the invited address as mail; a member may hold it in mail, otherMails or
      // as a proxy address (learn.microsoft.com/graph/api/resources/user: mail, otherMails, proxyAddresses support eq/any).
      const filter = `mail eq ${odataString(email)} or otherMails/any(m:m eq ${odataString(email)}) or proxyAddresses/any(p:p eq ${odataString(`smtp:${email}`)})`;
      const page = await read('Find people by email', () => client.api('/users').filter(encodeURIComponent(filter)).select(PERSON_SELECT).top(10),
        (r) => r.get() as Promise<{ value?: User[] }>);
      return (page.value ?? []).map(toPerson);
    },

    async invite(invitation: GuestInvitation): Promise<InvitationOutcome> {
      let created: {
        id?: string; inviteRedeemUrl?: string; status?: string; invitedUser?: { id?: string; userPrincipalName?: string | null } | null;
      };
      try {
        created = await client
          .api('/invitations')
          // Never resent by the transport: a second POST replaces the redeem link (the first stops working).
          .middlewareOptions([new RetryHandlerOptions(0, 0)])
          .option('signal', AbortSignal.timeout(timeoutMs))
          .post({
            invitedUserEmailAddress: invitation.email,
            invitedUserDisplayName: invitation.displayName,
            inviteRedirectUrl: invitation.redirectUrl,
            sendInvitationMessage: invitation.sendInvitationMessage,
            // No invitedUserMessageInfo: "our APIs don't include custom messages in the email invitation when …
            // an appservice principal sends the invitation" (learn.microsoft.com/entra/external-id/troubleshoot).
          }) as typeof created;
      } catch (error) {
        const outcome = classifyInvitationFailure(error);
        if (outcome.kind !== 'member') return outcome;
        const person = await readPerson(outcome.id);
        return person
          ? { kind: 'exists', person, graphRequestId: outcome.graphRequestId }
          : { kind: 'refused', reason: 'invalid', graphRequestId: outcome.graphRequestId, detail: `already exists as ${outcome.id}` };
      }
      const id = created.invitedUser?.id ?? '';
      if (!id || !created.inviteRedeemUrl) return { kind: 'ambiguous', detail: 'the invitation came back without its user or redeem link' };
      const userPrincipalName = created.invitedUser?.userPrincipalName ?? (await readPerson(id).catch(() => null))?.userPrincipalName ?? '';
      return {
        kind: 'invited', guest: { id, userPrincipalName }, invitationId: created.id ?? '', status: created.status ?? 'PendingAcceptance',
        redeemUrl: new Secret(created.inviteRedeemUrl),
      };
    },

    writeGuestProfile(userId: string, profile: GuestProfile, marker: string): Promise<GuestWrite> {
      const { extensionAttributes, ...named } = profile;
      const fields = Object.fromEntries(Object.entries(named).filter(([, value]) => typeof value === 'string' && value !== ''));
      // A guest is a cloud-only user: its extension attributes can be written like any other property.
      return write('Write guest profile', () => client.api(userPath(userId)).middlewareOptions([readRetry()]).option('signal', AbortSignal.timeout(readTimeoutMs))
        .patch({ ...fields, onPremisesExtensionAttributes: { ...extensionAttributes, [markerAttribute]: marker } }));
    },

    addSponsor(userId: string, sponsorId: string): Promise<GuestWrite> {
      // learn.microsoft.com/graph/api/user-post-sponsors (v1.0): 204; the same sponsor again is Graph's "already exist" 400.
      return write('Add sponsor', () => client.api(`${userPath(userId)}/sponsors/$ref`).middlewareOptions([readRetry()]).option('signal', AbortSignal.timeout(readTimeoutMs))
        .post({ '@odata.id': `${baseUrl}/v1.0/users/${encodeURIComponent(sponsorId)}` }), /already exist/i);
    },

    async invitationState(userId: string) {
      try {
        const user = await read('Read invitation state', () => client.api(userPath(userId)).select('externalUserState,externalUserStateChangeDateTime'),
          (r) => r.get() as Promise<User>);
        return { state: invitationStateOf(user.externalUserState), changedAt: user.externalUserStateChangeDateTime ?? undefined };
      } catch (error) {
        if (error instanceof DirectoryError && error.status === 404) return null;
        throw error;
      }
    },
  };
}

/** externalUserState as the domain knows it; user-properties.md writes "Pending Acceptance", the enum PendingAcceptance. */
function invitationStateOf(value: string | null | undefined): InvitationState | null {
  const compact = (value ?? '').replace(/\s+/g, '');
  return compact === 'Accepted' ? 'Accepted' : compact === 'PendingAcceptance' ? 'PendingAcceptance' : null;
}
