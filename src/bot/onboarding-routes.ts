/**
 * The onboarding conversation in Teams: commands and plain-sentence requests open a form
 * card; the card is checked (validation, UPN free, alternatives) and reviewed; only the
 * Create button runs the workflow. Each handler only translates between Teams and the
 * workflow; every card action re-checks who clicked.
 */
import { randomUUID } from 'node:crypto';
import { ActivityTypes, CardFactory, MessageFactory, TurnContext, type Activity } from 'botbuilder';
import type { AdaptiveCard, Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import {
  checkUpnFree, decideApproval, earlierOnboardingOf, resolveManagerName, type EarlierOnboarding, describeRetryAfter, mayAdminister, mayRequest, onboard, processOnboardingRequest, suggestAlternatives,
  validateOnboardingForm, readOnboardingForm, type AliasPattern, type ApprovalRefusal, type OnboardingDependencies, type OnboardingForm,
  type OnboardingOutcome, type RateLimiter, type Role, type RoleResolver, type VerifiedDomain,
} from '../onboarding/index.js';
import { extractOnboardingRequest } from '../onboarding/request-from-message.js';
import type { ConversationAddresses } from '../delivery/conversation-addresses.js';
import { DraftStore, type Draft } from './drafts.js';
import { onboardingFormCard, onboardingResultCard, onboardingReviewCard, ticketCard } from './cards/onboarding-cards.js';

export interface OnboardingConversationOptions {
  workflow: OnboardingDependencies;
  roles: RoleResolver;
  addresses: ConversationAddresses;
  drafts: DraftStore;
  tenantId: string;
  defaultUsageLocation: string;
  aliasPattern: AliasPattern;
  logger: Logger;
  /** The person's recent requests, newest first (for `status`). */
  recentRequests(requesterId: string, limit: number): Promise<OnboardingOutcome[]>;
  /** How long the Create click waits for the result before answering "working on it". */
  createAnswerWithinMs?: number;
  rateLimiter: RateLimiter;
  rateLimits: { readonly perRequesterPerHour: number; readonly totalPerHour: number };
  botAppId: string;
}

const HOUR_MS = 3_600_000;
const UNKNOWN_PERSON = 'I could not tell who you are: your Teams account has no Entra ID in this organisation (guests and external people cannot use this bot). Ask IT.';

const approvalRefusals: Record<ApprovalRefusal, string> = {
  NOT_AN_APPROVER: 'Only IT admins can approve or reject account requests; your click changed nothing.',
  OWN_REQUEST: 'You cannot approve or reject your own request; another IT admin has to.',
  NOT_PENDING: 'This request is no longer waiting for approval; the ticket card shows where it is now.',
  NOT_FOUND: 'I no longer know this request, so nothing was approved or rejected. Ask the requester to send it again.',
};

type CardResult = AdaptiveCard | string;

export const ONBOARDING_COMMANDS = [
  { command: 'new user', description: 'Request a new Entra ID account (also: onboard, or just describe it in a sentence).' },
  { command: 'status', description: 'Your recent requests and where they are.' },
  { command: 'set ticket channel', description: 'Admins, in a channel: make it the IT ticket channel.' },
] as const;

export function addOnboardingConversation(app: Application<TurnState>, options: OnboardingConversationOptions): void {
  const { logger, drafts } = options;

  const sendCard = (context: TurnContext, card: Record<string, unknown>) =>
    context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));

  const requesterOf = (context: TurnContext) => {
    const from = context.activity.from;
    return from?.aadObjectId ? { id: from.aadObjectId, name: from.name ?? 'Someone' } : undefined;
  };

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

  const roleOf = async (context: TurnContext, fresh = false): Promise<Role> => {
    const person = requesterOf(context);
    return person ? options.roles.roleOf(person.id, { fresh }) : 'none';
  };

  const notAllowed = async (): Promise<string> => {
    const whom = await options.roles.whomToAsk();
    return `Only hiring managers and IT admins can request accounts. Ask a member of ${whom.admins} to add you to ${whom.requesters} in Entra ID.`;
  };
  const noTicketChannel =
    'I cannot take account requests yet: no IT ticket channel is set. An IT admin types "set ticket channel" (mentioning me) in the channel that should receive new-account tickets.';
  /** Requests need somewhere for IT to see them: without a ticket channel they are refused up front. */
  const ticketChannelMissing = async () => !(await options.addresses.ticketChannel());

  // A tenant's domains change rarely; every form, check and sentence needs them. Remember
  // them a minute (the workflow still validates against a fresh list before creating).
  let domainsCache: { domains: VerifiedDomain[]; until: number } | undefined;
  const verifiedDomains = async (): Promise<VerifiedDomain[]> => {
    const now = options.workflow.clock.now().getTime();
    if (domainsCache && domainsCache.until > now) return domainsCache.domains;
    const domains = (await options.workflow.directory.listDomains())
      .filter((d) => d.isVerified)
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
    domainsCache = { domains, until: now + 60_000 };
    return domains;
  };

  /** Why this person can't open a request form now, or undefined when they can. */
  const formRefusal = async (context: TurnContext): Promise<string | undefined> => {
    if (!requesterOf(context)) return UNKNOWN_PERSON;
    if (!mayRequest(await roleOf(context))) return notAllowed();
    if (await ticketChannelMissing()) return noTicketChannel;
    return undefined;
  };

  const openForm = async (context: TurnContext, form: OnboardingForm, notes: readonly string[] = []) => {
    const refusal = await formRefusal(context);
    if (refusal) return void (await context.sendActivity(refusal));
    const person = requesterOf(context)!;
    const domains = await verifiedDomains();
    const draft: Draft = {
      draftId: randomUUID(),
      ownerId: person.id,
      form: { domain: domains[0]?.name ?? '', usageLocation: options.defaultUsageLocation, employeeType: 'Employee', ...form },
      createdAt: options.workflow.clock.now().toISOString(),
    };
    await drafts.save(draft);
    await sendCard(context, onboardingFormCard({ draftId: draft.draftId, form: draft.form, domains: domains.map((d) => d.name), notes }));
  };

  /** Loads the draft named by the card and checks that the person clicking owns it. */
  const draftFor = async (context: TurnContext, data: Record<string, unknown>): Promise<Draft | string> => {
    const person = requesterOf(context);
    const draft = await drafts.get(data.draftId);
    if (!draft || draft.cancelled) return 'This request form has expired or was cancelled. Type "new user" to start again.';
    if (!person || person.id !== draft.ownerId) return 'Only the person who started this request can change or submit it.';
    return draft;
  };

  app.message(/^\s*(new\s+user|onboard|new\s+account)\s*$/i, async (context) => {
    await openForm(context, {});
  });

  app.message(/^\s*status\s*$/i, async (context) => {
    const person = requesterOf(context);
    if (!person) return void (await context.sendActivity(UNKNOWN_PERSON));
    const recent = await options.recentRequests(person.id, 5);
    if (recent.length === 0) return void (await context.sendActivity('You have no account requests yet. Type "new user" to make one.'));
    const lines = recent.map((r) => `- ${r.userPrincipalName ?? r.displayName ?? 'request'}: **${inPlainWords(r)}**${r.problem && r.status !== 'awaiting_approval' ? ` — ${r.problem.message}` : ''} (request ${r.requestId})`);
    await context.sendActivity(MessageFactory.text(`Your recent requests:\n\n${lines.join('\n')}`));
  });

  app.message(/^\s*set\s+ticket\s+channel\s*$/i, async (context) => {
    const conversation = context.activity.conversation;
    if (conversation?.conversationType !== 'channel') {
      return void (await context.sendActivity('Type "set ticket channel" in the Teams channel that should receive new-account tickets (mention me there).'));
    }
    if (!mayAdminister(await roleOf(context, true))) {
      return void (await context.sendActivity(`Only IT admins can choose the ticket channel. Ask a member of ${(await options.roles.whomToAsk()).admins}.`));
    }
    const reference = TurnContext.getConversationReference(context.activity);
    // Post tickets as new threads in the channel, not as replies to this message.
    const channelId = conversation.id.split(';')[0] ?? conversation.id;
    await options.addresses.setTicketChannel({
      reference: { ...reference, conversation: { ...reference.conversation!, id: channelId } },
      channelName: (context.activity.channelData as { channel?: { name?: string } } | undefined)?.channel?.name,
      setBy: requesterOf(context)?.name ?? 'an admin',
      setAt: options.workflow.clock.now().toISOString(),
    });
    await context.sendActivity('Done: new-account tickets will be posted in this channel. Passwords never are.');
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.open', async (context) => {
    await openForm(context, {});
    return 'I opened a new request form below.';
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.cancel', async (context, _state, data) => {
    const draft = await draftFor(context, data);
    if (typeof draft === 'string') return draft;
    await drafts.save({ ...draft, cancelled: true });
    return { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Request cancelled. Nothing was created.', wrap: true }] } satisfies AdaptiveCard;
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.edit', async (context, _state, data): Promise<CardResult> => {
    const draft = await draftFor(context, data);
    if (typeof draft === 'string') return draft;
    const domains = await verifiedDomains();
    return onboardingFormCard({ draftId: draft.draftId, form: draft.form, domains: domains.map((d) => d.name) });
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.review', async (context, _state, data): Promise<CardResult> => {
    const draft = await draftFor(context, data);
    if (typeof draft === 'string') return draft;
    if (!mayRequest(await roleOf(context))) return notAllowed();
    // Card data is untrusted: keep only the known text fields, then validate all of them.
    // A manager typed as a name becomes their user name when exactly one person has it.
    const manager = await resolveManagerName(options.workflow.directory, readOnboardingForm(data).form);
    const { form } = manager;
    const domains = await verifiedDomains();
    const domainNames = domains.map((d) => d.name);
    const validation = validateOnboardingForm(form, { domains, aliasPattern: options.aliasPattern });
    await drafts.save({ ...draft, form });
    if (!validation.ok || manager.problem) {
      const problems = [
        ...(validation.ok ? [] : validation.problems.filter((p) => !(manager.problem && p.field === 'manager'))),
        ...(manager.problem ? [manager.problem] : []),
      ];
      return onboardingFormCard({ draftId: draft.draftId, form, domains: domainNames, problems });
    }
    const request = validation.request;
    // A manager found by name was just read; one typed as a user name is looked up here.
    if (request.manager && !manager.found && !(await options.workflow.directory.findUserByUpn(request.manager))) {
      return onboardingFormCard({
        draftId: draft.draftId, form, domains: domainNames,
        problems: [{ field: 'manager', message: `No one with the user name ${request.manager} is in the directory. Check the spelling, or type the manager's full name.` }],
      });
    }
    const check = await checkUpnFree(options.workflow.directory, request.userPrincipalName, request.mailNickname);
    if (!check.free) {
      const alternatives = await suggestAlternatives(options.workflow.directory, request, 3);
      const suggested = alternatives[0]?.split('@')[0];
      // The account already read by the check tells whether this bot made it (no second read).
      const earlier = check.holder ? await earlierOnboardingOf(options.workflow, check.holder) : null;
      return onboardingFormCard({
        notes: earlier ? [sameAccountWarning(earlier)] : [],
        draftId: draft.draftId,
        form: suggested ? { ...form, alias: suggested } : form,
        domains: domainNames,
        alternatives,
        takenUpn: request.userPrincipalName,
        problems: alternatives.length === 0 ? [{ field: 'alias', message: `${request.userPrincipalName} is taken and I found no free variant; type another user name.` }] : [],
      });
    }
    const checked: Draft = { ...draft, form: { ...form, alias: request.alias }, requestId: draft.requestId ?? randomUUID(), userPrincipalName: request.userPrincipalName };
    await drafts.save(checked);
    return onboardingReviewCard({ draftId: draft.draftId, userPrincipalName: request.userPrincipalName, form: checked.form, displayName: request.displayName });
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.create', async (context, _state, data): Promise<CardResult> => {
    const draft = await draftFor(context, data);
    if (typeof draft === 'string') return draft;
    if (!draft.requestId) return 'Please check the details first (press Check and review).';
    // Roles are checked again, fresh, right before anything is created.
    const role = await roleOf(context, true);
    if (!mayRequest(role)) return notAllowed();
    if (await ticketChannelMissing()) return noTicketChannel;
    const requester = requesterOf(context)!;
    const requestId = draft.requestId;
    // A double click or a redelivery continues the same request and costs no rate-limit slot.
    if (!(await options.workflow.store.get(requestId))) {
      const refusal = await rateLimited(requester.id);
      if (refusal) return refusal;
    }
    const work = onboard(options.workflow, { requestId, requester, form: draft.form, requesterRole: role });
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
    const adapter = context.adapter;
    const working = onboardingResultCard({
      requestId, correlationId: requestId, status: 'creating', pending: true, userPrincipalName: draft.userPrincipalName,
      fieldProblems: [], alternatives: [], warnings: [],
    }, context.activity.from.id);
    const answered = answerWithCard(context, working);
    void Promise.all([work, answered.catch(() => undefined)])
      .then(async ([outcome]) => {
        if (!cardMessageId) return;
        await adapter.continueConversationAsync(app.options.botAppId ?? '', reference, async (turn) => {
          await turn.updateActivity({ ...(MessageFactory.attachment(CardFactory.adaptiveCard(onboardingResultCard(outcome))) as Partial<Activity>), id: cardMessageId });
        });
      })
      .catch((error: unknown) => logger.error({ err: error, requestId }, 'could not finish an onboarding request in the background'));
    return answered;
  });

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.result', async (context, _state, data): Promise<CardResult> => {
    const person = requesterOf(context);
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    const stored = requestId ? await options.workflow.store.get(requestId) : null;
    if (!stored || !person || stored.record.requester.id !== person.id) return 'Only the person who made this request can see it.';
    return answerWithCard(context, onboardingResultCard(await processOnboardingRequest(options.workflow, requestId), context.activity.from.id));
  });

  const rateLimited = async (requesterId: string): Promise<string | undefined> => {
    const mine = await options.rateLimiter.take(`requester:${requesterId}`, options.rateLimits.perRequesterPerHour, HOUR_MS);
    if (!mine.allowed) {
      return `You have made ${options.rateLimits.perRequesterPerHour} account requests in the last hour, the most allowed. Try again ${describeRetryAfter(mine.retryAfterMs)}; nothing was created.`;
    }
    const everyone = await options.rateLimiter.take('all-requesters', options.rateLimits.totalPerHour, HOUR_MS);
    if (!everyone.allowed) {
      return `The bot has taken ${options.rateLimits.totalPerHour} account requests in the last hour, the most allowed for everyone together. Try again ${describeRetryAfter(everyone.retryAfterMs)}; nothing was created.`;
    }
    return undefined;
  };

  /** A plain sentence to the requester's own 1:1 chat (never a secret). */
  const tellRequester = async (requesterId: string, text: string) => {
    const address = await options.addresses.person(requesterId);
    if (!address?.personalChat) return;
    try {
      await app.adapter.continueConversationAsync(options.botAppId, address.personalChat, async (turn) => {
        await turn.sendActivity(MessageFactory.text(text));
      });
    } catch (error) {
      logger.warn({ err: error, requesterId }, 'could not tell the requester about an approval decision');
    }
  };

  const decide = async (context: TurnContext, data: Record<string, unknown>, decision: 'approved' | 'rejected'): Promise<CardResult> => {
    const approver = requesterOf(context);
    const requestId = typeof data.requestId === 'string' ? data.requestId : '';
    const stored = requestId ? await options.workflow.store.get(requestId) : null;
    if (!approver || !stored) return approvalRefusals.NOT_FOUND;
    // Both roles are checked fresh: an approver removed from the admins, or a requester removed
    // from the hiring managers since the request, must not get an account created.
    const approverRole = await options.roles.roleOf(approver.id, { fresh: true });
    const requesterRole = await options.roles.roleOf(stored.record.requester.id, { fresh: true });
    const reason = typeof data.rejectReason === 'string' ? data.rejectReason : undefined;
    const result = await decideApproval(options.workflow, { requestId, approver, approverRole, requesterRole, decision, reason });
    if (result.kind === 'refused') return approvalRefusals[result.reason];
    const upn = result.outcome.userPrincipalName ?? 'the account';
    if (result.outcome.status === 'approved') {
      await tellRequester(stored.record.requester.id, `${approver.name} approved your request for ${upn}. I am creating it now; the temporary password will follow in a separate message.`);
      void processOnboardingRequest(options.workflow, requestId).catch((error: unknown) =>
        logger.error({ err: error, requestId }, 'could not finish an approved request'),
      );
    } else {
      const why = result.outcome.problem?.detail ?? result.outcome.problem?.message ?? '';
      await tellRequester(stored.record.requester.id, `Your request for ${upn} was not approved${why ? `: ${why}` : '.'} Nothing was created.`);
    }
    return ticketCard(result.ticket);
  };

  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.approve', async (context, _state, data) => decide(context, data, 'approved'));
  app.adaptiveCards.actionExecute<Record<string, unknown>>('onboarding.reject', async (context, _state, data) => decide(context, data, 'rejected'));

  // A plain sentence: open the form prefilled when it reads like an account request.
  app.activity('message', async (context) => {
    const text = context.activity.text ?? '';
    const read = (knownDomains?: readonly string[]) =>
      extractOnboardingRequest(text, {
        today: options.workflow.clock.now().toISOString().slice(0, 10),
        ...(knownDomains ? { knownDomains } : {}),
        ...(context.activity.locale ? { locale: context.activity.locale } : {}),
      });
    // Chit-chat costs no directory call; a request is read again knowing the tenant's domains.
    let extraction = read();
    if (extraction.isAccountRequest) {
      // Who may ask is settled before the directory is read on their behalf.
      const refusal = await formRefusal(context);
      if (refusal) return void (await context.sendActivity(refusal));
      extraction = read((await verifiedDomains()).map((d) => d.name));
      await openForm(context, extraction.form, ['I filled in what I understood from your message. Check it, complete the rest, then press Check and review.', ...extraction.notes]);
      return;
    }
    await context.sendActivity(MessageFactory.text('I did not understand that. Type **help** to see what I can do.'));
  });
}

/** A request's state as the requester would say it (the `status` command). */
function inPlainWords(outcome: OnboardingOutcome): string {
  switch (outcome.status) {
    case 'received': case 'validated': case 'checked': case 'creating': return 'being created';
    case 'awaiting_approval': return 'waiting for an IT admin to approve';
    case 'approved': return 'approved, being created';
    case 'created': case 'delivering': return 'created, password on its way to you';
    case 'delivered': case 'done': return 'done';
    case 'rejected': return 'not created';
    case 'failed': return outcome.objectId ? 'created, needs IT' : 'not created';
    default: return outcome.status;
  }
}

/** Said before another user name is offered for someone this bot already made an account for. */
function sameAccountWarning(earlier: EarlierOnboarding): string {
  const when = earlier.receivedAt ? ` on ${earlier.receivedAt.slice(0, 10)}` : '';
  const who = earlier.requesterName ? `, requested by ${earlier.requesterName}` : '';
  return `${earlier.userPrincipalName} is an account this bot already created for ${earlier.displayName ?? 'someone'}${when}${who} (request ${earlier.requestId}). If that is the same person, they already have an account: do not create another. Otherwise pick a free user name below.`;
}
