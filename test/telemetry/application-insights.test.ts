/**
 * Telemetry as Application Insights receives it: the bot runs as a real process
 * (`tsx src/index.ts`) with a connection string whose IngestionEndpoint is a capture server
 * here, and one account is requested and created through the real HTTP path (local tenant,
 * recording Bot Connector, Azurite). The capture server keeps every envelope the exporter
 * posts to /v2.1/track. (Without a connection string telemetry is never started: test/config.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { startTelemetryCapture, type Envelope, type TelemetryCapture } from '../support/telemetry-capture.js';
import {
  PEOPLE, createClick, finished, newSharedWorld, passwordsDelivered, requestIdFor, reviewedDraft, startBotProcess, stopAll, upnOf, waitFor,
  type BotProcess, type SharedWorld,
} from '../resilience/support.js';

const INSTRUMENTATION_KEY = '00000000-0000-4000-8000-00000000c0de';
const requester = PEOPLE.megan;

const ofType = (envelopes: Envelope[], baseType: string) => envelopes.filter((e) => e.data.baseType === baseType);
const operationOf = (envelope: Envelope) => envelope.tags['ai.operation.id'];

describe('Application Insights through OpenTelemetry', () => {
  let tenant: LocalTenant;
  let connector: RecordingConnector;
  let capture: TelemetryCapture;
  let world: SharedWorld;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    connector = await startRecordingConnector();
    capture = await startTelemetryCapture();
    world = newSharedWorld(tenant, connector, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=${capture.url}`,
      // The SDK's own usage reports go to Microsoft, not to the endpoint above: not in a test.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
    });
  });

  afterAll(async () => {
    await stopAll([bot]);
    await capture?.close();
    await connector?.close();
    await tenant?.close();
  });

  it('when an account is created in one turn, then its request, its Graph calls and its audit lines arrive under one operation id, with no secret anywhere', async () => {
    bot = await startBotProcess(world, 'telemetry');
    const person = { givenName: 'Tilda', surname: 'Telemetry' };
    const draft = await reviewedDraft(bot, connector, requester, person, 'INC-7001');
    const created = await bot.send(createClick(connector, requester, draft));
    expect(created.status).toBe(200);
    const requestId = await requestIdFor(world, upnOf(person));
    const record = await finished(world, requestId);
    expect(record.status).toBe('done');
    const [password] = passwordsDelivered(connector, requester, requestId);
    expect(password).toBeTruthy();

    await waitFor('the audit line in Application Insights', () => capture.raw.some((r) => r.includes('audit onboarding.done')), 60_000, 100);
    // SIGTERM: the bot drains its turns and flushes what telemetry still holds before it exits.
    await bot.process.stop(15_000);
    bot = undefined;

    const envelopes = capture.envelopes;
    expect(envelopes.every((e) => e.iKey === INSTRUMENTATION_KEY)).toBe(true);
    // The audit line of the account's creation, with the correlation id people are shown.
    const auditLines = ofType(envelopes, 'MessageData').filter((e) => e.data.baseData.message === 'audit account.created');
    expect(auditLines).toHaveLength(1);
    const audit = auditLines[0]!;
    expect(audit.data.baseData.properties?.correlationId).toBe(record.correlationId);
    const operation = operationOf(audit);
    expect(operation).toMatch(/^[0-9a-f]{32}$/);

    // The turn that created it: the POST /api/messages request…
    const turn = ofType(envelopes, 'RequestData').filter((e) => operationOf(e) === operation);
    expect(turn.map((e) => new URL(String(e.data.baseData.url)).pathname)).toEqual(['/api/messages']);
    expect(String(turn[0]!.data.baseData.name)).toMatch(/^POST\b/);
    // …and its calls to Graph (the local tenant), POST /users among them.
    const graphCalls = ofType(envelopes, 'RemoteDependencyData')
      .filter((e) => operationOf(e) === operation && String(e.data.baseData.data ?? '').startsWith(tenant.graphBaseUrl));
    expect(graphCalls.map((e) => `${String(e.data.baseData.name)} ${String(e.data.baseData.resultCode)}`)).toContain('POST /v1.0/users 201');
    // No dependency names the new person: user names and query values are not kept in their URLs.
    const dependencies = JSON.stringify(ofType(envelopes, 'RemoteDependencyData'));
    expect(graphCalls.length).toBeGreaterThan(1);
    for (const personal of [upnOf(person), encodeURIComponent(upnOf(person)), 'Tilda', 'Telemetry']) expect(dependencies).not.toContain(personal);
    // The lines written while it stopped arrived too: the last batch is flushed before the process exits.
    expect(ofType(envelopes, 'MessageData').map((e) => e.data.baseData.message)).toContain('stopped cleanly');

    // Leak scan: the temporary password, the Graph client secret, the vault key and any token.
    const everything = capture.raw.join('\n');
    for (const secret of [password!, tenant.app.clientSecret, world.vaultKey]) expect(everything.includes(secret)).toBe(false);
    expect(everything).not.toMatch(/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    expect(everything).not.toMatch(/Bearer\s+(?!\[secret\])[A-Za-z0-9._~+/=-]{10,}/i);
  });
});
