/**
 * Reading Graph's errors: its error body, Retry-After and request id, whether a failure is the
 * identity's (no token) rather than Graph's, and what each one means for the port — a
 * DirectoryError with its code, or the outcome of a POST that must not be resent blindly.
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import {
  DirectoryError, type CollidingProperty, type CreateUserOutcome, type DirectoryErrorCode, type TemporaryAccessPassOutcome,
} from '../onboarding/index.js';

/** @azure/identity's errors for a token it could not get. */
const IDENTITY_FAILURES = new Set(['AuthenticationError', 'CredentialUnavailableError', 'AuthenticationRequiredError']);

export interface GraphErrorBody {
  code?: string;
  message?: string;
  details?: Array<{ target?: string; code?: string; message?: string }>;
}

export function errorBody(error: GraphError): GraphErrorBody {
  if (typeof error.body !== 'string') return {};
  try {
    const parsed = JSON.parse(error.body) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as GraphErrorBody) : {};
  } catch {
    return {};
  }
}

export function retryAfterSeconds(error: GraphError): number | undefined {
  const raw = error.headers?.get?.('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function requestIdOf(error: GraphError): string | undefined {
  return error.requestId ?? error.headers?.get?.('request-id') ?? undefined;
}

export function isIdentityFailure(error: unknown): boolean {
  return error instanceof Error && (IDENTITY_FAILURES.has(error.name) || (error instanceof GraphError && IDENTITY_FAILURES.has(error.code ?? '')));
}

/** Maps a failed read to the domain's typed error, keeping Graph's request-id. */
/** The least-privileged application permission each read needs (README, "App registration"). */
const PERMISSION_FOR: Record<string, string> = {
  'List domains': 'Domain.Read.All',
  'Check group membership': 'GroupMember.Read.All',
  'Read group name': 'GroupMember.Read.All',
  'Read group members': 'GroupMember.Read.All',
  // Templates (graph-template-directory.ts).
  'Find groups': 'GroupMember.Read.All',
  'Read groups': 'GroupMember.Read.All',
  'Read subscriptions': 'LicenseAssignment.Read.All',
};

export function toDirectoryError(error: unknown, what: string): DirectoryError {
  if (isIdentityFailure(error)) {
    return new DirectoryError('PERMISSION_MISSING', `${what}: the bot could not sign in to the directory (${(error as Error).name})`);
  }
  if (error instanceof GraphError) {
    const facts = {
      graphRequestId: requestIdOf(error), status: error.statusCode, retryAfterSeconds: retryAfterSeconds(error),
      permission: PERMISSION_FOR[what] ?? 'User.ReadWrite.All',
    };
    const code: DirectoryErrorCode =
      error.statusCode === 429 ? 'THROTTLED'
      : error.statusCode === 401 || error.statusCode === 403 ? 'PERMISSION_MISSING'
      : error.statusCode >= 500 || error.statusCode === -1 ? 'DIRECTORY_UNAVAILABLE'
      : 'UNEXPECTED';
    return new DirectoryError(code, `${what}: ${error.statusCode} ${error.code ?? ''} ${error.message}`.trim(), facts);
  }
  return new DirectoryError('DIRECTORY_UNAVAILABLE', `${what}: ${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`);
}

/**
 * Maps a refused POST …/temporaryAccessPassMethods: 403 is the missing permission; a 400
 * names the policy (off, or the user not in its targets) or the lifetime out of its bounds;
 * 429 made no pass (the caller waits Retry-After and sends it again). Outages are thrown, for the
 * workflow to try again later.
 */
export function classifyTemporaryAccessPassFailure(error: unknown): TemporaryAccessPassOutcome {
  if (isIdentityFailure(error) || !(error instanceof GraphError)) throw toDirectoryError(error, 'Issue a Temporary Access Pass');
  const graphRequestId = requestIdOf(error);
  if (error.statusCode === 429) return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), graphRequestId };
  if (error.statusCode === 401 || error.statusCode === 403) return { kind: 'refused', reason: 'permission', graphRequestId };
  if (error.statusCode === 400 || error.statusCode === 409) {
    const message = errorBody(error).message ?? error.message ?? '';
    const reason = /lifetime/i.test(message) ? 'lifetime' : /polic|not enabled|disabled|not allowed/i.test(message) ? 'policy-off' : 'other';
    return { kind: 'refused', reason, graphRequestId, detail: message.slice(0, 200) };
  }
  throw toDirectoryError(error, 'Issue a Temporary Access Pass');
}

/** Maps a failed POST /users to an outcome; anything that may have reached the directory is ambiguous. */
export function classifyCreateFailure(error: unknown): CreateUserOutcome {
  if (isIdentityFailure(error)) return { kind: 'rejected', reason: 'permission', detail: 'the bot could not sign in' };
  if (!(error instanceof GraphError)) return { kind: 'ambiguous', detail: error instanceof Error ? error.name : 'unknown failure' };
  const graphRequestId = requestIdOf(error);
  const status = error.statusCode;
  if (status === 429) return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(error), graphRequestId };
  if (status === 401 || status === 403) return { kind: 'rejected', reason: 'permission', graphRequestId, detail: error.code ?? undefined };
  if (status === 400 || status === 409) {
    const body = errorBody(error);
    const message = body.message ?? error.message ?? '';
    const target = body.details?.find((d) => d.code === 'ObjectConflict')?.target;
    const conflictOn = /same value for property (\w+)/i.exec(message)?.[1] ?? target;
    if (conflictOn !== undefined || body.details?.some((d) => d.code === 'ObjectConflict')) {
      const property: CollidingProperty | 'unknown' =
        conflictOn === 'userPrincipalName' || conflictOn === 'mailNickname' || conflictOn === 'proxyAddresses' ? conflictOn : 'unknown';
      return { kind: 'conflict', property, graphRequestId };
    }
    if (/password complexity|password.*(banned|policy)/i.test(message)) return { kind: 'rejected', reason: 'password', graphRequestId };
    if (/domain portion of the userPrincipalName/i.test(message)) return { kind: 'rejected', reason: 'domain', graphRequestId };
    return { kind: 'rejected', reason: 'invalid', graphRequestId, detail: message.slice(0, 200) };
  }
  // 5xx, -1 (reset, timeout, DNS) or anything else: the POST may or may not have been applied.
  return { kind: 'ambiguous', graphRequestId, detail: `${status} ${error.code ?? ''}`.trim() };
}
