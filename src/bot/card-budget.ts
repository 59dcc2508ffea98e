/**
 * A time budget for card actions. Teams waits only so long for the answer to a card click or
 * refresh (an invoke): Microsoft documents five seconds for a message extension's action
 * ("Your app has five seconds to respond to the invoke",
 * https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit)
 * and no figure for adaptiveCard/action, whose card shows "Something went wrong" when no answer
 * comes. So every card action answers within a budget well inside that: with its result when it
 * is ready, or else with a short "working on it" — and the work goes on, its result replacing
 * the card (or, for a sentence, said in the conversation) when it is there.
 *
 * The turn ends with that first answer and its context is revoked, so work that may outlive it
 * reads the turn through a CardTurn (plain values taken at the start), never through the context.
 */
import { CardFactory, MessageFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';

/** Posts and replaces messages outside the turn that asked for them (proactively). */
export interface MessageUpdater {
  replaceMessage(reference: Partial<ConversationReference>, messageId: string, message: Partial<Activity>): Promise<void>;
  postMessage(reference: Partial<ConversationReference>, message: Partial<Activity>): Promise<void>;
}

/** What a card action needs of its turn, as plain values that stay valid after the turn. */
export interface CardTurn {
  /** The invoke itself (read only): who clicked, their locale, the card's data. */
  readonly activity: Partial<Activity> & Pick<Activity, 'from'>;
  /** The conversation, for updates and posts after the turn. */
  readonly reference: Partial<ConversationReference>;
  /** The message that holds the card (Teams' replyToId). */
  readonly cardMessageId: string | undefined;
  /** A refresh Teams sent by itself when the card was seen: it never posts. */
  readonly automatic: boolean;
}

export type CardAnswer = Record<string, unknown> | string;

export function cardTurnOf(context: TurnContext): CardTurn {
  const activity = context.activity;
  return {
    activity,
    reference: TurnContext.getConversationReference(activity),
    cardMessageId: activity.replyToId,
    automatic: (activity.value as { trigger?: unknown } | undefined)?.trigger === 'automatic',
  };
}

export interface CardBudgetOptions {
  readonly messages: MessageUpdater;
  readonly logger: Logger;
  /** How long a card action may take before it is answered "working on it" (default 4 s). */
  readonly answerWithinMs?: number | undefined;
}

export const DEFAULT_CARD_ANSWER_WITHIN_MS = 4_000;

/** What to do with a result that came after the answer. */
export type LateResult =
  /** Replace the card with a card result; say a sentence in the conversation (never from a refresh). */
  | 'replace-card'
  /** Say a sentence in the conversation (never from a refresh); a card is dropped (the workflow updates the card itself). */
  | 'sentence-only';

export interface CardBudget {
  /**
   * Answers with `work`'s result if it is ready within the budget; otherwise with `pending()` now,
   * and the result, when it comes, is handled as `late` says. A failure before the answer is the
   * turn's (answered as a card error); after it, it is logged.
   */
  answer(turn: CardTurn, work: Promise<CardAnswer>, pending: () => CardAnswer | Promise<CardAnswer>, late: LateResult): Promise<CardAnswer>;
  /**
   * For an answer that exists only as the answer to this click (a revealed secret: never posted,
   * never written over a card). `work` calls `stillAnswering()` once, before it records anything:
   * true, and the click is answered with its result however long the rest takes; false, and the
   * budget ran out first — the click is answered `tooLate()` and the work must change nothing.
   */
  answerOnlyInTime(turn: CardTurn, work: (stillAnswering: () => boolean) => Promise<CardAnswer>, tooLate: () => CardAnswer): Promise<CardAnswer>;
  /** Replaces the card's message (after any earlier replacement of it from this instance), outside the turn. */
  replaceCard(turn: CardTurn, card: Record<string, unknown>): Promise<void>;
  /** Posts a new message in the card's conversation, outside the turn (never for a refresh). */
  post(turn: CardTurn, message: Partial<Activity>): Promise<void>;
}

export function createCardBudget(options: CardBudgetOptions): CardBudget {
  const budgetMs = options.answerWithinMs ?? DEFAULT_CARD_ANSWER_WITHIN_MS;
  // Replacements of one card go out in the order they were asked for: a result never lands before "working on it".
  const replacing = new Map<string, Promise<void>>();

  const replaceCard = (turn: CardTurn, card: Record<string, unknown>): Promise<void> => {
    const messageId = turn.cardMessageId;
    if (!messageId) return Promise.resolve();
    const next = (replacing.get(messageId) ?? Promise.resolve())
      .then(() => options.messages.replaceMessage(turn.reference, messageId, MessageFactory.attachment(CardFactory.adaptiveCard(card)) as Partial<Activity>))
      .catch((error: unknown) => options.logger.warn({ err: error }, 'could not replace a card message'));
    replacing.set(messageId, next);
    void next.finally(() => {
      if (replacing.get(messageId) === next) replacing.delete(messageId);
    });
    return next;
  };

  const verbOf = (turn: CardTurn): string | null => {
    const verb = (turn.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
    return typeof verb === 'string' ? verb.slice(0, 60) : null;
  };

  const deliverLate = async (turn: CardTurn, result: CardAnswer, late: LateResult): Promise<void> => {
    if (typeof result !== 'string') return late === 'replace-card' ? replaceCard(turn, result) : undefined;
    if (turn.automatic) return;
    await options.messages.postMessage(turn.reference, MessageFactory.text(result));
  };

  return {
    replaceCard,
    post: (turn, message) => (turn.automatic ? Promise.resolve() : options.messages.postMessage(turn.reference, message)),
    async answer(turn, work, pending, late) {
      let timer: NodeJS.Timeout | undefined;
      const outOfTime = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budgetMs);
        timer.unref();
      });
      const first = await Promise.race([work.then((result) => ({ result })), outOfTime]).finally(() => clearTimeout(timer));
      if (first !== 'late') return first.result;
      const verb = verbOf(turn);
      options.logger.info({ verb, budgetMs }, 'a card action outlasted its budget: answered "working on it", finishing in the background');
      void work
        .then((result) => deliverLate(turn, result, late))
        .catch((error: unknown) => options.logger.error({ err: error, verb }, 'a card action failed after it was answered'));
      return pending();
    },
    async answerOnlyInTime(turn, work, tooLate) {
      // Open until the work is about to record (then it is answered with the result) or the budget runs out (then it is answered tooLate).
      let state: 'open' | 'answering' | 'too-late' = 'open';
      const stillAnswering = () => {
        if (state === 'open') state = 'answering';
        return state === 'answering';
      };
      const result = work(stillAnswering);
      let timer: NodeJS.Timeout | undefined;
      const outOfTime = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => {
          if (state !== 'open') return;
          state = 'too-late';
          resolve('late');
        }, budgetMs);
        timer.unref();
      });
      const first = await Promise.race([result.then((answer) => ({ answer })), outOfTime]).finally(() => clearTimeout(timer));
      if (first !== 'late') return first.answer;
      const verb = verbOf(turn);
      void result.then(
        () => options.logger.info({ verb, budgetMs }, 'a card action answered too late ("nothing was shown") ended without showing or recording anything'),
        (error: unknown) => options.logger.error({ err: error, verb }, 'a card action failed after it was answered'),
      );
      return tooLate();
    },
  };
}
