/**
 * The one composition root: config → adapters → use cases → Teams Application → HTTP host.
 * `startApp` reads as the list of its steps; each step below builds one part from config.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { PUBLIC_BOT_FRAMEWORK_CLOUD, type AppConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';
import { startHttpServer, type ReadinessProbe } from './http-server.js';
import { createBotApplication } from './bot/bot-application.js';
import { createBotFramework, type BotFramework } from './bot/bot-framework.js';
import { createBotStateStorage, type BotStateStorage } from './bot/bot-state.js';
import { bulkMessages, onboardingMessages } from './bot/proactive-messages.js';
import { ConversationAddresses } from './delivery/conversation-addresses.js';
import {
  createTeamsCredentialDelivery, createTeamsMessageUpdater, createTeamsRequesterNotice, createTeamsTicketChannel, type TeamsDeliveryOptions,
} from './delivery/teams-delivery.js';
import { createTeamsBulkReporting } from './delivery/teams-bulk-reporting.js';
import { createGraphBulkDirectory } from './directory/graph-bulk-directory.js';
import { createBlobBulkJobStore } from './storage/blob-bulk-job-store.js';
import { createTableCredentialStore, type TableCredentialStore } from './storage/table-credential-store.js';
import { managedIdentityCredential, type StorageAccess } from './storage/storage-account.js';
import { readSealingKeyFromKeyVault } from './storage/key-vault-sealing-key.js';
import { createGraphDirectory, createGraphGuestDirectory, createGraphMailer, createGraphTemplateDirectory, createTeamsAppInstaller } from './directory/index.js';
import { createTableTemplateStore, type TableTemplateStore } from './storage/table-template-store.js';
import { createBlobRequestStore, type BlobRequestStore } from './storage/blob-request-store.js';
import { createTableAuditLog, type TableAuditLog } from './storage/table-audit-log.js';
import { toCsv } from './storage/audit-csv.js';
import { createBlobRateLimiter } from './storage/blob-rate-limiter.js';
import {
  REFUSAL_EVENT, createAesGcmSecretVault, createBulkDesk, createTemplateDesk, seedTemplates, type TemplateDesk, type TemplateDeskDependencies, type TemplateDirectory, defaultBulkPolicy, type BulkDesk, type BulkDeskDependencies, createRequestDesk, createRoleResolver, cryptoRandom, resumeUnfinishedRequests, scheduleResume, systemClock,
  type AuditLog, type Clock, type Directory, type GuestDirectory, type OnboardingDependencies, type RequestDeskDependencies, type WelcomeMailer,
} from './onboarding/index.js';

export interface RunningApp {
  readonly url: string;
  readonly logger: Logger;
  /** Finishes in-flight turns (up to the configured grace period, or `graceMs`), then closes. */
  stop(graceMs?: number): Promise<{ drained: boolean }>;
}

/** Outside-world stand-ins a test may inject; production passes only the launcher's logger (which may feed telemetry). */
export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  directory?: Directory;
  /** Guest invitations (Entra B2B). */
  guests?: GuestDirectory;
  /** The welcome mail's sender; null = none, whatever the config says. */
  mailer?: WelcomeMailer | null;
  /** The directory's groups and licences, for templates. */
  templateDirectory?: TemplateDirectory;
  audit?: AuditLog;
  /** How long any card action may take before it is answered "working on it" (the work goes on). */
  cardAnswerWithinMs?: number;
  /** The older name of cardAnswerWithinMs (it once applied to Create only). */
  createAnswerWithinMs?: number;
}

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function startApp(config: AppConfig, overrides: AppOverrides = {}): Promise<RunningApp> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const botFramework = createBotFramework({ mode: config.mode, ...config.bot }, logger);
  const sealingKey = await readSealingKey(config);
  const storage = createStorage(config, logger, overrides);
  const directory = overrides.directory ?? createDirectory(config);
  const teams = createTeamsDelivery(config, botFramework, storage.addresses, logger);
  const mailer = overrides.mailer === undefined ? createMailer(config) : overrides.mailer ?? undefined;
  logger.info(mailer && config.welcomeMail ? `welcome emails are sent from ${config.welcomeMail.from}` : 'no welcome emails are sent (WELCOME_MAIL_FROM is not set)');
  const guests = overrides.guests ?? createGraphGuestDirectory({ ...directoryOptions(config), markerAttribute: config.accounts.createMarkerAttribute });
  const templateDirectory = overrides.templateDirectory ?? createGraphTemplateDirectory({ ...directoryOptions(config) });
  const workflow = createWorkflow(config, { directory, guests, mailer, storage, teams, sealingKey, clock: overrides.clock ?? systemClock, instanceId, templateDirectory });
  const deskDependencies = createDeskDependencies(config, workflow, storage, teams);
  const desk = createRequestDesk(deskDependencies);
  const templateDesk = await createTemplates(config, { ...deskDependencies, templates: storage.templates, templateDirectory, markerAttribute: config.accounts.createMarkerAttribute }, logger);
  const bulkDesk = createBulkDesk(createBulkDependencies(config, deskDependencies, botFramework, storage, logger));
  const bot = createBotApplication({
    adapter: botFramework.adapter,
    storage: storage.botState,
    botAppId: config.bot.appId,
    tenantId: config.tenantId,
    logger,
    desk,
    addresses: storage.addresses,
    messages: teams.messages,
    cardAnswerWithinMs: overrides.cardAnswerWithinMs ?? overrides.createAnswerWithinMs,
    fileUploadHosts: config.fileUploadHosts,
    bulkDesk,
    templateDesk,
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
  const resume = startResumeScheduler(config, workflow, storage.requests, teams, logger, bulkDesk);

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
  readonly botState: BotStateStorage;
  readonly requests: BlobRequestStore;
  readonly auditTable: TableAuditLog;
  /** Sealed credentials, each entry deleted for good once revealed (plus grace) or expired. */
  readonly credentials: TableCredentialStore;
  /** Onboarding templates (groups, licence, defaults per department). */
  readonly templates: TableTemplateStore;
  /** Every audit event, stored insert-only and mirrored to the structured log (never a secret: the domain sends none). */
  readonly audit: AuditLog;
  readonly addresses: ConversationAddresses;
  /** How the rate limiter reaches the same account. */
  readonly access: StorageAccess;
}

/** The key that seals credentials: from the environment, or read from Key Vault as the managed identity (the bot does not start without it). */
async function readSealingKey(config: AppConfig): Promise<Buffer> {
  const source = config.sealingKey;
  if (source.kind === 'value') return source.key;
  return readSealingKeyFromKeyVault({
    vaultUrl: source.vaultUrl,
    secretName: source.secretName,
    credential: managedIdentityCredential(source.clientId),
    verifyChallengeResource: source.verifyChallengeResource,
  });
}

/** A connection string, or the account's endpoints with the managed identity's tokens (no account key). */
function storageAccessOf(config: AppConfig): StorageAccess {
  const access = config.storage.access;
  return access.kind === 'connectionString'
    ? { connectionString: access.connectionString }
    : { account: { blobUrl: access.blobUrl, tableUrl: access.tableUrl, credential: managedIdentityCredential(access.clientId) } };
}

function createStorage(config: AppConfig, logger: Logger, overrides: AppOverrides): Storage {
  const access = storageAccessOf(config);
  const botState = createBotStateStorage(access, config.storage.container);
  const auditTable = createTableAuditLog({ ...access, tableName: config.storage.auditTable });
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
      ...access, containerName: config.storage.requestsContainer,
      // A marker of the unfinished index is removed only once no step (lease) can still be between its two writes.
      resumeBatchSize: config.resume.batchSize, unfinishedSettleMs: config.resume.leaseMs,
    }),
    auditTable,
    credentials: createTableCredentialStore({ ...access, tableName: config.storage.credentialsTable }),
    templates: createTableTemplateStore({ ...access, tableName: config.storage.templatesTable }),
    audit: mirroredToLog(overrides.audit ?? auditTable, logger),
    addresses: new ConversationAddresses(botState, configuredTicketChannel),
    access,
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
    async appendAll(events) {
      await audit.appendAll(events);
      for (const event of events) logger.info({ audit: event, correlationId: event.correlationId }, `audit ${event.type}`);
    },
  };
}

function createDirectory(config: AppConfig): Directory {
  return createGraphDirectory({ ...directoryOptions(config), markerAttribute: config.accounts.createMarkerAttribute });
}

function directoryOptions(config: AppConfig) {
  return {
    baseUrl: config.graph.baseUrl,
    tenantId: config.tenantId,
    credential: config.graph.credential,
    authorityHost: config.graph.authorityHost,
    disableInstanceDiscovery: config.graph.disableInstanceDiscovery,
  };
}

/** The welcome mail's sender (Graph sendMail as the service mailbox), when WELCOME_MAIL_FROM is set. */
function createMailer(config: AppConfig): WelcomeMailer | undefined {
  if (!config.welcomeMail) return undefined;
  return createGraphMailer({
    baseUrl: config.graph.baseUrl,
    tenantId: config.tenantId,
    credential: config.graph.credential,
    authorityHost: config.graph.authorityHost,
    disableInstanceDiscovery: config.graph.disableInstanceDiscovery,
    from: config.welcomeMail.from,
  });
}

/** Proactive Teams messages: the password to the requester, notices, tickets to the IT channel. */
function createTeamsDelivery(config: AppConfig, botFramework: BotFramework, addresses: ConversationAddresses, logger: Logger) {
  const options: TeamsDeliveryOptions = {
    adapter: botFramework.adapter,
    botAppId: config.bot.appId,
    // A conversation the bot opens is with its own cloud's Bot Connector (replies take it from the inbound token).
    audience: (config.bot.cloud ?? PUBLIC_BOT_FRAMEWORK_CLOUD).oauthScope,
    addresses,
    logger,
    ...onboardingMessages,
    tenantId: config.tenantId,
    // A recipient who never wrote to the bot gets the app installed first, where configuration allows.
    ...(config.recipientReach.installApp && config.recipientReach.teamsAppCatalogId
      ? { installAppFor: createTeamsAppInstaller({ ...directoryOptions(config), teamsAppCatalogId: config.recipientReach.teamsAppCatalogId }) }
      : {}),
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
  parts: {
    directory: Directory; guests: GuestDirectory; mailer: WelcomeMailer | undefined; storage: Storage; teams: ReturnType<typeof createTeamsDelivery>; sealingKey: Buffer; clock: Clock; instanceId: string;
    templateDirectory: TemplateDirectory;
  },
): OnboardingDependencies {
  const key = parts.sealingKey;
  return {
    directory: parts.directory,
    guests: parts.guests,
    delivery: parts.teams.delivery,
    tickets: parts.teams.tickets,
    store: parts.storage.requests,
    audit: parts.storage.audit,
    vault: createAesGcmSecretVault({ key, keyId: createHash('sha256').update(key).digest('hex').slice(0, 12) }),
    credentials: parts.storage.credentials,
    mailer: parts.mailer,
    clock: parts.clock,
    random: cryptoRandom,
    policy: config.onboarding,
    instanceId: parts.instanceId,
    templates: parts.storage.templates,
    templateDirectory: parts.templateDirectory,
  };
}

/**
 * Managing templates (admins, in Teams), and the seed file imported while there are none
 * (TEMPLATES_SEED_FILE: the local launcher's Marketing template). A seed that cannot be
 * imported is logged and the bot starts without it: templates are an addition, never a gate.
 */
async function createTemplates(config: AppConfig, deps: TemplateDeskDependencies, logger: Logger): Promise<TemplateDesk> {
  if (config.templatesSeedFile) {
    try {
      const answer = await seedTemplates(deps, readFileSync(config.templatesSeedFile, 'utf8'), 'the templates seed file');
      if (answer.kind === 'imported') logger.info({ file: config.templatesSeedFile }, `onboarding templates seeded: ${answer.sentence}`);
      else if (answer.kind === 'problems') logger.warn({ file: config.templatesSeedFile, problems: answer.problems }, `onboarding templates not seeded: ${answer.sentence}`);
    } catch (error) {
      logger.warn({ err: error, file: config.templatesSeedFile }, 'onboarding templates not seeded');
    }
  }
  return createTemplateDesk(deps);
}

function createDeskDependencies(
  config: AppConfig, workflow: OnboardingDependencies, storage: Storage, teams: ReturnType<typeof createTeamsDelivery>,
): RequestDeskDependencies {
  return {
    ...workflow,
    roles: createRoleResolver({ directory: workflow.directory, groups: config.roles, clock: workflow.clock, cacheMs: config.roleCacheMs }),
    rateLimiter: createBlobRateLimiter({
      ...storage.access, containerName: config.storage.limitsContainer, now: () => workflow.clock.now(),
    }),
    rateLimits: config.rateLimits,
    notice: teams.notice,
    history: storage.requests,
    auditTrail: { query: (criteria) => storage.auditTable.query(criteria), toCsv },
    defaultUsageLocation: config.accounts.defaultUsageLocation,
  };
}

/** Bulk onboarding: batches through Graph, jobs in Blob Storage beside the requests, progress and results through Teams. */
function createBulkDependencies(
  config: AppConfig, desk: RequestDeskDependencies, botFramework: BotFramework, storage: Storage, logger: Logger,
): BulkDeskDependencies {
  return {
    ...desk,
    bulkDirectory: createGraphBulkDirectory({
      baseUrl: config.graph.baseUrl, tenantId: config.tenantId, credential: config.graph.credential, authorityHost: config.graph.authorityHost,
      disableInstanceDiscovery: config.graph.disableInstanceDiscovery, markerAttribute: config.accounts.createMarkerAttribute,
    }),
    bulkJobs: createBlobBulkJobStore({ ...storage.access, containerName: config.storage.requestsContainer }),
    bulkReporting: createTeamsBulkReporting({
      adapter: botFramework.adapter, botAppId: config.bot.appId, logger, addresses: storage.addresses,
      ...bulkMessages,
    }),
    bulkPolicy: {
      ...defaultBulkPolicy, maxRows: config.bulk.maxRows, perAdminPerDay: config.bulk.perAdminPerDay,
      budgets: { ...defaultBulkPolicy.budgets, directoryWrites: config.bulk.writeBudget },
    },
  };
}

/** Readiness (/readyz, /healthz): storage, audit table, credentials table and directory, each answering now. */
function readinessProbes(storage: Storage, directory: Directory, clock: Clock): ReadinessProbe[] {
  return [
    reachabilityProbe('storage', storage.requests),
    reachabilityProbe('audit', storage.auditTable),
    reachabilityProbe('credentials', storage.credentials),
    reachabilityProbe('templates', storage.templates),
    // Token + GET /domains proves credential, permission and reachability; remembered for
    // 30 s so frequent health probes cost Graph almost nothing.
    { name: 'directory', check: rememberSuccess(30_000, clock, async () => void (await directory.listDomains())) },
  ];
}

/** Requests left unfinished by a crash, a kill or a long throttle continue without anyone clicking. */
function startResumeScheduler(
  config: AppConfig, workflow: OnboardingDependencies, requests: BlobRequestStore, teams: ReturnType<typeof createTeamsDelivery>, logger: Logger,
  bulkDesk: BulkDesk,
) {
  // A bulk run can take minutes: it goes on beside the pass, never two from one tick at once.
  let bulkResume: Promise<unknown> | undefined;
  return scheduleResume(async () => {
    bulkResume ??= bulkDesk.resumeUnfinished()
      .then((resumed) => resumed > 0 && logger.info({ resumed }, 'resumed unfinished bulks'))
      .catch((error: unknown) => logger.error({ err: error }, 'could not resume a bulk'))
      .finally(() => { bulkResume = undefined; });
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
