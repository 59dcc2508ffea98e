/** The credentials cards as people see them: what each shows, and that only the answer to Reveal holds a secret. */
import { describe, expect, it } from 'vitest';
import { Secret, type RevealState } from '../../../src/onboarding/index.js';
import { revealCard, revealedCard, statusCard } from '../../../src/bot/cards/credentials-cards.js';
import { temporaryPasswordCard } from '../../../src/bot/cards/onboarding-cards.js';
import { textOf, type Card } from '../../support/cards.js';

const state: RevealState = {
  requestId: 'r1', displayName: 'Adele Vance', ticketReference: 'INC-4711', generation: 1, contents: 'password-and-tap', state: 'revealed',
  revealedAt: '2026-12-01T10:42:00.000Z', visibleUntil: '2026-12-01T10:52:00.000Z', expiresAt: '2026-12-02T10:00:00.000Z',
};
const monospace = (card: object) => JSON.stringify(card).match(/"fontType":"Monospace"/g)?.length ?? 0;

describe('credentials cards', () => {
  it('when the reveal card is made, then it names the person and ticket, says until when, holds no secret, and refreshes for the recipient only', () => {
    const card = revealCard({ requestId: 'r1', displayName: 'Adele Vance', ticketReference: 'INC-4711', expiresAt: '2026-12-02T10:00:00.000Z', contents: 'password', generation: 1 }, '29:megan');
    expect(textOf(card as Card)).toMatch(/Credentials for Adele Vance[\s\S]*INC-4711[\s\S]*Reveal before December 2, 2026 at 10:00 AM UTC/);
    expect(monospace(card)).toBe(0);
    expect(card['refresh']).toEqual({ action: { type: 'Action.Execute', title: 'Refresh', verb: 'credentials.status', data: { requestId: 'r1', generation: 1 } }, userIds: ['29:megan'] });
  });

  it.each([
    ['password and pass', { password: new Secret('Pw-0123456789abc'), temporaryAccessPass: new Secret('TAP-xyz') }, ['Temporary password', 'Temporary Access Pass'], 2],
    ['the pass only', { temporaryAccessPass: new Secret('TAP-xyz') }, ['Temporary Access Pass'], 1],
    ['the password only', { password: new Secret('Pw-0123456789abc') }, ['Temporary password'], 1],
  ])('when %s are revealed, then the card shows exactly those and a Hide button', (_what, secrets, headings, runs) => {
    const card = revealedCard(state, secrets) as Card;
    const text = textOf(card);
    for (const heading of ['Temporary password', 'Temporary Access Pass']) expect(text.split('\n').includes(heading)).toBe(headings.includes(heading));
    expect(monospace(card)).toBe(runs);
    expect(card.actions?.map((a) => a.verb)).toEqual(['credentials.hide']);
  });

  it.each([
    ['waiting', /Press Reveal when you are ready/, true],
    ['revealed', /You revealed a temporary password and a Temporary Access Pass for Adele Vance at December 1, 2026 at 10:42 AM UTC[\s\S]*until December 1, 2026 at 10:52 AM UTC/, true],
    ['gone', /You revealed .* at December 1, 2026 at 10:42 AM UTC; it has been deleted since[\s\S]*ask IT to reissue/, false],
    ['replaced', /replaced by a reissue and no longer work/, false],
  ] as const)('when the reveal is %s, then the status card says so and offers Reveal only while there is something to reveal', (which, sentence, canReveal) => {
    const card = statusCard({ ...state, state: which }, '29:megan') as Card;
    expect(textOf(card)).toMatch(sentence);
    expect(card.actions?.some((a) => a.verb === 'credentials.reveal') ?? false).toBe(canReveal);
  });

  it('when the plain-message card has no pass, then it shows the password alone', () => {
    expect(monospace(temporaryPasswordCard({ displayName: 'Adele Vance', requestId: 'r1', password: 'Pw-0123456789abc' }))).toBe(1);
    expect(monospace(temporaryPasswordCard({ displayName: 'Adele Vance', requestId: 'r1', password: 'Pw-0123456789abc', temporaryAccessPass: 'TAP-xyz' }))).toBe(2);
  });
});
