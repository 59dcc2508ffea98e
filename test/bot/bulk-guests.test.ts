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
import { PEOPLE, cardAction, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';

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
