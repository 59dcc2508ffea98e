/**
 * The BulkReporting port over Teams proactive messages: the progress card in the admin's
 * 1:1 chat, posted once and then replaced in place (updateActivity); the results sheet in
 * the IT ticket channel. The messages are rendered by views from the composition root.
 */
import type { Activity, ConversationReference } from 'botbuilder';
import {
  say, type BulkProgress, type BulkReporting, type BulkResultLine, type BulkRevealNotice, type DeliveryOutcome, type Requester, type TicketOutcome,
} from '../onboarding/index.js';
import type { ConversationAddresses } from './conversation-addresses.js';
import { inConversation } from './proactive.js';
import type { TeamsDeliveryOptions } from './teams-delivery.js';

export interface TeamsBulkReportingOptions extends Pick<TeamsDeliveryOptions, 'adapter' | 'botAppId' | 'logger'> {
  readonly addresses: ConversationAddresses;
  progressMessage(progress: BulkProgress): Partial<Activity>;
  /** The bulk reveal card for the recipient: names only, the Reveal button shows the secrets. */
  revealMessage(notice: BulkRevealNotice, recipient: Requester): Partial<Activity>;
  /** The results sheet as one or more messages (a long sheet is split to fit Teams' message size). */
  resultsMessages(progress: BulkProgress, lines: readonly BulkResultLine[]): Array<Partial<Activity>>;
}

export function createTeamsBulkReporting(options: TeamsBulkReportingOptions): BulkReporting {
  const { adapter, botAppId, logger } = options;
  return {
    async showProgress(admin, progress, messageId) {
      const address = await options.addresses.person(admin.id);
      const chat = address?.personalChat;
      if (!chat?.conversation?.id) return { messageId };
      const message = options.progressMessage(progress);
      try {
        return await inConversation(adapter, botAppId, chat, async (turn) => {
          if (messageId) {
            await turn.updateActivity({ ...message, id: messageId });
            return { messageId };
          }
          return { messageId: (await turn.sendActivity(message))?.id };
        });
      } catch (error) {
        logger.warn({ jobId: progress.jobId, err: { message: (error as Error).message?.slice(0, 200) } }, 'bulk progress card could not be shown');
        return { messageId };
      }
    },
    async sendRevealCard(recipient, notice): Promise<DeliveryOutcome> {
      const address = await options.addresses.person(recipient.id);
      const chat = address?.personalChat;
      if (!chat?.conversation?.id) return { kind: 'undeliverable', reason: say.NO_WAY_TO_REACH(recipient.name) };
      try {
        await inConversation(adapter, botAppId, chat, (turn) => turn.sendActivity(options.revealMessage(notice, recipient)));
        return { kind: 'delivered' };
      } catch (error) {
        logger.warn({ jobId: notice.jobId, err: { message: (error as Error).message?.slice(0, 200) } }, 'bulk reveal card could not be delivered');
        return { kind: 'undeliverable', reason: say.TEAMS_REFUSED(undefined) };
      }
    },
    async postResults(progress, lines): Promise<TicketOutcome> {
      const channel = await options.addresses.ticketChannel();
      if (!channel) return { kind: 'failed', reason: say.TICKET_CHANNEL_MISSING_REASON() };
      try {
        const messageId = await inConversation(adapter, botAppId, channel.reference as Partial<ConversationReference>, async (turn) => {
          let first = '';
          for (const message of options.resultsMessages(progress, lines)) {
            const id = (await turn.sendActivity(message))?.id ?? '';
            first ||= id;
          }
          return first;
        });
        return { kind: 'posted', messageId };
      } catch (error) {
        logger.warn({ jobId: progress.jobId, err: { message: (error as Error).message?.slice(0, 200) } }, 'bulk results could not be posted');
        return { kind: 'failed', reason: say.TEAMS_REFUSED(undefined) };
      }
    },
  };
}
