/**
 * Guest rows of a bulk sheet (issue 25: "Templates and guests must apply to rows as to single
 * requests"): a row invites someone from another organisation with Entra B2B, exactly once, by
 * the single guest path's rules (guests/invite-guest.ts) — never a second POST /invitations "to
 * check", since each POST replaces the redeem link (learn.microsoft.com/graph/api/invitation-post).
 * Fakes for the outside world; the bulk and guest use cases are the real ones.
 */
import { describe, expect, it } from 'vitest';
import {
  decideBulk, defaultBulkPolicy, defaultOnboardingPolicy, resumeBulks, revealBulkCredentials, reviewBulkSheet, runBulk, say, sayBulk, type BulkSheetRow, type OnboardingPolicy,
} from '../../src/onboarding/index.js';
import { admin, makeBulkWorld } from './bulk-fakes.js';
import { Crash } from './fakes.js';
import { FakeGuestDirectory } from './guest-fakes.js';

const member = (n: number, cells: Record<string, string> = {}): BulkSheetRow => ({
  rowNumber: n,
  cells: { displayName: `Member Row${String.fromCharCode(96 + n)}`, userPrincipalName: `m${n}@contoso.com`, usageLocation: 'US', ticketReference: 'REORG-9', ...cells },
});
const guest = (n: number, cells: Record<string, string> = {}): BulkSheetRow => ({
  rowNumber: n,
  cells: {
    displayName: `Guest Row${String.fromCharCode(96 + n)}`, accountKind: 'Guest', guestEmail: `g${n}@fabrikam.example`, companyName: 'Fabrikam',
    manager: 'adele.vance@contoso.com', ticketReference: 'REORG-9', ...cells,
  },
});
const sheetOf = (rows: BulkSheetRow[]) => ({ rows, problems: [], notes: [] });

function guestBulkWorld(policy: Partial<OnboardingPolicy> = {}, withGuests = true) {
  const world = makeBulkWorld();
  const guests = new FakeGuestDirectory(world.directory, () => world.clock.now());
  const deps = (instanceId = 'instance-a') => ({ ...world.bulkDeps(instanceId, {}, policy), ...(withGuests ? { guests } : {}) });
  return { world, guests, deps };
}

async function approved(deps: () => ReturnType<ReturnType<typeof guestBulkWorld>['deps']>, rows: BulkSheetRow[]): Promise<string> {
  const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
  if (review.kind !== 'ready') throw new Error(`not ready: ${JSON.stringify(review)}`);
  expect(await decideBulk(deps(), admin, review.jobId, 'approve')).toEqual({ kind: 'approved' });
  return review.jobId;
}

const problemsOf = async (deps: () => ReturnType<ReturnType<typeof guestBulkWorld>['deps']>, rows: BulkSheetRow[]) => {
  const review = await reviewBulkSheet(deps(), admin, sheetOf(rows));
  if (review.kind !== 'problems') throw new Error(`expected problems: ${JSON.stringify(review)}`);
  return review.problems;
};

describe('a guest row in a bulk sheet, reviewed (learn.microsoft.com/entra/external-id/what-is-b2b)', () => {
  it('when a sheet mixes members and guests, then the review counts the guests and says Microsoft emails each invitation; nothing is invited yet', async () => {
    const { guests, deps } = guestBulkWorld();
    const review = await reviewBulkSheet(deps(), admin, sheetOf([member(3), guest(4), guest(5, { accountKind: '', companyName: '' }), member(6)]));
    expect(review).toMatchObject({ kind: 'ready', rowCount: 4, guests: { count: 2 } });
    expect(sayBulk.REVIEW_GUESTS(2, admin.name, 0)).toContain('Microsoft emails each invitation to the address in the sheet');
    expect(guests.invitations).toEqual([]);
  });

  it.each([
    ['a user name', { userPrincipalName: 'g4@contoso.com' }, sayBulk.GUEST_ROW_USER_NAME('g4@contoso.com')],
    ['a personal email', { personalEmail: 'g4@example.org' }, sayBulk.GUEST_ROW_PERSONAL_EMAIL()],
    ['a recipient', { recipient: 'megan.bowen@contoso.com' }, sayBulk.GUEST_ROW_RECIPIENT()],
  ])('when a guest row gives %s, a member\'s column, then that row has a plain problem and nothing is stored', async (_what, cells, sentence) => {
    const { world, deps } = guestBulkWorld();
    expect(await problemsOf(deps, [member(3), guest(4, cells)])).toEqual([{ rowNumber: 4, message: sentence }]);
    expect(world.bulkJobs.jobs.size).toBe(0);
  });

  it('when two rows invite the same address, then the second row says so (its invitation would cancel the first one\'s link)', async () => {
    const { deps } = guestBulkWorld();
    expect(await problemsOf(deps, [guest(3), guest(4, { guestEmail: 'G3@fabrikam.example' })]))
      .toEqual([{ rowNumber: 4, message: sayBulk.SAME_GUEST_AS_ROW('g3@fabrikam.example', 3) }]);
  });

  it('when the address is on one of our own verified domains, then the row says it, as the form does', async () => {
    const { deps } = guestBulkWorld();
    const [problem] = await problemsOf(deps, [guest(3, { guestEmail: 'jo@contoso.com' })]);
    expect(problem).toMatchObject({ rowNumber: 3, message: expect.stringContaining("one of the organisation's own verified domains") });
  });

  it('when a guest was invited already, or a member\'s mail holds the address, then that row names them and nobody is invited again', async () => {
    const { guests, deps } = guestBulkWorld();
    const earlier = guests.addGuest('g3@fabrikam.example');
    const holder = guests.addMember('lee.g@contoso.com', 'g5@fabrikam.example');
    const problems = await problemsOf(deps, [guest(3), guest(4), guest(5)]);
    expect(problems.map((p) => p.rowNumber)).toEqual([3, 5]);
    expect(problems[0]!.message).toContain(`g3@fabrikam.example already has access here: g3@fabrikam.example (${earlier.userPrincipalName}), a guest whose invitation is not accepted yet`);
    expect(problems[1]!.message).toContain(`${holder.userPrincipalName}, a member account`);
    expect(guests.invitations).toEqual([]);
  });

  it('when a look-up is throttled, then it waits its Retry-After and asks again; the review is ready and every address was looked up', async () => {
    const { world, guests, deps } = guestBulkWorld();
    guests.lookupFaults = ['throttled', 'unavailable'];
    const before = world.clock.slept;
    const review = await reviewBulkSheet(deps(), admin, sheetOf([guest(3), guest(4), guest(5)]));
    expect(review).toMatchObject({ kind: 'ready', guests: { count: 3 } });
    expect(guests.lookups).toBe(5);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(1500);
  });

  it('when the directory will not answer a look-up at all, then that row says so and nothing is stored', async () => {
    const { world, guests, deps } = guestBulkWorld();
    guests.lookupFaults = Array.from({ length: 8 }, () => 'unavailable' as const);
    expect(await problemsOf(deps, [guest(3)])).toEqual([{ rowNumber: 3, message: sayBulk.GUEST_LOOKUP_FAILED('g3@fabrikam.example') }]);
    expect(world.bulkJobs.jobs.size).toBe(0);
  });


  it('when the bot has no guest directory, then each guest row says guests are not available here', async () => {
    const { deps } = guestBulkWorld({}, false);
    expect(await problemsOf(deps, [guest(3)])).toEqual([{ rowNumber: 3, message: say.GUESTS_UNAVAILABLE() }]);
  });
});

describe('guest rows, run: each invited exactly once (learn.microsoft.com/graph/api/invitation-post)', () => {
  it('when a mixed sheet runs, then each guest row is invited once by Microsoft\'s email, marked, managed and sponsored; nothing is handed over for them, and the results say per row what happened', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [member(3), guest(4), guest(5), member(6), guest(7)]);
    expect(await runBulk(deps(), jobId)).toEqual({ kind: 'done' });

    expect(guests.invitations.map((i) => [i.email, i.sendInvitationMessage]).sort()).toEqual([
      ['g4@fabrikam.example', true], ['g5@fabrikam.example', true], ['g7@fabrikam.example', true],
    ]);
    const prefix = deps().policy.markerPrefix;
    const adele = (await world.directory.findUserByUpn('adele.vance@contoso.com'))!;
    for (const row of [4, 5, 7]) {
      const person = guests.guests().find((p) => p.mail === `g${row}@fabrikam.example`)!;
      expect(guests.markerOf(person.id)).toBe(`${prefix}${jobId}#${row}`);
      expect(person.sponsors).toEqual([admin.id]);
      expect(guests.managerOf(person.id)).toBe(adele.id);
      expect(person.profile).toMatchObject({ givenName: 'Guest', surname: `Row${String.fromCharCode(96 + row)}`, companyName: 'Fabrikam' });
    }
    // The members were created as before; no password, pass or reveal card for a guest.
    expect(world.directory.createdByWorkflow().filter((a) => !a.userPrincipalName.includes('#EXT#')).map((a) => a.userPrincipalName).sort()).toEqual(['m3@contoso.com', 'm6@contoso.com']);
    expect([...world.credentials.entries.keys()].sort()).toEqual([`${jobId}-3.1`, `${jobId}-6.1`]);
    expect(world.bulkReporting.revealCards.map((c) => c.notice.displayNames)).toEqual([['Member Rowc', 'Member Rowf']]);

    const lines = world.bulkReporting.results[0]!.lines;
    expect(lines.map((l) => [l.rowNumber, l.outcome, l.userPrincipalName, l.guestInvitation])).toEqual([
      [3, 'created', 'm3@contoso.com', undefined],
      [4, 'invited', 'g4_fabrikam.example#EXT#@contoso.onmicrosoft.com', 'invited: Microsoft emailed the invitation to g4@fabrikam.example; not accepted yet'],
      [5, 'invited', 'g5_fabrikam.example#EXT#@contoso.onmicrosoft.com', 'invited: Microsoft emailed the invitation to g5@fabrikam.example; not accepted yet'],
      [6, 'created', 'm6@contoso.com', undefined],
      [7, 'invited', 'g7_fabrikam.example#EXT#@contoso.onmicrosoft.com', 'invited: Microsoft emailed the invitation to g7@fabrikam.example; not accepted yet'],
    ]);
    expect(lines.filter((l) => l.outcome === 'invited').every((l) => l.objectId && !l.problem && l.temporaryAccessPass === undefined && l.welcomeMail === undefined)).toBe(true);

    const done = world.audit.events.find((e) => e.type === 'bulk.done')!;
    expect(done.details).toMatchObject({ created: 5, failed: 0, guestRows: 3, guestsInvited: 3, guestsNotInvited: 0 });
    expect(world.audit.events.filter((e) => e.type === 'bulk.guest_invited').map((e) => e.details['rowNumber']).sort()).toEqual([4, 5, 7]);
    // No redeem link anywhere the bot keeps or says.
    const everything = [...world.bulkJobs.jobs.values()].map((j) => j.json).join('') + JSON.stringify(world.audit.events) + JSON.stringify(world.bulkReporting);
    for (const link of guests.links) expect(everything).not.toContain(link);
  });

  it('when the process dies after POST /invitations was applied and before the row was recorded, then the next run finds the guest by address and invites nobody twice', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3)]);
    guests.inviteFaults = ['crash-after-apply'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    expect(guests.invitations).toHaveLength(1);
    // The row was claimed, with its marker and the time of the look, before the POST.
    const claimed = JSON.parse(world.bulkJobs.jobs.get(jobId)!.json) as { rows: Array<{ state: string; marker?: string; guest?: { checkedAt?: string } }> };
    expect(claimed.rows[0]).toMatchObject({ state: 'creating', marker: expect.stringContaining(`${jobId}#3`), guest: { checkedAt: expect.any(String) } });

    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    expect(guests.invitations).toHaveLength(1);
    expect(guests.links).toHaveLength(1);
    const person = guests.guests()[0]!;
    expect(guests.markerOf(person.id)).toBe(`${deps().policy.markerPrefix}${jobId}#3`);
    expect(world.bulkReporting.results.at(-1)!.lines[0]).toMatchObject({ outcome: 'invited', objectId: person.id });
    expect(world.audit.events.find((e) => e.type === 'bulk.guest_invited')?.details).toMatchObject({ foundAfterLostAnswer: true });
  });

  it('when the process dies after one POST of a batch, then every row of the batch was claimed before it, and the next run invites each guest once', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3), guest(4), guest(5)]);
    // The first POST answers; the second is applied, then the process dies.
    guests.inviteFaults = [undefined as never, 'crash-after-apply'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    const stored = JSON.parse(world.bulkJobs.jobs.get(jobId)!.json) as { rows: Array<{ state: string }> };
    expect(stored.rows.map((r) => r.state)).toEqual(['creating', 'creating', 'creating']);
    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    expect(guests.invitations.map((i) => i.email).sort()).toEqual(['g3@fabrikam.example', 'g4@fabrikam.example', 'g5@fabrikam.example']);
    expect(world.bulkReporting.results.at(-1)!.lines.map((l) => l.outcome)).toEqual(['invited', 'invited', 'invited']);
  });

  it('when a sheet has 45 guest rows, then the job is written per batch of 20, not per row', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const rows = Array.from({ length: 45 }, (_, i) => guest(i + 3, { displayName: `Guest Number${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}` }));
    const jobId = await approved(deps, rows);
    const before = world.bulkJobs.writes;
    await runBulk(deps(), jobId);
    expect(guests.invitations).toHaveLength(45);
    // Three batches: a claim and an outcome each, plus the run's own writes (lease, progress, results, managers, done).
    expect(world.bulkJobs.writes - before).toBeLessThan(20);
  });

  it('when the process dies before its POST was sent, then the next run finds nobody at the address and sends the invitation, once', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3)]);
    guests.inviteFaults = ['crash-before-send'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    expect(guests.invitations).toHaveLength(1);
    expect(world.bulkReporting.results.at(-1)!.lines[0]).toMatchObject({ outcome: 'invited' });
  });

  it('when an invitation\'s answer is lost after it was applied, then the address is looked up and the guest recorded, with no second POST', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3), guest(4)]);
    guests.inviteFaults = ['ambiguous-applied', 'ambiguous-not-applied'];
    await runBulk(deps(), jobId);
    // Row 3's POST was applied (one invitation); row 4's was not, so it was sent again (one invitation).
    expect(guests.invitations.map((i) => i.email).sort()).toEqual(['g3@fabrikam.example', 'g4@fabrikam.example']);
    expect(guests.links).toHaveLength(2);
    expect(world.bulkReporting.results[0]!.lines.map((l) => l.outcome)).toEqual(['invited', 'invited']);
    expect(world.audit.events.filter((e) => e.type === 'bulk.invitation_ambiguous')).toHaveLength(2);
  });

  it('when the look-up after a lost answer fails, then it is read again (never sent blind) and the guest recorded once', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3)]);
    guests.inviteFaults = ['ambiguous-applied'];
    const original = guests.invite.bind(guests);
    guests.invite = async (invitation) => {
      const answer = await original(invitation);
      guests.lookupFaults = ['unavailable', 'throttled'];
      return answer;
    };
    await runBulk(deps(), jobId);
    expect(guests.invitations).toHaveLength(1);
    expect(world.bulkReporting.results[0]!.lines[0]).toMatchObject({ outcome: 'invited' });
  });

  it('when someone else invited the address between the review and the run, then that row is its problem, names them, and nobody is invited', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3), guest(4)]);
    const theirs = guests.addGuest('g3@fabrikam.example', 'Accepted');
    await runBulk(deps(), jobId);
    expect(guests.invitations.map((i) => i.email)).toEqual(['g4@fabrikam.example']);
    const [row3, row4] = world.bulkReporting.results[0]!.lines;
    expect(row3).toMatchObject({ outcome: 'failed', problem: expect.stringContaining(`(${theirs.userPrincipalName}), a guest who accepted their invitation`) });
    expect(row3!.guestInvitation).toBe('not invited: g3@fabrikam.example (why: in the Problem column)');
    expect(row4).toMatchObject({ outcome: 'invited' });
    expect(world.audit.events.find((e) => e.type === 'bulk.guest_not_invited')?.details).toMatchObject({ rowNumber: 3, code: 'GUEST_ALREADY_EXISTS', existingId: theirs.id });
  });

  it('when a lost answer leaves a guest at the address that is not ours (older than our look, no marker), then the row says whose it is and nothing is sent again', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3)]);
    guests.inviteFaults = ['ambiguous-not-applied'];
    // Someone invites the address in the portal while our answer is lost, well before our look (their clock).
    const original = guests.invite.bind(guests);
    let theirs: ReturnType<FakeGuestDirectory['addGuest']> | undefined;
    guests.invite = async (invitation) => {
      const answer = await original(invitation);
      theirs = guests.addGuest('g3@fabrikam.example');
      theirs.createdDateTime = '2020-01-01T00:00:00Z';
      return answer;
    };
    await runBulk(deps(), jobId);
    expect(guests.invitations).toEqual([]);
    expect(world.bulkReporting.results[0]!.lines[0]).toMatchObject({ outcome: 'failed', problem: expect.stringContaining(theirs!.userPrincipalName) });
  });

  it('when the tenant blocks the domain, then that row says so in the single path\'s words while the other guests are invited', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3), guest(4), guest(5)]);
    const original = guests.invite.bind(guests);
    guests.invite = async (invitation) => (invitation.email === 'g4@fabrikam.example' ? { kind: 'refused', reason: 'domain-blocked', graphRequestId: 'req-403' } : original(invitation));
    await runBulk(deps(), jobId);
    const lines = world.bulkReporting.results[0]!.lines;
    expect(lines.map((l) => l.outcome)).toEqual(['invited', 'failed', 'invited']);
    expect(lines[1]!.problem).toMatch(/^Nobody was invited: the organisation's collaboration restrictions block invitations to that email domain/);
    expect(world.audit.events.find((e) => e.type === 'bulk.done')?.details).toMatchObject({ guestsInvited: 2, guestsNotInvited: 1 });
  });

  it('when an invitation is throttled, then it waits the Retry-After and goes once', async () => {
    const { world, guests, deps } = guestBulkWorld();
    const jobId = await approved(deps, [guest(3)]);
    guests.inviteFaults = ['throttled'];
    const before = world.clock.slept;
    await runBulk(deps(), jobId);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(2000);
    expect(guests.invitations).toHaveLength(1);
    expect(world.bulkReporting.results[0]!.lines[0]).toMatchObject({ outcome: 'invited' });
  });
});

/**
 * GUEST_INVITATION=reveal, the tenant's policy: nobody emails the invitation; each guest row's
 * redeem link (inviteRedeemUrl, learn.microsoft.com/graph/api/resources/invitation) is sealed for the
 * row's recipient and handed over on their bulk reveal card, as a single guest request's is.
 */
describe('guest rows when the tenant hands invitation links over (GUEST_INVITATION=reveal, learn.microsoft.com/graph/api/invitation-post)', () => {
  const revealLinks: Partial<OnboardingPolicy> = {
    guests: { invitation: 'reveal', redirectUrl: 'https://teams.microsoft.com/?tenantId=t' }, credentials: defaultOnboardingPolicy.credentials,
  };
  const megan = 'megan.bowen@contoso.com';
  const kept = (world: ReturnType<typeof guestBulkWorld>['world'], jobId: string) =>
    [...world.bulkJobs.jobs.values()].map((j) => j.json).join('') + JSON.stringify(world.audit.events) + JSON.stringify(world.bulkReporting)
      + world.credentials.dump() + world.store.dump() + jobId;

  it('when a guest row names a recipient, then the review takes it as a member row\'s and says the links go to the recipients on reveal cards', async () => {
    const { guests, deps } = guestBulkWorld(revealLinks);
    const review = await reviewBulkSheet(deps(), admin, sheetOf([member(3), guest(4, { recipient: megan }), guest(5)]));
    expect(review).toMatchObject({ kind: 'ready', guests: { count: 2, invitation: 'reveal' } });
    if (review.kind !== 'ready') throw new Error('not ready');
    expect(review.recipients).toEqual([admin.name, megan]);
    expect(sayBulk.REVIEW_GUESTS(2, admin.name, 0, 'reveal')).toContain('each link goes to the row\'s recipient on a reveal card');
    expect(guests.invitations).toEqual([]);
  });

  it('when the run invites them, then nobody is emailed, each link is sealed for its row\'s recipient and revealed only to them beside the guest\'s name, and kept nowhere in clear', async () => {
    const { world, guests, deps } = guestBulkWorld(revealLinks);
    const jobId = await approved(deps, [member(3), guest(4, { recipient: megan }), guest(5)]);
    await runBulk(deps(), jobId);
    expect(guests.invitations.map((i) => [i.email, i.sendInvitationMessage])).toEqual([['g4@fabrikam.example', false], ['g5@fabrikam.example', false]]);
    const meganId = (await world.directory.findUserByUpn(megan))!.id;
    const entries = [...world.credentials.entries.values()].map((e) => JSON.parse(e.json) as Record<string, unknown>);
    expect(entries.filter((e) => e['invitationLink'])).toEqual([
      expect.objectContaining({ credentialId: `${jobId}-4.1`, recipientId: meganId, invitationLink: expect.objectContaining({ algorithm: 'A256GCM' }) }),
      expect.objectContaining({ credentialId: `${jobId}-5.1`, recipientId: admin.id, invitationLink: expect.objectContaining({ algorithm: 'A256GCM' }) }),
    ]);
    for (const link of guests.links) expect(kept(world, jobId)).not.toContain(link);

    // Each recipient's reveal card lists the guest among their accounts.
    expect(world.bulkReporting.revealCards.map((c) => [c.recipient.id, c.notice.displayNames, c.notice.guests])).toEqual([
      [admin.id, ['Member Rowc', 'Guest Rowe'], 1], [meganId, ['Guest Rowd'], 1],
    ]);
    const [link4, link5] = [guests.linkOf('g4@fabrikam.example'), guests.linkOf('g5@fabrikam.example')];
    expect(await revealBulkCredentials(deps(), { id: 'someone-else', name: 'Eve' }, jobId)).toMatchObject({ kind: 'refused' });
    const mine = await revealBulkCredentials(deps(), admin, jobId);
    if (mine.kind !== 'shown') throw new Error('not shown');
    expect(mine.accounts.map((a) => [a.displayName, a.invitationLink?.reveal(), a.password !== undefined])).toEqual([
      ['Member Rowc', undefined, true], ['Guest Rowe', link5, false],
    ]);
    const hers = await revealBulkCredentials(deps(), { id: meganId, name: megan }, jobId);
    expect(hers.kind === 'shown' && hers.accounts.map((a) => [a.displayName, a.invitationLink?.reveal()])).toEqual([['Guest Rowd', link4]]);

    const lines = world.bulkReporting.results.at(-1)!.lines;
    expect(lines.map((l) => [l.rowNumber, l.outcome, l.guestInvitation])).toEqual([
      [3, 'created', undefined],
      [4, 'invited', sayBulk.GUEST_LINK_TO_RECIPIENT('g4@fabrikam.example', megan)],
      [5, 'invited', sayBulk.GUEST_LINK_TO_RECIPIENT('g5@fabrikam.example', admin.name)],
    ]);
    for (const link of guests.links) expect(kept(world, jobId)).not.toContain(link);
  });

  it('when a recipient reveals after the link was deleted, then the card says the invitation is to be resent, not the credentials reissued', async () => {
    const { world, deps } = guestBulkWorld(revealLinks);
    const jobId = await approved(deps, [member(3), guest(4, { recipient: megan }), guest(5)]);
    await runBulk(deps(), jobId);
    world.clock.advance(deps().policy.credentials.revealWindowMs + 1);
    const meganId = (await world.directory.findUserByUpn(megan))!.id;
    const hers = await revealBulkCredentials(deps(), { id: meganId, name: megan }, jobId);
    expect(hers).toMatchObject({ kind: 'shown', accounts: [], gone: 1, goneGuests: 1 });
    if (hers.kind !== 'shown') throw new Error('not shown');
    expect(sayBulk.REVEALED_GONE(hers.gone, hers.goneGuests)).toBe('1 invitation link is no longer kept (expired or revealed long ago): ask IT to resend that invitation in the Entra admin center.');
    const mine = await revealBulkCredentials(deps(), admin, jobId);
    expect(mine).toMatchObject({ kind: 'shown', gone: 2, goneGuests: 1 });
    if (mine.kind !== 'shown') throw new Error('not shown');
    expect(sayBulk.REVEALED_GONE(mine.gone, mine.goneGuests)).toContain('ask IT to reissue, and to resend the guest\'s invitation in the Entra admin center');
  });

  it('when the bot dies after Graph invited them but before the link was sealed, then the restart asks for a fresh link (the lost one cancelled) and only the recipient reveals that one', async () => {
    const { world, guests, deps } = guestBulkWorld(revealLinks);
    const jobId = await approved(deps, [guest(3, { recipient: megan })]);
    guests.inviteFaults = ['crash-after-apply'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    expect(guests.invitations).toHaveLength(1);
    expect(world.credentials.entries.size).toBe(0);

    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    // A second POST for the same guest: it issues a new link and cancels the lost one, which nobody ever had.
    expect(guests.invitations.map((i) => [i.email, i.sendInvitationMessage])).toEqual([['g3@fabrikam.example', false], ['g3@fabrikam.example', false]]);
    expect(guests.guests()).toHaveLength(1);
    expect(guests.links).toHaveLength(2);
    expect(world.audit.events.find((e) => e.type === 'bulk.guest_invited')?.details).toMatchObject({ foundAfterLostAnswer: true, linkRenewed: true });

    const meganId = (await world.directory.findUserByUpn(megan))!.id;
    expect(await revealBulkCredentials(deps(), admin, jobId)).toMatchObject({ kind: 'refused' });
    const shown = await revealBulkCredentials(deps(), { id: meganId, name: megan }, jobId);
    expect(shown.kind === 'shown' && shown.accounts.map((a) => a.invitationLink?.reveal())).toEqual([guests.links[1]]);
    expect(guests.linkOf('g3@fabrikam.example')).toBe(guests.links[1]);
    expect(world.bulkReporting.results.at(-1)!.lines[0]).toMatchObject({ outcome: 'invited', guestInvitation: sayBulk.GUEST_LINK_TO_RECIPIENT('g3@fabrikam.example', megan) });
    for (const link of guests.links) expect(kept(world, jobId)).not.toContain(link);
  });

  it('when the fresh link\'s POST is throttled, then it goes again after its Retry-After and that link is sealed; when it never answers, the row says no link could be kept and nothing is revealed', async () => {
    const { world, guests, deps } = guestBulkWorld(revealLinks);
    const jobId = await approved(deps, [guest(3), guest(4)]);
    // Row 3 answers; row 4's POST is applied and the process dies.
    guests.inviteFaults = [undefined as never, 'crash-after-apply'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    world.clock.advance(deps().policy.leaseMs + 1);
    // Row 4's fresh link: throttled once, then answered.
    guests.inviteFaults = ['throttled'];
    const before = world.clock.slept;
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    expect(world.clock.slept - before).toBeGreaterThanOrEqual(2000);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    expect(shown.kind === 'shown' && shown.accounts.map((a) => [a.displayName, a.invitationLink?.reveal()]))
      .toEqual([['Guest Rowc', guests.linkOf('g3@fabrikam.example')], ['Guest Rowd', guests.linkOf('g4@fabrikam.example')]]);

    const other = guestBulkWorld(revealLinks);
    const lostJob = await approved(other.deps, [guest(3)]);
    other.guests.inviteFaults = ['crash-after-apply'];
    await expect(runBulk(other.deps(), lostJob)).rejects.toThrow(Crash);
    other.world.clock.advance(other.deps().policy.leaseMs + 1);
    other.guests.inviteFaults = Array.from({ length: defaultBulkPolicy.maxRowAttempts }, () => 'ambiguous-not-applied' as const);
    expect(await resumeBulks(other.deps('instance-b'))).toBe(1);
    expect(other.world.bulkReporting.results.at(-1)!.lines[0]).toMatchObject({ outcome: 'failed', problem: sayBulk.GUEST_LINK_NOT_KEPT('g3@fabrikam.example') });
    expect(other.world.credentials.entries.size).toBe(0);
    expect(other.world.bulkReporting.revealCards).toEqual([]);
  });

  it('when the bot dies after the link was sealed but before the row was recorded, then the restart keeps that link and sends no second invitation', async () => {
    const { world, guests, deps } = guestBulkWorld(revealLinks);
    const jobId = await approved(deps, [guest(3)]);
    // The profile PATCH comes after the seal: the process dies there.
    guests.writeFaults = ['crash'];
    await expect(runBulk(deps(), jobId)).rejects.toThrow(Crash);
    expect(world.credentials.entries.size).toBe(1);
    world.clock.advance(deps().policy.leaseMs + 1);
    expect(await resumeBulks(deps('instance-b'))).toBe(1);
    expect(guests.invitations).toHaveLength(1);
    const shown = await revealBulkCredentials(deps(), admin, jobId);
    expect(shown.kind === 'shown' && shown.accounts.map((a) => a.invitationLink?.reveal())).toEqual([guests.links[0]]);
  });
});
