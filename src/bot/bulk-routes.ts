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
import { readBulkSheet } from '../request-reading/bulk-sheet.js';
import { bulkReviewCard, bulkRevealedCard, bulkSentenceCard } from './cards/bulk-cards.js';
import { isPersonalChat, personOf } from './onboarding-routes.js';
import { cardTurnOf, type CardAnswer, type CardBudget, type CardTurn } from './card-budget.js';

export const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

export interface BulkConversationOptions {
  readonly desk: BulkDesk;
  readonly logger: Logger;
  /** Every card action answers within its budget; what takes longer finishes in the background. */
  readonly budget: CardBudget;
  /** Largest file downloaded, in bytes (a 1,000-row sheet is about 300 KB). */
  readonly maxFileBytes?: number;
  /** Downloads an attachment (tests pass their own; production uses fetch over https). */
  readonly download?: (url: string, maxBytes: number) => Promise<DownloadResult>;
}

export type DownloadResult = { readonly kind: 'ok'; readonly text: string } | { readonly kind: 'too-large' } | { readonly kind: 'failed' };

type CardData = Record<string, unknown>;

interface FileAttachment { readonly downloadUrl: string; readonly fileType: string; readonly name: string }

/** A sheet pasted into a message: the template's version line, or a header naming the display name column. */
export function looksLikeBulkSheet(text: string): boolean {
  return text.includes('\n') && (/^\s*version:v\d/im.test(text) || /\[displayName\]/i.test(text));
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
  const maxBytes = options.maxFileBytes ?? 1_000_000;
  const download = options.download ?? downloadOverHttps;

  const receiveSheet = async (context: TurnContext): Promise<void> => {
    const admin = personOf(context);
    if (!admin) return void (await context.sendActivity(sayBulk.ADMINS_ONLY('the onboarding admins group')));
    let text = context.activity.text ?? '';
    const file = fileAttachmentOf(context);
    if (file) {
      if (file.fileType.toLowerCase() !== 'csv' && !/\.csv$/i.test(file.name)) return void (await context.sendActivity(sayBulk.FILE_NOT_CSV()));
      const downloaded = await download(file.downloadUrl, maxBytes);
      if (downloaded.kind === 'too-large') return void (await context.sendActivity(sayBulk.FILE_TOO_LARGE(Math.round(maxBytes / 1000))));
      if (downloaded.kind === 'failed') return void (await context.sendActivity(sayBulk.FILE_UNREADABLE()));
      text = downloaded.text;
    }
    const review = await desk.reviewSheet(admin, readBulkSheet(text));
    if (review.kind === 'refused') return void (await context.sendActivity(review.message));
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(bulkReviewCard(review))));
  };

  const decide = (decision: 'approve' | 'cancel') => async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const admin = personOf(turn);
    const jobId = typeof data.jobId === 'string' ? data.jobId : '';
    if (!admin) return bulkSentenceCard(sayBulk.NOT_YOUR_BULK());
    const result = await desk.decide(admin, jobId, decision);
    if (result.kind === 'refused') return bulkSentenceCard(result.message);
    if (result.kind === 'cancelled') return bulkSentenceCard(sayBulk.BULK_CANCELLED());
    void result.work?.catch((error: unknown) => logger.error({ err: error, jobId }, 'a bulk run stopped; it is resumed later'));
    return bulkSentenceCard(sayBulk.BULK_STARTED());
  };

  app.message(async (context) => isPersonalChat(context) && (fileAttachmentOf(context) !== undefined || looksLikeBulkSheet(context.activity.text ?? '')), receiveSheet);
  const onDecision = (verb: string, decision: 'approve' | 'cancel') =>
    app.adaptiveCards.actionExecute<CardData>(verb, async (context, _state, data) => {
      const turn = cardTurnOf(context);
      return budget.answer(turn, decide(decision)(turn, data), () => say.CARD_WORKING_ON_IT(), 'replace-card') as Promise<ReturnType<typeof bulkSentenceCard> | string>;
    });
  onDecision('bulk.approve', 'approve');
  // The secrets exist only in the invoke response to the recipient's own click: never posted, never written over the card
  // (too slow, and the click is answered to press again; the late answer is dropped).
  app.adaptiveCards.actionExecute<CardData>('bulk.reveal', async (context, _state, data) => {
    const turn = cardTurnOf(context);
    const view = desk.revealCredentials(personOf(turn), data.jobId).then((answer) => (answer.kind === 'refused' ? answer.sentence : bulkRevealedCard(answer)));
    const answer = await budget.answer(turn, view, () => say.CARD_TOO_SLOW_PRESS_AGAIN(), 'drop');
    const body = typeof answer === 'string'
      ? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: answer }
      : { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: answer };
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
    return '';
  });
  onDecision('bulk.cancel', 'cancel');
}

/** GET over https with a size cap: the pre-authorised download URL Teams gives for a file in a 1:1 chat. */
async function downloadOverHttps(url: string, maxBytes: number): Promise<DownloadResult> {
  try {
    if (new URL(url).protocol !== 'https:') return { kind: 'failed' };
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: 'follow' });
    if (!response.ok || !response.body) return { kind: 'failed' };
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too-large' };
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) return { kind: 'too-large' };
      chunks.push(chunk);
    }
    return { kind: 'ok', text: new TextDecoder('utf-8').decode(Buffer.concat(chunks)) };
  } catch {
    return { kind: 'failed' };
  }
}
