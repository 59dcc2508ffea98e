/**
 * `audit` for IT admins: the trail of a UPN, of a requester, or of a date range, as a card,
 * and as CSV with `audit … csv`. Never a secret: the trail holds none.
 */
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import { mayAdminister, type AuditCriteria, type AuditReader, type Directory, type RoleResolver } from '../onboarding/index.js';
import { renderCard } from './cards/render.js';

export interface AuditConversationOptions {
  audit: AuditReader;
  roles: RoleResolver;
  directory: Directory;
}

const USAGE =
  'Usage: **audit** *user name* (e.g. audit adele.vance@contoso.com), **audit requester** *user name*, **audit from** *YYYY-MM-DD* [**to** *YYYY-MM-DD*]; add **csv** at the end for a CSV export.';
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
      if (!next || !next.includes('@')) return `After "requester" give the person's user name. ${USAGE}`;
      criteria.requesterUpn = next.toLowerCase();
      i += 1;
    } else if (word === 'from' || word === 'to') {
      const parsed = date(next, word === 'to');
      if (!parsed) return `After "${word}" give a date as YYYY-MM-DD. ${USAGE}`;
      if (word === 'from') criteria.from = parsed;
      else criteria.to = parsed;
      i += 1;
    } else if (word.includes('@') && word.length <= 113) {
      criteria.userPrincipalName = word;
    } else {
      return `I did not understand "${words[i]!.slice(0, 40)}". ${USAGE}`;
    }
  }
  if (!criteria.userPrincipalName && !criteria.requesterUpn && !criteria.from && !criteria.to) return USAGE;
  if (criteria.from && criteria.to && criteria.from > criteria.to) return 'The "from" date is after the "to" date; swap them and try again.';
  return { criteria, csv };
}

export function addAuditConversation(app: Application<TurnState>, options: AuditConversationOptions): void {
  app.message(/^\s*audit\b/i, async (context: TurnContext) => {
    const who = context.activity.from?.aadObjectId;
    if (!who || !mayAdminister(await options.roles.roleOf(who, { fresh: true }))) {
      return void (await context.sendActivity(`Only IT admins can read the audit trail. Ask a member of ${(await options.roles.whomToAsk()).admins}.`));
    }
    const parsed = parseAuditCommand(context.activity.text ?? '');
    if (typeof parsed === 'string') return void (await context.sendActivity(MessageFactory.text(parsed)));
    const { requesterUpn, ...criteria } = parsed.criteria;
    if (requesterUpn) {
      const requester = await options.directory.findUserByUpn(requesterUpn);
      if (!requester) return void (await context.sendActivity(`${requesterUpn} was not found in the directory.`));
      criteria.requesterId = requester.id;
    }
    const events = await options.audit.query({ ...criteria, limit: parsed.csv ? 1000 : MAX_CARD_EVENTS });
    if (events.length === 0) return void (await context.sendActivity('No audit events match. Check the user name, or widen the dates.'));
    if (parsed.csv) {
      const csv = options.audit.toCsv(events);
      const fenced = csv.length > MAX_CSV_BYTES ? csv.slice(0, csv.lastIndexOf('\r\n', MAX_CSV_BYTES)) : csv;
      const note = fenced.length < csv.length ? ' (cut to fit one message; narrow the dates for the rest)' : '';
      return void (await context.sendActivity(MessageFactory.text(`${events.length} audit events as CSV${note}:\n\n\`\`\`\n${fenced}\n\`\`\``)));
    }
    const rows = events.map((event) => ({
      title: `${event.at.replace('T', ' ').slice(0, 19)} ${event.type}`,
      value: [event.details.userPrincipalName, event.details.requesterName, event.details.status].filter((v) => v !== null && v !== undefined && v !== '').join(' · '),
    }));
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(renderCard('audit', {
      title: `Audit trail (${events.length === MAX_CARD_EVENTS ? `latest ${MAX_CARD_EVENTS}` : events.length} events)`,
      rows,
      hint: 'Add "csv" to the command for all matching events as CSV.',
    }))));
  });
}
