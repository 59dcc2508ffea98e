/**
 * A bulk row gets what a single request gets: the tenant's credential policy (a Temporary
 * Access Pass alongside the password or instead of it, from the start date), one reveal card per
 * recipient showing each person's secrets, a welcome mail to each personal email (exactly once,
 * paced to the mailbox), the same confirmations on the review card, and a results sheet that
 * says what each part did. Fakes for the outside world; the bulk use cases are the real ones.
 */
import { describe, expect, it } from 'vitest';
import {
  decideBulk, defaultBulkPolicy, defaultOnboardingPolicy, reviewBulkSheet, revealBulkCredentials, runBulk, resumeBulks,
  type BulkSheetRow, type OnboardingPolicy,
} from '../../src/onboarding/index.js';
import { admin, makeBulkWorld, type BulkWorld } from './bulk-fakes.js';
import { Crash, ScriptedMailer } from './fakes.js';

const name = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const people = (count: number, cells: Record<string, string> = {}, from = 0): BulkSheetRow[] => Array.from({ length: count }, (_, i) => ({
  rowNumber: i + from + 3,
  cells: {
    displayName: `Person ${name(i + from)} Tester`, givenName: `Person ${name(i + from)}`, surname: 'Tester', userPrincipalName: `p${i + from}@contoso.com`,
    usageLocation: 'US', ticketReference: 'REORG-9', ...cells,
  },
}));
const sheetOf = (rows: BulkSheetRow[]) => ({ rows, problems: [], notes: [] });

const tapPolicy = (mode: 'off' | 'alongside' | 'instead'): Partial<OnboardingPolicy> => ({
  credentials: { ...defaultOnboardingPolicy.credentials, temporaryAccessPass: { mode, lifetimeMinutes: 480, usableOnce: true } },
});

function bulkWorld(mode: 'off' | 'alongside' | 'instead' = 'off', mailer?: ScriptedMailer) {
  const world = makeBulkWorld();
  const deps = (instanceId = 'instance-a') => ({ ...world.bulkDeps(instanceId, {}, tapPolicy(mode)), ...(mailer ? { mailer } : {}) });
  return { world, deps };
}

async function approved(world: BulkWorld, deps: ReturnType<typeof bulkWorld>['deps'], rows: BulkSheetRow[], card?: unknown): Promise<string> {
  const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
  if (review.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(review)}`);
  expect(await decideBulk(deps(), admin, review.jobId, 'approve', card)).toEqual({ kind: 'approved' });
  return review.jobId;
}

const storedCredentials = (world: BulkWorld) => [...world.credentials.entries.values()].map((e) => JSON.parse(e.json) as Record<string, unknown>);

describe('bulk rows follow the credential policy', () => {
  it('when TAP_MODE is instead, then no row keeps a password: each recipient reveals a pass per account, valid from its start date, and the POST carried a password nobody was given', async () => {
    const { world, deps } = bulkWorld('instead');
    const rows = people(20, { startDate: '2025-04-07' });
    rows[5] = { ...rows[5]!, cells: { ...rows[5]!.cells, recipient: 'megan.bowen@contoso.com' } };
    const jobId = await approved(world, deps, rows);
    expect(await runBulk(deps(), jobId)).toEqual({ kind: 'done' });

    expect(world.directory.createdByWorkflow()).toHaveLength(20);
    expect(world.directory.passRequests.map((p) => p.request.startDateTime)).toEqual(Array.from({ length: 20 }, () => '2025-04-07T00:00:00Z'));
    // No password anywhere the bot keeps: every entry holds only its pass.
    const entries = storedCredentials(world);
    expect(entries).toHaveLength(20);
    expect(entries.every((e) => e['password'] === undefined && e['temporaryAccessPass'] !== undefined)).toBe(true);
    const everythingKept = [...world.bulkJobs.jobs.values()].map((j) => j.json).join('') + world.audit.events.map((e) => JSON.stringify(e)).join('');
    for (const account of world.directory.createdByWorkflow()) expect(everythingKept).not.toContain(account.password);

    expect(world.bulkReporting.revealCards.map((c) => [c.recipient.id === admin.id ? 'admin' : c.recipient.name, c.notice.displayNames.length, c.notice.contents]))
      .toEqual([['admin', 19, 'tap'], ['megan.bowen@contoso.com', 1, 'tap']]);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    if (shown.kind !== 'shown') throw new Error('not shown');
    expect(shown.accounts).toHaveLength(19);
    for (const account of shown.accounts) {
      expect(account.password).toBeUndefined();
      const made = world.directory.createdByWorkflow().find((a) => a.draft?.displayName === account.displayName);
      expect(account.temporaryAccessPass?.reveal()).toBe(made?.temporaryAccessPass?.value);
    }
    const lines = world.bulkReporting.results[0]!.lines;
    expect(lines.every((l) => l.temporaryAccessPass === 'issued, valid from 2025-04-07')).toBe(true);
  });

  it('when TAP_MODE is alongside, then each recipient reveals the password and the pass of every account', async () => {
    const { world, deps } = bulkWorld('alongside');
    const jobId = await approved(world, deps, people(3));
    await runBulk(deps(), jobId);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    if (shown.kind !== 'shown') throw new Error('not shown');
    for (const account of shown.accounts) {
      const made = world.directory.createdByWorkflow().find((a) => a.draft?.displayName === account.displayName)!;
      expect([account.password?.reveal(), account.temporaryAccessPass?.reveal()]).toEqual([made.password, made.temporaryAccessPass?.value]);
    }
    // Started today: the pass works now (no start in the request).
    expect(world.directory.passRequests.every((p) => p.request.startDateTime === undefined)).toBe(true);
    expect(world.bulkReporting.revealCards[0]?.notice.contents).toBe('password-and-tap');
  });

  it('when the tenant refuses the pass under instead, then the row gets a password after all (as a single request does), its recipient reveals it, and the results say why', async () => {
    const { world, deps } = bulkWorld('instead');
    const jobId = await approved(world, deps, people(2));
    world.directory.tapPolicy = 'policy-off';
    await runBulk(deps(), jobId);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    if (shown.kind !== 'shown') throw new Error('not shown');
    for (const account of shown.accounts) {
      const made = world.directory.createdByWorkflow().find((a) => a.draft?.displayName === account.displayName)!;
      expect(account.temporaryAccessPass).toBeUndefined();
      expect(made.resets).toHaveLength(1);
      expect(account.password?.reveal()).toBe(made.resets![0]);
    }
    expect(world.bulkReporting.results[0]!.lines.map((l) => l.temporaryAccessPass)).toEqual(Array.from({ length: 2 }, () =>
      "not issued: the tenant's Temporary Access Pass policy is off; the recipient reveals a temporary password instead"));
  });

  it('when a pass is throttled, then it waits the Retry-After and is issued; when the run dies after a pass was made, the next run replaces it and the recipient gets the one that works', async () => {
    const { world, deps } = bulkWorld('instead');
    const jobId = await approved(world, deps, people(3));
    world.directory.tapFaults = ['throttled', 'ok' as never, 'crash-after-issue'];
    const before = world.clock.slept;
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(2500);
    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    if (shown.kind !== 'shown') throw new Error('not shown');
    expect(shown.accounts).toHaveLength(3);
    for (const account of shown.accounts) {
      const made = world.directory.createdByWorkflow().find((a) => a.draft?.displayName === account.displayName)!;
      expect(account.temporaryAccessPass?.reveal()).toBe(made.temporaryAccessPass?.value);
    }
  });

  it('when passes are issued, then they keep to their own budget (5 per 10 s): 12 passes take at least the 14 s the budget allows', async () => {
    const { world, deps } = bulkWorld('alongside');
    const jobId = await approved(world, deps, people(12));
    const before = world.clock.slept;
    await runBulk(deps(), jobId);
    expect(world.directory.passRequests).toHaveLength(12);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(14_000);
  });
});

describe('bulk rows get their welcome mail', () => {
  it('when rows give a personal email, then each gets exactly one welcome mail naming its recipient and what they hold, never a secret, paced to 30 a minute', async () => {
    const mailer = new ScriptedMailer();
    const { world, deps } = bulkWorld('instead', mailer);
    const rows = people(40).map((row, i) => (i % 4 === 3 ? row : { ...row, cells: { ...row.cells, personalEmail: `person${i}@example.org` } }));
    const jobId = await approved(world, deps, rows);
    await runBulk(deps(), jobId);
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(rows.flatMap((r) => r.cells.personalEmail ?? []).sort());
    expect(mailer.sent.every((m) => m.contents === 'tap' && m.secretHolder === admin.name && m.contact === admin.name)).toBe(true);
    const secrets = world.directory.createdByWorkflow().flatMap((a) => [a.password, a.temporaryAccessPass?.value ?? '']);
    for (const secret of secrets) expect(JSON.stringify(mailer.sent)).not.toContain(secret);
    const lines = world.bulkReporting.results[0]!.lines;
    expect(lines.filter((l) => l.welcomeMail?.startsWith('sent to '))).toHaveLength(30);
    expect(lines.filter((l) => l.welcomeMail === undefined)).toHaveLength(10);
    expect(world.bulkReporting.progress.at(-1)?.progress.mails).toEqual({ sent: 30, notSent: 0, total: 30 });
  });

  it('when a mailbox sends more than 30 in a minute, then the run waits for the refill instead of being throttled', async () => {
    const mailer = new ScriptedMailer();
    const { world, deps } = bulkWorld('off', mailer);
    const jobId = await approved(world, deps, people(45).map((row, i) => ({ ...row, cells: { ...row.cells, personalEmail: `p${i}@example.org` } })));
    const before = world.clock.slept;
    await runBulk(deps(), jobId);
    expect(mailer.sent).toHaveLength(45);
    // 15 past the first 30: 15 × 2 s.
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(30_000);
  });

  it('when Exchange throttles a mail, then it goes again after the Retry-After and is sent once; a mail refused is reported, not retried', async () => {
    const mailer = new ScriptedMailer();
    mailer.answers = [{ kind: 'throttled', retryAfterSeconds: 7.5 }, { kind: 'refused', reason: 'recipient' }];
    const { world, deps } = bulkWorld('off', mailer);
    const jobId = await approved(world, deps, people(3).map((row, i) => ({ ...row, cells: { ...row.cells, personalEmail: `p${i}@example.org` } })));
    const before = world.clock.slept;
    await runBulk(deps(), jobId);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(7500);
    expect(mailer.sent.map((m) => m.to)).toEqual(['p0@example.org', 'p1@example.org', 'p2@example.org', 'p0@example.org']);
    const lines = world.bulkReporting.results[0]!.lines.map((l) => l.welcomeMail);
    expect(lines).toEqual(['sent to p0@example.org', 'not sent to p1@example.org: Exchange refused the address.', 'sent to p2@example.org']);
  });

  it('when the run dies after asking Exchange to send a mail, then the next run does not send it again and the results say it is unconfirmed', async () => {
    const mailer = new ScriptedMailer();
    mailer.answers = [{ kind: 'sent' }, 'crash-after-send'];
    const { world, deps } = bulkWorld('off', mailer);
    const jobId = await approved(world, deps, people(3).map((row, i) => ({ ...row, cells: { ...row.cells, personalEmail: `p${i}@example.org` } })));
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    world.clock.advance(deps().policy.leaseMs + 1);
    await resumeBulks(deps('instance-b'));
    expect(mailer.sent.map((m) => m.to)).toEqual(['p0@example.org', 'p1@example.org', 'p2@example.org']);
    expect(world.bulkReporting.results[0]!.lines.map((l) => l.welcomeMail?.split(':')[0])).toEqual(['sent to p0@example.org', 'unconfirmed for p1@example.org', 'sent to p2@example.org']);
  });

  it('when no service mailbox is configured, then no mail is sent and each line says why', async () => {
    const { world, deps } = bulkWorld('off');
    const review = await reviewBulkSheet(deps(), admin, sheetOf(people(2, { personalEmail: 'same@example.org' }).map((r, i) => ({ ...r, cells: { ...r.cells, personalEmail: `x${i}@example.org` } }))));
    expect(review).toMatchObject({ kind: 'ready', welcomeMails: 2, mailer: false });
    if (review.kind !== 'ready') return;
    await decideBulk(deps(), admin, review.jobId, 'approve');
    await runBulk(deps(), review.jobId);
    expect(world.bulkReporting.results[0]!.lines.map((l) => l.welcomeMail)).toEqual([
      'not sent to x0@example.org: no service mailbox is configured for welcome emails (WELCOME_MAIL_FROM).',
      'not sent to x1@example.org: no service mailbox is configured for welcome emails (WELCOME_MAIL_FROM).',
    ]);
  });
});

describe('bulk review asks what a single request asks', () => {
  it('when rows start in the past, then the review lists them, Create all is refused until they are ticked (per row or once), and the ticks are kept', async () => {
    const { world, deps } = bulkWorld();
    const rows = people(4);
    rows[1] = { ...rows[1]!, cells: { ...rows[1]!.cells, startDate: '2025-01-06' } };
    rows[2] = { ...rows[2]!, cells: { ...rows[2]!.cells, startDate: '2027-06-01' } };
    const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
    if (review.kind !== 'ready') throw new Error('not ready');
    expect(review.confirmations).toEqual([
      { kind: 'start-date', rowNumber: 4, startDate: '2025-01-06', why: 'past' },
      { kind: 'start-date', rowNumber: 5, startDate: '2027-06-01', why: 'far-ahead' },
    ]);
    expect(await decideBulk(deps(), admin, review.jobId, 'approve', {})).toEqual({ kind: 'refused', message: expect.stringContaining('2 things on the review card still need a tick') });
    expect(await decideBulk(deps(), admin, review.jobId, 'approve', { confirmRow4: 'true' })).toEqual({ kind: 'refused', message: expect.stringContaining('1 thing on the review card still needs a tick') });
    expect(await decideBulk(deps(), admin, review.jobId, 'approve', { confirmRow4: 'true', confirmRow5: 'true' })).toEqual({ kind: 'approved' });
    const job = (await world.bulkJobs.get(review.jobId))!.job;
    expect(job.rows.map((r) => r.confirmed ?? [])).toEqual([[], ['start-date'], ['start-date'], []]);
    expect(world.audit.events.find((e) => e.type === 'bulk.approved')?.details).toMatchObject({ confirmedStartDates: 2 });
    expect(world.directory.createdByWorkflow()).toHaveLength(0);
  });

  it('when a row asks for someone this bot already made an account for under that user name, then the review asks to confirm a second account and the row gets a free variant', async () => {
    const { world, deps } = bulkWorld();
    const first = await approved(world, deps, people(2));
    await runBulk(deps(), first);
    // The same sheet again (the same two people), plus one new row.
    const again = await reviewBulkSheet(deps(), admin, sheetOf([...people(2), ...people(1, {}, 5)]));
    if (again.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(again)}`);
    expect(again.confirmations).toEqual([
      expect.objectContaining({ kind: 'second-account', rowNumber: 3, earlierUserPrincipalName: 'p0@contoso.com', earlierRequestId: `${first}#3`, instead: expect.stringMatching(/@contoso\.com$/) }),
      expect.objectContaining({ kind: 'second-account', rowNumber: 4, earlierUserPrincipalName: 'p1@contoso.com', earlierRequestId: `${first}#4` }),
    ]);
    expect((await decideBulk(deps(), admin, again.jobId, 'approve')).kind).toBe('refused');
    expect(await decideBulk(deps(), admin, again.jobId, 'approve', { confirmAll: 'true' })).toEqual({ kind: 'approved' });
    await runBulk(deps(), again.jobId);
    const upns = world.directory.createdByWorkflow().map((a) => a.userPrincipalName);
    expect(upns).toHaveLength(5);
    expect(new Set(upns).size).toBe(5);
    expect(upns).toContain(again.confirmations[0]!.kind === 'second-account' ? again.confirmations[0]!.instead : '');
  });

  it('when a ticket of the sheet already produced an account through a single request, then the whole sheet asks for one confirmation', async () => {
    const { world, deps } = bulkWorld();
    const { onboard } = await import('../../src/onboarding/index.js');
    const { form, requester } = await import('./fakes.js');
    await onboard(world.deps(), { requestId: 'single-1', requester, form: form({ ticketReference: 'REORG-9' }), requesterRole: 'admin' });
    expect(world.directory.createdByWorkflow()).toHaveLength(1);
    const review = await reviewBulkSheet(deps(), admin, sheetOf(people(2)));
    if (review.kind !== 'ready') throw new Error('not ready');
    expect(review.confirmations).toEqual([expect.objectContaining({ kind: 'second-account', rowNumber: null, why: 'same-ticket', ticketReference: 'REORG-9' })]);
    // A row's tick does not confirm the sheet's own.
    expect((await decideBulk(deps(), admin, review.jobId, 'approve', { confirmRow3: 'true', confirmRow4: 'true' })).kind).toBe('refused');
    expect((await decideBulk(deps(), admin, review.jobId, 'approve', { confirmAll: true })).kind).toBe('approved');
  });
});

describe('the results sheet of a bulk', () => {
  it('when a bulk ends, then every input row has one line saying what its account, pass and mail came to', async () => {
    const mailer = new ScriptedMailer();
    const { world, deps } = bulkWorld('alongside', mailer);
    const rows = people(3, { personalEmail: 'x@example.org' }).map((r, i) => ({ ...r, cells: { ...r.cells, personalEmail: `p${i}@example.org` } }));
    const jobId = await approved(world, deps, rows);
    world.directory.addAccount('p1@contoso.com', null); // taken after the review
    await runBulk(deps(), jobId);
    expect(world.bulkReporting.results[0]!.lines.map((l) => [l.rowNumber, l.outcome, l.temporaryAccessPass ?? null, l.welcomeMail ?? null])).toEqual([
      [3, 'created', 'issued', 'sent to p0@example.org'],
      [4, 'failed', null, 'not sent to p1@example.org: no account was created'],
      [5, 'created', 'issued', 'sent to p2@example.org'],
    ]);
    expect(world.bulkJobs.rowsWritten).toBeLessThan(3 * world.bulkJobs.writes);
    expect(defaultBulkPolicy.batchSize).toBe(20);
  });
});

describe('bulk rows get their template, as a single request does', () => {
  async function withTemplates(seats = 250) {
    const { InMemoryTemplateStore, marketingTemplate, templateDirectoryWithSeed, E3, GROUPS } = await import('./template-fakes.js');
    const world = makeBulkWorld();
    const templates = new InMemoryTemplateStore();
    await templates.create(marketingTemplate());
    const templateDirectory = templateDirectoryWithSeed();
    templateDirectory.addSku({ skuId: E3, skuPartNumber: 'SPE_E3', enabledUnits: seats, consumedUnits: 0 });
    templateDirectory.alsoKnows = (id) => [...world.directory.accounts.values()].some((a) => a.id === id);
    const deps = (instanceId = 'instance-a') => ({ ...world.bulkDeps(instanceId), templates, templateDirectory });
    return { world, deps, templateDirectory, GROUPS };
  }

  it('when rows are in a department with a template, then each gets its defaults, its extension attributes, its groups and its licence, and the results line says so', async () => {
    const { world, deps, templateDirectory, GROUPS } = await withTemplates();
    const rows = people(3).map((r) => ({ ...r, cells: { ...r.cells, department: 'Marketing', usageLocation: '' } }));
    rows[2] = { ...rows[2]!, cells: { ...rows[2]!.cells, department: 'Sales' } };
    const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
    if (review.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(review)}`);
    expect(review.templates).toEqual([{ name: 'Marketing', rows: 2, summary: expect.stringContaining('2 rows: added to Marketing Team, Marketing; licence Microsoft 365 E3') }]);
    await decideBulk(deps(), admin, review.jobId, 'approve');
    await runBulk(deps(), review.jobId);

    const [ana, bob, sales] = ['p0@contoso.com', 'p1@contoso.com', 'p2@contoso.com'].map((upn) => world.directory.accounts.get(upn)!);
    // The template's usage location and company filled the empty cells; the organisation's for the row it does not apply to.
    expect([ana!.draft?.usageLocation, ana!.draft?.companyName, sales!.draft?.usageLocation]).toEqual(['SE', 'Contoso Nordic', 'US']);
    expect(ana!.draft?.extensionAttributes).toEqual({ extensionAttribute1: 'MKT' });
    expect(templateDirectory.membersOf(GROUPS.marketingTeam).sort()).toEqual([ana!.id, bob!.id].sort());
    expect(templateDirectory.licences.get(ana!.id)?.size).toBe(1);
    expect(templateDirectory.membersOf(GROUPS.marketingTeam)).not.toContain(sales!.id);
    const lines = world.bulkReporting.results[0]!.lines.map((l) => l.groupsAndLicence);
    expect(lines[0]).toContain('Template Marketing: added to Marketing Team, Marketing.');
    expect(lines[0]).toContain('Licence Microsoft 365 E3 assigned.');
    expect(lines[2]).toBeUndefined();
    expect(world.audit.events.find((e) => e.type === 'bulk.done')?.details).toMatchObject({ rowsWithTemplate: 2, groupsAdded: 4, licencesAssigned: 2 });
  });

  it('when a template\'s licence has fewer free seats than rows, then the review says so and the rows past the seats say their licence is missing and why', async () => {
    const { world, deps } = await withTemplates(1);
    const rows = people(2).map((r) => ({ ...r, cells: { ...r.cells, department: 'Marketing' } }));
    const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
    if (review.kind !== 'ready') throw new Error('not ready');
    expect(review.notes.join(' ')).toContain("The template Marketing's licence has 1 free seat for 2 rows");
    await decideBulk(deps(), admin, review.jobId, 'approve');
    await runBulk(deps(), review.jobId);
    const lines = world.bulkReporting.results[0]!.lines.map((l) => l.groupsAndLicence ?? '');
    expect(lines.filter((l) => l.includes('Licence Microsoft 365 E3 assigned.'))).toHaveLength(1);
    expect(lines.filter((l) => /Licence Microsoft 365 E3 missing: no free seats/.test(l))).toHaveLength(1);
  });

  it('when a Template cell names a template by name, says none, or names one that does not apply, then the row gets it, none, or a problem', async () => {
    const { deps } = await withTemplates();
    const rows = people(3).map((r) => ({ ...r, cells: { ...r.cells, department: 'Marketing' } }));
    rows[1] = { ...rows[1]!, cells: { ...rows[1]!.cells, template: 'none' } };
    rows[2] = { ...rows[2]!, cells: { ...rows[2]!.cells, template: 'Marketing', department: 'Sales' } };
    const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
    expect(review).toMatchObject({ kind: 'problems', badRows: 1, problems: [{ rowNumber: 5, message: expect.stringContaining('Marketing') }] });
    rows[2] = { ...rows[2]!, cells: { ...rows[2]!.cells, department: 'Marketing', template: 'marketing' } };
    const ready = await reviewBulkSheet(deps(), admin, sheetOf(rows));
    if (ready.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(ready)}`);
    expect(ready.templates[0]?.rows).toBe(2);
  });
});
