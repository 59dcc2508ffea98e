/**
 * kill -9 the bot while it waits for Teams to let it message a recipient it just installed its
 * app for (403 until the installation reaches Teams — "Send proactive installation messages",
 * https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages),
 * then start it again: the restarted process resumes the wait from the stored window, does not
 * install the app a second time (Graph answers 409 to the one POST it may repeat), and the
 * credentials reach the manager exactly once. Real processes; the recording Bot Connector plays
 * Teams' delay after an installation, the local tenant the installations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { appInstalledAtIn } from '../support/local-tenant.js';
import {
  PEOPLE, createClick, finished, kill9, newSharedWorld, recordOf, requestIdFor, reviewedDraft, startBotProcess, stopAll, upnOf, waitFor,
  type BotProcess, type SharedWorld,
} from './support.js';

const LYNNE = { id: '29:lynne', name: 'Lynne Robbins', aadObjectId: '00000000-0000-4000-8000-000000000025' };
const CATALOG_APP_ID = '7d1c0a5e-0000-4000-8000-0000000a0c01';

describe('kill -9 while the bot waits for an app installation to reach Teams (real processes)', () => {
  let tenant: LocalTenant;
  let connector: RecordingConnector;
  let world: SharedWorld;
  const running = new Set<BotProcess>();

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    // Until the test says so, the installation has not reached Teams.
    connector = await startRecordingConnector({
      appInstalledAt: appInstalledAtIn(tenant), installationSpreadMs: 3_600_000,
      members: (id) => (id === LYNNE.aadObjectId ? LYNNE : undefined),
    });
    world = newSharedWorld(tenant, connector, {
      RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '4', SECRET_RECIPIENT_CHOICES: 'requester,manager',
      INSTALL_APP_FOR_RECIPIENT: 'true', TEAMS_APP_CATALOG_ID: CATALOG_APP_ID, RECIPIENT_REACH_RETRY_SECONDS: '300',
    });
  });
  afterAll(async () => {
    await stopAll(running);
    await connector?.close();
    await tenant?.close();
  });

  const start = async (name: string) => {
    const bot = await startBotProcess(world, name);
    running.add(bot);
    return bot;
  };
  const installPosts = () => tenant.requestLog().filter((e) => e.method === 'POST' && /\/teamwork\/installedApps$/.test(e.path));
  const installationsOfLynne = () => (tenant.directory().teamsAppInstallations ?? []).filter((i) => i.userId === LYNNE.aadObjectId);
  const messagesToLynne = () => connector.received.filter((r) => r.conversationId === `a:personal:${LYNNE.aadObjectId}` && (r.operation === 'send' || r.operation === 'reply'));

  it('when the bot dies during the retry window and starts again, then it resumes the wait: one installation, the credentials to the manager once, and the request done', async () => {
    const person = { givenName: 'Rhea', surname: 'Restartwait', manager: 'lynne.robbins@contoso.com', secretRecipient: 'manager' as const };
    const first = await start('first');
    const draft = await reviewedDraft(first, connector, PEOPLE.megan, person, 'INC-RW-1');
    void first.send(createClick(connector, PEOPLE.megan, draft)).catch(() => undefined);

    // Installed, refused while it spreads, and waiting to try again: the moment to die.
    await waitFor('a refusal while the installation spreads', () => connector.refusedChats.some((r) => r.memberId === LYNNE.aadObjectId && r.reason === 'installation-spreading'), 60_000);
    const requestId = await requestIdFor(world, upnOf(person));
    await waitFor('the retry window noted', async () => (await recordOf(world, requestId))?.credentials?.reachingSince !== undefined, 30_000);
    await kill9(first);
    running.delete(first);
    const atKill = await recordOf(world, requestId);
    expect(atKill?.status).toBe('delivering');
    expect(installationsOfLynne()).toHaveLength(1);
    expect(messagesToLynne()).toEqual([]);

    // The installation reaches Teams while no bot runs; the restarted one takes over once the dead one's lease is out.
    connector.installationSpreadMs = 0;
    const second = await start('second');
    const record = await finished(world, requestId);
    expect(record.status).toBe('done');
    expect(record.credentials?.reachingSince).toBeUndefined();
    expect(installationsOfLynne()).toHaveLength(1);
    // The first process installed it (201); the second may ask again and hears it is there (409): never a second installation.
    expect(installPosts().map((e) => e.status)).toEqual(expect.arrayContaining([201]));
    expect(installPosts().filter((e) => e.status === 201)).toHaveLength(1);
    expect(messagesToLynne()).toHaveLength(1);
    await stopAll([second]);
    running.delete(second);
  });
});
