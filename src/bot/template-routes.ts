/**
 * Templates in Teams, for IT admins, in their private chat with the bot only (template details
 * stay out of channels): `templates` lists them on a card with New, Edit and Remove; the editor
 * card finds groups by name and offers the organisation's licences; `templates export` answers
 * with the JSON (in parts when it is long), `templates import` takes it back. And the ticket
 * card's "Apply template" / "Assign licence" buttons. Each handler translates between Teams and
 * the template desk (or the request desk); the desk checks who may, every time.
 */
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { AdaptiveCard, Application, TurnState } from '@microsoft/teams-ai';
import { cardTurnOf, type CardAnswer, type CardBudget, type CardTurn } from './card-budget.js';
import {
  jsonSizeOf, MESSAGE_BUDGET_UTF16, partsWithin, say, sayTemplates, type RequestDesk, type StoredTemplate, type TemplateDesk, type TemplateAction,
} from '../onboarding/index.js';
import { pastedSheetOf } from '../request-reading/bulk-sheet.js';
import { datesFor } from './cards/dates.js';
import { ticketCard } from './cards/onboarding-cards.js';
import { editorValuesOf, readEditorData, templateEditorCard, templateListCard, templateRemoveCard, type EditorValues } from './cards/template-cards.js';
import { isPersonalChat, personOf } from './onboarding-routes.js';

export interface TemplateConversationOptions {
  templates: TemplateDesk;
  desk: RequestDesk;
  /** Every card action answers within it (templates read Graph: groups, seats). */
  budget: CardBudget;
}

type CardData = Record<string, unknown>;
/** Who asked, as a card turn or a message turn (both carry the activity). */
type Turn = CardTurn | TurnContext;

export const TEMPLATE_COMMANDS = [
  { command: 'templates', description: 'Admins, in our private chat: onboarding templates (groups, licence, defaults per department); add "export" or "import".' },
] as const;

export function addTemplateConversation(app: Application<TurnState>, options: TemplateConversationOptions): void {
  const { templates, desk, budget } = options;

  /** A card action within the budget: too slow, and the click is answered "working on it" and the result replaces the card. */
  const onCard = (verb: string, work: (turn: CardTurn, data: CardData) => Promise<CardAnswer>) =>
    app.adaptiveCards.actionExecute<CardData>(verb, async (context, _state, data) => {
      const turn = cardTurnOf(context);
      return budget.answer(turn, work(turn, data), () => say.CARD_WORKING_ON_IT(), 'replace-card') as Promise<AdaptiveCard | string>;
    });

  const listCard = async (turn: Turn, notes: readonly string[] = []): Promise<CardAnswer> => {
    const listed = await templates.list(personOf(turn));
    return listed.kind === 'refused' ? listed.sentence : templateListCard(listed.templates, notes);
  };

  /** The editor for `stored` (or a new template) with `values`, its groups read again and the matches of `search`. */
  const editorCard = async (
    turn: Turn, input: { stored?: StoredTemplate | undefined; values: EditorValues; groupIds: readonly string[]; search?: string; notes?: readonly string[]; problems?: Parameters<typeof templateEditorCard>[0]['problems'] },
  ): Promise<CardAnswer> => {
    const licenceGroup = input.values.licence.startsWith('group:') ? [input.values.licence.slice(6)] : [];
    const choices = await templates.editorChoices(personOf(turn), { groupIds: [...input.groupIds, ...licenceGroup], search: input.search });
    if (choices.kind === 'refused') return choices.sentence;
    const ticked = new Set(input.groupIds);
    return templateEditorCard({
      stored: input.stored, values: input.values, skus: choices.skus, search: input.search ?? '',
      chosen: choices.chosen.filter((g) => ticked.has(g.id)),
      matches: [...choices.chosen.filter((g) => !ticked.has(g.id)), ...choices.matches],
      searchNote: input.search && choices.matches.length === 0 ? sayTemplates.GROUP_SEARCH_EMPTY(input.search) : '',
      problems: input.problems, notes: input.notes,
    });
  };

  /** The template a card names, as it is now (undefined when gone). */
  const storedFor = async (turn: Turn, data: CardData): Promise<StoredTemplate | undefined | string> => {
    const templateId = typeof data.templateId === 'string' ? data.templateId.slice(0, 64) : '';
    if (!templateId) return undefined;
    const found = await templates.get(personOf(turn), templateId);
    if (found.kind === 'refused') return found.sentence;
    return found.stored ?? sayTemplates.UNKNOWN_TEMPLATE();
  };

  /** The JSON, said in the conversation by `send` (in parts past a message's size); '' when sent, else why not. */
  const exportTemplates = async (turn: Turn, send: (text: string) => Promise<unknown>): Promise<string> => {
    const exported = await templates.exportTemplates(personOf(turn));
    if (exported.kind === 'refused') return exported.sentence;
    // Within the size of one Teams message; a long export goes in parts, split at line ends.
    const whole = sayTemplates.EXPORT(exported.count, exported.json.trimEnd());
    if (jsonSizeOf(whole) <= MESSAGE_BUDGET_UTF16) {
      await send(whole);
      return '';
    }
    const lines = exported.json.trimEnd().split('\n').map((line) => `${line}\n`);
    const parts = partsWithin(lines, jsonSizeOf, MESSAGE_BUDGET_UTF16 - 200);
    for (const [i, part] of parts.entries()) await send(sayTemplates.EXPORT_PART(i + 1, parts.length, part.join('').trimEnd()));
    return '';
  };

  app.message(/^\s*templates?\b/i, async (context) => {
    if (!isPersonalChat(context)) return void (await context.sendActivity(sayTemplates.PERSONAL_CHAT_ONLY()));
    const words = (context.activity.text ?? '').trim().split(/\s+/);
    const sub = (words[1] ?? '').toLowerCase();
    if (sub === '') {
      const card = await listCard(context);
      return void (await context.sendActivity(typeof card === 'string' ? MessageFactory.text(card) : MessageFactory.attachment(CardFactory.adaptiveCard(card))));
    }
    if (sub === 'export') {
      const sentence = await exportTemplates(context, (text) => context.sendActivity(MessageFactory.text(text)));
      return void (sentence && (await context.sendActivity(sentence)));
    }
    if (sub === 'import') {
      // Teams may turn the pasted text's line breaks into spaces; its HTML keeps them (JSON does not mind either way).
      const html = (context.activity.attachments ?? []).find((a) => a.contentType === 'text/html' && typeof a.content === 'string')?.content as string | undefined;
      const pasted = pastedSheetOf(context.activity.text ?? '', html);
      const raw = pasted.kind === 'lines' ? pasted.text : context.activity.text ?? '';
      const start = raw.indexOf('{');
      const answer = await templates.importTemplates(personOf(context), start < 0 ? '' : raw.slice(start));
      const text = answer.kind === 'problems' ? [answer.sentence, ...answer.problems.slice(0, 60).map((p) => `- ${p}`)].join('\n') : answer.sentence;
      return void (await context.sendActivity(MessageFactory.text(text)));
    }
    await context.sendActivity(sayTemplates.USAGE());
  });

  onCard('templates.list', (turn) => listCard(turn));
  onCard('templates.new', (turn) => editorCard(turn, { values: editorValuesOf(undefined), groupIds: [] }));
  onCard('templates.edit', async (turn, data) => {
    const stored = await storedFor(turn, data);
    if (typeof stored === 'string' || !stored) return stored ?? sayTemplates.UNKNOWN_TEMPLATE();
    return editorCard(turn, { stored, values: editorValuesOf(stored.template), groupIds: stored.template.groups.map((g) => g.id) });
  });
  onCard('templates.findGroups', async (turn, data) => {
    const stored = await storedFor(turn, data);
    if (typeof stored === 'string') return stored;
    const read = readEditorData(data);
    return editorCard(turn, { stored, values: read.values, groupIds: read.groupIds, search: read.search });
  });
  onCard('templates.save', async (turn, data) => {
    const read = readEditorData(data);
    const templateId = typeof data.templateId === 'string' && data.templateId ? data.templateId : undefined;
    const answer = await templates.save(personOf(turn), { templateId, version: typeof data.version === 'string' ? data.version : undefined, template: read.input });
    switch (answer.kind) {
      case 'refused': return answer.sentence;
      case 'saved': return listCard(turn, [answer.sentence]);
      case 'problems': {
        const stored = templateId ? await storedFor(turn, data) : undefined;
        return editorCard(turn, { stored: typeof stored === 'string' ? undefined : stored, values: read.values, groupIds: read.groupIds, problems: answer.problems });
      }
      case 'changed-meanwhile':
        return answer.current
          ? editorCard(turn, { stored: answer.current, values: editorValuesOf(answer.current.template), groupIds: answer.current.template.groups.map((g) => g.id), notes: [answer.sentence] })
          : listCard(turn, [answer.sentence]);
    }
  });
  onCard('templates.remove', async (turn, data) => {
    const stored = await storedFor(turn, data);
    if (typeof stored === 'string' || !stored) return stored ?? sayTemplates.UNKNOWN_TEMPLATE();
    // Asked about the version the list showed: a change since then is caught when it is confirmed.
    return templateRemoveCard(typeof data.version === 'string' ? { ...stored, version: data.version } : stored);
  });
  onCard('templates.confirmRemove', async (turn, data) => {
    const answer = await templates.remove(personOf(turn), {
      templateId: typeof data.templateId === 'string' ? data.templateId : '', version: typeof data.version === 'string' ? data.version : '',
    });
    return answer.kind === 'refused' ? answer.sentence : listCard(turn, [answer.sentence]);
  });
  // The JSON goes into the conversation as messages (within the turn or after it), the card answer says so.
  onCard('templates.export', async (turn) => (await exportTemplates(turn, (text) => budget.post(turn, MessageFactory.text(text)))) || sayTemplates.EXPORT_SENT());

  // The ticket card's buttons, in the IT channel: admins only, exactly once (the desk claims the record).
  const ticketAction = (action: TemplateAction) => async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const answer = await desk.ticketTemplateAction({ actor: personOf(turn), requestId: data.requestId, action });
    if (answer.kind === 'refused' || !answer.ticket) return answer.sentence;
    const card = ticketCard(answer.ticket, datesFor(turn));
    return { ...card, body: [{ type: 'TextBlock', text: answer.sentence, wrap: true, weight: 'Bolder', color: 'Good' }, ...((card.body as unknown[]) ?? [])] };
  };
  onCard('template.apply', ticketAction('apply-template'));
  onCard('template.assignLicence', ticketAction('assign-licence'));
}
