/**
 * Onboarding templates in the domain, against the in-memory store and directory: the rules a
 * template keeps, which one a request gets, what its review shows, applying it after the
 * account exists (groups, a direct licence or one through a group, seats running out), an
 * edit racing a request, the ticket's buttons exactly once, and every step audited.
 * The same paths over real HTTP, Graph and Table Storage are in test/bot/templates.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  applyTemplate, checkTemplateInput, chooseTemplate, createRequestDesk, createTemplateDesk, describeLicence, processOnboardingRequest, resolveTemplate,
  reviewRequest, rememberVerifiedDomains, submitRequest, ticketFor,
  type OnboardingRecord, type Requester, type RoleResolver, type StoredTemplate, type TemplateDeskDependencies, type TemplateInput, type TemplateSnapshot,
} from '../../src/onboarding/index.js';
import { form as baseForm, makeWorld, requester } from './fakes.js';
import { E3, E5, GROUPS, InMemoryTemplateStore, marketingTemplate, templateDirectoryWithSeed } from './template-fakes.js';

const admin: Requester = { id: 'admin-1', name: 'Alex Wilber' };

function templateWorld() {
  const world = makeWorld();
  const templates = new InMemoryTemplateStore();
  const templateDirectory = templateDirectoryWithSeed();
  templateDirectory.alsoKnows = (id) => [...world.directory.accounts.values()].some((a) => a.id === id);
  const roles: RoleResolver = {
    roleOf: async (id) => (id === admin.id ? 'admin' : 'requester'),
    whomToAsk: async () => ({ admins: '“Onboarding Admins”', requesters: '“Hiring Managers”' }),
  };
  const deps: TemplateDeskDependencies = {
    ...world.deps('instance-a', { approval: { mode: 'none', allowSelfApproval: false, expiresAfterMs: 3_600_000 } }),
    templates, templateDirectory, markerAttribute: 15,
    roles,
    rateLimiter: { take: async () => ({ allowed: true as const, remaining: 99 }) },
    rateLimits: { perRequesterPerHour: 100, totalPerHour: 100 },
    notice: { notifyRequester: async () => ({ kind: 'delivered' }) },
    history: { listByRequester: async () => ({ requests: [] }), findByTicketReference: async () => ({ requests: [] }) },
    auditTrail: { query: async () => [], toCsv: () => '' },
    defaultUsageLocation: 'US',
  };
  return { world, templates, templateDirectory, deps, desk: createRequestDesk(deps), manage: createTemplateDesk(deps) };
}

const marketingForm = (overrides: Record<string, unknown> = {}) =>
  baseForm({ givenName: 'Nora', surname: 'Lindqvist', department: 'marketing', usageLocation: undefined, ticketReference: 'INC-5000', ...overrides });

const input = (overrides: Partial<TemplateInput> = {}): TemplateInput => ({
  name: 'Marketing', departments: ['Marketing'], employeeTypes: [], usageLocation: 'SE', jobTitles: ['Marketing Manager'], employeeType: undefined, companyName: 'Contoso Nordic',
  extensionAttributes: { extensionAttribute1: 'MKT' }, groupIds: [GROUPS.marketingTeam, GROUPS.marketing], licence: { kind: 'sku', skuId: E3 }, ...overrides,
});

/** Reviews the form as the requester, then presses Create with what the review gave, and waits for the outcome. */
async function reviewAndCreate(t: ReturnType<typeof templateWorld>, form: Record<string, unknown>, requestId = 'request-1', between?: () => Promise<void>) {
  const review = await reviewRequest({ ...t.deps, verifiedDomains: rememberVerifiedDomains(t.world.directory, t.world.clock) }, requester, form);
  if (review.kind !== 'ready') throw new Error(`review: ${JSON.stringify(review)}`);
  await between?.();
  const snapshot: TemplateSnapshot | null | undefined = review.template.kind === 'chosen' ? review.template.snapshot : review.template.kind === 'off' ? undefined : null;
  const submission = await submitRequest(t.deps, { requestId, requester, form: review.submitForm, template: snapshot });
  const outcome = submission.kind === 'accepted' ? await submission.work : undefined;
  return { review, submission, outcome, record: (await t.world.store.get(requestId))?.record };
}

describe('a template\'s rules (bad inputs get a sentence, nothing is stored)', () => {
  const context = { others: [{ id: 'other', name: 'Sales' }], markerAttribute: 15 };
  it.each([
    ['an empty name', { name: '  ' }, 'name', 'The name is required.'],
    ['a name another template has, in another case', { name: 'SALES' }, 'name', 'Another template is already called Sales; choose another name.'],
    ['an oversized name', { name: 'M'.repeat(65) }, 'name', 'The name is longer than 64 characters.'],
    ['a bidi override in a department', { departments: ['Mark\u202eeting'] }, 'departments', 'A department contains invisible or control characters; please retype it.'],
    ['neither departments nor employee types', { departments: [], employeeTypes: [] }, 'departments', 'Say which departments (or employee types) the template applies to: without either it applies to nobody.'],
    ['a usage location that is no country', { usageLocation: 'XX' }, 'usageLocation', 'The usage location must be a two-letter country code such as US, GB or SE.'],
    ['the marker\'s extension attribute', { extensionAttributes: { extensionAttribute15: 'x' } }, 'extensionAttributes', expect.stringContaining('extensionAttribute15 holds the bot\'s own mark')],
    ['an extension attribute that does not exist', { extensionAttributes: { extensionAttribute16: 'x' } }, 'extensionAttributes', '"extensionAttribute16" is not an extension attribute: use extensionAttribute1 to extensionAttribute15.'],
    ['a group id that is no GUID', { groupIds: ['Marketing Team'] }, 'groups', '"Marketing Team" is not a group id (a GUID); pick the group by its name instead.'],
    ['21 groups', { groupIds: Array.from({ length: 21 }, (_, i) => `a1f0c000-0000-4000-8000-${String(i).padStart(12, '0')}`) }, 'groups', 'Too many groups: a template takes at most 20.'],
  ] as const)('when a template has %s, then the %s field gets a clear sentence', (_what, change, field, message) => {
    const result = checkTemplateInput(input(change as Partial<TemplateInput>), context);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toContainEqual({ field, message });
  });

  it.each([
    ['an unknown group id', { groupIds: ['a1f0c000-0000-4000-8000-00000000dead'] }, 'groups', 'No group with the id a1f0c000-0000-4000-8000-00000000dead exists in the directory (removed, or from another tenant).'],
    ['a dynamic group', { groupIds: [GROUPS.allSales] }, 'groups', expect.stringMatching(/^All Sales has dynamic membership: a rule decides its members/)],
    ['a role-assignable group', { groupIds: [GROUPS.helpdeskAdmins] }, 'groups', expect.stringMatching(/^Helpdesk Admins can be assigned to Entra roles/)],
    ['an unknown subscription', { licence: { kind: 'sku' as const, skuId: '00000000-0000-4000-8000-00000000beef' } }, 'licence', 'The organisation has no subscription with the id 00000000-0000-4000-8000-00000000beef.'],
    ['a licensing group that assigns nothing', { licence: { kind: 'group' as const, groupId: GROUPS.marketingTeam } }, 'licence', expect.stringMatching(/^Marketing Team assigns no licence/)],
  ] as const)('when a template names %s, then the directory check refuses it with a sentence', async (_what, change, field, message) => {
    const t = templateWorld();
    const answer = await t.manage.save(admin, { template: input(change as Partial<TemplateInput>) });
    expect(answer).toMatchObject({ kind: 'problems', problems: expect.arrayContaining([{ field, message }]) });
    expect(await t.templates.list()).toEqual([]);
    expect(t.world.audit.events.filter((e) => e.type.startsWith('template.'))).toEqual([]);
  });

  it('when a template is resolved, then groups keep Entra\'s names and the licence its part number', async () => {
    const t = templateWorld();
    const checked = checkTemplateInput(input({ licence: { kind: 'group', groupId: GROUPS.licenceE3 } }), { others: [], markerAttribute: 15 });
    if (!checked.ok) throw new Error('unexpected problems');
    const resolved = resolveTemplate(checked.checked, { groups: await t.templateDirectory.readGroups([GROUPS.marketingTeam, GROUPS.marketing, GROUPS.licenceE3]) },
      { id: 't1', updatedAt: 'now', updatedBy: admin });
    expect(resolved).toMatchObject({ ok: true, template: { groups: [{ displayName: 'Marketing Team' }, { displayName: 'Marketing' }], licence: { kind: 'group', displayName: 'Licence – Microsoft 365 E3', skuIds: [E3] } } });
  });
});

describe('which template a request gets', () => {
  const stored = (template: ReturnType<typeof marketingTemplate>, version = '1'): StoredTemplate => ({ template, version });
  const marketing = stored(marketingTemplate());
  const emea = stored(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e002', name: 'Marketing EMEA' }));
  const contractors = stored(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e003', name: 'Marketing contractors', employeeTypes: ['Contractor'] }));

  it('when the department matches without case, then that template is chosen; when nobody has the department, then none (said plainly); with no templates, templates are off', () => {
    expect(chooseTemplate([marketing], { department: ' MARKETING ' })).toMatchObject({ kind: 'chosen', stored: marketing });
    expect(chooseTemplate([marketing], { department: 'Finance' })).toEqual({ kind: 'none', declined: false, department: 'Finance' });
    expect(chooseTemplate([], { department: 'Marketing' })).toEqual({ kind: 'off' });
  });

  it('when several apply, then the most specific, then the first by name, is chosen and the others are offered; the requester may choose another that applies, or none', () => {
    expect(chooseTemplate([emea, marketing], { department: 'Marketing' })).toMatchObject({ stored: marketing, others: [emea], byRequester: false });
    expect(chooseTemplate([emea, marketing, contractors], { department: 'Marketing', employeeType: 'contractor' })).toMatchObject({ stored: contractors });
    expect(chooseTemplate([emea, marketing], { department: 'Marketing', template: emea.template.id })).toMatchObject({ stored: emea, byRequester: true });
    expect(chooseTemplate([emea, marketing], { department: 'Marketing', template: 'none' })).toMatchObject({ kind: 'none', declined: true });
    expect(chooseTemplate([emea, marketing], { department: 'Finance', template: emea.template.id })).toEqual({
      kind: 'problem', message: 'The template Marketing EMEA is not for the department Finance.',
    });
  });
});

describe('the review with a template', () => {
  it('when Nora is asked for in Marketing, then the review names the groups and the licence with its free seats, and fills the empty country and company from the template', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate());
    const review = await reviewRequest({ ...t.deps, verifiedDomains: rememberVerifiedDomains(t.world.directory, t.world.clock) }, requester, marketingForm());
    expect(review.kind).toBe('ready');
    if (review.kind !== 'ready' || review.template.kind !== 'chosen') throw new Error('expected a template');
    const { snapshot } = review.template;
    expect(snapshot.groups.map((g) => g.displayName)).toEqual(['Marketing Team', 'Marketing']);
    expect(describeLicence(snapshot.licence!)).toBe('Microsoft 365 E3 — 12 of 250 free');
    expect(review.submitForm).toMatchObject({ usageLocation: 'SE', companyName: 'Contoso Nordic', employeeType: 'Employee', template: snapshot.templateId });
    expect(snapshot.defaultsApplied).toEqual([
      { field: 'usageLocation', value: 'SE', from: 'template' }, { field: 'employeeType', value: 'Employee', from: 'organisation' }, { field: 'companyName', value: 'Contoso Nordic', from: 'template' },
    ]);
    // What the requester typed wins over the template.
    const typed = await reviewRequest({ ...t.deps, verifiedDomains: rememberVerifiedDomains(t.world.directory, t.world.clock) }, requester, marketingForm({ usageLocation: 'no', companyName: 'Fabrikam' }));
    expect(typed).toMatchObject({ kind: 'ready', submitForm: { usageLocation: 'no', companyName: 'Fabrikam' } });
  });

  it('when the department has no template, then the review says so in one sentence and Create adds nothing but the account', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate());
    const { review, record } = await reviewAndCreate(t, marketingForm({ department: 'Finance' }));
    expect(review.template).toEqual({ kind: 'none', note: 'No template applies to the department Finance: no groups or licence will be added, only the account.' });
    expect(record).toMatchObject({ status: 'done', form: { usageLocation: 'US', template: '' } });
    expect(record?.template).toBeUndefined();
    expect(t.templateDirectory.batches).toEqual([]);
  });
});

describe('applying the template after the account exists', () => {
  it('when Create runs, then the account is in the template\'s groups (one batch) and has its licence, the ticket says so, and the audit trail has each step', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate());
    const { outcome, record } = await reviewAndCreate(t, marketingForm());
    expect(outcome?.status).toBe('done');
    const account = t.world.directory.createdByWorkflow()[0]!;
    expect(account.draft).toMatchObject({ usageLocation: 'SE', companyName: 'Contoso Nordic', extensionAttributes: { extensionAttribute1: 'MKT' } });
    expect(t.templateDirectory.membersOf(GROUPS.marketingTeam)).toEqual([account.id]);
    expect(t.templateDirectory.membersOf(GROUPS.marketing)).toEqual([account.id]);
    expect(t.templateDirectory.batches).toEqual([[GROUPS.marketingTeam, GROUPS.marketing]]);
    expect([...(t.templateDirectory.licences.get(account.id) ?? [])]).toEqual([E3]);
    expect(record?.template).toMatchObject({ state: 'applied', outcome: { licence: { result: 'assigned', free: 11, total: 250 } } });
    const ticket = t.world.tickets.posted.at(-1)!.ticket;
    expect(ticket.notes).toEqual(expect.arrayContaining([
      'Template Marketing: added to Marketing Team, Marketing.', 'Licence Microsoft 365 E3 assigned.', 'Defaults used: Country SE, Company Contoso Nordic.',
    ]));
    const types = t.world.audit.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['request.received', 'account.created', 'template.applying', 'template.group_added', 'template.licence_assigned', 'template.applied', 'onboarding.done']));
    expect(types.indexOf('template.applied')).toBeLessThan(types.indexOf('password.delivered'));
    expect(t.world.audit.events.find((e) => e.type === 'request.received')?.details).toMatchObject({ templateName: 'Marketing' });
  });

  it('when no seat is free, then the account is still created, the ticket says which licence is missing and why, and Assign licence finishes it exactly once when seats exist', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate({ licence: { kind: 'sku', skuId: E5, skuPartNumber: 'SPE_E5' } }));
    const { review, outcome, record } = await reviewAndCreate(t, marketingForm());
    expect(review.kind === 'ready' && review.template.kind === 'chosen' ? review.template.notes : []).toContain(
      'Microsoft 365 E5 has no free seats now: the account will be created without it, and IT can assign it later from the ticket.');
    expect(outcome?.status).toBe('done');
    expect(t.templateDirectory.assignCalls).toBe(0);
    expect(t.world.tickets.posted.at(-1)!.ticket.notes).toContain('Licence Microsoft 365 E5 missing: no free seats (0 of 5 free); buy or free a seat, then press Assign licence.');
    expect(t.world.tickets.posted.at(-1)!.ticket.template).toEqual({ canApply: false, canAssignLicence: true });

    // Still no seat: said again, nothing assigned.
    const early = await t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'assign-licence' });
    expect(early).toMatchObject({ kind: 'answered', sentence: 'Microsoft 365 E5 is still missing; the ticket says why.' });

    // A seat is bought; two admins (or one double click) press Assign licence at once.
    t.templateDirectory.addSku({ skuId: E5, skuPartNumber: 'SPE_E5', enabledUnits: 6, consumedUnits: 5 });
    const clicks = await Promise.all([
      t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'assign-licence' }),
      t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'assign-licence' }),
    ]);
    expect(clicks.map((c) => c.kind === 'answered' && c.sentence).sort()).toEqual([
      'Assigned Microsoft 365 E5; the ticket says so.',
      expect.stringMatching(/^(The template is being applied to this account right now|Microsoft 365 E5 is already assigned)/),
    ].sort());
    const account = t.world.directory.createdByWorkflow()[0]!;
    expect([...(t.templateDirectory.licences.get(account.id) ?? [])]).toEqual([E5]);
    expect(t.templateDirectory.skus.get(E5)?.consumedUnits).toBe(6);
    const after = await t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'assign-licence' });
    expect(after).toMatchObject({ sentence: 'Microsoft 365 E5 is already assigned to this account; nothing more was done.' });
    const ticket = t.world.tickets.posted.at(-1)!;
    expect(ticket.messageId).toBe(t.world.tickets.posted[0]!.messageId);
    expect(ticket.ticket.notes).toContain('Licence Microsoft 365 E5 assigned.');
    expect(ticket.ticket.template).toEqual({ canApply: false, canAssignLicence: false });
    expect(t.world.audit.events.filter((e) => e.type === 'template.licence_assigned')).toHaveLength(1);
    expect(t.world.audit.events.filter((e) => e.type === 'template.licence_requested').map((e) => e.details.byName)).toEqual(['Alex Wilber', 'Alex Wilber']);
  });

  it('when a group turned dynamic or was removed after the template was saved, then each is a line in the ticket and the onboarding still ends done', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate({
      groups: [{ id: GROUPS.allSales, displayName: 'All Sales' }, { id: 'a1f0c000-0000-4000-8000-00000000dead', displayName: 'Old Team' }, { id: GROUPS.marketing, displayName: 'Marketing' }],
    }));
    const { outcome } = await reviewAndCreate(t, marketingForm());
    expect(outcome?.status).toBe('done');
    const notes = t.world.tickets.posted.at(-1)!.ticket.notes;
    expect(notes).toEqual(expect.arrayContaining([
      'Template Marketing: added to Marketing.',
      'Not added to All Sales: its members are decided by a rule (dynamic membership); change the rule or the person\'s attributes.',
      'Not added to Old Team: the group no longer exists.',
    ]));
    expect(t.world.audit.events.filter((e) => e.type === 'template.group_not_added').map((e) => e.details.result)).toEqual(['dynamic', 'removed']);
  });

  it('when the bot lacks GroupMember.ReadWrite.All, then the ticket names the permission, the account is created, and Apply template finishes the groups once it is granted', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate({ licence: undefined }));
    t.templateDirectory.permissionMissing.add('groups');
    const { outcome, record } = await reviewAndCreate(t, marketingForm());
    expect(outcome?.status).toBe('done');
    expect(t.world.tickets.posted.at(-1)!.ticket.notes).toContain('Not added to Marketing Team: the bot may not change its members (Microsoft Graph permission GroupMember.ReadWrite.All missing).');
    expect(t.world.tickets.posted.at(-1)!.ticket.template).toEqual({ canApply: true, canAssignLicence: false });
    t.templateDirectory.permissionMissing.clear();
    const answer = await t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'apply-template' });
    expect(answer).toMatchObject({ kind: 'answered', sentence: 'Applied the template Marketing; the ticket says what it added.', ticket: { template: { canApply: false } } });
    expect(t.templateDirectory.membersOf(GROUPS.marketingTeam)).toHaveLength(1);
    expect(await t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'apply-template' })).toMatchObject({
      sentence: 'The template Marketing is already applied to this account; nothing more was done.',
    });
  });

  it('when a new account is not on every replica yet and Graph throttles, then the adds are tried again, and a member already there counts as added', async () => {
    const t = templateWorld();
    const snapshot = (await takeSnapshotOf(t)).snapshot;
    const userId = 'u-new';
    t.templateDirectory.knowsUser(userId);
    await t.templateDirectory.addToGroups(userId, [GROUPS.marketing]);
    t.templateDirectory.userLagReads = 1;
    t.templateDirectory.addFaults = ['throttled'];
    const outcome = await applyTemplate(t.deps, userId, snapshot);
    expect(outcome.groups.map((g) => [g.displayName, g.result])).toEqual([['Marketing Team', 'added'], ['Marketing', 'already-member']]);
    expect(t.world.clock.slept).toBeGreaterThanOrEqual(2000);
  });

  it('when the template names a licensing group, then the account is added to it and the licence comes through group-based licensing, not assignLicense', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate({ licence: { kind: 'group', groupId: GROUPS.licenceE3, displayName: 'Licence – Microsoft 365 E3', skuIds: [E3] } }));
    const { review, record } = await reviewAndCreate(t, marketingForm());
    expect(review.kind === 'ready' && review.template.kind === 'chosen' && describeLicence(review.template.snapshot.licence!))
      .toBe('Microsoft 365 E3 — 12 of 250 free, through the group Licence – Microsoft 365 E3');
    const account = t.world.directory.createdByWorkflow()[0]!;
    expect(t.templateDirectory.membersOf(GROUPS.licenceE3)).toEqual([account.id]);
    expect(t.templateDirectory.assignCalls).toBe(0);
    expect(record?.template?.outcome?.licence).toMatchObject({ kind: 'group', result: 'active', groupName: 'Licence – Microsoft 365 E3' });
    expect(t.world.tickets.posted.at(-1)!.ticket.notes).toContain('Licence Microsoft 365 E3 assigned through the group Licence – Microsoft 365 E3.');
  });

  it('when a run dies while applying the template, then the resume applies it again without adding anything twice', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate());
    t.templateDirectory.crashAfterAssign = true;
    await expect(reviewAndCreate(t, marketingForm())).rejects.toThrow('crash after assignLicense');
    const crashed = (await t.world.store.get('request-1'))!.record;
    expect(crashed).toMatchObject({ status: 'created', template: { state: 'applying' } });
    // The crashed run's lease runs out; the resume pass takes the request on.
    t.world.clock.advance(t.deps.policy.leaseMs + 1);
    const resumed = await processOnboardingRequest(t.deps, 'request-1');
    expect(resumed.status).toBe('done');
    const again = (await t.world.store.get('request-1'))!.record;
    expect(again.template?.outcome).toMatchObject({ groups: [{ result: 'already-member' }, { result: 'already-member' }], licence: { result: 'already' } });
    expect(t.templateDirectory.skus.get(E3)?.consumedUnits).toBe(239);
    expect(t.templateDirectory.assignCalls).toBe(1);
  });
});

async function takeSnapshotOf(t: ReturnType<typeof templateWorld>) {
  const stored = t.templates.seed(marketingTemplate({ licence: undefined }));
  const review = await reviewRequest({ ...t.deps, verifiedDomains: rememberVerifiedDomains(t.world.directory, t.world.clock) }, requester, marketingForm());
  if (review.kind !== 'ready' || review.template.kind !== 'chosen') throw new Error('expected a template');
  return { stored, snapshot: review.template.snapshot };
}

describe('an edit racing a request', () => {
  it.each([
    ['edited', (t: ReturnType<typeof templateWorld>, s: StoredTemplate) => t.templates.update({ ...s.template, groups: [s.template.groups[0]!] }, s).then(() => undefined),
      'Nothing was created: the template Marketing changed after your review, so here is the review again with it as it is now. Check it and press Create account.'],
    ['removed', (t: ReturnType<typeof templateWorld>, s: StoredTemplate) => t.templates.remove(s).then(() => undefined),
      'Nothing was created: the template Marketing was removed after your review, so here is the review again without it. Check it and press Create account.'],
  ])('when the template is %s between the review and Create, then Create says so in one sentence and no account is created', async (_what, change, sentence) => {
    const t = templateWorld();
    const stored = t.templates.seed(marketingTemplate());
    const { submission, record } = await reviewAndCreate(t, marketingForm(), 'request-1', () => change(t, stored));
    expect(submission).toEqual({ kind: 'review-again', sentence });
    expect(record).toBeUndefined();
    expect(t.world.directory.createdByWorkflow()).toEqual([]);
  });

  it('when a template starts to apply to the department between the review and Create, then the review is shown again too', async () => {
    const t = templateWorld();
    t.templates.seed(marketingTemplate());
    const { submission } = await reviewAndCreate(t, marketingForm({ department: 'Finance' }), 'request-1', async () => {
      t.templates.seed(marketingTemplate({ id: '7e3a0000-0000-4000-8000-00000000e009', name: 'Finance', departments: ['Finance'] }));
    });
    // The review said no template applies to Finance: the one that applies now was never shown.
    expect(submission).toMatchObject({ kind: 'review-again', sentence: expect.stringMatching(/^Nothing was created: the template Finance now applies/) });
  });

  it('when there was no template at all at the review, then Create reads no template and adds nothing (the first template made meanwhile applies from the next review)', async () => {
    const t = templateWorld();
    const { submission, record } = await reviewAndCreate(t, marketingForm(), 'request-1', async () => {
      t.templates.seed(marketingTemplate());
    });
    expect(submission.kind).toBe('accepted');
    expect(record).toMatchObject({ status: 'done' });
    expect(record?.template).toBeUndefined();
    expect(t.templateDirectory.batches).toEqual([]);
  });

  it('when the template is edited after the account was created, then a second Create click goes on with the request as it was', async () => {
    const t = templateWorld();
    const stored = t.templates.seed(marketingTemplate());
    const review = await reviewRequest({ ...t.deps, verifiedDomains: rememberVerifiedDomains(t.world.directory, t.world.clock) }, requester, marketingForm());
    if (review.kind !== 'ready' || review.template.kind !== 'chosen') throw new Error('expected a template');
    const first = await submitRequest(t.deps, { requestId: 'r-1', requester, form: review.submitForm, template: review.template.snapshot });
    if (first.kind === 'accepted') await first.work;
    await t.templates.update({ ...stored.template, companyName: 'x' } as never, stored);
    const second = await submitRequest(t.deps, { requestId: 'r-1', requester, form: review.submitForm, template: review.template.snapshot });
    expect(second.kind).toBe('accepted');
    expect(t.world.directory.createdByWorkflow()).toHaveLength(1);
  });
});

describe('managing templates', () => {
  it('when two admins edit the same template, then the second is told who changed it and gets it as it is now; nothing is overwritten', async () => {
    const t = templateWorld();
    const created = await t.manage.save(admin, { template: input() });
    if (created.kind !== 'saved') throw new Error(JSON.stringify(created));
    const megan = { id: 'admin-1', name: 'Megan Bowen' };
    const first = await t.manage.save(megan, { templateId: created.stored.template.id, version: created.stored.version, template: input({ companyName: 'Contoso AB' }) });
    expect(first).toMatchObject({ kind: 'saved', created: false });
    const second = await t.manage.save(admin, { templateId: created.stored.template.id, version: created.stored.version, template: input({ companyName: 'Contoso Oy' }) });
    expect(second).toMatchObject({
      kind: 'changed-meanwhile', sentence: 'Megan Bowen changed the template Marketing after you opened it, so your change was not saved. Here it is as it is now: make your change again.',
      current: { template: { defaults: { companyName: 'Contoso AB' } } },
    });
    expect((await t.templates.list())[0]?.template.defaults.companyName).toBe('Contoso AB');
    const events = t.world.audit.events.filter((e) => e.type.startsWith('template.'));
    expect(events.map((e) => [e.type, e.details.requesterName, e.details.changes])).toEqual([
      ['template.created', 'Alex Wilber', expect.stringContaining('groups: none → Marketing Team, Marketing; licence: none → Microsoft 365 E3')],
      ['template.updated', 'Megan Bowen', 'company: Contoso Nordic → Contoso AB'],
    ]);
  });

  it('when someone who is not an admin tries, then they are refused with a sentence, the refusal is recorded, and nothing changes', async () => {
    const t = templateWorld();
    expect(await t.manage.save(requester, { template: input() })).toEqual({ kind: 'refused', sentence: 'Only IT admins can manage onboarding templates. Ask a member of “Onboarding Admins”.' });
    expect(await t.templates.list()).toEqual([]);
    expect(t.world.audit.events).toEqual([expect.objectContaining({ type: 'access.refused', details: expect.objectContaining({ reason: 'ADMINS_ONLY', action: 'create a template' }) })]);
    expect(await t.desk.ticketTemplateAction({ actor: requester, requestId: 'x', action: 'assign-licence' })).toMatchObject({ kind: 'refused', sentence: expect.stringMatching(/^Only IT admins can apply templates/) });
  });

  it('when templates are exported and imported back, then nothing changes; an edited file updates only what it changes, all in one go', async () => {
    const t = templateWorld();
    await t.manage.save(admin, { template: input() });
    await t.manage.save(admin, { template: input({ name: 'Sales', departments: ['Sales'], groupIds: [], licence: null }) });
    const exported = await t.manage.exportTemplates(admin);
    if (exported.kind !== 'json') throw new Error('expected json');
    expect(JSON.parse(exported.json)).toMatchObject({ templates: [{ name: 'Marketing', licence: { skuId: E3, skuPartNumber: 'SPE_E3', product: 'Microsoft 365 E3' } }, { name: 'Sales', licence: null }] });
    expect(await t.manage.importTemplates(admin, exported.json)).toEqual({ kind: 'imported', sentence: 'Imported: unchanged Marketing, Sales.' });
    const edited = exported.json.replace('"Contoso Nordic"', '"Contoso Sverige"');
    expect(await t.manage.importTemplates(admin, edited)).toEqual({ kind: 'imported', sentence: 'Imported: updated Marketing; unchanged Sales.' });
    expect((await t.templates.list()).find((s) => s.template.name === 'Marketing')?.template.defaults.companyName).toBe('Contoso Sverige');
  });

  it('when an imported file has problems, then every one is listed by template and field and nothing at all is imported', async () => {
    const t = templateWorld();
    const file = JSON.stringify({
      templates: [
        { name: 'Support', appliesTo: { departments: ['Support'] }, groups: [{ id: GROUPS.marketingTeam }] },
        { name: 'Marketing', appliesTo: { departments: ['Marketing'] }, groups: [{ id: 'a1f0c000-0000-4000-8000-00000000dead' }], licence: { skuId: '00000000-0000-4000-8000-00000000beef' } },
        { name: 'x'.repeat(70), appliesTo: { departments: [] }, colour: 'red' },
        { name: 'Ops', appliesTo: { departments: ['Ops'] }, defaults: { usageLocation: 'ZZ', extensionAttributes: { extensionAttribute15: 'x' } } },
      ],
    });
    const answer = await t.manage.importTemplates(admin, file);
    expect(answer).toEqual({
      kind: 'problems', sentence: 'Nothing was imported: 5 problems, by template and field:',
      problems: [
        'Template 3 (xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx), the template: "colour" is not a field of a template.',
        'Template 4 (Ops), usageLocation: The usage location must be a two-letter country code such as US, GB or SE.',
        expect.stringMatching(/^Template 4 \(Ops\), extensionAttributes: extensionAttribute15 holds the bot's own mark/),
        'Template 2 (Marketing), groups: No group with the id a1f0c000-0000-4000-8000-00000000dead exists in the directory (removed, or from another tenant).',
        'Template 2 (Marketing), licence: The organisation has no subscription with the id 00000000-0000-4000-8000-00000000beef.',
      ],
    });
    expect(await t.templates.list()).toEqual([]);
    for (const [text, sentence] of [['', /^Paste the JSON/], ['{ templates: [', /^That is not JSON/], ['{"templates": {}}', /^Nothing was imported: one problem/]] as const) {
      const bad = await t.manage.importTemplates(admin, text);
      expect(bad.kind === 'problems' && bad.sentence).toMatch(sentence);
    }
    expect(t.world.audit.events.filter((e) => e.type.startsWith('template.'))).toEqual([]);
  });
});

describe('the ticket of a request with a template', () => {
  it('when the template is still being applied, then the ticket offers no template button', () => {
    const snapshot = { templateId: 't', name: 'Marketing', version: '1', groups: [], extensionAttributes: {}, defaultsApplied: [], jobTitleSuggestions: [] };
    const record = { template: { snapshot, state: 'applying', runs: 1 }, objectId: 'o', status: 'done' } as unknown as OnboardingRecord;
    expect(ticketFor({ ...record, request: { userPrincipalName: 'a@b', displayName: 'A', ticketReference: 'T' }, requester, warnings: [], form: {} } as unknown as OnboardingRecord, 'done', new Date(), true).template)
      .toEqual({ canApply: false, canAssignLicence: false });
  });

  it('when an account has no template and one applies to its department, then Apply template adds its groups and licence, once', async () => {
    const t = templateWorld();
    const { record } = await reviewAndCreate(t, marketingForm());
    expect(record?.template).toBeUndefined();
    t.templates.seed(marketingTemplate());
    const answers = await Promise.all([1, 2, 3].map(() => t.desk.ticketTemplateAction({ actor: admin, requestId: record!.requestId, action: 'apply-template' })));
    expect(answers.filter((a) => a.kind === 'answered' && a.sentence.startsWith('Applied the template Marketing'))).toHaveLength(1);
    const account = t.world.directory.createdByWorkflow()[0]!;
    expect(t.templateDirectory.membersOf(GROUPS.marketing)).toEqual([account.id]);
    expect(t.templateDirectory.skus.get(E3)?.consumedUnits).toBe(239);
    expect(t.world.audit.events.filter((e) => e.type === 'template.applied')).toHaveLength(1);
  });
});
