/**
 * The onboarding conversation in Teams: commands and plain-sentence requests open a form
 * card; Check and review asks the desk to review it; only Create submits it. Each handler
 * translates between Teams and one use case of the request desk; every card action
 * re-checks who clicked (the draft's owner, kept server-side).
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, MessageFactory, TurnContext, type Activity } from 'botbuilder';
import type { AdaptiveCard, Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { say, problemSentence, reviewedTemplate, type FormPreparation, type OnboardingForm, type Requester, type RequestDesk } from '../onboarding/index.js';
import { extractOnboardingRequest } from '../request-reading/index.js';
import type { AddressBook } from './address-book.js';
import { cardTurnOf, type CardAnswer, type CardBudget, type CardTurn } from './card-budget.js';
import { DraftStore, type Draft } from './drafts.js';
import { onboardingFormCard, onboardingResultCard, onboardingReviewCard, ticketCard } from './cards/onboarding-cards.js';
import { datesFor } from './cards/dates.js';

export type { MessageUpdater } from './card-budget.js';

export interface OnboardingConversationOptions {
  desk: RequestDesk;
  addresses: AddressBook;
  drafts: DraftStore;
  /** Every card action answers within its budget; what takes longer finishes in the background. */
  budget: CardBudget;
  logger: Logger;
}

type CardData = Record<string, unknown>;

export const ONBOARDING_COMMANDS = [
  { command: 'new user', description: 'Request a new Entra ID account (also: onboard, or just describe it in a sentence).' },
  { command: 'status', description: 'Your recent requests and where they are (in your 1:1 chat with me).' },
  { command: 'set ticket channel', description: 'Admins, in a channel: make it the IT ticket channel.' },
] as const;

/** The person behind an activity, by their Entra object id; undefined for guests and unknown senders. */
export function personOf(turn: { readonly activity: Partial<Activity> }): Requester | undefined {
  const from = turn.activity.from;
  if (!from?.aadObjectId) return undefined;
  // How they read dates goes with the request: tickets and their reveal card are written outside their turns.
  const { locale, timeZone } = datesFor(turn);
  return { id: from.aadObjectId, name: from.name ?? 'Someone', locale, timeZone };
}

/** A 1:1 chat with the bot: what the bot says there, only that person reads. */
export function isPersonalChat(context: TurnContext): boolean {
  const conversation = context.activity.conversation;
  return conversation?.conversationType ? conversation.conversationType === 'personal' : conversation?.isGroup !== true;
}

/** The channel a channel message was posted in (its conversation id without the thread's message id). */
export function channelOf(context: TurnContext): string | undefined {
  const conversation = context.activity.conversation;
  if (conversation?.conversationType !== 'channel') return undefined;
  return conversation.id.split(';')[0] ?? conversation.id;
}

export function addOnboardingConversation(app: Application<TurnState>, options: OnboardingConversationOptions): void {
  const { desk, drafts, budget } = options;

  const cardMessage = (card: Record<string, unknown>) => MessageFactory.attachment(CardFactory.adaptiveCard(card));

  /**
   * Answers an Action.Execute with its result. A card that refreshes itself (`refresh.userIds`)
   * only works if the message holds it, so the message is replaced with it too — outside the
   * turn, so the answer never waits for that — and the invoke response is sent here. (Left to
   * teams-ai, one such card would switch that verb to "replace for all" for good.)
   */
  const answerWithCard = async (context: TurnContext, turn: CardTurn, answer: CardAnswer): Promise<CardAnswer> => {
    if (typeof answer === 'string' || !('refresh' in answer)) return answer;
    void budget.replaceCard(turn, answer);
    await context.sendActivity({
      type: ActivityTypes.InvokeResponse,
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: answer } },
    });
    return answer;
  };

  /**
   * A card action within the budget: `work` reads the turn only through `turn`; if it takes too
   * long the click is answered with `pending` (by default one sentence) and the result replaces
   * the card when it is there (`late`: or is only said, or dropped).
   */
  const onCard = (
    verb: string,
    work: (turn: CardTurn, data: CardData) => Promise<CardAnswer>,
    pending: (turn: CardTurn) => CardAnswer | Promise<CardAnswer> = () => say.CARD_WORKING_ON_IT(),
    late: Parameters<CardBudget['answer']>[3] = 'replace-card',
  ) => app.adaptiveCards.actionExecute<CardData>(verb, async (context, _state, data) => {
    const turn = cardTurnOf(context);
    const answer = await budget.answer(turn, work(turn, data), () => pending(turn), late);
    return answerWithCard(context, turn, answer) as Promise<AdaptiveCard | string>;
  });

  /** A new form (prefilled from a sentence, with notes) for a person who may request one; or why not. */
  const newForm = async (turn: { readonly activity: Partial<Activity> }, prefill: OnboardingForm = {}, notes: readonly string[] = [], preparedAlready?: FormPreparation) => {
    const prepared = preparedAlready ?? (await desk.prepareRequestForm(personOf(turn), prefill));
    if (prepared.kind === 'refused') return prepared.sentence;
    const draft: Draft = { draftId: randomUUID(), ownerId: personOf(turn)!.id, form: { ...prepared.defaults, ...prefill }, createdAt: new Date().toISOString() };
    const saved = await drafts.save(draft);
    return onboardingFormCard({
      draftId: draft.draftId, revision: saved.revision, form: draft.form, domains: prepared.domains, recipientChoices: prepared.recipientChoices, notes, templates: prepared.templates,
    });
  };

  /** Opens a new form in answer to a message. */
  const openForm = async (context: TurnContext, prefill: OnboardingForm = {}, notes: readonly string[] = [], preparedAlready?: FormPreparation) => {
    const form = await newForm(context, prefill, notes, preparedAlready);
    await context.sendActivity(typeof form === 'string' ? form : cardMessage(form));
  };

  /** Loads the draft named by the card and checks that the person clicking owns it (a refusal is recorded). */
  const draftFor = async (turn: CardTurn, data: CardData, action: string): Promise<Draft | string> => {
    const person = personOf(turn);
    const draft = await drafts.get(data.draftId, data.revision);
    if (!draft || draft.cancelled) return say.FORM_EXPIRED();
    if (!person || person.id !== draft.ownerId) {
      await desk.recordRefusal({ reason: person ? 'NOT_YOUR_FORM' : 'UNKNOWN_PERSON', action, person, requestId: draft.requestId });
      return say.NOT_YOUR_FORM();
    }
    return draft;
  };

  const showStatus = async (context: TurnContext) => {
    if (!isPersonalChat(context)) return void (await context.sendActivity(MessageFactory.text(say.STATUS_IN_PERSONAL_CHAT_ONLY())));
    await context.sendActivity(MessageFactory.text(await desk.describeRecentRequests(personOf(context))));
  };

  const setTicketChannel = async (context: TurnContext) => {
    const conversation = context.activity.conversation;
    if (conversation?.conversationType !== 'channel') return void (await context.sendActivity(say.TICKET_CHANNEL_WHERE()));
    const refusal = await desk.ticketChannelRefusal(personOf(context));
    if (refusal) return void (await context.sendActivity(refusal));
    const reference = TurnContext.getConversationReference(context.activity);
    // Post tickets as new threads in the channel, not as replies to this message.
    const channelId = channelOf(context) ?? conversation.id;
    await options.addresses.setTicketChannel({
      reference: { ...reference, conversation: { ...reference.conversation!, id: channelId } },
      channelName: (context.activity.channelData as { channel?: { name?: string } } | undefined)?.channel?.name,
      setBy: personOf(context)?.name ?? 'an admin',
      setAt: new Date().toISOString(),
    });
    await context.sendActivity(say.TICKET_CHANNEL_SET());
  };

  const cancel = async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const draft = await draftFor(turn, data, 'cancel');
    if (typeof draft === 'string') return draft;
    await drafts.save({ ...draft, cancelled: true });
    return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: say.REQUEST_CANCELLED(), wrap: true }] } satisfies AdaptiveCard;
  };

  const edit = async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const draft = await draftFor(turn, data, 'edit');
    if (typeof draft === 'string') return draft;
    const prepared = await desk.prepareRequestForm(personOf(turn), draft.form);
    if (prepared.kind === 'refused') return prepared.sentence;
    return onboardingFormCard({
      draftId: draft.draftId, revision: draft.revision, form: draft.form, domains: prepared.domains, recipientChoices: prepared.recipientChoices, templates: prepared.templates,
    });
  };

  /** Checks the details (`data`: the form's inputs) and answers with the review card, or the form with what needs changing. */
  const reviewDraft = async (turn: CardTurn, draft: Draft, data: CardData, notes: readonly string[] = []): Promise<CardAnswer> => {
    const result = await desk.reviewRequest(personOf(turn)!, data);
    if (result.kind === 'refused') return result.sentence;
    if (result.kind === 'needs-changes') {
      const saved = await drafts.save({ ...draft, form: result.form });
      return onboardingFormCard({ draftId: draft.draftId, revision: saved.revision, ...result, notes: [...notes, ...result.notes] });
    }
    const checked: Draft = {
      ...draft, form: result.form, requestId: draft.requestId ?? randomUUID(), userPrincipalName: result.request.userPrincipalName, confirmations: result.confirmations,
      manager: result.manager, submitForm: result.submitForm, template: reviewedTemplate(result.template),
    };
    const saved = await drafts.save(checked);
    return onboardingReviewCard({
      draftId: draft.draftId, revision: saved.revision, userPrincipalName: result.request.userPrincipalName, form: checked.form, displayName: result.request.displayName,
      confirmations: result.confirmations, dates: datesFor(turn), recipient: result.recipient, template: result.template, submitForm: result.submitForm, notes, guest: result.guest,
    });
  };

  const review = async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const draft = await draftFor(turn, data, 'review');
    if (typeof draft === 'string') return draft;
    return reviewDraft(turn, draft, data);
  };

  /** The draft a Create click is for, once read: what its "working on it" card names. */
  const creating = new WeakMap<CardTurn, Promise<Draft | string>>();

  const create = async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const read = draftFor(turn, data, 'create');
    creating.set(turn, read);
    const draft = await read;
    if (typeof draft === 'string') return draft;
    if (!draft.requestId) return say.CHECK_FIRST();
    const requestId = draft.requestId;
    const submission = await desk.submitRequest({
      requestId, requester: personOf(turn)!, form: draft.submitForm ?? draft.form, confirmations: { needed: draft.confirmations ?? [], data }, manager: draft.manager,
      template: draft.template,
    });
    if (submission.kind === 'refused') {
      // This request id is settled as refused; pressing Create again later is a new request.
      if (submission.asNewRequest) await drafts.save({ ...draft, requestId: randomUUID() });
      return submission.sentence;
    }
    // The template changed since the review: nothing was created; the review again, with the template as it is now.
    if (submission.kind === 'review-again') return reviewDraft(turn, draft, { ...draft.form }, [submission.sentence]);
    return onboardingResultCard(await submission.work, turn.activity.from.id);
  };

  /** Still working: the card says so and refreshes itself for the requester, until the result replaces it. */
  const creatingCard = async (turn: CardTurn): Promise<CardAnswer> => {
    // A storage read: far quicker than what Create waits for in the directory.
    const draft = await creating.get(turn)?.catch(() => undefined);
    if (!draft || typeof draft === 'string' || !draft.requestId) return say.CARD_WORKING_ON_IT();
    return onboardingResultCard({
      requestId: draft.requestId, correlationId: draft.requestId, status: 'creating', pending: true, userPrincipalName: draft.userPrincipalName,
      fieldProblems: [], alternatives: [], warnings: [],
    }, turn.activity.from.id);
  };

  const showResult = async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const result = await desk.requestResult(personOf(turn), data.requestId);
    if (result.kind === 'refused') return result.sentence;
    return onboardingResultCard(result.outcome, turn.activity.from.id);
  };

  const decide = (decision: 'approved' | 'rejected') => async (turn: CardTurn, data: CardData): Promise<CardAnswer> => {
    const approver = personOf(turn);
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    if (!approver) {
      await desk.recordRefusal({ reason: 'UNKNOWN_PERSON', action: decision === 'approved' ? 'approve' : 'reject', requestId });
      return problemSentence('APPROVAL_REQUEST_UNKNOWN');
    }
    const reason = typeof data.rejectReason === 'string' ? data.rejectReason : undefined;
    const result = await desk.decideApproval({ requestId, approver, decision, reason });
    if (result.kind === 'refused') return problemSentence(result.reason);
    void result.continuing?.catch((error: unknown) => options.logger.error({ err: error, requestId }, 'could not finish an approved request'));
    return ticketCard(result.ticket, datesFor(turn));
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
    // The department read without the domains is the same: it picks the template whose hints the form shows.
    const prepared = await desk.prepareRequestForm(personOf(context), first.form);
    if (prepared.kind === 'refused') return void (await context.sendActivity(prepared.sentence));
    const extraction = read(prepared.domains);
    await openForm(context, extraction.form, [say.FILLED_FROM_SENTENCE(), ...extraction.notes], prepared);
  };

  app.message(/^\s*(new\s+user|onboard|new\s+account)\s*$/i, (context) => openForm(context));
  app.message(/^\s*status\s*$/i, showStatus);
  app.message(/^\s*set\s+ticket\s+channel\s*$/i, setTicketChannel);
  // The form opened from a card is posted as its own message (after the answer, if that came first).
  onCard('onboarding.open', async (turn) => {
    const form = await newForm(turn);
    if (typeof form === 'string') return form;
    if (!turn.automatic) await options.budget.post(turn, cardMessage(form));
    return say.FORM_OPENED();
  }, undefined, 'sentence-only');
  onCard('onboarding.cancel', cancel);
  onCard('onboarding.edit', edit);
  onCard('onboarding.review', review, () => say.CARD_CHECKING());
  onCard('onboarding.create', create, creatingCard);
  onCard('onboarding.result', showResult);
  // The ticket in the channel is updated by the workflow itself: a late decision card is not put over it.
  onCard('onboarding.approve', decide('approved'), undefined, 'sentence-only');
  onCard('onboarding.reject', decide('rejected'), undefined, 'sentence-only');
  app.activity('message', readSentence);
}
