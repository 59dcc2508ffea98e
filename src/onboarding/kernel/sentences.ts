/**
 * Every sentence the bot says to a person, in one place, each under a stable code:
 * `problemCatalog` for problems a request can end with or pause on (code, sentence, help),
 * `say` for everything else the bot answers, refuses or tells. Card layouts live in
 * adaptiveCards/; most field-level validation sentences live beside their rules (request.ts,
 * user-name.ts), since they are built from the rule's own limits; the name rules, shared by
 * every name of the person, are here.
 */
import type { DirectoryErrorCode, ErrorCode, OnboardingProblem } from './errors.js';
import type { CollidingProperty } from './ports.js';
import type { OnboardingOutcome } from './request-record.js';
import type { EarlierOnboarding } from '../request/user-name-check.js';
import type { ExistingPerson, InvitationState } from '../guests/ports.js';

export const problemCatalog = {
  VALIDATION_FAILED: {
    message: 'Some fields of the request need attention.',
    help: 'Correct the fields listed and send the request again.',
    retryable: false,
  },
  ALIAS_NEEDED: {
    message: "We can't make a user name from this name automatically.",
    help: 'Type the user name (alias) you want, using letters a–z, digits and . - _ \'.',
    retryable: false,
  },
  UPN_TAKEN: {
    message: 'That user name is already used in the directory.',
    help: 'Choose one of the suggested user names, or type another alias.',
    retryable: false,
  },
  DOMAIN_NOT_VERIFIED: {
    message: 'That domain is not one the organisation can create accounts in.',
    help: 'Choose one of the domains offered in the form.',
    retryable: false,
  },
  MANAGER_NOT_FOUND: {
    message: 'The manager was not found in the directory.',
    help: "Check the manager's user name (for example adele.vance@contoso.com).",
    retryable: false,
  },
  MANAGER_NOT_SET: {
    message: 'The account was created, but its manager could not be set.',
    help: 'IT has the ticket and can set the manager by hand; nothing else is affected.',
    retryable: true,
  },
  PASSWORD_REJECTED: {
    message: 'The directory refused every temporary password we generated.',
    help: "Ask IT to check the tenant's password policy; the request can then be retried.",
    retryable: true,
  },
  PROPERTY_REJECTED: {
    message: 'The directory rejected one of the values of the request.',
    help: 'IT can see which value in the ticket; correct it and send a new request.',
    retryable: false,
  },
  THROTTLED: {
    message: 'The directory is busy and asked us to slow down.',
    help: 'Nothing to do: the request is kept and will be retried.',
    retryable: true,
  },
  PERMISSION_MISSING: {
    message: 'The bot is not allowed to do this in the directory.',
    help: 'An administrator must grant the bot the User.ReadWrite.All application permission.',
    retryable: false,
  },
  DIRECTORY_UNAVAILABLE: {
    message: 'The directory could not be reached.',
    help: 'Nothing to do: the request is kept and will be retried.',
    retryable: true,
  },
  OUTCOME_UNKNOWN: {
    message: "We are still confirming whether the account was created.",
    help: 'Nothing to do: the request is kept, and no second account will be created.',
    retryable: true,
  },
  DELIVERY_FAILED: {
    message: 'The account exists, but its temporary password could not be sent privately.',
    help: 'Open a private chat with the bot; the same password will be sent again.',
    retryable: true,
  },
  RECIPIENT_UNREACHABLE: {
    message: 'The account exists, but the bot cannot reach the person who should receive its credentials in Teams; the credentials stay sealed and went to nobody else, and IT can reissue them once the bot can reach that person.',
    // The message (named, in say.RECIPIENT_UNREACHABLE) is the one sentence the requester reads.
    help: '',
    retryable: false,
  },
  TAP_NOT_ISSUED: {
    message: 'The account was created with its password, but without a Temporary Access Pass.',
    help: 'Nothing is missing for the first sign-in: the password works. IT can issue a Temporary Access Pass later.',
    retryable: false,
  },
  ACCOUNT_GONE: {
    message: 'The account is no longer in the directory, so its credentials could not be reissued.',
    help: 'Ask IT whether it was deleted; a new request creates a new account.',
    retryable: false,
  },
  WELCOME_MAIL_NOT_SENT: {
    message: 'The account was created, but the welcome email was not sent.',
    help: 'Tell the new person their user name and start date yourself; IT has the reason in the ticket.',
    retryable: false,
  },
  WELCOME_MAIL_UNCONFIRMED: {
    message: 'The account was created, but we cannot tell whether the welcome email went out.',
    help: 'It was not sent again, to avoid a duplicate: ask the new person whether it arrived.',
    retryable: false,
  },
  TICKET_NOT_POSTED: {
    message: 'The account was created, but the IT channel could not be told.',
    help: 'Forward the ticket reference to IT.',
    retryable: true,
  },
  REQUEST_NOT_FOUND: {
    message: 'This onboarding request is unknown.',
    help: 'Start a new request.',
    retryable: false,
  },
  AWAITING_APPROVAL: {
    message: 'The request is waiting for an IT admin to approve it.',
    help: 'Nothing to do: you will be told here when it is approved or rejected.',
    retryable: true,
  },
  REQUEST_REJECTED: {
    message: 'An IT admin rejected the request.',
    help: 'Read the reason, then send a new request if it still makes sense.',
    retryable: false,
  },
  APPROVAL_EXPIRED: {
    message: 'Nobody approved the request in time, so it expired.',
    help: 'Send the request again, or ask IT to approve it sooner.',
    retryable: false,
  },
  REQUESTER_NOT_ALLOWED: {
    message: 'The person who asked may no longer request accounts.',
    help: 'Ask an IT admin to check their membership of the hiring managers group.',
    retryable: false,
  },
  RATE_LIMITED: {
    message: 'Too many account requests in the last hour; nothing was created.',
    help: 'Try again later.',
    retryable: false,
  },
  BUSY_ELSEWHERE: {
    message: 'This request is being processed right now.',
    help: 'Nothing to do: you will get the result in this chat.',
    retryable: true,
  },
  NOT_AN_APPROVER: {
    message: 'Only IT admins can approve or reject account requests; your click changed nothing.',
    help: '',
    retryable: false,
  },
  OWN_REQUEST: {
    message: 'You cannot approve or reject your own request; another IT admin has to.',
    help: '',
    retryable: false,
  },
  APPROVAL_NOT_PENDING: {
    message: 'This request is no longer waiting for approval; the ticket card shows where it is now.',
    help: '',
    retryable: false,
  },
  APPROVAL_REQUEST_UNKNOWN: {
    message: 'I no longer know this request, so nothing was approved or rejected.',
    help: 'Ask the requester to send it again.',
    retryable: false,
  },
  // --- guest invitations (Entra B2B); each refusal is the one sentence the requester reads, and a line in the ticket
  GUEST_ALREADY_EXISTS: {
    message: 'That person is already in the directory under this email, so nobody was invited.',
    help: 'Use the account named on the form, or ask IT.',
    retryable: false,
  },
  GUEST_INVITATIONS_OFF: {
    message: "Nobody was invited: the organisation's external collaboration settings do not let this bot invite guests; an Entra admin can allow it under External Identities, External collaboration settings.",
    help: '',
    retryable: false,
  },
  GUEST_DOMAIN_BLOCKED: {
    message: "Nobody was invited: the organisation's collaboration restrictions block invitations to that email domain; an Entra admin can change the allow or deny list under External collaboration settings, or ask the person for another address.",
    help: '',
    retryable: false,
  },
  GUEST_CROSS_TENANT_BLOCKED: {
    message: "Nobody was invited: cross-tenant access settings, ours or those of the guest's organisation, block collaboration with that organisation; admins on both sides must allow B2B collaboration with each other.",
    help: '',
    retryable: false,
  },
  INVITE_PERMISSION_MISSING: {
    message: 'Nobody was invited: the bot lacks the Microsoft Graph application permission User.Invite.All, which an Entra admin must grant it.',
    help: '',
    retryable: false,
  },
  GUEST_OWN_DOMAIN: {
    message: "Nobody was invited: the address is on one of the organisation's own verified domains, so the person is not external and needs a member account instead.",
    help: '',
    retryable: false,
  },
  GUEST_INVITE_REJECTED: {
    message: 'Nobody was invited: the directory refused the invitation, and IT sees why in the ticket.',
    help: '',
    retryable: false,
  },
  GUEST_PROFILE_NOT_SET: {
    message: 'The guest was invited, but their name, department and company could not be written onto their account.',
    help: 'IT has the ticket and can set them in the Entra admin center; the invitation is not affected.',
    retryable: true,
  },
  GUEST_SPONSOR_NOT_SET: {
    message: 'The guest was invited, but you could not be made their sponsor.',
    help: 'IT has the ticket and can add the sponsor in the Entra admin center; the invitation is not affected.',
    retryable: true,
  },
  UNEXPECTED: {
    message: 'Something unexpected went wrong.',
    help: 'Give IT the correlation id shown below.',
    retryable: true,
  },
} as const satisfies Record<string, { message: string; help: string; retryable: boolean }>;

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

/** What the bot says about a bulk sheet (bulk-rows.ts, bulk-request.ts, run-bulk.ts, the sheet reader). */
export const sayBulk = {
  MANAGER_NOT_SET: () => 'Account created, but its manager could not be set: set it in the Entra admin center (Users → the user → Manager).',
  NO_ROWS: () => 'The sheet has no rows to create: put one person per row under the header row.',
  TOO_MANY_ROWS: (rows: number, max: number) => `The sheet has ${rows} rows; one bulk takes at most ${max}. Split it into several sheets.`,
  NOT_CSV: (detail: string) => `I could not read the sheet as CSV (${detail}). Save it as "CSV UTF-8" and send it again.`,
  NO_HEADER: () => 'The sheet has no header row: use the Entra bulk-create template (its second line names the columns, like "Name [displayName] Required").',
  MISSING_COLUMN: (column: string) => `The sheet has no "${column}" column.`,
  DUPLICATE_COLUMN: (column: string) => `The column "${column}" appears twice.`,
  PASSWORD_COLUMN_FILLED: () =>
    'The sheet fills in the "Initial password" column. I never take a password chosen in chat: I generate one per account. ' +
    'Empty that column (or remove it) and send the sheet again — and change any password you have used elsewhere.',
  PASSWORD_COLUMN_IGNORED: () => 'The empty "Initial password" column is ignored: I generate a temporary password per account.',
  COLUMNS_IGNORED: (columns: readonly string[]) => `These columns are not used and were ignored: ${columns.join(', ')}.`,
  ROW_TOO_WIDE: (cells: number, columns: number) => `This row has ${cells} cells but the header has ${columns} columns.`,
  USER_NAME_NEEDS_DOMAIN: (upn: string) => `The user name ${upn} needs the form name@domain.`,
  BLOCKED_SIGN_IN: () => 'Block sign in is "Yes": this bot only creates accounts that can sign in. Put "No" or leave it empty.',
  BLOCK_SIGN_IN_YES_NO: (value: string) => `Block sign in must be Yes or No, not "${value.slice(0, 20)}".`,
  RECIPIENT_INVALID: () => "The recipient must be a user name, like adele.vance@contoso.com.",
  RECIPIENT_NOT_IN_DIRECTORY: (upn: string) => `The recipient ${upn} was not found in the directory.`,
  MANAGER_NOT_IN_DIRECTORY: (upn: string) => `The manager ${upn} was not found in the directory.`,
  SAME_USER_NAME_AS_ROW: (upn: string, row: number) => `${upn} is already the user name of row ${row}: one row per account.`,
  JUSTIFICATION: (ticket: string) => `Bulk onboarding under ticket ${ticket}.`,
  ADMINS_ONLY: (admins: string) => `Only IT admins can send a bulk sheet. Ask a member of ${admins}.`,
  DAILY_LIMIT: (limit: number) => `You have sent ${limit} bulk sheets today, the most one admin may send in a day. Try again tomorrow.`,
  REVIEW_PROBLEMS: (badRows: number, rows: number) => `${badRows} of ${rows} rows need fixing. Nothing was created: fix them and send the whole sheet again.`,
  REVIEW_READY: (rows: number) => `${rows} accounts are ready to create. Press Create all to start.`,
  NOT_YOUR_BULK: () => 'Only the admin who sent this sheet can start or cancel it.',
  BULK_UNKNOWN: () => 'I no longer know this bulk. Send the sheet again.',
  BULK_CANCELLED: () => 'Bulk cancelled. Nothing was created.',
  BULK_STARTED: () => 'Started: a progress card follows and updates itself; the results sheet goes to the IT ticket channel.',
  BULK_ALREADY_STARTED: () => 'This bulk has already started; its progress card shows how far it is.',
  ROW_TAKEN: (upn: string) => `${upn} already belongs to another account.`,
  ROW_REJECTED: (detail: string) => `The directory refused this account: ${detail}`,
  ROW_UNKNOWN: () => 'The directory did not say whether this account was created; IT should check it.',
  REVEAL_NOT_YOURS: () => 'Only the people named as recipients in this bulk can reveal its credentials; your click was recorded and nothing was shown.',
  REVEAL_CARD_TITLE: (count: number, part = 1, parts = 1, guests = 0) =>
    `${[...(count > guests ? [`Credentials for ${count - guests} new account${count - guests === 1 ? '' : 's'}`] : []),
      ...(guests > 0 ? [`${count > guests ? 'invitation' : 'Invitation'} link${guests === 1 ? '' : 's'} for ${guests} guest${guests === 1 ? '' : 's'}`] : [])].join(' and ')}${parts > 1 ? `, part ${part} of ${parts}` : ''}`,
  REVEAL_INTRO_LINKS: (guests: number) =>
    `Press Reveal to see ${guests === 1 ? 'the guest\'s invitation link' : 'the guests\' invitation links'} here, visible to you only; give each guest theirs privately, and it works until they redeem it.`,
  REVEALED_GONE: (count: number, guests = 0) => guests === count
    ? `${count} invitation link${count === 1 ? ' is' : 's are'} no longer kept (expired or revealed long ago): ask IT to resend ${count === 1 ? 'that invitation' : 'those invitations'} in the Entra admin center.`
    : `${count} of them ${count === 1 ? 'is' : 'are'} no longer kept (expired or revealed long ago): ask IT to reissue${guests > 0 ? `, and to resend the ${guests === 1 ? 'guest\'s invitation' : `${guests} guests' invitations`} in the Entra admin center` : ''}.`,
  FILE_TOO_LARGE: (maxKb: number) => `The file is larger than ${maxKb} KB; one bulk takes a smaller sheet.`,
  FILE_NOT_CSV: () => 'Send the sheet as a .csv file (in Excel: Save as, "CSV UTF-8").',
  FILE_UNREADABLE: () => 'I could not download the file from Teams. Send it again, or paste the sheet into the message.',

  // --- the same promises as a single request, per row
  NAME_TAKEN: (upn: string) => `${upn} already belongs to another account: give this row another user name.`,
  REVIEW_CREDENTIALS: (mode: 'off' | 'alongside' | 'instead') =>
    mode === 'instead' ? 'Each recipient reveals a Temporary Access Pass per account, valid from the row\'s start date when it gives one; no password is created or shown.'
      : mode === 'alongside' ? 'Each recipient reveals a temporary password and a Temporary Access Pass per account (the pass valid from the row\'s start date when it gives one).'
        : 'Each recipient reveals a temporary password per account; it must be changed at the first sign-in.',
  REVIEW_WELCOME_MAILS: (count: number, on: boolean) =>
    on ? `${count} welcome email${count === 1 ? '' : 's'} will go to the personal addresses in the sheet once the accounts exist (never a password or pass).`
      : `${count} row${count === 1 ? ' gives' : 's give'} a personal email, but no welcome email is sent: no service mailbox is configured (WELCOME_MAIL_FROM).`,
  CONFIRMATIONS_INTRO: (count: number) => `${count} thing${count === 1 ? '' : 's'} to confirm before Create all — tick each row, or once for the whole sheet:`,
  CONFIRM_ROW_START_DATE: (row: number, date: string, why: 'past' | 'far-ahead') =>
    `Row ${row}: the start date ${date} is ${why === 'past' ? 'already past' : 'more than a year from today'}; it is written into the account as the hire date.`,
  CONFIRM_ROW_SECOND_ACCOUNT: (row: number, earlierUpn: string, instead: string) =>
    `Row ${row}: I already created ${earlierUpn} for the same name. If this is another person, the row gets ${instead}; if it is the same person, remove the row.`,
  CONFIRM_SHEET_TICKET: (ticket: string, earlierUpn: string) =>
    `The ticket ${ticket} already produced ${earlierUpn}. If the sheet repeats that hire, remove the row.`,
  CONFIRM_ALL_TOGGLE: () => 'Yes, all of these are right',
  CONFIRM_ROW_TOGGLE: (row: number) => `Yes, row ${row} is right`,
  CONFIRMATIONS_MISSING: (count: number) =>
    `Nothing was created: ${count} thing${count === 1 ? '' : 's'} on the review card still need${count === 1 ? 's' : ''} a tick (each row, or once for the whole sheet).`,
  TAP_NOT_ISSUED: (reason: string) => `not issued: ${reason}`,
  TAP_NOT_ISSUED_PASSWORD_INSTEAD: (reason: string) => `not issued: ${reason}; the recipient reveals a temporary password instead`,
  NO_CREDENTIAL: (reason: string) =>
    `not issued: ${reason}; and no password could be set, so nobody holds a credential for this account: issue a pass or reset the password in the Entra admin center`,
  TAP_ISSUED: (startDate: string | undefined) => (startDate ? `issued, valid from ${startDate}` : 'issued'),
  MAIL_SENT: (to: string) => `sent to ${to}`,
  MAIL_NOT_SENT: (to: string, reason: string) => `not sent to ${to}: ${reason}`,
  MAIL_UNCONFIRMED: (to: string) => `unconfirmed for ${to}: the bot stopped between asking Exchange and hearing back; not sent again, to avoid a duplicate`,
  NO_ACCOUNT: () => 'no account was created',
  TEMPLATE_USE: (rows: number, groups: readonly string[], licence: string | undefined) =>
    `${rows} row${rows === 1 ? '' : 's'}: ${groups.length > 0 ? `added to ${groups.join(', ')}` : 'no groups'}${licence ? `; licence ${licence}` : ''}.`,
  TEMPLATE_SEATS_SHORT: (template: string, free: number, rows: number) =>
    `The template ${template}'s licence has ${free} free seat${free === 1 ? '' : 's'} for ${rows} rows: the accounts past them are created without it, and the results sheet says which.`,
  TEMPLATE_NOT_APPLIED: (template: string, why: string) => `Template ${template} not applied: ${why}.`,
  REVEAL_NOT_DELIVERED: (recipient: string, guest = false) => guest
    ? `Guest invited, but the reveal card could not reach ${recipient}; the invitation link stays sealed until it expires: IT should resend the invitation in the Entra admin center.`
    : `Account created, but the reveal card could not reach ${recipient}; the credentials stay sealed until they expire: ask IT to hand them over.`,
  NOT_YET: () => 'not yet (the bulk has not finished)',
  MAIL_THROTTLED_TOO_LONG: () => 'Exchange kept asking the bot to slow down for too long.',
  REVEAL_INTRO: (contents: 'password' | 'password-and-tap' | 'tap') =>
    contents === 'tap' ? 'Press Reveal to see their Temporary Access Passes here, visible to you only. Each pass works from the start date, for the first sign-in.'
      : contents === 'password-and-tap' ? 'Press Reveal to see their temporary passwords and Temporary Access Passes here, visible to you only. Each person changes the password at the first sign-in.'
        : 'Press Reveal to see their temporary passwords here, visible to you only. Each person changes theirs at the first sign-in.',
  REVEALED_INSTRUCTIONS: (until: string) => `Give each person their credentials privately. They stay visible to you until ${until} UTC, then they are deleted.`,

  // --- guest rows (Entra B2B invitations, as a single guest request: guests/)
  SAME_GUEST_AS_ROW: (email: string, row: number) => `${email} is already the guest of row ${row}: one row per guest, or the second invitation would cancel the first one's link.`,
  GUEST_ROW_USER_NAME: (upn: string) => `A guest row gives no user name (Entra makes the guest's own from their address), so empty the user name ${upn} or make the row a member.`,
  GUEST_ROW_PERSONAL_EMAIL: () => 'A guest gets the invitation at the address to invite, not a welcome email: empty the personal email of this guest row.',
  GUEST_ROW_RECIPIENT: () => 'A guest row has nothing to hand over while Microsoft emails the invitation to the guest, so empty its recipient.',
  GUEST_LINK_NOT_KEPT: (email: string) =>
    `${email} is invited, but Entra gave no invitation link to hand over after the bot restarted; IT should resend the invitation in the Entra admin center.`,
  GUEST_LOOKUP_FAILED: (email: string) => `I could not look ${email} up in the directory, so this guest was not invited; send the row again later.`,
  GUEST_THROTTLED: (email: string) => `Entra kept asking the bot to slow down, so ${email} was not invited; send this row again later.`,
  GUEST_UNKNOWN: (email: string) => `The directory did not say whether ${email} was invited, and nobody is invited twice; IT should check the guests in the Entra admin center.`,
  REVIEW_TITLE: (accounts: number, guests: number) =>
    [...(accounts > 0 || guests === 0 ? [`${accounts} accounts to create`] : []), ...(guests > 0 ? [`${guests} guest${guests === 1 ? '' : 's'} to invite`] : [])].join(', '),
  REVIEW_READY_WITH_GUESTS: (accounts: number, guests: number) =>
    `${accounts > 0 ? `${accounts} account${accounts === 1 ? '' : 's'} and ` : ''}${guests} guest invitation${guests === 1 ? '' : 's'} ${accounts + guests === 1 ? 'is' : 'are'} ready: press Create all to start.`,
  REVIEW_GUESTS: (count: number, adminName: string, rowsWithoutManager: number, how: 'email' | 'reveal' = 'email') =>
    `${count} guest${count === 1 ? '' : 's'} will be invited: ` +
    (how === 'email' ? 'Microsoft emails each invitation to the address in the sheet (from invites@microsoft.com), nothing is handed over'
      : 'nobody emails the invitations; each link goes to the row\'s recipient on a reveal card, to hand over privately') +
    `, and you are ${count === 1 ? 'their' : 'each one\'s'} sponsor` +
    (rowsWithoutManager > 0 ? `; ${rowsWithoutManager} guest row${rowsWithoutManager === 1 ? ' names' : 's name'} no manager, so you (${adminName}) answer for ${rowsWithoutManager === 1 ? 'that guest' : 'those guests'} as manager.` : '.'),
  GUEST_INVITED: (email: string) => `invited: Microsoft emailed the invitation to ${email}; not accepted yet`,
  GUEST_LINK_TO_RECIPIENT: (email: string, recipient: string) => `invited: ${email}; the invitation link went to ${recipient} on a reveal card; not accepted yet`,
  PROGRESS_TITLE: (accounts: number, guests: number) =>
    `${[...(accounts > 0 || guests === 0 ? [`Creating ${accounts} account${accounts === 1 ? '' : 's'}`] : []),
      ...(guests > 0 ? [`${accounts > 0 ? 'inviting' : 'Inviting'} ${guests} guest${guests === 1 ? '' : 's'}`] : [])].join(' and ')}…`,
  GUEST_NOT_INVITED: (email: string) => `not invited: ${email} (why: in the Problem column)`,
  GUEST_PROFILE_NOT_SET: () => 'Guest invited, but their name, department and company could not be written onto their account: set them in the Entra admin center.',
  GUEST_SPONSOR_NOT_SET: (sponsor: string) => `Guest invited, but ${sponsor} could not be made their sponsor: add the sponsor in the Entra admin center.`,
} as const;

/** What the bot says about onboarding templates: managing them, the review, the ticket (templates/). */
export const sayTemplates = {
  // --- who may, and where
  ADMINS_ONLY: (admins: string) => `Only IT admins can manage onboarding templates. Ask a member of ${admins}.`,
  PERSONAL_CHAT_ONLY: () =>
    'Templates name groups, licences and who changed them, so I show them only in your 1:1 chat with me: open a chat with Onboarding and type "templates" there.',
  USAGE: () =>
    'Usage: **templates** (list them, with New, Edit and Remove), **templates export** (all of them as JSON for review in git), **templates import** followed by that JSON (creates or updates the templates it names, all or none).',

  // --- the text of a template
  NAME_REQUIRED: () => 'The name is required.',
  NAME_TAKEN: (other: string) => `Another template is already called ${other}; choose another name.`,
  INVISIBLE_CHARACTERS: (label: string) => `${label} contains invisible or control characters; please retype it.`,
  TOO_LONG: (label: string, max: number) => `${label} is longer than ${max} characters.`,
  TOO_MANY: (plural: string, max: number) => `Too many ${plural}: a template takes at most ${max}.`,
  APPLIES_TO_NOBODY: () => 'Say which departments (or employee types) the template applies to: without either it applies to nobody.',
  COUNTRY_CODE: () => 'The usage location must be a two-letter country code such as US, GB or SE.',
  EXTENSION_ATTRIBUTE_UNKNOWN: (key: string) => `"${key}" is not an extension attribute: use extensionAttribute1 to extensionAttribute15.`,
  EXTENSION_ATTRIBUTE_RESERVED: (n: number) => `extensionAttribute${n} holds the bot's own mark on the accounts it creates (CREATE_MARKER_ATTRIBUTE), so a template may not set it.`,
  GROUP_ID_FORM: (id: string) => `"${id}" is not a group id (a GUID); pick the group by its name instead.`,
  SKU_ID_FORM: (id: string) => `"${id}" is not a subscription id (a GUID, the skuId of GET /subscribedSkus).`,

  // --- what the directory says
  GROUP_UNKNOWN: (id: string) => `No group with the id ${id} exists in the directory (removed, or from another tenant).`,
  GROUP_DYNAMIC: (name: string) => `${name} has dynamic membership: a rule decides its members, so a template cannot add people to it. Change its rule (or the attributes it reads) instead.`,
  GROUP_ROLE_ASSIGNABLE: (name: string) => `${name} can be assigned to Entra roles: only a Privileged Role Administrator may change its members, so a template cannot add people to it.`,
  GROUP_EXCHANGE_MANAGED: (name: string) => `${name} is a mail-enabled security group or a distribution list: its members are managed in Exchange Online, not through Microsoft Graph, so a template cannot add people to it.`,
  LICENCE_GROUP_WITHOUT_LICENCE: (name: string) => `${name} assigns no licence (no group-based licensing on it): choose a licensing group, or a subscription.`,
  SKU_UNKNOWN: (skuId: string) => `The organisation has no subscription with the id ${skuId}.`,
  SKU_NOT_FOR_USERS: (partNumber: string) => `${partNumber} is a subscription for the organisation, not for people: choose one that is assigned to users.`,

  // --- managing them in Teams
  NONE_YET: () => 'No onboarding templates yet. Press New template to make the first: the departments it is for, its groups and licence, and defaults for empty fields.',
  SAVED: (name: string, created: boolean) => `${created ? 'Created' : 'Saved'} the template ${name}. The next request it applies to uses it.`,
  REMOVED: (name: string) => `Removed the template ${name}. Requests reviewed with it are asked to review again; accounts already created keep what it gave them.`,
  REMOVE_CONFIRM: (name: string) => `Remove the template ${name}? Requests already reviewed with it will be asked to review again before Create.`,
  CHANGED_MEANWHILE: (name: string, by: string) =>
    `${by} changed the template ${name} after you opened it, so your change was not saved. Here it is as it is now: make your change again.`,
  GONE_MEANWHILE: () => 'This template was removed after you opened it; nothing was saved.',
  UNKNOWN_TEMPLATE: () => 'I no longer know this template; type "templates" for the current list.',
  NEEDS_CHANGES: (count: number) => `Nothing was saved: ${count === 1 ? 'one field needs' : `${count} fields need`} changing (marked below).`,
  GROUP_SEARCH_EMPTY: (text: string) => `No group's name starts with "${text}".`,
  GROUP_SEARCH_HINT: () => 'Type the start of a group\'s name and press Find groups; tick the groups to add.',
  TOO_MANY_TEMPLATES: (max: number) => `There are already ${max} templates, the most the bot keeps; remove one first.`,

  // --- export and import
  EXPORT: (count: number, json: string) => `${count} template${count === 1 ? '' : 's'} as JSON (commit it for review; \`templates import\` takes it back):\n\n\`\`\`json\n${json}\n\`\`\``,
  EXPORT_PART: (part: number, parts: number, json: string) => `Part ${part} of ${parts} (join the parts in order):\n\n\`\`\`json\n${json}\n\`\`\``,
  EXPORT_SENT: () => 'The templates are in the message above, as JSON.',
  IMPORT_EMPTY: () => 'Paste the JSON after "templates import" (as "templates export" gives it).',
  IMPORT_TOO_LARGE: (maxKb: number) => `The JSON is larger than ${maxKb} KB; nothing was imported.`,
  IMPORT_NOT_JSON: (detail: string) => `That is not JSON (${detail.slice(0, 120)}); nothing was imported.`,
  IMPORT_PROBLEMS: (count: number) => `Nothing was imported: ${count === 1 ? 'one problem' : `${count} problems`}, by template and field:`,
  IMPORT_PROBLEM: (template: string, field: string, message: string) => `${template}, ${field}: ${message}`,
  IMPORT_SHAPE: (what: string) => `expected ${what}.`,
  IMPORT_UNKNOWN_FIELD: (field: string) => `"${field.slice(0, 40)}" is not a field of a template.`,
  IMPORT_DUPLICATE_NAME: (name: string) => `${name} appears twice in the file.`,
  IMPORT_CHANGED_MEANWHILE: () => 'Someone changed the templates while I was importing, so nothing was imported. Try again.',
  IMPORTED: (created: readonly string[], updated: readonly string[], unchanged: readonly string[]) =>
    `Imported: ${[
      created.length ? `created ${created.join(', ')}` : '', updated.length ? `updated ${updated.join(', ')}` : '', unchanged.length ? `unchanged ${unchanged.join(', ')}` : '',
    ].filter(Boolean).join('; ')}.`,

  // --- the request: form and review
  CHOSEN_TEMPLATE_GONE: () => 'The template you chose was removed meanwhile; leave Template on "By department" or choose another.',
  CHOSEN_TEMPLATE_DOES_NOT_APPLY: (name: string, department: string, applicable: readonly string[]) =>
    `The template ${name} is not for ${department ? `the department ${department}` : 'an empty department'}${applicable.length > 0 ? `; these are: ${applicable.join(', ')}` : ''}.`,
  NONE_APPLIES: (department: string | undefined) =>
    `No template applies to ${department ? `the department ${department}` : 'a request without a department'}: no groups or licence will be added, only the account.`,
  DECLINED: () => 'No template (you chose none): no groups or licence will be added, only the account.',
  SEVERAL_APPLY: (chosen: string, others: readonly string[]) =>
    `${others.length === 1 ? `The template ${others[0]} applies too` : `The templates ${others.join(', ')} apply too`}; ${chosen} is used. To use another, press Edit and choose it under Template.`,
  BY_DEPARTMENT: () => 'By department',
  NO_TEMPLATE_CHOICE: () => 'No template',
  SEATS: (licence: string, free: number, total: number) => `${licence} — ${free} of ${total} free`,
  SEATS_UNKNOWN: (licence: string) => `${licence} — free seats unknown (the subscriptions could not be read)`,
  LICENCE_THROUGH_GROUP: (group: string, licences: readonly string[]) => `${licences.join(', ') || 'its licences'}, through the group ${group}`,
  NO_SEATS_AT_REVIEW: (licence: string) => `${licence} has no free seats now: the account will be created without it, and IT can assign it later from the ticket.`,
  DEFAULTS_USED: (facts: readonly string[]) => facts.join(', '),
  DEFAULT_FACT: (label: string, value: string, from: 'template' | 'organisation') => `${label} ${value} (${from === 'template' ? 'from the template' : 'default'})`,
  CHANGED_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} changed after your review, so here is the review again with it as it is now. Check it and press Create account.`,
  REMOVED_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} was removed after your review, so here is the review again without it. Check it and press Create account.`,
  APPLIES_SINCE_REVIEW: (name: string) => `Nothing was created: the template ${name} now applies to this request and did not at your review, so here is the review again with it. Check it and press Create account.`,
  JOB_TITLE_SUGGESTIONS: (titles: readonly string[]) => `e.g. ${titles.join(', ')}`,

  // --- the ticket, after the account exists
  TICKET_TEMPLATE: (name: string) => `Template ${name}:`,
  GROUPS_ADDED: (names: readonly string[]) => `added to ${names.join(', ')}.`,
  GROUP_NOT_ADDED: (name: string, why: string) => `Not added to ${name}: ${why}`,
  WHY_DYNAMIC: () => 'its members are decided by a rule (dynamic membership); change the rule or the person\'s attributes.',
  WHY_ROLE_ASSIGNABLE: () => 'it can be assigned to Entra roles, and only a Privileged Role Administrator may change its members.',
  WHY_EXCHANGE_MANAGED: () => 'it is a mail-enabled security group or a distribution list, whose members are managed in Exchange Online.',
  WHY_FORBIDDEN: (permission: string) => `the bot may not change its members (Microsoft Graph permission ${permission} missing).`,
  WHY_GROUP_GONE: () => 'the group no longer exists.',
  WHY_NOT_DONE: () => 'Microsoft Graph did not answer in time; press Apply template to finish.',
  WHY_OTHER: (detail: string) => `Entra refused (${detail}).`,
  LICENCE_ASSIGNED: (licence: string) => `Licence ${licence} assigned.`,
  LICENCE_ALREADY: (licence: string) => `Licence ${licence} assigned (it already was).`,
  LICENCE_REQUESTED: (licence: string, group: string) => `Licence ${licence} requested through the group ${group}: Entra assigns it in the background.`,
  LICENCE_ACTIVE: (licence: string, group: string) => `Licence ${licence} assigned through the group ${group}.`,
  LICENCE_GROUP_ERROR: (licence: string, group: string, error: string) =>
    `Licence ${licence} through the group ${group}: Entra reports ${error}${error === 'CountViolation' ? ' (no free seats): buy or free a seat, then reprocess the user\'s licences in the Entra admin center' : ''}.`,
  LICENCE_MISSING: (licence: string, why: string) => `Licence ${licence} missing: ${why}`,
  WHY_NO_SEATS: (free: number, total: number) => `no free seats (${free} of ${total} free); buy or free a seat, then press Assign licence.`,
  WHY_NO_USAGE_LOCATION: () => 'the account has no usage location, which a licence needs; set it, then press Assign licence.',
  WHY_UNKNOWN_SKU: () => 'the organisation no longer holds this subscription; edit the template.',
  WHY_LICENCE_FORBIDDEN: (permission: string) => `the bot may not assign licences or read seats (Microsoft Graph permission ${permission} missing); grant it, then press Assign licence.`,
  WHY_LICENCE_NOT_DONE: () => 'Microsoft Graph did not answer in time; press Assign licence.',
  DEFAULTS_IN_TICKET: (facts: readonly string[]) => `Defaults used: ${facts.join(', ')}.`,
  RESULT_FACT: (name: string) => `${name} (IT's ticket says what it added)`,

  // --- the ticket's buttons
  ACTION_NOT_ALLOWED: (admins: string) => `Only IT admins can apply templates or assign licences. Ask a member of ${admins}.`,
  ACTION_UNKNOWN_REQUEST: () => 'I no longer know this request, so nothing was changed.',
  ACTION_NO_ACCOUNT: () => 'No account was created for this request, so there is nothing to apply a template to.',
  ACTION_NOT_FINISHED: () => 'This account is still being created; its template is applied as part of that. Try again once the ticket says the account is ready.',
  ACTION_IN_PROGRESS: () => 'The template is being applied to this account right now; nothing more was started.',
  ACTION_ALREADY_APPLIED: (name: string) => `The template ${name} is already applied to this account; nothing more was done.`,
  ACTION_LICENCE_ALREADY: (licence: string) => `${licence} is already assigned to this account; nothing more was done.`,
  ACTION_NO_LICENCE_MISSING: () => 'No licence is missing on this account; nothing was done.',
  ACTION_NO_TEMPLATE_APPLIES: (department: string | undefined) =>
    `No template applies to ${department ? `the department ${department}` : 'an account without a department'}, so nothing was applied.`,
  ACTION_DONE: (name: string) => `Applied the template ${name}; the ticket says what it added.`,
  ACTION_LICENCE_DONE: (licence: string) => `Assigned ${licence}; the ticket says so.`,
  ACTION_LICENCE_STILL_MISSING: (licence: string) => `${licence} is still missing; the ticket says why.`,
} as const;
