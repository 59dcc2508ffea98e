/**
 * View models for the onboarding cards in adaptiveCards/. Every field a template reads is
 * always present (empty string rather than undefined), because the templating engine
 * leaves unresolved `${…}` expressions in the card.
 */
import {
  BY_DEPARTMENT, CONFIRMATION_INPUT, FIELD_LABELS_IN_WORDS, NO_TEMPLATE, describeLicence, sayTemplates, type FormTemplateChoices, type TemplateReview, formFields, nameRecipient, say, type Confirmation, type SecretRecipient, type SecretRecipientRole, type FieldProblem, type FormField, type OnboardingForm, type OnboardingOutcome, type Ticket,
} from '../../onboarding/index.js';
import { DEFAULT_DATE_STYLE, formatDay, formatMoment, type DateStyle } from './dates.js';
import { renderCard } from './render.js';


type Fields = Record<FormField, string>;
const emptyFields = (): Fields => Object.fromEntries(formFields.map((field) => [field, ''])) as Fields;

export interface FormCardView {
  draftId: string;
  /** The draft's revision this card shows (its clicks are answered from memory when it is the latest). */
  revision: string;
  intro: string;
  notes: string[];
  summaryProblem: string;
  form: Fields;
  errors: Fields;
  domains: string[];
  alternatives: string[];
  alternativesText: string;
  /** Who may receive the password, offered only when configuration allows more than one. */
  recipientChoices: Array<{ title: string; value: string }>;
  hasRecipientChoice: boolean;
  /** The template choice, offered when templates exist: by department (empty), one of them, or none. */
  hasTemplates: boolean;
  templateChoices: Array<{ title: string; value: string }>;
  /** The choice shown: the form's, else "by department" (a choice needs a value of its own). */
  templateValue: string;
  /** The applying template's job title suggestions, or an example. */
  jobTitlePlaceholder: string;
  /** What an empty country becomes. */
  usageLocationPlaceholder: string;
}

const RECIPIENT_TITLES: Record<SecretRecipientRole, string> = { requester: 'Me', manager: 'The manager', coordinator: 'The IT coordinator' };

export function onboardingFormCard(input: {
  draftId: string;
  revision?: string | undefined;
  form: OnboardingForm;
  domains: readonly string[];
  problems?: readonly FieldProblem[];
  notes?: readonly string[];
  alternatives?: readonly string[];
  takenUpn?: string;
  recipientChoices?: readonly SecretRecipientRole[];
  templates?: FormTemplateChoices;
}) {
  const form = { ...emptyFields(), ...definedOnly(input.form) };
  const errors = emptyFields();
  for (const problem of input.problems ?? []) if (!errors[problem.field]) errors[problem.field] = problem.message;
  const alternatives = [...(input.alternatives ?? [])];
  const view: FormCardView = {
    draftId: input.draftId,
    revision: input.revision ?? '',
    intro: 'Fill in who the account is for. Nothing is created until you check the details and press Create.',
    notes: [...(input.notes ?? [])],
    summaryProblem:
      input.problems && input.problems.length > 0
        ? `Please correct ${input.problems.length === 1 ? 'the field' : `the ${input.problems.length} fields`} marked below.`
        : '',
    form,
    errors,
    domains: [...input.domains],
    recipientChoices: (input.recipientChoices ?? []).map((role) => ({ title: RECIPIENT_TITLES[role], value: role })),
    hasRecipientChoice: (input.recipientChoices ?? []).length > 1,
    hasTemplates: (input.templates?.choices.length ?? 0) > 0,
    templateChoices: [
      { title: sayTemplates.BY_DEPARTMENT(), value: BY_DEPARTMENT },
      ...(input.templates?.choices ?? []).map((c) => ({ title: c.name, value: c.id })),
      { title: sayTemplates.NO_TEMPLATE_CHOICE(), value: NO_TEMPLATE },
    ],
    templateValue: form.template || BY_DEPARTMENT,
    jobTitlePlaceholder: input.templates?.jobTitleSuggestions.length ? sayTemplates.JOB_TITLE_SUGGESTIONS(input.templates.jobTitleSuggestions) : 'e.g. Product Manager',
    usageLocationPlaceholder: `Two letters; empty: ${input.templates?.usageLocationDefault ?? 'the default'}`,
    alternatives,
    alternativesText:
      alternatives.length > 0
        ? `${input.takenUpn ?? 'That user name'} is already taken. These are free (checked just now): ${alternatives.join(', ')}. The first one is filled in above; change it if you prefer.`
        : '',
  };
  return renderCard('onboarding-form', view);
}

export interface Fact {
  title: string;
  value: string;
}

export interface ConfirmationView {
  id: string;
  heading: string;
  text: string;
  toggle: string;
}

/** The details to check, and what must be confirmed (an odd start date, a second account) before Create. */
export function onboardingReviewCard(input: {
  draftId: string; revision?: string | undefined; userPrincipalName: string; form: OnboardingForm; displayName: string;
  confirmations?: readonly Confirmation[]; dates?: DateStyle; recipient?: SecretRecipient;
  /** A guest invitation: the address, and whether Microsoft emails it or its link goes to the recipient. */
  guest?: { readonly email: string; readonly invitation: 'email' | 'reveal' } | undefined;
  /** The template and what it adds (the form Create submits has its defaults filled in). */
  template?: TemplateReview; submitForm?: OnboardingForm;
  /** Sentences to read first (the review shown again because the template changed). */
  notes?: readonly string[];
}) {
  const form = input.submitForm ?? input.form;
  const dates = input.dates ?? DEFAULT_DATE_STYLE;
  const guest = input.guest;
  const named = input.recipient && input.recipient.role !== 'requester' ? nameRecipient(input.recipient) : undefined;
  const facts: Fact[] = [
    { title: 'Name', value: input.displayName },
    ...(guest
      ? [
          { title: 'Account', value: 'Guest (Entra B2B), invited' },
          { title: 'Invited at', value: guest.email },
          { title: 'Company', value: form.companyName ?? '' },
          { title: 'Sponsor', value: 'You (the requester)' },
        ]
      : [{ title: 'User name', value: input.userPrincipalName }]),
    { title: 'Department', value: form.department ?? '' },
    { title: 'Job title', value: form.jobTitle ?? '' },
    { title: 'Employee type', value: form.employeeType ?? '' },
    { title: 'Start date', value: form.startDate ? formatDay(form.startDate, dates) : '' },
    { title: 'End date', value: form.endDate ? formatDay(form.endDate, dates) : '' },
    { title: 'Manager', value: form.manager ?? '' },
    { title: guest ? 'Invitation link to' : 'Password to', value: input.recipient && (!guest || guest.invitation === 'reveal') ? nameRecipient(input.recipient) : '' },
    { title: 'Country', value: form.usageLocation ?? '' },
    { title: 'Ticket', value: form.ticketReference ?? '' },
    { title: 'Justification', value: form.businessJustification ?? '' },
    { title: 'Welcome email', value: form.personalEmail ? say.WELCOME_MAIL_WILL_GO(form.personalEmail.trim()) : '' },
  ].filter((fact) => fact.value !== '');
  const confirmations: ConfirmationView[] = (input.confirmations ?? []).map((c) => c.kind === 'start-date'
    ? { id: CONFIRMATION_INPUT[c.kind], heading: say.CONFIRM_START_DATE_TITLE(c.why), text: say.CONFIRM_START_DATE(formatDay(c.startDate, dates), c.why), toggle: say.CONFIRM_START_DATE_TOGGLE() }
    : {
      id: CONFIRMATION_INPUT[c.kind],
      heading: say.CONFIRM_SECOND_ACCOUNT_TITLE(input.displayName),
      text: say.CONFIRM_SECOND_ACCOUNT(c.earlier, c.why, c.earlier.receivedAt ? formatDay(c.earlier.receivedAt, dates) : ''),
      toggle: say.CONFIRM_SECOND_ACCOUNT_TOGGLE(),
    });
  const template = templateView(input.template, form);
  return renderCard('onboarding-review', {
    draftId: input.draftId, revision: input.revision ?? '', userPrincipalName: input.userPrincipalName, facts, confirmations, hasConfirmations: confirmations.length > 0,
    heading: guest ? 'Check the guest invitation' : 'Check the new account',
    lead: guest
      ? `Nothing has been sent yet: press **Invite guest** to invite ${guest.email} as a guest.`
      : `${input.userPrincipalName} is free. Nothing has been created yet: press **Create account** to create it.`,
    guestMeans: guest ? [say.REVIEW_GUEST_MEANS(input.displayName, guest.email), say.REVIEW_GUEST_INVITATION(guest.invitation, guest.email, named)] : [],
    createTitle: guest ? 'Invite guest' : 'Create account',
    passwordGoesTo: guest ? '' : say.REVIEW_PASSWORD_GOES_TO(named),
    notes: [...(input.notes ?? [])], ...template,
  });
}

/** The review card's template part: its name, what it adds in words, and the sentences about it. */
function templateView(review: TemplateReview | undefined, form: OnboardingForm): { hasTemplate: boolean; templateName: string; templateFacts: Fact[]; templateNotes: string[] } {
  if (!review || review.kind === 'off' || review.kind === 'problem') return { hasTemplate: false, templateName: '', templateFacts: [], templateNotes: [] };
  if (review.kind === 'none') return { hasTemplate: false, templateName: '', templateFacts: [], templateNotes: [review.note] };
  const { snapshot } = review;
  const defaults = snapshot.defaultsApplied.map((d) => sayTemplates.DEFAULT_FACT(FIELD_LABELS_IN_WORDS[d.field], d.value, d.from));
  return {
    hasTemplate: true,
    templateName: snapshot.name,
    templateFacts: [
      { title: 'Groups', value: snapshot.groups.map((g) => g.displayName).join(', ') },
      { title: 'Licence', value: snapshot.licence ? describeLicence(snapshot.licence) : '' },
      { title: 'Filled in', value: sayTemplates.DEFAULTS_USED(defaults) },
      { title: 'Job titles', value: !form.jobTitle?.trim() ? snapshot.jobTitleSuggestions.join(', ') : '' },
    ].filter((fact) => fact.value !== ''),
    templateNotes: [...review.notes],
  };
}

/**
 * The requester's view of a request: the truth of the stored record, never the password.
 * While the request is still pending, `refreshFor` (the requester's Teams user id) makes
 * Teams ask for the current state by itself whenever that person looks at the card
 * (Universal Actions automatic refresh), so a card answered "Working on it" never stays so.
 */
export function onboardingResultCard(outcome: OnboardingOutcome, refreshFor?: string) {
  const upn = outcome.userPrincipalName ?? '';
  const name = outcome.displayName ?? (upn || 'the new person');
  let title: string;
  let sentence: string;
  let color = 'Default';
  let nextStep = '';
  if (outcome.guest) ({ title, sentence, color, nextStep } = guestResultWords(outcome, outcome.guest, name));
  else switch (outcome.status) {
    case 'done':
    case 'delivered':
      title = `Account created for ${name}`;
      color = 'Good';
      sentence = `${upn} was created for ${name}. The credentials wait for their recipient in a separate private message from me: Reveal shows them there, once, and they must change the password when they first sign in.`;
      break;
    case 'created':
    case 'delivering':
      title = `Account created for ${name}`;
      color = 'Good';
      sentence = `${upn} was created for ${name}. The credentials are on their way to their recipient in a private chat with me.`;
      break;
    case 'awaiting_approval':
      title = `Waiting for approval: account for ${name}`;
      sentence = `An IT admin must approve ${upn || 'the account'} before it is created. You will be told here when they decide; nothing more to do now.`;
      break;
    case 'approved':
      title = `Approved: creating the account for ${name}`;
      sentence = `The request was approved; ${upn || 'the account'} is being created.`;
      break;
    case 'rejected':
      title = `No account created for ${name}`;
      color = 'Attention';
      sentence = outcome.problem ? `${outcome.problem.message} ${outcome.problem.help}`.trim() : 'The request was not accepted.';
      break;
    case 'failed':
      title = outcome.objectId ? `Account created for ${name}, with a problem` : `No account created for ${name}`;
      color = 'Attention';
      sentence = outcome.problem ? `${outcome.problem.message} ${outcome.problem.help}`.trim() : 'The request could not be completed.';
      break;
    default:
      title = 'Working on it';
      sentence = outcome.problem ? `${outcome.problem.message} ${outcome.problem.help}` : `Creating ${upn || 'the account'}…`;
      nextStep = 'You will see the result here; no second account will be created if you press anything twice.';
  }
  const facts: Fact[] = [
    { title: 'User name', value: outcome.guest && !outcome.objectId ? '' : upn },
    { title: 'Invited at', value: outcome.guest?.email ?? '' },
    { title: 'Welcome email', value: outcome.welcomeMail?.state === 'sent' ? say.WELCOME_MAIL_SENT(outcome.welcomeMail.to) : '' },
  ].filter((fact) => fact.value !== '');
  for (const problem of outcome.fieldProblems) facts.push({ title: FIELD_LABELS_IN_WORDS[problem.field], value: problem.message });
  const card = renderCard('onboarding-result', {
    title,
    color,
    sentence,
    nextStep,
    facts,
    warnings: outcome.warnings.map((w) => `${w.message} ${w.help}`),
    correlationId: outcome.correlationId,
    requestId: outcome.requestId,
    showRefresh: outcome.pending,
  });
  if (outcome.pending && refreshFor) {
    card['refresh'] = {
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'onboarding.result', data: { requestId: outcome.requestId } },
      userIds: [refreshFor],
    };
  }
  return card;
}

type GuestOutcome = NonNullable<OnboardingOutcome['guest']>;

/** The result card's words for a guest invitation: no password, an invitation they accept with their own organisation's account. */
function guestResultWords(outcome: OnboardingOutcome, guest: GuestOutcome, name: string): { title: string; sentence: string; color: string; nextStep: string } {
  const problem = outcome.problem ? `${outcome.problem.message} ${outcome.problem.help}`.trim() : '';
  const how = guest.invitation === 'email'
    ? `Microsoft emails the invitation to ${guest.email}`
    : 'its link waits for its recipient in a separate private message from me, where Reveal shows it';
  const invited = `${name} was invited as a guest${guest.userPrincipalName ? `; their user name here is ${guest.userPrincipalName}` : ''}.`;
  switch (outcome.status) {
    case 'done': case 'delivered': case 'created': case 'delivering':
      return guest.state === 'Accepted'
        ? { title: `Guest invited: ${name}`, color: 'Good', nextStep: '', sentence: `${invited} They accepted the invitation and sign in with their own organisation's account.` }
        : { title: `Guest invited: ${name}`, color: 'Good', nextStep: '', sentence: `${invited} ${capitalised(how)}; they accept it and sign in with their own organisation's account. No password exists.` };
    case 'awaiting_approval':
      return { title: `Waiting for approval: guest invitation for ${name}`, color: 'Default', nextStep: '', sentence: `An IT admin must approve inviting ${guest.email} before anything is sent. You will be told here when they decide.` };
    case 'approved':
      return { title: `Approved: inviting ${name}`, color: 'Default', nextStep: '', sentence: `The request was approved; ${guest.email} is being invited.` };
    case 'rejected':
      return { title: `Nobody invited for ${name}`, color: 'Attention', nextStep: '', sentence: problem || 'The request was not accepted.' };
    case 'failed':
      return outcome.objectId
        ? { title: `Guest invited: ${name}, with a problem`, color: 'Attention', nextStep: '', sentence: problem || 'The request could not be completed.' }
        : { title: `Nobody invited for ${name}`, color: 'Attention', nextStep: '', sentence: problem || 'The request could not be completed.' };
    default:
      return {
        title: 'Working on it', color: 'Default', sentence: problem || `Inviting ${guest.email}…`,
        nextStep: 'You will see the result here; nobody is invited twice if you press anything twice.',
      };
  }
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The private message carrying the temporary password: display name only, never the UPN. */
export function temporaryPasswordCard(view: { displayName: string; requestId: string; password: string; temporaryAccessPass?: string | undefined }) {
  return renderCard('temporary-password', { ...view, temporaryAccessPass: view.temporaryAccessPass ?? '', hasTemporaryAccessPass: view.temporaryAccessPass !== undefined });
}

/** The IT channel's ticket: account facts for IT, never a secret; the approval card while pending. */
export function ticketCard(ticket: Ticket, dates: DateStyle = DEFAULT_DATE_STYLE) {
  const guest = ticket.guest;
  const titles: Record<Ticket['status'], { title: string; color: string }> = guest ? {
    awaiting_approval: { title: `Approval needed: guest invitation for ${ticket.displayName}`, color: 'Accent' },
    approved: { title: `Approved: inviting ${ticket.displayName} as a guest`, color: 'Good' },
    rejected: { title: `Rejected: guest invitation for ${ticket.displayName}`, color: 'Attention' },
    created: { title: `Guest invited, link not handed over yet: ${ticket.displayName}`, color: 'Warning' },
    done: { title: `Guest invited: ${ticket.displayName}`, color: 'Good' },
    failed: ticket.objectId
      ? { title: `Guest invitation needs attention: ${ticket.displayName}`, color: 'Attention' }
      : { title: `Guest not invited: ${ticket.displayName}`, color: 'Attention' },
  } : {
    awaiting_approval: { title: `Approval needed: new account for ${ticket.displayName}`, color: 'Accent' },
    approved: { title: `Approved: creating the account for ${ticket.displayName}`, color: 'Good' },
    rejected: { title: `Rejected: new account for ${ticket.displayName}`, color: 'Attention' },
    created: { title: `New account, password not delivered yet: ${ticket.displayName}`, color: 'Warning' },
    done: { title: `New account ready: ${ticket.displayName}`, color: 'Good' },
    failed: ticket.objectId
      ? { title: `New account needs attention: ${ticket.displayName}`, color: 'Attention' }
      : { title: `Account not created: ${ticket.displayName}`, color: 'Attention' },
  };
  const facts: Fact[] = [
    { title: 'User name', value: ticket.userPrincipalName },
    { title: 'Display name', value: ticket.displayName },
    { title: 'Account', value: guest ? 'Guest (Entra B2B): signs in with their own organisation\'s account, no password' : '' },
    { title: 'Invited at', value: guest?.email ?? '' },
    { title: 'Invitation', value: guest?.invitation ?? '' },
    { title: 'Sponsor', value: guest?.sponsor ?? '' },
    { title: 'End date', value: ticket.endDate ? formatDay(ticket.endDate, dates) : '' },
    { title: 'Requested by', value: ticket.requester.name },
    { title: 'Credentials for', value: ticket.recipient ? say.RECIPIENT_NAMED(ticket.recipient.name, ticket.recipient.role) : '' },
    { title: 'Ticket', value: ticket.ticketReference },
    { title: 'Time', value: formatMoment(ticket.at, dates) },
    { title: 'Object id', value: ticket.objectId ?? '' },
    { title: ticket.status === 'rejected' ? 'Rejected by' : 'Approved by', value: ticket.decision?.by ?? '' },
    { title: 'Reason', value: ticket.decision?.reason ?? '' },
    { title: 'Request', value: ticket.requestId },
  ].filter((fact) => fact.value !== '');
  return renderCard('ticket', {
    ...titles[ticket.status],
    facts,
    notes: ticket.status === 'awaiting_approval' ? [] : [...ticket.notes],
    awaitingApproval: ticket.status === 'awaiting_approval',
    // An account exists and its credentials are handed over or stuck: an admin can reissue them.
    // A guest has no credentials of ours to reissue.
    canReissue: (ticket.status === 'done' || ticket.status === 'failed') && !!ticket.objectId && !guest,
    // A template to apply or finish, a licence to assign once seats exist: admins only (the desk checks).
    canApplyTemplate: ticket.template?.canApply ?? false,
    canAssignLicence: ticket.template?.canAssignLicence ?? false,
    generation: ticket.credentialsGeneration ?? 1,
    requestId: ticket.requestId,
  });
}

function definedOnly(form: OnboardingForm): Partial<Fields> {
  return Object.fromEntries(Object.entries(form).filter(([, value]) => typeof value === 'string')) as Partial<Fields>;
}
