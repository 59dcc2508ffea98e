/**
 * The Teams edge: a teams-ai Application whose routes translate activities into calls of
 * the workflow and results into cards. Thin by design.
 */
import { CardFactory, MessageFactory, type Storage, type TurnContext } from 'botbuilder';
import { Application, TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { helpCard, type BotCommand } from './cards/help-card.js';

export interface BotApplicationOptions {
  adapter: TeamsAdapter;
  storage: Storage;
  botAppId: string;
  logger: Logger;
}

/** The commands the bot answers today; the help card lists exactly these. */
export const COMMANDS: readonly BotCommand[] = [
  { command: 'help', description: 'Shows this card.' },
];

export function createBotApplication(options: BotApplicationOptions): Application<TurnState> {
  const app = new Application<TurnState>({
    adapter: options.adapter,
    storage: options.storage,
    botAppId: options.botAppId,
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  app.message(/^\s*(help|\?|hi|hello)\s*$/i, async (context) => {
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, false))));
  });

  // Anything the bot does not understand gets a pointer to help rather than silence.
  app.activity('message', async (context) => {
    await context.sendActivity(MessageFactory.text('I did not understand that. Type **help** to see what I can do.'));
  });

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    const added = (context.activity.membersAdded ?? []).some((member) => member.id === botId);
    if (added) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, false))));
  });

  app.error(async (context: TurnContext, error: Error) => {
    const correlationId = context.activity.id ?? 'unknown';
    options.logger.error({ err: error, correlationId, activityType: context.activity.type }, 'unexpected error in a turn');
    await context.sendActivity(
      MessageFactory.text(`Something went wrong on my side and nothing was changed. Please try again; if it keeps happening, give IT this reference: ${correlationId}.`),
    );
  });

  return app;
}
