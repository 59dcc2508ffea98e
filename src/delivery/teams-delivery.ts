/**
 * The delivery ports over Teams proactive messages (Bot Connector): the reveal card (or, in
 * plain-message mode, the password) and notices about how a request ended to a person's 1:1
 * chat, the ticket to the IT channel. The messages themselves are rendered by views handed
 * in by the composition root; this adapter only addresses and sends. Every send goes through
 * proactive.ts, so a refusal by Teams reaches the caller as an outcome.
 */
import { TeamsInfo, TurnContext, type Activity, type CloudAdapter, type ConversationReference } from 'botbuilder';
import type { Logger } from 'pino';
import {
  say, type CredentialDelivery, type DeliveryOutcome, type ReachOutcome, type Requester, type RequesterNotice, type RevealNotice, type Secret, type Ticket, type TicketChannel, type TicketOutcome,
} from '../onboarding/index.js';
import type { ConversationAddresses } from './conversation-addresses.js';
import { inConversation, inNewConversation } from './proactive.js';

export interface PasswordMessageView {
  readonly displayName: string;
  readonly requestId: string;
  /** Revealed only into the message for the recipient's own 1:1 chat (plain-message mode). */
  readonly password: string;
  readonly temporaryAccessPass?: string | undefined;
}

export interface TeamsDeliveryOptions {
  adapter: CloudAdapter;
  botAppId: string;
  addresses: ConversationAddresses;
  logger: Logger;
  /** The Bot Connector resource of the bot's cloud: the audience of the token that opens a conversation. */
  audience: string;
  passwordMessage(view: PasswordMessageView): Partial<Activity>;
  /** The reveal card for the recipient (its refresh is for that person only, its dates in their style); never a secret. */
  revealMessage(notice: RevealNotice, recipientTeamsId: string, recipient: Requester): Partial<Activity>;
  ticketMessage(ticket: Ticket): Partial<Activity>;
  /** The tenant a chat with someone new is opened in. */
  tenantId?: string;
  /** Installs the bot's app for a person (Graph), when configuration allows; absent = never installed by the bot. */
  installAppFor?: (aadObjectId: string) => Promise<
    | { readonly kind: 'installed' | 'already-installed' }
    | { readonly kind: 'refused'; readonly reason: string; readonly retry?: { readonly afterMs?: number | undefined } | undefined }
  >;
}

/** Sends the reveal card (or the password itself, in plain-message mode) only into the recipient's own 1:1 chat; never with the UPN. */
export function createTeamsCredentialDelivery(options: TeamsDeliveryOptions): CredentialDelivery {
  const installedHere = new InstalledApps();
  return {
    reach: (person) => reachPerson(options, person, installedHere),
    sendRevealCard: (recipient, notice) =>
      sendToPersonalChat(options, recipient, notice.requestId, 'reveal card could not be delivered',
        (address) => options.revealMessage(notice, address.teamsUserId, recipient)),
    deliverTemporaryPassword: (recipient: Requester, secret: Secret, context): Promise<DeliveryOutcome> =>
      sendToPersonalChat(options, recipient, context.requestId, 'temporary password could not be delivered',
        () => options.passwordMessage({
          displayName: context.displayName, requestId: context.requestId, password: secret.reveal(), temporaryAccessPass: context.temporaryAccessPass?.reveal(),
        })),
  };
}

/** People this instance installed the app for lately: a retry while the installation spreads does not install it again. */
class InstalledApps {
  private readonly people = new Set<string>();
  has(aadObjectId: string): boolean {
    return this.people.has(aadObjectId.toLowerCase());
  }
  add(aadObjectId: string): void {
    this.people.add(aadObjectId.toLowerCase());
    if (this.people.size > 10_000) this.people.delete(this.people.values().next().value as string);
  }
}

/**
 * Makes sure the bot has a 1:1 chat with the person: one they used, or one it opens now —
 * after installing the app for them where configuration allows (Teams refuses a chat with
 * someone who has not got the app: 403, and for a while after the installation, until it has
 * reached Teams). Nothing is sent. A refusal that may pass says so (`retry`), for the caller to try again.
 */
async function reachPerson(options: TeamsDeliveryOptions, person: Requester, installedHere: InstalledApps): Promise<ReachOutcome> {
  const address = await options.addresses.person(person.id);
  if (address?.personalChat?.conversation?.id) return { kind: 'reachable' };
  if (options.installAppFor && !installedHere.has(person.id)) {
    const installed = await options.installAppFor(person.id);
    if (installed.kind === 'refused') {
      options.logger.warn({ recipientId: person.id, reason: installed.reason }, 'the app could not be installed for a recipient');
      return { kind: 'unreachable', reason: installed.reason, ...(installed.retry ? { retry: installed.retry } : {}) };
    }
    installedHere.add(person.id);
  }
  const serviceUrl = address?.serviceUrl ?? (await options.addresses.serviceUrl());
  const tenantId = address?.tenantId ?? options.tenantId;
  if (!serviceUrl || !tenantId) return { kind: 'unreachable', reason: say.NO_WAY_TO_REACH(person.name) };
  // A 1:1 chat can be opened with the person's Entra object id alone (personal scope).
  const knownId = address?.teamsUserId ?? person.id;
  try {
    const opened = await inNewConversation(options.adapter, options.botAppId, serviceUrl, options.audience, {
      isGroup: false,
      bot: { id: options.botAppId, name: 'Onboarding' },
      members: [{ id: knownId, name: person.name }],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    } as Parameters<CloudAdapter['createConversationAsync']>[4], async (turn) => ({
      personalChat: TurnContext.getConversationReference(turn.activity),
      // The reveal card refreshes itself for people named by their Teams user id (29:…), which only Teams
      // knows for someone who never wrote to the bot: ask the new chat's roster (the object id is the fallback).
      teamsUserId: knownId.startsWith('29:') ? knownId : (await TeamsInfo.getMember(turn, person.id).catch(() => undefined))?.id ?? knownId,
    }));
    await options.addresses.rememberPersonalChat({
      aadObjectId: person.id, teamsUserId: opened.teamsUserId, name: address?.name ?? person.name, tenantId, serviceUrl, personalChat: opened.personalChat,
    });
    return { kind: 'reachable' };
  } catch (error) {
    const status = statusOf(error);
    options.logger.warn({ recipientId: person.id, status, err: describeError(error) }, 'a 1:1 chat with a recipient could not be opened');
    // Refusals that pass: 403 right after the bot installed the app (the installation has not reached Teams yet),
    // and what Teams says to retry (429, 412, 502, 504: "Rate limiting for bots",
    // https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit; and a call that got no answer).
    const passes = (status === 403 && options.installAppFor !== undefined) || status === undefined || status === 429 || status === 412 || status >= 500;
    const afterMs = retryAfterMsOf(error);
    return { kind: 'unreachable', reason: say.TEAMS_REFUSED(status), ...(passes ? { retry: afterMs === undefined ? {} : { afterMs } } : {}) };
  }
}

/** Teams' Retry-After on a refused call (seconds), in milliseconds. */
function retryAfterMsOf(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?(name: string): string | undefined | null } } } | undefined)?.response?.headers;
  const seconds = Number(headers?.get?.('retry-after') ?? NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Replaces a message the bot posted earlier (a card answered "working on it", updated with the
 * result), or posts a new one in that conversation, outside the turn that asked for it.
 */
export function createTeamsMessageUpdater(options: Pick<TeamsDeliveryOptions, 'adapter' | 'botAppId'>) {
  return {
    replaceMessage: (reference: Partial<ConversationReference>, messageId: string, message: Partial<Activity>): Promise<void> =>
      inConversation(options.adapter, options.botAppId, reference, async (turn) => {
        await turn.updateActivity({ ...message, id: messageId });
      }),
    postMessage: (reference: Partial<ConversationReference>, message: Partial<Activity>): Promise<void> =>
      inConversation(options.adapter, options.botAppId, reference, async (turn) => {
        await turn.sendActivity(message);
      }),
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
  options: TeamsDeliveryOptions, requester: Requester, requestId: string, failureLog: string,
  message: (address: { readonly teamsUserId: string }) => Partial<Activity>,
): Promise<DeliveryOutcome> {
  const address = await options.addresses.person(requester.id);
  if (!address) {
    return { kind: 'undeliverable', reason: say.NO_WAY_TO_REACH(requester.name) };
  }
  try {
    if (address.personalChat?.conversation?.id) {
      await inConversation(options.adapter, options.botAppId, address.personalChat, (turn) => turn.sendActivity(message(address)));
    } else {
      // No 1:1 chat yet: open one (needs the app installed for the person).
      await inNewConversation(options.adapter, options.botAppId, address.serviceUrl, options.audience, {
        isGroup: false,
        bot: { id: options.botAppId, name: 'Onboarding' },
        members: [{ id: address.teamsUserId, name: address.name }],
        tenantId: address.tenantId,
        channelData: { tenant: { id: address.tenantId } },
      } as Parameters<CloudAdapter['createConversationAsync']>[4], (turn) => turn.sendActivity(message(address)));
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
  const inChannel = async (work: Parameters<typeof inConversation<string>>[3]): Promise<TicketOutcome> => {
    const channel = await options.addresses.ticketChannel();
    if (!channel) return { kind: 'failed', reason: say.TICKET_CHANNEL_MISSING_REASON() };
    try {
      const messageId = await inConversation(options.adapter, options.botAppId, channel.reference as Partial<ConversationReference>, work);
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
