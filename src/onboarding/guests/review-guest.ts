/**
 * Reviewing a guest invitation before anything is sent: the manager resolved, the address
 * looked up (a guest already invited with it, or a member whose mail holds it, is shown and
 * nobody is invited again), and who gets the invitation: Microsoft's email to the address, or
 * the redeem link on a reveal card to the chosen recipient.
 * https://learn.microsoft.com/entra/external-id/what-is-b2b
 */
import { dayIn, startDateConfirmation } from '../rules/confirmations.js';
import type { Requester } from '../kernel/ports.js';
import type { FieldProblem, OnboardingForm, OnboardingRequest } from '../request/request.js';
import type { RequestReview, ReviewDependencies } from '../request/review-request.js';
import { chooseSecretRecipient } from '../credentials/secret-recipient.js';
import { say } from '../kernel/sentences.js';
import type { DirectoryUser } from '../kernel/ports.js';
import type { TemplateReview } from '../templates/review-template.js';
import { earlierRequestOf } from './invite-guest.js';

export async function reviewGuestRequest(
  deps: ReviewDependencies,
  input: {
    readonly person: Requester; readonly form: OnboardingForm; readonly request: OnboardingRequest; readonly domains: readonly string[];
    /** The manager found by name, when a name was typed. */
    readonly managerFound?: DirectoryUser | undefined;
    readonly needsChanges: (problems: readonly FieldProblem[]) => RequestReview;
    /** The form Create submits (the template's defaults filled in) and the template the review shows: its groups apply to guests too. */
    readonly submitForm: OnboardingForm;
    readonly template: TemplateReview;
  },
): Promise<RequestReview> {
  const { person, form, request, needsChanges } = input;
  const email = request.guestEmail!;
  if (!deps.guests) return needsChanges([{ field: 'accountKind', message: say.GUESTS_UNAVAILABLE() }]);
  const named = input.managerFound ?? (request.manager ? await deps.directory.findUserByUpn(request.manager) : undefined);
  if (request.manager && !named) return needsChanges([{ field: 'manager', message: say.MANAGER_USER_NAME_UNKNOWN(request.manager) }]);
  // Someone in the organisation answers for a guest: with no manager named, the requester does (issue 24.3),
  // shown on the review as the manager, so nothing is set that the review did not show.
  const managerAccount = named ?? (await deps.directory.findUserByUpn(person.id));
  const managerUpn = request.manager ?? managerAccount?.userPrincipalName;
  // Someone who has the address already is shown; a second invitation would only replace their redeem link.
  const holder = (await deps.guests.findPeopleByEmail(email))[0];
  if (holder) {
    return needsChanges([{ field: 'guestEmail', message: say.GUEST_EXISTS(email, holder, earlierRequestOf(holder, deps.policy.markerPrefix)) }]);
  }
  const invitation = deps.policy.guests.invitation;
  // Only a link handed over has a recipient of ours; Microsoft's email goes to the guest alone.
  const choice = invitation === 'reveal'
    ? await chooseSecretRecipient(deps.directory, deps.policy.credentials.recipient, { requester: person, form, managerUpn: request.manager })
    : { kind: 'chosen' as const, recipient: { ...person, role: 'requester' as const } };
  if (choice.kind === 'problem') return needsChanges([choice.problem]);
  const startDate = startDateConfirmation(form.startDate?.trim(), dayIn(deps.clock.now(), person.timeZone));
  return {
    kind: 'ready', form: managerUpn ? { ...form, manager: managerUpn } : form, domains: input.domains,
    request: managerUpn ? { ...request, manager: managerUpn } : request, recipient: choice.recipient,
    ...(managerUpn && managerAccount ? { manager: { userPrincipalName: managerUpn, id: managerAccount.id } } : {}),
    confirmations: startDate ? [startDate] : [],
    guest: { email, invitation },
    submitForm: managerUpn ? { ...input.submitForm, manager: managerUpn } : input.submitForm, template: input.template,
  };
}
