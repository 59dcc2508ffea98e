/** The cards of a guest invitation as the requester and IT read them: no password anywhere, what it means in plain words. */
import { describe, expect, it } from 'vitest';
import { onboardingFormCard, onboardingResultCard, onboardingReviewCard, ticketCard } from '../../../src/bot/cards/onboarding-cards.js';
import { revealedCard, statusCard } from '../../../src/bot/cards/credentials-cards.js';
import { Secret, type OnboardingOutcome, type Ticket } from '../../../src/onboarding/index.js';
import { textOf, type Card } from '../../support/cards.js';

const invited: OnboardingOutcome = {
  requestId: 'g1', correlationId: 'corr-1', status: 'done', pending: false, objectId: 'guest-id',
  userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com', displayName: 'Jane Doe', fieldProblems: [], alternatives: [], warnings: [],
  guest: { email: 'jane.doe@tailspin.example', invitation: 'email', userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com', state: 'PendingAcceptance' },
};

describe('the form', () => {
  it('when it opens, then it offers Member and Guest in words, the work email for a guest and an end date', () => {
    const card = onboardingFormCard({ draftId: 'd', form: { accountKind: 'member' }, domains: ['contoso.com'] }) as Card;
    const text = textOf(card);
    expect(text).toContain("Guest — they sign in with their own organisation's account");
    expect(text).toContain('Member — a new account here, with a temporary password');
    expect(JSON.stringify(card)).toMatch(/"id":"guestEmail"/);
    expect(JSON.stringify(card)).toMatch(/"id":"endDate"/);
  });
});

describe('the review card (learn.microsoft.com/entra/external-id/redemption-experience)', () => {
  it('when the request is a guest, then the card says what it means — no password, an invitation, their own sign-in and MFA — and the button invites', () => {
    const card = onboardingReviewCard({
      draftId: 'd', userPrincipalName: 'jane.doe@tailspin.example', displayName: 'Jane Doe',
      form: { companyName: 'Tailspin Toys', endDate: '2026-03-31', ticketReference: 'INC-5100' }, guest: { email: 'jane.doe@tailspin.example', invitation: 'email' },
    }) as Card;
    const text = textOf(card);
    expect(text).toContain('Check the guest invitation');
    expect(text).toContain("No password: Jane Doe signs in with their own organisation's account, and its multi-factor authentication, once they accept an invitation sent to jane.doe@tailspin.example.");
    expect(text).toContain('Microsoft emails the invitation to jane.doe@tailspin.example');
    expect(text).toContain('March 31, 2026');
    expect(text).not.toMatch(/temporary password|Password to/i);
    expect(card.actions?.find((a) => a.verb === 'onboarding.create')?.title).toBe('Invite guest');
  });

  it('when the link is handed over, then the card names who alone receives it', () => {
    const text = textOf(onboardingReviewCard({
      draftId: 'd', userPrincipalName: 'jane.doe@tailspin.example', displayName: 'Jane Doe', form: {}, guest: { email: 'jane.doe@tailspin.example', invitation: 'reveal' },
      recipient: { id: 'm', name: 'Megan Bowen', role: 'manager' },
    }) as Card);
    expect(text).toContain('its link goes only to Megan Bowen (the manager), on a private reveal card from me');
  });
});

describe('the result and the ticket', () => {
  it('when a guest was invited, then the result names their user name and the invitation, never a password', () => {
    const text = textOf(onboardingResultCard(invited) as Card);
    expect(text.split('\n')[0]).toBe('Guest invited: Jane Doe');
    expect(text).toContain('their user name here is jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com');
    expect(text).toContain('Microsoft emails the invitation to jane.doe@tailspin.example');
    expect(text).not.toMatch(/Reveal|temporary password/);
  });

  it('when an invitation was refused, then the card says nobody was invited and why, in one sentence', () => {
    const text = textOf(onboardingResultCard({
      ...invited, status: 'failed', objectId: undefined,
      problem: { code: 'GUEST_DOMAIN_BLOCKED', message: 'Nobody was invited: blocked.', help: '', retryable: false, correlationId: 'corr-1' },
    }) as Card);
    expect(text.split('\n').slice(0, 2)).toEqual(['Nobody invited for Jane Doe', 'Nobody was invited: blocked.']);
  });

  it('when IT reads the ticket, then it shows the guest’s user name, the invitation, the sponsor and the end date, and offers no reissue', () => {
    const ticket: Ticket = {
      requestId: 'g1', ticketReference: 'INC-5100', userPrincipalName: invited.userPrincipalName!, displayName: 'Jane Doe',
      requester: { id: 'r', name: 'Megan Bowen' }, objectId: 'guest-id', status: 'done', at: '2026-01-05T10:00:00Z', notes: [],
      guest: { email: 'jane.doe@tailspin.example', invitation: 'not accepted yet; Microsoft emailed the invitation to jane.doe@tailspin.example', sponsor: 'Megan Bowen' },
      endDate: '2026-03-31',
    };
    const card = ticketCard(ticket) as Card;
    const text = textOf(card);
    expect(text.split('\n')[0]).toBe('Guest invited: Jane Doe');
    for (const fact of ['jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com', 'not accepted yet; Microsoft emailed the invitation', 'Megan Bowen', 'March 31, 2026', 'Guest (Entra B2B)']) {
      expect(text).toContain(fact);
    }
    expect(card.actions?.map((a) => a.verb)).not.toContain('credentials.reissue');
  });
});

describe('the invitation link on a reveal card', () => {
  const reveal = { requestId: 'g1', displayName: 'Jane Doe', ticketReference: 'INC-5100', generation: 1, contents: 'invitation-link' as const };

  it('when the card waits, then it holds no link and says what it is; revealed, it shows the link to the clicker only', () => {
    const waiting = statusCard({ ...reveal, state: 'waiting', expiresAt: '2026-01-06T10:00:00Z' }) as Card;
    expect(textOf(waiting)).toContain('I have an invitation link for Jane Doe');
    expect(textOf(waiting)).toContain('IT can resend the invitation in the Entra admin center');
    const link = 'https://login.microsoftonline.com/redeem?rd=ticket-1';
    expect(JSON.stringify(waiting)).not.toContain('redeem');
    const shown = revealedCard({ ...reveal, state: 'revealed', visibleUntil: '2026-01-05T10:10:00Z' }, { invitationLink: new Secret(link) }) as Card;
    expect(textOf(shown)).toContain(link);
    expect(textOf(shown)).toContain('Treat it like a password until they have accepted');
    expect(textOf(shown)).not.toMatch(/Temporary password/);
  });
});
