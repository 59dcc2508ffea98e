/**
 * The Teams edge: a teams-ai Application whose routes translate activities into calls of
 * the request desk and results into cards. Thin by design: every turn is refused unless it
 * comes from our tenant, and every failure a person meets gets one plain sentence.
 */
import { ActivityTypes, CardFactory, INVOKE_RESPONSE_KEY, MessageFactory, type Activity, type Storage, type TurnContext } from 'botbuilder';
import { Application, TurnState, type TeamsAdapter } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { DirectoryError, say, type BulkDesk, type RequestDesk, type TemplateDesk } from '../onboarding/index.js';
import type { AddressBook } from './address-book.js';
import { addAuditConversation } from './audit-routes.js';
import { helpCard, type BotCommand } from './cards/help-card.js';
import { DraftStore } from './drafts.js';
import { tenantOf } from './inbound-activity.js';
import { addCredentialsConversation, CREDENTIALS_COMMANDS } from './credentials-routes.js';
import { addBulkConversation, type BulkConversationOptions } from './bulk-routes.js';
import { addOnboardingConversation, ONBOARDING_COMMANDS } from './onboarding-routes.js';
import { addTemplateConversation, TEMPLATE_COMMANDS } from './template-routes.js';
import { createCardBudget, type MessageUpdater } from './card-budget.js';

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
  /** How long any card action may take before it is answered "working on it" (default 4 s); the work goes on. */
  cardAnswerWithinMs?: number | undefined;
  /** Bulk onboarding (a sheet sent by an admin); absent: sheets are read like any other message. */
  bulkDesk?: BulkDesk | undefined;
  /** Onboarding templates (admins manage them in their 1:1 chat); absent: no template commands. */
  templateDesk?: TemplateDesk | undefined;
  /** Where a file a person allowed may be uploaded: their OneDrive's host(s) (FILE_UPLOAD_HOSTS). */
  fileUploadHosts: readonly string[];
  /** Downloads an attached sheet (tests); production fetches the Teams download URL over https. */
  bulkDownload?: BulkConversationOptions['download'];
}

/** The commands the bot answers; the help card lists exactly these. */
export const COMMANDS: readonly BotCommand[] = [
  { command: 'help', description: 'Shows this card.' },
  ...ONBOARDING_COMMANDS,
  ...CREDENTIALS_COMMANDS,
  ...TEMPLATE_COMMANDS,
  { command: 'audit', description: 'Admins, in your 1:1 chat with me: the audit trail of a user name, a requester or dates (add "csv" to export).' },
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

/** An Action.Execute click or refresh (invoke adaptiveCard/action). */
function isCardAction(activity: Partial<Activity>): boolean {
  return activity.type === ActivityTypes.Invoke && activity.name === 'adaptiveCard/action';
}

/**
 * Universal Actions' answer to a card action that failed: HTTP 200 with statusCode 500 and
 * type application/vnd.microsoft.error, whose value carries a code and a message ("Universal
 * Bot action model", response format: https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/universal-action-model#response-format;
 * the shape botbuilder's own createAdaptiveCardInvokeErrorResponse builds). Without it the adapter
 * answers 501 and Teams shows "Something went wrong" on the card
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages).
 */
function cardActionError(code: string, message: string): Partial<Activity> {
  return { type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 500, type: 'application/vnd.microsoft.error', value: { code, message } } } };
}

/**
 * A refresh Teams sends by itself when someone looks at a card (trigger "automatic") posts
 * nothing: only its invoke response goes back. Otherwise whatever a refresh said would be said
 * again each time the card is seen.
 */
function keepRefreshesSilent(context: TurnContext, logger: Logger): void {
  if (!isCardAction(context.activity) || (context.activity.value as { trigger?: unknown } | undefined)?.trigger !== 'automatic') return;
  context.onSendActivities(async (_context, activities, next) => {
    const posted = activities.length;
    // next() sends this same array: what is taken out here is not sent.
    for (let i = activities.length - 1; i >= 0; i -= 1) if (activities[i]!.type !== ActivityTypes.InvokeResponse) activities.splice(i, 1);
    if (activities.length < posted) {
      const verb = (context.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb;
      logger.warn({ dropped: posted - activities.length, verb: typeof verb === 'string' ? verb.slice(0, 60) : null }, 'an automatic card refresh tried to post; nothing was posted');
    }
    return activities.length === 0 ? [] : next();
  });
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
    keepRefreshesSilent(context, logger);
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

  // One budget for every card action: Teams shows an error when an answer takes too long.
  const budget = createCardBudget({ messages: options.messages, logger, answerWithinMs: options.cardAnswerWithinMs });
  // Before the onboarding routes: their catch-all reads any other sentence as a possible request.
  addAuditConversation(app, { desk: options.desk, logger, budget, uploadHosts: options.fileUploadHosts });
  addCredentialsConversation(app, { desk: options.desk, logger, addresses: options.addresses, budget });
  if (options.templateDesk) addTemplateConversation(app, { templates: options.templateDesk, desk: options.desk, budget });
  if (options.bulkDesk) addBulkConversation(app, { desk: options.bulkDesk, logger, budget, ...(options.bulkDownload ? { download: options.bulkDownload } : {}) });
  addOnboardingConversation(app, { desk: options.desk, addresses: options.addresses, drafts: new DraftStore(options.storage), budget, logger });

  app.error(async (context: TurnContext, error: Error) => {
    const reference = context.activity.id ?? 'unknown';
    let trouble: { readonly code: string; readonly sentence: string };
    if (error instanceof DirectoryError && error.code !== 'UNEXPECTED') {
      // Known directory trouble gets its own sentence: what happened and who can fix it.
      logger[error.code === 'PERMISSION_MISSING' ? 'error' : 'warn']({
        err: error, correlationId: reference, code: error.code, permission: error.permission, graphRequestId: error.graphRequestId,
      }, 'the directory refused or failed a read in a turn');
      trouble = { code: error.code, sentence: say.DIRECTORY_TROUBLE(error, reference) };
    } else {
      logger.error({ err: error, correlationId: reference, activityType: context.activity.type }, 'unexpected error in a turn');
      trouble = { code: 'UNEXPECTED', sentence: say.SOMETHING_WENT_WRONG(reference) };
    }
    if (isCardAction(context.activity)) {
      // A card action is answered on the card, never with a message in the chat.
      if (!context.turnState.get(INVOKE_RESPONSE_KEY)) await context.sendActivity(cardActionError(trouble.code, trouble.sentence));
      return;
    }
    await context.sendActivity(MessageFactory.text(trouble.sentence));
  });

  return app;
}
