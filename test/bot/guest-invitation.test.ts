/**
 * Issue 24 over real HTTP: a hiring manager's sentence about a contractor from another
 * organisation → the form prefilled as a guest → the review says what that means → Invite →
 * exactly one guest in the local tenant (Entra B2B as invitation-post describes it), no
 * password anywhere, the ticket and the audit trail; the same request again shows the guest.
 * https://learn.microsoft.com/graph/api/invitation-post
 * https://learn.microsoft.com/entra/external-id/user-properties
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { createTableAuditLog } from '../../src/storage/index.js';
import type { BotUnderTest } from '../support/bot-under-test.js';
import { TICKET_CHANNEL, useBotWithTenant } from '../support/bot-with-tenant.js';
import { PEOPLE, cardAction, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, invokeResult, textOf, type Card } from '../support/cards.js';

const EMAIL = 'jane.doe@fabrikam.com';
const GUEST_UPN = 'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com';
// The issue's own sentence (issue 24, done when): no manager named, so the requester (Megan) is the guest's manager.
const SENTENCE = `Jane Doe, contractor from Fabrikam, ${EMAIL}, Marketing, ticket INC-5100`;

/** What a card's inputs hold, as Teams submits them with an Action.Execute. */
function inputsOf(card: Card): Record<string, string> {
  const inputs: Record<string, string> = {};
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (typeof n.type === 'string' && n.type.startsWith('Input.') && typeof n.id === 'string' && typeof n.value === 'string' && n.value !== '') inputs[n.id] = n.value;
    for (const value of Object.values(n)) if (typeof value === 'object') walk(value);
  };
  walk(card.body);
  return inputs;
}

describe('a guest invited from Teams', () => {
  const started = useBotWithTenant();
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  beforeAll(() => {
    tenant = started.tenant();
    bot = started.bot();
  });

  async function say(person: Person, text: string) {
    const message = personalMessage(bot.connector.serviceUrl, person, text);
    expect((await bot.send(message)).status).toBe(200);
    return bot.connector.repliesTo(message.id);
  }
  async function click(person: Person, verb: string, data: Record<string, unknown>, messageId: string) {
    const response = await bot.send(cardAction(bot.connector.serviceUrl, person, verb, data, messageId));
    expect(response.status).toBe(200);
    return invokeResult(response.body);
  }
  /** The sentence, the prefilled form as Teams submits it (plus the justification), Check and review: the review card. */
  async function reviewFromSentence(person: Person) {
    const [reply] = await say(person, SENTENCE);
    const form = cardOf(reply);
    const { draftId, revision } = actionData(form, 'onboarding.review');
    const review = await click(person, 'onboarding.review', { draftId, revision, ...inputsOf(form), businessJustification: 'Spring campaign, three months.' }, reply!.activityId);
    return { form, review: review.card!, draftId, messageId: reply!.activityId };
  }
  const guests = () => tenant.directory().users.filter((u) => u.userType === 'Guest');

  it('when a manager writes the issue’s sentence, then the review offers the guest path in plain words, Invite makes exactly one guest with no password, and the ticket and audit trail tell it', async () => {
    const { form, review, draftId, messageId } = await reviewFromSentence(PEOPLE.megan);
    expect(textOf(form)).toContain(`${EMAIL} is an address at another organisation, so I prepared a guest invitation`);
    expect(inputsOf(form)).toMatchObject({ accountKind: 'guest', guestEmail: EMAIL, companyName: 'Fabrikam' });

    const reviewText = textOf(review);
    expect(reviewText).toContain('Check the guest invitation');
    expect(reviewText).toContain("No password: Jane Doe signs in with their own organisation's account, and its multi-factor authentication, once they accept an invitation");
    expect(reviewText).toContain(`Microsoft emails the invitation to ${EMAIL}`);
    // No manager named: the requester answers for the guest, and the review says so before anything is sent.
    expect(reviewText).toMatch(/Manager\s+megan\.bowen@contoso\.com/);
    expect(review.actions?.find((a) => a.verb === 'onboarding.create')?.title).toBe('Invite guest');
    expect(guests()).toEqual([]);

    const result = await click(PEOPLE.megan, 'onboarding.create', { draftId }, messageId);
    expect(textOf(result.card!)).toMatch(/^Guest invited: Jane Doe/);
    expect(textOf(result.card!)).toContain(`their user name here is ${GUEST_UPN}`);

    // Exactly one guest, as Entra makes it, managed and sponsored; read through Graph's own data.
    const [guest, ...more] = guests();
    expect(more).toEqual([]);
    expect(guest).toMatchObject({
      userPrincipalName: GUEST_UPN, externalUserState: 'PendingAcceptance', creationType: 'Invitation', mail: EMAIL, password: null,
      managerId: PEOPLE.megan.aadObjectId, sponsors: [PEOPLE.megan.aadObjectId], companyName: 'Fabrikam',
    });
    expect(tenant.directory().outbox.filter((m) => m.toRecipients.some((r) => r.address === EMAIL))).toHaveLength(1);

    // No password exists, and no reveal card went anywhere.
    const everything = JSON.stringify(bot.connector.received);
    expect(everything).not.toMatch(/Credentials for Jane Doe|Temporary password/);

    const ticket = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Jane Doe')).at(-1)!;
    const ticketText = textOf(cardOf(ticket));
    for (const fact of ['Guest invited: Jane Doe', GUEST_UPN, `not accepted yet; Microsoft emailed the invitation to ${EMAIL}`, 'Megan Bowen', 'INC-5100']) expect(ticketText).toContain(fact);

    const trail = createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: bot.config.storage.auditTable });
    const story = (await trail.query({ userPrincipalName: EMAIL })).map((e) => e.type).reverse();
    expect(story).toEqual(expect.arrayContaining(['request.validated', 'invitation.sending', 'guest.invited', 'guest.profile_set', 'manager.set', 'guest.sponsor_set', 'ticket.posted', 'onboarding.done']));

    // A second click on Invite changes nothing.
    expect(textOf((await click(PEOPLE.megan, 'onboarding.create', { draftId }, messageId)).card!)).toMatch(/^Guest invited: Jane Doe/);
    expect(guests()).toHaveLength(1);
  });

  it('when the same request comes again, then the review shows the existing guest and nobody is invited twice', async () => {
    const mailsBefore = tenant.directory().outbox.length;
    const { review } = await reviewFromSentence(PEOPLE.alex);
    const text = textOf(review);
    expect(text).toContain('Request a new account');
    expect(text).toContain(`${EMAIL} already has access here: Jane Doe (${GUEST_UPN}), a guest whose invitation is not accepted yet, invited by this bot`);
    expect(text).toContain('Nobody is invited again');
    expect(guests()).toHaveLength(1);
    expect(tenant.directory().outbox.length).toBe(mailsBefore);
  });

  it('when the manager asks for status, then it says whether the guest accepted the invitation', async () => {
    const [before] = await say(PEOPLE.megan, 'status');
    expect(before!.activity.text).toContain(`${GUEST_UPN}: **guest invited, not accepted yet**`);
    // The guest redeems (Entra's interactive redemption, played by the local tenant).
    const redeemed = await fetch(`${tenant.inspectionUrl}/invitations/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: EMAIL }) });
    expect(redeemed.status).toBe(200);
    const [after] = await say(PEOPLE.megan, 'status');
    expect(after!.activity.text).toContain(`${GUEST_UPN}: **guest invitation accepted**`);
  });

  it('when the address is on contoso.eu, a verified domain of the tenant, then the form says it is one of ours and nobody is invited', async () => {
    const [reply] = await say(PEOPLE.megan, 'new user');
    const { draftId } = actionData(cardOf(reply), 'onboarding.review');
    const answer = await click(PEOPLE.megan, 'onboarding.review', {
      draftId, accountKind: 'guest', givenName: 'Jo', surname: 'Fab', guestEmail: 'jo.fab@contoso.eu', ticketReference: 'INC-5110', businessJustification: 'Federated colleague.',
    }, reply!.activityId);
    expect(textOf(answer.card!)).toContain("jo.fab@contoso.eu is on contoso.eu, one of the organisation's own verified domains, so the person is not external and nobody is invited.");
    expect(guests()).toHaveLength(1);
  });

  it('when the tenant forbids invitations, then the requester reads one sentence, IT a ticket line, and nobody is invited', async () => {
    tenant.setExternalCollaboration({ allowInvitesFrom: 'none' });
    try {
      const [reply] = await say(PEOPLE.megan, 'new user');
      const { draftId } = actionData(cardOf(reply), 'onboarding.review');
      const data = { accountKind: 'guest', givenName: 'Kim', surname: 'Blocked', guestEmail: 'kim@fourthcoffee.example', ticketReference: 'INC-5111', businessJustification: 'Auditor for a week.' };
      await click(PEOPLE.megan, 'onboarding.review', { draftId, ...data }, reply!.activityId);
      const result = await click(PEOPLE.megan, 'onboarding.create', { draftId }, reply!.activityId);
      const text = textOf(result.card!);
      expect(text).toContain('Nobody invited for Kim Blocked');
      expect(text).toContain("Nobody was invited: the organisation's external collaboration settings do not let this bot invite guests");
      expect(tenant.directory().users.filter((u) => u.mail === 'kim@fourthcoffee.example')).toEqual([]);
      const ticket = bot.connector.received.filter((r) => r.conversationId === TICKET_CHANNEL && JSON.stringify(r.activity).includes('Kim Blocked')).at(-1)!;
      expect(textOf(cardOf(ticket))).toContain('GUEST_INVITATIONS_OFF: Nobody was invited');
    } finally {
      tenant.setExternalCollaboration({});
    }
  });
});

/**
 * Issue 24.3: the template's groups apply to guests too, and its licence when it names one
 * (the Marketing template of env/templates.local.json: two groups, Microsoft 365 E3, Sweden as
 * usage location, extensionAttribute1 MKT). A guest has no usage location by default, so the
 * bot writes the template's with the profile: a direct licence needs one.
 * https://learn.microsoft.com/graph/api/group-post-members, https://learn.microsoft.com/graph/api/user-assignlicense
 */
describe('a guest and the onboarding template', () => {
  const started = useBotWithTenant({ TEMPLATES_SEED_FILE: 'env/templates.local.json' });
  const MARKETING_GROUPS = ['6a1d3f0e-0000-4000-8000-0000000000c1', '6a1d3f0e-0000-4000-8000-0000000000c2'];
  const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';

  it('when a guest joins Marketing, then the review shows the template and Invite adds them to its groups with its licence', async () => {
    const bot = started.bot();
    const tenant = started.tenant();
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.megan, SENTENCE);
    await bot.send(message);
    const [reply] = bot.connector.repliesTo(message.id);
    const form = cardOf(reply);
    const { draftId, revision } = actionData(form, 'onboarding.review');
    const send = async (verb: string, data: Record<string, unknown>) =>
      invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.megan, verb, data, reply!.activityId))).body);
    const review = await send('onboarding.review', { draftId, revision, ...inputsOf(form), businessJustification: 'Spring campaign, three months.' });
    const reviewText = textOf(review.card!);
    expect(reviewText).toContain('Check the guest invitation');
    expect(reviewText).toMatch(/Marketing Team, Marketing/);
    expect(textOf((await send('onboarding.create', { draftId })).card!)).toMatch(/^Guest invited: Jane Doe/);

    const guest = tenant.directory().users.find((u) => u.userType === 'Guest')!;
    const membersOf = (groupId: string) => tenant.directory().groups.find((g) => g.id === groupId)?.members ?? [];
    for (const group of MARKETING_GROUPS) expect(membersOf(group)).toContain(guest.id);
    expect(guest).toMatchObject({ usageLocation: 'SE', companyName: 'Fabrikam' });
    expect(guest.onPremisesExtensionAttributes['extensionAttribute1']).toBe('MKT');
    expect(guest.licenseAssignments.map((l) => l.skuId)).toEqual([E3]);
  });
});
