/** The audit trail for IT admins: by user name, by requester, by dates; never a secret (the trail holds none). */
import type { RequestDeskDependencies } from './dependencies.js';
import type { AuditCriteria, AuditEvent } from './ports.js';
import { mayAdminister } from './roles.js';
import { say } from './sentences.js';

/** Only admins read the trail; the role is checked fresh. Undefined when this person may. */
export async function auditTrailRefusal(deps: RequestDeskDependencies, personId: string | undefined): Promise<string | undefined> {
  if (personId && mayAdminister(await deps.roles.roleOf(personId, { fresh: true }))) return undefined;
  return say.ADMINS_ONLY_AUDIT(await deps.roles.whomToAsk());
}

/** The matching events, newest first, or a sentence saying why there are none. */
export async function readAuditTrail(
  deps: RequestDeskDependencies, query: AuditCriteria & { readonly requesterUpn?: string | undefined },
): Promise<{ readonly kind: 'events'; readonly events: readonly AuditEvent[] } | { readonly kind: 'none'; readonly sentence: string }> {
  const { requesterUpn, ...criteria } = query;
  let requesterId = criteria.requesterId;
  if (requesterUpn) {
    const requester = await deps.directory.findUserByUpn(requesterUpn);
    if (!requester) return { kind: 'none', sentence: say.AUDIT_PERSON_UNKNOWN(requesterUpn) };
    requesterId = requester.id;
  }
  const events = await deps.auditTrail.query({ ...criteria, ...(requesterId ? { requesterId } : {}) });
  return events.length === 0 ? { kind: 'none', sentence: say.AUDIT_NOTHING_FOUND() } : { kind: 'events', events };
}
