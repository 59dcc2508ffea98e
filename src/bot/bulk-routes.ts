/**
 * Bulk onboarding in Teams: an admin sends a sheet in the 1:1 chat — pasted into a message
 * or attached as a .csv file — and gets one review card (counts, or every problem by row);
 * Create all starts the run, whose progress card then updates itself. The edge only reads
 * the sheet and renders the answers; the bulk desk decides.
 */
import { ActivityTypes, CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { say, sayBulk, type BulkDesk } from '../onboarding/index.js';
import { looksLikeBulkSheet, pastedSheetOf, readBulkSheet, readPastedSheet } from '../request-reading/bulk-sheet.js';
import type { PastedSheet } from '../request-reading/pasted-sheet.js';
import { bulkReviewCard, bulkRevealedCard, bulkSentenceCard } from './cards/bulk-cards.js';
import { isPersonalChat, personOf } from './onboarding-routes.js';
import { cardTurnOf, type CardAnswer, type CardBudget, type CardTurn } from './card-budget.js';
import { FILE_DOWNLOAD_INFO, downloadOverHttps, type DownloadResult } from './teams-files.js';

export interface BulkConversationOptions {
  readonly desk: BulkDesk;
  readonly logger: Logger;
  /** Every card action answers within its budget; what takes longer finishes in the background. */
  readonly budget: CardBudget;
  /** Largest file downloaded, in bytes (a 1,000-row sheet is about 300 KB; the default takes 50,000 rows, the Entra admin center's most). */
  readonly maxFileBytes?: number;
  /** Downloads an attachment (tests pass their own; production uses fetch over https). */
  readonly download?: (url: string, maxBytes: number) => Promise<DownloadResult>;
}

type CardData = Record<string, unknown>;

interface FileAttachment { readonly downloadUrl: string; readonly fileType: string; readonly name: string }

/**
 * The sheet a message carries as Teams sent it: from the HTML of its text/html attachment when
 * there is one (Teams may turn the text's line breaks into spaces, and sends a range pasted
 * from Excel as a table: botframework-sdk#3238), else from its text. Read once per activity.
 */
const pastedSheets = new WeakMap<object, PastedSheet>();
function pastedSheet(context: TurnContext): PastedSheet {
  const known = pastedSheets.get(context.activity);
  if (known) return known;
  const html = (context.activity.attachments ?? []).find((a) => a.contentType === 'text/html' && typeof a.content === 'string')?.content as string | undefined;
  const sheet = pastedSheetOf(context.activity.text ?? '', html);
  pastedSheets.set(context.activity, sheet);
  return sheet;
}

function fileAttachmentOf(context: TurnContext): FileAttachment | undefined {
  for (const attachment of context.activity.attachments ?? []) {
    if (attachment.contentType !== FILE_DOWNLOAD_INFO) continue;
    const content = attachment.content as { downloadUrl?: unknown; fileType?: unknown } | undefined;
    if (typeof content?.downloadUrl === 'string') {
      return { downloadUrl: content.downloadUrl, fileType: typeof content.fileType === 'string' ? content.fileType : '', name: attachment.name ?? '' };
    }
  }
  return undefined;
}

export function addBulkConversation(app: Application<TurnState>, options: BulkConversationOptions): void {
  const { desk, logger, budget } = options;
  const maxBytes = options.maxFileBytes ?? 16_000_000;
  const download = options.download ?? downloadOverHttps;

  const receiveSheet = async (context: TurnContext): Promise<void> => {
    const admin = personOf(context);
    if (!admin) return void (await context.sendActivity(sayBulk.ADMINS_ONLY('the onboarding admins group')));
    let sheet;
    const file = fileAttachmentOf(context);
    if (file) {
      if (file.fileType.toLowerCase() !== 'csv' && !/\.csv$/i.test(file.name)) return void (await context.sendActivity(sayBulk.FILE_NOT_CSV()));
      const downloaded = await download(file.downloadUrl, maxBytes);
      if (downloaded.kind === 'too-large') return void (await context.sendActivity(sayBulk.FILE_TOO_LARGE(Math.round(maxBytes / 1000))));
      if (downloaded.kind === 'failed') return void (await context.sendActivity(sayBulk.FILE_UNREADABLE()));
      sheet = readBulkSheet(downloaded.text);
    } else {
      sheet = readPastedSheet(pastedSheet(context));
    }
    const review = await desk.reviewSheet(admin, sheet);
    if (review.kind === 'refused') return void (await context.sendActivity(review.message));
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(bulkReviewCard(review))));
  };

  const decide = (decision: 'approve' | 'cancel') => async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const admin = personOf(turn);
    const jobId = typeof data.jobId === 'string' ? data.jobId : '';
    if (!admin) return bulkSentenceCard(sayBulk.NOT_YOUR_BULK());
    // The review card's ticks ride with Create all (its inputs are the card data).
    const result = await desk.decide(admin, jobId, decision, data);
    if (result.kind === 'refused') return bulkSentenceCard(result.message);
    if (result.kind === 'cancelled') return bulkSentenceCard(sayBulk.BULK_CANCELLED());
    void result.work?.catch((error: unknown) => logger.error({ err: error, jobId }, 'a bulk run stopped; it is resumed later'));
    return bulkSentenceCard(sayBulk.BULK_STARTED());
  };

  app.message(async (context) => isPersonalChat(context) && (fileAttachmentOf(context) !== undefined || looksLikeBulkSheet(pastedSheet(context))), receiveSheet);
  const onDecision = (verb: string, decision: 'approve' | 'cancel') =>
    app.adaptiveCards.actionExecute<CardData>(verb, async (context, _state, data) => {
      const turn = cardTurnOf(context);
      return budget.answer(turn, decide(decision)(turn, data), () => say.CARD_WORKING_ON_IT(), 'replace-card') as Promise<ReturnType<typeof bulkSentenceCard> | string>;
    });
  onDecision('bulk.approve', 'approve');
  // The secrets exist only in the invoke response to the recipient's own click: never posted, never written over the card
  // (too slow, and the click is answered to press again, and nothing is recorded as revealed).
  app.adaptiveCards.actionExecute<CardData>('bulk.reveal', async (context, _state, data) => {
    const turn = cardTurnOf(context);
    const view = (stillAnswering: () => boolean) => desk.revealCredentials(personOf(turn), data.jobId, data.part, stillAnswering)
      .then((answer) => (answer.kind === 'refused' ? answer.sentence : bulkRevealedCard(answer)));
    const answer = await budget.answerOnlyInTime(turn, view, () => say.CARD_TOO_SLOW_PRESS_AGAIN());
    const body = typeof answer === 'string'
      ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: answer }
      : { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: answer };
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    return '';
  });
  onDecision('bulk.cancel', 'cancel');
}
