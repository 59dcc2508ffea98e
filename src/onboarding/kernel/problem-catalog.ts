/**
 * The problems a request can end with or pause on, part of the one catalog (sentences.ts
 * re-exports it): for each code, the sentence the requester reads, the help, and whether
 * trying again may help.
 */
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
