/**
 * Benchmarks of the product people use: the real bot (startApp: config → adapters → teams-ai
 * → HTTP host) with Azurite storage, the local tenant over HTTPS and a recording Bot
 * Connector, driven by Teams-shaped activities over HTTP. Every figure is a ratio measured
 * in the same run against a baseline on the same machine and the same storage:
 *  - overhead: `help` through the bot against a bare teams-ai Application (same adapter, same
 *    HTTP host, same BlobsStorage on the same Azurite) answering a text, interleaved;
 *  - calls per onboarding: Graph (the local tenant's request log) and storage (a counting
 *    proxy in front of Azurite's blob and table endpoints) for one whole conversation;
 *  - whole-conversation onboardings per second at concurrency 1, 8 and 32, with RSS;
 *  - 100 onboardings one after another at 100 ms of Graph latency against the recipe's naive
 *    loop (GET /users/{upn}, then POST /users, through the same Graph client stack).
 * Run through run.ts (`npm run bench`), or alone: `tsx test/bench/product.ts [--json FILE]`.
 * It measures and prints; it never asserts a time.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Application, type TurnState } from '@microsoft/teams-ai';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { azuriteConnectionString, freePort, startAzurite } from '../../scripts/local-services.js';
import { startApp, type RunningApp } from '../../src/app.js';
import { createBotFramework } from '../../src/bot/bot-framework.js';
import { loadConfig } from '../../src/config.js';
import { createCredential } from '../../src/directory/graph-directory.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http-server.js';
import { ensureLocalCertificates } from '../../src/local-tenant/certificates.js';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import { createLogger } from '../../src/logging.js';
import { PEOPLE, TENANT_ID, cardAction, channelMessage, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';
import { startRecordingConnector, type RecordingConnector } from '../support/recording-connector.js';
import { RequestCounter, TLS_DIR, since } from './end-to-end.js';
import { benchAsync, formatMs, printTable, summarise, type BenchResult, type LatencySummary } from './harness.js';

const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';

// ------------------------------------------------------------------------------ storage calls

interface AzurePorts { readonly blobPort: number; readonly queuePort: number; readonly tablePort: number }

/** Counts every request to Azurite's blob and table endpoints by passing them through. */
interface StorageCounter {
  readonly connectionString: string;
  snapshot(): Record<string, number>;
  close(): Promise<void>;
}

async function countingProxy(ports: AzurePorts): Promise<StorageCounter> {
  const counts: Record<string, number> = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const servers: Server[] = [];
  const proxy = async (service: 'blob' | 'table', upstreamPort: number): Promise<number> => {
    const server = createServer((req, res) => {
      const key = `${service} ${req.method}`;
      counts[key] = (counts[key] ?? 0) + 1;
      const upstream = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.keepAliveTimeout = 60_000;
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const blobPort = await proxy('blob', ports.blobPort);
  const tablePort = await proxy('table', ports.tablePort);
  return {
    connectionString: azuriteConnectionString({ blobPort, queuePort: ports.queuePort, tablePort }),
    snapshot: () => ({ ...counts }),
    close: async () => {
      agent.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => { s.closeAllConnections(); s.close(resolve); })));
    },
  };
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
function countsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
}

// ------------------------------------------------------------------------------ the world

interface World {
  readonly tenant: LocalTenant;
  readonly connector: RecordingConnector;
  readonly storage: StorageCounter;
  readonly bot: RunningApp;
  readonly baseline: RunningHttpServer;
  readonly graph: RequestCounter;
  close(): Promise<void>;
}

async function openWorld(ports: AzurePorts): Promise<World> {
  const storage = await countingProxy(ports);
  const tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false, tlsDir: TLS_DIR });
  const connector = await startRecordingConnector();
  // The product logs at info, as in production; the lines go nowhere (they are not what is measured).
  const logger = createLogger({ level: 'info', destination: { write: () => undefined } });
  const config = loadConfig({
    APP_MODE: 'local', HOST: '127.0.0.1', PORT: '0', TENANT_ID,
    GRAPH_CLIENT_ID: tenant.app.clientId, GRAPH_CLIENT_SECRET: tenant.app.clientSecret,
    GRAPH_AUTHORITY_HOST: tenant.authorityHost, GRAPH_BASE_URL: tenant.graphBaseUrl,
    STORAGE_CONNECTION_STRING: storage.connectionString,
    STORAGE_CONTAINER: `bench-${randomBytes(4).toString('hex')}`,
    AUDIT_TABLE: `Audit${randomBytes(4).toString('hex')}`,
    CREDENTIALS_TABLE: `Credentials${randomBytes(4).toString('hex')}`,
    SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
    ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1',
    REQUESTER_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000b1',
    APPROVAL_POLICY: 'none',
    REQUESTS_PER_HOUR_PER_REQUESTER: '10000',
    REQUESTS_PER_HOUR_TOTAL: '100000',
    LOG_LEVEL: 'info',
  });
  const bot = await startApp(config, { logger });

  // The baseline: a bare teams-ai Application on the same adapter, host and storage, answering a text.
  const framework = createBotFramework({ mode: 'local', ...config.bot }, logger);
  const bare = new Application<TurnState>({ adapter: framework.adapter, storage: new BlobsStorage(storage.connectionString, `baseline-${randomBytes(4).toString('hex')}`) });
  bare.message(/.*/, async (context) => void (await context.sendActivity('Hello')));
  const baseline = await startHttpServer({
    host: '127.0.0.1', port: 0, version: 'baseline', mode: 'local', logger, probes: [], handleMessage: framework.handleMessage(bare), loopbackHostsOnly: true,
  });
  const graph = new RequestCounter(tenant);
  const world: World = {
    tenant, connector, storage, bot, baseline, graph,
    close: async () => {
      graph.stop();
      await bot.stop(2000);
      await baseline.close(2000);
      await connector.close();
      await tenant.close();
      await storage.close();
    },
  };
  // An admin makes the Tickets channel the IT ticket channel, as on a first day.
  await send(world.bot.url, channelMessage(connector.serviceUrl, PEOPLE.alex, 'set ticket channel', TICKET_CHANNEL));
  return world;
}

async function send(url: string, activity: unknown): Promise<unknown> {
  const response = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST /api/messages answered ${response.status}: ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) as unknown : undefined;
}

// ------------------------------------------------------------------------------ one conversation

// Every onboarding is a new person (accented given names, a surname spelled from a counter),
// asked for in a chat of its own by a hiring manager (Megan), so no two share a conversation.
const GIVEN = ['José', 'Zoë', 'Søren', 'Łukasz', 'Anne-Marie', 'Björk', 'Günter', 'Chloé'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'bo', 'da', 'fe', 'gu', 'hi', 'jo', 'pe'];
const run = randomBytes(2).toString('hex');
let people = 0;

function nextPerson() {
  people += 1;
  let n = people;
  let surname = '';
  do {
    surname += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return {
    chat: `a:personal-bench-${run}-${people}`,
    fields: {
      givenName: GIVEN[people % GIVEN.length]!, surname: `${surname.charAt(0).toUpperCase()}${surname.slice(1)}sson`, domain: 'contoso.com',
      usageLocation: 'US', department: 'Marketing', employeeType: 'Employee', ticketReference: `BENCH-${run}-${people}`,
      businessJustification: 'Benchmark onboarding.',
    },
  };
}

type Ending = 'created' | 'working-on-it' | 'other';
/** What the bot answered when a conversation ended neither created nor "working on it" (printed, to be read). */
const otherEndings: string[] = [];

/** The card message's latest replacement offering `verb`, once there (at most a minute). */
async function cardUpdateOf(world: World, messageId: string, verb: string): Promise<Card | undefined> {
  for (let waited = 0; waited < 60_000; waited += 50) {
    const card = world.connector.received.filter((r) => r.operation === 'update' && r.activityId === messageId).map((r) => cardsIn(r.activity)[0]).reverse()
      .find((c) => c !== undefined && JSON.stringify(c).includes(`"verb":"${verb}"`));
    if (card) return card;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

/** One whole conversation: "new user" → the form; Review → the review card; Create → the result. */
async function onboardInConversation(world: World): Promise<Ending> {
  const person = nextPerson();
  const megan: Person = PEOPLE.megan;
  const conversation = { tenantId: TENANT_ID, id: person.chat, conversationType: 'personal' };
  const message = personalMessage(world.connector.serviceUrl, megan, 'new user', { conversation });
  await send(world.bot.url, message);
  // The first reply that carries a card (a typing indicator may come first).
  const reply = world.connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0);
  const { draftId } = actionData(cardOf(reply), 'onboarding.review');
  const click = async (verb: string, data: Record<string, unknown>) =>
    invokeResult(await send(world.bot.url, cardAction(world.connector.serviceUrl, megan, verb, data, reply!.activityId, { conversation })));
  const answer = await click('onboarding.review', { draftId, ...person.fields });
  // Past the bot's card budget the review is answered "checking" and then replaces the form card.
  const review = answer.message?.startsWith('Checking with the directory') ? { card: await cardUpdateOf(world, reply!.activityId, 'onboarding.create') } : answer;
  if (!review.card || !actionData(review.card, 'onboarding.create')) {
    otherEndings.push(`review: ${(review.card ? textOf(review.card) : answer.message ?? '').slice(0, 300)}`);
    return 'other';
  }
  const result = await click('onboarding.create', { draftId });
  const text = result.card ? textOf(result.card) : result.message ?? '';
  if (text.includes('Account created')) return 'created';
  if (/Working on it/.test(text)) return 'working-on-it';
  otherEndings.push(`create: ${text.slice(0, 300)}`);
  return 'other';
}

// ------------------------------------------------------------------------------ the parts

export interface OverheadResult {
  readonly requests: number;
  readonly bot: LatencySummary;
  readonly bareTeamsAi: LatencySummary;
  readonly ratioP50: number;
  readonly ratioP99: number;
}

/** `help` through the bot and a message through the bare Application, alternating, `n` of each. */
async function overhead(world: World, n: number): Promise<OverheadResult> {
  const chat = (k: string) => ({ conversation: { tenantId: TENANT_ID, id: `a:personal-bench-${run}-help-${k}`, conversationType: 'personal' } });
  const time = async (url: string, text: string, k: string) => {
    const t0 = process.hrtime.bigint();
    await send(url, personalMessage(world.connector.serviceUrl, PEOPLE.megan, text, chat(k)));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 50; i += 1) {
    await time(world.bot.url, 'help', 'warm');
    await time(world.baseline.url, 'help', 'warm');
  }
  const bot = new Float64Array(n);
  const bare = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    // Alternate which goes first, so neither always meets a warmer or cooler moment.
    if (i % 2 === 0) {
      bot[i] = await time(world.bot.url, 'help', String(i % 16));
      bare[i] = await time(world.baseline.url, 'help', String(i % 16));
    } else {
      bare[i] = await time(world.baseline.url, 'help', String(i % 16));
      bot[i] = await time(world.bot.url, 'help', String(i % 16));
    }
  }
  const b = summarise(bot);
  const a = summarise(bare);
  return { requests: n, bot: b, bareTeamsAi: a, ratioP50: b.p50 / a.p50, ratioP99: b.p99 / a.p99 };
}

export interface CallsResult {
  readonly onboardings: number;
  readonly graphPerOnboarding: number;
  readonly tokenRequests: number;
  readonly graphByOperation: Record<string, number>;
  readonly storagePerOnboarding: number;
  readonly storageByKind: Record<string, number>;
}

/** Whole conversations at `concurrency`, with Graph and storage calls per onboarding and RSS. */
async function conversations(world: World, n: number, concurrency: number): Promise<{ result: BenchResult; calls: CallsResult }> {
  const endings: Record<Ending, number> = { created: 0, 'working-on-it': 0, other: 0 };
  const graphBefore = world.graph.drain();
  const storageBefore = world.storage.snapshot();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);
  let calls: CallsResult | undefined;
  try {
    const result = await benchAsync(`whole conversation ×${n}, concurrency ${concurrency}`, async () => {
      endings[await onboardInConversation(world)] += 1;
    }, { iterations: n, concurrency }, ({ wallMs }) => {
      const graph = since(graphBefore, world.graph.drain());
      const storage = countsSince(storageBefore, world.storage.snapshot());
      calls = {
        onboardings: n,
        graphPerOnboarding: graph.graph / n,
        tokenRequests: graph.token,
        graphByOperation: Object.fromEntries(Object.entries(graph.byOperation).map(([k, v]) => [k, v / n])),
        storagePerOnboarding: total(storage) / n,
        storageByKind: Object.fromEntries(Object.entries(storage).map(([k, v]) => [k, v / n])),
      };
      return {
        // ops/s = whole conversations answered per second; "working on it" ones are finished in the background (waited for before the next run).
        created: endings.created, workingOnIt: endings['working-on-it'], other: endings.other,
        createdInAnswerPerSec: endings.created / (wallMs / 1000),
        graphPerOnboarding: calls.graphPerOnboarding, storagePerOnboarding: calls.storagePerOnboarding,
        peakRssMiB: Math.round(peakRss / 1024 / 1024),
      };
    });
    await quiet(world);
    for (const ending of otherEndings.splice(0)) console.log(`  ended otherwise (concurrency ${concurrency}): ${ending}`);
    return { result, calls: calls! };
  } finally {
    clearInterval(sampler);
  }
}

/** Waits until the bot has sent Graph nothing for 2 s (a "working on it" onboarding finishes in the background), at most 2 minutes. */
async function quiet(world: World): Promise<void> {
  const until = Date.now() + 120_000;
  let last = world.graph.drain().graph;
  let quietSince = Date.now();
  while (Date.now() < until && Date.now() - quietSince < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = world.graph.drain().graph;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

export interface LatencyComparison {
  readonly graphLatencyMs: number;
  readonly onboardings: number;
  readonly botSeconds: number;
  readonly botCreated: number;
  readonly naiveSeconds: number;
  readonly naiveCreated: number;
  readonly ratio: number;
}

/** The recipe: for each person, GET /users/{upn} (404 = free), then POST /users; one after another. */
async function naiveLoop(tenant: LocalTenant, n: number): Promise<{ seconds: number; created: number }> {
  const credential = createCredential({
    tenantId: tenant.tenantId, authorityHost: tenant.authorityHost, disableInstanceDiscovery: true,
    credential: { kind: 'clientSecret', clientId: tenant.app.clientId, clientSecret: tenant.app.clientSecret },
  });
  const base = new URL(tenant.graphBaseUrl);
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }),
    baseUrl: base.origin,
    defaultVersion: 'v1.0',
    customHosts: new Set([base.hostname.toLowerCase()]),
  });
  await client.api('/domains').get(); // the token, as the bot has one before its first onboarding
  let created = 0;
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const person = nextPerson().fields;
    const nickname = `${person.givenName}.${person.surname}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    const upn = `${nickname}@contoso.com`;
    try {
      await client.api(`/users/${encodeURIComponent(upn)}`).get();
      continue; // taken: the recipe skips the person
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
    await client.api('/users').post({
      accountEnabled: true, displayName: `${person.givenName} ${person.surname}`, mailNickname: nickname, userPrincipalName: upn, usageLocation: 'US',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: `${randomUUID()}Aa1!` },
    });
    created += 1;
  }
  return { seconds: (performance.now() - started) / 1000, created };
}

async function underGraphLatency(world: World, n: number, latencyMs: number): Promise<LatencyComparison> {
  world.tenant.setFaults({ latencyMs });
  try {
    const started = performance.now();
    let botCreated = 0;
    for (let i = 0; i < n; i += 1) if ((await onboardInConversation(world)) === 'created') botCreated += 1;
    const botSeconds = (performance.now() - started) / 1000;
    const naive = await naiveLoop(world.tenant, n);
    return { graphLatencyMs: latencyMs, onboardings: n, botSeconds, botCreated, naiveSeconds: naive.seconds, naiveCreated: naive.created, ratio: botSeconds / naive.seconds };
  } finally {
    world.tenant.setFaults({});
  }
}

// ------------------------------------------------------------------------------ main

export interface ProductResults {
  readonly overhead: OverheadResult;
  readonly conversations: BenchResult[];
  readonly calls: CallsResult;
  readonly graphLatency: LatencyComparison;
}

export async function runProductBenchmarks(
  options: { readonly helpRequests?: number; readonly latencyOnboardings?: number; readonly conversationsPerRun?: readonly [number, number, number] } = {},
): Promise<ProductResults> {
  const [n1, n8, n32] = options.conversationsPerRun ?? [20, 32, 64];
  const ports: AzurePorts = { blobPort: await freePort(), queuePort: await freePort(), tablePort: await freePort() };
  const azurite = await startAzurite(ports);
  let world: World | undefined;
  try {
    world = await openWorld(ports);
    // Not measured: JIT, connection pools, token and role caches warm first.
    for (let i = 0; i < 10; i += 1) await onboardInConversation(world);

    const help = await overhead(world, options.helpRequests ?? 1000);
    console.log('\n## The bot against a bare teams-ai Application (same adapter, host and Azurite storage), interleaved');
    console.log(`  ${help.requests} of each: bot "help" p50 ${formatMs(help.bot.p50)} p99 ${formatMs(help.bot.p99)}; bare p50 ${formatMs(help.bareTeamsAi.p50)} p99 ${formatMs(help.bareTeamsAi.p99)}`
      + ` → ${help.ratioP50.toFixed(2)}× at p50, ${help.ratioP99.toFixed(2)}× at p99`);

    const first = await conversations(world, n1, 1);
    const rest = [await conversations(world, n8, 8), await conversations(world, n32, 32)];
    const runs = [first.result, ...rest.map((r) => r.result)];
    printTable('Whole conversations through the bot: "new user" → Review → Create (Graph over HTTPS, Azurite, throttling off)', runs);
    const calls = first.calls;
    console.log(`  per onboarding (concurrency 1): ${calls.graphPerOnboarding.toFixed(1)} Graph requests ${JSON.stringify(calls.graphByOperation)}, `
      + `${calls.storagePerOnboarding.toFixed(1)} storage requests ${JSON.stringify(calls.storageByKind)}`);

    const latency = await underGraphLatency(world, options.latencyOnboardings ?? 100, 100);
    console.log(`\n## ${latency.onboardings} onboardings one after another, ${latency.graphLatencyMs} ms added to every Graph and token request`);
    console.log(`  bot (whole conversations): ${latency.botSeconds.toFixed(1)} s, ${latency.botCreated} created; recipe's naive loop (GET then POST /users): `
      + `${latency.naiveSeconds.toFixed(1)} s, ${latency.naiveCreated} created → ${latency.ratio.toFixed(2)}×`);
    return { overhead: help, conversations: runs, calls, graphLatency: latency };
  } finally {
    await world?.close();
    await azurite.process.stop(5000);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { caCertPath } = ensureLocalCertificates(TLS_DIR);
  if (process.env.NODE_EXTRA_CA_CERTS !== caCertPath) {
    // Node reads NODE_EXTRA_CA_CERTS at start-up only: start again trusting the local CA.
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath } });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  } else {
    const quick = process.argv.includes('--quick');
    const results = await runProductBenchmarks(quick ? { helpRequests: 40, latencyOnboardings: 3, conversationsPerRun: [3, 8, 32] } : {});
    const jsonAt = process.argv.indexOf('--json');
    const file = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;
    if (file) writeFileSync(file, JSON.stringify({ product: results }, null, 2));
  }
}
