/**
 * The onboarding policy: the values an organisation tunes (user-name pattern, password
 * length, approval) and the safety limits of the workflow. src/config.ts builds the policy
 * from the environment; the defaults below are what it falls back to.
 */
import { defaultPasswordPolicy, type PasswordPolicy } from './password.js';
import type { AliasPattern } from './user-name.js';

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
  /** How long a step belongs to the instance working on it before another may take over. */
  readonly leaseMs: number;
  /** Reads of a just-created account while replicas catch up, and the first delay. */
  readonly readBackAttempts: number;
  readonly readBackDelayMs: number;
  /** Longest Retry-After we wait for inside one run; longer ones are left for a resume. */
  readonly maxWaitMs: number;
  readonly approval: ApprovalPolicy;
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
  leaseMs: 120_000,
  readBackAttempts: 4,
  readBackDelayMs: 500,
  maxWaitMs: 30_000,
  approval: { mode: 'none', allowSelfApproval: false, expiresAfterMs: 72 * 3_600_000 },
};
