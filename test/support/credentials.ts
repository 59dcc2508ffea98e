/**
 * The credentials hand-over as a person meets it: the reveal card in their 1:1 chat, and
 * the secret that only the answer to their own Reveal click holds.
 */
import type { BotUnderTest } from './bot-under-test.js';
import { cardAction, personalMessage, type Person } from './activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from './cards.js';
import type { RecordedActivity } from './recording-connector.js';

/** Reveal cards posted to a conversation (by default: anywhere) for this display name, oldest first. */
export function revealCards(bot: BotUnderTest, options: { conversationId?: string; displayName?: string } = {}): Array<{ recorded: RecordedActivity; card: Card }> {
  return bot.connector.received
    .filter((r) => options.conversationId === undefined || r.conversationId === options.conversationId)
    .flatMap((recorded) => cardsIn(recorded.activity).map((card) => ({ recorded, card })))
    .filter(({ card }) => textOf(card).startsWith(`Credentials for ${options.displayName ?? ''}`));
}

/** The secret shown in a Reveal answer: the monospace text after its heading. */
export function secretIn(card: Card, heading: 'Temporary password' | 'Temporary Access Pass'): string | undefined {
  const body = (card.body ?? []) as Array<{ type: string; text?: string; inlines?: { text: string }[] }>;
  const at = body.findIndex((b) => b.type === 'TextBlock' && b.text === heading);
  return at >= 0 ? body[at + 1]?.inlines?.[0]?.text : undefined;
}

export interface Revealed {
  readonly card?: Card | undefined;
  readonly message?: string | undefined;
  readonly password?: string | undefined;
  readonly temporaryAccessPass?: string | undefined;
}

/** `person` clicks Reveal on a reveal card; what the invoke response shows them. */
export async function clickReveal(bot: BotUnderTest, person: Person, reveal: { recorded: RecordedActivity; card: Card }): Promise<Revealed> {
  const data = actionData(reveal.card, 'credentials.reveal');
  const response = await bot.send(cardAction(bot.connector.serviceUrl, person, 'credentials.reveal', data, reveal.recorded.activityId));
  const result = invokeResult(response.body);
  return {
    ...result,
    password: result.card ? secretIn(result.card, 'Temporary password') : undefined,
    temporaryAccessPass: result.card ? secretIn(result.card, 'Temporary Access Pass') : undefined,
  };
}

/**
 * `person` asks in their 1:1 chat ("new user"), fills in the name, presses Check and review,
 * then Create; what Create answered. `beforeCreate` runs between the two clicks; `activity`
 * adds fields to each activity (their Teams client's locale and time zone, say).
 */
export async function requestAccount(
  bot: BotUnderTest, person: Person,
  name: { givenName: string; surname: string; ticketReference?: string; personalEmail?: string; /** More form fields (manager, secretRecipient…). */ fields?: Record<string, string> },
  beforeCreate = () => {},
  activity: Record<string, unknown> = {},
): Promise<{ card?: Card; message?: string }> {
  const message = personalMessage(bot.connector.serviceUrl, person, 'new user', activity);
  await bot.send(message);
  const form = bot.connector.repliesTo(message.id)[0];
  const { draftId } = actionData(cardOf(form), 'onboarding.review');
  const click = async (verb: string, data: Record<string, unknown>) =>
    invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, form!.activityId, activity))).body);
  await click('onboarding.review', {
    draftId, givenName: name.givenName, surname: name.surname, domain: 'contoso.com', usageLocation: 'US',
    ticketReference: name.ticketReference ?? 'INC-77', businessJustification: 'New starter.',
    ...(name.personalEmail ? { personalEmail: name.personalEmail } : {}),
    ...name.fields,
  });
  beforeCreate();
  return click('onboarding.create', { draftId });
}
