/**
 * The local tenant's identity side over HTTPS: Entra's OpenID metadata, keys and token
 * endpoint (with injected faults), the App Service managed-identity endpoint, the Key Vault
 * stand-in and the Bot Framework channel's OpenID metadata and keys. Graph is server.ts's.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { BotFrameworkChannel } from '../bot-framework/bot-framework.js';
import { BOT_FRAMEWORK_KEYS_PATH, BOT_FRAMEWORK_OPENID_PATH } from '../bot-framework/bot-framework.js';
import type { FaultInjector } from '../faults.js';
import { header, pathOf, queryOf, type createExchange } from '../http-exchange.js';
import { KEY_VAULT_SECRETS_PATH, type KeyVaultStandIn } from '../key-vault/key-vault.js';
import { IDENTITY_HEADER_NAME, MANAGED_IDENTITY_PATH, type ManagedIdentityEndpoint } from './managed-identity.js';
import { entraError, type ApiResponse } from '../responses.js';
import type { TokenService } from './token-service.js';

export interface IdentityRouteDependencies {
  readonly exchange: Pick<ReturnType<typeof createExchange>, 'sendLogged' | 'resetConnection'>;
  readonly faults: FaultInjector;
  /** The configured latency, as every call to the tenant waits it. */
  applyLatency(): Promise<void>;
  tokenService(): TokenService;
  readonly managedIdentity: ManagedIdentityEndpoint;
  readonly keyVault: KeyVaultStandIn;
  botFramework(): BotFrameworkChannel;
}

export function registerIdentityRoutes(server: FastifyInstance, deps: IdentityRouteDependencies): void {
  // ------------------------------------------------------------------ Entra
  const openIdPaths = ['/:tenant/v2.0/.well-known/openid-configuration', '/:tenant/.well-known/openid-configuration'];
  for (const path of openIdPaths) {
    server.get(path, async (request, reply) => {
      const started = performance.now();
      const correlationId = header(request, 'client-request-id') ?? randomUUID();
      const { tenant } = request.params as { tenant: string };
      await deps.applyLatency();
      const response = deps.tokenService().openIdConfiguration(tenant, correlationId);
      return deps.exchange.sendLogged(request, reply, response, started, { requestId: correlationId, clientRequestId: correlationId });
    });
  }
  for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys']) {
    server.get(path, async (request, reply) => {
      const started = performance.now();
      const response = await deps.tokenService().jwks();
      const id = randomUUID();
      return deps.exchange.sendLogged(request, reply, response, started, { requestId: id, clientRequestId: id });
    });
  }
  server.all('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const started = performance.now();
    // msal-node sends its correlation id in the query string.
    const correlationId = header(request, 'client-request-id') ?? queryOf(request).get('client-request-id') ?? randomUUID();
    const ids = { requestId: correlationId, clientRequestId: correlationId };
    const { tenant } = request.params as { tenant: string };
    const fault = deps.faults.choose(request.method, pathOf(request));
    await deps.applyLatency();
    if (fault?.action === 'reset') return deps.exchange.resetConnection(request, reply, started, ids, 'reset');
    if (fault?.action === 'status') {
      const response = entraError(fault.status, 'temporarily_unavailable', 50196, 'The server is temporarily unavailable (injected fault).', correlationId);
      response.headers['retry-after'] = String(fault.retryAfterSeconds);
      return deps.exchange.sendLogged(request, reply, response, started, ids, { fault: `status ${fault.status}` });
    }
    let response: ApiResponse;
    if (request.method !== 'POST') {
      response = entraError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.', correlationId);
    } else if (!/^application\/x-www-form-urlencoded\b/i.test(header(request, 'content-type') ?? '')) {
      response = entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'. Send it as application/x-www-form-urlencoded.", correlationId);
    } else {
      const form = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      response = await deps.tokenService().issueToken(tenant, form, correlationId);
      if (fault?.action === 'lostResponse') {
        if (fault.status) return deps.exchange.sendLogged(request, reply, entraError(fault.status, 'temporarily_unavailable', 50196, 'Gateway timeout (injected fault).', correlationId), started, ids, { fault: 'lostResponse' });
        return deps.exchange.resetConnection(request, reply, started, ids, 'lostResponse');
      }
      return deps.exchange.sendLogged(request, reply, response, started, ids, { appId: form.get('client_id') ?? undefined });
    }
    return deps.exchange.sendLogged(request, reply, response, started, ids);
  });

  // ------------------------------------------- App Service managed identity
  server.all(MANAGED_IDENTITY_PATH, async (request, reply) => {
    const started = performance.now();
    const id = randomUUID();
    const { response, appId } = await deps.managedIdentity.issue({
      method: request.method, query: queryOf(request), identityHeader: header(request, IDENTITY_HEADER_NAME), correlationId: id,
    });
    return deps.exchange.sendLogged(request, reply, response, started, { requestId: id, clientRequestId: id }, { appId });
  });

  // ------------------------------------------------------------- Key Vault
  for (const path of [`${KEY_VAULT_SECRETS_PATH}/:name`, `${KEY_VAULT_SECRETS_PATH}/:name/`, `${KEY_VAULT_SECRETS_PATH}/:name/:version`]) {
    server.all(path, async (request, reply) => {
      const started = performance.now();
      const id = header(request, 'x-ms-client-request-id') ?? randomUUID();
      const { name, version } = request.params as { name: string; version?: string };
      const { response, appId } = await deps.keyVault.getSecret({
        method: request.method, name, version: version || undefined, query: queryOf(request), authorization: header(request, 'authorization'),
      });
      response.headers['x-ms-request-id'] = id;
      return deps.exchange.sendLogged(request, reply, response, started, { requestId: id, clientRequestId: id }, { appId });
    });
  }

  // ------------------------------------------------------ Bot Framework channel
  server.get(BOT_FRAMEWORK_OPENID_PATH, async (request, reply) => {
    const id = randomUUID();
    return deps.exchange.sendLogged(request, reply, deps.botFramework().openIdConfiguration(), performance.now(), { requestId: id, clientRequestId: id });
  });
  server.get(BOT_FRAMEWORK_KEYS_PATH, async (request, reply) => {
    const started = performance.now();
    const id = randomUUID();
    return deps.exchange.sendLogged(request, reply, await deps.botFramework().jwks(), started, { requestId: id, clientRequestId: id });
  });
}
