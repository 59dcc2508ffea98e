/**
 * The cards the bot sends outside a person's turn, as Teams messages: the views the Teams
 * delivery adapters (src/delivery) are handed by the composition root. Built here beside the
 * cards, so that only src/bot and src/delivery know botbuilder's message shape.
 */
import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import type { BulkProgress, BulkResultLine, BulkRevealNotice, Requester, RevealNotice, Ticket } from '../onboarding/index.js';
import { writeBulkResults } from '../request-reading/bulk-sheet.js';
import { bulkProgressCard, bulkResultsMessages, bulkRevealCard } from './cards/bulk-cards.js';
import { revealCard } from './cards/credentials-cards.js';
import { dateStyleOf } from './cards/dates.js';
import { temporaryPasswordCard, ticketCard } from './cards/onboarding-cards.js';

const cardMessage = (card: object): Partial<Activity> => MessageFactory.attachment(CardFactory.adaptiveCard(card));

/** One onboarding's messages: the password (plain-message mode), the reveal card, the ticket. */
export const onboardingMessages = {
  passwordMessage: (view: Parameters<typeof temporaryPasswordCard>[0]) => cardMessage(temporaryPasswordCard(view)),
  revealMessage: (notice: RevealNotice, recipientTeamsId: string, recipient: Requester) => cardMessage(revealCard(notice, recipientTeamsId, dateStyleOf(recipient))),
  // Times in a ticket read as the requester reads them (the ticket channel has no one person's settings).
  ticketMessage: (ticket: Ticket) => cardMessage(ticketCard(ticket, dateStyleOf(ticket.requester))),
};

/** A bulk run's messages: the progress card, the bulk reveal card, the results sheet. */
export const bulkMessages = {
  progressMessage: (progress: BulkProgress) => cardMessage(bulkProgressCard(progress)),
  revealMessage: (notice: BulkRevealNotice) => cardMessage(bulkRevealCard(notice)),
  resultsMessages: (progress: BulkProgress, lines: readonly BulkResultLine[]) => bulkResultsMessages(progress, writeBulkResults(lines)),
};
