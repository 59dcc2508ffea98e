/**
 * Resuming requests nobody is working on any more: the instance that took them crashed or
 * was killed, or the directory throttled longer than one run waits. A scheduler calls
 * `resumeUnfinishedRequests` at start and then every few seconds, on every instance; the
 * record kernel's leases and compare-and-set writes make that safe, so this
 * only decides which requests are due, tells the requester how one ended when it ended
 * here, where nobody was watching the card, and deletes credentials whose time is up.
 */
import type { OnboardingDependencies } from '../kernel/dependencies.js';
import type { RequestIndex, RequesterNotice, RequestStore } from '../kernel/ports.js';
import { processOnboardingRequest } from './process-request.js';
import { approvalExpired, finalStatuses, type OnboardingRecord, type OnboardingStatus } from '../kernel/request-record.js';
import { purgeDueCredentials } from '../credentials/reveal-credentials.js';
import { say } from '../kernel/sentences.js';

/** Statuses that wait for a person (an approver), not for us. */
const waitingForPeople: ReadonlySet<OnboardingStatus> = new Set(['awaiting_approval']);

export interface ResumeOptions {
  /** Tells the requester when a resumed request ends rejected or failed. */
  readonly notice?: RequesterNotice | undefined;
  /** A request without a lease is due once it has not changed for this long (default: the policy's lease). */
  readonly idleMs?: number | undefined;
  /** At most this many index entries per pass (default: the index's batch size); the next pass goes on from there. */
  readonly limit?: number | undefined;
}

/** What one pass did, for the log; never a secret. */
export interface ResumeReport {
  readonly unfinished: number;
  readonly resumed: readonly { readonly requestId: string; readonly status: OnboardingStatus; readonly pending: boolean }[];
  /** Not due yet (a live lease, recently changed) or waiting for a person. */
  readonly notDue: number;
  readonly notified: readonly { readonly requestId: string; readonly delivered: boolean }[];
  /** Requests whose resume threw; the pass went on with the others. */
  readonly failed: readonly { readonly requestId: string; readonly error: unknown }[];
  /** Credentials deleted because they were revealed (plus grace) or their reveal window ended. */
  readonly purged: number;
}

/** True when nobody is working on this request now and it is ours to continue. */
export function isDueForResume(record: OnboardingRecord, now: Date, idleMs: number, approvalExpiresAfterMs = Number.POSITIVE_INFINITY): boolean {
  // A pending approval nobody decided on in time is ours again: the workflow expires it.
  if (record.status === 'awaiting_approval') return approvalExpired(record, now, approvalExpiresAfterMs);
  if (finalStatuses.has(record.status) || waitingForPeople.has(record.status)) return false;
  if (record.lease) return Date.parse(record.lease.until) <= now.getTime();
  // Left by a pass to try its recipient again later: due then, not before.
  const nextTry = record.status === 'delivering' ? record.credentials?.nextTryAt : undefined;
  if (nextTry) return Date.parse(nextTry) <= now.getTime();
  // No lease: between steps, or left pending (throttled). Leave a fresh one to the run that is on it.
  return Date.parse(record.updatedAt) + idleMs <= now.getTime();
}

/**
 * One pass over the index's next batch: every unfinished request in it that is due is taken
 * as far as it can go now, oldest first; the next pass takes the next batch. One bad request never stops the pass (it is reported in `failed`); a failing
 * list throws, for the scheduler to log and try again on the next tick.
 */
export async function resumeUnfinishedRequests(
  deps: OnboardingDependencies, index: RequestIndex, options: ResumeOptions = {},
): Promise<ResumeReport> {
  const idleMs = options.idleMs ?? deps.policy.leaseMs;
  // No secret outlives its expiry, whichever instance restarted or crashed: deleted first, so no
  // request of the pass (a slow directory, say) holds it up.
  const purged = await purgeDueCredentials(deps);
  const { requests } = await index.listUnfinished(options.limit !== undefined ? { limit: options.limit } : {});
  const now = deps.clock.now();
  const due = [...requests]
    .filter((stored) => isDueForResume(stored.record, now, idleMs, deps.policy.approval.expiresAfterMs))
    .sort((a, b) => (a.record.receivedAt < b.record.receivedAt ? -1 : a.record.receivedAt > b.record.receivedAt ? 1 : 0));

  const resumed: ResumeReport['resumed'][number][] = [];
  const notified: ResumeReport['notified'][number][] = [];
  const failed: ResumeReport['failed'][number][] = [];
  for (const stored of due) {
    const { requestId } = stored.record;
    try {
      const watched = watchFinalWrite(deps.store);
      const outcome = await processOnboardingRequest({ ...deps, store: watched.store, resumePass: true }, requestId);
      resumed.push({ requestId, status: outcome.status, pending: outcome.pending });
      // Only the run whose write ended the request tells the requester, so two instances
      // resuming the same request don't both send the notice.
      const endedHere = watched.endedWith();
      if (options.notice && (endedHere === 'rejected' || endedHere === 'failed')) {
        const sent = await options.notice.notifyRequester(stored.record.requester, { requestId, text: say.REQUEST_ENDED_UNWATCHED(outcome) });
        notified.push({ requestId, delivered: sent.kind === 'delivered' });
      }
    } catch (error) {
      failed.push({ requestId, error });
    }
  }
  return { unfinished: requests.length, resumed, notDue: requests.length - due.length, notified, failed, purged };
}

/** The store, watched: remembers whether one of this run's own writes moved the request to a final status. */
function watchFinalWrite(store: RequestStore): { store: RequestStore; endedWith(): OnboardingStatus | undefined } {
  let ended: OnboardingStatus | undefined;
  return {
    store: {
      get: (requestId) => store.get(requestId),
      create: (record) => store.create(record),
      async update(record, expectedVersion) {
        const result = await store.update(record, expectedVersion);
        if (result.kind === 'updated' && finalStatuses.has(record.status)) ended ??= record.status;
        return result;
      },
    },
    endedWith: () => ended,
  };
}

export interface ResumeSchedule {
  /** Stops further passes; resolves when the pass under way (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` once now and then every `intervalMs` after the previous pass ended (passes
 * never overlap). Timers are unref'd so they never keep the process alive; a pass that
 * throws is handed to `onError` and the schedule goes on.
 */
export function scheduleResume(pass: () => Promise<void>, options: { readonly intervalMs: number; onError(error: unknown): void }): ResumeSchedule {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    running = pass().catch(options.onError).finally(() => {
      if (!stopped) {
        timer = setTimeout(tick, options.intervalMs);
        timer.unref();
      }
    });
  };
  timer = setTimeout(tick, 0);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
