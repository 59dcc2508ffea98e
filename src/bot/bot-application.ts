/**
 * The Teams edge: a teams-ai Application whose routes translate activities into calls of
 * the workflow and results into cards. Thin by design.
 */
import { CardFactory, MessageFactory, type Storage, type TurnContext } from 'botbuilder';
import { Application, TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { helpCard, type BotCommand } from './cards/help-card.js';
import { addOnboardingConversation, ONBOARDING_COMMANDS, type OnboardingConversationOptions } from './onboarding-routes.js';
import { tenantOf } from './inbound-activity.js';
import { addAuditConversation, type AuditConversationOptions } from './audit-routes.js';

export interface BotApplicationOptions {
  adapter: TeamsAdapter;
  storage: Storage;
  botAppId: string;
  logger: Logger;
  onboarding: OnboardingConversationOptions;
  audit: AuditConversationOptions;
}

/** The commands the bot answers; the help card lists exactly these. */
export const COMMANDS: readonly BotCommand[] = [
  { command: 'help', description: 'Shows this card.' },
  ...ONBOARDING_COMMANDS,
  { command: 'audit', description: 'Admins: the audit trail of a user name, a requester or dates (add "csv" to export).' },
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

  // Every turn: refuse other tenants (no side effect at all), then learn how to reach the
  // sender privately later (their 1:1 chat), which the password delivery relies on.
  app.turn('beforeTurn', async (context) => {
    const tenant = tenantOf(context.activity);
    if (tenant?.toLowerCase() !== options.onboarding.tenantId.toLowerCase()) {
      options.logger.warn({ activityId: context.activity.id, tenant: tenant ?? null }, 'refused an activity from another tenant');
      return false;
    }
    await options.onboarding.addresses.rememberSender(context.activity, options.onboarding.tenantId);
    return true;
  });

  app.message(/^\s*(help|\?|hi|hello)\s*$/i, async (context) => {
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, true))));
  });

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    const added = (context.activity.membersAdded ?? []).some((member) => member.id === botId);
    if (added) await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, true))));
  });

  // Before the onboarding routes: their catch-all reads any other sentence as a possible request.
  addAuditConversation(app, options.audit);
  addOnboardingConversation(app, options.onboarding);

  app.error(async (context: TurnContext, error: Error) => {
    const correlationId = context.activity.id ?? 'unknown';
    options.logger.error({ err: error, correlationId, activityType: context.activity.type }, 'unexpected error in a turn');
    await context.sendActivity(
      MessageFactory.text(`Something went wrong on my side and nothing was changed. Please try again; if it keeps happening, give IT this reference: ${correlationId}.`),
    );
  });

  return app;
}
