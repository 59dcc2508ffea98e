/**
 * What Teams does to a bot that opens a 1:1 chat with someone who never wrote to it, as the
 * recording Bot Connector plays it against the local tenant's app installations:
 * - no app for the person: 403 ("Send proactive installation messages": the bot must be installed
 *   for the user before it can message them proactively,
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages;
 *   the 403 body is Teams' BotNotInConversationRoster,
 *   https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages#status-code-responses);
 * - just installed through Graph: still 403 until the installation has reached Teams (the page
 *   above: the bot can message once the app "has been added for a user … and has received all the
 *   user information"; how long that takes is not documented, so the delay is a setting);
 * - after that: the chat opens.
 * Through botbuilder's own createConversationAsync over HTTP, as the bot calls it.
 */
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { CloudAdapter } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { createTeamsAppInstaller } from '../../src/directory/index.js';
import { inNewConversation } from '../../src/delivery/proactive.js';
import { appInstalledAtIn, useLocalTenant } from '../support/local-tenant.js';
import { startRecordingConnector } from '../support/recording-connector.js';
import { TENANT_ID } from '../support/activities.js';

const CATALOG_APP_ID = '7d1c0a5e-0000-4000-8000-0000000a0c01';
const LYNNE = '00000000-0000-4000-8000-000000000025';
const tenant = useLocalTenant();

/** Opens a 1:1 chat with the person as the bot does; the HTTP status Teams answered. */
async function openChat(serviceUrl: string, aadObjectId: string): Promise<number> {
  const parameters = {
    isGroup: false, bot: { id: 'bot', name: 'Onboarding' }, members: [{ id: aadObjectId, name: 'Lynne Robbins' }], tenantId: TENANT_ID, channelData: { tenant: { id: TENANT_ID } },
  } as Parameters<CloudAdapter['createConversationAsync']>[4];
  try {
    await inNewConversation(new TeamsAdapter({}), '', serviceUrl, 'https://api.botframework.com', parameters, async () => undefined);
    return 200;
  } catch (error) {
    return (error as { statusCode?: number }).statusCode ?? -1;
  }
}

describe('the Bot Connector stand-in and a first-time recipient ("Send proactive installation messages"; Teams\' 403 BotNotInConversationRoster)', () => {
  it('when the person has not got the app, then a 1:1 chat is refused with 403; once the bot installs it through Graph, it is still refused until the installation has spread, and then it opens', async () => {
    const connector = await startRecordingConnector({ appInstalledAt: appInstalledAtIn(tenant()), installationSpreadMs: 3_600_000 });
    try {
      expect(await openChat(connector.serviceUrl, LYNNE)).toBe(403);

      const install = createTeamsAppInstaller({
        baseUrl: tenant().graphBaseUrl, tenantId: tenant().tenantId, authorityHost: tenant().authorityHost, disableInstanceDiscovery: true,
        credential: { kind: 'clientSecret', clientId: tenant().app.clientId, clientSecret: tenant().app.clientSecret }, teamsAppCatalogId: CATALOG_APP_ID,
      });
      expect(await install(LYNNE)).toEqual({ kind: 'installed' });
      expect(await openChat(connector.serviceUrl, LYNNE)).toBe(403);
      expect(connector.refusedChats).toEqual([{ memberId: LYNNE, reason: 'not-installed' }, { memberId: LYNNE, reason: 'installation-spreading' }]);
      expect(connector.received.filter((r) => r.operation === 'create-conversation')).toEqual([]);

      // The installation has reached Teams.
      connector.installationSpreadMs = 0;
      expect(await openChat(connector.serviceUrl, LYNNE)).toBe(200);
      expect(connector.received.filter((r) => r.operation === 'create-conversation').map((r) => r.conversationId)).toEqual([`a:personal:${LYNNE}`]);
    } finally {
      await connector.close();
    }
  });

  it('when the person wrote to the bot before (a Teams user id), then the chat opens without an installation', async () => {
    const connector = await startRecordingConnector({ appInstalledAt: appInstalledAtIn(tenant()), installationSpreadMs: 3_600_000 });
    try {
      expect(await openChat(connector.serviceUrl, '29:lynne')).toBe(200);
    } finally {
      await connector.close();
    }
  });
});
