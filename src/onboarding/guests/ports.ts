/**
 * The directory as guest invitations need it (Entra B2B): who already has the address, the
 * invitation itself, and what is written onto the guest afterwards. Its own port beside
 * Directory, so an adapter (src/directory/graph-guests.ts) and the fakes implement it alone.
 */
import type { GraphFacts } from '../kernel/ports.js';
import type { Secret } from '../credentials/secret.js';

/** Someone already in the directory under an address: a guest invited with it, or a member whose mail holds it. */
export interface ExistingPerson {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName?: string | undefined;
  readonly userType: 'Member' | 'Guest';
  /** 'Invitation' for a guest made by POST /invitations; null for accounts created otherwise. */
  readonly creationType: string | null;
  /** For an invited guest: PendingAcceptance until they redeem, then Accepted; null for others. */
  readonly externalUserState: InvitationState | null;
  /** ISO 8601, when Graph says (a guest found after an unanswered invitation is ours only if it is newer than our check). */
  readonly createdDateTime?: string | undefined;
  /** The onboarding marker (extension attribute), or null when absent. */
  readonly marker: string | null;
}

export type InvitationState = 'PendingAcceptance' | 'Accepted';

/** What POST /invitations is sent (learn.microsoft.com/graph/api/invitation-post). */
export interface GuestInvitation {
  readonly email: string;
  readonly displayName: string;
  /** Where the guest lands after redeeming: Teams or My Apps, with our tenant in the URL. */
  readonly redirectUrl: string;
  /** true: Microsoft emails the invitation to the address; false: nobody does, the bot hands the link over. */
  readonly sendInvitationMessage: boolean;
}

/** Why an invitation was refused: each a sentence for the requester and a line in the ticket. */
export type InvitationRefusal =
  /** No User.Invite.All (Graph answers Unauthorized from its invite API, not the directory's 403). */
  | 'permission'
  /** External collaboration settings: nobody (or not this app) may invite ("Guest invitations not allowed for your company."). */
  | 'invitations-off'
  /** The domain is on the deny list, or not on the allow list, of the collaboration restrictions. */
  | 'domain-blocked'
  /** Cross-tenant access settings (ours or theirs) block B2B collaboration with that organisation. */
  | 'cross-tenant'
  /** The address is on one of our own verified domains. */
  | 'own-domain'
  /** Anything else Graph refused as invalid. */
  | 'invalid';

/** What POST /invitations came to. Only `ambiguous` leaves unknown whether the guest exists. */
export type InvitationOutcome =
  | {
    readonly kind: 'invited';
    readonly guest: { readonly id: string; readonly userPrincipalName: string };
    readonly invitationId: string;
    /** The invitation's status: PendingAcceptance, or Completed when they had redeemed already. */
    readonly status: string;
    /** inviteRedeemUrl: a bearer credential until the guest redeems; never logged, stored only sealed. */
    readonly redeemUrl: Secret;
  }
  /** The address belongs to a member of ours ("already exists in the directory as objectID …"): nobody was invited. */
  | ({ readonly kind: 'exists'; readonly person: ExistingPerson } & GraphFacts)
  | ({ readonly kind: 'refused'; readonly reason: InvitationRefusal } & GraphFacts)
  | ({ readonly kind: 'throttled'; readonly retryAfterSeconds?: number | undefined } & GraphFacts)
  | ({ readonly kind: 'ambiguous' } & GraphFacts);

/** What the bot writes onto a new guest after the invitation (POST /invitations takes none of it). */
export interface GuestProfile {
  readonly givenName: string;
  readonly surname: string;
  readonly jobTitle?: string | undefined;
  readonly department?: string | undefined;
  readonly companyName?: string | undefined;
  readonly employeeType?: string | undefined;
  readonly officeLocation?: string | undefined;
  /** Guests have none by default; a template's direct licence needs one (learn.microsoft.com/graph/api/user-assignlicense). */
  readonly usageLocation?: string | undefined;
  /** The template's extension attributes, as a member's account gets them at creation. */
  readonly extensionAttributes?: Readonly<Record<string, string>> | undefined;
}

export type GuestWrite = { readonly kind: 'set' } | ({ readonly kind: 'failed' } & GraphFacts);

/**
 * The tenant's directory for guests. Reads throw DirectoryError (errors.ts) for throttling,
 * missing permission or unavailability; the writes return what happened.
 */
export interface GuestDirectory {
  /** Everyone holding this address: mail, otherMails or an smtp: proxy address (one request). */
  findPeopleByEmail(email: string): Promise<ExistingPerson[]>;
  /** POST /invitations exactly once (never retried by the transport: a second one replaces the redeem link). */
  invite(invitation: GuestInvitation): Promise<InvitationOutcome>;
  /** Writes the profile and the onboarding marker onto the guest (PATCH; the same PATCH twice is harmless). */
  writeGuestProfile(userId: string, profile: GuestProfile, marker: string): Promise<GuestWrite>;
  /** Adds a sponsor (POST /users/{id}/sponsors/$ref); one who is a sponsor already counts as set. */
  addSponsor(userId: string, sponsorId: string): Promise<GuestWrite>;
  /** The guest's externalUserState now, or null when the account is gone. */
  invitationState(userId: string): Promise<{ readonly state: InvitationState | null; readonly changedAt?: string | undefined } | null>;
}

/** How guests are invited: who sends the invitation, and where the guest lands. */
export interface GuestPolicy {
  /**
   * `email`: Microsoft emails the invitation to the invited address (the safer default: the link
   * goes only to that mailbox). `reveal`: nobody emails it; the redeem link goes to the chosen
   * recipient on a reveal card, sealed like a password, to hand over themselves.
   */
  readonly invitation: 'email' | 'reveal';
  /** inviteRedirectUrl: Teams or My Apps with the tenant in the URL. */
  readonly redirectUrl: string;
}
