/**
 * Reviewing a request before anything is created: who may open a form and what it starts
 * with; then the details checked as a whole — validated, the manager resolved (a typed name
 * becomes their user name), the user name checked free in the directory, checked
 * alternatives offered when it is not, and a warning when this bot already made an account
 * under it (the usual way one person ends up with two). Some requests need a confirmation
 * on the review card before Create (see confirmations.ts): an odd start date, and a second
 * account for the same name or the same ticket.
 */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import { resolveManagerName } from '../rules/manager-name.js';
import type { Clock, Directory, Requester, VerifiedDomain } from '../kernel/ports.js';
import type { ReviewedManager } from './submit-request.js';
import { isGuestRequest, readOnboardingForm, validateOnboardingForm, type FieldProblem, type OnboardingForm, type OnboardingRequest } from './request.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayRequest } from '../rules/roles.js';
import { chooseSecretRecipient, type SecretRecipient, type SecretRecipientRole } from '../credentials/secret-recipient.js';
import { say } from '../kernel/sentences.js';
import { earlierOnboardingByTicket, earlierOnboardingOf, sameNames, suggestAlternatives, upnCheckOf } from './user-name-check.js';
import { dayIn, startDateConfirmation, type Confirmation } from '../rules/confirmations.js';
import { reviewGuestRequest } from '../guests/review-guest.js';
import { applicableTemplates, type TemplateSnapshot } from '../templates/choose-template.js';
import { reviewTemplate, type TemplateReview } from '../templates/review-template.js';

/** The desk's dependencies plus the tenant's verified domains, remembered briefly. */
export interface ReviewDependencies extends RequestDeskDependencies {
  verifiedDomains(): Promise<VerifiedDomain[]>;
}

/** What the form offers about templates: the ones to choose from, and job titles the applying one suggests. */
export interface FormTemplateChoices {
  readonly choices: ReadonlyArray<{ readonly id: string; readonly name: string }>;
  readonly jobTitleSuggestions: readonly string[];
  /** The usage location an empty Country gets (the template's, else the organisation's). */
  readonly usageLocationDefault: string;
}

export type FormPreparation =
  | { readonly kind: 'refused'; readonly sentence: string }
  | {
    readonly kind: 'ready'; readonly defaults: OnboardingForm; readonly domains: readonly string[]; readonly recipientChoices: readonly SecretRecipientRole[];
    readonly templates: FormTemplateChoices;
  };

/** The employee type an account gets when neither the requester nor a template gives one. */
export const DEFAULT_EMPLOYEE_TYPE = 'Employee';

/**
 * Who may open a request form now (a requester or admin, with a ticket channel set), and what
 * it starts with. Country and employee type start empty: the review fills them from the
 * template (or the organisation's defaults), and says so. `form`: what it will show (a
 * sentence's prefill, or the draft), for the template hints.
 */
export async function prepareRequestForm(deps: ReviewDependencies, person: Requester | undefined, form: OnboardingForm = {}): Promise<FormPreparation> {
  if (!person) {
    await recordRefusal(deps, { reason: 'UNKNOWN_PERSON', action: 'open a request form' });
    return { kind: 'refused', sentence: say.UNKNOWN_PERSON() };
  }
  if (!mayRequest(await deps.roles.roleOf(person.id))) {
    await recordRefusal(deps, { reason: 'NOT_ALLOWED_TO_REQUEST', action: 'open a request form', person });
    return { kind: 'refused', sentence: say.NOT_ALLOWED_TO_REQUEST(await deps.roles.whomToAsk()) };
  }
  if (!(await deps.tickets.isSet())) return { kind: 'refused', sentence: say.NO_TICKET_CHANNEL() };
  const domains = (await deps.verifiedDomains()).map((d) => d.name);
  const recipients = deps.policy.credentials.recipient;
  return {
    kind: 'ready', domains, recipientChoices: recipients.choices,
    defaults: { accountKind: 'member', domain: domains[0] ?? '', secretRecipient: recipients.default },
    templates: await formTemplateChoices(deps, form),
  };
}

/** The templates the form offers, and the hints of the one its department picks. */
export async function formTemplateChoices(deps: Pick<ReviewDependencies, 'templates' | 'defaultUsageLocation'>, form: OnboardingForm): Promise<FormTemplateChoices> {
  const templates = deps.templates ? await deps.templates.list({ recent: true }) : [];
  const [applying] = applicableTemplates(templates, { ...form, employeeType: form.employeeType?.trim() || DEFAULT_EMPLOYEE_TYPE });
  const chosen = templates.find((s) => s.template.id === form.template?.trim().toLowerCase()) ?? applying;
  return {
    choices: templates.map((s) => ({ id: s.template.id, name: s.template.name })),
    jobTitleSuggestions: chosen?.template.defaults.jobTitles ?? [],
    usageLocationDefault: chosen?.template.defaults.usageLocation ?? deps.defaultUsageLocation,
  };
}

export type RequestReview =
  | { readonly kind: 'refused'; readonly sentence: string }
  /** The form as it should be shown again, with what needs changing. */
  | {
    readonly kind: 'needs-changes'; readonly form: OnboardingForm; readonly domains: readonly string[]; readonly recipientChoices: readonly SecretRecipientRole[];
    readonly problems: readonly FieldProblem[]; readonly notes: readonly string[]; readonly alternatives: readonly string[]; readonly takenUpn?: string;
    readonly templates: FormTemplateChoices;
  }
  /** Ready to create once each of `confirmations` is ticked on the review card. */
  | {
    readonly kind: 'ready'; readonly form: OnboardingForm; readonly domains: readonly string[]; readonly request: OnboardingRequest; readonly confirmations: readonly Confirmation[];
    /** The manager as the review found them: carried to Create, so they are not looked up again. */
    readonly manager?: ReviewedManager;
    /** Who will receive the credentials (fixed again, from the same form, when the request is validated). */
    readonly recipient: SecretRecipient;
    /** A guest invitation: the address, and whether Microsoft emails it or its link goes to the recipient. */
    readonly guest?: { readonly email: string; readonly invitation: 'email' | 'reveal' } | undefined;
    /** The form Create submits: empty fields filled with the template's (or the organisation's) defaults, the template choice explicit. */
    readonly submitForm: OnboardingForm;
    /** The template and what it adds, as the review card shows it. */
    readonly template: TemplateReview;
  };

/** The snapshot Create passes on: the reviewed template's, null when the review showed none, undefined when templates are off. */
export function reviewedTemplate(review: TemplateReview): TemplateSnapshot | null | undefined {
  return review.kind === 'chosen' ? review.snapshot : review.kind === 'off' ? undefined : null;
}

/** The details as typed (untrusted card data), checked as a whole against the directory. */
export async function reviewRequest(deps: ReviewDependencies, person: Requester, data: unknown): Promise<RequestReview> {
  if (!mayRequest(await deps.roles.roleOf(person.id))) {
    await recordRefusal(deps, { reason: 'NOT_ALLOWED_TO_REQUEST', action: 'review', person });
    return { kind: 'refused', sentence: say.NOT_ALLOWED_TO_REQUEST(await deps.roles.whomToAsk()) };
  }
  // Card data is untrusted: keep only the known text fields, then validate all of them.
  const manager = await resolveManagerName(deps.directory, readOnboardingForm(data).form);
  const { form } = manager;
  const verified = await deps.verifiedDomains();
  const domains = verified.map((d) => d.name);
  const hints = await formTemplateChoices(deps, form);
  const needsChanges = (problems: readonly FieldProblem[], extra: { notes?: readonly string[]; alternatives?: readonly string[]; takenUpn?: string; form?: OnboardingForm } = {}): RequestReview =>
    ({
      kind: 'needs-changes', form: extra.form ?? form, domains, recipientChoices: deps.policy.credentials.recipient.choices, problems, notes: extra.notes ?? [],
      alternatives: extra.alternatives ?? [], ...(extra.takenUpn ? { takenUpn: extra.takenUpn } : {}), templates: hints,
    });

  // The template first: its defaults fill the fields left empty, and the whole form is validated as Create will submit it.
  const template = await reviewTemplate(deps, form, { usageLocation: deps.defaultUsageLocation, employeeType: DEFAULT_EMPLOYEE_TYPE });
  const submitForm = template.form;
  const validation = validateOnboardingForm(submitForm, { domains: verified, aliasPattern: deps.policy.aliasPattern });
  const templateProblem = template.review.kind === 'problem' ? [template.review.problem] : [];
  if (!validation.ok || manager.problem || templateProblem.length > 0) {
    return needsChanges([
      ...(validation.ok ? [] : validation.problems.filter((p) => !(manager.problem && p.field === 'manager'))),
      ...(manager.problem ? [manager.problem] : []),
      ...templateProblem,
    ]);
  }
  const request = validation.request;
  if (isGuestRequest(request)) {
    return reviewGuestRequest(deps, { person, form, request, domains, managerFound: manager.found, needsChanges, submitForm, template: template.review });
  }
  // One look at the directory: the names wanted, and a manager typed as a user name (one found by name was just read).
  const lookup = await deps.directory.checkNewAccount({
    userPrincipalName: request.userPrincipalName, mailNickname: request.mailNickname,
    ...(request.manager && !manager.found ? { managerUpn: request.manager } : {}),
  });
  if (request.manager && lookup.manager === null) {
    return needsChanges([{ field: 'manager', message: say.MANAGER_USER_NAME_UNKNOWN(request.manager) }]);
  }
  const managerAccount = manager.found ?? lookup.manager ?? undefined;
  const reviewedManager = request.manager && managerAccount ? { userPrincipalName: request.manager, id: managerAccount.id } : undefined;
  const choice = await chooseSecretRecipient(deps.directory, deps.policy.credentials.recipient, { requester: person, form, managerUpn: request.manager });
  if (choice.kind === 'problem') return needsChanges([choice.problem]);
  const recipient = choice.recipient;
  const startDate = startDateConfirmation(form.startDate?.trim(), dayIn(deps.clock.now(), person.timeZone));
  const ready = (checked: OnboardingRequest, checkedForm: OnboardingForm, secondAccount?: Confirmation): RequestReview =>
    ({
      kind: 'ready', form: { ...checkedForm, alias: checked.alias }, domains, request: checked, recipient, ...(reviewedManager ? { manager: reviewedManager } : {}),
      confirmations: [...(startDate ? [startDate] : []), ...(secondAccount ? [secondAccount] : [])],
      submitForm: { ...submitForm, alias: checked.alias }, template: template.review,
    });
  const check = upnCheckOf(lookup.holders);
  if (!check.free) {
    const alternatives = await suggestAlternatives(deps.directory, request, 3);
    const suggested = alternatives[0]?.split('@')[0];
    // The account already read by the check tells whether this bot made it (no second read).
    const earlier = check.holder ? await earlierOnboardingOf(deps, check.holder) : null;
    // The same person again: show the account they have, and create a second one only when
    // the requester says so on the review card (never one click away on a prefilled form).
    if (earlier && suggested && sameNames(earlier, request)) {
      const second = validateOnboardingForm({ ...submitForm, alias: suggested }, { domains: verified, aliasPattern: deps.policy.aliasPattern });
      if (second.ok) return ready(second.request, { ...form, alias: suggested }, { kind: 'second-account', earlier, why: 'same-name' });
    }
    return needsChanges(alternatives.length === 0 ? [{ field: 'alias', message: say.NO_FREE_VARIANT(request.userPrincipalName) }] : [], {
      notes: earlier ? [say.SAME_PERSON_AGAIN(earlier)] : [],
      alternatives,
      takenUpn: request.userPrincipalName,
      form: suggested ? { ...form, alias: suggested } : form,
    });
  }
  // A ticket that already produced an account usually means the same hire asked for twice.
  const byTicket = await earlierOnboardingByTicket(deps, request.ticketReference);
  return ready(request, form, byTicket ? { kind: 'second-account', earlier: byTicket, why: 'same-ticket' } : undefined);
}

/**
 * The tenant's verified domains (default first), remembered a minute: every form, review
 * and sentence needs them and they change rarely. A domain that stopped being verified
 * meanwhile is refused by POST /users itself (DOMAIN_NOT_VERIFIED).
 */
export function rememberVerifiedDomains(directory: Directory, clock: Clock, ms = 60_000): () => Promise<VerifiedDomain[]> {
  let remembered: { domains: VerifiedDomain[]; until: number } | undefined;
  return async () => {
    const now = clock.now().getTime();
    if (remembered && remembered.until > now) return remembered.domains;
    const domains = (await directory.listDomains())
      .filter((d) => d.isVerified)
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
    remembered = { domains, until: now + ms };
    return domains;
  };
}
