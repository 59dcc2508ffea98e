/**
 * The small kernel every use case moves a request with. Each step starts from the stored
 * record and moves it forward with a compare-and-set write, so a double click, a
 * redelivered activity, a crash or a second instance resumes instead of repeating:
 *  - `claimStep` takes a step for this run under a lease (or says someone else has it);
 *  - `write`/`moveTo` store the next state only if nobody changed it since it was read,
 *    with the audit event for it (batched per run through the record's outbox);
 *  - `retryWithBackoff` is the one waiting loop for replicas that have not caught up.
 */
import { describeProblem, type ErrorCode } from './errors.js';
import type { OnboardingDependencies } from './dependencies.js';
import type { AuditEvent, StoredRequest } from './ports.js';
import type { OnboardingRequest } from '../request/request.js';
import { finalStatuses, type OnboardingRecord, type OnboardingStatus } from './request-record.js';

/**
 * Where a step left the request: moved on (with the record as written, or without it after a
 * lost race: then the runner reads it again), or stopped here.
 */
export type StepResult = { readonly kind: 'moved'; readonly stored?: StoredRequest } | { readonly kind: 'stop'; readonly record: OnboardingRecord };
export const moved: StepResult = { kind: 'moved' };
export const stop = (record: OnboardingRecord): StepResult => ({ kind: 'stop', record });

type AuditDetails = Record<string, string | number | boolean | null>;

/**
 * Compare-and-set: writes the record only if nobody else changed it since we read it, with
 * the audit event for the change. Returns null on a conflict — the caller re-reads and
 * continues from what it finds.
 *
 * Inside a run (deps.auditInOutbox) the event waits in the record's outbox, written with the
 * change itself, and the run sends the outbox in one batch: before a final status is written,
 * or when it stops (settleAudit). Outside a run the event is appended after the change, and
 * whatever a crashed run left in the outbox goes first.
 */
export async function write(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord>,
  event?: string, details: AuditDetails = {},
): Promise<StoredRequest | null> {
  const changed: OnboardingRecord = { ...stored.record, ...changes, status, updatedAt: deps.clock.now().toISOString() };
  const outbox = stored.record.auditOutbox ?? [];
  const next = event ? auditEvent(deps, changed, event, details) : undefined;
  if (deps.auditInOutbox && !finalStatuses.has(status)) {
    const pending = next ? [...outbox, next] : outbox;
    return update(deps, stored, { ...changed, auditOutbox: pending.length > 0 ? pending : undefined });
  }
  if (deps.auditInOutbox) {
    // A final status: the run's events are recorded first, so the trail is never behind the state.
    await deps.audit.appendAll(next ? [...outbox, next] : outbox);
    return update(deps, stored, { ...changed, auditOutbox: undefined });
  }
  if (outbox.length > 0) await deps.audit.appendAll(outbox);
  const written = await update(deps, stored, { ...changed, auditOutbox: undefined });
  if (written && next) await deps.audit.append(next);
  return written;
}

async function update(deps: OnboardingDependencies, stored: StoredRequest, record: OnboardingRecord): Promise<StoredRequest | null> {
  const result = await deps.store.update(record, stored.version);
  return result.kind === 'conflict' ? null : { record, version: result.version };
}

/** The record with one more event in its outbox, written (and so audited) with the next change. */
export function noteEvent(deps: OnboardingDependencies, stored: StoredRequest, type: string, details: AuditDetails): StoredRequest {
  const record = stored.record;
  return { ...stored, record: { ...record, auditOutbox: [...(record.auditOutbox ?? []), auditEvent(deps, record, type, details)] } };
}

/**
 * When a run stops short of a final status, the events still in the record's outbox go to the
 * audit log in one batch, and the outbox is emptied if the record is still as the run left it.
 */
export async function settleAudit(deps: OnboardingDependencies, record: OnboardingRecord): Promise<void> {
  const outbox = record.auditOutbox ?? [];
  if (outbox.length === 0 || heldElsewhere(deps, record)) return;
  await deps.audit.appendAll(outbox);
  const latest = await deps.store.get(record.requestId);
  const sameOutbox = (latest?.record.auditOutbox ?? []).map((e) => e.eventId).join() === outbox.map((e) => e.eventId).join();
  if (latest && sameOutbox) await deps.store.update({ ...latest.record, auditOutbox: undefined }, latest.version);
}

/** `write`, as a step result: a final status stops the runner, anything else moves on. */
export async function moveTo(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord>,
  event?: string, details: AuditDetails = {},
): Promise<StepResult> {
  const next = await write(deps, stored, status, changes, event, details);
  if (!next) return moved;
  return finalStatuses.has(status) ? stop(next.record) : { kind: 'moved', stored: next };
}

/**
 * `moveTo` without a write of its own: the change (its event in the outbox) goes to this run's
 * next step, which writes it with its own change, compare-and-set on the same version. Only for
 * a state a crash may fall back from: the step before is then done again.
 */
export function carryTo(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord>,
  event: string, details: AuditDetails = {},
): StepResult {
  const changed: OnboardingRecord = { ...stored.record, ...changes, status, updatedAt: deps.clock.now().toISOString() };
  return { kind: 'moved', stored: noteEvent(deps, { record: changed, version: stored.version }, event, details) };
}

export type Claim = { readonly kind: 'claimed'; readonly stored: StoredRequest } | { readonly kind: 'lost'; readonly result: StepResult };

/**
 * Takes a step for this run: writes `status` with a lease in this run's name (plus
 * `changes`). Lost when another run holds a live lease (the requester reads "being
 * processed right now") or changed the record first (the runner reads it again).
 */
export async function claimStep(
  deps: OnboardingDependencies, stored: StoredRequest, status: OnboardingStatus, changes: Partial<OnboardingRecord> = {},
  event?: string, details: AuditDetails = {},
): Promise<Claim> {
  if (heldElsewhere(deps, stored.record)) return { kind: 'lost', result: stop(withProblem(stored.record, 'BUSY_ELSEWHERE')) };
  // This run holds the step already (it wrote the lease a moment ago): nothing to write.
  if (heldByThisRun(deps, stored.record) && stored.record.status === status && Object.keys(changes).length === 0 && !event) {
    return { kind: 'claimed', stored };
  }
  const claimed = await write(deps, stored, status, { ...changes, lease: leaseFor(deps) }, event, details);
  return claimed ? { kind: 'claimed', stored: claimed } : { kind: 'lost', result: moved };
}

/** True while another run holds a lease on this request that has not run out. */
export function heldElsewhere(deps: OnboardingDependencies, record: OnboardingRecord): boolean {
  const lease = record.lease;
  return !!lease && lease.owner !== deps.instanceId && Date.parse(lease.until) > deps.clock.now().getTime();
}

function heldByThisRun(deps: OnboardingDependencies, record: OnboardingRecord): boolean {
  const lease = record.lease;
  return !!lease && lease.owner === deps.instanceId && Date.parse(lease.until) > deps.clock.now().getTime() + deps.policy.leaseMs / 2;
}

function leaseFor(deps: OnboardingDependencies): { owner: string; until: string } {
  return { owner: deps.instanceId, until: new Date(deps.clock.now().getTime() + deps.policy.leaseMs).toISOString() };
}

/** One immutable audit event, naming who asked and for what, so the trail can be queried by UPN and requester. */
export async function audit(deps: OnboardingDependencies, record: OnboardingRecord, type: string, details: AuditDetails): Promise<void> {
  await deps.audit.append(auditEvent(deps, record, type, details));
}

/** The event itself, with its own id: sent again after a crash, it is recorded once. */
export function auditEvent(deps: OnboardingDependencies, record: OnboardingRecord, type: string, details: AuditDetails): AuditEvent {
  return {
    eventId: deps.random.uuid(),
    requestId: record.requestId,
    correlationId: record.correlationId,
    at: deps.clock.now().toISOString(),
    type,
    actor: deps.instanceId,
    details: {
      status: record.status,
      requesterId: record.requester.id,
      requesterName: record.requester.name,
      userPrincipalName: record.request?.userPrincipalName ?? null,
      displayName: record.request?.displayName ?? null,
      ticketReference: record.request?.ticketReference ?? record.form.ticketReference ?? null,
      ...details,
    },
  };
}

/**
 * Calls `attempt` up to `attempts` times until `done` says so, waiting readBackDelayMs,
 * then twice that, four times… in between (a just-created account may not be on every
 * replica yet). Returns the last answer either way.
 */
export async function retryWithBackoff<T>(
  deps: OnboardingDependencies, attempts: number, attempt: () => Promise<T>, done: (answer: T) => boolean,
): Promise<T> {
  let answer = await attempt();
  for (let i = 1; i < attempts && !done(answer); i += 1) {
    await deps.clock.sleep(deps.policy.readBackDelayMs * 2 ** (i - 1));
    answer = await attempt();
  }
  return answer;
}

export function withProblem(record: OnboardingRecord, code: ErrorCode): OnboardingRecord {
  return { ...record, problem: describeProblem(code, record.correlationId) };
}

/** The validated request; a record past validation always has one. */
export function requireRequest(record: OnboardingRecord): OnboardingRequest {
  if (!record.request) throw new Error(`Request ${record.requestId} is ${record.status} but was never validated`);
  return record.request;
}
