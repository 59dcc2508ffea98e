/**
 * `audit` for IT admins: the trail of a UPN, of a requester, or of a date range, as a card,
 * and as CSV with `audit … csv`. Never a secret: the trail holds none.
 */
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import { REFUSAL_EVENT, say, type AuditCriteria, type AuditEvent, type RequestDesk } from '../onboarding/index.js';
import { renderCard } from './cards/render.js';
import { isPersonalChat, personOf } from './onboarding-routes.js';

export interface AuditConversationOptions {
  desk: RequestDesk;
}
const MAX_CARD_EVENTS = 15;
const MAX_CSV_BYTES = 60_000;

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
  const { desk } = options;
  app.message(/^\s*audit\b/i, async (context: TurnContext) => {
    // Everyone in a channel or group chat would read the trail: one sentence, nothing looked up.
    if (!isPersonalChat(context)) return void (await context.sendActivity(MessageFactory.text(say.AUDIT_IN_PERSONAL_CHAT_ONLY())));
    const refusal = await desk.auditTrailRefusal(personOf(context));
    if (refusal) return void (await context.sendActivity(refusal));
    const parsed = parseAuditCommand(context.activity.text ?? '');
    if (typeof parsed === 'string') return void (await context.sendActivity(MessageFactory.text(parsed)));
    const found = await desk.readAuditTrail({ ...parsed.criteria, limit: parsed.csv ? 1000 : MAX_CARD_EVENTS });
    if (found.kind === 'none') return void (await context.sendActivity(found.sentence));
    const { events } = found;
    if (parsed.csv) {
      const csv = desk.auditCsv(events);
      const fenced = csv.length > MAX_CSV_BYTES ? csv.slice(0, csv.lastIndexOf('\r\n', MAX_CSV_BYTES)) : csv;
      return void (await context.sendActivity(MessageFactory.text(say.AUDIT_CSV(events.length, fenced.length < csv.length, fenced))));
    }
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
}

/** One line per event: for a request, its user name, requester and status; for a refusal, who, what and why. */
function describeEvent(event: AuditEvent): string {
  const { details } = event;
  const parts = event.type === REFUSAL_EVENT
    ? [details.personName ?? details.personId ?? 'unknown person', details.action, details.reason, details.detail]
    : [details.userPrincipalName, details.requesterName, details.status];
  return parts.filter((v) => v !== null && v !== undefined && v !== '').join(' · ');
}
