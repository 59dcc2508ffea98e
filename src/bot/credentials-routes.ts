/**
 * Revealing and reissuing credentials in Teams. A revealed secret exists only in the
 * invoke response to the recipient's own click: never posted, never written over the card
 * with updateActivity, never returned through teams-ai's card path (which switches a verb to
 * "replace the card for everyone" once a handler returns a refreshing card).
 */
import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { say, type RequestDesk, type RevealAnswer, type StillAnswering } from '../onboarding/index.js';
import { revealedCard, statusCard } from './cards/credentials-cards.js';
import { datesFor } from './cards/dates.js';
import type { AdaptiveCardJson } from './cards/render.js';
import type { AddressBook } from './address-book.js';
import { cardTurnOf, type CardAnswer, type CardBudget, type CardTurn } from './card-budget.js';
import { channelOf, isPersonalChat, personOf } from './onboarding-routes.js';

export interface CredentialsConversationOptions {
  desk: RequestDesk;
  logger: Logger;
  addresses: AddressBook;
  budget: CardBudget;
}

type CardData = Record<string, unknown>;

export const CREDENTIALS_COMMANDS = [
  { command: 'reissue', description: 'Admins, in your 1:1 chat with me or the IT ticket channel: new credentials for an account this bot created (reissue adele.vance@contoso.com).' },
] as const;

export function addCredentialsConversation(app: Application<TurnState>, options: CredentialsConversationOptions): void {
  const { desk, logger, budget } = options;

  /** Answers the click with a card for the clicker only: the invoke response, nothing else. */
  const answerPrivately = async (context: TurnContext, card: CardAnswer): Promise<string> => {
    const body = typeof card === 'string'
      ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: card }
      : { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    return '';
  };

  /** What the clicker sees; a secret only ever in this answer. */
  const revealView = (turn: CardTurn, answer: RevealAnswer): AdaptiveCardJson | string => {
    switch (answer.kind) {
      case 'refused':
        // The desk recorded the refusal (audit trail, and one warn line).
        return answer.sentence;
      case 'state':
        return statusCard(answer.reveal, turn.activity.from.id, datesFor(turn));
      case 'shown':
        // It hides itself when Teams shows it again (a refresh for the clicker only), and shows only where things stand.
        return revealedCard(answer.reveal, answer, datesFor(turn), turn.activity.from.id);
    }
  };

  /**
   * A reveal, hide or refresh within the card budget. Too slow, and nothing is shown: the click is
   * answered with a sentence to press again, and the reveal records nothing (no revealedAt, no
   * deletion clock, no audit event) — a secret exists only in the answer to the recipient's own
   * click, never in a message or a replaced card.
   */
  const onRevealCard = (verbs: string | string[], work: (turn: CardTurn, data: CardData, stillAnswering: StillAnswering) => Promise<RevealAnswer>) =>
    app.adaptiveCards.actionExecute<CardData>(verbs, async (context, _state, data) => {
      const turn = cardTurnOf(context);
      const view = (stillAnswering: StillAnswering) => work(turn, data, stillAnswering).then((answer) => revealView(turn, answer));
      return answerPrivately(context, await budget.answerOnlyInTime(turn, view, () => say.CARD_TOO_SLOW_PRESS_AGAIN()));
    });

  /** The generation a card was made for (cards from before a reissue open nothing). */
  const generationOf = (data: CardData): number | undefined => {
    const generation = Number(data.generation);
    return Number.isInteger(generation) && generation > 0 ? generation : undefined;
  };
  onRevealCard('credentials.reveal', (turn, data, stillAnswering) => desk.revealCredentials(personOf(turn), data.requestId, generationOf(data), stillAnswering));
  onRevealCard(['credentials.hide', 'credentials.status'], (turn, data) => desk.revealStatus(personOf(turn), data.requestId, generationOf(data)));

  const reissue = async (input: { turn: CardTurn | TurnContext; requestId?: string; userPrincipalName?: string; fromGeneration?: number }): Promise<string> => {
    const actor = personOf(input.turn);
    if (!actor) return say.UNKNOWN_PERSON();
    const answer = await desk.reissueCredentials({
      actor, requestId: input.requestId, userPrincipalName: input.userPrincipalName, fromGeneration: input.fromGeneration,
    });
    if (answer.kind === 'refused') return answer.sentence;
    void answer.work.catch((error: unknown) => logger.error({ err: error, requestId: input.requestId }, 'could not finish a reissue'));
    return answer.sentence;
  };

  /** Where a reissue may be asked and answered: the 1:1 chat, or the IT ticket channel, which reads the same in its tickets. */
  const mayReissueHere = async (context: TurnContext): Promise<boolean> => {
    if (isPersonalChat(context)) return true;
    const channel = channelOf(context);
    return channel !== undefined && (await options.addresses.ticketChannel())?.reference.conversation?.id === channel;
  };

  app.message(/^\s*reissue\b/i, async (context) => {
    if (!(await mayReissueHere(context))) return void (await context.sendActivity(say.REISSUE_IN_PERSONAL_CHAT_ONLY()));
    const upn = (context.activity.text ?? '').trim().split(/\s+/)[1];
    if (!upn || !upn.includes('@') || upn.length > 113) return void (await context.sendActivity(say.REISSUE_USAGE()));
    await context.sendActivity(await reissue({ turn: context, userPrincipalName: upn.toLowerCase() }));
  });
  app.adaptiveCards.actionExecute<CardData>('credentials.reissue', async (context, _state, data) => {
    const turn = cardTurnOf(context);
    const generation = generationOf(data);
    const work = reissue({ turn, requestId: typeof data.requestId === 'string' ? data.requestId : '', ...(generation ? { fromGeneration: generation } : {}) });
    return String(await budget.answer(turn, work, () => say.CARD_WORKING_ON_IT_SAID(), 'sentence-only'));
  });
}
