import { createPrivateKey, createPublicKey, randomUUID, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, exportJWK, jwtVerify, type JWK } from 'jose';
import type { TenantCredentials } from './credentials.js';
import type { Application, DirectoryState } from '../directory.js';
import { entraError, GraphError, type ApiResponse } from '../responses.js';
import { SignInChecks } from './sign-in.js';
import { issueUserToken, USER_GRANT_TYPES } from './user-grants.js';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The Bot Connector's resource: a bot gets a token for it to send replies and proactive messages. */
export const BOT_CONNECTOR_RESOURCE = 'https://api.botframework.com';
/**
 * The Bot Connector's resource in each cloud a tenant can live in (botbuilder's
 * ToChannelFromBotOAuthScope: AuthenticationConstants, GovernmentConstants for US Government — GCC
 * High and DoD alike — and https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-china-cloud).
 * It is also the issuer of the channel tokens the Bot Connector sends bots there.
 */
export const BOT_CONNECTOR_RESOURCES = {
  public: BOT_CONNECTOR_RESOURCE,
  usgov: 'https://api.botframework.us',
  china: 'https://api.botframework.azure.cn',
} as const;
export type BotFrameworkCloudName = keyof typeof BOT_CONNECTOR_RESOURCES;
/** Azure Key Vault's data plane: the bot reads the credential-sealing key with a token for it. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
/** Azure Storage's data plane (blobs and tables with a token instead of an account key). */
export const STORAGE_RESOURCE = 'https://storage.azure.com';
/** The resources this tenant issues app-only tokens for (an access token's `aud`). */
export type TokenAudience = typeof GRAPH_RESOURCE | (typeof BOT_CONNECTOR_RESOURCES)[BotFrameworkCloudName] | typeof KEY_VAULT_RESOURCE | typeof STORAGE_RESOURCE;
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_SECONDS = 3599;

/** Who called Graph, from a verified access token. */
export interface Caller {
  appId: string;
  /** Application permissions (app-only token). */
  roles: string[];
  /** Delegated permissions (a user's token, `scp`). */
  scopes: string[];
  /** The signed-in user's object id, for a user's token. */
  userId?: string;
}

/**
 * The Entra side: OpenID configuration, signing keys and the v2.0 token endpoint
 * (client-credentials grant with a secret or a certificate-signed assertion).
 */
export class TokenService {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private publicJwk: JWK | undefined;
  readonly signIn: SignInChecks;

  constructor(
    private readonly baseUrl: string,
    private readonly directory: () => DirectoryState,
    private readonly credentials: TenantCredentials,
    save: () => void = () => {},
    /** The Bot Connector resource of the cloud this tenant lives in (a token for another cloud's is refused). */
    readonly botConnectorResource: TokenAudience = BOT_CONNECTOR_RESOURCE,
  ) {
    this.signIn = new SignInChecks(directory, save);
    this.privateKey = createPrivateKey(credentials.signingKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
  }

  get tenantId(): string {
    return this.directory().tenantId;
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  /** The OpenID configuration's issuer (id tokens). */
  get v2Issuer(): string {
    return `${this.baseUrl}/${this.tenantId}/v2.0`;
  }

  /** Resolves a tenant path segment (id or one of its domain names) to the tenant id. */
  resolveTenant(segment: string): string | null {
    const state = this.directory();
    const lower = segment.toLowerCase();
    if (lower === state.tenantId) return state.tenantId;
    return state.domains.some((domain) => domain.isVerified && domain.id.toLowerCase() === lower) ? state.tenantId : null;
  }

  openIdConfiguration(segment: string, correlationId: string): ApiResponse {
    const tenantId = this.resolveTenant(segment);
    if (!tenantId) return tenantNotFound(segment, correlationId);
    const base = `${this.baseUrl}/${tenantId}`;
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${this.baseUrl}/${tenantId}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${this.baseUrl}/oidc/userinfo`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'roles'],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  }

  async jwks(): Promise<ApiResponse> {
    this.publicJwk ??= { ...(await exportJWK(this.publicKey)), kid: this.credentials.signingKeyId, use: 'sig', kty: 'RSA' };
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { keys: [{ ...this.publicJwk, x5t: this.credentials.signingKeyId, issuer: this.issuer }] },
    };
  }

  /** POST /{tenant}/oauth2/v2.0/token */
  async issueToken(segment: string, form: URLSearchParams, correlationId: string, now = new Date()): Promise<ApiResponse> {
    const tenantId = this.resolveTenant(segment);
    if (!tenantId) return tenantNotFound(segment, correlationId);
    const grantType = form.get('grant_type');
    if (!grantType) {
      return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.", correlationId);
    }
    if (USER_GRANT_TYPES.includes(grantType)) return issueUserToken(this, this.directory(), form, correlationId, now);
    if (grantType !== 'client_credentials') {
      return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'. This local tenant supports client_credentials and password (and its local temporary_access_pass).`, correlationId);
    }
    const clientId = form.get('client_id');
    if (!clientId) {
      return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.", correlationId);
    }
    const application = this.directory().applications.find((app) => app.appId === clientId.toLowerCase());
    const credentials = application ? this.credentials.apps.get(application.appId) : undefined;
    if (!application || !credentials) {
      return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${this.directory().organization.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`, correlationId);
    }

    let authenticationMethod: '1' | '2';
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!sameSecret(secret, credentials.clientSecret)) {
        return entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`, correlationId);
      }
      authenticationMethod = '1';
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
        return entraError(400, 'invalid_request', 90002, `The client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`, correlationId);
      }
      const failure = await this.verifyClientAssertion(assertion, application.appId, credentials.certificatePem, credentials.thumbprintSha1, credentials.thumbprintSha256, correlationId);
      if (failure) return failure;
      authenticationMethod = '2';
    } else {
      return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", correlationId);
    }

    const scopes = (form.get('scope') ?? '').split(' ').filter((scope) => scope && !['openid', 'profile', 'offline_access'].includes(scope));
    const scope = scopes[0];
    if (scopes.length !== 1 || scope === undefined) {
      return entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scopes.join(' ') || '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, correlationId);
    }
    if (!scope.endsWith('/.default')) {
      return entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, correlationId);
    }
    const resource = scope.slice(0, -'/.default'.length).replace(/\/$/, '');
    const botConnector = resource === this.botConnectorResource;
    if (resource !== GRAPH_RESOURCE && resource !== GRAPH_APP_ID && !botConnector) {
      return entraError(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${this.directory().organization.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`, correlationId);
    }

    const { accessToken } = await this.signAppToken(application, {
      authenticationMethod,
      audience: botConnector ? this.botConnectorResource : GRAPH_RESOURCE,
      now,
    });
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'client-request-id': correlationId },
      body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: accessToken },
    };
  }

  /**
   * Signs an app-only access token for an application's service principal, as Entra issues it
   * to the client-credentials grant and to a managed identity. `roles` = the app's permissions
   * for Graph, none for any other resource (the Bot Connector, Key Vault and Storage authorize by RBAC or not at all). `authenticationMethod` is `appidacr`: 1 secret, 2 certificate.
   */
  async signAppToken(
    application: Application,
    options: { authenticationMethod: '1' | '2'; audience: TokenAudience; now?: Date },
  ): Promise<{ accessToken: string; expiresOnSeconds: number; lifetimeSeconds: number }> {
    const { authenticationMethod, audience } = options;
    const tenantId = this.tenantId;
    const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const accessToken = await new SignJWT({
      aio: randomUUID(),
      app_displayname: application.displayName,
      appid: application.appId,
      appidacr: authenticationMethod,
      azp: application.appId,
      azpacr: authenticationMethod,
      idp: this.issuer,
      idtyp: 'app',
      oid: application.servicePrincipalId,
      rh: randomUUID(),
      // Graph permissions mean nothing to the Bot Connector; Entra sends none for it.
      roles: audience === GRAPH_RESOURCE ? [...application.applicationPermissions] : [],
      sub: application.servicePrincipalId,
      tenant_region_scope: 'NA',
      tid: tenantId,
      uti: randomUUID().replace(/-/g, ''),
      ver: '1.0',
      xms_tcdt: issuedAt - 90 * 24 * 3600,
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.credentials.signingKeyId, x5t: this.credentials.signingKeyId })
      .setAudience(audience)
      .setIssuer(this.issuer)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(this.privateKey);
    return { accessToken, expiresOnSeconds: issuedAt + TOKEN_LIFETIME_SECONDS, lifetimeSeconds: TOKEN_LIFETIME_SECONDS };
  }

  /** Signs a token with the tenant's key (user tokens and id tokens from user-grants.ts). */
  async sign(claims: Record<string, unknown>, audience: string, issuer: string, issuedAt: number, expiresAt: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.credentials.signingKeyId, x5t: this.credentials.signingKeyId })
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.privateKey);
  }

  /** Checks an app's client secret (constant time). */
  clientSecretMatches(appId: string, secret: string): boolean {
    const expected = this.credentials.apps.get(appId)?.clientSecret;
    return expected !== undefined && sameSecret(secret, expected);
  }

  /**
   * Verifies an app-only token for a resource other than Graph (Key Vault, Storage): this tenant's
   * signature and issuer, the resource as audience, not expired. A value, not a throw: each resource
   * words its own 401.
   */
  async verifyResourceToken(token: string, audience: TokenAudience): Promise<{ ok: true; appId: string } | { ok: false; reason: 'expired' | 'issuer' | 'audience' | 'invalid'; audience?: string }> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], issuer: this.issuer });
      const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter((aud): aud is string => typeof aud === 'string');
      if (!audiences.some((aud) => aud.replace(/\/$/, '') === audience)) return { ok: false, reason: 'audience', audience: audiences.join(',') };
      if (payload['tid'] !== this.tenantId || typeof payload['appid'] !== 'string') return { ok: false, reason: 'invalid' };
      return { ok: true, appId: payload['appid'] };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'iss') return { ok: false, reason: 'issuer' };
      return { ok: false, reason: 'invalid' };
    }
  }

  /** Verifies a Graph bearer token; throws Graph's 401 InvalidAuthenticationToken. */
  async verifyAccessToken(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!authorization || !match?.[1]) throw invalidToken('Access token is empty.');
    try {
      const { payload } = await jwtVerify(match[1], this.publicKey, { algorithms: ['RS256'], issuer: this.issuer });
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.some((aud) => aud === GRAPH_RESOURCE || aud === `${GRAPH_RESOURCE}/` || aud === GRAPH_APP_ID)) {
        throw invalidToken('Access token validation failure. Invalid audience.');
      }
      if (payload['tid'] !== this.tenantId || typeof payload['appid'] !== 'string') throw invalidToken('Access token validation failure.');
      const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((role): role is string => typeof role === 'string') : [];
      if (payload['idtyp'] === 'user' && typeof payload['oid'] === 'string') {
        const scopes = typeof payload['scp'] === 'string' ? payload['scp'].split(' ').filter(Boolean) : [];
        return { appId: payload['appid'], roles: [], scopes, userId: payload['oid'] };
      }
      return { appId: payload['appid'], roles, scopes: [] };
    } catch (error) {
      if (error instanceof GraphError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw invalidToken('Lifetime validation failed, the token is expired.');
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'iss') throw invalidToken('Access token validation failure. Invalid issuer.');
      throw invalidToken('Access token validation failure.');
    }
  }

  private async verifyClientAssertion(
    assertion: string,
    appId: string,
    certificatePem: string,
    sha1: string,
    sha256: string,
    correlationId: string,
  ): Promise<ApiResponse | null> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      return entraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.', correlationId);
    }
    const x5t = typeof header.x5t === 'string' ? Buffer.from(header.x5t, 'base64url').toString('hex').toUpperCase() : undefined;
    const x5tS256 = typeof header['x5t#S256'] === 'string' ? Buffer.from(header['x5t#S256'], 'base64url').toString('hex').toUpperCase() : undefined;
    if (x5t !== sha1 && x5tS256 !== sha256) {
      return entraError(401, 'invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${x5t ?? x5tS256 ?? ''}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${appId}'.]`, correlationId);
    }
    try {
      const { payload } = await jwtVerify(assertion, new X509Certificate(certificatePem).publicKey, {
        algorithms: ['RS256', 'PS256'],
        clockTolerance: 300,
      });
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      const audienceOk = audiences.some((aud) => typeof aud === 'string' && aud.startsWith(this.baseUrl) && /\/oauth2\/(v2\.0\/)?token$/.test(aud));
      if (!audienceOk) {
        return entraError(401, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${audiences.join(',')}'.`, correlationId);
      }
      if (payload.iss !== appId || payload.sub !== appId) {
        return entraError(401, 'invalid_client', 700021, 'Client assertion application identifier doesn\'t match \'client_id\' parameter.', correlationId);
      }
      if (typeof payload.exp !== 'number') {
        return entraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.', correlationId);
      }
      return null;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired || (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === 'nbf' || error.claim === 'iat'))) {
        return entraError(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.', correlationId);
      }
      return entraError(401, 'invalid_client', 700027, 'Client assertion contains an invalid signature.', correlationId);
    }
  }
}

function tenantNotFound(segment: string, correlationId: string): ApiResponse {
  return entraError(400, 'invalid_request', 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`, correlationId);
}

function invalidToken(message: string): GraphError {
  return new GraphError(401, 'InvalidAuthenticationToken', message, undefined, {
    'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
