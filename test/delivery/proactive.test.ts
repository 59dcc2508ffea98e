/**
 * The mechanism every proactive send goes through: a refusal by Teams inside a proactive
 * turn reaches the caller, never the adapter's turn-error handler (where it used to land,
 * so a refused password message looked delivered and the person read "something went wrong").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageFactory } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { inConversation } from '../../src/delivery/proactive.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';

describe('proactive turns', () => {
  let connector: RecordingConnector;
  beforeAll(async () => {
    connector = await startRecordingConnector();
  });
  afterAll(async () => {
    await connector?.close();
  });

  const reference = (conversationId: string) => ({
    channelId: 'msteams', serviceUrl: connector.serviceUrl, conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
    bot: { id: 'bot', name: 'Onboarding' }, user: { id: '29:someone', name: 'Someone' },
  });

  it('when Teams refuses the message, then the caller gets the error and the turn-error handler never sees it', async () => {
    const adapter = new TeamsAdapter({});
    const handled: unknown[] = [];
    adapter.onTurnError = async (_context, error) => void handled.push(error);
    connector.failConversation('a:refused', 403);

    await expect(inConversation(adapter, '', reference('a:refused'), (turn) => turn.sendActivity(MessageFactory.text('hello'))))
      .rejects.toMatchObject({ statusCode: 403 });
    expect(handled).toEqual([]);
  });

  it('when Teams takes the message, then the caller gets the work’s value', async () => {
    const adapter = new TeamsAdapter({});
    const sent = await inConversation(adapter, '', reference('a:fine'), (turn) => turn.sendActivity(MessageFactory.text('hello')));
    expect(sent?.id).toBeDefined();
    expect(connector.inConversation('a:fine').map((r) => r.activity.text)).toEqual(['hello']);
  });
});
