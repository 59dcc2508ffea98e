/**
 * Every sentence the bot says to a person, in one catalog read through this file, each under a
 * stable code: `problemCatalog` (problem-catalog.ts) for problems a request can end with or pause
 * on (code, sentence, help), `say` here for everything else the bot answers, refuses or tells,
 * `sayBulk` (bulk-sentences.ts) and `sayTemplates` (template-sentences.ts) for those capabilities. Card layouts live in
 * adaptiveCards/; most field-level validation sentences live beside their rules (request.ts,
 * user-name.ts), since they are built from the rule's own limits; the name rules, shared by
 * every name of the person, are here.
 */
import type { DirectoryErrorCode, ErrorCode, OnboardingProblem } from './errors.js';
import { problemCatalog } from './problem-catalog.js';
import type { CollidingProperty } from './ports.js';
import type { OnboardingOutcome } from './request-record.js';
import type { EarlierOnboarding } from '../request/user-name-check.js';
import type { ExistingPerson, InvitationState } from '../guests/ports.js';

export { problemCatalog };

/** Whom to ask, by the Entra groups' own names (see RoleResolver.whomToAsk). */
interface WhomToAsk {
  readonly admins: string;
  readonly requesters: string;
}

export const say = {
  // --- who may do what
  UNKNOWN_PERSON: () =>
    'I could not tell who you are: your Teams account has no Entra ID in this organisation (guests and external people cannot use this bot). Ask IT.',
  NOT_ALLOWED_TO_REQUEST: (whom: WhomToAsk) =>
    `Only hiring managers and IT admins can request accounts. Ask a member of ${whom.admins} to add you to ${whom.requesters} in Entra ID.`,
  ADMINS_ONLY_TICKET_CHANNEL: (whom: WhomToAsk) => `Only IT admins can choose the ticket channel. Ask a member of ${whom.admins}.`,
  ADMINS_ONLY_AUDIT: (whom: WhomToAsk) => `Only IT admins can read the audit trail. Ask a member of ${whom.admins}.`,
  // Shared conversations (a channel, a group chat): everyone there would read the answer.
  AUDIT_IN_PERSONAL_CHAT_ONLY: () =>
    'The audit trail names people and accounts, so I show it only in your 1:1 chat with me: open a chat with Onboarding and type "audit" there.',
  STATUS_IN_PERSONAL_CHAT_ONLY: () =>
    'Your requests name new colleagues\' accounts, so I list them only in your 1:1 chat with me: open a chat with Onboarding and type "status" there.',
  REISSUE_IN_PERSONAL_CHAT_ONLY: () =>
    'A reissue names the account and who gets its credentials, so I take it only in your 1:1 chat with me or in the IT ticket channel: type "reissue" there.',
  NO_TICKET_CHANNEL: () =>
    'I cannot take account requests yet: no IT ticket channel is set. An IT admin types "set ticket channel" (mentioning me) in the channel that should receive new-account tickets.',
  REQUESTER_LIMIT_REACHED: (limit: number, retryAfterMs: number) =>
    `You have made ${limit} account requests in the last hour, the most allowed. Try again ${describeRetryAfter(retryAfterMs)}; nothing was created.`,
  EVERYONE_LIMIT_REACHED: (limit: number, retryAfterMs: number) =>
    `The bot has taken ${limit} account requests in the last hour, the most allowed for everyone together. Try again ${describeRetryAfter(retryAfterMs)}; nothing was created.`,

  // --- the request form and its cards
  /** The rule for every name of the person (given name, surname, display name), after its label ("The surname"). */
  NAME_NEEDS_A_LETTER: (label: string) => `${label} must contain at least one letter.`,
  // The display name goes into mail headers (the welcome mail's To) and cards as the names do: nothing an address is made of.
  NAME_FORBIDDEN_CHARACTERS: (label: string) => `${label} may not contain < > @ " \\ ; or :.`,
  FORM_OPENED: () => 'I opened a new request form below.',
  FORM_EXPIRED: () => 'This request form has expired or was cancelled. Type "new user" to start again.',
  NOT_YOUR_FORM: () => 'Only the person who started this request can change or submit it.',
  NOT_YOUR_REQUEST: () => 'Only the person who made this request can see it.',
  REQUEST_CANCELLED: () => 'Request cancelled. Nothing was created.',
  CHECK_FIRST: () => 'Please check the details first (press Check and review).',
  // A card action that takes longer than Teams waits: the answer now, the result on the card when it is there.
  CARD_WORKING_ON_IT: () => 'Working on it: this card shows the result when it is ready.',
  CARD_CHECKING: () => 'Checking with the directory: this card shows the review when it is ready.',
  CARD_WORKING_ON_IT_SAID: () => 'Working on it: I will say here how it went.',
  CARD_TOO_SLOW_PRESS_AGAIN: () => 'That took longer than Teams waits, so nothing was shown; press the button again.',
  FILLED_FROM_SENTENCE: () => 'I filled in what I understood from your message. Check it, complete the rest, then press Check and review.',
  NOT_UNDERSTOOD: () => 'I did not understand that. Type **help** to see what I can do.',
  MANAGER_USER_NAME_UNKNOWN: (upn: string) =>
    `No one with the user name ${upn} is in the directory. Check the spelling, or type the manager's full name.`,
  MANAGER_NOT_IN_DIRECTORY: (upn: string) => `${upn} was not found in the directory.`,
  MANAGER_NAME_UNKNOWN: (typed: string) => `No one named ${typed} is in the directory. Type the manager's user name, like adele.vance@contoso.com.`,
  MANAGER_NAME_AMBIGUOUS: (typed: string, names: string) => `Several people are named ${typed} (${names}). Type the user name of the right one.`,
  NO_FREE_VARIANT: (upn: string) => `${upn} is taken and I found no free variant; type another user name.`,
  NAME_ALREADY_USED: (takenBy: CollidingProperty, alias: string) =>
    `The ${takenBy === 'userPrincipalName' ? 'user name' : takenBy === 'mailNickname' ? 'mail alias' : 'e-mail address'} ${alias} is already used in the directory.`,
  /** Said before another user name is offered for someone this bot already made an account for. */
  SAME_PERSON_AGAIN: (earlier: EarlierOnboarding) => {
    const when = earlier.receivedAt ? ` on ${earlier.receivedAt.slice(0, 10)}` : '';
    const who = earlier.requesterName ? `, requested by ${earlier.requesterName}` : '';
    return `${earlier.userPrincipalName} is an account this bot already created for ${earlier.displayName ?? 'someone'}${when}${who} (request ${earlier.requestId}). If that is the same person, they already have an account: do not create another. Otherwise pick a free user name below.`;
  },

  // --- who receives the secret
  RECIPIENT_NOT_OFFERED: (choices: readonly string[]) => `The password can go to ${choices.join(' or ')} only; choose one of them.`,
  RECIPIENT_MANAGER_MISSING: () => 'To send the password to the manager, fill in the manager; or choose another recipient.',
  RECIPIENT_COORDINATOR_UNSET: () => 'No IT coordinator is configured, so the password cannot go to one; choose another recipient, or ask IT to set IT_COORDINATOR.',
  RECIPIENT_COORDINATOR_UNKNOWN: (key: string) => `The configured IT coordinator (${key}) is not in the directory; choose another recipient, and tell IT.`,
  RECIPIENT_COORDINATOR_GROUP_SIZE: (group: string, count: number, max: number) =>
    `The IT coordinator group ${group} has ${count === 0 ? 'no members' : `more than ${max} members`}, so the password cannot go to it; choose another recipient, and tell IT.`,
  GROUP_NEEDS_REVEAL_CARD: () => 'Plain-message mode never sends a password to a group; use CREDENTIAL_DELIVERY=reveal or a person as IT coordinator.',
  GROUP_UNREACHABLE: () => 'The bot can reach none of the IT coordinator group\'s members in Teams.',
  RECIPIENT_GROUP_ROLE: (count: number) => `the IT coordinators: any one of ${count}`,
  REVEAL_TAKEN: (name: string) => `${name} already revealed these credentials, so only they can see them; nothing was shown.`,
  /** The recipient as the review card, the ticket and the result name them: "Dana Lee (the manager)". */
  RECIPIENT_NAMED: (name: string, role: string) => `${name} (${role})`,
  /** Said to the requester when the recipient cannot be reached: one sentence, nothing sent elsewhere. */
  RECIPIENT_UNREACHABLE: (named: string) =>
    `The account exists, but I cannot reach ${named} in Teams, so the credentials stay sealed and went to nobody else; IT has the ticket and can reissue them once I can reach them.`,
  TICKET_RECIPIENT_UNREACHABLE: (named: string) => `Credentials not delivered: ${named} cannot be reached in Teams; they stay sealed until a reissue.`,

  /** The review card's last line: who alone gets the password ("you" when it is the requester). */
  REVIEW_PASSWORD_GOES_TO: (named?: string) =>
    `The temporary password will be sent only to ${named ?? 'you'}, in a private chat with me. The IT ticket channel gets the account name, never the password.`,

  // --- confirmations on the review card
  CONFIRM_START_DATE_TITLE: (why: 'past' | 'far-ahead') => (why === 'past' ? 'The start date is in the past' : 'The start date is more than a year away'),
  CONFIRM_START_DATE: (date: string, why: 'past' | 'far-ahead') =>
    `${date} is ${why === 'past' ? 'already past' : 'more than a year from today'}, and it is written into the account as the hire date. Check it, or press Edit to change it.`,
  CONFIRM_START_DATE_TOGGLE: () => 'Yes, the start date is right',
  CONFIRM_SECOND_ACCOUNT_TITLE: (name: string) => `${name} may already have an account`,
  CONFIRM_SECOND_ACCOUNT: (earlier: EarlierOnboarding, why: 'same-name' | 'same-ticket', created: string) => {
    const reason = why === 'same-ticket' ? 'under the same ticket' : 'for the same name';
    const who = earlier.requesterName ? `, requested by ${earlier.requesterName}` : '';
    return `I already created ${earlier.userPrincipalName} ${reason}${created ? ` on ${created}` : ''}${who}. If this is the same person, they already have an account: press Cancel.`;
  },
  CONFIRM_SECOND_ACCOUNT_TOGGLE: () => 'Yes, create a second account',
  CONFIRMATION_MISSING: (kinds: readonly ('start-date' | 'second-account')[]) =>
    `Nothing was created: on the review card, tick ${kinds.map((k) => (k === 'start-date' ? '"Yes, the start date is right"' : '"Yes, create a second account"')).join(' and ')} first.`,
  TICKET_SECOND_ACCOUNT: (earlierUpn: string, why: 'same-name' | 'same-ticket') =>
    `Second account: the requester confirmed it although ${earlierUpn} was already created ${why === 'same-ticket' ? 'under this ticket' : 'for the same name'}.`,
  TICKET_START_DATE_CONFIRMED: (startDate: string, why: 'past' | 'far-ahead') =>
    `Start date ${startDate} confirmed by the requester (${why === 'past' ? 'in the past' : 'more than a year ahead'}).`,

  // --- status
  NO_REQUESTS_YET: () => 'You have no account requests yet. Type "new user" to make one.',
  RECENT_REQUESTS: (outcomes: readonly OnboardingOutcome[]) =>
    `Your recent requests:\n\n${outcomes.map((r) => `- ${r.userPrincipalName ?? r.displayName ?? 'request'}: **${requestInPlainWords(r)}**${r.problem && r.status !== 'awaiting_approval' ? ` — ${r.problem.message}` : ''} (request ${r.requestId})`).join('\n')}`,

  // --- the ticket channel
  TICKET_CHANNEL_WHERE: () => 'Type "set ticket channel" in the Teams channel that should receive new-account tickets (mention me there).',
  TICKET_CHANNEL_SET: () => 'Done: new-account tickets will be posted in this channel. Passwords never are.',
  TICKET_REISSUED: (byName: string, recipientName: string) => `Credentials reissued by ${byName}: the old password no longer works; ${recipientName} gets a new reveal card.`,
  TICKET_CHANNEL_MISSING_REASON: () => 'No IT ticket channel is set: an admin types "set ticket channel" in the channel that should get tickets.',

  // --- approval and how a request ended
  APPROVED_NOTICE: (approverName: string, upn: string) =>
    `${approverName} approved your request for ${upn}. I am creating it now; the temporary password will follow in a separate message.`,
  REJECTED_NOTICE: (upn: string, why: string) => `Your request for ${upn} was not approved${why ? `: ${why}` : '.'} Nothing was created.`,
  APPROVAL_EXPIRED_REASON: () => 'The approval expired.',
  REQUESTER_GONE_REASON: () => 'The requester may no longer request accounts.',
  CREDENTIALS_UNDELIVERABLE_HELP: () => 'IT has it in the ticket: an IT admin can reissue the credentials (type "reissue" and the user name) once the bot can reach you.',
  TAP_REFUSED: (reason: 'policy-off' | 'lifetime' | 'permission' | 'other') => {
    switch (reason) {
      case 'policy-off': return "the tenant's Temporary Access Pass policy is off";
      case 'lifetime': return "the configured lifetime is outside the tenant's Temporary Access Pass policy";
      case 'permission': return 'the bot lacks the Graph permission UserAuthenticationMethod.ReadWrite.All';
      default: return 'the directory refused it';
    }
  },

  // --- the welcome mail
  WELCOME_MAIL_SENT: (to: string) => `Welcome email sent to ${to}.`,
  WELCOME_MAIL_WILL_GO: (to: string) => `A welcome email will go to ${to} once the account exists (user name, start date, how to sign in; never the password).`,
  WELCOME_MAIL_NOT_SENT: (to: string, reason: string) => `Welcome email not sent to ${to}: ${reason}`,
  WELCOME_MAIL_UNCONFIRMED: (to: string) =>
    `Welcome email to ${to} unconfirmed: the bot stopped after asking Exchange to send it and before hearing back; it was not sent again, to avoid a duplicate. The service mailbox's Sent Items shows whether it went out.`,
  WELCOME_MAIL_REASON: (reason: 'no-mailbox' | 'permission' | 'recipient' | 'invalid' | 'template' | 'throttled' | 'off') => {
    switch (reason) {
      case 'no-mailbox': return 'the service mailbox has no Exchange Online mailbox (Graph answered MailboxNotEnabledForRESTAPI; it needs an Exchange Online licence).';
      case 'permission': return 'the bot may not send as the service mailbox (Graph permission Mail.Send, or the Exchange application access policy, is missing).';
      case 'recipient': return 'Exchange refused the address.';
      case 'invalid': return 'Exchange refused the message.';
      case 'template': return 'the welcome email template (adaptiveCards/mail/welcome.html) could not be filled in; the bot log says why.';
      case 'throttled': return 'Exchange kept asking the bot to slow down.';
      case 'off': return 'no service mailbox is configured for welcome emails (WELCOME_MAIL_FROM).';
    }
  },

  // --- revealing and reissuing credentials
  REVEAL_UNKNOWN: () => 'I no longer know these credentials. Ask IT to reissue them.',
  REVEAL_NOT_YOURS: (recipientName: string) => `Only ${recipientName} can reveal these credentials; your click was recorded and nothing was shown.`,
  REISSUE_USAGE: () => 'Usage: **reissue** *user name* (e.g. reissue adele.vance@contoso.com): new credentials for an account this bot created.',
  REISSUE_NOT_ALLOWED: (whom: WhomToAsk) => `Only IT admins can reissue credentials. Ask a member of ${whom.admins}.`,
  REISSUE_UNKNOWN_REQUEST: () => 'I no longer know this request, so nothing was reissued. Type "reissue" and the user name instead.',
  REISSUE_NOT_OURS: (upn: string) => `${upn} was not created by this bot, so I cannot reissue its credentials. Reset its password in the Entra admin center instead.`,
  REISSUE_NO_ACCOUNT: (upn: string) => `No account was created for ${upn}, so there is nothing to reissue. Send a new request instead.`,
  REISSUE_IN_PROGRESS: (upn: string) => `The credentials of ${upn} are being created or reissued right now; nothing more was started.`,
  REISSUE_ALREADY_DONE: (upn: string) => `The credentials of ${upn} were already reissued; nothing more was started.`,
  REISSUE_STARTED: (upn: string, recipientName: string) => `Reissuing the credentials of ${upn}: the old password stops working now, and ${recipientName} gets a new reveal card in their private chat with me.`,
  /** The requester was not watching the card when the request ended without an account for them. */
  REQUEST_ENDED_UNWATCHED: (outcome: OnboardingOutcome) => {
    const who = outcome.displayName ? `the account for ${outcome.displayName}` : 'your account request';
    const problem: OnboardingProblem | undefined = outcome.problem;
    const why = problem ? ` ${problem.message} ${problem.help}`.trimEnd() : '';
    const alternatives = outcome.alternatives.length > 0 ? ` These user names are free: ${outcome.alternatives.join(', ')}.` : '';
    const head = outcome.status === 'rejected' ? `I could not create ${who}.` : `I could not finish ${who}.`;
    return `${head}${why}${alternatives} (Reference ${outcome.correlationId}, request ${outcome.requestId}.)`;
  },

  // --- Teams could not take a message (the reasons IT reads in the ticket)
  NO_WAY_TO_REACH: (name: string) => `I have no way to reach ${name} in Teams yet (they have not chatted with the bot).`,
  TEAMS_REFUSED: (status: number | undefined) => {
    switch (status) {
      case 403: return 'Teams refused the message (the app is not installed for that person or channel, or they blocked it).';
      case 404: return 'Teams does not know that conversation any more (the chat or channel was removed).';
      case 429: return 'Teams asked the bot to slow down.';
      default: return status ? `Teams answered ${status}.` : 'Teams could not be reached.';
    }
  },

  // --- guest invitations
  /** Said when the address is held already: who holds it, and that nobody is invited again. */
  GUEST_EXISTS: (email: string, person: ExistingPerson, earlierRequestId?: string) => {
    const who = person.displayName ? `${person.displayName} (${person.userPrincipalName})` : person.userPrincipalName;
    const what = person.userType === 'Member' ? 'a member account'
      : person.externalUserState === 'Accepted' ? 'a guest who accepted their invitation'
      : person.externalUserState === 'PendingAcceptance' ? 'a guest whose invitation is not accepted yet' : 'a guest';
    const ours = earlierRequestId ? `, invited by this bot (request ${earlierRequestId})` : '';
    return `${email} already has access here: ${who}, ${what}${ours}. Nobody is invited again: use that account, or ask IT.`;
  },
  GUESTS_UNAVAILABLE: () => 'Guest invitations are not available from this bot; choose Member, or ask IT to invite the person.',
  /** The sentence reader's note when the new person's address is at another organisation. */
  GUEST_FROM_SENTENCE: (email: string) =>
    `${email} is an address at another organisation, so I prepared a guest invitation: they sign in with their own organisation's account, with no password from us. Choose Member on the form if they need an account of ours instead.`,
  /** The review card's plain words on what a guest invitation means. */
  REVIEW_GUEST_MEANS: (name: string, email: string) =>
    `No password: ${name} signs in with their own organisation's account, and its multi-factor authentication, once they accept an invitation sent to ${email}.`,
  REVIEW_GUEST_INVITATION: (how: 'email' | 'reveal', email: string, named?: string) =>
    how === 'email'
      ? `Microsoft emails the invitation to ${email} (from invites@microsoft.com); the IT ticket channel gets the guest's user name.`
      : `Nobody emails the invitation: its link goes only to ${named ?? 'you'}, on a private reveal card from me, to hand over to them. It works like a password until they accept.`,
  /** How an invitation stands, for the ticket and the result card. */
  INVITATION_IN_WORDS: (stage: InvitationState | 'not-sent', how: 'email' | 'reveal', email: string, holder?: string) => {
    if (stage === 'not-sent') return how === 'email' ? `not sent yet; Microsoft will email it to ${email}` : `not sent yet; its link will go to ${holder ?? 'the requester'} on a reveal card`;
    const where = how === 'email' ? `Microsoft emailed the invitation to ${email}` : `the invitation link went to ${holder ?? 'the requester'} on a reveal card`;
    return stage === 'Accepted' ? `accepted (${where})` : `not accepted yet; ${where}`;
  },
  APPROVED_GUEST_NOTICE: (approverName: string, email: string) => `${approverName} approved your request to invite ${email} as a guest. I am inviting them now.`,
  REISSUE_GUEST: (upn: string) =>
    `${upn} is a guest: they sign in with their own organisation's account, so there is no password to reissue. If their invitation got lost, IT can resend it in the Entra admin center.`,

  // --- trouble in a turn
  DIRECTORY_TROUBLE: (trouble: { readonly code: DirectoryErrorCode; readonly permission?: string | undefined; readonly retryAfterSeconds?: number | undefined }, reference: string) => {
    switch (trouble.code) {
      case 'PERMISSION_MISSING':
        return trouble.permission
          ? `I could not do that: the bot is missing the Microsoft Graph permission ${trouble.permission} in Entra ID. Nothing was changed. Tell IT (reference ${reference}); an Entra admin grants it to the bot's app registration.`
          : `I could not do that: the bot could not sign in to Entra ID. Nothing was changed. Tell IT (reference ${reference}); its app registration's secret or certificate needs checking.`;
      case 'THROTTLED':
        return `Entra ID is busy and asked me to slow down, so nothing was changed. Try again ${trouble.retryAfterSeconds ? `in ${trouble.retryAfterSeconds} seconds` : 'in a minute'}.`;
      default:
        return `I could not reach Entra ID just now, so nothing was changed. Try again in a minute; if it keeps happening, tell IT (reference ${reference}).`;
    }
  },
  SOMETHING_WENT_WRONG: (reference: string) =>
    `Something went wrong on my side and nothing was changed. Please try again; if it keeps happening, give IT this reference: ${reference}.`,

  // --- the audit trail
  AUDIT_USAGE: () =>
    'Usage: **audit** *user name* (e.g. audit adele.vance@contoso.com), **audit requester** *user name*, **audit from** *YYYY-MM-DD* [**to** *YYYY-MM-DD*], **audit refusals** [**from** …] (who was refused what, and why); add **csv** at the end for a CSV export.',
  AUDIT_REQUESTER_NEEDED: () => `After "requester" give the person's user name. ${say.AUDIT_USAGE()}`,
  AUDIT_DATE_NEEDED: (word: string) => `After "${word}" give a date as YYYY-MM-DD. ${say.AUDIT_USAGE()}`,
  AUDIT_WORD_UNKNOWN: (word: string) => `I did not understand "${word.slice(0, 40)}". ${say.AUDIT_USAGE()}`,
  AUDIT_DATES_SWAPPED: () => 'The "from" date is after the "to" date; swap them and try again.',
  AUDIT_PERSON_UNKNOWN: (upn: string) => `${upn} was not found in the directory.`,
  AUDIT_NOTHING_FOUND: () => 'No audit events match. Check the user name, or widen the dates.',
  /** The export in chat messages (where Teams takes no file): one message per part, each within Teams' size limit. */
  AUDIT_CSV: (count: number, limited: boolean, part: number, parts: number, csv: string) =>
    `${part === 1
      ? `${count} audit events as CSV${limited ? ` (the latest ${count}; narrow the dates for the rest)` : ''}${parts > 1 ? `, part 1 of ${parts}` : ''}`
      : `Audit CSV, part ${part} of ${parts}`}:\n\n\`\`\`\n${csv}\n\`\`\``,
  /** The file consent card's description: what the bot asks to save in the admin's OneDrive. */
  AUDIT_FILE_OFFER: (count: number, limited: boolean) =>
    `${count} audit events as CSV${limited ? ` (the latest ${count}; narrow the dates for the rest)` : ''}, no passwords. Allow it and I save the file in your OneDrive.`,
  AUDIT_FILE_SAVED: (count: number, name: string) => `${count} audit events saved as ${name} in your OneDrive.`,
  AUDIT_FILE_FAILED: () => 'I could not save the export in your OneDrive, so nothing was saved; type the command again to get a new one.',
  AUDIT_FILE_DECLINED: () => 'The export was not saved; type the command again when you want it.',
  FILE_ANSWER_UNKNOWN: () => 'That file offer is not one I know any more, so nothing was saved; ask again for what you need.',
} as const;

export type SentenceCode = keyof typeof say;

/** A problem from the catalog as one sentence: what happened, then what to do. */
export function problemSentence(code: ErrorCode): string {
  const entry = problemCatalog[code];
  return entry.help ? `${entry.message} ${entry.help}` : entry.message;
}

/** A request's state as the requester would say it (the `status` command). */
export function requestInPlainWords(outcome: OnboardingOutcome): string {
  if (outcome.guest) {
    switch (outcome.status) {
      case 'received': case 'validated': case 'checked': case 'creating': return 'guest being invited';
      case 'created': case 'delivering': case 'delivered': case 'done':
        return outcome.guest.state === 'Accepted' ? 'guest invitation accepted' : 'guest invited, not accepted yet';
      case 'failed': return outcome.objectId ? 'guest invited, needs IT' : 'nobody invited';
      case 'rejected': return 'nobody invited';
      default: break;
    }
  }
  switch (outcome.status) {
    case 'received': case 'validated': case 'checked': case 'creating': return 'being created';
    case 'awaiting_approval': return 'waiting for an IT admin to approve';
    case 'approved': return 'approved, being created';
    case 'created': case 'delivering': return 'created, credentials on their way';
    case 'delivered': case 'done': return 'done';
    case 'rejected': return 'not created';
    case 'failed': return outcome.objectId ? 'created, needs IT' : 'not created';
    default: return outcome.status;
  }
}

/** "in 12 minutes" / "in about an hour": when a refused requester can try again. */
export function describeRetryAfter(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `in about ${hours} hour${hours === 1 ? '' : 's'}`;
}

// The catalog goes on in two files of its own, one per capability, read through this one.
export { sayBulk } from './bulk-sentences.js';
export { sayTemplates } from './template-sentences.js';
