/**
 * The delivery ports over Teams proactive messages (Bot Connector): the temporary password
 * and notices about how a request ended to the requester's 1:1 chat, the ticket to the IT channel. The messages themselves are
 * rendered by views handed in by the composition root; this adapter only addresses and sends.
 */
import type { Activity, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import {
  say, type CredentialDelivery, type DeliveryOutcome, type Requester, type RequesterNotice, type Secret, type Ticket, type TicketChannel, type TicketOutcome,
} from '../onboarding/index.js';
import type { ConversationAddresses } from './conversation-addresses.js';

export interface PasswordMessageView {
  readonly displayName: string;
  readonly requestId: string;
  /** Revealed only into the message for the requester's own 1:1 chat. */
  readonly password: string;
}

export interface TeamsDeliveryOptions {
  adapter: CloudAdapter;
  botAppId: string;
  addresses: ConversationAddresses;
  logger: Logger;
  /** Audience for proactive calls (Bot Framework's public cloud unless configured). */
  audience?: string;
  passwordMessage(view: PasswordMessageView): Partial<Activity>;
  ticketMessage(ticket: Ticket): Partial<Activity>;
}

const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/** Sends the password only into the requester's own 1:1 chat; never with the UPN. */
export function createTeamsCredentialDelivery(options: TeamsDeliveryOptions): CredentialDelivery {
  return {
    deliverTemporaryPassword: (requester: Requester, secret: Secret, context): Promise<DeliveryOutcome> =>
      sendToPersonalChat(options, requester, context.requestId, 'temporary password could not be delivered',
        () => options.passwordMessage({ displayName: context.displayName, requestId: context.requestId, password: secret.reveal() })),
  };
}

/** Tells the requester, in their own 1:1 chat, how a request ended; a plain sentence, never a secret. */
export function createTeamsRequesterNotice(options: TeamsDeliveryOptions): RequesterNotice {
  return {
    notifyRequester: (requester, notice) =>
      sendToPersonalChat(options, requester, notice.requestId, 'requester could not be told how a request ended',
        () => ({ type: 'message', text: notice.text, textFormat: 'plain' })),
  };
}

/** Sends one message into the person's 1:1 chat with the bot, opening it when there is none yet. */
async function sendToPersonalChat(
  options: TeamsDeliveryOptions, requester: Requester, requestId: string, failureLog: string, message: () => Partial<Activity>,
): Promise<DeliveryOutcome> {
  const address = await options.addresses.person(requester.id);
  if (!address) {
    return { kind: 'undeliverable', reason: say.NO_WAY_TO_REACH(requester.name) };
  }
  try {
    if (address.personalChat?.conversation?.id) {
      await options.adapter.continueConversationAsync(options.botAppId, address.personalChat, async (turn: TurnContext) => {
        await turn.sendActivity(message());
      });
    } else {
      // No 1:1 chat yet: open one (needs the app installed for the person).
      await options.adapter.createConversationAsync(
        options.botAppId,
        'msteams',
        address.serviceUrl,
        options.audience ?? BOT_FRAMEWORK_AUDIENCE,
        {
          isGroup: false,
          bot: { id: options.botAppId, name: 'Onboarding' },
          members: [{ id: address.teamsUserId, name: address.name }],
          tenantId: address.tenantId,
          channelData: { tenant: { id: address.tenantId } },
        } as Parameters<CloudAdapter['createConversationAsync']>[4],
        async (turn: TurnContext) => {
          await turn.sendActivity(message());
        },
      );
    }
    return { kind: 'delivered' };
  } catch (error) {
    const status = statusOf(error);
    options.logger.warn({ requestId, status, err: describeError(error) }, failureLog);
    return { kind: 'undeliverable', reason: say.TEAMS_REFUSED(status) };
  }
}

/** Posts and updates the onboarding ticket in the IT ticket channel; never a secret. */
export function createTeamsTicketChannel(options: TeamsDeliveryOptions): TicketChannel {
  const inChannel = async (work: (turn: TurnContext) => Promise<string>): Promise<TicketOutcome> => {
    const channel = await options.addresses.ticketChannel();
    if (!channel) return { kind: 'failed', reason: say.TICKET_CHANNEL_MISSING_REASON() };
    let messageId = '';
    try {
      await options.adapter.continueConversationAsync(options.botAppId, channel.reference as Partial<ConversationReference>, async (turn) => {
        messageId = await work(turn);
      });
      return { kind: 'posted', messageId };
    } catch (error) {
      const status = statusOf(error);
      options.logger.warn({ status, err: describeError(error) }, 'ticket channel could not be reached');
      return { kind: 'failed', reason: say.TEAMS_REFUSED(status) };
    }
  };
  return {
    isSet: async () => (await options.addresses.ticketChannel()) !== undefined,
    postTicket: (ticket) =>
      inChannel(async (turn) => {
        const response = await turn.sendActivity(options.ticketMessage(ticket));
        return response?.id ?? '';
      }),
    updateTicket: (messageId, ticket) =>
      inChannel(async (turn) => {
        await turn.updateActivity({ ...options.ticketMessage(ticket), id: messageId });
        return messageId;
      }),
  };
}

function statusOf(error: unknown): number | undefined {
  const candidate = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } } | undefined;
  const value = candidate?.statusCode ?? candidate?.status ?? candidate?.response?.status;
  return typeof value === 'number' ? value : undefined;
}

/** Error facts without request bodies (which would carry the message text). */
function describeError(error: unknown): { name?: string; message?: string; code?: unknown } {
  if (!(error instanceof Error)) return { message: String(error).slice(0, 200) };
  return { name: error.name, message: error.message.slice(0, 300), code: (error as { code?: unknown }).code };
}
