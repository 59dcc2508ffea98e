/**
 * Who receives the secret, over the real HTTP path (bot + local tenant + recording Bot
 * Connector that answers like Teams: a 1:1 chat with someone who has not got the app is
 * refused with 403). The manager named on the form gets the reveal card in their own chat —
 * the bot installs its app for them through Graph first where configuration allows — and
 * only they can reveal it. When they cannot be reached, the requester is told in one
 * sentence, the ticket says so, and the secret stays sealed for a reissue.
 */
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createTeamsAppInstaller } from '../../src/directory/index.js';
import { createTableCredentialStore } from '../../src/storage/table-credential-store.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';
import { clickReveal, requestAccount, revealCards } from '../support/credentials.js';
import { appInstalledAtIn } from '../support/local-tenant.js';
import type { RecordingConnectorOptions } from '../support/recording-connector.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
const CATALOG_APP_ID = '7d1c0a5e-0000-4000-8000-0000000a0c01';
const ADELE: Person = { id: '29:adele', name: 'Adele Vance', aadObjectId: '00000000-0000-4000-8000-000000000022' };
const LYNNE: Person = { id: '29:lynne', name: 'Lynne Robbins', aadObjectId: '00000000-0000-4000-8000-000000000025' };
const PATTI: Person = { id: '29:patti', name: 'Patti Fernandez', aadObjectId: '00000000-0000-4000-8000-000000000024' };

const hasApp = (tenant: LocalTenant, userId: string) => (tenant.directory().teamsAppInstallations ?? []).some((i) => i.userId === userId);

async function startBot(tenant: LocalTenant, environment: Record<string, string>, connector: RecordingConnectorOptions = {}): Promise<BotUnderTest> {
  const bot = await startBotUnderTest(
    {
      APPROVAL_POLICY: 'none', SECRET_RECIPIENT_DEFAULT: 'requester', SECRET_RECIPIENT_CHOICES: 'requester,manager,coordinator',
      IT_COORDINATOR: 'patti.fernandez@contoso.com', TEAMS_APP_CATALOG_ID: CATALOG_APP_ID, ...environment,
    },
    {
      tenant, overrides: { createAnswerWithinMs: 20_000 },
      connector: { appInstalledFor: (id) => hasApp(tenant, id), members: (id) => [ADELE, LYNNE, PATTI, PEOPLE.isaiah].find((p) => p.aadObjectId === id), ...connector },
    },
  );
  await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  return bot;
}

const ticketsFor = (bot: BotUnderTest, displayName: string) =>
  bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes(displayName)).map((r) => textOf(cardsIn(r.activity)[0]!));

/** "new user", Check and review with these fields; the review card (or the form again). */
async function review(bot: BotUnderTest, person: Person, fields: Record<string, string>): Promise<{ card: Card; draftId: unknown; form: Card }> {
  const message = personalMessage(bot.connector.serviceUrl, person, 'new user');
  await bot.send(message);
  const form = bot.connector.repliesTo(message.id)[0];
  const { draftId } = actionData(cardOf(form), 'onboarding.review');
  const answer = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, person, 'onboarding.review', {
    draftId, domain: 'contoso.com', usageLocation: 'US', businessJustification: 'New starter.', ...fields,
  }, form!.activityId))).body);
  return { card: answer.card!, draftId, form: cardOf(form) };
}

describe('who receives the secret: the manager, with the app installed for them', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBot(tenant, { INSTALL_APP_FOR_RECIPIENT: 'true' });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when the form offers recipients, then it shows the choice with the configured default, and the review card names the person who will get the password', async () => {
    const { card, form } = await review(bot, PEOPLE.megan, {
      givenName: 'Ruth', surname: 'Okafor', ticketReference: 'INC-R-0', manager: 'adele.vance@contoso.com', secretRecipient: 'manager',
    });
    const choice = JSON.stringify(form);
    expect(choice).toContain('"id":"secretRecipient"');
    expect(choice).toContain('"value":"requester"');
    expect(textOf(card)).toMatch(/Password to\nAdele Vance \(the manager\)/);
  });

  it('when the manager receives the secret, then the app is installed for them, the reveal card goes to their chat and not the requester\'s, only they can reveal it, and the ticket names them', async () => {
    expect(hasApp(tenant, ADELE.aadObjectId)).toBe(false);
    const result = await requestAccount(bot, PEOPLE.megan, {
      givenName: 'Tomas', surname: 'Herrera', ticketReference: 'INC-R-1', fields: { manager: 'adele.vance@contoso.com', secretRecipient: 'manager' },
    });
    expect(textOf(result.card!)).toContain('Account created');
    expect(hasApp(tenant, ADELE.aadObjectId)).toBe(true);

    const cards = revealCards(bot, { displayName: 'Tomas Herrera' });
    expect(cards.map((c) => c.recorded.conversationId)).toEqual([`a:personal:${ADELE.aadObjectId}`]);
    // She never wrote to the bot: the card refreshes itself for her Teams user id, which the new chat's roster gave.
    expect((cards[0]!.card as { refresh?: { userIds?: string[] } }).refresh?.userIds).toEqual([ADELE.id]);
    expect(bot.connector.inConversation(`a:personal-${PEOPLE.megan.aadObjectId}`).some((r) => JSON.stringify(r.activity).includes('Credentials for Tomas Herrera'))).toBe(false);

    const byRequester = await clickReveal(bot, PEOPLE.megan, cards[0]!);
    expect(byRequester.message).toBe('Only Adele Vance can reveal these credentials; your click was recorded and nothing was shown.');
    expect(byRequester.password).toBeUndefined();
    const byManager = await clickReveal(bot, ADELE, cards[0]!);
    expect(byManager.password).toMatch(/^.{16}$/);

    expect(ticketsFor(bot, 'Tomas Herrera').at(-1)).toMatch(/New account ready: Tomas Herrera[\s\S]*Credentials for\nAdele Vance \(the manager\)/);
  });

  it('when the requester names herself as the manager (the npm start path), then the card arrives in her own chat and the ticket calls her the manager', async () => {
    const installsBefore = (tenant.directory().teamsAppInstallations ?? []).length;
    await requestAccount(bot, PEOPLE.megan, {
      givenName: 'Nora', surname: 'Lindqvist', ticketReference: 'INC-R-6', fields: { manager: 'megan.bowen@contoso.com', secretRecipient: 'manager' },
    });
    const cards = revealCards(bot, { displayName: 'Nora Lindqvist' });
    expect(cards.map((c) => c.recorded.conversationId)).toEqual([`a:personal-${PEOPLE.megan.aadObjectId}`]);
    expect((await clickReveal(bot, PEOPLE.megan, cards[0]!)).password).toMatch(/^.{16}$/);
    expect(ticketsFor(bot, 'Nora Lindqvist').at(-1)).toMatch(/Credentials for\nMegan Bowen \(the manager\)/);
    // She wrote to the bot: nothing was installed for her.
    expect((tenant.directory().teamsAppInstallations ?? []).length).toBe(installsBefore);
  });

  it('when the IT coordinator receives the secret, then their chat gets the card and the ticket says so', async () => {
    await requestAccount(bot, PEOPLE.megan, { givenName: 'Ines', surname: 'Carvalho', ticketReference: 'INC-R-2', fields: { secretRecipient: 'coordinator' } });
    const cards = revealCards(bot, { displayName: 'Ines Carvalho' });
    expect(cards.map((c) => c.recorded.conversationId)).toEqual([`a:personal:${PATTI.aadObjectId}`]);
    expect((await clickReveal(bot, PATTI, cards[0]!)).password).toMatch(/^.{16}$/);
    expect(ticketsFor(bot, 'Ines Carvalho').at(-1)).toMatch(/Credentials for\nPatti Fernandez \(the IT coordinator\)/);
  });

  it('when the form asks for the manager without naming one, or for a recipient not offered, then one sentence says what to fix and nothing is created', async () => {
    const noManager = await review(bot, PEOPLE.megan, { givenName: 'Zara', surname: 'Quinn', ticketReference: 'INC-R-3', secretRecipient: 'manager' });
    expect(textOf(noManager.card)).toContain('To send the password to the manager, fill in the manager; or choose another recipient.');
    const unknown = await review(bot, PEOPLE.megan, { givenName: 'Zara', surname: 'Quinn', ticketReference: 'INC-R-3', secretRecipient: 'everyone' });
    expect(textOf(unknown.card)).toContain('The password can go to the requester or the manager or the IT coordinator only; choose one of them.');
    expect(tenant.directory().users.some((u) => u.displayName === 'Zara Quinn')).toBe(false);
  });
});

describe('who receives the secret: a manager the bot cannot reach', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBot(tenant, { INSTALL_APP_FOR_RECIPIENT: 'false' });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when the app is not installed for the manager and the bot may not install it, then the requester is told in one sentence, the ticket says so, nothing goes to anyone, the secret stays sealed, and a reissue reaches the manager once the app is installed', async () => {
    const result = await requestAccount(bot, PEOPLE.megan, {
      givenName: 'Omar', surname: 'Farouk', ticketReference: 'INC-R-4', fields: { manager: 'lynne.robbins@contoso.com', secretRecipient: 'manager' },
    });
    const text = textOf(result.card!);
    expect(text).toContain('Account created for Omar Farouk, with a problem');
    // One sentence, and nothing else in the card's body says the same again.
    expect(text).toContain('\nThe account exists, but I cannot reach Lynne Robbins (the manager) in Teams, so the credentials stay sealed and went to nobody else; IT has the ticket and can reissue them once I can reach them.\n');
    expect(revealCards(bot, { displayName: 'Omar Farouk' })).toEqual([]);
    expect(hasApp(tenant, LYNNE.aadObjectId)).toBe(false);
    expect(ticketsFor(bot, 'Omar Farouk').at(-1)).toMatch(/needs attention: Omar Farouk[\s\S]*Credentials for\nLynne Robbins \(the manager\)[\s\S]*Credentials not delivered: Lynne Robbins \(the manager\) cannot be reached in Teams/);

    // Sealed, not gone: the entry is still in the credential store.
    const requestId = String(actionData(cardsIn(bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Omar Farouk')).at(-1)!.activity)[0]!, 'credentials.reissue').requestId);
    const access = bot.config.storage.access;
    if (access.kind !== 'connectionString') throw new Error('the bot under test uses Azurite by connection string');
    const store = createTableCredentialStore({ connectionString: access.connectionString, tableName: bot.config.storage.credentialsTable });
    expect(await store.get(`${requestId}.1`)).not.toBeNull();

    // IT installs the app for her (Graph, as an admin would), then reissues.
    const install = createTeamsAppInstaller({
      baseUrl: tenant.graphBaseUrl, tenantId: tenant.tenantId, authorityHost: tenant.authorityHost, disableInstanceDiscovery: true,
      credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret }, teamsAppCatalogId: CATALOG_APP_ID,
    });
    expect(await install(LYNNE.aadObjectId)).toEqual({ kind: 'installed' });
    expect(await install(LYNNE.aadObjectId)).toEqual({ kind: 'already-installed' });
    const command = channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'reissue omar.farouk@contoso.com', TICKET_CHANNEL);
    await bot.send(command);
    expect(bot.connector.repliesTo(command.id)[0]?.activity.text).toMatch(/Lynne Robbins gets a new reveal card/);
    await expect.poll(() => revealCards(bot, { displayName: 'Omar Farouk' }).length, { timeout: 20_000 }).toBe(1);
    const card = revealCards(bot, { displayName: 'Omar Farouk' })[0]!;
    expect(card.recorded.conversationId).toBe(`a:personal:${LYNNE.aadObjectId}`);
    expect((await clickReveal(bot, PEOPLE.megan, card)).password).toBeUndefined();
    expect((await clickReveal(bot, LYNNE, card)).password).toMatch(/^.{16}$/);
  });
});

/**
 * Teams lets a bot message someone it just installed its app for only once the installation has
 * reached Teams ("Send proactive installation messages",
 * https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages):
 * the recording Bot Connector refuses the 1:1 chat with 403 for a while after the installation.
 */
describe('who receives the secret: a manager the app was just installed for (403 until the installation reaches Teams)', () => {
  const installsOf = (tenant: LocalTenant) => tenant.requestLog().filter((e) => e.method === 'POST' && /\/teamwork\/installedApps$/.test(e.path));
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBot(tenant, { INSTALL_APP_FOR_RECIPIENT: 'true', RECIPIENT_REACH_RETRY_SECONDS: '8' }, {
      appInstalledFor: undefined, appInstalledAt: appInstalledAtIn(tenant), installationSpreadMs: 1_500,
    });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when Teams refuses the chat right after the installation, then the bot tries again until it opens, installs the app once, and the card reaches the manager once', async () => {
    const result = await requestAccount(bot, PEOPLE.megan, {
      givenName: 'Priya', surname: 'Raman', ticketReference: 'INC-R-7', fields: { manager: 'lynne.robbins@contoso.com', secretRecipient: 'manager' },
    });
    expect(textOf(result.card!)).toContain('Account created for Priya Raman');
    expect(textOf(result.card!)).not.toContain('with a problem');
    // Refused while the installation spread, then opened: in that order.
    const refusals = bot.connector.refusedChats.filter((r) => r.memberId === LYNNE.aadObjectId);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((r) => r.reason === 'installation-spreading')).toBe(true);
    const cards = revealCards(bot, { displayName: 'Priya Raman' });
    expect(cards.map((c) => c.recorded.conversationId)).toEqual([`a:personal:${LYNNE.aadObjectId}`]);
    expect(installsOf(tenant).map((e) => e.status)).toEqual([201]);
    expect((await clickReveal(bot, LYNNE, cards[0]!)).password).toMatch(/^.{16}$/);
    expect(ticketsFor(bot, 'Priya Raman').at(-1)).toMatch(/New account ready: Priya Raman[\s\S]*Credentials for\nLynne Robbins \(the manager\)/);
  });

  it('when the installation never reaches Teams within the retry window, then the request ends unreachable as before: one sentence, the secret sealed, the app installed once', async () => {
    bot.connector.installationSpreadMs = 3_600_000;
    const before = installsOf(tenant).length;
    const result = await requestAccount(bot, PEOPLE.megan, {
      givenName: 'Ines', surname: 'Moreau', ticketReference: 'INC-R-8', fields: { manager: 'adele.vance@contoso.com', secretRecipient: 'manager' },
    });
    expect(textOf(result.card!)).toContain('I cannot reach Adele Vance (the manager) in Teams');
    expect(bot.connector.refusedChats.filter((r) => r.memberId === ADELE.aadObjectId).length).toBeGreaterThan(1);
    expect(revealCards(bot, { displayName: 'Ines Moreau' })).toEqual([]);
    expect(installsOf(tenant).slice(before).map((e) => e.status)).toEqual([201]);
  }, 120_000);
});

describe('who receives the secret: an IT coordinator group', () => {
  const GROUP = '6a1d3f0e-0000-4000-8000-0000000000b2'; // Marketing Leads: Patti Fernandez, and Isaiah Langer added below
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    const admin = tenant.apps.find((app) => app.displayName === 'Entra Admin (local)')!;
    const token = (await new ClientSecretCredential(tenant.tenantId, admin.clientId, admin.clientSecret, { authorityHost: tenant.authorityHost, disableInstanceDiscovery: true })
      .getToken('https://graph.microsoft.com/.default'))!.token;
    const added = await fetch(`${tenant.graphBaseUrl}/v1.0/groups/${GROUP}/members/$ref`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ '@odata.id': `${tenant.graphBaseUrl}/v1.0/directoryObjects/${PEOPLE.isaiah.aadObjectId}` }),
    });
    expect(added.status).toBe(204);
    bot = await startBot(tenant, { INSTALL_APP_FOR_RECIPIENT: 'true', SECRET_RECIPIENT_DEFAULT: 'coordinator', IT_COORDINATOR: GROUP });
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when the coordinator is a group, then each member gets the card in their own chat, any member may reveal, and the first who does is the only one who sees it again', async () => {
    const result = await requestAccount(bot, PEOPLE.megan, { givenName: 'Lena', surname: 'Sorensen', ticketReference: 'INC-R-5' });
    expect(textOf(result.card!)).toContain('Account created');
    const cards = revealCards(bot, { displayName: 'Lena Sorensen' });
    expect(cards.map((c) => c.recorded.conversationId).sort()).toEqual([`a:personal:${PATTI.aadObjectId}`, `a:personal:${PEOPLE.isaiah.aadObjectId}`].sort());
    expect(ticketsFor(bot, 'Lena Sorensen').at(-1)).toMatch(/Credentials for\nMarketing Leads \(the IT coordinators: any one of 2\)/);

    const cardOfIsaiah = cards.find((c) => c.recorded.conversationId.endsWith(PEOPLE.isaiah.aadObjectId))!;
    const cardOfPatti = cards.find((c) => c.recorded.conversationId.endsWith(PATTI.aadObjectId))!;
    expect((await clickReveal(bot, PEOPLE.megan, cardOfIsaiah)).message).toBe('Only Marketing Leads can reveal these credentials; your click was recorded and nothing was shown.');
    const first = await clickReveal(bot, PEOPLE.isaiah, cardOfIsaiah);
    expect(first.password).toMatch(/^.{16}$/);
    const second = await clickReveal(bot, PATTI, cardOfPatti);
    expect(second.password).toBeUndefined();
    expect(second.message).toBe('Isaiah Langer already revealed these credentials, so only they can see them; nothing was shown.');
    expect((await clickReveal(bot, PEOPLE.isaiah, cardOfIsaiah)).password).toBe(first.password);
  });
});
