/**
 * Issue 25 ("Templates and guests must apply to rows as to single requests") over the real HTTP
 * path: an admin sends a sheet mixing members and guests through the recording Bot Connector;
 * the local tenant plays Entra B2B as invitation-post describes it (a Guest with a #EXT# user
 * name, PendingAcceptance, Microsoft's invitation mail) and its external collaboration settings
 * (a blocked domain refuses that invitation). Each guest row is invited exactly once, marked,
 * managed (the admin when the row names nobody), sponsored by the admin, added to its template's
 * groups; the results sheet says per row what happened; the blocked row is that row's plain problem.
 * https://learn.microsoft.com/graph/api/invitation-post
 * https://learn.microsoft.com/entra/external-id/allow-deny-list
 */
import { describe, expect, inject, it } from 'vitest';
import { createTableAuditLog } from '../../src/storage/index.js';
import { TICKET_CHANNEL, useBotWithTenant } from '../support/bot-with-tenant.js';
import { PEOPLE, cardAction, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { encodings, storedBy } from '../support/stored-by.js';

const MARKETING_GROUPS = ['6a1d3f0e-0000-4000-8000-0000000000c1', '6a1d3f0e-0000-4000-8000-0000000000c2'];
const HEADER = 'Name [displayName] Required,User name [userPrincipalName],Usage location [usageLocation],Department,Ticket,Account,Email address to invite [inviteeEmail],Manager';
const SHEET = [
  'version:v1.0',
  HEADER,
  'Bulk Member One,bg.one@contoso.com,US,,REORG-31,Member,,', // row 3
  'Bulk Member Two,bg.two@contoso.com,US,,REORG-31,,,', // row 4
  'Fab Guest One,,,Marketing,REORG-31,Guest,fab.one@fabrikam.com,megan.bowen@contoso.com', // row 5
  'Fab Guest Two,,,Marketing,REORG-31,,fab.two@fabrikam.com,', // row 6: no kind, only the address to invite
  'Tail Guest Three,,,Marketing,REORG-31,Guest,tail.three@tailspin.example,', // row 7
  'Blocked Guest Four,,,Marketing,REORG-31,Guest,four@blocked.example,', // row 8: its domain is on the deny list
].join('\n');
const GUESTS: Array<[row: number, email: string, upn: string]> = [
  [5, 'fab.one@fabrikam.com', 'fab.one_fabrikam.com#EXT#@contoso.onmicrosoft.com'],
  [6, 'fab.two@fabrikam.com', 'fab.two_fabrikam.com#EXT#@contoso.onmicrosoft.com'],
  [7, 'tail.three@tailspin.example', 'tail.three_tailspin.example#EXT#@contoso.onmicrosoft.com'],
];

describe('guest rows of a bulk sheet in Teams (issue 25)', () => {
  const started = useBotWithTenant({ ROLE_CACHE_SECONDS: '0', TEMPLATES_SEED_FILE: 'env/templates.local.json' });

  it('when an admin sends members and guests, then each guest row is invited exactly once by Microsoft\'s email with marker, manager, sponsor and template groups, a blocked domain is its row\'s problem, and the results sheet says per row what happened', async () => {
    const bot = started.bot();
    const tenant = started.tenant();
    tenant.setExternalCollaboration({ domainRestriction: { kind: 'block', domains: ['blocked.example'] } });

    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, SHEET);
    await bot.send(message);
    const review = bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
    const reviewText = textOf(cardOf(review));
    expect(reviewText).toContain('2 accounts to create, 4 guests to invite');
    expect(reviewText).toContain('2 accounts and 4 guest invitations are ready: press Create all to start.');
    expect(reviewText).toContain('4 guests will be invited: Microsoft emails each invitation to the address in the sheet (from invites@microsoft.com)');
    expect(reviewText).toContain('3 guest rows name no manager, so you (Alex Wilber) answer for those guests as manager.');
    expect(tenant.directory().users.filter((u) => u.userType === 'Guest')).toEqual([]);

    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    const started_ = invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId))).body);
    expect(textOf(started_.card!)).toContain('Started');
    const results = () => bot.connector.inConversation(TICKET_CHANNEL).filter((r) => String(r.activity.text ?? '').includes(`Bulk ${String(jobId)}`));
    await expect.poll(() => results().length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);

    // Exactly one invitation per guest row, none for the blocked one; the members created as before.
    const directory = tenant.directory();
    const markerAttribute = `extensionAttribute${bot.config.accounts.createMarkerAttribute}`;
    expect(directory.users.filter((u) => u.userType === 'Guest').map((u) => u.mail).sort()).toEqual(GUESTS.map(([, email]) => email).sort());
    expect(directory.users.filter((u) => ['bg.one@contoso.com', 'bg.two@contoso.com'].includes(u.userPrincipalName))).toHaveLength(2);
    for (const [row, email, upn] of GUESTS) {
      const guest = directory.users.find((u) => u.mail === email)!;
      expect(directory.invitations.filter((i) => i.invitedUserEmailAddress === email)).toHaveLength(1);
      expect(guest).toMatchObject({
        userPrincipalName: upn, userType: 'Guest', creationType: 'Invitation', externalUserState: 'PendingAcceptance', password: null,
        managerId: row === 5 ? PEOPLE.megan.aadObjectId : PEOPLE.alex.aadObjectId, sponsors: [PEOPLE.alex.aadObjectId],
      });
      expect(guest.onPremisesExtensionAttributes[markerAttribute]).toMatch(new RegExp(`${String(jobId)}#${row}$`));
      for (const group of MARKETING_GROUPS) expect(directory.groups.find((g) => g.id === group)?.members).toContain(guest.id);
      // Microsoft's invitation mail, once, to the guest (GUEST_INVITATION=email, the default).
      expect(directory.outbox.filter((m) => m.toRecipients.some((r) => r.address === email))).toHaveLength(1);
    }
    expect(directory.users.filter((u) => u.mail === 'four@blocked.example')).toEqual([]);
    expect(directory.invitations.filter((i) => i.invitedUserEmailAddress === 'four@blocked.example')).toEqual([]);

    // The results sheet: a line per row; guests invited (their #EXT# user name, the address, groups), the blocked one's reason.
    const sheet = results().map((r) => String(r.activity.text)).join('\n');
    expect(sheet).toMatch(/^3,Bulk Member One,bg\.one@contoso\.com,created,/m);
    for (const [row, email, upn] of GUESTS) {
      const line = sheet.split('\n').find((l) => l.startsWith(`${row},`))!;
      expect(line).toContain(`,${upn},invited,`);
      expect(line).toContain('Marketing Team');
      expect(line).toContain(`invited: Microsoft emailed the invitation to ${email}; not accepted yet`);
    }
    const blocked = sheet.split('\n').find((l) => l.startsWith('8,'))!;
    expect(blocked).toContain('four@blocked.example,failed,');
    expect(blocked).toContain("Nobody was invited: the organisation's collaboration restrictions block invitations to that email domain");
    expect(blocked).toContain('not invited: four@blocked.example (why: in the Problem column)');
    // No reveal card carries a guest, and no redeem link reached Teams.
    const everything = JSON.stringify(bot.connector.received);
    expect(everything).not.toMatch(/redeem\?|inviteRedeemUrl/i);
    const revealCards = bot.connector.inConversation(`a:personal-${PEOPLE.alex.aadObjectId}`)
      .filter((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal')));
    expect(revealCards).toHaveLength(1);
    expect(textOf(cardOf(revealCards[0]))).not.toContain('Guest');

    // The audit trail: an event per invitation, and bulk.done counts the guests.
    const trail = createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: bot.config.storage.auditTable });
    const events = (await trail.query({ requesterId: PEOPLE.alex.aadObjectId, limit: 1000 })).filter((e) => e.requestId === String(jobId));
    expect(events.filter((e) => e.type === 'bulk.guest_invited')).toHaveLength(3);
    expect(events.find((e) => e.type === 'bulk.guest_not_invited')?.details).toMatchObject({ rowNumber: 8, code: 'GUEST_DOMAIN_BLOCKED' });
    expect(events.find((e) => e.type === 'bulk.done')?.details).toMatchObject({ guestRows: 4, guestsInvited: 3, guestsNotInvited: 1 });
  }, 120_000);
});

/**
 * GUEST_INVITATION=reveal over the real HTTP path: nobody emails the invitation (sendInvitationMessage
 * false, learn.microsoft.com/graph/api/invitation-post); each guest row's inviteRedeemUrl goes, sealed,
 * to the row's recipient on their bulk reveal card, and only their Reveal answer (the invoke response,
 * learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/overview)
 * carries it. The local tenant plays Entra's redemption of the link (/_tenant/invitations/redeem).
 */
describe('guest rows of a bulk sheet when the tenant hands invitation links over (GUEST_INVITATION=reveal, learn.microsoft.com/graph/api/invitation-post)', () => {
  const started = useBotWithTenant({ ROLE_CACHE_SECONDS: '0', GUEST_INVITATION: 'reveal' });
  const REVEAL_SHEET = [
    'version:v1.0',
    'Name [displayName] Required,User name [userPrincipalName],Usage location [usageLocation],Ticket,Account,Email address to invite [inviteeEmail],Recipient',
    'Reveal Member One,rv.one@contoso.com,US,REORG-32,Member,,', // row 3: its password to Alex
    'Link Guest One,,,REORG-32,Guest,link.one@fabrikam.com,megan.bowen@contoso.com', // row 4: its link to Megan
    'Link Guest Two,,,REORG-32,Guest,link.two@fabrikam.com,', // row 5: its link to Alex, who sent the sheet
  ].join('\n');

  it('when an admin sends guest rows, then nobody emails an invitation, each recipient\'s Reveal shows their guest\'s link beside the name, the link redeems, and nothing else Teams got holds it', async () => {
    const bot = started.bot();
    const tenant = started.tenant();
    const message = personalMessage(bot.connector.serviceUrl, PEOPLE.alex, REVEAL_SHEET);
    await bot.send(message);
    const review = bot.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
    const reviewText = textOf(cardOf(review));
    expect(reviewText).toContain('2 guests will be invited: nobody emails the invitations; each link goes to the row\'s recipient on a reveal card');
    expect(reviewText).toMatch(/Credentials to\n(Alex Wilber, Megan Bowen|Megan Bowen, Alex Wilber)/);

    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, 'bulk.approve', { jobId }, review!.activityId));
    const results = () => bot.connector.inConversation(TICKET_CHANNEL).filter((r) => String(r.activity.text ?? '').includes(`Bulk ${String(jobId)}`));
    await expect.poll(() => results().length, { timeout: 60_000, interval: 250 }).toBeGreaterThan(0);

    // One invitation each, and no invitation mail in the tenant's outbox.
    const directory = tenant.directory();
    for (const email of ['link.one@fabrikam.com', 'link.two@fabrikam.com']) {
      expect(directory.invitations.filter((i) => i.invitedUserEmailAddress === email)).toHaveLength(1);
      expect(directory.outbox.filter((m) => m.toRecipients.some((r) => r.address === email))).toEqual([]);
      expect(directory.users.find((u) => u.mail === email)).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance' });
    }

    // Megan never wrote to the bot: her chat is the one the bot created for her (its id is the Bot Connector's choice).
    const revealCardsOf = (person: Person) => bot.connector.received
      .filter((r) => String((r.activity.conversation as { id?: string } | undefined)?.id ?? '').includes(person.aadObjectId))
      .filter((r) => cardsIn(r.activity).some((c) => c.actions?.some((a) => a.verb === 'bulk.reveal')));
    await expect.poll(() => revealCardsOf(PEOPLE.megan).length, { timeout: 20_000 }).toBe(1);
    const reveal = async (person: Person, card: ReturnType<typeof revealCardsOf>[number]) =>
      invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, person, 'bulk.reveal', actionData(cardOf(card), 'bulk.reveal'), card.activityId))).body);
    const [meganCard] = revealCardsOf(PEOPLE.megan);
    const [alexCard] = revealCardsOf(PEOPLE.alex);
    expect(textOf(cardOf(meganCard))).toContain('Invitation link for 1 guest');
    expect(textOf(cardOf(meganCard))).toContain('Link Guest One');
    expect(textOf(cardOf(alexCard))).toContain('Credentials for 1 new account and invitation link for 1 guest');

    // Someone who is no recipient of this bulk clicks Megan's card: nothing is shown.
    const other = await reveal(PEOPLE.isaiah, meganCard!);
    expect(JSON.stringify(other)).not.toMatch(/redeem/);

    const links = new Map<string, string>();
    for (const [person, card] of [[PEOPLE.megan, meganCard!], [PEOPLE.alex, alexCard!]] as const) {
      const text = textOf((await reveal(person, card)).card!);
      // The guest's display name, then its link: no user name beside it.
      for (const [, name, link] of text.matchAll(/^(Link Guest \w+)\nInvitation link: (https:\/\/\S+)$/gm)) links.set(name!, link!);
      expect(text).not.toContain('#EXT#');
    }
    expect([...links.keys()].sort()).toEqual(['Link Guest One', 'Link Guest Two']);

    // Nothing else Teams got holds a link: not the cards, the results sheet, the ticket or the progress card.
    const received = JSON.stringify(bot.connector.received);
    expect(received).not.toMatch(/redeem\?|inviteRedeemUrl/i);
    // Nor the log, the job blob, the audit trail or the credentials table (where each is sealed, for its recipient).
    const stored = await storedBy(bot);
    const everything = [received, bot.logLines.join('\n'), stored.join('\n')].join('\n');
    for (const link of links.values()) for (const form of encodings(link)) expect(everything.includes(form)).toBe(false);
    const sealedFor = stored.filter((s) => s.includes('"invitationLink"')).map((s) => (JSON.parse(s) as { recipientId: string }).recipientId).sort();
    expect(sealedFor).toEqual([PEOPLE.alex.aadObjectId, PEOPLE.megan.aadObjectId].sort());
    const sheet = results().map((r) => String(r.activity.text)).join('\n');
    expect(sheet).toContain('invited: link.one@fabrikam.com; the invitation link went to Megan Bowen on a reveal card; not accepted yet');
    expect(sheet).toContain('invited: link.two@fabrikam.com; the invitation link went to Alex Wilber on a reveal card; not accepted yet');

    // Each link works: the guest redeems with it (Entra's redemption, played by the local tenant).
    for (const link of links.values()) {
      const redeemed = await fetch(`${tenant.inspectionUrl}/invitations/redeem`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inviteRedeemUrl: link }) });
      expect(redeemed.status).toBe(200);
    }
    expect(tenant.directory().users.filter((u) => u.userType === 'Guest').map((u) => u.externalUserState)).toEqual(['Accepted', 'Accepted']);
  }, 120_000);
});
