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

/** How long the ticket channel is remembered in memory: it changes when an admin says so, rarely. */
const TICKET_CHANNEL_CACHE_MS = 60_000;
const REMEMBERED_PEOPLE = 10_000;
/**
 * How long a person's address is taken from memory instead of storage: their own activity
 * (which is what Teams says now) or this instance's last read or write of it. Another
 * instance's change shows here within that.
 */
const PERSON_CACHE_MS = 60_000;

export class ConversationAddresses {
  /** The last address this instance read or wrote per person, to skip reads and unchanged writes. */
  private readonly known = new Map<string, { readonly address: PersonAddress; readonly at: number }>();
  private ticketChannelCache: { address: TicketChannelAddress | undefined; until: number } | undefined;
  /** The Bot Connector URL last written to storage by this process (so it is written once, not per activity). */
  private storedServiceUrl: string | undefined;

  constructor(
    private readonly storage: Storage,
    /** A ticket channel from configuration wins over none, and `set ticket channel` overrides it. */
    private readonly configuredTicketChannel?: Partial<ConversationReference>,
    private readonly options: { readonly ticketChannelCacheMs?: number; readonly personCacheMs?: number; readonly now?: () => number } = {},
  ) {}

  /**
   * Learns how to reach the sender of this activity (and their 1:1 chat when it is one). The
   * reference is kept without the activity id, so a person writing again changes nothing and
   * costs no write; what this instance knows already costs no read either.
   */
  async rememberSender(activity: Partial<Activity>, tenantId: string): Promise<void> {
    const aadObjectId = activity.from?.aadObjectId;
    if (!aadObjectId || !activity.from?.id || !activity.serviceUrl) return;
    await this.rememberServiceUrl(activity.serviceUrl);
    const nextFrom = (existing: PersonAddress | undefined): PersonAddress => ({
      aadObjectId,
      teamsUserId: activity.from!.id,
      name: activity.from!.name ?? existing?.name ?? '',
      tenantId,
      serviceUrl: activity.serviceUrl!,
      personalChat: activity.conversation?.conversationType === 'personal' ? withoutActivityId(TurnContext.getConversationReference(activity)) : existing?.personalChat,
    });
    const known = this.known.get(aadObjectId.toLowerCase())?.address;
    if (known && sameAddress(known, nextFrom(known))) {
      this.remember(known);
      return;
    }
    // Something changed (or this instance never saw them): decide on what storage holds now.
    const existing = await this.stored(aadObjectId);
    const next = nextFrom(existing);
    if (existing && sameAddress(existing, next)) return;
    await this.storage.write({ [personKey(aadObjectId)]: { ...next, eTag: '*' } });
    this.remember(next);
  }

  /** Records a 1:1 chat the bot opened itself with someone who never wrote to it (their Teams id may be unknown: then their object id). */
  async rememberPersonalChat(address: Omit<PersonAddress, 'personalChat'> & { readonly personalChat: Partial<ConversationReference> }): Promise<void> {
    await this.storage.write({ [personKey(address.aadObjectId)]: { ...address, eTag: '*' } });
    this.remember(address);
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

  /** Where this person can be reached: from memory when they wrote (or it was read) within a minute, else from storage. */
  async person(aadObjectId: string): Promise<PersonAddress | undefined> {
    const known = this.known.get(aadObjectId.toLowerCase());
    if (known && known.at + (this.options.personCacheMs ?? PERSON_CACHE_MS) > this.now()) return known.address;
    return this.stored(aadObjectId);
  }

  /** The person's address as storage holds it now (and remembered). */
  private async stored(aadObjectId: string): Promise<PersonAddress | undefined> {
    const key = personKey(aadObjectId);
    const items = await this.storage.read([key]);
    const item = items[key] as (PersonAddress & { eTag?: string }) | undefined;
    if (!item) return undefined;
    const { eTag: _eTag, ...address } = item;
    this.remember(address);
    return address;
  }

  async setTicketChannel(address: TicketChannelAddress): Promise<void> {
    await this.storage.write({ [TICKET_CHANNEL_KEY]: { ...address, eTag: '*' } });
    this.ticketChannelCache = { address, until: this.now() + (this.options.ticketChannelCacheMs ?? TICKET_CHANNEL_CACHE_MS) };
  }

  /** The ticket channel, remembered a minute (another instance's `set ticket channel` shows here within that). */
  async ticketChannel(): Promise<TicketChannelAddress | undefined> {
    if (this.ticketChannelCache && this.ticketChannelCache.until > this.now()) return this.ticketChannelCache.address;
    const items = await this.storage.read([TICKET_CHANNEL_KEY]);
    const item = items[TICKET_CHANNEL_KEY] as (TicketChannelAddress & { eTag?: string }) | undefined;
    let address: TicketChannelAddress | undefined;
    if (item) {
      const { eTag: _eTag, ...stored } = item;
      address = stored;
    } else {
      address = this.configuredTicketChannel ? { reference: this.configuredTicketChannel, setBy: 'configuration', setAt: '' } : undefined;
    }
    // "Not set yet" is not remembered: the first `set ticket channel` anywhere counts at once.
    if (address) this.ticketChannelCache = { address, until: this.now() + (this.options.ticketChannelCacheMs ?? TICKET_CHANNEL_CACHE_MS) };
    return address;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private remember(address: PersonAddress): void {
    this.known.delete(address.aadObjectId.toLowerCase());
    this.known.set(address.aadObjectId.toLowerCase(), { address, at: this.now() });
    if (this.known.size > REMEMBERED_PEOPLE) this.known.delete(this.known.keys().next().value as string);
  }
}

/** A conversation reference names the activity it came from; reaching the chat again does not need it. */
function withoutActivityId(reference: Partial<ConversationReference>): Partial<ConversationReference> {
  const { activityId: _activityId, ...rest } = reference;
  return rest;
}

function sameAddress(a: PersonAddress, b: PersonAddress): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
