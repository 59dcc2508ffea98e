/**
 * The one composition root: config → adapters → workflow → Teams Application → HTTP host.
 * Everything else receives what it needs from here.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CardFactory, MessageFactory } from 'botbuilder';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { AppConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';
import { startHttpServer, type ReadinessProbe, type RunningHttpServer } from './http-server.js';
import { createBotApplication } from './bot/bot-application.js';
import { checkInboundActivity } from './bot/inbound-activity.js';
import { createInboundAuthentication } from './bot/inbound-authentication.js';
import { BotConnectorCredentialFactory } from './delivery/bot-connector-credentials.js';
import { DraftStore } from './bot/drafts.js';
import { temporaryPasswordCard, ticketCard } from './bot/cards/onboarding-cards.js';
import { ConversationAddresses } from './delivery/conversation-addresses.js';
import { createTeamsCredentialDelivery, createTeamsRequesterNotice, createTeamsTicketChannel, type TeamsDeliveryOptions } from './delivery/teams-delivery.js';
import { createGraphDirectory } from './directory/index.js';
import { createBlobRequestStore } from './storage/blob-request-store.js';
import { createTableAuditLog } from './storage/table-audit-log.js';
import { toCsv } from './storage/audit-csv.js';
import { createBlobRateLimiter } from './storage/blob-rate-limiter.js';
import {
  createAesGcmSecretVault, createRoleResolver, cryptoRandom, defaultOnboardingPolicy, describeOutcome, resumeUnfinishedRequests, scheduleResume, systemClock,
  type AuditLog, type Clock, type Directory, type OnboardingDependencies,
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

const LOOPBACK_SERVICE_URL = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export async function startApp(config: AppConfig, overrides: AppOverrides = {}): Promise<RunningApp> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);
  const clock = overrides.clock ?? systemClock;
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const cloud = config.bot.cloud;
  const botFrameworkOptions =
    config.mode === 'local'
      ? {}
      : {
          MicrosoftAppId: config.bot.appId,
          MicrosoftAppPassword: config.bot.appPassword,
          MicrosoftAppType: config.bot.appType,
          MicrosoftAppTenantId: config.bot.tenantId,
          // A sovereign or private cloud: botbuilder then uses exactly these (config fills public-cloud values for the rest).
          ...(cloud
            ? {
                ToBotFromChannelOpenIdMetadataUrl: cloud.openIdMetadataUrl,
                ToBotFromChannelTokenIssuer: cloud.tokenIssuer,
                ToChannelFromBotLoginUrl: cloud.loginUrl,
                ToChannelFromBotOAuthScope: cloud.oauthScope,
                ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
                OAuthUrl: 'https://api.botframework.com',
                CallerId: 'urn:botframework:azure',
                ValidateAuthority: true,
              }
            : {}),
        };
  // Off Microsoft's public login (and with a password), replies need credentials that skip MSAL's instance discovery.
  const credentialsFactory =
    config.mode === 'tenant' && cloud && config.bot.appType === 'SingleTenant' && !cloud.loginUrl.startsWith('https://login.microsoftonline.com/')
      ? new BotConnectorCredentialFactory({ appId: config.bot.appId, appPassword: config.bot.appPassword, loginUrl: cloud.loginUrl, oauthScope: cloud.oauthScope })
      : undefined;
  const adapter = new TeamsAdapter(botFrameworkOptions, credentialsFactory);
  // Tenant mode: every request proves it comes from the Bot Framework before anything reads it.
  const inboundAuthentication = config.mode === 'tenant' ? createInboundAuthentication(botFrameworkOptions, credentialsFactory) : undefined;

  const storage = new BlobsStorage(config.storage.connectionString, config.storage.container);
  const requests = createBlobRequestStore({ connectionString: config.storage.connectionString, containerName: `${config.storage.container}-requests`.slice(0, 63) });
  const auditTable = createTableAuditLog({ connectionString: config.storage.connectionString, tableName: config.storage.auditTable });
  // Every audit event is stored insert-only and mirrored to the structured log (never a secret: the domain sends none).
  const audit: AuditLog = overrides.audit ?? {
    async append(event) {
      await auditTable.append(event);
      logger.info({ audit: event, correlationId: event.correlationId }, `audit ${event.type}`);
    },
  };
  const directory =
    overrides.directory ??
    createGraphDirectory({
      baseUrl: config.graph.baseUrl,
      tenantId: config.tenantId,
      credential: config.graph.credential,
      authorityHost: config.graph.authorityHost,
      disableInstanceDiscovery: !/^https:\/\/login\.microsoftonline\.(com|us)$|^https:\/\/login\.chinacloudapi\.cn$/.test(config.graph.authorityHost),
      markerAttribute: config.accounts.createMarkerAttribute,
    });

  const addresses = new ConversationAddresses(
    storage,
    config.ticketChannel
      ? {
          channelId: 'msteams',
          serviceUrl: config.ticketChannel.serviceUrl,
          conversation: { id: config.ticketChannel.conversationId, isGroup: true, conversationType: 'channel', tenantId: config.tenantId, name: 'IT tickets' },
          bot: { id: config.bot.appId || 'onboarding-bot', name: 'Onboarding' },
        }
      : undefined,
  );
  const deliveryOptions: TeamsDeliveryOptions = {
    adapter,
    botAppId: config.bot.appId,
    addresses,
    logger,
    passwordMessage: (view) => MessageFactory.attachment(CardFactory.adaptiveCard(temporaryPasswordCard(view))),
    ticketMessage: (ticket) => MessageFactory.attachment(CardFactory.adaptiveCard(ticketCard(ticket))),
  };

  const workflow: OnboardingDependencies = {
    directory,
    delivery: createTeamsCredentialDelivery(deliveryOptions),
    tickets: createTeamsTicketChannel(deliveryOptions),
    store: requests,
    audit,
    vault: createAesGcmSecretVault({ key: config.secretVaultKey, keyId: createHash('sha256').update(config.secretVaultKey).digest('hex').slice(0, 12) }),
    clock,
    random: cryptoRandom,
    policy: {
      ...defaultOnboardingPolicy,
      leaseMs: config.resume.leaseMs,
      aliasPattern: config.accounts.upnPattern,
      password: { length: config.accounts.passwordLength, avoidLookAlikes: config.accounts.passwordAvoidLookalikes },
      approval: config.approval,
    },
    instanceId,
  };

  const roles = createRoleResolver({ directory, groups: config.roles, clock, cacheMs: config.roleCacheMs });
  const bot = createBotApplication({
    adapter,
    storage,
    botAppId: config.bot.appId,
    logger,
    audit: {
      audit: { query: (criteria) => auditTable.query(criteria), toCsv },
      roles,
      directory,
    },
    onboarding: {
      workflow,
      roles,
      addresses,
      drafts: new DraftStore(storage),
      tenantId: config.tenantId,
      defaultUsageLocation: config.accounts.defaultUsageLocation,
      aliasPattern: config.accounts.upnPattern,
      logger,
      rateLimiter: createBlobRateLimiter({ connectionString: config.storage.connectionString, containerName: `${config.storage.container}-limits`.slice(0, 63), now: () => clock.now() }),
      rateLimits: config.rateLimits,
      botAppId: config.bot.appId,
      recentRequests: async (requesterId, limit) => (await requests.listByRequester(requesterId, limit)).requests.map((r) => describeOutcome(r.record)),
      ...(overrides.createAnswerWithinMs !== undefined ? { createAnswerWithinMs: overrides.createAnswerWithinMs } : {}),
    },
  });

  const probes: ReadinessProbe[] = [
    reachabilityProbe('storage', requests),
    reachabilityProbe('audit', auditTable),
    {
      // Token + GET /domains proves credential, permission and reachability; remembered for
      // 30 s so frequent health probes cost Graph almost nothing.
      name: 'directory',
      check: rememberSuccess(30_000, clock, async () => {
        await directory.listDomains();
      }),
    },
  ];

  const allowedServiceUrl = (url: string) => (config.mode === 'local' ? LOOPBACK_SERVICE_URL.test(url) : url.startsWith('https://'));
  const server: RunningHttpServer = await startHttpServer({
    host: config.server.host,
    port: config.server.port,
    version: VERSION,
    mode: config.mode,
    logger,
    probes,
    handleMessage: async (req, res) => {
      if (inboundAuthentication) {
        const authorization = req.headers['authorization'];
        const authenticated = await inboundAuthentication(req.body, Array.isArray(authorization) ? authorization[0] : authorization);
        if (!authenticated.ok) {
          logger.warn({ reason: authenticated.reason }, 'refused a request without valid Bot Framework authentication');
          res.status(401);
          res.send({ error: 'unauthorized' });
          res.end();
          return;
        }
      }
      const check = checkInboundActivity(req.body, { allowedServiceUrl });
      if (!check.ok) {
        logger.warn({ reason: check.reason }, 'ignored a malformed activity');
        res.status(400);
        res.send({ error: 'malformed activity' });
        res.end();
        return;
      }
      await adapter.process(req, res, (context) => bot.run(context).then(() => undefined));
    },
  });
  logger.info({ url: server.url, mode: config.mode, version: VERSION, instanceId }, 'bot listening');

  // Requests left unfinished by a crash, a kill or a long throttle continue without anyone clicking.
  const requesterNotice = createTeamsRequesterNotice(deliveryOptions);
  const resume = scheduleResume(async () => {
    const report = await resumeUnfinishedRequests(workflow, requests, { notice: requesterNotice });
    for (const { requestId, error } of report.failed) logger.error({ err: error, requestId }, 'could not resume an onboarding request');
    if (report.resumed.length > 0 || report.notified.length > 0) {
      logger.info({ resumed: report.resumed, notified: report.notified, notDue: report.notDue }, 'resumed unfinished onboarding requests');
    }
  }, { intervalMs: config.resume.intervalMs, onError: (error) => logger.warn({ err: error }, 'could not list unfinished onboarding requests') });

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
