/** The audit trail for IT admins: by user name, by requester, by dates; never a secret (the trail holds none). */
import type { RequestDeskDependencies } from '../kernel/dependencies.js';
import type { AuditCriteria, AuditEvent, Requester } from '../kernel/ports.js';
import { recordRefusal } from '../kernel/refusals.js';
import { mayAdminister } from '../rules/roles.js';
import { say } from '../kernel/sentences.js';

/** Only admins read the trail; the role is checked fresh. Undefined when this person may. */
export async function auditTrailRefusal(deps: RequestDeskDependencies, person: Requester | undefined): Promise<string | undefined> {
  if (person && mayAdminister(await deps.roles.roleOf(person.id, { fresh: true }))) return undefined;
  await recordRefusal(deps, { reason: person ? 'ADMINS_ONLY' : 'UNKNOWN_PERSON', action: 'audit', person });
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
