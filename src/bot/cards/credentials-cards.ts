/**
 * The cards of a credentials hand-over. The reveal card is the only one posted into the
 * chat, and it never holds a secret; the card with the secret exists only as the answer to
 * the recipient's Reveal click; the status card says where things stand ("revealed at …",
 * "deleted — ask IT to reissue").
 */
import type { CredentialContents, RevealNotice, RevealState, Secret } from '../../onboarding/index.js';
import { renderCard, type AdaptiveCardJson } from './render.js';
import { DEFAULT_DATE_STYLE, formatMoment, type DateStyle } from './dates.js';

const WHAT: Record<CredentialContents, string> = {
  password: 'a temporary password',
  'password-and-tap': 'a temporary password and a Temporary Access Pass',
  tap: 'a Temporary Access Pass',
  'invitation-link': 'an invitation link',
};

/** The card posted into the recipient's 1:1 chat; it refreshes itself for that person only. */
export function revealCard(notice: RevealNotice, recipientTeamsId: string, dates: DateStyle = DEFAULT_DATE_STYLE): AdaptiveCardJson {
  return withRefresh(statusCard({
    requestId: notice.requestId, displayName: notice.displayName, ticketReference: notice.ticketReference, generation: notice.generation,
    contents: notice.contents, state: 'waiting', expiresAt: notice.expiresAt,
  }, undefined, dates), notice.requestId, notice.generation, recipientTeamsId);
}

/** Where the reveal stands, never the secret: what the card shows on refresh, after Hide, and once it is gone. */
export function statusCard(reveal: RevealState, refreshFor?: string, dates: DateStyle = DEFAULT_DATE_STYLE): AdaptiveCardJson {
  const at = (iso: string | undefined) => formatMoment(iso ?? '', dates);
  const what = WHAT[reveal.contents];
  const reissued = reveal.generation > 1 ? ' (reissued)' : '';
  // A guest's invitation is never reissued by the bot; IT resends it in the Entra admin center.
  const again = reveal.contents === 'invitation-link' ? 'IT can resend the invitation in the Entra admin center' : 'IT has to reissue it';
  const byState = {
    waiting: {
      sentence: `I have ${what} for ${reveal.displayName}${reissued}. Press Reveal when you are ready to hand it over: it is shown only to you, in answer to your click, and never posted in this chat.`,
      hint: `Reveal before ${at(reveal.expiresAt)}; after that it is deleted and ${again}.`,
      canReveal: true,
    },
    revealed: {
      sentence: `You revealed ${what} for ${reveal.displayName} at ${at(reveal.revealedAt)}.`,
      hint: `You can show it again until ${at(reveal.visibleUntil)}; then it is deleted for good.`,
      canReveal: true,
    },
    replaced: {
      sentence: `These credentials for ${reveal.displayName} were replaced by a reissue and no longer work.`,
      hint: 'Use the newest card from me in this chat.',
      canReveal: false,
    },
    gone: {
      sentence: reveal.revealedAt
        ? `You revealed ${what} for ${reveal.displayName} at ${at(reveal.revealedAt)}; it has been deleted since.`
        : `The ${what.replace(/^an? /, '')} for ${reveal.displayName} expired unrevealed and was deleted.`,
      hint: reveal.contents === 'invitation-link' ? `If it is needed again, ${again}.` : 'If it is needed again, ask IT to reissue the credentials.',
      canReveal: false,
    },
  }[reveal.state];
  const card = renderCard('credentials-reveal', {
    title: `Credentials for ${reveal.displayName}`,
    ...byState,
    facts: [{ title: 'For', value: reveal.displayName }, { title: 'Ticket', value: reveal.ticketReference }],
    requestId: reveal.requestId,
    generation: reveal.generation,
  });
  return refreshFor && (reveal.state === 'waiting' || reveal.state === 'revealed') ? withRefresh(card, reveal.requestId, reveal.generation, refreshFor) : card;
}

/**
 * The answer to the recipient's Reveal click only: never posted, never an update of the message.
 * It refreshes itself for the person who clicked (`refreshFor`, their Teams user id): when Teams
 * shows it again — the chat reopened, another device — it asks where things stand, and the card
 * becomes the hidden one ("you can show it again until …") or, once its time is up, the deleted
 * one. The secret never comes back by a refresh, only by a click. Teams fetches a user-specific
 * card when it displays it, and not while the last one is under a minute old ("User Specific
 * Views", https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views):
 * a card left open on screen stays as it is until then.
 */
export function revealedCard(
  reveal: RevealState, secrets: { password?: Secret | undefined; temporaryAccessPass?: Secret | undefined; invitationLink?: Secret | undefined },
  dates: DateStyle = DEFAULT_DATE_STYLE,
  refreshFor?: string,
): AdaptiveCardJson {
  const at = (iso: string | undefined) => formatMoment(iso ?? '', dates);
  const tap = secrets.temporaryAccessPass;
  const link = secrets.invitationLink;
  const card = link ? renderCard('credentials-shown', {
    title: `Invitation for ${reveal.displayName}`,
    password: '', hasPassword: false, temporaryAccessPass: '', hasTemporaryAccessPass: false,
    invitationLink: link.reveal(), hasInvitationLink: true,
    instructions: `Send this link to ${reveal.displayName} yourself, to them only: with it they accept the invitation and sign in with their own organisation's account (there is no password). Treat it like a password until they have accepted.`,
    visibility: `Press Hide when done. You can show it again until ${at(reveal.visibleUntil)}; then it is deleted for good.`,
    requestId: reveal.requestId,
    generation: reveal.generation,
  }) : renderCard('credentials-shown', {
    invitationLink: '', hasInvitationLink: false,
    title: `Credentials for ${reveal.displayName}`,
    password: secrets.password?.reveal() ?? '',
    hasPassword: secrets.password !== undefined,
    temporaryAccessPass: tap?.reveal() ?? '',
    hasTemporaryAccessPass: tap !== undefined,
    instructions: [
      `Give ${tap && secrets.password ? 'them' : 'it'} to ${reveal.displayName} in person or by phone — not by email or in a group chat.`,
      secrets.password ? 'They must choose a new password when they first sign in.' : '',
      tap ? 'The Temporary Access Pass lets them sign in once and set up their sign-in methods (MFA).' : '',
    ].filter(Boolean).join(' '),
    visibility: `Press Hide when done. You can show it again until ${at(reveal.visibleUntil)}; then it is deleted for good.`,
    requestId: reveal.requestId,
    generation: reveal.generation,
  });
  return refreshFor ? withRefresh(card, reveal.requestId, reveal.generation, refreshFor) : card;
}

function withRefresh(card: AdaptiveCardJson, requestId: string, generation: number, userId: string): AdaptiveCardJson {
  return { ...card, refresh: { action: { type: 'Action.Execute', title: 'Refresh', verb: 'credentials.status', data: { requestId, generation } }, userIds: [userId] } };
}
