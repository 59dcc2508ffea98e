import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditCommand } from '../../src/bot/audit-routes.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startBotUnderTest, type BotUnderTest } from '../support/bot-under-test.js';
import { PEOPLE, cardAction, channelMessage, groupChatMessage, personalMessage, type Person } from '../support/activities.js';
import { exportAuditCsv } from '../support/audit-export.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { clickReveal, revealCards } from '../support/credentials.js';

describe('parsing the audit command', () => {
  it.each([
    ['audit adele.vance@contoso.com', { userPrincipalName: 'adele.vance@contoso.com' }, false],
    ['audit Adele.Vance@Contoso.com csv', { userPrincipalName: 'adele.vance@contoso.com' }, true],
    ['audit requester megan.bowen@contoso.com', { requesterUpn: 'megan.bowen@contoso.com' }, false],
    ['audit from 2026-11-01 to 2026-11-30 csv', { from: new Date('2026-11-01T00:00:00.000Z'), to: new Date('2026-11-30T23:59:59.999Z') }, true],
  ])('when an admin types "%s", then it reads the criteria', (text, criteria, csv) => {
    expect(parseAuditCommand(text)).toEqual({ criteria, csv });
  });

  it.each([
    ['audit', /Usage/],
    ['audit from yesterday', /After "from" give a date as YYYY-MM-DD/],
    ['audit requester', /After "requester" give the person's user name/],
    ['audit from 2026-12-01 to 2026-11-01', /"from" date is after the "to" date/],
    ['audit <script>alert(1)</script>', /I did not understand/],
    ['audit from 2026-02-30', /After "from" give a date/],
  ])('when an admin types "%s", then one sentence says what is wrong', (text, message) => {
    expect(parseAuditCommand(text)).toMatch(message);
  });
});

describe('the audit trail in Teams', () => {
  let tenant: LocalTenant;
  let bot: BotUnderTest;
  let upn = '';

  const say = async (person: Person, text: string) => {
    const message = personalMessage(bot.connector.serviceUrl, person, text);
    await bot.send(message);
    return bot.connector.repliesTo(message.id);
  };

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
    bot = await startBotUnderTest({ APPROVAL_POLICY: 'non-admins' }, { tenant, overrides: { createAnswerWithinMs: 20_000 } });
    await bot.send(channelMessage(bot.connector.serviceUrl, PEOPLE.alex, 'set ticket channel', '19:it-tickets@thread.tacv2'));
    // An admin creates an account (no approval needed for admins).
    const [form] = await say(PEOPLE.alex, 'new user');
    const { draftId } = actionData(cardOf(form), 'onboarding.review');
    const click = async (verb: string, data: Record<string, unknown>) =>
      invokeResult((await bot.send(cardAction(bot.connector.serviceUrl, PEOPLE.alex, verb, data, form!.activityId))).body);
    await click('onboarding.review', { draftId, givenName: 'Diego', surname: 'Siciliani', domain: 'contoso.com', usageLocation: 'US', ticketReference: 'INC-77', businessJustification: 'Finance analyst.' });
    const result = await click('onboarding.create', { draftId });
    expect(textOf(result.card!)).toContain('Account created');
    upn = 'diego.siciliani@contoso.com';
  });
  afterAll(async () => {
    await bot?.close();
    await tenant?.close();
  });

  it('when an admin asks for a user name, then a card lists its events, newest first, without any password', async () => {
    const [reply] = await say(PEOPLE.alex, `audit ${upn}`);
    const card = cardsIn(reply!.activity)[0]!;
    const text = textOf(card);
    expect(text).toMatch(/Audit trail \(\d+ events\)/);
    expect(text).toContain('account.created');
    expect(text).toContain('onboarding.done');
    expect(text.indexOf('onboarding.done')).toBeLessThan(text.indexOf('account.created'));
    const reveal = revealCards(bot)[0];
    expect(reveal).toBeDefined();
    const value = (await clickReveal(bot, PEOPLE.alex, reveal!)).password;
    expect(value).toBeDefined();
    expect(JSON.stringify(reply!.activity)).not.toContain(value!);
  });

  it('when an admin asks for a requester as CSV and allows the file, then the CSV in her OneDrive has a header and one row per event', async () => {
    const csv = (await exportAuditCsv(bot, PEOPLE.alex, 'audit requester alex.wilber@contoso.com csv')).trim().split('\r\n');
    expect(bot.connector.files.uploaded.at(-1)?.name).toBe('audit-requester-alex.wilber@contoso.com.csv');
    expect(csv[0]).toMatch(/^at,type,requestId,correlationId,actor,eventId/);
    expect(csv.some((line) => line.includes('account.created') && line.includes(upn))).toBe(true);
  });

  it('when a hiring manager types audit, then she is refused and sees nothing', async () => {
    const [reply] = await say(PEOPLE.megan, `audit ${upn}`);
    expect(reply!.activity.text).toBe('Only IT admins can read the audit trail. Ask a member of “Onboarding Admins”.');
    expect(cardsIn(reply!.activity)).toHaveLength(0);
  });

  /**
   * A channel or group chat is read by all its members (Teams: "Channel and group chat
   * conversations with a bot", https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/channel-and-group-conversations):
   * what names other people's accounts, requesters or refusals is answered in the 1:1 chat only.
   */
  describe('admin output in shared conversations', () => {
    const WHERE = {
      'a group chat': (text: string) => groupChatMessage(bot.connector.serviceUrl, PEOPLE.alex, text),
      'a team channel': (text: string) => channelMessage(bot.connector.serviceUrl, PEOPLE.alex, text, '19:general@thread.tacv2'),
      'the IT ticket channel': (text: string) => channelMessage(bot.connector.serviceUrl, PEOPLE.alex, text, '19:it-tickets@thread.tacv2'),
    } as const;
    const AUDIT_ONLY_1_1 = 'The audit trail names people and accounts, so I show it only in your 1:1 chat with me: open a chat with Onboarding and type "audit" there.';
    const STATUS_ONLY_1_1 = 'Your requests name new colleagues\' accounts, so I list them only in your 1:1 chat with me: open a chat with Onboarding and type "status" there.';
    const REISSUE_ONLY_1_1 = 'A reissue names the account and who gets its credentials, so I take it only in your 1:1 chat with me or in the IT ticket channel: type "reissue" there.';

    it.each([
      ['a group chat', 'audit diego.siciliani@contoso.com', AUDIT_ONLY_1_1],
      ['a group chat', 'audit refusals csv', AUDIT_ONLY_1_1],
      ['a team channel', 'audit requester alex.wilber@contoso.com', AUDIT_ONLY_1_1],
      ['the IT ticket channel', 'audit diego.siciliani@contoso.com csv', AUDIT_ONLY_1_1],
      ['a group chat', 'status', STATUS_ONLY_1_1],
      ['a team channel', 'status', STATUS_ONLY_1_1],
      ['a group chat', 'reissue diego.siciliani@contoso.com', REISSUE_ONLY_1_1],
      ['a team channel', 'reissue diego.siciliani@contoso.com', REISSUE_ONLY_1_1],
    ] as const)('when an admin types it in %s ("%s"), then one sentence says where to ask, and nothing is looked up or changed', async (where, text, sentence) => {
      const graphCallsBefore = tenant.requestLog().length;
      const sentBefore = bot.connector.received.length;
      const message = WHERE[where](text);
      await bot.send(message);
      expect(bot.connector.received.slice(sentBefore).map((r) => r.activity.text)).toEqual([sentence]);
      expect(cardsIn(bot.connector.received.at(-1)!.activity)).toHaveLength(0);
      expect(tenant.requestLog().length).toBe(graphCallsBefore);
    });
  });
});
