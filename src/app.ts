/**
 * The one composition root: config → adapters → use cases → Teams Application → HTTP host.
 * `startApp` reads as the list of its steps; each step below builds one part from config.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CardFactory, MessageFactory } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import type { AppConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';
import { startHttpServer, type ReadinessProbe } from './http-server.js';
import { createBotApplication } from './bot/bot-application.js';
import { createBotFramework, type BotFramework } from './bot/bot-framework.js';
import { temporaryPasswordCard, ticketCard } from './bot/cards/onboarding-cards.js';
import { ConversationAddresses } from './delivery/conversation-addresses.js';
import {
  createTeamsCredentialDelivery, createTeamsMessageUpdater, createTeamsRequesterNotice, createTeamsTicketChannel, type TeamsDeliveryOptions,
} from './delivery/teams-delivery.js';
import { revealCard } from './bot/cards/credentials-cards.js';
import { dateStyleOf } from './bot/cards/dates.js';
import { createTableCredentialStore, type TableCredentialStore } from './storage/table-credential-store.js';
import { createGraphDirectory } from './directory/index.js';
import { createBlobRequestStore, type BlobRequestStore } from './storage/blob-request-store.js';
import { createTableAuditLog, type TableAuditLog } from './storage/table-audit-log.js';
import { toCsv } from './storage/audit-csv.js';
import { createBlobRateLimiter } from './storage/blob-rate-limiter.js';
import {
  REFUSAL_EVENT, createAesGcmSecretVault, createRequestDesk, createRoleResolver, cryptoRandom, resumeUnfinishedRequests, scheduleResume, systemClock,
  type AuditLog, type Clock, type Directory, type OnboardingDependencies, type RequestDeskDependencies,
} from './onboarding/index.js';

export interface RunningApp {
  readonly url: string;
  readonly logger: Logger;
  /** Finishes in-flight turns (up to the configured grace period, or `graceMs`), then closes. */
  stop(graceMs?: number): Promise<{ drained: boolean }>;
}

/** Outside-world stand-ins a test may inject; production passes none. */
export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  directory?: Directory;
  audit?: AuditLog;
  /** How long the Create click waits before answering "working on it". */
  createAnswerWithinMs?: number;
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function startApp(config: AppConfig, overrides: AppOverrides = {}): Promise<RunningApp> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const botFramework = createBotFramework({ mode: config.mode, ...config.bot }, logger);
  const storage = createStorage(config, logger, overrides);
  const directory = overrides.directory ?? createDirectory(config);
  const teams = createTeamsDelivery(config, botFramework, storage.addresses, logger);
  const workflow = createWorkflow(config, { directory, storage, teams, clock: overrides.clock ?? systemClock, instanceId });
  const desk = createRequestDesk(createDeskDependencies(config, workflow, storage, teams));
  const bot = createBotApplication({
    adapter: botFramework.adapter,
    storage: storage.botState,
    botAppId: config.bot.appId,
    tenantId: config.tenantId,
    logger,
    desk,
    addresses: storage.addresses,
    messages: teams.messages,
    createAnswerWithinMs: overrides.createAnswerWithinMs,
  });
  const server = await startHttpServer({
    host: config.server.host,
    port: config.server.port,
    version: VERSION,
    mode: config.mode,
    logger,
    probes: readinessProbes(storage, directory, workflow.clock),
    handleMessage: botFramework.handleMessage(bot),
    authenticateMessage: botFramework.authenticateRequest,
    loopbackHostsOnly: config.mode === 'local',
  });
  logger.info({ url: server.url, mode: config.mode, version: VERSION, instanceId }, 'bot listening');
  const resume = startResumeScheduler(config, workflow, storage.requests, teams, logger);

  return {
    url: server.url,
    logger,
    stop: (graceMs = config.server.shutdownGraceMs) => {
      // No new resume pass; one under way finishes (or is cut like a crash, and resumed later).
      void resume.stop();
      return server.close(graceMs);
    },
  };
}

interface Storage {
  /** The bot's own state: conversation state, drafts, addresses. */
  readonly botState: BlobsStorage;
  readonly requests: BlobRequestStore;
  readonly auditTable: TableAuditLog;
  /** Sealed credentials, each entry deleted for good once revealed (plus grace) or expired. */
  readonly credentials: TableCredentialStore;
  /** Every audit event, stored insert-only and mirrored to the structured log (never a secret: the domain sends none). */
  readonly audit: AuditLog;
  readonly addresses: ConversationAddresses;
}

function createStorage(config: AppConfig, logger: Logger, overrides: AppOverrides): Storage {
  const { connectionString } = config.storage;
  const botState = new BlobsStorage(connectionString, config.storage.container);
  const auditTable = createTableAuditLog({ connectionString, tableName: config.storage.auditTable });
  const configuredTicketChannel = config.ticketChannel
    ? {
        channelId: 'msteams',
        serviceUrl: config.ticketChannel.serviceUrl,
        conversation: { id: config.ticketChannel.conversationId, isGroup: true, conversationType: 'channel', tenantId: config.tenantId, name: 'IT tickets' },
        bot: { id: config.bot.appId || 'onboarding-bot', name: 'Onboarding' },
      }
    : undefined;
  return {
    botState,
    requests: createBlobRequestStore({
      connectionString, containerName: config.storage.requestsContainer,
      // A marker of the unfinished index is removed only once no step (lease) can still be between its two writes.
      resumeBatchSize: config.resume.batchSize, unfinishedSettleMs: config.resume.leaseMs,
    }),
    auditTable,
    credentials: createTableCredentialStore({ connectionString, tableName: config.storage.credentialsTable }),
    audit: mirroredToLog(overrides.audit ?? auditTable, logger),
    addresses: new ConversationAddresses(botState, configuredTicketChannel),
  };
}

/**
 * Every audit event also goes to the structured log, once: a refusal at warn (who, what,
 * why — it is written before the event is stored, so a storage failure still leaves the
 * line), everything else at info once stored.
 */
function mirroredToLog(audit: AuditLog, logger: Logger): AuditLog {
  return {
    async append(event) {
      if (event.type === REFUSAL_EVENT) {
        logger.warn({ refusal: event.details, requestId: event.requestId, correlationId: event.correlationId }, `refused: ${String(event.details.reason)}`);
        return audit.append(event);
      }
      await audit.append(event);
      logger.info({ audit: event, correlationId: event.correlationId }, `audit ${event.type}`);
    },
  };
}

function createDirectory(config: AppConfig): Directory {
  return createGraphDirectory({
    baseUrl: config.graph.baseUrl,
    tenantId: config.tenantId,
    credential: config.graph.credential,
    authorityHost: config.graph.authorityHost,
    disableInstanceDiscovery: config.graph.disableInstanceDiscovery,
    markerAttribute: config.accounts.createMarkerAttribute,
  });
}

/** Proactive Teams messages: the password to the requester, notices, tickets to the IT channel. */
function createTeamsDelivery(config: AppConfig, botFramework: BotFramework, addresses: ConversationAddresses, logger: Logger) {
  const options: TeamsDeliveryOptions = {
    adapter: botFramework.adapter,
    botAppId: config.bot.appId,
    addresses,
    logger,
    passwordMessage: (view) => MessageFactory.attachment(CardFactory.adaptiveCard(temporaryPasswordCard(view))),
    revealMessage: (notice, recipientTeamsId, recipient) => MessageFactory.attachment(CardFactory.adaptiveCard(revealCard(notice, recipientTeamsId, dateStyleOf(recipient)))),
    // Times in a ticket read as the requester reads them (the ticket channel has no one person's settings).
    ticketMessage: (ticket) => MessageFactory.attachment(CardFactory.adaptiveCard(ticketCard(ticket, dateStyleOf(ticket.requester)))),
  };
  return {
    delivery: createTeamsCredentialDelivery(options),
    tickets: createTeamsTicketChannel(options),
    notice: createTeamsRequesterNotice(options),
    messages: createTeamsMessageUpdater(options),
  };
}

function createWorkflow(
  config: AppConfig,
  parts: { directory: Directory; storage: Storage; teams: ReturnType<typeof createTeamsDelivery>; clock: Clock; instanceId: string },
): OnboardingDependencies {
  const key = config.secretVaultKey;
  return {
    directory: parts.directory,
    delivery: parts.teams.delivery,
    tickets: parts.teams.tickets,
    store: parts.storage.requests,
    audit: parts.storage.audit,
    vault: createAesGcmSecretVault({ key, keyId: createHash('sha256').update(key).digest('hex').slice(0, 12) }),
    credentials: parts.storage.credentials,
    clock: parts.clock,
    random: cryptoRandom,
    policy: config.onboarding,
    instanceId: parts.instanceId,
  };
}

function createDeskDependencies(
  config: AppConfig, workflow: OnboardingDependencies, storage: Storage, teams: ReturnType<typeof createTeamsDelivery>,
): RequestDeskDependencies {
  return {
    ...workflow,
    roles: createRoleResolver({ directory: workflow.directory, groups: config.roles, clock: workflow.clock, cacheMs: config.roleCacheMs }),
    rateLimiter: createBlobRateLimiter({
      connectionString: config.storage.connectionString, containerName: config.storage.limitsContainer, now: () => workflow.clock.now(),
    }),
    rateLimits: config.rateLimits,
    notice: teams.notice,
    history: storage.requests,
    auditTrail: { query: (criteria) => storage.auditTable.query(criteria), toCsv },
    defaultUsageLocation: config.accounts.defaultUsageLocation,
  };
}

/** /healthz: storage, audit table and directory, each answering now. */
function readinessProbes(storage: Storage, directory: Directory, clock: Clock): ReadinessProbe[] {
  return [
    reachabilityProbe('storage', storage.requests),
    reachabilityProbe('audit', storage.auditTable),
    reachabilityProbe('credentials', storage.credentials),
    // Token + GET /domains proves credential, permission and reachability; remembered for
    // 30 s so frequent health probes cost Graph almost nothing.
    { name: 'directory', check: rememberSuccess(30_000, clock, async () => void (await directory.listDomains())) },
  ];
}

/** Requests left unfinished by a crash, a kill or a long throttle continue without anyone clicking. */
function startResumeScheduler(
  config: AppConfig, workflow: OnboardingDependencies, requests: BlobRequestStore, teams: ReturnType<typeof createTeamsDelivery>, logger: Logger,
) {
  return scheduleResume(async () => {
    const report = await resumeUnfinishedRequests(workflow, requests, { notice: teams.notice });
    for (const { requestId, error } of report.failed) logger.error({ err: error, requestId }, 'could not resume an onboarding request');
    if (report.resumed.length > 0 || report.notified.length > 0 || report.purged > 0) {
      logger.info({ resumed: report.resumed, notified: report.notified, notDue: report.notDue, purged: report.purged }, 'resumed unfinished onboarding requests');
    }
  }, { intervalMs: config.resume.intervalMs, onError: (error) => logger.warn({ err: error }, 'could not list unfinished onboarding requests') });
}

/** Runs `check` at most once per `ms` while it succeeds; a failure is never remembered. */
function rememberSuccess(ms: number, clock: Clock, check: () => Promise<void>): () => Promise<void> {
  let okUntil = 0;
  return async () => {
    const now = clock.now().getTime();
    if (now < okUntil) return;
    await check();
    okUntil = now + ms;
  };
}

/** A readiness probe over a storage adapter's own reachability check. */
function reachabilityProbe(name: string, target: { checkReachable(o: { timeoutMs: number }): Promise<{ reachable: true } | { reachable: false; reason: string }> }): ReadinessProbe {
  return {
    name,
    check: async () => {
      const result = await target.checkReachable({ timeoutMs: 2500 });
      if (!result.reachable) throw new Error(result.reason);
    },
  };
}
