/**
 * A bulk of 10,000 rows in a real bot process killed with SIGKILL in the middle of its run,
 * then a new process: the run resumes by itself (resume scheduler, after the dead run's lease
 * ran out) and ends with exactly 10,000 accounts — none twice, none lost — each carrying its
 * own row's marker, and a results sheet that says all 10,000 were created.
 *
 * The write budget is Entra's shape scaled ten times faster (3,000 writes per 15 s instead of
 * per 150 s, the bot told the same through BULK_WRITE_BUDGET), so the run is paced and
 * throttled as in a tenant yet fits a test run: this test asserts counts, never times; the time
 * at the real budget is `npm run bench`'s (test/bench/bulk.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { cardAction, personalMessage } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf } from '../support/cards.js';
import { PEOPLE, kill9, newSharedWorld, startBotProcess, stopAll, waitFor, MARKER_ATTRIBUTE, TICKET_CHANNEL, type BotProcess, type SharedWorld } from './support.js';

const ROWS = 10_000;
/** Entra's 3,000 writes per 150 s, ten times faster. */
const SCALED_BUDGET = { writesPerWindow: 3000, writeWindowSeconds: 15 };
const admin = PEOPLE.alex;
const letters = (n: number): string => n.toString(26).split('').map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
const SHEET = [
  'version:v1.0',
  'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,Usage location [usageLocation],Ticket',
  ...Array.from({ length: ROWS }, (_, i) => `Resil Person${letters(i)},resil.${i}@contoso.com,,No,US,REORG-1000`),
].join('\n');

describe('bulk onboarding survives kill -9', () => {
  let tenant: LocalTenant;
  let connector: RecordingConnector;
  let world: SharedWorld;
  const running: BotProcess[] = [];

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: true });
    connector = await startRecordingConnector();
    tenant.setThrottling(SCALED_BUDGET);
    world = newSharedWorld(tenant, connector, {
      RESUME_INTERVAL_SECONDS: '1', ONBOARDING_LEASE_SECONDS: '4', BULK_MAX_ROWS: String(ROWS),
      BULK_WRITE_BUDGET: `${SCALED_BUDGET.writesPerWindow}/${SCALED_BUDGET.writeWindowSeconds}`,
    });
  }, 60_000);
  afterAll(async () => {
    await stopAll(running);
    await connector?.close();
    await tenant?.close();
  });

  const accounts = () => tenant.directory().users.filter((u) => u.userPrincipalName.startsWith('resil.') && !u.deletedDateTime);

  it('when the bot is killed in the middle of a 10,000-row bulk and started again, then exactly 10,000 accounts exist, each once, and the results say so', async () => {
    const first = await startBotProcess(world, 'bulk-1');
    running.push(first);
    // 10,000 rows come as a .csv file (about 700 KB: more than a Teams message or the bot's request body takes).
    const attachment = await connector.files.sent('resilience.csv', SHEET);
    const message = personalMessage(connector.serviceUrl, admin, '', { attachments: [attachment] });
    expect((await first.send(message)).status).toBe(200);
    const review = connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
    expect(textOf(cardOf(review))).toContain(`${ROWS} accounts to create`);
    const { jobId } = actionData(cardOf(review), 'bulk.approve');
    const started = invokeResult((await first.send(cardAction(connector.serviceUrl, admin, 'bulk.approve', { jobId }, review!.activityId))).body);
    expect(textOf(started.card!)).toContain('Started');

    // Past the first budget's burst, in the paced part of the run.
    await waitFor('some thousands of accounts', () => accounts().length >= 4_000, 240_000, 20);
    await kill9(first);
    const atKill = accounts().length;
    expect(atKill).toBeLessThan(ROWS);

    const second = await startBotProcess(world, 'bulk-2');
    running.push(second);
    // The sheet comes in several messages (a long one is split to fit Teams); the last part closes with the 1,000th line.
    const results = () => connector.inConversation(TICKET_CHANNEL).filter((r) => String(r.activity.text ?? '').includes('```csv'));
    const lastLine = () => results().map((r) => String(r.activity.text)).join('\n').includes(`${ROWS + 2},Resil Person`);
    await waitFor('the whole results sheet', lastLine, 360_000, 500).catch((error: unknown) => {
      // What the restarted process was doing, for whoever reads the failure.
      const output = second.process.output().split('\n').filter((line) => !line.startsWith('test: resume pass')).join('\n');
      console.log(`accounts ${accounts().length}; ticket channel messages ${results().length}\n${output.slice(-4000)}`);
      throw error;
    });

    const all = accounts();
    expect(all).toHaveLength(ROWS);
    expect(new Set(all.map((u) => u.userPrincipalName)).size).toBe(ROWS);
    const markers = all.map((u) => u.onPremisesExtensionAttributes[MARKER_ATTRIBUTE]);
    expect(new Set(markers).size).toBe(ROWS);
    expect(markers.every((m) => m?.startsWith(`onboarding:${String(jobId)}#`))).toBe(true);
    const text = results().map((r) => String(r.activity.text)).join('\n');
    expect(text).toContain(`${ROWS} created, 0 failed, 0 not finished`);
    expect(text.match(/resil\.\d+@contoso\.com,created,/g)).toHaveLength(ROWS);
    console.log(`bulk resilience: killed with ${atKill} of ${ROWS} accounts created; after the restart ${all.length}, duplicates ${all.length - new Set(all.map((u) => u.userPrincipalName)).size}`);
  }, 900_000);
});
