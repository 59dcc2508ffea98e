import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Application, DirectoryState } from '../directory.js';
import type { ApiResponse } from '../responses.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE, KEY_VAULT_RESOURCE, STORAGE_RESOURCE, type TokenAudience, type TokenService } from './token-service.js';

/**
 * The managed identity endpoint of Azure App Service / Functions (API version 2019-08-01),
 * which @azure/identity's ManagedIdentityCredential (through msal-node's AppService source)
 * finds through IDENTITY_ENDPOINT and IDENTITY_HEADER:
 *
 *   GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=https://graph.microsoft.com[&client_id=…|&object_id=…|&mi_res_id=…]
 *   (resource: Graph, the Bot Connector https://api.botframework.com for a bot of type
 *   UserAssignedMSI, Key Vault https://vault.azure.net or Storage https://storage.azure.com)
 *   X-IDENTITY-HEADER: {IDENTITY_HEADER}
 *   → 200 { access_token, expires_on: "<epoch seconds>", resource, token_type: "Bearer", client_id }
 *   → 4xx { statusCode, message, correlationId } + X-CORRELATION-ID   (msal-node reads `message` and `correlationId`)
 *
 * The identities are the seed's app registrations. A user-assigned identity is picked by an app's
 * client id (`client_id`) or its service principal's object id (`object_id`), and only among those
 * attached to the site (`userAssignedIdentities`; all of the tenant's apps unless the tenant was started
 * with a list): App Service issues tokens for the site's own identities, and a request naming one it
 * cannot load gets the 400 below (observed for a user-assigned identity App Service could not match:
 * https://github.com/AzureAD/microsoft-authentication-library-for-dotnet/issues/5263; the 2017 endpoint said
 * "No MSI found for specified ClientId/ResourceId.": https://github.com/MicrosoftDocs/azure-docs/issues/43543).
 * A request naming no identity gets the site's system-assigned one (https://learn.microsoft.com/azure/app-service/overview-managed-identity#rest-endpoint-reference:
 * "If all ID parameters … are omitted, the system-assigned identity is used"), which exists only
 * when the tenant was started with one (`systemAssignedIdentity`). Without it the request is refused
 * as App Service refuses it for a site whose identities are all user-assigned — 400
 * {"statusCode":400,"message":"Unable to load the proper Managed Identity.","correlationId":"…"}
 * (quoted in https://github.com/Azure/azure-sdk-for-net/issues/43691; the case itself in
 * https://github.com/Azure/azure-functions-host/issues/8037) — which is how infra/azure.bicep
 * deploys the bot. Tokens are the token service's own app-only tokens for that service principal,
 * so Graph treats them exactly like the client-credentials tokens of the same app.
 */
export const MANAGED_IDENTITY_PATH = '/msi/token';
export const MANAGED_IDENTITY_API_VERSION = '2019-08-01';
export const IDENTITY_HEADER_NAME = 'x-identity-header';

/** What the endpoint reads from a request. */
export interface ManagedIdentityRequest {
  method: string;
  query: URLSearchParams;
  /** The X-IDENTITY-HEADER value, if sent. */
  identityHeader: string | undefined;
  correlationId: string;
}

export class ManagedIdentityEndpoint {
  /** The IDENTITY_HEADER secret: new at every tenant start, kept in memory only. Never log it. */
  readonly header = randomBytes(24).toString('base64url');

  /**
   * @param systemAssigned client id of the app that plays the site's system-assigned identity;
   *   undefined = the site has none (only user-assigned identities, as the bot's Bicep deploys it).
   * @param userAssigned client ids of the apps attached to the site as user-assigned identities;
   *   undefined = every app registration of the tenant (a site with all of them attached).
   */
  constructor(
    private readonly tokens: () => TokenService,
    private readonly directory: () => DirectoryState,
    readonly systemAssigned: string | undefined = undefined,
    readonly userAssigned: readonly string[] | undefined = undefined,
  ) {}

  /** GET {MANAGED_IDENTITY_PATH}: a token for the identity the request names, or App Service's error; `appId` for the request log. */
  async issue(request: ManagedIdentityRequest, now = new Date()): Promise<{ response: ApiResponse; appId?: string }> {
    const fail = (status: number, message: string): { response: ApiResponse } => ({ response: miError(status, message, request.correlationId) });
    if (request.method !== 'GET') return fail(405, `The requested resource does not support http method '${request.method}'.`);
    if (request.identityHeader === undefined || request.identityHeader === '') {
      return fail(400, "The 'X-IDENTITY-HEADER' header is required. Send the value of the IDENTITY_HEADER environment variable.");
    }
    if (!sameSecret(request.identityHeader, this.header)) {
      return fail(401, "The 'X-IDENTITY-HEADER' header does not match this environment's IDENTITY_HEADER.");
    }
    const apiVersion = request.query.get('api-version');
    if (apiVersion !== MANAGED_IDENTITY_API_VERSION) {
      return fail(400, `${apiVersion ? `The api-version '${apiVersion}' is not supported` : 'The api-version query parameter is required'}; use '${MANAGED_IDENTITY_API_VERSION}'.`);
    }
    const resource = request.query.get('resource');
    if (!resource) return fail(400, "The 'resource' query parameter is required.");
    const resources = resourcesOf(this.tokens());
    const audience = audienceOf(resource, resources);
    if (!audience) {
      const organization = this.directory().organization.displayName;
      return fail(400, `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${organization}. This local tenant issues managed identity tokens for ${resources.join(', ')} only.`);
    }

    const application = this.identityFor(request.query);
    if (!application) return fail(400, 'Unable to load the proper Managed Identity.');
    // A managed identity signs in with a certificate the platform holds: appidacr 2.
    const token = await this.tokens().signAppToken(application, { authenticationMethod: '2', audience, now });
    return {
      appId: application.appId,
      response: {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache' },
        body: {
          access_token: token.accessToken,
          expires_on: String(token.expiresOnSeconds),
          resource,
          token_type: 'Bearer',
          client_id: application.appId,
        },
      },
    };
  }

  /** System-assigned (no id) when the site has one; one of the site's identities by client_id or object_id. */
  private identityFor(query: URLSearchParams): Application | undefined {
    const ofTheSite = (app: Application) => this.userAssigned === undefined || this.userAssigned.includes(app.appId) || app.appId === this.systemAssigned;
    const applications = this.directory().applications.filter(ofTheSite);
    const clientId = query.get('client_id');
    const objectId = query.get('object_id') ?? query.get('principal_id');
    const resourceId = query.get('mi_res_id');
    const given = [clientId, objectId, resourceId].filter((id) => id !== null);
    if (given.length > 1) return undefined;
    if (clientId !== null) return applications.find((app) => app.appId === clientId.toLowerCase());
    if (objectId !== null) return applications.find((app) => app.servicePrincipalId === objectId.toLowerCase());
    // The local tenant has no Azure resources, so no identity has an ARM resource id.
    if (resourceId !== null) return undefined;
    return this.systemAssigned === undefined ? undefined : applications.find((app) => app.appId === this.systemAssigned);
  }
}

/** What this tenant issues managed identity tokens for: Graph, its cloud's Bot Connector, Key Vault, Storage. */
function resourcesOf(tokens: TokenService): readonly TokenAudience[] {
  return [GRAPH_RESOURCE, tokens.botConnectorResource, KEY_VAULT_RESOURCE, STORAGE_RESOURCE];
}

/** The token's audience for a requested resource (Graph also by its app id), or undefined for one this tenant does not know. */
function audienceOf(resource: string, resources: readonly TokenAudience[]): TokenAudience | undefined {
  const bare = resource.replace(/\/\.default$/, '').replace(/\/$/, '').toLowerCase();
  if (bare === GRAPH_APP_ID) return GRAPH_RESOURCE;
  return resources.find((known) => known === bare);
}

function miError(status: number, message: string, correlationId: string): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-correlation-id': correlationId },
    body: { statusCode: status, message, correlationId },
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
