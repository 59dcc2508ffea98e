/**
 * The catalog of errors a person can act on. Codes are stable (the bot, the audit log and
 * support tickets key on them); the sentence and the help are what the requester reads.
 */
export const errorCatalog = {
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
  BUSY_ELSEWHERE: {
    message: 'This request is being processed right now.',
    help: 'Nothing to do: you will get the result in this chat.',
    retryable: true,
  },
  UNEXPECTED: {
    message: 'Something unexpected went wrong.',
    help: 'Give IT the correlation id shown below.',
    retryable: true,
  },
} as const satisfies Record<string, { message: string; help: string; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCatalog;

/** A problem a person can act on: a stable code, a sentence, help, and ids for support. */
export interface OnboardingProblem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly help: string;
  readonly retryable: boolean;
  readonly correlationId: string;
  /** Graph's request-id when the directory said so, for Microsoft support. */
  readonly graphRequestId?: string;
  /** Extra facts that are safe to show (which property collided, retry-after seconds). */
  readonly detail?: string;
}

export function describeProblem(
  code: ErrorCode,
  correlationId: string,
  extra: { graphRequestId?: string | undefined; detail?: string | undefined; message?: string } = {},
): OnboardingProblem {
  const entry = errorCatalog[code];
  return {
    code,
    message: extra.message ?? entry.message,
    help: entry.help,
    retryable: entry.retryable,
    correlationId,
    ...(extra.graphRequestId ? { graphRequestId: extra.graphRequestId } : {}),
    ...(extra.detail ? { detail: extra.detail } : {}),
  };
}

/** The codes a directory adapter may raise for failures outside the expected outcomes. */
export type DirectoryErrorCode = 'THROTTLED' | 'PERMISSION_MISSING' | 'DIRECTORY_UNAVAILABLE' | 'UNEXPECTED';

/**
 * Thrown by a Directory adapter for infrastructure failures of reads (throttled, no
 * permission, unreachable). Expected outcomes (not found, conflict, rejected) are values.
 */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  readonly code: DirectoryErrorCode;
  readonly graphRequestId: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** The Graph application permission the failed call needs, when the adapter knows it. */
  readonly permission: string | undefined;

  constructor(
    code: DirectoryErrorCode,
    message: string,
    facts: { graphRequestId?: string | undefined; status?: number | undefined; retryAfterSeconds?: number | undefined; permission?: string | undefined } = {},
  ) {
    super(message);
    this.code = code;
    this.graphRequestId = facts.graphRequestId;
    this.status = facts.status;
    this.retryAfterSeconds = facts.retryAfterSeconds;
    this.permission = facts.permission;
  }
}
