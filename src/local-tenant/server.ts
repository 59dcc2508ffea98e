import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { runBatch, type BatchPartRequest } from './graph/batch.js';
import { BOT_FRAMEWORK_OPENID_PATH, BotFrameworkChannel, type ChannelTokenClaims } from './bot-framework/bot-framework.js';
import { ensureLocalCertificates } from './certificates.js';
import { loadOrCreateCredentials, type TenantCredentials } from './entra/credentials.js';
import {
  DirectoryStore, externalCollaborationSchema, loadSeed, stateFromSeed, upgradeSavedState, type DirectoryState, type ExternalCollaboration, type LicensingSettings, type Seed,
} from './directory.js';
import { FaultInjector, type ChosenFault, type FaultSettings, type FaultSettingsInput } from './faults.js';
import { GraphApi, type GraphOperation, type GraphRequest } from './graph/graph-api.js';
import { hasPermission } from './graph/graph-permissions.js';
import { isMimeSendMail, MimeContent } from './exchange/graph-mail.js';
import { registerIdentityRoutes } from './entra/identity-routes.js';
import { inspectionRoutes } from './inspection.js';
import { MANAGED_IDENTITY_PATH, ManagedIdentityEndpoint } from './entra/managed-identity.js';
import { KeyVaultStandIn } from './key-vault/key-vault.js';
import { processDueLicensing } from './graph/group-licensing.js';
import { licensingSettingsSchema, subscribedSkuView, updateSubscribedSku, type SkuUpdate } from './graph/licensing.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { entraError, GraphError, graphErrorResponse, insufficientPrivileges, newRequestIds, type ApiResponse, type RequestIds } from './responses.js';
import { costOf, Throttler, type ThrottlingSettings } from './graph/throttling.js';
import {
  BODY_LIMIT_BYTES, createExchange, errorResponse, header, injectedStatus, lowerCaseHeaders, parseJsonBody, pathOf, queryOf, round,
} from './http-exchange.js';
import { BOT_CONNECTOR_RESOURCES, TokenService, type BotFrameworkCloudName, type Caller } from './entra/token-service.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./seed.json', import.meta.url));
export const DEFAULT_TLS_DIR = resolve(PROJECT_ROOT, '.local/tls');
export const DEFAULT_STATE_DIR = resolve(PROJECT_ROOT, '.local/local-tenant');

export interface LocalTenantOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (a free port). */
  port?: number;
  /** Where state, keys and generated credentials live; null = in memory (default). */
  stateDir?: string | null;
  /** Start from the seed even if the state dir holds a saved directory. */
  reset?: boolean;
  /** Seed file; default src/local-tenant/seed.json. */
  seedPath?: string;
  /** Entra's throttling with the real limits; default true. */
  throttling?: boolean;
  /** Where the local CA and server certificate live; default .local/tls. */
  tlsDir?: string;
  /**
   * Client id of the app registration that plays the App Service site's system-assigned identity
   * (what the managed identity endpoint gives a request naming no identity); default none: the
   * site has user-assigned identities only, as infra/azure.bicep deploys the bot.
   */
  systemAssignedIdentity?: string;
  /**
   * Client ids of the app registrations attached to the App Service site as user-assigned identities: the
   * managed identity endpoint issues tokens for these only (and the system-assigned one), refusing any other
   * client_id/object_id as App Service does. Default: every app registration of the tenant.
   */
  userAssignedIdentities?: readonly string[];
  /**
   * The cloud the tenant lives in, for the Bot Framework it plays: which Bot Connector resource it
   * issues tokens for and which issuer its channel tokens carry (default public; "usgov" is GCC High and DoD).
   */
  botFrameworkCloud?: BotFrameworkCloudName;
  /** Group-based licensing's processing delay in seconds, kept across reset(); default the seed's (5). */
  groupLicenseProcessingSeconds?: number;
}

/** An app registration and its generated credentials. */
export interface LocalTenantApp {
  clientId: string;
  displayName: string;
  /** Granted application permissions (the token's `roles`). */
  permissions: string[];
  clientSecret: string;
  /** PEM file with certificate and private key, for ClientCertificateCredential. */
  certificatePath: string;
}

/** A running local tenant. */
export interface LocalTenant {
  /** https://127.0.0.1:PORT */
  url: string;
  /** For @azure/identity's `authorityHost` (with disableInstanceDiscovery: true). */
  authorityHost: string;
  /** For the Graph client's `baseUrl` (defaultVersion v1.0, customHosts [host]). */
  graphBaseUrl: string;
  /** Inspection API root: {url}/_tenant */
  inspectionUrl: string;
  host: string;
  port: number;
  tenantId: string;
  /** The bot's app registration ("Onboarding Bot (local)"). */
  app: LocalTenantApp;
  /** Every app registration in the seed, the bot's first. */
  apps: LocalTenantApp[];
  caCertPath: string;
  stateDir: string | null;
  /** Replaces the faults; requests a `hold` rule kept waiting go on. */
  setFaults(faults: FaultSettingsInput): FaultSettings;
  faults(): FaultSettings;
  /** Graph requests a `hold` rule keeps waiting now. */
  heldRequests(): number;
  /** true/false switches throttling; an object changes limits (merged with the current ones). */
  setThrottling(settings: boolean | Partial<ThrottlingSettings>): ThrottlingSettings;
  throttling(): ThrottlingSettings;
  /**
   * Changes a subscription's seats or status (by skuId or skuPartNumber), as PATCH /_tenant/subscribedSkus/{key}
   * does: `{prepaidUnits: {enabled: 260}}` "buys" seats. Returns the subscription as GET /subscribedSkus shows it.
   */
  setSubscribedSku(key: string, update: SkuUpdate): Record<string, unknown>;
  /** Group-based licensing's processing delay (seconds); 0 applies group licences at the next request. */
  setLicensing(settings: LicensingSettings): LicensingSettings;
  /** Who may invite guests and whom, as PUT /_tenant/externalCollaboration: replaces them all ({} = Entra's defaults). */
  setExternalCollaboration(settings: Partial<ExternalCollaboration>): ExternalCollaboration;
  requestLog(sinceSequence?: number): RequestLogEntry[];
  clearRequestLog(): void;
  /** The directory as it is now (a copy). */
  directory(): DirectoryState;
  /** Back to the seed (keeps keys and credentials). */
  reset(): void;
  /** The Bot Framework channel token service this tenant also plays (for a bot's inbound authentication). */
  botFramework: {
    /** For botbuilder's ToBotFromChannelOpenIdMetadataUrl (BOT_OPENID_METADATA_URL). */
    openIdMetadataUrl: string;
    issuer: string;
    /** Signs a channel token with the key the JWKS publishes. */
    mintChannelToken(claims: ChannelTokenClaims): Promise<string>;
  };
  /**
   * The Azure App Service managed identity endpoint this tenant also plays: set
   * IDENTITY_ENDPOINT = `endpoint` and IDENTITY_HEADER = `header` (a secret, new at each start)
   * and ManagedIdentityCredential gets tokens, with a client id, for that app registration
   * (user-assigned: one of `userAssigned`, or any app when that is undefined) or, without one, for
   * `systemAssigned` — refused when the site has none.
   */
  managedIdentity: { endpoint: string; header: string; systemAssigned: string | undefined; userAssigned: readonly string[] | undefined };
  /**
   * Azure Key Vault's secrets API at this tenant's own URL (`url` is KEY_VAULT_URL): tokens for
   * https://vault.azure.net from the managed identity endpoint or the token endpoint open it.
   */
  keyVault: {
    url: string;
    /** Adds a version of a secret; returns the version id. */
    setSecret(name: string, value: string): string;
    /** The app ids holding "Key Vault Secrets User"; undefined (the default) = every app. */
    setReaders(appIds: readonly string[] | undefined): void;
  };
  close(): Promise<void>;
}

/** Starts the Entra token service + Graph v1.0 emulator over HTTPS. */
export async function startLocalTenant(options: LocalTenantOptions = {}): Promise<LocalTenant> {
  const host = options.host ?? '127.0.0.1';
  const stateDir = options.stateDir === undefined ? null : options.stateDir;
  const seed: Seed = loadSeed(options.seedPath ?? DEFAULT_SEED_PATH);
  const tls = ensureLocalCertificates(options.tlsDir ?? DEFAULT_TLS_DIR);
  const store = new DirectoryStore(stateDir);
  const saved = options.reset ? null : store.load();
  const withOptions = (directory: DirectoryState): DirectoryState => {
    if (options.groupLicenseProcessingSeconds !== undefined) directory.licensing = { groupProcessingSeconds: options.groupLicenseProcessingSeconds };
    return directory;
  };
  let state: DirectoryState = withOptions(saved ? upgradeSavedState(saved, seed) : stateFromSeed(seed));
  if (options.systemAssignedIdentity !== undefined && !state.applications.some((app) => app.appId === options.systemAssignedIdentity)) {
    throw new Error(`systemAssignedIdentity ${options.systemAssignedIdentity} is no app registration of this tenant`);
  }
  for (const clientId of options.userAssignedIdentities ?? []) {
    if (!state.applications.some((app) => app.appId === clientId)) throw new Error(`userAssignedIdentities: ${clientId} is no app registration of this tenant`);
  }
  store.save(state);
  const credentials: TenantCredentials = loadOrCreateCredentials(stateDir, state.applications);

  const faults = new FaultInjector();
  const throttler = new Throttler();
  if (options.throttling === false) throttler.configure({ enabled: false });
  const log = new RequestLog();
  const { send, sendLogged, resetConnection } = createExchange(log);

  const server = Fastify({
    https: { key: readFileSync(tls.serverKeyPath), cert: readFileSync(tls.serverCertPath) },
    bodyLimit: BODY_LIMIT_BYTES,
    logger: false,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Router-level failures (e.g. a URL that is not valid percent-encoding) get Graph's shape too.
    frameworkErrors: (error, request, frameworkReply) => {
      const ids = newRequestIds(undefined);
      const reply = frameworkReply as unknown as FastifyReply;
      void reply.code(400).header('content-type', 'application/json').header('request-id', ids.requestId)
        .send(JSON.stringify(graphErrorResponse(new GraphError(400, 'BadRequest', `The request URI is not valid: ${error.message}`), ids).body));
      log.add({ time: new Date().toISOString(), method: request.method, path: '(invalid URL)', query: '', status: 400, durationMs: 0, requestId: ids.requestId });
    },
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  let baseUrl = '';
  // Both need the URL, known once the server listens (port 0 = any free port).
  const runtime: { tokens?: TokenService; graph?: GraphApi; botFramework?: BotFrameworkChannel } = {};
  const tokenService = (): TokenService => runtime.tokens as TokenService;
  const graphApi = (): GraphApi => runtime.graph as GraphApi;
  const managedIdentity = new ManagedIdentityEndpoint(tokenService, () => state, options.systemAssignedIdentity, options.userAssignedIdentities && [...options.userAssignedIdentities]);
  const keyVault = new KeyVaultStandIn(() => baseUrl, tokenService);

  // Entra, App Service managed identity, Key Vault, the Bot Framework channel's keys.
  registerIdentityRoutes(server, {
    exchange: { sendLogged, resetConnection }, faults, applyLatency, tokenService, managedIdentity, keyVault,
    botFramework: () => runtime.botFramework as BotFrameworkChannel,
  });

  // ------------------------------------------------------------------ Graph
  server.all('/v1.0', handleGraph);
  server.all('/v1.0/*', handleGraph);
  server.all('/beta/*', async (request, reply) => {
    const ids = newRequestIds(header(request, 'client-request-id'));
    return sendLogged(request, reply, graphErrorResponse(new GraphError(400, 'BadRequest', 'This local tenant emulates Graph v1.0 only.'), ids), performance.now(), ids);
  });

  async function handleGraph(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const started = performance.now();
    const ids = newRequestIds(header(request, 'client-request-id'));
    const fullPath = pathOf(request);
    const chosen = faults.choose(request.method, fullPath);
    // Held until the faults are set again; then it goes on as if it had just arrived.
    if (chosen?.action === 'hold') await faults.released();
    const fault = chosen?.action === 'hold' ? null : chosen;
    await applyLatency();
    if (fault?.action === 'reset') return resetConnection(request, reply, started, ids, 'reset');
    if (fault?.action === 'status') {
      return sendLogged(request, reply, injectedStatus(fault, ids), started, ids, { fault: `status ${fault.status}` });
    }
    let response: ApiResponse;
    let caller: Caller | undefined;
    let operation: string | undefined;
    let throttled = false;
    try {
      const graphPath = fullPath.slice('/v1.0'.length) || '/';
      const body = isMimeSendMail(request.method, graphPath, header(request, 'content-type'))
        ? await MimeContent.of(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '')
        : parseJsonBody(request);
      caller = await tokenService().verifyAccessToken(header(request, 'authorization'));
      const graphRequest: GraphRequest = { method: request.method, path: graphPath, query: queryOf(request), headers: lowerCaseHeaders(request), body, userId: caller.userId, roles: caller.roles };
      if (graphPath === '/$batch') {
        if (request.method !== 'POST') throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
        const batchCaller = caller;
        operation = 'batch';
        response = await runBatch(body, (part) => executeBatchPart(part, batchCaller, ids));
      } else {
        const result = executeGraph(graphRequest, caller, ids);
        response = result.response;
        operation = result.operation;
        throttled = result.throttled;
      }
    } catch (error) {
      response = errorResponse(error, ids);
    }
    if (fault?.action === 'lostResponse') {
      if (fault.status) {
        const lost: ChosenFault = { action: 'status', status: fault.status, retryAfterSeconds: 1 };
        return sendLogged(request, reply, injectedStatus(lost, ids), started, ids, { appId: caller?.appId, operation, fault: 'lostResponse' });
      }
      return resetConnection(request, reply, started, ids, 'lostResponse', caller?.appId, operation);
    }
    return sendLogged(request, reply, response, started, ids, { appId: caller?.appId, operation, throttled });
  }

  /** Permission check, throttling, then the operation itself. */
  function executeGraph(request: GraphRequest, caller: Caller, ids: RequestIds): { response: ApiResponse; operation?: string; throttled: boolean } {
    let operationName: string | undefined;
    try {
      const operation = graphApi().resolve(request);
      operationName = operation.name;
      if (!callerMayRun(caller, operation)) throw operation.forbidden?.() ?? insufficientPrivileges();
      const cost = costOf(operation.baseCost, operation.isWrite, request.query, operation.service);
      const decision = throttler.check(state.tenantId, caller.appId, cost, state.users.filter((user) => user.deletedDateTime === null).length);
      if (!decision.allowed) {
        const error = decision.error
          ? new GraphError(429, decision.error.code, decision.error.message, undefined, decision.headers)
          : new GraphError(429, 'TooManyRequests', `Too many requests from Identifier:${state.tenantId}+${caller.appId} under category:${decision.category}. Please try again later.`, undefined, decision.headers);
        return { response: graphErrorResponse(error, ids), operation: operationName, throttled: true };
      }
      let response: ApiResponse;
      try {
        response = operation.run(new Date());
      } catch (error) {
        // A refused operation still spent (and reports) its resource units, as Graph's 400s show.
        response = errorResponse(error, ids);
      }
      return { response: { ...response, headers: { ...response.headers, ...decision.headers } }, operation: operationName, throttled: false };
    } catch (error) {
      return { response: errorResponse(error, ids), operation: operationName, throttled: false };
    }
  }

  async function executeBatchPart(part: BatchPartRequest, caller: Caller, outer: RequestIds): Promise<ApiResponse> {
    const started = performance.now();
    const ids = newRequestIds(outer.clientRequestId);
    const path = `/v1.0${part.path}`;
    const fault = faults.choose(part.method, path, ['status']);
    let result: { response: ApiResponse; operation?: string; throttled: boolean };
    if (fault?.action === 'status') {
      result = { response: injectedStatus(fault, ids), throttled: false };
    } else {
      let body = part.body;
      if (typeof body === 'string' && /json/i.test(part.headers['content-type'] ?? '')) {
        try {
          body = JSON.parse(body);
        } catch {
          // leave as is: the operation reports a bad payload
        }
      }
      result = executeGraph({ ...part, body, userId: caller.userId, roles: caller.roles }, caller, ids);
    }
    log.add({
      time: new Date().toISOString(), method: part.method, path, query: part.query.toString(), status: result.response.status,
      durationMs: round(performance.now() - started), requestId: ids.requestId, appId: caller.appId, batchPartId: part.batchId,
      ...(result.operation ? { operation: result.operation } : {}),
      ...(fault ? { fault: `status ${(fault as { status: number }).status}` } : {}),
      ...(result.throttled ? { throttled: true } : {}),
    });
    const { body, headers, status } = result.response;
    return { status, headers: { ...headers, 'request-id': ids.requestId }, ...(body !== undefined ? { body } : {}) };
  }

  // ------------------------------------------------------------ inspection
  server.register(inspectionRoutes({
    state: () => state,
    save: () => store.save(state),
    index: () => ({
      tenantId: state.tenantId,
      organization: state.organization.displayName,
      authorityHost: baseUrl,
      graphBaseUrl: `${baseUrl}/v1.0`,
      tokenEndpoint: `${baseUrl}/${state.tenantId}/oauth2/v2.0/token`,
      openIdConfiguration: `${baseUrl}/${state.tenantId}/v2.0/.well-known/openid-configuration`,
      botFrameworkOpenIdConfiguration: `${baseUrl}${BOT_FRAMEWORK_OPENID_PATH}`,
      managedIdentityEndpoint: `${baseUrl}${MANAGED_IDENTITY_PATH}`,
      caCertPath: tls.caCertPath,
      stateDir,
    }),
    apps: () => appsView(),
    log,
    faults,
    throttler,
    reset: () => resetDirectory(),
    settle: () => {
      if (processDueLicensing(state, new Date())) store.save(state);
    },
    parseJsonBody,
    send,
  }), { prefix: '/_tenant' });

  // ---------------------------------------------------------- bad requests
  server.setNotFoundHandler(async (request, reply) => {
    const ids = newRequestIds(header(request, 'client-request-id'));
    const response = graphErrorResponse(new GraphError(404, 'NotFound', `No resource at '${pathOf(request)}'. Graph lives under /v1.0, the token service under /{tenant}/oauth2/v2.0/token, inspection under /_tenant.`), ids);
    return sendLogged(request, reply, response, performance.now(), ids);
  });
  server.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const ids = newRequestIds(header(request, 'client-request-id'));
    const path = pathOf(request);
    let response: ApiResponse;
    if (path.includes('/oauth2/')) {
      response = entraError(error.statusCode && error.statusCode < 500 ? error.statusCode : 400, 'invalid_request', 900144, 'The request could not be read.', ids.clientRequestId);
    } else {
      response = errorResponse(error, ids);
    }
    return sendLogged(request, reply, response, performance.now(), ids);
  });

  // --------------------------------------------------------------- helpers
  async function applyLatency(): Promise<void> {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  }

  function resetDirectory(): void {
    state = withOptions(stateFromSeed(seed));
    store.save(state);
  }

  function appsView(): LocalTenantApp[] {
    return state.applications.map((application) => {
      const generated = credentials.apps.get(application.appId);
      if (!generated) throw new Error(`no credentials for ${application.appId}`);
      return {
        clientId: application.appId,
        displayName: application.displayName,
        permissions: [...application.applicationPermissions],
        clientSecret: generated.clientSecret,
        certificatePath: generated.certificatePath,
      };
    });
  }

  await server.listen({ host, port: options.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const botConnectorResource = BOT_CONNECTOR_RESOURCES[options.botFrameworkCloud ?? 'public'];
  runtime.tokens = new TokenService(baseUrl, () => state, credentials, () => store.save(state), botConnectorResource);
  // The Bot Connector's resource is also the issuer of its channel tokens, in every cloud.
  const botFramework = new BotFrameworkChannel(baseUrl, botConnectorResource);
  runtime.botFramework = botFramework;
  runtime.graph = new GraphApi({
    baseUrl,
    state: () => state,
    save: () => store.save(state),
    replicationLagMs: () => faults.replicationLagMs,
  });

  const apps = appsView();
  const botApp = apps[0] as LocalTenantApp;
  return {
    url: baseUrl,
    authorityHost: baseUrl,
    graphBaseUrl: baseUrl,
    inspectionUrl: `${baseUrl}/_tenant`,
    host,
    port,
    tenantId: state.tenantId,
    app: botApp,
    apps,
    caCertPath: tls.caCertPath,
    stateDir,
    setFaults: (settings) => faults.set(settings),
    faults: () => faults.get(),
    heldRequests: () => faults.held,
    setThrottling: (settings) => throttler.configure(typeof settings === 'boolean' ? { enabled: settings } : settings),
    throttling: () => throttler.getSettings(),
    setSubscribedSku: (key, update) => {
      const sku = updateSubscribedSku(state, key, update);
      if (!sku) throw new Error(`no subscription ${key} in this tenant`);
      store.save(state);
      return subscribedSkuView(sku, state);
    },
    setLicensing: (settings) => {
      state.licensing = licensingSettingsSchema.parse(settings);
      store.save(state);
      return { ...state.licensing };
    },
    setExternalCollaboration: (settings) => {
      state.externalCollaboration = externalCollaborationSchema.parse(settings);
      store.save(state);
      return structuredClone(state.externalCollaboration);
    },
    requestLog: (since) => log.list(since),
    clearRequestLog: () => log.clear(),
    directory: () => structuredClone(state),
    reset: resetDirectory,
    botFramework: {
      openIdMetadataUrl: botFramework.openIdMetadataUrl,
      issuer: botFramework.issuer,
      mintChannelToken: (claims) => botFramework.mintChannelToken(claims),
    },
    managedIdentity: {
      endpoint: `${baseUrl}${MANAGED_IDENTITY_PATH}`, header: managedIdentity.header, systemAssigned: managedIdentity.systemAssigned, userAssigned: managedIdentity.userAssigned,
    },
    keyVault: {
      url: baseUrl,
      setSecret: (name, value) => keyVault.setSecret(name, value),
      setReaders: (appIds) => keyVault.setReaders(appIds),
    },
    close: async () => {
      await server.close();
      credentials.dispose();
    },
  };
}

/** An app-only token needs the operation's application permissions; a user's token its delegated ones. */
function callerMayRun(caller: Caller, operation: GraphOperation): boolean {
  if (caller.userId !== undefined) return hasPermission(caller.scopes, operation.delegatedPermissions ?? []);
  return hasPermission(caller.roles, operation.permissions);
}
