/**
 * `audit` for IT admins: the trail of a UPN, of a requester, or of a date range, as a card,
 * and as CSV with `audit … csv`. Never a secret: the trail holds none.
 *
 * The CSV can be far larger than one Teams message (about 100 KB in UTF-16, 413 past it):
 * in a 1:1 chat it is offered as a file — a file consent card; when the admin allows it, the
 * bot reads the trail again and writes it to the upload URL Teams gives, then shows the file
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/bots-filesv4), only if that
 * URL is on the organisation's OneDrive host (FILE_UPLOAD_HOSTS). Teams' answer to the consent card
 * is an invoke: it is acknowledged at once, and the export is written and shown after the turn. Where
 * Teams refuses the file card (an app package without supportsFiles) it comes as chat messages,
 * each within the limit.
 */
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { MESSAGE_BUDGET_UTF16, REFUSAL_EVENT, say, type AuditCriteria, type AuditEvent, type RequestDesk } from '../onboarding/index.js';
import { renderCard } from './cards/render.js';
import { textInParts } from './cards/text-parts.js';
import { isPersonalChat, personOf } from './onboarding-routes.js';
import { cardTurnOf, type CardBudget, type CardTurn } from './card-budget.js';
import { checkUploadUrl, consentedUploadOf, fileConsentCard, fileInfoCard, uploadToConsentedFile, type ConsentedUpload } from './teams-files.js';

export interface AuditConversationOptions {
  desk: RequestDesk;
  logger: Logger;
  /** Posts what the answer to a file consent card leads to, after its turn. */
  budget: CardBudget;
  /** Where a consented file may be uploaded: the organisation's OneDrive host(s). */
  uploadHosts: readonly string[];
}
const MAX_CARD_EVENTS = 15;
/** Events in an export file (a month of a busy tenant; the file has no size problem). */
const MAX_FILE_EVENTS = 10_000;
/** Events exported as chat messages: a few messages, not a flood. */
const MAX_TEXT_EVENTS = 1_000;
/** A part of the CSV with its sentence and fence fits the 80 KB a message is planned to hold. */
const CSV_PART_UTF16 = MESSAGE_BUDGET_UTF16 - 2_000;
/** What the consent card carries back (Teams returns it with the answer): the command, read and checked again then. */
const EXPORT_CONTEXT = 'audit-csv';

/** Parses the words after `audit`; a value or a sentence saying what is wrong. */
type MutableCriteria = { -readonly [K in keyof AuditCriteria]: AuditCriteria[K] } & { requesterUpn?: string };

export function parseAuditCommand(text: string): { criteria: MutableCriteria; csv: boolean } | string {
  const words = text.trim().split(/\s+/).slice(1);
  const csv = words.at(-1)?.toLowerCase() === 'csv';
  if (csv) words.pop();
  const criteria: MutableCriteria = {};
  const date = (value: string | undefined, endOfDay: boolean): Date | undefined => {
    if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
    const parsed = new Date(`${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z`);
    // new Date() rolls 2026-02-30 over to March; a real date reads back the same.
    return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value ? undefined : parsed;
  };
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!.toLowerCase();
    const next = words[i + 1];
    if (word === 'requester') {
      if (!next || !next.includes('@')) return say.AUDIT_REQUESTER_NEEDED();
      criteria.requesterUpn = next.toLowerCase();
      i += 1;
    } else if (word === 'refusals') {
      criteria.type = REFUSAL_EVENT;
    } else if (word === 'from' || word === 'to') {
      const parsed = date(next, word === 'to');
      if (!parsed) return say.AUDIT_DATE_NEEDED(word);
      if (word === 'from') criteria.from = parsed;
      else criteria.to = parsed;
      i += 1;
    } else if (word.includes('@') && word.length <= 113) {
      criteria.userPrincipalName = word;
    } else {
      return say.AUDIT_WORD_UNKNOWN(words[i]!);
    }
  }
  if (!criteria.userPrincipalName && !criteria.requesterUpn && !criteria.from && !criteria.to && !criteria.type) return say.AUDIT_USAGE();
  if (criteria.from && criteria.to && criteria.from > criteria.to) return say.AUDIT_DATES_SWAPPED();
  return { criteria, csv };
}

export function addAuditConversation(app: Application<TurnState>, options: AuditConversationOptions): void {
  const { desk, logger, budget } = options;

  const readForExport = async (command: string, limit: number) => {
    const parsed = parseAuditCommand(command);
    if (typeof parsed === 'string') return { kind: 'sentence' as const, sentence: parsed };
    const found = await desk.readAuditTrail({ ...parsed.criteria, limit });
    if (found.kind === 'none') return { kind: 'sentence' as const, sentence: found.sentence };
    return { kind: 'csv' as const, count: found.events.length, limited: found.events.length >= limit, csv: desk.auditCsv(found.events) };
  };

  /** The export as chat messages, each within Teams' size limit. */
  const sendInParts = async (context: TurnContext, exported: { count: number; limited: boolean; csv: string }) => {
    const parts = textInParts(exported.csv, CSV_PART_UTF16);
    for (const [index, part] of parts.entries()) {
      await context.sendActivity(MessageFactory.text(say.AUDIT_CSV(exported.count, exported.limited, index + 1, parts.length, part.replace(/\r\n$/, ''))));
    }
  };

  const exportCsv = async (context: TurnContext, command: string) => {
    const personal = isPersonalChat(context);
    const exported = await readForExport(command, personal ? MAX_FILE_EVENTS : MAX_TEXT_EVENTS);
    if (exported.kind === 'sentence') return void (await context.sendActivity(MessageFactory.text(exported.sentence)));
    if (personal) {
      const card = fileConsentCard(exportFileName(command), Buffer.byteLength(exported.csv, 'utf8'), say.AUDIT_FILE_OFFER(exported.count, exported.limited),
        { export: EXPORT_CONTEXT, command: command.slice(0, 500) });
      try {
        await context.sendActivity(MessageFactory.attachment(card));
        return;
      } catch (error) {
        // Where Teams takes no file (an app package without supportsFiles) the export comes as messages instead.
        // Which status Teams refuses the card with is undocumented (test/support/recording-connector.ts,
        // FILES_NOT_SUPPORTED): any refusal of this one message counts, except throttling (retried already).
        const status = (error as { statusCode?: unknown }).statusCode;
        if (typeof status !== 'number' || status < 400 || status >= 500 || status === 429) throw error;
        logger.warn({ status }, 'Teams refused the export file offer; sending the export as messages');
        const text = await readForExport(command, MAX_TEXT_EVENTS);
        if (text.kind === 'csv') await sendInParts(context, text);
        return;
      }
    }
    await sendInParts(context, exported);
  };

  app.message(/^\s*audit\b/i, async (context: TurnContext) => {
    // Everyone in a channel or group chat would read the trail: one sentence, nothing looked up.
    if (!isPersonalChat(context)) return void (await context.sendActivity(MessageFactory.text(say.AUDIT_IN_PERSONAL_CHAT_ONLY())));
    const refusal = await desk.auditTrailRefusal(personOf(context));
    if (refusal) return void (await context.sendActivity(refusal));
    const command = context.activity.text ?? '';
    const parsed = parseAuditCommand(command);
    if (typeof parsed === 'string') return void (await context.sendActivity(MessageFactory.text(parsed)));
    if (parsed.csv) return exportCsv(context, command);
    const found = await desk.readAuditTrail({ ...parsed.criteria, limit: MAX_CARD_EVENTS });
    if (found.kind === 'none') return void (await context.sendActivity(found.sentence));
    const { events } = found;
    const rows = events.map((event) => ({
      title: `${event.at.replace('T', ' ').slice(0, 19)} ${event.type}`,
      value: describeEvent(event),
    }));
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderCard('audit', {
      title: `Audit trail (${events.length === MAX_CARD_EVENTS ? `latest ${MAX_CARD_EVENTS}` : events.length} events)`,
      rows,
      hint: 'Add "csv" to the command for all matching events as CSV.',
    }))));
  });

  /**
   * The admin allowed the file: the role is checked again, the trail read again (the command comes
   * back from the card, so it is parsed again), and the CSV goes to the upload URL Teams gave if it
   * is on the organisation's OneDrive; then the file card, or the sentence why not, in the chat.
   */
  const exportToConsentedFile = async (turn: CardTurn, offered: { export?: unknown; command?: unknown } | undefined, upload: ConsentedUpload | undefined) => {
    const tell = (sentence: string) => budget.post(turn, MessageFactory.text(sentence));
    if (offered?.export !== EXPORT_CONTEXT || typeof offered.command !== 'string' || !upload) return tell(say.FILE_ANSWER_UNKNOWN());
    const refusal = await desk.auditTrailRefusal(personOf(turn));
    if (refusal) return tell(refusal);
    const destination = checkUploadUrl(upload.uploadUrl, options.uploadHosts);
    if (!destination.allowed) {
      logger.warn({ host: destination.host, allowed: options.uploadHosts }, 'the upload URL for the audit export is not the organisation\'s OneDrive (FILE_UPLOAD_HOSTS): nothing was written there');
      return tell(say.AUDIT_FILE_FAILED());
    }
    const exported = await readForExport(offered.command, MAX_FILE_EVENTS);
    if (exported.kind === 'sentence') return tell(exported.sentence);
    if (!(await uploadToConsentedFile(upload, Buffer.from(exported.csv, 'utf8'), 'text/csv'))) {
      logger.warn({ file: upload.name }, 'the audit export could not be written to the upload URL');
      return tell(say.AUDIT_FILE_FAILED());
    }
    await budget.post(turn, { ...MessageFactory.text(say.AUDIT_FILE_SAVED(exported.count, upload.name)), attachments: [fileInfoCard(upload)] });
  };

  // Teams waits for the answer to this invoke only so long, like any other (card-budget.ts): teams-ai
  // answers 200 when the handler returns, so the export goes on after the turn.
  app.fileConsentAccept(async (context, _state, answer) => {
    const turn = cardTurnOf(context);
    void exportToConsentedFile(turn, answer.context as { export?: unknown; command?: unknown } | undefined, consentedUploadOf(answer)).catch(async (error: unknown) => {
      logger.error({ err: error }, 'the audit export failed after the consent was answered');
      await budget.post(turn, MessageFactory.text(say.AUDIT_FILE_FAILED())).catch(() => undefined);
    });
  });
  app.fileConsentDecline(async (context, _state, answer) => {
    const turn = cardTurnOf(context);
    const offered = answer.context as { export?: unknown } | undefined;
    void budget.post(turn, MessageFactory.text(offered?.export === EXPORT_CONTEXT ? say.AUDIT_FILE_DECLINED() : say.FILE_ANSWER_UNKNOWN()))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not say that the export was declined'));
  });
}

/** "audit from 2026-11-01 to 2026-11-30 csv" → "audit-from-2026-11-01-to-2026-11-30.csv": what it holds, safe as a OneDrive file name. */
export function exportFileName(command: string): string {
  const words = command.trim().split(/\s+/).filter((word, index, all) => !(index === all.length - 1 && word.toLowerCase() === 'csv'));
  const slug = words.join('-').toLowerCase().replace(/[^a-z0-9.@_-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-$/g, '').slice(0, 100);
  return `${slug || 'audit'}.csv`;
}

/** One line per event: for a request, its user name, requester and status; for a refusal, who, what and why. */
function describeEvent(event: AuditEvent): string {
  const { details } = event;
  const parts = event.type === REFUSAL_EVENT
    ? [details.personName ?? details.personId ?? 'unknown person', details.action, details.reason, details.detail]
    : [details.userPrincipalName, details.requesterName, details.status];
  return parts.filter((v) => v !== null && v !== undefined && v !== '').join(' · ');
}
