/** Reading what people actually see in recorded activities and invoke responses. */
import type { RecordedActivity } from './recording-connector.js';

export type Card = { type: string; body?: unknown[]; actions?: { verb?: string; data?: Record<string, unknown>; title?: string }[] };

export function cardsIn(activity: Record<string, unknown>): Card[] {
  const attachments = (activity.attachments ?? []) as { contentType: string; content: Card }[];
  return attachments.filter((a) => a.contentType === 'application/vnd.microsoft.card.adaptive').map((a) => a.content);
}

export function cardOf(recorded: RecordedActivity | undefined): Card {
  const card = recorded ? cardsIn(recorded.activity)[0] : undefined;
  if (!card) throw new Error(`expected a card, got ${JSON.stringify(recorded?.activity ?? null).slice(0, 500)}`);
  return card;
}

/** The card in an Action.Execute invoke response, or the message text when it answered with one. */
export function invokeResult(body: unknown): { card?: Card; message?: string } {
  const response = body as { statusCode?: number; type?: string; value?: unknown };
  if (response?.type === 'application/vnd.microsoft.card.adaptive') return { card: response.value as Card };
  if (response?.type === 'application/vnd.microsoft.activity.message') return { message: String(response.value) };
  throw new Error(`unexpected invoke response ${JSON.stringify(body).slice(0, 500)}`);
}

/** All visible text of a card, flattened (TextBlock text, TextRun text, fact titles and values, input values). */
export function textOf(card: Card): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'value', 'label']) if (typeof n[key] === 'string') out.push(n[key] as string);
      for (const value of Object.values(n)) if (typeof value === 'object') walk(value);
    }
  };
  walk(card);
  return out.join('\n');
}

export function actionData(card: Card, verb: string): Record<string, unknown> {
  const action = card.actions?.find((a) => a.verb === verb);
  if (!action) throw new Error(`card has no ${verb} action: ${JSON.stringify(card.actions)}`);
  return action.data ?? {};
}
