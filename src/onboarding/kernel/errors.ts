/**
 * Problems a person can act on (a stable code from the catalog in sentences.ts, the
 * sentence, the help, ids for support), and the directory adapter's error.
 */
import { problemCatalog } from './problem-catalog.js';

export type ErrorCode = keyof typeof problemCatalog;

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
  const entry = problemCatalog[code];
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
