/** What a request's record keeps of a guest invitation: facts only, never the redeem link. */
import type { GuestPolicy, InvitationState } from './ports.js';

export interface GuestState {
  /** The address the guest is invited at. */
  readonly email: string;
  /** Who sends the invitation (fixed when the request is validated): Microsoft's email, or the bot's reveal card. */
  readonly invitation: 'email' | 'reveal';
  /** ISO 8601: when nobody held the address, checked right before the invitation was claimed. */
  readonly checkedAt?: string | undefined;
  readonly invitationId?: string | undefined;
  /** The guest's user name as Entra made it (jane.doe_fabrikam.example#EXT#@contoso.onmicrosoft.com). */
  readonly userPrincipalName?: string | undefined;
  /** externalUserState as last read: PendingAcceptance until they redeem. */
  readonly state?: InvitationState | undefined;
  /** ISO 8601: when the state above was read from the directory. */
  readonly stateReadAt?: string | undefined;
  readonly invitedAt?: string | undefined;
  /** The requester as the guest's sponsor (POST …/sponsors/$ref). */
  readonly sponsor: 'pending' | 'set' | 'failed';
  /** The names, department, company and marker written onto the guest (PATCH). */
  readonly profile: 'pending' | 'set' | 'failed';
}

/** The guest state a validated request starts with: who sends the invitation is fixed now, like the secret's recipient. */
export function newGuestState(policy: GuestPolicy, email: string): GuestState {
  return { email, invitation: policy.invitation, sponsor: 'pending', profile: 'pending' };
}
