/**
 * Onboarding templates over the real path: Teams-shaped activities into the bot server, the real
 * Graph client against the local tenant (groups, subscribedSkus, assignLicense as Graph answers
 * them), Azurite for templates, requests and the audit trail, and the recording Bot Connector
 * for what each person and the ticket channel see. An admin makes the Marketing template in
 * Teams; a manager asks for Nora in Marketing; the review names what the template adds; Create
 * adds exactly that; the ticket says so; seats running out, an edit racing a request, the
 * ticket's Assign licence, export and import.
 *  - adding members: https://learn.microsoft.com/graph/api/group-post-members
 *  - seats: https://learn.microsoft.com/graph/api/subscribedsku-list
 *  - licences: https://learn.microsoft.com/graph/api/user-assignlicense
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createTableAuditLog } from '../../src/storage/index.js';
import { createGraphTemplateDirectory } from '../../src/directory/index.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const SEED = { marketingTeam: '6a1d3f0e-0000-4000-8000-0000000000c1', marketing: '6a1d3f0e-0000-4000-8000-0000000000c2' };
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

describe('onboarding templates in Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'none' }, { tenant, overrides: { cardAnswerWithinMs: 20_000 } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  /** `person` writes `text` in their 1:1 chat; the replies (cards or sentences). */
  async function say(person: Person, text: string) {
    const message = personalMessage(bot.connector.serviceUrl, person, text);
    expect((await bot.send(message)).status).toBe(200);
    return bot.connector.repliesTo(message.id);
  }
  async function click(person: Person, verb: string, data: Record<string, unknown>, replyToId = 'card-1') {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, replyToId));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }
  const listCard = async (): Promise<Card> => cardOf((await say(PEOPLE.alex, 'templates'))[0]);
  /** The data of an action anywhere in a card (the list's Edit and Remove are in each template's ActionSet). */
  const nestedAction = (card: Card, verb: string): Record<string, unknown> => {
    const found: Array<Record<string, unknown>> = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === 'object') {
        const n = node as Record<string, unknown>;
        if (n.verb === verb) found.push((n.data ?? {}) as Record<string, unknown>);
        Object.values(n).forEach(walk);
      }
    };
    walk(card);
    if (!found[0]) throw new Error(`card has no ${verb} action`);
    return found[0];
  };

  /** Alex makes or edits a template through the editor card: Find groups, tick them, choose the licence, Save. */
  async function saveTemplate(fields: Record<string, unknown>, groupIds: readonly string[], licence: string, start?: { templateId: string; version: string }) {
    const editor = start ? await click(PEOPLE.alex, 'templates.edit', { templateId: start.templateId }) : await click(PEOPLE.alex, 'templates.new', {});
    const { templateId, version } = actionData(editor.card!, 'templates.save');
    const found = await click(PEOPLE.alex, 'templates.findGroups', { templateId, version, groupSearch: 'Marketing' });
    expect(textOf(found.card!)).toMatch(/Marketing Team \(security group\)[\s\S]*Marketing \(Microsoft 365 group\)/);
    const toggles = Object.fromEntries(groupIds.map((id) => [`group.${id}`, 'true']));
    return click(PEOPLE.alex, 'templates.save', { templateId, version, ...fields, ...toggles, licence });
  }

  /** Megan asks for an account in her 1:1 chat: the form, Check and review, (something in between), Create. */
  async function request(fields: Record<string, unknown>, between?: () => Promise<void>) {
    const [form] = await say(PEOPLE.megan, 'new user');
    const { draftId } = actionData(cardOf(form), 'onboarding.review');
    const data = { draftId, domain: 'contoso.com', businessJustification: 'Joins the Marketing team on Monday.', ...fields };
    const review = await click(PEOPLE.megan, 'onboarding.review', data, form!.activityId);
    await between?.();
    const created = await click(PEOPLE.megan, 'onboarding.create', { draftId }, form!.activityId);
    const createAgain = () => click(PEOPLE.megan, 'onboarding.create', { draftId }, form!.activityId);
    return { review: review.card ? textOf(review.card) : review.message ?? '', created, createAgain };
  }

  const ticketsFor = (name: string) => bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes(name));
  const latestTicket = (name: string): Card => cardsIn(ticketsFor(name).at(-1)!.activity)[0]!;
  const userByUpn = (upn: string) => tenant.directory().users.find((u) => u.userPrincipalName === upn)!;
  const membersOf = (groupId: string) => tenant.directory().groups.find((g) => g.id === groupId)?.members ?? [];
  const seatsOf = (skuId: string) => {
    const sku = tenant.directory().subscribedSkus.find((s) => s.skuId === skuId)!;
    return sku.prepaidUnits.enabled;
  };

  it('when "templates" is typed in a channel, or by someone who is not an admin, then it is refused with a sentence and nothing is shown', async () => {
    const inChannel = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'templates', TICKET_CHANNEL);
    await bot.send(inChannel);
    expect(bot.connector.repliesTo(inChannel.id)[0]?.activity.text).toBe(
      'Templates name groups, licences and who changed them, so I show them only in your 1:1 chat with me: open a chat with Onboarding and type "templates" there.');
    expect((await say(PEOPLE.megan, 'templates'))[0]?.activity.text).toMatch(/^Only IT admins can manage onboarding templates\. Ask a member of “Onboarding Admins”\.$/);
    expect(textOf(await listCard())).toContain('No onboarding templates yet.');
  });

  it('when an admin makes the Marketing template in Teams, then a manager\'s review for Nora in Marketing names its groups and licence with free seats, and Create adds exactly that', async () => {
    const saved = await saveTemplate({ name: 'Marketing', departments: 'Marketing', usageLocation: 'SE', companyName: 'Contoso Nordic', jobTitles: 'Marketing Manager, Content Writer' },
      [SEED.marketingTeam, SEED.marketing], `sku:${E3}`);
    expect(textOf(saved.card!)).toMatch(/Created the template Marketing\.[\s\S]*Marketing Team, Marketing[\s\S]*Microsoft 365 E3/);

    const { review, created } = await request({ givenName: 'Nora', surname: 'Lindqvist', department: 'marketing', ticketReference: 'INC-5000' });
    expect(review).toMatch(/What the template Marketing adds\nGroups\nMarketing Team, Marketing\nLicence\nMicrosoft 365 E3 — \d+ of 250 free/);
    expect(review).toMatch(/Country SE \(from the template\), Employee type Employee \(default\), Company Contoso Nordic \(from the template\)/);
    expect(textOf(created.card!)).toContain('Account created for Nora Lindqvist');

    // Read through Graph's state: the account is in both groups and holds the licence; it was created with the template's defaults.
    const nora = userByUpn('nora.lindqvist@contoso.com');
    expect(nora).toMatchObject({ usageLocation: 'SE', companyName: 'Contoso Nordic', employeeType: 'Employee' });
    expect(membersOf(SEED.marketingTeam)).toContain(nora.id);
    expect(membersOf(SEED.marketing)).toContain(nora.id);
    expect(nora.licenseAssignments.map((l) => l.skuId)).toEqual([E3]);
    const ticket = textOf(latestTicket('Nora Lindqvist'));
    expect(ticket).toContain('Template Marketing: added to Marketing Team, Marketing.');
    expect(ticket).toContain('Licence Microsoft 365 E3 assigned.');

    const trail = createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: bot.config.storage.auditTable });
    const types = (await trail.query({ userPrincipalName: 'nora.lindqvist@contoso.com' })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['template.applying', 'template.group_added', 'template.licence_assigned', 'template.applied']));
    const changes = await trail.query({ type: 'template.created' });
    expect(changes[0]?.details).toMatchObject({ requesterName: 'Alex Wilber', templateName: 'Marketing', changes: expect.stringContaining('groups: none → Marketing Team, Marketing') });
  });

  it('when the template is edited between a review and Create, then Create creates nothing and shows the review again with the template as it is now; the next Create uses the edit', async () => {
    const [listed] = [await listCard()];
    const { templateId } = nestedAction(listed, 'templates.edit');
    const { review, created, createAgain } = await request({ givenName: 'Ola', surname: 'Race', department: 'Marketing', ticketReference: 'INC-5001' }, async () => {
      const current = await click(PEOPLE.alex, 'templates.edit', { templateId });
      const { version } = actionData(current.card!, 'templates.save');
      const edited = await saveTemplate({ name: 'Marketing', departments: 'Marketing', usageLocation: 'SE', companyName: 'Contoso Nordic' }, [SEED.marketingTeam], `sku:${E3}`,
        { templateId: String(templateId), version: String(version) });
      expect(textOf(edited.card!)).toContain('Saved the template Marketing.');
    });
    expect(review).toContain('Marketing Team, Marketing');
    expect(textOf(created.card!)).toMatch(/^Check the new account\nNothing was created: the template Marketing changed after your review/);
    expect(textOf(created.card!)).toMatch(/Groups\nMarketing Team\nLicence/);
    expect(tenant.directory().users.some((u) => u.userPrincipalName === 'ola.race@contoso.com')).toBe(false);
    // Create on the review shown again: the account, with the template as edited (one group now).
    expect(textOf((await createAgain()).card!)).toContain('Account created for Ola Race');
    const ola = userByUpn('ola.race@contoso.com');
    expect(membersOf(SEED.marketingTeam)).toContain(ola.id);
    expect(membersOf(SEED.marketing)).not.toContain(ola.id);
  });

  it('when no seat of the licence is free, then the account is still created, the ticket says which licence is missing and why, and Assign licence finishes it once seats exist — only for admins, and once', async () => {
    const { templateId } = nestedAction(await listCard(), 'templates.edit');
    const current = await click(PEOPLE.alex, 'templates.edit', { templateId });
    const { version } = actionData(current.card!, 'templates.save');
    await saveTemplate({ name: 'Marketing', departments: 'Marketing', usageLocation: 'SE' }, [SEED.marketingTeam], `sku:${E5}`, { templateId: String(templateId), version: String(version) });
    const { review, created } = await request({ givenName: 'Sam', surname: 'Seatless', department: 'Marketing', ticketReference: 'INC-5002' });
    expect(review).toMatch(/Microsoft 365 E5 — 0 of 25 free[\s\S]*Microsoft 365 E5 has no free seats now: the account will be created without it/);
    expect(textOf(created.card!)).toContain('Account created for Sam Seatless');
    const ticket = latestTicket('Sam Seatless');
    expect(textOf(ticket)).toContain('Licence Microsoft 365 E5 missing: no free seats (0 of 25 free); buy or free a seat, then press Assign licence.');
    const assign = actionData(ticket, 'template.assignLicence');

    // Megan is no admin: refused, nothing assigned.
    expect((await click(PEOPLE.megan, 'template.assignLicence', assign)).message).toMatch(/^Only IT admins can apply templates or assign licences/);
    // Seats are bought; Alex presses twice at once.
    tenant.setSubscribedSku('SPE_E5', { prepaidUnits: { enabled: seatsOf(E5) + 1 } });
    const [first, second] = await Promise.all([click(PEOPLE.alex, 'template.assignLicence', assign), click(PEOPLE.alex, 'template.assignLicence', assign)]);
    const answers = [first, second].map((a) => (a.card ? textOf(a.card).split('\n')[0] : a.message));
    expect(answers.filter((a) => a === 'Assigned Microsoft 365 E5; the ticket says so.')).toHaveLength(1);
    const sam = userByUpn('sam.seatless@contoso.com');
    expect(sam.licenseAssignments.map((l) => l.skuId)).toEqual([E5]);
    await expect.poll(() => textOf(latestTicket('Sam Seatless'))).toContain('Licence Microsoft 365 E5 assigned.');
    expect(latestTicket('Sam Seatless').actions?.some((a) => a.verb === 'template.assignLicence')).toBe(false);
  });

  it('when templates are exported, then the answer is the JSON; importing it edited updates the template, and a file with problems lists each and changes nothing', async () => {
    const [exported] = await say(PEOPLE.alex, 'templates export');
    const json = /```json\n([\s\S]*)\n```/.exec(String(exported?.activity.text))?.[1] ?? '';
    const file = JSON.parse(json) as { templates: Array<{ name: string; groups: Array<{ id: string; displayName: string }>; licence: unknown }> };
    expect(file.templates[0]).toMatchObject({ name: 'Marketing', groups: [{ id: SEED.marketingTeam, displayName: 'Marketing Team' }], licence: { skuId: E5, product: 'Microsoft 365 E5' } });
    const edited = JSON.stringify({ templates: [{ ...file.templates[0], licence: { skuId: E3 } }] });
    expect((await say(PEOPLE.alex, `templates import ${edited}`))[0]?.activity.text).toBe('Imported: updated Marketing.');
    const bad = JSON.stringify({ templates: [{ ...file.templates[0], groups: [{ id: '6a1d3f0e-0000-4000-8000-00000000dead' }], licence: null, colour: 'red' }] });
    expect((await say(PEOPLE.alex, `templates import ${bad}`))[0]?.activity.text).toBe(
      'Nothing was imported: one problem, by template and field:\n- Template 1 (Marketing), the template: "colour" is not a field of a template.');
    expect(JSON.stringify(cardOf((await say(PEOPLE.alex, 'templates'))[0]))).toContain('Microsoft 365 E3');
  });

  it('when the template names a licensing group, then the account is added to it and Entra\'s group-based licensing gives the licence (read through Graph); assignLicense is never called', async () => {
    const LICENCE_GROUP = '6a1d3f0e-0000-4000-8000-0000000000c5';
    const { templateId } = nestedAction(await listCard(), 'templates.edit');
    const current = await click(PEOPLE.alex, 'templates.edit', { templateId });
    const { version } = actionData(current.card!, 'templates.save');
    const saved = await saveTemplate({ name: 'Marketing', departments: 'Marketing', usageLocation: 'SE' }, [SEED.marketingTeam], `group:${LICENCE_GROUP}`,
      { templateId: String(templateId), version: String(version) });
    expect(textOf(saved.card!)).toContain('Saved the template Marketing.');
    const logFrom = tenant.requestLog().length;
    const { review, created } = await request({ givenName: 'Greta', surname: 'Grouplicence', department: 'Marketing', ticketReference: 'INC-5003' });
    expect(review).toMatch(/Licence\nMicrosoft 365 E3 — \d+ of 250 free, through the group Licence – Microsoft 365 E3/);
    expect(textOf(created.card!)).toContain('Account created for Greta Grouplicence');
    const greta = userByUpn('greta.grouplicence@contoso.com');
    expect(membersOf(LICENCE_GROUP)).toContain(greta.id);
    expect(tenant.requestLog().slice(logFrom).some((e) => e.path.endsWith('/assignLicense'))).toBe(false);
    expect(textOf(latestTicket('Greta Grouplicence'))).toMatch(/Licence Microsoft 365 E3 (requested|assigned) through the group Licence – Microsoft 365 E3/);
    // Entra applies group licences in the background; read through Graph as an admin would.
    const directory = createGraphTemplateDirectory({
      baseUrl: tenant.graphBaseUrl, tenantId: tenant.tenantId, authorityHost: tenant.authorityHost, disableInstanceDiscovery: true,
      credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret },
    });
    await expect.poll(async () => (await directory.readLicences(greta.id))?.states, { timeout: 20_000, interval: 500 })
      .toEqual([{ skuId: E3, assignedByGroup: LICENCE_GROUP, state: 'Active', error: 'None' }]);
  });
});

describe('the local default (npm start)', () => {
  it('when the bot starts with env/.env.local\'s seed file and no template, then the Marketing template is there; started again, it is not imported twice', async () => {
    const tenant = await startLocalTenant({ port: 0, stateDir: null });
    const table = `Templates${Date.now().toString(36)}`;
    const start = () => startBotUnderTest({ APPROVAL_POLICY: 'none', TEMPLATES_TABLE: table, TEMPLATES_SEED_FILE: 'env/templates.local.json' }, { tenant });
    try {
      const first = await start();
      await first.close();
      const bot = await start();
      try {
        const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, 'templates');
        await bot.send(message);
        const card = cardOf(bot.connector.repliesTo(message.id)[0]);
        const text = textOf(card);
        expect(JSON.stringify(card).match(/"verb":"templates\.edit"/g)).toHaveLength(1);
        expect(text).toMatch(/Departments\nMarketing\nGroups\nMarketing Team, Marketing\nLicence\nMicrosoft 365 E3/);
        expect(bot.logLines.join('\n')).not.toContain('not seeded');
      } finally {
        await bot.close();
      }
    } finally {
      await tenant.close();
    }
  });
});

