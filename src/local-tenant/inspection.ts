import type { DirectoryState, DirectoryUser } from './directory.js';
import { setPassword } from './graph-api.js';
import { entraError, graphErrorResponse, notFound, type ApiResponse } from './responses.js';
import { secretMatches } from './secrets.js';
import { passwordContext, passwordProblem } from './user-rules.js';

/** A user as /_tenant/users shows it: no password or pass hash, only whether one is set. */
export function inspectionUserView(user: DirectoryUser): Record<string, unknown> {
  const { password, temporaryAccessPasses, ...rest } = structuredClone(user);
  return {
    ...rest,
    hasPassword: password !== null,
    temporaryAccessPasses: temporaryAccessPasses.map(({ secret: _secret, ...pass }) => pass),
  };
}

// AADSTS codes of Entra's password change (reference-error-codes.md, AADSTS120000–120018).
const PROBLEM_CODES = {
  weak: [120002, 'PasswordChangeInvalidNewPasswordWeak: the new password does not meet the complexity requirements.'],
  containsName: [120003, 'PasswordChangeInvalidNewPasswordContainsMemberName: the new password contains the user\'s name or the organization\'s.'],
  banned: [120018, 'PasswordChangePasswordDoesnotComplyFuzzyPolicy: the new password is too easy to guess.'],
} as const;

/**
 * POST /_tenant/users/{id}/changePassword {currentPassword, newPassword}: what a user does on the
 * "Update your password" page of the first interactive sign-in, which a forced change
 * (AADSTS50055) leads to. 204 on success, and the forced change is cleared.
 */
export function changePasswordAtSignIn(state: DirectoryState, id: string, body: unknown, correlationId: string, now: Date): ApiResponse {
  const user = state.users.find((candidate) => candidate.deletedDateTime === null
    && (candidate.id === id.toLowerCase() || candidate.userPrincipalName.toLowerCase() === id.toLowerCase()));
  if (!user) return graphErrorResponse(notFound(id), { requestId: correlationId, clientRequestId: correlationId });
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const current = fields['currentPassword'];
  const next = fields['newPassword'];
  if (typeof current !== 'string' || typeof next !== 'string') {
    return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameters: 'currentPassword' and 'newPassword'.", correlationId, now);
  }
  if (!secretMatches(current, user.password)) {
    return entraError(400, 'invalid_grant', 120000, 'PasswordChangeIncorrectCurrentPassword: the current password is not correct.', correlationId, now);
  }
  const problem = passwordProblem(next, passwordContext(user, state));
  if (problem !== null) {
    const [code, description] = PROBLEM_CODES[problem];
    return entraError(400, 'invalid_request', code, description, correlationId, now);
  }
  setPassword(user, next, false, now);
  user.signIn = { failedAttempts: 0, lockedUntil: null };
  return { status: 204, headers: {} };
}
