import type { DirectoryState, DirectoryUser } from '../directory.js';
import { temporaryAccessPassUsability } from '../graph/graph-authentication-methods.js';
import { secretMatches } from './secrets.js';

/** A refused sign-in as Entra reports it (reference-error-codes.md): always `invalid_grant`, 400. */
export interface SignInRefusal {
  ok: false;
  code: number;
  description: string;
}

export interface SignInSuccess {
  ok: true;
  user: DirectoryUser;
  /** The `amr` claim: how the user proved who they are. */
  methods: string[];
  /** A pass's token lives no longer than the pass (howto-authentication-temporary-access-pass). */
  notAfter?: Date;
}

export type SignInOutcome = SignInSuccess | SignInRefusal;

const refuse = (code: number, description: string): SignInRefusal => ({ ok: false, code, description });
const INVALID_CREDENTIALS = 'Error validating credentials due to invalid username or password.';

/**
 * Checks a user's sign-in against the directory, in Entra's order: who (AADSTS50034), smart
 * lockout (50053), the credential (50056 no password, 50126 wrong), the account (50057 disabled),
 * then the password's state (50055 expired or to be changed at first sign-in).
 */
export class SignInChecks {
  constructor(private readonly state: () => DirectoryState, private readonly save: () => void) {}

  withPassword(username: string, password: string, now: Date): SignInOutcome {
    const found = this.findUser(username, now);
    if (!found.ok) return found;
    const user = found.user;
    if (!user.password) {
      return refuse(50056, 'Invalid or null password: password does not exist in the directory for this user.');
    }
    if (!secretMatches(password, user.password)) return this.countFailure(user, now);
    return this.afterCredential(user, now, () => {
      if (user.forceChangePasswordNextSignIn) return refuse(50055, 'The password is expired.');
      return { ok: true, user, methods: ['pwd'] };
    });
  }

  /** A local convenience: Entra takes a pass only in its interactive sign-in, never through ROPC. */
  withTemporaryAccessPass(username: string, value: string, now: Date): SignInOutcome {
    const found = this.findUser(username, now);
    if (!found.ok) return found;
    const user = found.user;
    const policy = this.state().temporaryAccessPassPolicy;
    const pass = user.temporaryAccessPasses.find((candidate) => secretMatches(value, candidate.secret));
    if (!pass) return this.countFailure(user, now);
    const usability = temporaryAccessPassUsability(pass, policy, now);
    if (usability !== 'EnabledByPolicy') {
      // Entra documents no per-reason code for a pass; the reason in brackets is the local tenant's.
      return refuse(50126, `${INVALID_CREDENTIALS} [local tenant: the Temporary Access Pass is not usable: ${usability}]`);
    }
    return this.afterCredential(user, now, () => {
      if (pass.isUsableOnce) pass.usedDateTime = now.toISOString();
      this.save();
      const notAfter = new Date(Date.parse(pass.startDateTime) + pass.lifetimeInMinutes * 60_000);
      return { ok: true, user, methods: ['mfa'], notAfter };
    });
  }

  private findUser(username: string, now: Date): { ok: true; user: DirectoryUser } | SignInRefusal {
    const state = this.state();
    const lower = username.trim().toLowerCase();
    const user = state.users.find((candidate) => candidate.deletedDateTime === null && candidate.userPrincipalName.toLowerCase() === lower);
    if (!user) {
      return refuse(50034, `The user account {EUII Hidden} does not exist in the ${state.tenantId} directory. To sign into this application, the account must be added to the directory.`);
    }
    if (user.signIn.lockedUntil !== null && Date.parse(user.signIn.lockedUntil) > now.getTime()) {
      return refuse(50053, 'Your account is locked because you tried to sign in too many times with an incorrect user ID or password.');
    }
    return { ok: true, user };
  }

  /** Smart lockout: `threshold` failures in a row lock the account for `durationSeconds`. */
  private countFailure(user: DirectoryUser, now: Date): SignInRefusal {
    const { threshold, durationSeconds } = this.state().smartLockout;
    user.signIn.failedAttempts += 1;
    if (user.signIn.failedAttempts >= threshold) {
      user.signIn = { failedAttempts: 0, lockedUntil: new Date(now.getTime() + durationSeconds * 1000).toISOString() };
    }
    this.save();
    return refuse(50126, INVALID_CREDENTIALS);
  }

  private afterCredential(user: DirectoryUser, _now: Date, next: () => SignInOutcome): SignInOutcome {
    if (user.signIn.failedAttempts !== 0 || user.signIn.lockedUntil !== null) {
      user.signIn = { failedAttempts: 0, lockedUntil: null };
      this.save();
    }
    if (!user.accountEnabled) return refuse(50057, 'The user account is disabled.');
    return next();
  }
}
