/**
 * The recording Bot Connector refuses what Teams refuses, met through botbuilder's real
 * adapter: messages over the size limit, calls past the documented rates, file cards from an
 * app without supportsFiles; and it plays the person's OneDrive behind a file in a 1:1 chat.
 * Pages: format-your-bot-messages (size), rate-limit (rates), bots-filesv4 (files),
 * driveitem-createuploadsession (the upload URL), all under learn.microsoft.com.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MessageFactory, type ConversationReference } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { inConversation } from '../../src/delivery/proactive.js';
import { startRecordingConnector, type RecordingConnector, type RecordingConnectorOptions } from '../support/recording-connector.js';
import { FILE_CONSENT_CARD, MESSAGE_SIZE_LIMIT_BYTES, utf16Bytes } from '../support/teams-limits.js';

const reference = (connector: RecordingConnector, conversationId: string, extra: Partial<ConversationReference> = {}): Partial<ConversationReference> => ({
  channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
  bot: { id: 'bot', name: 'Onboarding' }, user: { id: '29:someone', name: 'Someone' }, ...extra,
});
const consentCard = (name: string) => ({
  contentType: FILE_CONSENT_CARD, name,
  content: { description: 'An export', sizeInBytes: 12, acceptContext: { export: 'x' }, declineContext: { export: 'x' } },
});

describe('the Bot Connector stand-in plays Teams limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages, …/rate-limit, …/bots-filesv4)', () => {
  const started: RecordingConnector[] = [];
  const connectorWith = async (options: RecordingConnectorOptions = {}) => {
    const connector = await startRecordingConnector(options);
    started.push(connector);
    return connector;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((connector) => connector.close()));
  });

  describe('message size (format-your-bot-messages: 100 KB in UTF-16, 413 MessageSizeTooBig)', () => {
    // Characters outside Latin-1 count as much as any other: UTF-16, not UTF-8, is what Teams counts.
    const over = 'ä'.repeat(MESSAGE_SIZE_LIMIT_BYTES / 2);
    const within = 'ä'.repeat(MESSAGE_SIZE_LIMIT_BYTES / 2 - 2_000);

    it('when the bot sends, posts to a new chat or updates a message over the limit, then each is refused with 413 MessageSizeTooBig and nothing is recorded', async () => {
      const connector = await connectorWith();
      const adapter = new TeamsAdapter({});
      // A proactive send is a reply to the continuation (POST …/activities/{id}), as botbuilder's CloudAdapter sends it.
      await expect(inConversation(adapter, '', reference(connector, 'a:big'), (turn) => turn.sendActivity(MessageFactory.text(over))))
        .rejects.toMatchObject({ statusCode: 413 });
      const tooBigPost = await fetch(`${connector.serviceUrl}/v3/conversations/a%3Abig/activities`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(MessageFactory.text(over)),
      });
      expect(tooBigPost.status).toBe(413);
      expect(await tooBigPost.json()).toMatchObject({ error: { code: 'MessageSizeTooBig' } });
      await expect(inConversation(adapter, '', reference(connector, 'a:big'), (turn) => turn.updateActivity({ ...MessageFactory.text(over), id: 'earlier' })))
        .rejects.toMatchObject({ statusCode: 413 });
      expect(connector.tooBig.map((entry) => entry.path.replace(/\/v3\/conversations\/[^/]+/, '').replace(/activities\/[0-9a-f-]{36}$/, 'activities/{id}')))
        .toEqual(['/activities/{id}', '/activities', '/activities/earlier']);
      expect(connector.tooBig.every((entry) => entry.bytes > MESSAGE_SIZE_LIMIT_BYTES)).toBe(true);
      expect(connector.received).toEqual([]);
    });

    it('when the message is within the limit, then it is delivered', async () => {
      const connector = await connectorWith();
      await inConversation(new TeamsAdapter({}), '', reference(connector, 'a:fits'), (turn) => turn.sendActivity(MessageFactory.text(within)));
      expect(connector.inConversation('a:fits')).toHaveLength(1);
      expect(utf16Bytes(connector.inConversation('a:fits')[0]!.activity)).toBeLessThanOrEqual(MESSAGE_SIZE_LIMIT_BYTES);
    });
  });

  describe('rates (rate-limit: per bot per thread 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in 3600 s; 50 per second per app)', () => {
    it('when the bot sends 9 messages at once into one chat, then Teams answers 429 with Retry-After past 7, and botbuilder sends them again after it: all 9 arrive once', async () => {
      const connector = await connectorWith();
      const adapter = new TeamsAdapter({});
      await Promise.all(Array.from({ length: 9 }, (_, i) =>
        inConversation(adapter, '', reference(connector, 'a:burst'), (turn) => turn.sendActivity(MessageFactory.text(`message ${i}`)))));
      expect(connector.throttled.length).toBeGreaterThanOrEqual(2);
      expect(connector.throttled.every((t) => t.operation === 'send' && (t.retryAfterSeconds ?? 0) >= 1)).toBe(true);
      expect(connector.inConversation('a:burst').map((r) => r.activity.text).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `message ${i}`).sort());
    });

    it('when 7 chats get one message each at once, then none is throttled: the limit is per thread', async () => {
      const connector = await connectorWith();
      const adapter = new TeamsAdapter({});
      await Promise.all(Array.from({ length: 7 }, (_, i) =>
        inConversation(adapter, '', reference(connector, `a:chat-${i}`), (turn) => turn.sendActivity(MessageFactory.text('hello')))));
      expect(connector.throttled).toEqual([]);
    });

    it('when more than 50 calls arrive within a second across chats, then the app-wide limit answers 429', async () => {
      const connector = await connectorWith({ retryAfter: false });
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => fetch(`${connector.serviceUrl}/v3/conversations/a%3Aspread-${i}/activities`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', text: 'hi' }),
      }).then((response) => ({ status: response.status, retryAfter: response.headers.get('retry-after') }))));
      expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(10);
      expect(connector.throttled.every((t) => t.operation === 'global')).toBe(true);
      // Without `retryAfter` the 429 carries no Retry-After, as the rate-limit page never promises one.
      expect(answers.every((a) => a.retryAfter === null)).toBe(true);
    });
  });

  describe('files (bots-filesv4: supportsFiles in the manifest, 1:1 chats only)', () => {
    it('when the manifest lacks supportsFiles, then a file consent card is refused and never reaches the chat', async () => {
      const connector = await connectorWith({ supportsFiles: false });
      await expect(inConversation(new TeamsAdapter({}), '', reference(connector, 'a:files'), (turn) => turn.sendActivity({ attachments: [consentCard('export.csv')] })))
        .rejects.toMatchObject({ statusCode: 400 });
      expect(connector.fileCardsRefused[0]?.reason).toMatch(/supportsFiles/);
      expect(connector.received).toEqual([]);
    });

    it('when the app supports files, then a consent card goes to a 1:1 chat but not to a channel', async () => {
      const connector = await connectorWith({ supportsFiles: true });
      const adapter = new TeamsAdapter({});
      await inConversation(adapter, '', reference(connector, 'a:files'), (turn) => turn.sendActivity({ attachments: [consentCard('export.csv')] }));
      await expect(inConversation(adapter, '', reference(connector, '19:tickets@thread.tacv2'), (turn) => turn.sendActivity({ attachments: [consentCard('export.csv')] })))
        .rejects.toMatchObject({ statusCode: 400 });
      expect(connector.inConversation('a:files')).toHaveLength(1);
      expect(connector.fileCardsRefused[0]?.reason).toMatch(/1:1 chats only/);
    });
  });

  describe('the person’s OneDrive behind files (bots-filesv4; graph/api/driveitem-createuploadsession)', () => {
    let connector: RecordingConnector;
    beforeAll(async () => {
      connector = await startRecordingConnector({ supportsFiles: true });
    });
    afterAll(async () => {
      await connector?.close();
    });

    it('when a person sends a file, then its attachment carries a pre-authorised https download URL that serves the bytes', async () => {
      const attachment = await connector.files.sent('sheet.csv', 'a,b\r\n1,2\r\n') as { contentType: string; content: { downloadUrl: string; fileType: string } };
      expect(attachment.contentType).toBe('application/vnd.microsoft.teams.file.download.info');
      expect(attachment.content.fileType).toBe('csv');
      expect(attachment.content.downloadUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/download\//);
      expect(await (await fetch(attachment.content.downloadUrl)).text()).toBe('a,b\r\n1,2\r\n');
    });

    it('when the person declines, then the answer carries the decline context and no upload URL', async () => {
      expect(await connector.files.consentAnswer(consentCard('export.csv'), 'decline')).toEqual({ type: 'fileUpload', action: 'decline', context: { export: 'x' } });
    });

    it('when the bot PUTs to the upload URL, then it needs Content-Range and Content-Length, refuses Authorization, takes fragments in order and answers 201 at the last byte', async () => {
      const answer = await connector.files.consentAnswer(consentCard('export.csv'), 'accept') as { context: unknown; uploadInfo: { uploadUrl: string; name: string } };
      expect(answer.context).toEqual({ export: 'x' });
      const url = answer.uploadInfo.uploadUrl;
      const put = (body: string, headers: Record<string, string>) => fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/csv', ...headers } });
      expect((await put('a,b\r\n', { authorization: 'Bearer x', 'content-range': 'bytes 0-4/12' })).status).toBe(401);
      expect((await put('a,b\r\n', {})).status).toBe(400);
      expect((await put('1,2\r\n', { 'content-range': 'bytes 5-9/12' })).status).toBe(416);
      const first = await put('a,b\r\n', { 'content-range': 'bytes 0-4/12' });
      expect(first.status).toBe(202);
      expect(await first.json()).toEqual({ nextExpectedRanges: ['5-'] });
      const last = await put('1,2\r\n\r\n', { 'content-range': 'bytes 5-11/12' });
      expect(last.status).toBe(201);
      expect(await last.json()).toMatchObject({ name: 'export.csv', size: 12 });
      expect(connector.files.uploaded.at(-1)?.bytes.toString('utf8')).toBe('a,b\r\n1,2\r\n\r\n');
    });
  });
});
