/** The welcome-mail step on the record kernel, with a mailer that answers as told: claims, leases, resumes, bounds. */
import { describe, expect, it } from 'vitest';
import {
  finalStatuses, onboard, processOnboardingRequest, resumeUnfinishedRequests, secretHolderOf,
  type OnboardingRecord, type RequestIndex, type StoredRequest,
} from '../../src/onboarding/index.js';
import { Crash, form, makeWorld, requester, ScriptedMailer, type InMemoryRequestStore } from './fakes.js';

const LEASE_MS = 120_000;

function indexOf(store: InMemoryRequestStore): RequestIndex {
  return {
    async listUnfinished() {
      const requests: StoredRequest[] = [];
      for (const [, row] of store.records) {
        const record = JSON.parse(row.json) as OnboardingRecord;
        if (!finalStatuses.has(record.status)) requests.push({ record, version: String(row.version) });
      }
      return { requests };
    },
  };
}

const withMail = form({ personalEmail: 'jose@example.org', startDate: '2031-04-07' });

function world() {
  const w = makeWorld();
  const mailer = new ScriptedMailer();
  return { w, mailer, deps: (id = 'instance-a', copyManager = false) => ({ ...w.deps(id, { welcomeMail: { copyManager, maxAttempts: 3 } }), mailer }) };
}

describe('the welcome-mail step', () => {
  it('when the account is done, then the mail names the requester as the one with the password and carries no secret', async () => {
    const { mailer, deps, w } = world();
    const outcome = await onboard(deps('instance-a', true), { requestId: 'r1', requester, form: withMail });
    expect(outcome).toMatchObject({ status: 'done', welcomeMail: { to: 'jose@example.org', state: 'sent' } });
    expect(mailer.sent).toEqual([{
      requestId: 'r1', to: 'jose@example.org', copyTo: 'adele.vance@contoso.com', givenName: 'José', displayName: 'José Núñez',
      userPrincipalName: 'jose.nunez@contoso.com', startDate: '2031-04-07', secretHolder: requester.name, contents: 'password',
      contact: requester.name, ticketReference: 'HR-1234',
    }]);
    expect(JSON.stringify(mailer.sent)).not.toContain(w.delivery.delivered[0]!.value);
  });

  it('when the credentials go to someone other than the requester, then the mail names that person', async () => {
    const { w, deps } = world();
    await onboard(deps(), { requestId: 'r2', requester, form: withMail });
    const record = (await w.store.get('r2'))!.record;
    const coordinator = { id: 'c-1', name: 'Isaiah Langer' };
    expect(secretHolderOf({ ...record, credentials: { ...record.credentials!, recipient: coordinator } })).toBe('Isaiah Langer');
    expect(secretHolderOf({ ...record, credentials: undefined })).toBe(requester.name);
  });

  it('when a run dies after the send and a resume pass comes after the lease, then the mail is not sent again and is recorded unconfirmed', async () => {
    const { w, mailer, deps } = world();
    mailer.answers = ['crash-after-send'];
    await expect(onboard(deps(), { requestId: 'r3', requester, form: withMail })).rejects.toBeInstanceOf(Crash);
    expect((await w.store.get('r3'))!.record.welcomeMail?.state).toBe('sending');

    w.clock.advance(LEASE_MS - 1_000);
    await resumeUnfinishedRequests(deps('instance-b'), indexOf(w.store));
    expect((await w.store.get('r3'))!.record.welcomeMail?.state).toBe('sending');

    w.clock.advance(2_000);
    await resumeUnfinishedRequests(deps('instance-b'), indexOf(w.store));
    const record = (await w.store.get('r3'))!.record;
    expect(record.status).toBe('done');
    expect(record.welcomeMail).toMatchObject({ state: 'unconfirmed', attempts: 1 });
    expect(mailer.sent).toHaveLength(1);
    expect(w.audit.events.filter((e) => e.type.startsWith('welcome_mail.')).map((e) => e.type)).toEqual(['welcome_mail.unconfirmed']);
  });

  it('when a lost send is resumed by an instance without a mailer, then it is still recorded unconfirmed, not "not configured"', async () => {
    const { w, mailer, deps } = world();
    mailer.answers = ['crash-after-send'];
    await expect(onboard(deps(), { requestId: 'r3b', requester, form: withMail })).rejects.toBeInstanceOf(Crash);
    w.clock.advance(LEASE_MS + 1_000);
    const outcome = await processOnboardingRequest({ ...deps('instance-b'), mailer: undefined }, 'r3b');
    expect(outcome.welcomeMail?.state).toBe('unconfirmed');
  });

  it('when a second run arrives while the first is sending, then it sends nothing and says the request is being processed', async () => {
    const { w, mailer, deps } = world();
    mailer.answers = ['hang'];
    const first = onboard(deps('instance-a'), { requestId: 'r4', requester, form: withMail });
    await expect.poll(async () => (await w.store.get('r4'))?.record.welcomeMail?.state).toBe('sending');
    const second = await processOnboardingRequest(deps('instance-b'), 'r4');
    expect(second.problem?.code).toBe('BUSY_ELSEWHERE');
    mailer.release();
    expect((await first).welcomeMail?.state).toBe('sent');
    expect(mailer.sent).toHaveLength(1);
  });

  it('when Exchange asks to wait longer than a run waits, then it is not sent again and the mail is reported not sent', async () => {
    const { w, mailer, deps } = world();
    mailer.answers = [{ kind: 'throttled', retryAfterSeconds: 3600 }];
    const outcome = await onboard(deps(), { requestId: 'r5', requester, form: withMail });
    expect(outcome.status).toBe('done');
    expect(outcome.welcomeMail?.state).toBe('failed');
    expect(mailer.sent).toHaveLength(1);
    expect(w.clock.slept).toBe(0);
  });

  it('when the template cannot be filled in, then the mail is reported not sent (not unconfirmed) and the account is kept', async () => {
    const { w, mailer, deps } = world();
    mailer.answers = [{ kind: 'refused', reason: 'template', detail: 'unknown tag' }];
    const outcome = await onboard(deps(), { requestId: 'r6', requester, form: withMail });
    expect(outcome).toMatchObject({ status: 'done', welcomeMail: { state: 'failed' } });
    expect(outcome.warnings.map((w) => w.message)).toContain(
      'Welcome email not sent to jose@example.org: the welcome email template (adaptiveCards/mail/welcome.html) could not be filled in; the bot log says why.',
    );
    // The audit event (mirrored to the bot's log) carries the why.
    expect(w.audit.events.find((e) => e.type === 'welcome_mail.failed')?.details).toMatchObject({ detail: 'unknown tag' });
  });
});
