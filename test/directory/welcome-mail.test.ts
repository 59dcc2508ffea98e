/**
 * The welcome email through the real path: the workflow, the Graph mailer (the real Graph
 * client over HTTPS) and the local tenant playing Exchange Online, whose outbox shows what
 * was sent. Faults: a lost 202, a crash between the 202 and the record write, a double
 * click, throttling; refusals: no mailbox, no Mail.Send. Teams and storage are in memory.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGraphMailer, type GraphMailerOptions } from '../../src/directory/index.js';
import { createGraphDirectory } from '../../src/directory/index.js';
import {
  createAesGcmSecretVault, cryptoRandom, defaultOnboardingPolicy, onboard, processOnboardingRequest, type OnboardingDependencies,
  type OnboardingOutcome, type WelcomeMailer,
} from '../../src/onboarding/index.js';
import { Crash, InMemoryAuditLog, InMemoryCredentialStore, InMemoryRequestStore, RecordingDelivery, RecordingTickets, form, requester } from '../onboarding/fakes.js';
import { clockThatCanJump } from '../support/clock.js';
import { useLocalTenant } from '../support/local-tenant.js';
import { settleAcrossRestarts } from '../support/settle.js';

const tenant = useLocalTenant();

/** The real mailer, which can crash the process right after Graph's answer (before the record is written). */
class CrashingMailer implements WelcomeMailer {
  crashAfterSend = false;
  constructor(private readonly inner: WelcomeMailer) {}
  async sendWelcome(mail: Parameters<WelcomeMailer['sendWelcome']>[0]) {
    const outcome = await this.inner.sendWelcome(mail);
    if (this.crashAfterSend) {
      this.crashAfterSend = false;
      throw new Crash('crash between sendMail and the record write');
    }
    return outcome;
  }
}

function mailerOptions(overrides: Partial<GraphMailerOptions> = {}): GraphMailerOptions {
  return {
    baseUrl: tenant().graphBaseUrl, tenantId: tenant().tenantId, authorityHost: tenant().authorityHost, disableInstanceDiscovery: true,
    credential: { kind: 'clientSecret', clientId: tenant().app.clientId, clientSecret: tenant().app.clientSecret },
    from: 'onboarding@contoso.com', requestTimeoutMs: 1_500, ...overrides,
  };
}

function harness(options: { mailer?: Partial<GraphMailerOptions>; copyManager?: boolean } = {}) {
  const parts = {
    directory: createGraphDirectory({
      baseUrl: tenant().graphBaseUrl, tenantId: tenant().tenantId, authorityHost: tenant().authorityHost, disableInstanceDiscovery: true,
      credential: { kind: 'clientSecret', clientId: tenant().app.clientId, clientSecret: tenant().app.clientSecret }, readRetryDelaySeconds: 0,
    }),
    mailer: new CrashingMailer(createGraphMailer(mailerOptions(options.mailer))),
    store: new InMemoryRequestStore(), audit: new InMemoryAuditLog(), delivery: new RecordingDelivery(),
    tickets: new RecordingTickets(), clock: clockThatCanJump({ longestSleepMs: 1_000 }), credentials: new InMemoryCredentialStore(),
  };
  const vault = createAesGcmSecretVault({ key: randomBytes(32), keyId: 'it' });
  const deps = (instanceId: string): OnboardingDependencies => ({
    ...parts, vault, random: cryptoRandom, instanceId,
    policy: {
      ...defaultOnboardingPolicy, readBackDelayMs: 100, maxWaitMs: 2_000,
      // Plain-message mode, so the test sees every password that left and can look for it in the mail.
      credentials: { ...defaultOnboardingPolicy.credentials, delivery: 'message' },
      welcomeMail: { ...defaultOnboardingPolicy.welcomeMail, copyManager: options.copyManager ?? false },
    },
  });
  return { ...parts, deps };
}

/** Runs the request again from other instances until it is finished, as the resume scheduler would. */
function finish(h: ReturnType<typeof harness>, requestId: string, first: () => Promise<OnboardingOutcome>): Promise<OnboardingOutcome> {
  return settleAcrossRestarts(first, (i) => processOnboardingRequest(h.deps(`resumer-${i}`), requestId), () => h.clock.jump(10 * 60_000));
}

const outbox = () => tenant().directory().outbox;
const personal = 'jose.nunez@example.org';
const newHire = (overrides: Record<string, unknown> = {}) => form({ personalEmail: personal, startDate: '2031-04-07', ...overrides });

describe('welcome email — what it says', () => {
  it('when an account is created with a personal email, then one mail goes from the service mailbox to that address with the user name, start date, who hands over the password and whom to ask, and never the password', async () => {
    const h = harness({ copyManager: true });
    const outcome = await onboard(h.deps('a'), { requestId: 'r-mail', requester, form: newHire() });
    expect(outcome.status).toBe('done');
    expect(outcome.welcomeMail).toEqual({ to: personal, state: 'sent', reason: undefined });
    const mails = outbox();
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.from).toBe('onboarding@contoso.com');
    expect(mail.toRecipients.map((r) => r.address)).toEqual([personal]);
    expect(mail.ccRecipients.map((r) => r.address)).toEqual(['adele.vance@contoso.com']);
    expect(mail.savedToSentItems).toBe(true);
    expect(mail.subject).toBe('Welcome, José: your new work account');
    expect(mail.body.contentType).toBe('HTML');
    expect(mail.body.content).toContain(outcome.userPrincipalName);
    expect(mail.body.content).toContain('Monday, 7 April 2031');
    expect(mail.body.content).toContain(`${requester.name} gives you your temporary password`);
    expect(mail.body.content).toContain(`Contact ${requester.name} (reference HR-1234)`);
    expect(mail.body.content).toMatch(/multi-factor authentication/);
    expect(mail.textBody).toContain(`Your user name: ${outcome.userPrincipalName}`);
    expect(mail.textBody).toContain(`${requester.name} gives you your temporary password`);
    const password = h.delivery.delivered[0]!.value;
    expect(JSON.stringify(mail)).not.toContain(password);
    expect(h.audit.events.filter((e) => e.type === 'welcome_mail.sent')).toHaveLength(1);
    expect(h.tickets.posted.at(-1)!.ticket.notes).toContain(`Welcome email sent to ${personal}.`);
  });

  it('when the manager is not to be copied, then the mail has no Cc', async () => {
    const h = harness({ copyManager: false });
    await onboard(h.deps('a'), { requestId: 'r-nocc', requester, form: newHire() });
    expect(outbox()[0]!.ccRecipients).toEqual([]);
  });

  it('when the request gives no personal email, then no mail is sent and the record has no welcome mail', async () => {
    const h = harness();
    const outcome = await onboard(h.deps('a'), { requestId: 'r-none', requester, form: form() });
    expect(outcome.status).toBe('done');
    expect(outcome.welcomeMail).toBeUndefined();
    expect(outbox()).toEqual([]);
  });

  it('when no mailer is configured, then the account is done and the requester and IT read that the welcome email was not sent', async () => {
    const h = harness();
    const outcome = await onboard({ ...h.deps('a'), mailer: undefined }, { requestId: 'r-off', requester, form: newHire() });
    expect(outcome.status).toBe('done');
    expect(outcome.welcomeMail?.state).toBe('off');
    expect(outcome.warnings.map((w) => w.message)).toContain(`Welcome email not sent to ${personal}: no service mailbox is configured for welcome emails (WELCOME_MAIL_FROM).`);
    expect(outbox()).toEqual([]);
  });
});

describe('welcome email — a display name never adds, drops or changes a recipient (issue 26; RFC 5322 §3.4; https://learn.microsoft.com/en-us/graph/api/user-sendmail)', () => {
  // Straight through the Graph mailer, as a name the request's checks would refuse today could still reach it from an older record.
  const welcome = (displayName: string, copyTo?: string) => createGraphMailer(mailerOptions()).sendWelcome({
    requestId: 'r-names', to: personal, ...(copyTo ? { copyTo } : {}), givenName: 'Liv', displayName, userPrincipalName: 'liv.sandberg@contoso.com',
    startDate: '2031-04-07', secretHolder: 'Dana Lee', contents: 'password', contact: 'Dana Lee', ticketReference: 'HR-1234',
  });

  it('when the display name is "Liv Sandberg <evil@attacker.example>, x", then Exchange gets one mail to the personal address only, the name as written', async () => {
    expect(await welcome('Liv Sandberg <evil@attacker.example>, x')).toEqual({ kind: 'sent' });
    const mails = outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.toRecipients).toEqual([{ address: personal, name: 'Liv Sandberg <evil@attacker.example>, x' }]);
    expect([...mails[0]!.ccRecipients, ...mails[0]!.bccRecipients]).toEqual([]);
  });

  it('when the display name is "Sandberg, Liv" and the manager is copied, then the mail goes to the personal address and the manager, nobody else', async () => {
    expect(await welcome('Sandberg, Liv', 'adele.vance@contoso.com')).toEqual({ kind: 'sent' });
    const mails = outbox();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.toRecipients).toEqual([{ address: personal, name: 'Sandberg, Liv' }]);
    expect(mails[0]!.ccRecipients.map((r) => r.address)).toEqual(['adele.vance@contoso.com']);
    expect(mails[0]!.bccRecipients).toEqual([]);
  });
});

describe('welcome email — exactly once', () => {
  it('when two runs process the same request at once (a double click), then one mail is sent', async () => {
    const h = harness();
    const input = { requestId: 'r-double', requester, form: newHire() };
    const [first, second] = await Promise.all([onboard(h.deps('a'), input), onboard(h.deps('b'), input)]);
    const final = await finish(h, 'r-double', async () => (first.pending ? second : first));
    expect(final.status).toBe('done');
    expect(outbox()).toHaveLength(1);
    expect(h.audit.events.filter((e) => e.type === 'welcome_mail.sent')).toHaveLength(1);
  });

  it('when the run crashes after Graph accepted the mail and before the record says so, then the resumed run does not send it again and records it unconfirmed', async () => {
    const h = harness();
    h.mailer.crashAfterSend = true;
    const outcome = await finish(h, 'r-crash', () => onboard(h.deps('a'), { requestId: 'r-crash', requester, form: newHire() }));
    expect(outcome.status).toBe('done');
    expect(outbox()).toHaveLength(1);
    expect(outcome.welcomeMail?.state).toBe('unconfirmed');
    expect(outcome.warnings.map((w) => w.code)).toContain('WELCOME_MAIL_UNCONFIRMED');
    expect(h.audit.events.filter((e) => e.type === 'welcome_mail.unconfirmed')).toHaveLength(1);
    expect(h.tickets.posted.at(-1)!.ticket.notes.join('\n')).toContain('not sent again, to avoid a duplicate');
  });

  it('when Exchange takes the mail but the answer is lost, then it is not sent twice and the outcome says unconfirmed', async () => {
    const h = harness();
    tenant().setFaults({ rules: [{ action: 'lostResponse', method: 'POST', path: 'sendMail$', count: 1 }] });
    const outcome = await finish(h, 'r-lost', () => onboard(h.deps('a'), { requestId: 'r-lost', requester, form: newHire() }));
    expect(outcome.status).toBe('done');
    expect(outbox()).toHaveLength(1);
    expect(outcome.welcomeMail?.state).toBe('unconfirmed');
    expect(tenant().requestLog().filter((e) => e.path.endsWith('/sendMail'))).toHaveLength(1);
  });

  it('when Exchange throttles the first sendMail, then it is sent again after Retry-After and exactly one mail goes out', async () => {
    const h = harness();
    tenant().setFaults({ rules: [{ action: 'status', status: 429, method: 'POST', path: 'sendMail$', count: 1, retryAfterSeconds: 0 }] });
    const outcome = await onboard(h.deps('a'), { requestId: 'r-429', requester, form: newHire() });
    expect(outcome.welcomeMail?.state).toBe('sent');
    expect(outbox()).toHaveLength(1);
    expect(tenant().requestLog().filter((e) => e.path.endsWith('/sendMail')).map((e) => e.status)).toEqual([429, 202]);
  });

  it('when Exchange keeps throttling, then the tries stop at the bound and the mail is reported not sent, the account kept', async () => {
    const h = harness();
    tenant().setFaults({ rules: [{ action: 'status', status: 429, method: 'POST', path: 'sendMail$', count: 10, retryAfterSeconds: 0 }] });
    const outcome = await onboard(h.deps('a'), { requestId: 'r-429s', requester, form: newHire() });
    expect(outcome.status).toBe('done');
    expect(outcome.objectId).toEqual(expect.any(String));
    expect(outcome.welcomeMail?.state).toBe('failed');
    expect(tenant().requestLog().filter((e) => e.path.endsWith('/sendMail'))).toHaveLength(defaultOnboardingPolicy.welcomeMail.maxAttempts);
    expect(outbox()).toEqual([]);
  });

  it('when a reissue runs the request through delivery again, then no second welcome mail is sent', async () => {
    const h = harness();
    const outcome = await onboard(h.deps('a'), { requestId: 'r-again', requester, form: newHire() });
    expect(outcome.welcomeMail?.state).toBe('sent');
    const again = await processOnboardingRequest(h.deps('b'), 'r-again');
    expect(again.status).toBe('done');
    expect(outbox()).toHaveLength(1);
  });
});

describe('welcome email — refusals in plain sentences', () => {
  it('when the service mailbox has no Exchange Online mailbox, then the account is done and the sentence says so', async () => {
    const h = harness({ mailer: { from: 'megan.bowen@contoso.com' } });
    const outcome = await onboard(h.deps('a'), { requestId: 'r-nobox', requester, form: newHire() });
    expect(outcome.status).toBe('done');
    expect(outcome.objectId).toEqual(expect.any(String));
    expect(outcome.welcomeMail?.state).toBe('failed');
    const warning = outcome.warnings.find((w) => w.code === 'WELCOME_MAIL_NOT_SENT')!;
    expect(warning.message).toBe(`Welcome email not sent to ${personal}: the service mailbox has no Exchange Online mailbox (Graph answered MailboxNotEnabledForRESTAPI; it needs an Exchange Online licence).`);
    expect(warning.graphRequestId).toEqual(expect.any(String));
    expect(h.audit.events.find((e) => e.type === 'welcome_mail.failed')?.details).toMatchObject({ to: personal });
    expect(h.tickets.posted.at(-1)!.ticket.notes.join('\n')).toContain('Welcome email not sent to');
  });

  it('when the bot may not send mail (no Mail.Send), then the sentence names the permission and the application access policy', async () => {
    const reader = tenant().apps.find((app) => app.displayName === 'Directory Reader (local)')!;
    const h = harness({ mailer: { credential: { kind: 'clientSecret', clientId: reader.clientId, clientSecret: reader.clientSecret } } });
    const outcome = await onboard(h.deps('a'), { requestId: 'r-perm', requester, form: newHire() });
    expect(outcome.status).toBe('done');
    expect(outcome.warnings.find((w) => w.code === 'WELCOME_MAIL_NOT_SENT')?.message).toContain('Mail.Send');
    expect(outbox()).toEqual([]);
  });
});
