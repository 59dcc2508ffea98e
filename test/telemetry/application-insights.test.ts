/**
 * Telemetry as Application Insights receives it: the bot runs as a real process
 * (`tsx src/index.ts`) with a connection string whose IngestionEndpoint is a capture server
 * here, and one account is requested and created through the real HTTP path (local tenant,
 * recording Bot Connector, Azurite). The capture server keeps every envelope the exporter
 * posts to /v2.1/track. (Without a connection string telemetry is never started: test/config.)
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import {
  PEOPLE, createClick, finished, newSharedWorld, passwordsDelivered, requestIdFor, reviewedDraft, startBotProcess, stopAll, upnOf, waitFor,
  type BotProcess, type SharedWorld,
} from '../resilience/support.js';

interface Envelope {
  name: string;
  iKey?: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> & { properties?: Record<string, string> } };
}

interface Capture {
  readonly url: string;
  readonly envelopes: Envelope[];
  /** Every body as it arrived (decompressed), for the leak scan. */
  readonly raw: string[];
  close(): Promise<void>;
}

const INSTRUMENTATION_KEY = '00000000-0000-4000-8000-00000000c0de';
const requester = PEOPLE.megan;

async function startCapture(): Promise<Capture> {
  const envelopes: Envelope[] = [];
  const raw: string[] = [];
  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    return (request.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
  };
  // The exporter sends over https only; the local CA is the one the bot trusts (NODE_EXTRA_CA_CERTS, vitest.config.ts).
  const tls = ensureLocalCertificates(fileURLToPath(new URL('../../.local/tls', import.meta.url)));
  const server: Server = createServer({ cert: readFileSync(tls.serverCertPath), key: readFileSync(tls.serverKeyPath) }, (request, response) => {
    void body(request).then((text) => {
      raw.push(`${request.method} ${request.url}\n${text}`);
      let accepted = 0;
      if (request.method === 'POST' && request.url?.startsWith('/v2.1/track')) {
        const items = text.trim().startsWith('[') ? (JSON.parse(text) as Envelope[]) : text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Envelope);
        envelopes.push(...items);
        accepted = items.length;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: accepted, itemsAccepted: accepted, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('capture server has no port');
  return {
    url: `https://127.0.0.1:${address.port}/`,
    envelopes,
    raw,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ofType = (envelopes: Envelope[], baseType: string) => envelopes.filter((e) => e.data.baseType === baseType);
const operationOf = (envelope: Envelope) => envelope.tags['ai.operation.id'];

describe('Application Insights through OpenTelemetry', () => {
  let tenant: LocalTenant;
  let connector: RecordingConnector;
  let capture: Capture;
  let world: SharedWorld;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
    connector = await startRecordingConnector();
    capture = await startCapture();
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
