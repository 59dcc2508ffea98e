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
import { DirectoryError } from '../onboarding/index.js';

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

  app.conversationUpdate('membersAdded', async (context, state) => {
    const botId = context.activity.recipient?.id;
    const added = (context.activity.membersAdded ?? []).some((member) => member.id === botId);
    // Teams may say "added" again (a reinstall; the Playground on every visit): welcome once per conversation.
    const conversation = state.conversation as { welcomedAt?: string };
    if (!added || conversation.welcomedAt) return;
    conversation.welcomedAt = new Date().toISOString();
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, true))));
  });

  // Before the onboarding routes: their catch-all reads any other sentence as a possible request.
  addAuditConversation(app, options.audit);
  addOnboardingConversation(app, options.onboarding);

  app.error(async (context: TurnContext, error: Error) => {
    const correlationId = context.activity.id ?? 'unknown';
    if (error instanceof DirectoryError && error.code !== 'UNEXPECTED') {
      // Known directory trouble gets its own sentence: what happened and who can fix it.
      options.logger[error.code === 'PERMISSION_MISSING' ? 'error' : 'warn']({
        err: error, correlationId, code: error.code, permission: error.permission, graphRequestId: error.graphRequestId,
      }, 'the directory refused or failed a read in a turn');
      await context.sendActivity(MessageFactory.text(directoryTroubleSentence(error, correlationId)));
      return;
    }
    options.logger.error({ err: error, correlationId, activityType: context.activity.type }, 'unexpected error in a turn');
    await context.sendActivity(
      MessageFactory.text(`Something went wrong on my side and nothing was changed. Please try again; if it keeps happening, give IT this reference: ${correlationId}.`),
    );
  });

  return app;
}

function directoryTroubleSentence(error: DirectoryError, reference: string): string {
  switch (error.code) {
    case 'PERMISSION_MISSING':
      return error.permission
        ? `I could not do that: the bot is missing the Microsoft Graph permission ${error.permission} in Entra ID. Nothing was changed. Tell IT (reference ${reference}); an Entra admin grants it to the bot's app registration.`
        : `I could not do that: the bot could not sign in to Entra ID. Nothing was changed. Tell IT (reference ${reference}); its app registration's secret or certificate needs checking.`;
    case 'THROTTLED':
      return `Entra ID is busy and asked me to slow down, so nothing was changed. Try again ${error.retryAfterSeconds ? `in ${error.retryAfterSeconds} seconds` : 'in a minute'}.`;
    default:
      return `I could not reach Entra ID just now, so nothing was changed. Try again in a minute; if it keeps happening, tell IT (reference ${reference}).`;
  }
}
