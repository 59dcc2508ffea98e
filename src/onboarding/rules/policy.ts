/**
 * The onboarding policy: the values an organisation tunes (user-name pattern, password
 * length, approval) and the safety limits of the workflow. src/config.ts builds the policy
 * from the environment; the defaults below are what it falls back to.
 */
import { defaultPasswordPolicy, type PasswordPolicy } from './password.js';
import type { AliasPattern } from './user-name.js';
import type { SecretRecipientPolicy } from '../credentials/secret-recipient.js';
import type { GuestPolicy } from '../guests/ports.js';

export interface OnboardingPolicy {
  readonly aliasPattern: AliasPattern;
  readonly password: PasswordPolicy;
  /** Prefix of the marker written into the account: `${markerPrefix}${requestId}`. */
  readonly markerPrefix: string;
  /** Passwords tried when the tenant refuses one (banned list) before giving up. */
  readonly maxPasswordAttempts: number;
  /** POST /users attempts in one run (throttled or ambiguous) before leaving it for a resume. */
  readonly maxCreateAttempts: number;
  readonly maxDeliveryAttempts: number;
  /**
   * Reaching a recipient the bot may never have written to, while Teams refuses in a way that may
   * pass (an app installation on its way, throttling): tried again after `firstDelayMs`, twice that,
   * … (at most `maxDelayMs` apart, or what Teams asked) until `windowMs` after the first refusal.
   */
  readonly reachRetry: { readonly windowMs: number; readonly firstDelayMs: number; readonly maxDelayMs: number };
  /** How long a step belongs to the instance working on it before another may take over. */
  readonly leaseMs: number;
  /** Reads of a just-created account while replicas catch up, and the first delay. */
  readonly readBackAttempts: number;
  readonly readBackDelayMs: number;
  /** Longest Retry-After we wait for inside one run; longer ones are left for a resume. */
  readonly maxWaitMs: number;
  readonly approval: ApprovalPolicy;
  readonly credentials: CredentialPolicy;
  readonly welcomeMail: WelcomeMailPolicy;
  /** Guest invitations (Entra B2B): who sends them, and where the guest lands. */
  readonly guests: GuestPolicy;
}

/** The welcome mail to the new person's personal address (sent only when a mailer is configured). */
export interface WelcomeMailPolicy {
  /** Copy the request's manager on it. */
  readonly copyManager: boolean;
  /** sendMail calls in one run while Exchange throttles, before the mail is given up on. */
  readonly maxAttempts: number;
}

/** How the secret reaches its recipient, and for how long it is kept. */
export interface CredentialPolicy {
  /** `reveal`: a card with a Reveal button, the secret only in the answer to that click. `message`: the secret in a chat message (weaker). */
  readonly delivery: 'reveal' | 'message';
  /** The reveal window: an unrevealed secret is deleted this long after the card went out. */
  readonly revealWindowMs: number;
  /** After the first reveal the secret can be shown again for this long, then it is deleted. */
  readonly revealGraceMs: number;
  readonly temporaryAccessPass: {
    readonly mode: 'off' | 'alongside' | 'instead';
    readonly lifetimeMinutes: number;
    readonly usableOnce: boolean;
  };
  /** Whether the original requester may reissue (admins always may). */
  readonly requesterMayReissue: boolean;
  /** Who receives the secret by default, and whom the form offers. */
  readonly recipient: SecretRecipientPolicy;
}

/** Which requests an IT admin must approve before the account is created. */
export interface ApprovalPolicy {
  readonly mode: 'none' | 'non-admins' | 'all';
  /** Separation of duties: by default nobody approves their own request. */
  readonly allowSelfApproval: boolean;
  /** A pending approval expires after this long. */
  readonly expiresAfterMs: number;
}

export const defaultOnboardingPolicy: OnboardingPolicy = {
  aliasPattern: 'given.surname',
  password: defaultPasswordPolicy,
  markerPrefix: 'onboarding:',
  maxPasswordAttempts: 3,
  maxCreateAttempts: 4,
  maxDeliveryAttempts: 3,
  // Microsoft documents no figure for how long a new installation takes to reach Teams.
  reachRetry: { windowMs: 300_000, firstDelayMs: 2_000, maxDelayMs: 30_000 },
  leaseMs: 120_000,
  readBackAttempts: 4,
  readBackDelayMs: 500,
  maxWaitMs: 30_000,
  approval: { mode: 'none', allowSelfApproval: false, expiresAfterMs: 72 * 3_600_000 },
  credentials: {
    delivery: 'reveal',
    revealWindowMs: 24 * 3_600_000,
    revealGraceMs: 10 * 60_000,
    temporaryAccessPass: { mode: 'off', lifetimeMinutes: 480, usableOnce: true },
    requesterMayReissue: false,
    recipient: { default: 'requester', choices: ['requester'] },
  },
  welcomeMail: { copyManager: false, maxAttempts: 3 },
  // config.ts puts the tenant into the start page (learn.microsoft.com/entra/external-id/redemption-experience).
  guests: { invitation: 'email', redirectUrl: 'https://myapps.microsoft.com' },
};
