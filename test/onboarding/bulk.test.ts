import { describe, expect, it } from 'vitest';
import { decideBulk, defaultBulkPolicy, reviewBulkSheet, revealBulkCredentials, runBulk, resumeBulks, type BulkSheet, type BulkSheetRow } from '../../src/onboarding/index.js';
import { admin, makeBulkWorld, type BulkWorld } from './bulk-fakes.js';
import { Crash } from './fakes.js';

const people = (count: number, from = 0): BulkSheetRow[] => Array.from({ length: count }, (_, i) => ({
  rowNumber: i + from + 3,
  cells: { displayName: `Person ${name(i + from)} Tester`, givenName: `Person ${name(i + from)}`, surname: 'Tester', userPrincipalName: `p${i + from}@contoso.com`, usageLocation: 'US', ticketReference: 'REORG-7' },
}));
// Letters only: the single-request rules want letters in names.
const name = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const sheetOf = (rows: BulkSheetRow[]): BulkSheet => ({ rows, problems: [], notes: [] });

async function approvedBulk(world: BulkWorld, rows: BulkSheetRow[]): Promise<string> {
  const deps = world.bulkDeps();
  const review = await reviewBulkSheet(deps, admin, sheetOf(rows));
  if (review.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(review)}`);
  expect(await decideBulk(deps, admin, review.jobId, 'approve')).toEqual({ kind: 'approved' });
  return review.jobId;
}

const markersOf = (world: BulkWorld) => world.directory.createdByWorkflow().map((a) => a.marker);

describe('bulk onboarding', () => {
  it('when an approved bulk runs, then every row is created once, in batches of at most 20, with a progress card and a results sheet', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(45));
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'done' });
    expect(world.directory.createdByWorkflow()).toHaveLength(45);
    expect(world.bulkDirectory.largestBatch).toBe(20);
    expect(world.bulkDirectory.batches).toBe(3);
    const last = world.bulkReporting.progress.at(-1);
    expect(last?.progress).toMatchObject({ total: 45, done: 45, failed: 0, remaining: 0, finished: true });
    expect(last?.messageId).toBe('progress-1'); // updated in place
    expect(world.bulkReporting.results).toHaveLength(1);
    expect(world.bulkReporting.results[0]?.lines.every((l) => l.outcome === 'created' && l.objectId)).toBe(true);
    // Each account got the password sealed for its row, and none was ever in the job record.
    const stored = [...world.bulkJobs.jobs.values()][0]?.json ?? '';
    for (const account of world.directory.createdByWorkflow()) expect(stored).not.toContain(account.password);
    expect(world.credentials.entries.size).toBe(45);
  });

  it('when the process dies in the middle of a batch, then the next run creates the rest and no row twice', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(50));
    world.bulkDirectory.batchFaults = ['ok' as never, 'crash-midway'];
    await expect(runBulk(world.bulkDeps('instance-a', { concurrentBatches: 1 }), jobId)).rejects.toThrow(Crash);
    const before = world.directory.createdByWorkflow().length;
    expect(before).toBeGreaterThan(20);
    expect(before).toBeLessThan(50);
    // Another instance, after the dead one's lease ran out.
    world.clock.advance(world.bulkDeps().policy.leaseMs + 1);
    expect(await resumeBulks(world.bulkDeps('instance-b'))).toBe(1);
    const markers = markersOf(world);
    expect(markers).toHaveLength(50);
    expect(new Set(markers).size).toBe(50);
  });

  it('when a batch is applied but its answer is lost, then the rows are read back and recognised as ours by their marker', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(10));
    world.bulkDirectory.batchFaults = ['lost-after-apply'];
    await runBulk(world.bulkDeps(), jobId);
    expect(world.directory.createdByWorkflow()).toHaveLength(10);
    expect(world.directory.posts).toBe(10);
    expect(world.bulkReporting.results[0]?.lines.filter((l) => l.outcome === 'created')).toHaveLength(10);
  });

  it('when items of a batch are throttled, then they wait their Retry-After and go again', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(20));
    world.bulkDirectory.batchFaults = ['throttle-half'];
    const before = world.clock.slept;
    await runBulk(world.bulkDeps('instance-a', { concurrentBatches: 1 }), jobId);
    expect(world.directory.createdByWorkflow()).toHaveLength(20);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(3000);
  });

  it('when Graph says the write budget is nearly used (x-ms-throttle-limit-percentage), then the run sends only what is left and waits for the rest to refill, never for a 429', async () => {
    // 40 writes, refilled at 20 a second: 45 rows go 20, 20, then wait 1 s for the last 5 — unless Graph says 95 % is used after the first batch.
    const budgets = { ...defaultBulkPolicy.budgets, directoryWrites: { capacity: 40, perSeconds: 2 } };
    const paced = async (faults: Array<'near-budget'>) => {
      const world = makeBulkWorld();
      const jobId = await approvedBulk(world, people(45));
      world.bulkDirectory.batchFaults = faults;
      const before = world.clock.slept;
      await runBulk(world.bulkDeps('instance-a', { concurrentBatches: 1, budgets }), jobId);
      expect(world.directory.createdByWorkflow()).toHaveLength(45);
      return world.clock.slept - before;
    };
    // The last 5 wait for 5 more and the quarter second kept in hand (5 writes): 0.5 s.
    expect(await paced([])).toBe(500);
    // Told 95 % is used, at most 10 % (rounding) of 40 is left: the second batch waits for 16 more writes and the quarter second, and so the third.
    expect(await paced(['near-budget'])).toBe(1300);
  });

  it('when rows name a manager, then the managers are linked 20 to a batch after the accounts; throttled links go again after their Retry-After', async () => {
    const world = makeBulkWorld();
    const rows = people(45).map((row) => ({ ...row, cells: { ...row.cells, manager: 'adele.vance@contoso.com' } }));
    const jobId = await approvedBulk(world, rows);
    world.bulkDirectory.managerFaults = ['throttle-half'];
    const before = world.clock.slept;
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'done' });
    const adele = world.directory.accounts.get('adele.vance@contoso.com')!;
    expect(world.directory.createdByWorkflow().map((a) => a.managerId)).toEqual(Array.from({ length: 45 }, () => adele.id));
    // 45 links: 3 batches, then the 10 throttled ones of the first batch in one more, after its 2 s.
    expect(world.bulkDirectory.managerBatches).toBe(4);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(2000);
    expect(world.bulkReporting.results[0]?.lines.every((l) => l.outcome === 'created' && l.problem === undefined)).toBe(true);
  });

  it('when a manager link keeps failing, then the account stays and its results line says the manager was not set', async () => {
    const world = makeBulkWorld();
    const rows = people(3).map((row, i) => (i === 1 ? { ...row, cells: { ...row.cells, manager: 'adele.vance@contoso.com' } } : row));
    const jobId = await approvedBulk(world, rows);
    world.directory.setManagerFails = true;
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'done' });
    expect(world.directory.createdByWorkflow()).toHaveLength(3);
    const lines = world.bulkReporting.results[0]?.lines ?? [];
    expect(lines.map((l) => [l.outcome, l.problem ?? null])).toEqual([
      ['created', null], ['created', expect.stringContaining('its manager could not be set')], ['created', null],
    ]);
    expect(world.bulkDirectory.managerBatches).toBe(1);
  });

  it('when a user name is taken by someone else, then the review lists that row as a single request would and nothing is stored', async () => {
    const world = makeBulkWorld();
    world.directory.addAccount('p3@contoso.com', null);
    const review = await reviewBulkSheet(world.bulkDeps(), admin, sheetOf(people(6)));
    expect(review).toMatchObject({ kind: 'problems', badRows: 1, problems: [{ rowNumber: 6, message: 'p3@contoso.com already belongs to another account: give this row another user name.' }] });
    expect(world.bulkJobs.jobs.size).toBe(0);
    // Twenty rows to a read: 6 rows, one batch of reads.
    expect(world.bulkDirectory.nameChecks).toBe(1);
  });

  it('when Graph throttles some of the review\'s name checks, then they are read again after their Retry-After and the review completes', async () => {
    const world = makeBulkWorld();
    world.bulkDirectory.nameFaults = ['throttle-half'];
    const before = world.clock.slept;
    const review = await reviewBulkSheet(world.bulkDeps(), admin, sheetOf(people(30)));
    expect(review.kind).toBe('ready');
    // 20 + 10 probes, 10 of the first batch throttled: asked again in a third batch, after the 1.5 s.
    expect(world.bulkDirectory.nameChecks).toBe(3);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(1500);
  });

  it('when a user name is taken between the review and the run, then only that row fails, with a sentence, and the rest are created', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(6));
    world.directory.addAccount('p3@contoso.com', null);
    await runBulk(world.bulkDeps(), jobId);
    const lines = world.bulkReporting.results[0]?.lines ?? [];
    expect(lines.filter((l) => l.outcome === 'created')).toHaveLength(5);
    expect(lines.find((l) => l.userPrincipalName === 'p3@contoso.com')).toMatchObject({ outcome: 'failed', problem: 'p3@contoso.com already belongs to another account.' });
  });

  it('when the bulk ends, then each recipient gets one reveal card of names, and only their Reveal shows exactly their accounts’ passwords', async () => {
    const world = makeBulkWorld();
    const rows = people(6);
    rows[0] = { ...rows[0]!, cells: { ...rows[0]!.cells, recipient: 'megan.bowen@contoso.com' } };
    const jobId = await approvedBulk(world, rows);
    world.directory.addAccount('p4@contoso.com', null); // one row fails
    await runBulk(world.bulkDeps(), jobId);
    const cards = world.bulkReporting.revealCards;
    expect(cards.map((c) => [c.recipient.id === admin.id ? 'admin' : c.recipient.name, c.notice.displayNames.length])).toEqual([['megan.bowen@contoso.com', 1], ['admin', 4]]);
    expect(cards.flatMap((c) => c.notice.displayNames).some((name) => name.includes('@'))).toBe(false); // names only, no user names

    const megan = cards[0]!.recipient;
    const shown = await revealBulkCredentials(world.bulkDeps(), admin, jobId);
    if (shown.kind !== 'shown') throw new Error('not shown');
    expect(shown.accounts).toHaveLength(4);
    for (const { displayName, password } of shown.accounts) {
      const account = world.directory.createdByWorkflow().find((a) => a.draft?.displayName === displayName);
      expect(password?.reveal()).toBe(account?.password);
    }
    expect((await revealBulkCredentials(world.bulkDeps(), megan, jobId)).kind).toBe('shown');
    expect(await revealBulkCredentials(world.bulkDeps(), { id: 'someone', name: 'Someone' }, jobId))
      .toEqual({ kind: 'refused', sentence: expect.stringContaining('nothing was shown') });
    // The failed row's sealed password is gone; a second run sends no second card.
    expect(world.credentials.entries.has(`${jobId}-7.1`)).toBe(false);
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'done' });
    expect(world.bulkReporting.revealCards).toHaveLength(2);
  });

  it('when the Reveal click can no longer be answered by the time the reveal would be recorded, then no account is recorded as revealed and its deletion clock does not start', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(3));
    await runBulk(world.bulkDeps(), jobId);
    const before = world.credentials.dump();
    const eventsBefore = world.audit.events.length;
    await revealBulkCredentials(world.bulkDeps(), admin, jobId, undefined, () => false);
    expect(world.credentials.dump()).toBe(before);
    expect(world.audit.events.slice(eventsBefore).map((e) => e.type)).toEqual([]);
    const inTime = await revealBulkCredentials(world.bulkDeps(), admin, jobId, undefined, () => true);
    expect(inTime).toMatchObject({ kind: 'shown', accounts: expect.any(Array) });
    expect(world.audit.events.filter((e) => e.type === 'bulk.credentials_revealed')).toHaveLength(1);
  });

  it('when a recipient has more accounts than one answer can carry (Teams takes about 80 KB a message), then their cards come in parts, each Reveal shows only its part and starts only its part’s grace period', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(300));
    await runBulk(world.bulkDeps(), jobId);
    const cards = world.bulkReporting.revealCards;
    expect(cards.length).toBeGreaterThan(1);
    expect(cards.map((c) => [c.notice.part, c.notice.parts])).toEqual(cards.map((_, i) => [i + 1, cards.length]));
    expect(cards.flatMap((c) => c.notice.displayNames)).toEqual(people(300).map((r) => r.cells.displayName));

    const second = await revealBulkCredentials(world.bulkDeps(), admin, jobId, 2);
    if (second.kind !== 'shown') throw new Error('not shown');
    expect(second).toMatchObject({ part: 2, parts: cards.length });
    expect(second.accounts.map((a) => a.displayName)).toEqual(cards[1]!.notice.displayNames);
    // One-time semantics per account: part 2's secrets entered their grace period, part 1's did not.
    const revealed = (displayName: string) => {
      const row = people(300).find((r) => r.cells.displayName === displayName)!;
      const entry = world.credentials.entries.get(`${jobId}-${row.rowNumber}.1`);
      return entry ? (JSON.parse(entry.json) as { revealedAt?: string }).revealedAt : 'gone';
    };
    expect(cards[1]!.notice.displayNames.every((name) => revealed(name) !== undefined)).toBe(true);
    expect(cards[0]!.notice.displayNames.every((name) => revealed(name) === undefined)).toBe(true);
    // A part past the last, or not a number, shows nothing.
    expect((await revealBulkCredentials(world.bulkDeps(), admin, jobId, cards.length + 1)).kind).toBe('refused');
    expect((await revealBulkCredentials(world.bulkDeps(), admin, jobId, '2; drop')).kind).toBe('refused');
    // A second run sends no card again.
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'done' });
    expect(world.bulkReporting.revealCards).toHaveLength(cards.length);
  });

  it('when another run holds the job, then a second run leaves it alone', async () => {
    const world = makeBulkWorld();
    const jobId = await approvedBulk(world, people(3));
    const stored = await world.bulkJobs.get(jobId);
    await world.bulkJobs.update({ ...stored!.job, status: 'running', lease: { owner: 'elsewhere', until: new Date(world.clock.now().getTime() + 60_000).toISOString() } }, stored!.version);
    expect(await runBulk(world.bulkDeps(), jobId)).toEqual({ kind: 'busy' });
    expect(world.directory.createdByWorkflow()).toHaveLength(0);
  });

  it('when a requester who is not an admin sends a sheet, or an admin is over the daily limit, then nothing is stored', async () => {
    const world = makeBulkWorld();
    const someone = { id: 'someone', name: 'Someone' };
    expect(await reviewBulkSheet(world.bulkDeps(), someone, sheetOf(people(2)))).toEqual({ kind: 'refused', message: expect.stringContaining('Only IT admins can send a bulk sheet') });
    const deps = world.bulkDeps('instance-a', { perAdminPerDay: 1 });
    expect((await reviewBulkSheet(deps, admin, sheetOf(people(2)))).kind).toBe('ready');
    expect(await reviewBulkSheet(deps, admin, sheetOf(people(2, 10)))).toEqual({ kind: 'refused', message: expect.stringContaining('1 bulk sheets today') });
    expect(world.bulkJobs.jobs.size).toBe(1);
  });

  it('when a manager or recipient is not in the directory, then their rows are listed and nothing is stored', async () => {
    const world = makeBulkWorld();
    const rows = people(3);
    rows[1] = { ...rows[1]!, cells: { ...rows[1]!.cells, manager: 'nobody@contoso.com' } };
    rows[2] = { ...rows[2]!, cells: { ...rows[2]!.cells, recipient: 'megan.bowen@contoso.com' } };
    const review = await reviewBulkSheet(world.bulkDeps(), admin, sheetOf(rows));
    expect(review).toMatchObject({ kind: 'problems', badRows: 1, problems: [{ rowNumber: 4, message: 'The manager nobody@contoso.com was not found in the directory.' }] });
    expect(world.bulkJobs.jobs.size).toBe(0);
  });

  it('when the bulk is cancelled, or approved twice, or approved by another admin, then nothing runs twice', async () => {
    const world = makeBulkWorld();
    const deps = world.bulkDeps();
    const review = await reviewBulkSheet(deps, admin, sheetOf(people(2)));
    if (review.kind !== 'ready') throw new Error('not ready');
    expect(await decideBulk({ ...deps, roles: (await import('./bulk-fakes.js')).adminRoles(['other', admin.id]) }, { id: 'other', name: 'Other' }, review.jobId, 'approve'))
      .toEqual({ kind: 'refused', message: 'Only the admin who sent this sheet can start or cancel it.' });
    expect(await decideBulk(deps, admin, review.jobId, 'cancel')).toEqual({ kind: 'cancelled' });
    expect(await decideBulk(deps, admin, review.jobId, 'approve')).toEqual({ kind: 'refused', message: 'Bulk cancelled. Nothing was created.' });
    expect(await runBulk(deps, review.jobId)).toEqual({ kind: 'not-approved' });
    expect(world.directory.createdByWorkflow()).toHaveLength(0);
  });
});
