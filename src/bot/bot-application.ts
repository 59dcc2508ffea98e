/**
 * The Teams edge: a teams-ai Application whose routes translate activities into calls of
 * the request desk and results into cards. Thin by design: every turn is refused unless it
 * comes from our tenant, and every failure a person meets gets one plain sentence.
 */
import { CardFactory, MessageFactory, type Storage, type TurnContext } from 'botbuilder';
import { Application, TurnState, type TeamsAdapter } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { DirectoryError, say, type BulkDesk, type RequestDesk } from '../onboarding/index.js';
import type { AddressBook } from './address-book.js';
import { addAuditConversation } from './audit-routes.js';
import { helpCard, type BotCommand } from './cards/help-card.js';
import { DraftStore } from './drafts.js';
import { tenantOf } from './inbound-activity.js';
import { addCredentialsConversation, CREDENTIALS_COMMANDS } from './credentials-routes.js';
import { addBulkConversation, type BulkConversationOptions } from './bulk-routes.js';
import { addOnboardingConversation, ONBOARDING_COMMANDS, type MessageUpdater } from './onboarding-routes.js';

export interface BotApplicationOptions {
  adapter: TeamsAdapter;
  /** The bot's own state: conversation state, drafts (Azure Blob in production). */
  storage: Storage;
  botAppId: string;
  /** Activities from any other tenant are refused without a side effect. */
  tenantId: string;
  logger: Logger;
  desk: RequestDesk;
  addresses: AddressBook;
  messages: MessageUpdater;
  /** How long the Create click waits before answering "working on it". */
  createAnswerWithinMs?: number | undefined;
  /** Bulk onboarding (a sheet sent by an admin); absent: sheets are read like any other message. */
  bulkDesk?: BulkDesk | undefined;
  /** Downloads an attached sheet (tests); production fetches the Teams download URL over https. */
  bulkDownload?: BulkConversationOptions['download'];
}

/** The commands the bot answers; the help card lists exactly these. */
export const COMMANDS: readonly BotCommand[] = [
  { command: 'help', description: 'Shows this card.' },
  ...ONBOARDING_COMMANDS,
  ...CREDENTIALS_COMMANDS,
  { command: 'audit', description: 'Admins: the audit trail of a user name, a requester or dates (add "csv" to export).' },
];

/** Turn state scopes under this prefix live for one turn only: never read from or written to storage. */
const NOT_KEPT = 'not-kept/';

/**
 * The bot keeps one thing in turn state: whether a conversation was welcomed. Only a
 * conversation update reads it (and writes it when it changed); on every other turn the
 * conversation and user scopes are empty and not kept, so they cost storage nothing
 * (teams-ai would read both on each turn; it reads the user scope for its sign-in flow, unused here).
 */
class WelcomeOnlyTurnState extends TurnState {
  protected override async onComputeStorageKeys(context: TurnContext): Promise<Record<string, string>> {
    const keys = await super.onComputeStorageKeys(context);
    const welcomes = context.activity.type === 'conversationUpdate' && keys['conversation'];
    return { conversation: welcomes ? keys['conversation']! : `${NOT_KEPT}conversation`, user: `${NOT_KEPT}user` };
  }
}

/** The bot's storage as turn state sees it: scopes that are not kept are neither read nor written. */
function keptScopesOnly(storage: Storage): Storage {
  const kept = (key: string) => !key.startsWith(NOT_KEPT);
  return {
    read: async (keys) => (keys.some(kept) ? storage.read(keys.filter(kept)) : {}),
    write: async (changes) => {
      const entries = Object.entries(changes).filter(([key]) => kept(key));
      if (entries.length > 0) await storage.write(Object.fromEntries(entries));
    },
    delete: async (keys) => {
      if (keys.some(kept)) await storage.delete(keys.filter(kept));
    },
  };
}

export function createBotApplication(options: BotApplicationOptions): Application<TurnState> {
  const { logger } = options;
  const app = new Application<TurnState>({
    adapter: options.adapter,
    storage: keptScopesOnly(options.storage),
    turnStateFactory: () => new WelcomeOnlyTurnState(),
    botAppId: options.botAppId,
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  // Every turn: refuse other tenants (no side effect at all), then learn how to reach the
  // sender privately later (their 1:1 chat), which the password delivery relies on.
  app.turn('beforeTurn', async (context) => {
    const tenant = tenantOf(context.activity);
    if (tenant?.toLowerCase() !== options.tenantId.toLowerCase()) {
      const from = context.activity.from;
      // Recorded (and so logged once); nothing is sent back to the other tenant, even if recording fails.
      await options.desk.recordRefusal({
        reason: 'FOREIGN_TENANT', action: context.activity.type ?? 'activity', detail: `tenant ${tenant ?? '(none)'}`,
        person: from?.aadObjectId ? { id: from.aadObjectId, name: from.name ?? '' } : undefined,
      }).catch((error: unknown) => logger.warn({ err: error, tenant: tenant ?? null }, 'refused an activity from another tenant (could not record the refusal)'));
      return false;
    }
    await options.addresses.rememberSender(context.activity, options.tenantId);
    return true;
  });

  const sendHelp = (context: TurnContext) => context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(helpCard(COMMANDS, true))));
  app.message(/^\s*(help|\?|hi|hello)\s*$/i, async (context) => void (await sendHelp(context)));
  app.conversationUpdate('membersAdded', async (context, state) => {
    const botId = context.activity.recipient?.id;
    const added = (context.activity.membersAdded ?? []).some((member) => member.id === botId);
    // Teams may say "added" again (a reinstall; the Playground on every visit): welcome once per conversation.
    const conversation = state.conversation as { welcomedAt?: string };
    if (!added || conversation.welcomedAt) return;
    conversation.welcomedAt = new Date().toISOString();
    await sendHelp(context);
  });

  // Before the onboarding routes: their catch-all reads any other sentence as a possible request.
  addAuditConversation(app, { desk: options.desk, logger });
  addCredentialsConversation(app, { desk: options.desk, logger });
  if (options.bulkDesk) addBulkConversation(app, { desk: options.bulkDesk, logger, ...(options.bulkDownload ? { download: options.bulkDownload } : {}) });
  addOnboardingConversation(app, {
    desk: options.desk,
    addresses: options.addresses,
    drafts: new DraftStore(options.storage),
    messages: options.messages,
    logger,
    ...(options.createAnswerWithinMs !== undefined ? { createAnswerWithinMs: options.createAnswerWithinMs } : {}),
  });

  app.error(async (context: TurnContext, error: Error) => {
    const reference = context.activity.id ?? 'unknown';
    if (error instanceof DirectoryError && error.code !== 'UNEXPECTED') {
      // Known directory trouble gets its own sentence: what happened and who can fix it.
      logger[error.code === 'PERMISSION_MISSING' ? 'error' : 'warn']({
        err: error, correlationId: reference, code: error.code, permission: error.permission, graphRequestId: error.graphRequestId,
      }, 'the directory refused or failed a read in a turn');
      await context.sendActivity(MessageFactory.text(say.DIRECTORY_TROUBLE(error, reference)));
      return;
    }
    logger.error({ err: error, correlationId: reference, activityType: context.activity.type }, 'unexpected error in a turn');
    await context.sendActivity(MessageFactory.text(say.SOMETHING_WENT_WRONG(reference)));
  });

  return app;
}
