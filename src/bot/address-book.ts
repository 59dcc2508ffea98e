/** What the edge records about where people and the ticket channel can be reached (src/delivery keeps it). */
import type { Activity, ConversationReference } from 'botbuilder';

export interface AddressBook {
  /** Learns how to reach the sender of this activity later (their 1:1 chat when it is one). */
  rememberSender(activity: Partial<Activity>, tenantId: string): Promise<void>;
  /** The IT ticket channel, if one is set: its conversation is the channel (tickets are new threads in it). */
  ticketChannel(): Promise<{ readonly reference: Partial<ConversationReference> } | undefined>;
  /** Makes this channel the IT ticket channel (tickets are posted as new threads there). */
  setTicketChannel(address: {
    readonly reference: Partial<ConversationReference>;
    readonly channelName?: string | undefined;
    readonly setBy: string;
    readonly setAt: string;
  }): Promise<void>;
}
