/**
 * Where the bot can reach people and the IT ticket channel later, outside the turn that
 * taught it: a person's Teams id and 1:1 chat, and the ticket channel's conversation
 * reference. Kept in the bot's Storage (Azure Blob), so any instance can use it.
 */
import type { Activity, ConversationReference, Storage } from 'botbuilder';
import { TurnContext } from 'botbuilder';

export interface PersonAddress {
  readonly aadObjectId: string;
  /** The person's Teams user id (29:…), needed to open a 1:1 chat proactively. */
  readonly teamsUserId: string;
  readonly name: string;
  readonly tenantId: string;
  readonly serviceUrl: string;
  /** Reference to the person's 1:1 chat with the bot, once they have used it. */
  readonly personalChat?: Partial<ConversationReference> | undefined;
}

export interface TicketChannelAddress {
  readonly reference: Partial<ConversationReference>;
  readonly channelName?: string | undefined;
  readonly setBy: string;
  readonly setAt: string;
}

const personKey = (aadObjectId: string) => `addresses/people/${aadObjectId.toLowerCase()}`;
const TICKET_CHANNEL_KEY = 'addresses/ticket-channel';
const SERVICE_URL_KEY = 'addresses/service-url';

export class ConversationAddresses {
  /** The Bot Connector URL last written to storage by this process (so it is written once, not per activity). */
  private storedServiceUrl: string | undefined;

  constructor(
    private readonly storage: Storage,
    /** A ticket channel from configuration wins over none, and `set ticket channel` overrides it. */
    private readonly configuredTicketChannel?: Partial<ConversationReference>,
  ) {}

  /** Learns how to reach the sender of this activity (and their 1:1 chat when it is one). */
  async rememberSender(activity: Partial<Activity>, tenantId: string): Promise<void> {
    const aadObjectId = activity.from?.aadObjectId;
    if (!aadObjectId || !activity.from?.id || !activity.serviceUrl) return;
    await this.rememberServiceUrl(activity.serviceUrl);
    const isPersonal = activity.conversation?.conversationType === 'personal';
    const existing = await this.person(aadObjectId);
    const next: PersonAddress = {
      aadObjectId,
      teamsUserId: activity.from.id,
      name: activity.from.name ?? existing?.name ?? '',
      tenantId,
      serviceUrl: activity.serviceUrl,
      personalChat: isPersonal ? TurnContext.getConversationReference(activity) : existing?.personalChat,
    };
    if (existing && JSON.stringify(existing) === JSON.stringify(next)) return;
    await this.storage.write({ [personKey(aadObjectId)]: { ...next, eTag: '*' } });
  }

  /** Records a 1:1 chat the bot opened itself with someone who never wrote to it (their Teams id may be unknown: then their object id). */
  async rememberPersonalChat(address: Omit<PersonAddress, 'personalChat'> & { readonly personalChat: Partial<ConversationReference> }): Promise<void> {
    await this.storage.write({ [personKey(address.aadObjectId)]: { ...address, eTag: '*' } });
  }

  /** The Bot Connector URL Teams last called the bot from: where a chat with someone new is opened. */
  async serviceUrl(): Promise<string | undefined> {
    if (this.storedServiceUrl) return this.storedServiceUrl;
    const items = await this.storage.read([SERVICE_URL_KEY]);
    return (items[SERVICE_URL_KEY] as { serviceUrl?: string } | undefined)?.serviceUrl;
  }

  private async rememberServiceUrl(serviceUrl: string): Promise<void> {
    if (this.storedServiceUrl === serviceUrl) return;
    await this.storage.write({ [SERVICE_URL_KEY]: { serviceUrl, eTag: '*' } });
    this.storedServiceUrl = serviceUrl;
  }

  async person(aadObjectId: string): Promise<PersonAddress | undefined> {
    const key = personKey(aadObjectId);
    const items = await this.storage.read([key]);
    const item = items[key] as (PersonAddress & { eTag?: string }) | undefined;
    if (!item) return undefined;
    const { eTag: _eTag, ...address } = item;
    return address;
  }

  async setTicketChannel(address: TicketChannelAddress): Promise<void> {
    await this.storage.write({ [TICKET_CHANNEL_KEY]: { ...address, eTag: '*' } });
  }

  async ticketChannel(): Promise<TicketChannelAddress | undefined> {
    const items = await this.storage.read([TICKET_CHANNEL_KEY]);
    const item = items[TICKET_CHANNEL_KEY] as (TicketChannelAddress & { eTag?: string }) | undefined;
    if (item) {
      const { eTag: _eTag, ...address } = item;
      return address;
    }
    return this.configuredTicketChannel ? { reference: this.configuredTicketChannel, setBy: 'configuration', setAt: '' } : undefined;
  }
}
