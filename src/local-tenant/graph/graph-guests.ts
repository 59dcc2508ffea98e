/**
 * B2B guests through Graph v1.0: POST /invitations (invitation-post) creates — or, for the same email,
 * finds again — a Guest user and answers the invitation with its redeem link; the tenant's external
 * collaboration settings, allow/block list and cross-tenant access refuse as Entra does. Sponsors
 * (user-post-sponsors): GET /users/{id}/sponsors, POST …/sponsors/$ref, DELETE …/sponsors/{id}/$ref.
 * Redemption is interactive in Entra; here POST /_tenant/invitations/redeem plays it (redeemInvitation).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { newDirectoryUser, type DirectoryState, type DirectoryUser, type StoredInvitation } from '../directory.js';
import type { GraphAreaContext, GraphOperation, GraphRequest } from './graph-api.js';
import { referencedObjectId } from './graph-groups.js';
import { addToOutbox } from '../exchange/graph-mail.js';
import { INVITE, SPONSOR_WRITE, USER_READ } from './graph-permissions.js';
import { groupView } from './groups.js';
import { GraphError, json, methodNotAllowed, noContent, notFound, type ApiResponse } from '../responses.js';
import { hashSecret, secretMatches } from '../entra/secrets.js';

/** What the guest routes need from the Graph emulator around them. */
export interface GuestsContext extends GraphAreaContext {
  /** Called after a user was created or changed (dynamic groups, group-based licensing). */
  userChanged(user: DirectoryUser, now: Date): void;
}

// The answers of the invitation service. Texts from Microsoft's documentation or observed in public code;
// statuses and codes where marked are unverified (src/local-tenant/README.md, "Known gaps").
const NOT_ALLOWED = 'Guest invitations not allowed for your company. Contact your company administrator for more details.';
const CROSS_TENANT = "This invitation is blocked by cross-tenant access settings. Admins in both your organization and the invited user's organization must configure cross-tenant access settings to allow the invitation.";
const DOMAIN_BLOCKED = 'The domain of the user is currently blocked by your invitation policy.';
const VERIFIED_DOMAIN = "This user cannot be invited because the domain of the user's email address is a verified domain of this directory.";

/** The invite service's own refusal when the app lacks User.Invite.All (not the directory's 403). */
export const inviteUnauthorized = (tenantId: string): GraphError => new GraphError(401, 'Unauthorized',
  `Insufficient privileges to perform requested operation by the application '00000003-0000-0000-c000-000000000000'. ControllerName=MSGraphInviteAPI, ActionName=CreateInvite, URL absolute path=/api/${tenantId}/invites`);

const INVITATION_PROPERTIES = new Set([
  'invitedUserEmailAddress', 'inviteRedirectUrl', 'invitedUserDisplayName', 'sendInvitationMessage', 'invitedUserMessageInfo',
  'invitedUserType', 'resetRedemption', 'invitedUser', 'invitedUserSponsors',
]);
// invitation resource: "The following special characters aren't permitted in the email address: ~ ! # $ % ^ & * ( ) + = [ ] { } \ / | ; : " < > ? ,"
// "A period (.) or a hyphen (-) is permitted anywhere in the user name, except at the beginning or end".
// An apostrophe is not on the list (liam.o'brien@…), so it is accepted.
const EMAIL = /^(?![.-])[^~!#$%^&*()+=[\]{}\\/|;:"<>?,\s@]+(?<![.-])@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const MAX_SPONSORS = 5;

interface InvitationRequest {
  email: string;
  redirectUrl: string;
  displayName: string | null;
  sendInvitationMessage: boolean;
  messageInfo: { customizedMessageBody: string | null; messageLanguage: string | null; ccRecipients: Array<{ emailAddress: { name: string | null; address: string | null } }> };
  userType: 'Guest' | 'Member';
  sponsorIds: string[];
}

export class GuestsApi {
  constructor(private readonly ctx: GuestsContext) {}

  /** POST /invitations → 201 with the invitation. */
  resolveInvitations(method: string, rest: string[], request: GraphRequest): GraphOperation {
    if (rest.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
    if (method !== 'POST') throw methodNotAllowed();
    return {
      ...this.ctx.operation('createInvitation', INVITE, 1, true, (now) => this.invite(request, now)),
      forbidden: () => inviteUnauthorized(this.ctx.state().tenantId),
    };
  }

  private invite(request: GraphRequest, now: Date): ApiResponse {
    const state = this.ctx.state();
    const invitation = readInvitation(request.body);
    const settings = state.externalCollaboration;
    // "Application permissions (app-only) don't work if B2B invitations are disabled on the tenant or if B2B
    // invitations are restricted to administrators" (invitation-post).
    const appOnly = request.userId === undefined;
    if (settings.allowInvitesFrom === 'none' || (appOnly && settings.allowInvitesFrom === 'adminsAndGuestInviters')) throw new GraphError(403, 'Forbidden', NOT_ALLOWED);
    const domain = (invitation.email.split('@')[1] as string).toLowerCase();
    if (state.domains.some((candidate) => candidate.isVerified && candidate.id.toLowerCase() === domain)) throw new GraphError(400, 'BadRequest', VERIFIED_DOMAIN);
    const holder = usersWithAddress(state, invitation.email);
    const member = holder.find((user) => user.userType === 'Member');
    if (member) {
      throw new GraphError(400, 'BadRequest', member.accountEnabled
        ? `The invited user already exists in the directory as objectID: ${member.id}. They can use that account to sign in to shared apps and resources.`
        : `The invited user already exists in the directory as object ID: ${member.id}, but the account is blocked from signing in. If the account is unblocked, they can use that account to sign in to shared apps and resources.`);
    }
    if (domainBlocked(state, domain)) throw new GraphError(403, 'Forbidden', DOMAIN_BLOCKED);
    if (settings.crossTenantAccessBlockedDomains.some((blocked) => blocked.toLowerCase() === domain)) throw new GraphError(403, 'Forbidden', CROSS_TENANT);
    for (const sponsorId of invitation.sponsorIds) {
      if (!state.users.some((user) => user.id === sponsorId && user.deletedDateTime === null) && !state.groups.some((group) => group.id === sponsorId)) throw notFound(sponsorId);
    }

    // The same email again is the same guest, with a new redeem link. Whether Entra then retires the old link is
    // not documented (unverified; src/local-tenant/README.md, Known gaps): the stricter guess is played — only the
    // newest link redeems — so a bot that hands out an older link fails here rather than in a tenant.
    const guest = holder.find((user) => user.creationType === 'Invitation') ?? this.createGuest(state, invitation, now);
    for (const sponsorId of invitation.sponsorIds) if (!guest.sponsors.includes(sponsorId)) guest.sponsors.push(sponsorId);
    for (const previous of state.invitations) if (previous.userId === guest.id) previous.replaced = true;
    const ticket = randomBytes(24).toString('base64url');
    // The directory keeps the ticket as a hash only; the invitation mail below carries the whole link, as
    // Microsoft's does, into the outbox — the recipients' mailboxes (README: "The outbox is a mailbox").
    const stored: StoredInvitation = {
      id: randomUUID(), userId: guest.id, invitedUserEmailAddress: invitation.email, createdDateTime: now.toISOString(),
      ticket: hashSecret(ticket), replaced: false, redeemedDateTime: null,
    };
    state.invitations.push(stored);
    const redeemUrl = inviteRedeemUrl(state.tenantId, stored.id, ticket);
    if (invitation.sendInvitationMessage) this.sendInvitationMail(state, invitation, redeemUrl, now);
    this.ctx.userChanged(guest, now);
    this.ctx.save();
    return json(201, {
      '@odata.context': this.ctx.context('invitations/$entity'),
      id: stored.id,
      inviteRedeemUrl: redeemUrl,
      invitedUserDisplayName: invitation.displayName,
      invitedUserType: guest.userType,
      invitedUserEmailAddress: invitation.email,
      sendInvitationMessage: invitation.sendInvitationMessage,
      resetRedemption: false,
      inviteRedirectUrl: invitation.redirectUrl,
      status: guest.externalUserState === 'Accepted' ? 'Completed' : 'PendingAcceptance',
      invitedUserMessageInfo: invitation.messageInfo,
      invitedUser: { id: guest.id, userPrincipalName: guest.userPrincipalName },
    });
  }

  /**
   * The guest as Entra makes it (user-properties, B2B): user name = the email with @ as _, then #EXT#@ and the
   * initial domain; userType Guest (or Member when asked), creationType Invitation, PendingAcceptance, the
   * email as mail, otherMails and proxy address, no password and no usage location.
   */
  private createGuest(state: DirectoryState, invitation: InvitationRequest, now: Date): DirectoryUser {
    const initial = state.domains.find((domain) => domain.isInitial)?.id ?? state.domains[0]?.id ?? 'contoso.onmicrosoft.com';
    const alias = `${invitation.email.replace('@', '_')}#EXT#`;
    const user = newDirectoryUser({
      id: randomUUID(),
      userPrincipalName: `${alias}@${initial}`,
      displayName: invitation.displayName ?? (invitation.email.split('@')[0] as string),
      mailNickname: alias,
      mail: invitation.email,
      otherMails: [invitation.email],
      proxyAddresses: [`SMTP:${invitation.email}`],
      userType: invitation.userType,
      creationType: 'Invitation',
      externalUserState: 'PendingAcceptance',
      externalUserStateChangeDateTime: now.toISOString(),
      forceChangePasswordNextSignIn: false,
    }, now);
    state.users.push(user);
    return user;
  }

  /**
   * What Microsoft mails the guest (invitation-email-elements): from invites@microsoft.com on behalf of the
   * organisation, the phishing warning, the organisation, the Accept button (the redeem link) and where it
   * leads. An app's invitation carries no custom message ("our APIs don't include custom messages in the
   * email invitation when … an appservice principal sends the invitation", external-id/troubleshoot).
   */
  private sendInvitationMail(state: DirectoryState, invitation: InvitationRequest, redeemUrl: string, now: Date): void {
    const organization = state.organization.displayName;
    const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const warning = 'Please only act on this email if you trust the individual and organization represented below. In rare cases, individuals may receive fraudulent invitations from bad actors posing as legitimate companies. If you were not expecting this invitation, proceed with caution.';
    const cc = invitation.messageInfo.ccRecipients.flatMap((recipient) => recipient.emailAddress.address ? [{ address: recipient.emailAddress.address }] : []);
    addToOutbox(state, 'invites@microsoft.com', {
      subject: `${organization} invited you to access applications within their organization`,
      body: {
        contentType: 'HTML',
        content: `<p>${escape(warning)}</p><p>Organization: ${escape(organization)}<br>Domain: ${escape(state.domains.find((domain) => domain.isDefault)?.id ?? '')}</p>`
          + `<p><a href="${escape(redeemUrl)}">Accept invitation</a></p><p>After you accept, you'll be taken to ${escape(invitation.redirectUrl)}</p>`
          + '<p>Microsoft Invitations on behalf of ' + escape(organization) + '</p>',
      },
      textBody: `${warning}\n\nOrganization: ${organization}\nAccept invitation: ${redeemUrl}\nAfter you accept, you'll be taken to ${invitation.redirectUrl}`,
      toRecipients: [{ address: invitation.email, ...(invitation.displayName ? { name: invitation.displayName } : {}) }],
      ccRecipients: cc,
      bccRecipients: [],
    }, false, now);
  }

  // ------------------------------------------------------------ sponsors

  /** /users/{id}/sponsors… (user-list-sponsors, user-post-sponsors, user-delete-sponsors). */
  resolveSponsors(method: string, key: string, tail: string[], request: GraphRequest): GraphOperation {
    if (tail.length === 0) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.ctx.operation('listSponsors', USER_READ, 1, false, (now) => {
        const state = this.ctx.state();
        const user = this.ctx.findUser(key, now, true);
        const value = user.sponsors.flatMap((id) => {
          const sponsor = state.users.find((candidate) => candidate.id === id && candidate.deletedDateTime === null);
          if (sponsor) return [{ '@odata.type': '#microsoft.graph.user', ...this.ctx.userView(sponsor) }];
          const group = state.groups.find((candidate) => candidate.id === id);
          return group ? [{ '@odata.type': '#microsoft.graph.group', ...groupView(group, undefined, null) }] : [];
        });
        return json(200, { '@odata.context': this.ctx.context('directoryObjects'), value });
      });
    }
    if (tail.length === 1 && tail[0] === '$ref') {
      if (method !== 'POST') throw methodNotAllowed();
      return this.ctx.operation('addSponsor', SPONSOR_WRITE, 1, true, (now) => {
        const state = this.ctx.state();
        const user = this.ctx.findUser(key, now, false);
        const sponsorId = referencedObjectId(request.body);
        if (!state.users.some((candidate) => candidate.id === sponsorId && candidate.deletedDateTime === null) && !state.groups.some((group) => group.id === sponsorId)) throw notFound(sponsorId);
        if (user.sponsors.includes(sponsorId)) throw new GraphError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'sponsors'.");
        // b2b-sponsors: "You can add up to five sponsors" (our message).
        if (user.sponsors.length >= MAX_SPONSORS) throw new GraphError(400, 'Request_BadRequest', `A user can have at most ${MAX_SPONSORS} sponsors.`);
        user.sponsors.push(sponsorId);
        this.ctx.save();
        return noContent();
      });
    }
    if (tail.length === 2 && tail[1] === '$ref' && tail[0]) {
      if (method !== 'DELETE') throw methodNotAllowed();
      const sponsorId = tail[0].toLowerCase();
      return this.ctx.operation('removeSponsor', SPONSOR_WRITE, 1, true, (now) => {
        const user = this.ctx.findUser(key, now, false);
        if (!user.sponsors.includes(sponsorId)) throw new GraphError(400, 'Request_BadRequest', "One or more removed object references do not exist for the following modified properties: 'sponsors'.");
        user.sponsors = user.sponsors.filter((id) => id !== sponsorId);
        this.ctx.save();
        return noContent();
      });
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${['sponsors', ...tail].join('/')}'.`);
  }
}

/** Users holding the address as mail, user name, other mail or proxy address (case-insensitive). */
function usersWithAddress(state: DirectoryState, email: string): DirectoryUser[] {
  const lower = email.toLowerCase();
  return state.users.filter((user) => user.deletedDateTime === null && (
    user.mail?.toLowerCase() === lower || user.userPrincipalName.toLowerCase() === lower
    || user.otherMails.some((address) => address.toLowerCase() === lower)
    || user.proxyAddresses.some((address) => address.replace(/^smtp:/i, '').toLowerCase() === lower)));
}

/** allow-deny-list: "By default, whatever domains aren't in the allowlist are on the blocklist, and vice versa." */
function domainBlocked(state: DirectoryState, domain: string): boolean {
  const restriction = state.externalCollaboration.domainRestriction;
  if (!restriction) return false;
  const listed = restriction.domains.some((entry) => entry.toLowerCase() === domain);
  return restriction.kind === 'block' ? listed : !listed;
}

/** The redeem link in the shape Entra's has (invitation-post example): the ticket is its secret part. */
function inviteRedeemUrl(tenantId: string, invitationId: string, ticket: string): string {
  const inner = `https://invitations.microsoft.com/redeem/?tenant=${tenantId}&user=${invitationId}&ticket=${encodeURIComponent(ticket)}&ver=2.0`;
  return `https://login.microsoftonline.com/redeem?rd=${encodeURIComponent(inner)}`;
}

function readInvitation(body: unknown): InvitationRequest {
  const bad = (message: string) => new GraphError(400, 'BadRequest', message);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  const fields = body as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!name.startsWith('@odata.') && !INVITATION_PROPERTIES.has(name)) {
      throw bad(`The property '${name}' does not exist on type 'microsoft.graph.invitation'. Make sure to only use property names that are defined by the type.`);
    }
  }
  const email = fields['invitedUserEmailAddress'];
  if (typeof email !== 'string' || email.trim() === '') throw bad("A value is required for property 'invitedUserEmailAddress' of resource 'Invitation'.");
  if (!EMAIL.test(email.trim())) throw bad(`The email address '${email}' is not valid.`);
  const redirect = fields['inviteRedirectUrl'];
  if (typeof redirect !== 'string' || redirect.trim() === '') throw bad("A value is required for property 'inviteRedirectUrl' of resource 'Invitation'.");
  let redirectUrl: URL;
  try {
    redirectUrl = new URL(redirect);
  } catch {
    throw bad(`The inviteRedirectUrl '${redirect}' is not a valid absolute URL.`);
  }
  if (!['https:', 'http:'].includes(redirectUrl.protocol)) throw bad(`The inviteRedirectUrl '${redirect}' is not a valid absolute URL.`);
  if (fields['resetRedemption'] === true) throw bad('resetRedemption is not played by this local tenant.');
  const displayName = fields['invitedUserDisplayName'] ?? null;
  if (displayName !== null && typeof displayName !== 'string') throw bad("Cannot convert the literal to the expected type 'Edm.String' (invitedUserDisplayName).");
  const send = fields['sendInvitationMessage'] ?? false;
  if (typeof send !== 'boolean') throw bad("Cannot convert the literal to the expected type 'Edm.Boolean' (sendInvitationMessage).");
  const userType = fields['invitedUserType'] ?? 'Guest';
  if (userType !== 'Guest' && userType !== 'Member') throw bad(`The invitedUserType '${String(userType)}' is not valid: Guest or Member.`);
  const info = (fields['invitedUserMessageInfo'] ?? {}) as Record<string, unknown>;
  const cc = Array.isArray(info['ccRecipients']) ? info['ccRecipients'] as Array<{ emailAddress?: { name?: unknown; address?: unknown } }> : [];
  // invitedUserMessageInfo: "Currently only 1 additional recipient is supported."
  if (cc.length > 1) throw bad('Only one ccRecipient is supported.');
  const sponsors = Array.isArray(fields['invitedUserSponsors']) ? fields['invitedUserSponsors'] as Array<{ id?: unknown }> : [];
  return {
    email: email.trim(),
    redirectUrl: redirect,
    displayName,
    sendInvitationMessage: send,
    messageInfo: {
      customizedMessageBody: typeof info['customizedMessageBody'] === 'string' ? info['customizedMessageBody'] : null,
      messageLanguage: typeof info['messageLanguage'] === 'string' ? info['messageLanguage'] : null,
      ccRecipients: cc.length > 0
        ? cc.map((recipient) => ({ emailAddress: { name: typeof recipient.emailAddress?.name === 'string' ? recipient.emailAddress.name : null, address: typeof recipient.emailAddress?.address === 'string' ? recipient.emailAddress.address : null } }))
        : [{ emailAddress: { name: null, address: null } }],
    },
    userType,
    sponsorIds: sponsors.map((sponsor) => {
      if (typeof sponsor.id !== 'string') throw bad('Each invitedUserSponsors entry needs the id of a user or group.');
      return sponsor.id.toLowerCase();
    }),
  };
}

/** How an invited user redeemed (user-properties: the identity providers B2B knows). */
export const IDENTITY_PROVIDERS = ['ExternalAzureAD', 'MicrosoftAccount', 'google.com', 'facebook.com', 'mail'];

/**
 * The guest opens the redeem link and accepts (Entra's interactive redemption, played locally): by the link —
 * which must be the newest for that guest — or by the user. externalUserState becomes Accepted with the time;
 * a domain blocked since the invitation refuses ("the user's attempt to redeem the invitation fails").
 */
export function redeemInvitation(state: DirectoryState, request: { inviteRedeemUrl?: unknown; user?: unknown; identityProvider?: unknown }, now: Date):
  { ok: true; user: DirectoryUser } | { ok: false; status: number; message: string } {
  const provider = request.identityProvider ?? 'ExternalAzureAD';
  if (typeof provider !== 'string' || !IDENTITY_PROVIDERS.includes(provider)) return { ok: false, status: 400, message: `identityProvider must be one of ${IDENTITY_PROVIDERS.join(', ')}.` };
  let invitation: StoredInvitation | undefined;
  if (typeof request.inviteRedeemUrl === 'string') {
    const link = readRedeemUrl(request.inviteRedeemUrl);
    invitation = link ? state.invitations.find((candidate) => candidate.id === link.invitationId) : undefined;
    if (!link || !invitation || !secretMatches(link.ticket, invitation.ticket)) return { ok: false, status: 400, message: 'This is not an invitation link of this tenant.' };
    if (invitation.replaced) return { ok: false, status: 400, message: 'This invitation link is no longer valid: a newer invitation for the same person replaced it.' };
  } else if (typeof request.user === 'string') {
    const key = request.user.toLowerCase();
    const user = state.users.find((candidate) => candidate.creationType === 'Invitation' && candidate.deletedDateTime === null
      && (candidate.id === key || candidate.userPrincipalName.toLowerCase() === key || candidate.mail?.toLowerCase() === key));
    invitation = user ? state.invitations.find((candidate) => candidate.userId === user.id && !candidate.replaced) : undefined;
    if (!invitation) return { ok: false, status: 404, message: `No invited user '${request.user}' in this tenant.` };
  } else {
    return { ok: false, status: 400, message: 'Send {"inviteRedeemUrl": "…"} or {"user": "<id, user name or email>"}.' };
  }
  const found = invitation;
  const user = state.users.find((candidate) => candidate.id === found.userId && candidate.deletedDateTime === null);
  if (!user) return { ok: false, status: 404, message: 'The invited user no longer exists.' };
  const domain = (found.invitedUserEmailAddress.split('@')[1] ?? '').toLowerCase();
  if (domainBlocked(state, domain)) return { ok: false, status: 403, message: DOMAIN_BLOCKED };
  if (user.externalUserState !== 'Accepted') {
    user.externalUserState = 'Accepted';
    user.externalUserStateChangeDateTime = now.toISOString();
    user.externalIdentityProvider = provider;
  }
  found.redeemedDateTime ??= now.toISOString();
  return { ok: true, user };
}

function readRedeemUrl(url: string): { invitationId: string; ticket: string } | undefined {
  try {
    const outer = new URL(url);
    const inner = new URL(outer.searchParams.get('rd') ?? '');
    const invitationId = inner.searchParams.get('user');
    const ticket = inner.searchParams.get('ticket');
    return invitationId && ticket ? { invitationId, ticket } : undefined;
  } catch {
    return undefined;
  }
}
