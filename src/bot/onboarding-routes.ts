/**
 * The onboarding conversation in Teams: commands and plain-sentence requests open a form
 * card; Check and review asks the desk to review it; only Create submits it. Each handler
 * translates between Teams and one use case of the request desk; every card action
 * re-checks who clicked (the draft's owner, kept server-side).
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, MessageFactory, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { AdaptiveCard, Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { say, problemSentence, type FormPreparation, type OnboardingForm, type Requester, type RequestDesk } from '../onboarding/index.js';
import { extractOnboardingRequest } from '../request-reading/index.js';
import type { AddressBook } from './address-book.js';
import { DraftStore, type Draft } from './drafts.js';
import { onboardingFormCard, onboardingResultCard, onboardingReviewCard, ticketCard } from './cards/onboarding-cards.js';
import { datesFor } from './cards/dates.js';

/** Replaces a message the bot posted earlier, outside the turn that asked for it. */
export interface MessageUpdater {
  replaceMessage(reference: Partial<ConversationReference>, messageId: string, message: Partial<Activity>): Promise<void>;
}

export interface OnboardingConversationOptions {
  desk: RequestDesk;
  addresses: AddressBook;
  drafts: DraftStore;
  messages: MessageUpdater;
  logger: Logger;
  /** How long the Create click waits for the result before answering "working on it" (Teams wants an answer within a few seconds). */
  createAnswerWithinMs?: number;
}

type CardResult = AdaptiveCard | string;
type CardData = Record<string, unknown>;

export const ONBOARDING_COMMANDS = [
  { command: 'new user', description: 'Request a new Entra ID account (also: onboard, or just describe it in a sentence).' },
  { command: 'status', description: 'Your recent requests and where they are.' },
  { command: 'set ticket channel', description: 'Admins, in a channel: make it the IT ticket channel.' },
] as const;

/** The person behind an activity, by their Entra object id; undefined for guests and unknown senders. */
export function personOf(context: TurnContext): Requester | undefined {
  const from = context.activity.from;
  if (!from?.aadObjectId) return undefined;
  // How they read dates goes with the request: tickets and their reveal card are written outside their turns.
  const { locale, timeZone } = datesFor(context);
  return { id: from.aadObjectId, name: from.name ?? 'Someone', locale, timeZone };
}

export function addOnboardingConversation(app: Application<TurnState>, options: OnboardingConversationOptions): void {
  const { desk, drafts, logger } = options;

  const sendCard = (context: TurnContext, card: Record<string, unknown>) =>
    context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));

  /**
   * Answers an Action.Execute with a card. A card that refreshes itself (`refresh.userIds`)
   * only works if the message holds it, so it first replaces the message — in the 1:1 chat
   * that is the requester's own view — and the invoke response is sent here. (Left to
   * teams-ai, one such card would switch that verb to "replace for all" for good.)
   */
  const answerWithCard = async (context: TurnContext, card: AdaptiveCard): Promise<CardResult> => {
    if (!('refresh' in card)) return card;
    const messageId = context.activity.replyToId;
    if (messageId) {
      await context.updateActivity({ ...(MessageFactory.attachment(CardFactory.adaptiveCard(card)) as Partial<Activity>), id: messageId })
        .catch((error: unknown) => logger.warn({ err: error }, 'could not replace the card message; the person still gets the answer'));
    }
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
    });
    return card;
  };

  /** Opens a new form (prefilled from a sentence, with notes) for a person who may request one. */
  const openForm = async (context: TurnContext, prefill: OnboardingForm = {}, notes: readonly string[] = [], preparedAlready?: FormPreparation) => {
    const prepared = preparedAlready ?? (await desk.prepareRequestForm(personOf(context)));
    if (prepared.kind === 'refused') return void (await context.sendActivity(prepared.sentence));
    const draft: Draft = { draftId: randomUUID(), ownerId: personOf(context)!.id, form: { ...prepared.defaults, ...prefill }, createdAt: new Date().toISOString() };
    const saved = await drafts.save(draft);
    await sendCard(context, onboardingFormCard({ draftId: draft.draftId, revision: saved.revision, form: draft.form, domains: prepared.domains, recipientChoices: prepared.recipientChoices, notes }));
  };

  /** Loads the draft named by the card and checks that the person clicking owns it (a refusal is recorded). */
  const draftFor = async (context: TurnContext, data: CardData, action: string): Promise<Draft | string> => {
    const person = personOf(context);
    const draft = await drafts.get(data.draftId, data.revision);
    if (!draft || draft.cancelled) return say.FORM_EXPIRED();
    if (!person || person.id !== draft.ownerId) {
      await desk.recordRefusal({ reason: person ? 'NOT_YOUR_FORM' : 'UNKNOWN_PERSON', action, person, requestId: draft.requestId });
      return say.NOT_YOUR_FORM();
    }
    return draft;
  };

  const showStatus = async (context: TurnContext) => {
    await context.sendActivity(MessageFactory.text(await desk.describeRecentRequests(personOf(context))));
  };

  const setTicketChannel = async (context: TurnContext) => {
    const conversation = context.activity.conversation;
    if (conversation?.conversationType !== 'channel') return void (await context.sendActivity(say.TICKET_CHANNEL_WHERE()));
    const refusal = await desk.ticketChannelRefusal(personOf(context));
    if (refusal) return void (await context.sendActivity(refusal));
    const reference = TurnContext.getConversationReference(context.activity);
    // Post tickets as new threads in the channel, not as replies to this message.
    const channelId = conversation.id.split(';')[0] ?? conversation.id;
    await options.addresses.setTicketChannel({
      reference: { ...reference, conversation: { ...reference.conversation!, id: channelId } },
      channelName: (context.activity.channelData as { channel?: { name?: string } } | undefined)?.channel?.name,
      setBy: personOf(context)?.name ?? 'an admin',
      setAt: new Date().toISOString(),
    });
    await context.sendActivity(say.TICKET_CHANNEL_SET());
  };

  const cancel = async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const draft = await draftFor(context, data, 'cancel');
    if (typeof draft === 'string') return draft;
    await drafts.save({ ...draft, cancelled: true });
    return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: say.REQUEST_CANCELLED(), wrap: true }] } satisfies AdaptiveCard;
  };

  const edit = async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const draft = await draftFor(context, data, 'edit');
    if (typeof draft === 'string') return draft;
    const prepared = await desk.prepareRequestForm(personOf(context));
    if (prepared.kind === 'refused') return prepared.sentence;
    return onboardingFormCard({ draftId: draft.draftId, revision: draft.revision, form: draft.form, domains: prepared.domains, recipientChoices: prepared.recipientChoices });
  };

  const review = async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const draft = await draftFor(context, data, 'review');
    if (typeof draft === 'string') return draft;
    const result = await desk.reviewRequest(personOf(context)!, data);
    if (result.kind === 'refused') return result.sentence;
    if (result.kind === 'needs-changes') {
      const saved = await drafts.save({ ...draft, form: result.form });
      return onboardingFormCard({ draftId: draft.draftId, revision: saved.revision, ...result });
    }
    const checked: Draft = {
      ...draft, form: result.form, requestId: draft.requestId ?? randomUUID(), userPrincipalName: result.request.userPrincipalName, confirmations: result.confirmations,
      manager: result.manager,
    };
    const saved = await drafts.save(checked);
    return onboardingReviewCard({
      draftId: draft.draftId, revision: saved.revision, userPrincipalName: result.request.userPrincipalName, form: checked.form, displayName: result.request.displayName,
      confirmations: result.confirmations, dates: datesFor(context), recipient: result.recipient, guest: result.guest,
    });
  };

  const create = async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const draft = await draftFor(context, data, 'create');
    if (typeof draft === 'string') return draft;
    if (!draft.requestId) return say.CHECK_FIRST();
    const requestId = draft.requestId;
    const submission = await desk.submitRequest({
      requestId, requester: personOf(context)!, form: draft.form, confirmations: { needed: draft.confirmations ?? [], data }, manager: draft.manager,
    });
    if (submission.kind === 'refused') {
      // This request id is settled as refused; pressing Create again later is a new request.
      if (submission.asNewRequest) await drafts.save({ ...draft, requestId: randomUUID() });
      return submission.sentence;
    }
    const { work } = submission;
    const answer = await Promise.race([
      work.then((outcome) => ({ kind: 'done' as const, outcome })),
      new Promise<{ kind: 'later' }>((resolve) => setTimeout(() => resolve({ kind: 'later' }), options.createAnswerWithinMs ?? 4000).unref()),
    ]);
    if (answer.kind === 'done') return answerWithCard(context, onboardingResultCard(answer.outcome, context.activity.from.id));
    // Still working: answer now, and replace the card with the result when it is known —
    // only after the answer went out, so the result can't be overwritten by "Working on it".
    // The turn context is revoked when the turn ends: keep what the background needs now.
    const reference = TurnContext.getConversationReference(context.activity);
    const cardMessageId = context.activity.replyToId;
    const working = onboardingResultCard({
      requestId, correlationId: requestId, status: 'creating', pending: true, userPrincipalName: draft.userPrincipalName,
      fieldProblems: [], alternatives: [], warnings: [],
    }, context.activity.from.id);
    const answered = answerWithCard(context, working);
    void Promise.all([work, answered.catch(() => undefined)])
      .then(async ([outcome]) => {
        if (!cardMessageId) return;
        await options.messages.replaceMessage(reference, cardMessageId, MessageFactory.attachment(CardFactory.adaptiveCard(onboardingResultCard(outcome))) as Partial<Activity>);
      })
      .catch((error: unknown) => logger.error({ err: error, requestId }, 'could not finish an onboarding request in the background'));
    return answered;
  };

  const showResult = async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const result = await desk.requestResult(personOf(context), data.requestId);
    if (result.kind === 'refused') return result.sentence;
    return answerWithCard(context, onboardingResultCard(result.outcome, context.activity.from.id));
  };

  const decide = (decision: 'approved' | 'rejected') => async (context: TurnContext, data: CardData): Promise<CardResult> => {
    const approver = personOf(context);
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    if (!approver) {
      await desk.recordRefusal({ reason: 'UNKNOWN_PERSON', action: decision === 'approved' ? 'approve' : 'reject', requestId });
      return problemSentence('APPROVAL_REQUEST_UNKNOWN');
    }
    const reason = typeof data.rejectReason === 'string' ? data.rejectReason : undefined;
    const result = await desk.decideApproval({ requestId, approver, decision, reason });
    if (result.kind === 'refused') return problemSentence(result.reason);
    void result.continuing?.catch((error: unknown) => logger.error({ err: error, requestId }, 'could not finish an approved request'));
    return ticketCard(result.ticket, datesFor(context));
  };

  /** A plain sentence: open the form prefilled when it reads like an account request. */
  const readSentence = async (context: TurnContext) => {
    const text = context.activity.text ?? '';
    const read = (knownDomains?: readonly string[]) =>
      extractOnboardingRequest(text, {
        today: desk.today(datesFor(context).timeZone),
        ...(knownDomains ? { knownDomains } : {}),
        ...(context.activity.locale ? { locale: context.activity.locale } : {}),
      });
    // Chit-chat costs no directory call; a request is read again knowing the tenant's domains.
    const first = read();
    if (!first.isAccountRequest) return void (await context.sendActivity(MessageFactory.text(say.NOT_UNDERSTOOD())));
    // Who may ask is settled before the directory is read on their behalf.
    const prepared = await desk.prepareRequestForm(personOf(context));
    if (prepared.kind === 'refused') return void (await context.sendActivity(prepared.sentence));
    const extraction = read(prepared.domains);
    await openForm(context, extraction.form, [say.FILLED_FROM_SENTENCE(), ...extraction.notes], prepared);
  };

  app.message(/^\s*(new\s+user|onboard|new\s+account)\s*$/i, (context) => openForm(context));
  app.message(/^\s*status\s*$/i, showStatus);
  app.message(/^\s*set\s+ticket\s+channel\s*$/i, setTicketChannel);
  app.adaptiveCards.actionExecute<CardData>('onboarding.open', async (context) => {
    await openForm(context);
    return say.FORM_OPENED();
  });
  app.adaptiveCards.actionExecute<CardData>('onboarding.cancel', (context, _state, data) => cancel(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.edit', (context, _state, data) => edit(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.review', (context, _state, data) => review(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.create', (context, _state, data) => create(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.result', (context, _state, data) => showResult(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.approve', (context, _state, data) => decide('approved')(context, data));
  app.adaptiveCards.actionExecute<CardData>('onboarding.reject', (context, _state, data) => decide('rejected')(context, data));
  app.activity('message', readSentence);
}
