/**
 * Refusals are part of the trail: whenever the bot says no to someone — someone else's card,
 * a non-admin's or the requester's own approval, a person who may not request, a rate
 * limit, another tenant, an unknown person, an admins-only command — one audit event says
 * who was refused, what they tried and why. The composition root mirrors it to the log at
 * warn, once. Never a secret: the facts are ids, names and codes.
 *
 * A refusal often concerns no request at all; its requestId is then "none", and it gets
 * its own correlation id. It is stored like any event (by day and time), and the `audit
 * refusals` command finds it by its type.
 */
import type { AuditLog, Clock, RandomSource, Requester } from './ports.js';

export const REFUSAL_EVENT = 'access.refused';

export type RefusalReason =
  | 'NOT_YOUR_FORM' | 'NOT_YOUR_REQUEST' | 'NOT_AN_APPROVER' | 'OWN_REQUEST' | 'NOT_ALLOWED_TO_REQUEST'
  | 'RATE_LIMITED' | 'FOREIGN_TENANT' | 'UNKNOWN_PERSON' | 'ADMINS_ONLY' | 'NOT_THE_RECIPIENT';

export interface Refusal {
  readonly reason: RefusalReason;
  /** What the person tried, in a word or two: "create", "approve", "set ticket channel", "audit"… */
  readonly action: string;
  /** Who was refused, when we know (an unknown person has no Entra id). */
  readonly person?: Requester | undefined;
  /** The request it concerned, if any. */
  readonly requestId?: string | undefined;
  /** A plain fact that explains it (the tenant, which limit); never a secret. */
  readonly detail?: string | undefined;
}

export interface RefusalDependencies {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly instanceId: string;
}

/** Appends the refusal to the audit trail (strings bounded: some of them come from the caller's activity). */
export async function recordRefusal(deps: RefusalDependencies, refusal: Refusal): Promise<void> {
  const bounded = (value: string | undefined) => (value === undefined || value === '' ? null : value.slice(0, 200));
  await deps.audit.append({
    requestId: bounded(refusal.requestId) ?? 'none',
    correlationId: deps.random.uuid(),
    at: deps.clock.now().toISOString(),
    type: REFUSAL_EVENT,
    actor: deps.instanceId,
    details: {
      reason: refusal.reason,
      action: refusal.action.slice(0, 60),
      personId: bounded(refusal.person?.id),
      personName: bounded(refusal.person?.name),
      detail: bounded(refusal.detail),
    },
  });
}
