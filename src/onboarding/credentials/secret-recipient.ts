/**
 * Who receives the secret: the requester (the default), the new hire's manager, or the
 * organisation's IT coordinator — whichever configuration makes the default and the form
 * offers. The person is resolved once, when the request is validated, and fixed on the
 * record, so a restart or a reissue reaches the same person. Only they may reveal it.
 */
import type { Directory, Requester } from '../kernel/ports.js';
import type { FieldProblem, OnboardingForm } from '../request/request.js';
import type { OnboardingRecord } from '../kernel/request-record.js';
import { say } from '../kernel/sentences.js';

export const secretRecipientRoles = ['requester', 'manager', 'coordinator'] as const;
export type SecretRecipientRole = (typeof secretRecipientRoles)[number];

/**
 * Who gets the reveal card, and why them. A coordinator group (IT_COORDINATOR names a group)
 * has `members`: each gets the card in their own chat, any one of them may reveal, and the
 * first who does is the only one who may see it again.
 */
export interface SecretRecipient extends Requester {
  readonly role: SecretRecipientRole;
  readonly members?: readonly Requester[] | undefined;
}

/** A coordinator group larger than this is refused: a secret shown to many is no secret. */
export const MAX_COORDINATOR_GROUP_MEMBERS = 10;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What configuration says about recipients. */
export interface SecretRecipientPolicy {
  readonly default: SecretRecipientRole;
  /** What the form offers (always includes the default). */
  readonly choices: readonly SecretRecipientRole[];
  /** The IT coordinator's user name or object id, when `coordinator` is offered. */
  readonly coordinator?: string | undefined;
}

export type RecipientChoice =
  | { readonly kind: 'chosen'; readonly recipient: SecretRecipient }
  | { readonly kind: 'problem'; readonly problem: FieldProblem };

/** The recipient the form asks for (or the default), looked up in the directory. */
export async function chooseSecretRecipient(
  directory: Pick<Directory, 'findUserByUpn' | 'groupMembers'>,
  policy: SecretRecipientPolicy,
  input: { readonly requester: Requester; readonly form: OnboardingForm; readonly managerUpn?: string | undefined },
): Promise<RecipientChoice> {
  const picked = pickSecretRecipient(policy, input);
  return picked.kind === 'look-up' ? lookUpSecretRecipient(directory, policy, picked.role, input.managerUpn) : picked;
}

/**
 * The part of the choice that needs no directory: the requester, a refusal, or which role to
 * look up. The workflow takes the common case (the requester) without an extra directory turn.
 */
export function pickSecretRecipient(
  policy: SecretRecipientPolicy, input: { readonly requester: Requester; readonly form: OnboardingForm },
): RecipientChoice | { readonly kind: 'look-up'; readonly role: 'manager' | 'coordinator' } {
  const typed = input.form.secretRecipient?.trim().toLowerCase() ?? '';
  const role = typed === '' ? policy.default : (secretRecipientRoles as readonly string[]).includes(typed) ? (typed as SecretRecipientRole) : undefined;
  if (!role || !policy.choices.includes(role)) return problem(say.RECIPIENT_NOT_OFFERED(policy.choices.map(roleInWords)));
  if (role !== 'requester') return { kind: 'look-up', role };
  const { id, name, locale, timeZone } = input.requester;
  return { kind: 'chosen', recipient: { id, name, role, ...(locale ? { locale } : {}), ...(timeZone ? { timeZone } : {}) } };
}

/** The manager or the coordinator (a person, or a group's members) as the directory has them. */
export async function lookUpSecretRecipient(
  directory: Pick<Directory, 'findUserByUpn' | 'groupMembers'>, policy: SecretRecipientPolicy, role: 'manager' | 'coordinator', managerUpn: string | undefined,
): Promise<RecipientChoice> {
  const key = role === 'manager' ? managerUpn : policy.coordinator;
  if (!key) return problem(role === 'manager' ? say.RECIPIENT_MANAGER_MISSING() : say.RECIPIENT_COORDINATOR_UNSET());
  const person = await directory.findUserByUpn(key);
  if (person) return { kind: 'chosen', recipient: { id: person.id, name: person.displayName ?? person.userPrincipalName, role } };
  if (role === 'manager') return problem(say.MANAGER_NOT_IN_DIRECTORY(key));
  const group = GUID.test(key) ? await directory.groupMembers(key, MAX_COORDINATOR_GROUP_MEMBERS + 1) : null;
  if (!group) return problem(say.RECIPIENT_COORDINATOR_UNKNOWN(key));
  if (group.members.length === 0 || group.members.length > MAX_COORDINATOR_GROUP_MEMBERS) {
    return problem(say.RECIPIENT_COORDINATOR_GROUP_SIZE(group.displayName, group.members.length, MAX_COORDINATOR_GROUP_MEMBERS));
  }
  const members = group.members.map((m) => ({ id: m.id, name: m.displayName ?? m.userPrincipalName }));
  return { kind: 'chosen', recipient: { id: key.toLowerCase(), name: group.displayName, role, members } };
}

function problem(message: string): RecipientChoice {
  return { kind: 'problem', problem: { field: 'secretRecipient', message } };
}

/**
 * The named person of a request: whoever receives (or received) its credentials. Other
 * messages about the account (a welcome e-mail, say) name this person as the one to ask.
 */
export function secretRecipientOf(record: OnboardingRecord): SecretRecipient {
  const chosen = record.secretRecipient;
  const fixed = record.credentials?.recipient ?? chosen ?? record.requester;
  const same = chosen && chosen.id === fixed.id;
  return { id: fixed.id, name: fixed.name, role: same ? chosen.role : 'requester', ...(same && chosen.members ? { members: chosen.members } : {}) };
}

/** Whether this person may reveal the credentials: the recipient, or a member of the recipient group. */
export function mayReveal(record: OnboardingRecord, personId: string): boolean {
  const recipient = secretRecipientOf(record);
  return recipient.id === personId || (recipient.members ?? []).some((member) => member.id === personId);
}

/** "Dana Lee (the manager)", "IT Desk (the IT coordinators: any one of 3)". */
export function nameRecipient(recipient: SecretRecipient): string {
  return recipient.members
    ? say.RECIPIENT_NAMED(recipient.name, say.RECIPIENT_GROUP_ROLE(recipient.members.length))
    : say.RECIPIENT_NAMED(recipient.name, roleInWords(recipient.role));
}

/** "the manager", "the IT coordinator", "the requester". */
export function roleInWords(role: SecretRecipientRole): string {
  return role === 'manager' ? 'the manager' : role === 'coordinator' ? 'the IT coordinator' : 'the requester';
}
