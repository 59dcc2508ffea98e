/**
 * Real bot processes (`tsx src/index.ts`) for the resilience tests: started with the
 * environment people use, killed with SIGKILL on their whole process group (no goodbye,
 * like a crashed host), and read back through what the outside world saw — the local
 * tenant's directory, the recording Bot Connector, the blob store and the audit table.
 */
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { inject } from 'vitest';
import { freePort, startBotProcess as spawnBot, waitUntilReady, type ManagedProcess } from '../../scripts/local-services.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { createBlobRequestStore, createTableAuditLog, type RecordedAuditEvent } from '../../src/storage/index.js';
import type { OnboardingRecord } from '../../src/onboarding/index.js';
import type { RecordingConnector, RecordedActivity } from '../support/recording-connector.js';
import { PEOPLE, TENANT_ID, cardAction, personalMessage, type Person } from '../support/activities.js';
import { actionData, cardOf, cardsIn, invokeResult, textOf, type Card } from '../support/cards.js';

export const TICKET_CHANNEL = '19:it-tickets@thread.tacv2';
export const MARKER_ATTRIBUTE = 'extensionAttribute15';

/** What every bot process of one test shares: storage, vault key, tenant, connector. */
export interface SharedWorld {
  readonly tenant: LocalTenant;
  readonly connector: RecordingConnector;
  readonly container: string;
  readonly auditTable: string;
  readonly vaultKey: string;
  readonly extraEnv: Record<string, string>;
}

export function newSharedWorld(tenant: LocalTenant, connector: RecordingConnector, extraEnv: Record<string, string> = {}): SharedWorld {
  return {
    tenant,
    connector,
    container: `res-${randomBytes(5).toString('hex')}`,
    auditTable: `Res${randomBytes(5).toString('hex')}`,
    // One key for every process and restart: a password sealed before a crash is unsealed after it.
    vaultKey: randomBytes(32).toString('base64'),
    // The password as a message, so every copy that reached Teams can be counted and compared
    // across crashes; the reveal card goes through the same delivery step and record kernel
    // (test/onboarding/credentials.test.ts kills a reissue mid-delivery with it). No pass: one secret per message.
    extraEnv: { CREDENTIAL_DELIVERY: 'message', TAP_MODE: 'off', ...extraEnv },
  };
}

export interface BotProcess {
  readonly name: string;
  readonly process: ManagedProcess;
  readonly url: string;
  readonly pid: number;
  /** The instance id the bot logged at start; audit actors begin with it. */
  readonly instanceId: string;
  send(activity: unknown): Promise<{ status: number; body: unknown }>;
}

/**
 * Loaded into each bot process (`node --import`): prints a line whenever the process lists the
 * unfinished requests (the listing of the unfinished index's markers that starts every resume pass), so a test sees
 * passes happen instead of sleeping through a few of them.
 */
const RESUME_PASS_LINE = 'test: resume pass listing unfinished requests';
const REPORT_RESUME_PASSES = `data:text/javascript,${encodeURIComponent(
  "import { subscribe } from 'node:diagnostics_channel';"
  + "subscribe('http.client.request.start', ({ request }) => {"
  + "  const path = decodeURIComponent(request.path);"
  + `  if (path.includes('comp=list') && path.includes('prefix=unfinished/')) process.stdout.write('${RESUME_PASS_LINE}\\n');`
  + '});',
)}`;

/** Resume passes this process has begun (as far as its kept output goes back). */
export function resumePassesOf(bot: BotProcess): number {
  return bot.process.output().split(RESUME_PASS_LINE).length - 1;
}

/** Starts `tsx src/index.ts` as its own process group and waits for /healthz. */
export async function startBotProcess(world: SharedWorld, name: string): Promise<BotProcess> {
  const port = await freePort();
  const child = spawnBot({
    name,
    env: {
      PORT: String(port),
      TENANT_ID,
      STORAGE_CONNECTION_STRING: inject('azuriteConnectionString'),
      STORAGE_CONTAINER: world.container,
      AUDIT_TABLE: world.auditTable,
      SECRET_VAULT_KEY: world.vaultKey,
      GRAPH_AUTHORITY_HOST: world.tenant.authorityHost,
      GRAPH_BASE_URL: world.tenant.graphBaseUrl,
      GRAPH_CLIENT_ID: world.tenant.app.clientId,
      GRAPH_CLIENT_SECRET: world.tenant.app.clientSecret,
      TICKET_CHANNEL_ID: TICKET_CHANNEL,
      TICKET_CHANNEL_SERVICE_URL: world.connector.serviceUrl,
      APPROVAL_POLICY: 'none',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${REPORT_RESUME_PASSES}`].filter(Boolean).join(' '),
      ...world.extraEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, async () => (await fetch(`${url}/healthz`)).ok, { timeoutMs: 45_000 });
  } catch (error) {
    await child.stop(2_000);
    throw error;
  }
  const instanceId = await waitFor(`${name}'s instance id`, () => /"instanceId":"([^"]+)"/.exec(child.output())?.[1], 10_000);
  return {
    name,
    process: child,
    url,
    pid: child.child.pid!,
    instanceId,
    async send(activity) {
      const response = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}

/** kill -9 on the bot's whole process group (tsx and the node it runs): no shutdown hook runs. */
export async function kill9(bot: BotProcess): Promise<void> {
  try {
    process.kill(-bot.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await bot.process.exited;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * What a server in this process (the local tenant) has been sent, seen the moment each request
 * arrives and the moment its answer is done or its connection dropped — through node:http's
 * diagnostics channel, so a test can wait for "the POST has reached the directory" or "nothing
 * is in flight any more" instead of sleeping.
 */
export interface RequestWatch {
  /** Requests received so far with this method and a path matching `path`. */
  arrived(method: string, path: RegExp): number;
  /** Requests received and not yet answered (or dropped). */
  inFlight(): number;
  close(): void;
}

export function watchRequests(port: number): RequestWatch {
  const arrivals: { method: string; path: string }[] = [];
  let open = 0;
  const onStart = (message: unknown) => {
    const { request, response, server } = message as { request: IncomingMessage; response: ServerResponse; server: Server };
    const address = server.address();
    if (typeof address !== 'object' || address?.port !== port) return;
    arrivals.push({ method: request.method ?? '', path: (request.url ?? '').split('?')[0]! });
    open += 1;
    response.once('close', () => {
      open -= 1;
    });
  };
  subscribe('http.server.request.start', onStart);
  return {
    arrived: (method, path) => arrivals.filter((a) => a.method === method && path.test(a.path)).length,
    inFlight: () => open,
    close: () => unsubscribe('http.server.request.start', onStart),
  };
}

/** Waits until neither the directory nor the Bot Connector is still answering anything: what was in flight has landed. */
export function settled(tenantRequests: RequestWatch, connector: RecordingConnector): Promise<true> {
  return waitFor('the directory and the connector to answer everything in flight', () => tenantRequests.inFlight() === 0 && connector.pending === 0);
}

export interface NewPerson {
  readonly givenName: string;
  readonly surname: string;
  readonly manager?: string;
  /** Who gets the credentials, when not the requester (the form's choice). */
  readonly secretRecipient?: 'manager' | 'coordinator';
}

export function formFor(person: NewPerson, ticketReference: string): Record<string, unknown> {
  return {
    givenName: person.givenName,
    surname: person.surname,
    domain: 'contoso.com',
    usageLocation: 'US',
    department: 'Operations',
    employeeType: 'Employee',
    ticketReference,
    businessJustification: 'Resilience test: the bot is killed and restarted around this request.',
    ...(person.manager ? { manager: person.manager } : {}),
    ...(person.secretRecipient ? { secretRecipient: person.secretRecipient } : {}),
  };
}

export const upnOf = (person: NewPerson) => `${person.givenName}.${person.surname}@contoso.com`.toLowerCase();

/** Opens a form in the requester's 1:1 chat and presses "Check and review": the draft is ready for Create. */
export async function reviewedDraft(bot: BotProcess, connector: RecordingConnector, requester: Person, person: NewPerson, ticket: string) {
  const message = personalMessage(connector.serviceUrl, requester, 'new user');
  const opened = await bot.send(message);
  if (opened.status !== 200) throw new Error(`new user answered ${opened.status}`);
  // Under load Teams' typing indicator can come first: wait for the reply that carries the card.
  const reply = await waitFor('the form card', () => connector.repliesTo(message.id).find((r) => cardsIn(r.activity).length > 0));
  const form: Card = cardOf(reply);
  const { draftId } = actionData(form, 'onboarding.review');
  const review = await bot.send(cardAction(connector.serviceUrl, requester, 'onboarding.review', { draftId, ...formFor(person, ticket) }, reply!.activityId));
  const reviewed = invokeResult(review.body);
  if (!reviewed.card || !textOf(reviewed.card).includes(`${upnOf(person)} is free`)) {
    throw new Error(`review did not accept ${upnOf(person)}: ${JSON.stringify(reviewed).slice(0, 400)}`);
  }
  return { draftId: String(draftId), cardMessageId: reply!.activityId };
}

/** The Create click, exactly as Teams sends it; the same object can be delivered twice (redelivery). */
export function createClick(connector: RecordingConnector, requester: Person, draft: { draftId: string; cardMessageId: string }) {
  return cardAction(connector.serviceUrl, requester, 'onboarding.create', { draftId: draft.draftId }, draft.cardMessageId);
}

/** Accounts in the directory carrying this request's create marker. */
export function accountsOf(tenant: LocalTenant, requestId: string) {
  return tenant.directory().users.filter((u) => u.deletedDateTime === null && u.onPremisesExtensionAttributes?.[MARKER_ATTRIBUTE] === `onboarding:${requestId}`);
}

export function accountsNamed(tenant: LocalTenant, upn: string) {
  return tenant.directory().users.filter((u) => u.deletedDateTime === null && u.userPrincipalName.toLowerCase() === upn);
}

/** Temporary passwords this request put into the requester's 1:1 chat, one entry per message. */
export function passwordsDelivered(connector: RecordingConnector, requester: Person, requestId: string): string[] {
  return connector.received
    .filter((r) => r.conversationId === `a:personal-${requester.aadObjectId}` && r.operation !== 'update')
    .flatMap((r) => cardsIn(r.activity))
    .filter((card) => textOf(card).startsWith('Temporary password') && textOf(card).includes(`Request ${requestId}`))
    .map(passwordIn);
}

function passwordIn(card: Card): string {
  const runs: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (n.type === 'TextRun' && n.fontType === 'Monospace' && typeof n.text === 'string') runs.push(n.text);
      Object.values(n).forEach(walk);
    }
  };
  walk(card);
  if (runs.length !== 1) throw new Error('a temporary password card must show exactly one password');
  return runs[0]!;
}

/** Plain-text messages (notices) the requester got about this request. */
export function noticesAbout(connector: RecordingConnector, requester: Person, requestId: string): RecordedActivity[] {
  return connector.received.filter((r) => r.conversationId === `a:personal-${requester.aadObjectId}` && typeof r.activity.text === 'string' && r.activity.text.includes(requestId));
}

/** New ticket messages (posts, not updates) in the IT channel for this request. */
export function ticketPosts(connector: RecordingConnector, requestId: string): RecordedActivity[] {
  return connector.received.filter((r) => r.conversationId.startsWith(TICKET_CHANNEL) && r.operation !== 'update' && JSON.stringify(r.activity).includes(requestId));
}

export function ticketMessages(connector: RecordingConnector, requestId: string): RecordedActivity[] {
  return connector.received.filter((r) => r.conversationId.startsWith(TICKET_CHANNEL) && JSON.stringify(r.activity).includes(requestId));
}

export function storeOf(world: SharedWorld) {
  return createBlobRequestStore({ connectionString: inject('azuriteConnectionString'), containerName: `${world.container}-requests`.slice(0, 63) });
}

export function auditOf(world: SharedWorld) {
  return createTableAuditLog({ connectionString: inject('azuriteConnectionString'), tableName: world.auditTable });
}

/** This request's audit events, oldest first. */
export async function trailOf(world: SharedWorld, requester: Person, requestId: string): Promise<RecordedAuditEvent[]> {
  const events = await auditOf(world).query({ requesterId: requester.aadObjectId, limit: 1000 });
  return events.filter((e) => e.requestId === requestId).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/**
 * The request id the bot gave this UPN: from the unfinished requests while it runs (a run's
 * audit events reach the trail in one batch when it ends), else from the audit trail.
 */
export async function requestIdFor(world: SharedWorld, upn: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(`a request for ${upn}`, async () => {
    const { requests } = await storeOf(world).listUnfinished();
    const running = requests.find((r) => r.record.request?.userPrincipalName.toLowerCase() === upn.toLowerCase());
    if (running) return running.record.requestId;
    const events = await auditOf(world).query({ userPrincipalName: upn, limit: 100 });
    return events[0]?.requestId;
  }, timeoutMs, 50);
}

export async function recordOf(world: SharedWorld, requestId: string): Promise<OnboardingRecord | undefined> {
  return (await storeOf(world).get(requestId))?.record;
}

/** Waits until the request has ended (done, rejected or failed) and returns its record. */
export function finished(world: SharedWorld, requestId: string, intervalMs = 200): Promise<OnboardingRecord> {
  return waitFor('the request to finish', async () => {
    const current = await recordOf(world, requestId);
    return current && ['done', 'rejected', 'failed'].includes(current.status) ? current : undefined;
  }, 60_000, intervalMs);
}

/** Which process wrote an audit event: the actor is `<instanceId>/<run>`. */
export function processOf(event: RecordedAuditEvent, bots: readonly (BotProcess | undefined)[]): string {
  return bots.find((bot) => bot && (event.actor.startsWith(`${bot.instanceId}/`) || event.actor === bot.instanceId))?.name ?? '?';
}

/** Stops every bot still running (SIGTERM, SIGKILL after 3 s) so no orphan outlives a test. */
export async function stopAll(bots: Iterable<BotProcess | undefined>): Promise<void> {
  await Promise.all([...bots].map((bot) => bot?.process.stop(3_000)));
}

export { PEOPLE };

/** Someone else (another admin, another tool) creates an account straight in the directory, without our marker. */
export async function createAccountElsewhere(tenant: LocalTenant, person: NewPerson): Promise<void> {
  const token = await fetch(`${tenant.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: tenant.app.clientId, client_secret: tenant.app.clientSecret, scope: 'https://graph.microsoft.com/.default',
    }),
  }).then(async (response) => ((await response.json()) as { access_token: string }).access_token);
  const upn = upnOf(person);
  const created = await fetch(`${tenant.graphBaseUrl}/v1.0/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      accountEnabled: true, displayName: `${person.givenName} ${person.surname}`, mailNickname: upn.split('@')[0], userPrincipalName: upn,
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Xk9!mPq2Lw#z' },
    }),
  });
  if (created.status !== 201) throw new Error(`the directory refused the other account: ${created.status} ${await created.text()}`);
}
