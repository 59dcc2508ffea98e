import { createHash, randomUUID } from 'node:crypto';
import type { Application, DirectoryState } from '../directory.js';
import { entraError, type ApiResponse } from '../responses.js';
import type { SignInOutcome } from './sign-in.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE, type TokenService } from './token-service.js';

/** The local tenant's own grant for a Temporary Access Pass (Entra takes a pass only interactively). */
export const TEMPORARY_ACCESS_PASS_GRANT = 'temporary_access_pass';
export const USER_GRANT_TYPES = ['password', TEMPORARY_ACCESS_PASS_GRANT];

const TOKEN_LIFETIME_SECONDS = 3599;
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/**
 * A user's sign-in at the token endpoint (v2-oauth-ropc.md): grant_type=password with client_id,
 * username, password and scope. A public client ("Allow public client flows") sends no secret; a
 * confidential one must. Refusals are `invalid_grant` with the AADSTS code Entra uses.
 */
export async function issueUserToken(service: TokenService, state: DirectoryState, form: URLSearchParams, correlationId: string, now: Date): Promise<ApiResponse> {
  const grantType = form.get('grant_type') as string;
  const clientId = form.get('client_id');
  if (!clientId) return missing('client_id', correlationId);
  const application = state.applications.find((app) => app.appId === clientId.toLowerCase());
  if (!application) {
    return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${state.organization.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`, correlationId);
  }
  const secret = form.get('client_secret');
  if (secret !== null) {
    if (!service.clientSecretMatches(application.appId, secret)) {
      return entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`, correlationId);
    }
  } else if (!application.isFallbackPublicClient) {
    return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", correlationId);
  }

  const username = form.get('username');
  if (!username) return missing('username', correlationId);
  const credentialField = grantType === 'password' ? 'password' : TEMPORARY_ACCESS_PASS_GRANT;
  const credential = form.get(credentialField);
  if (!credential) return missing(credentialField, correlationId);

  const scopes = delegatedScopes(application, form.get('scope') ?? '');
  if (!scopes.ok) return entraError(400, scopes.error, scopes.code, scopes.description, correlationId);

  const outcome: SignInOutcome = grantType === 'password'
    ? service.signIn.withPassword(username, credential, now)
    : service.signIn.withTemporaryAccessPass(username, credential, now);
  if (!outcome.ok) return entraError(400, 'invalid_grant', outcome.code, outcome.description, correlationId);

  const { user } = outcome;
  const issuedAt = Math.floor(now.getTime() / 1000);
  const lastSecond = outcome.notAfter ? Math.floor(outcome.notAfter.getTime() / 1000) : Number.POSITIVE_INFINITY;
  const expiresAt = Math.min(issuedAt + TOKEN_LIFETIME_SECONDS, lastSecond);
  const accessToken = await service.sign({
    aio: randomUUID(),
    amr: outcome.methods,
    app_displayname: application.displayName,
    appid: application.appId,
    appidacr: secret === null ? '0' : '1',
    family_name: user.surname ?? undefined,
    given_name: user.givenName ?? undefined,
    idtyp: 'user',
    name: user.displayName,
    oid: user.id,
    scp: scopes.granted.join(' '),
    sub: pairwiseSubject(user.id, application.appId),
    tid: state.tenantId,
    unique_name: user.userPrincipalName,
    upn: user.userPrincipalName,
    uti: randomUUID().replace(/-/g, ''),
    ver: '1.0',
  }, GRAPH_RESOURCE, service.issuer, issuedAt, expiresAt);
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [...scopes.granted, ...scopes.oidc].join(' '),
    expires_in: expiresAt - issuedAt,
    ext_expires_in: expiresAt - issuedAt,
    access_token: accessToken,
  };
  if (scopes.oidc.includes('openid')) {
    body['id_token'] = await service.sign({
      oid: user.id, tid: state.tenantId, sub: pairwiseSubject(user.id, application.appId), name: user.displayName,
      preferred_username: user.userPrincipalName, ver: '2.0',
    }, application.appId, service.v2Issuer, issuedAt, expiresAt);
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'client-request-id': correlationId },
    body,
  };
}

type ScopeResult =
  | { ok: true; granted: string[]; oidc: string[] }
  | { ok: false; error: string; code: number; description: string };

/** Graph scopes the user's token may carry: `.default` = what the app was consented, else each named one. */
function delegatedScopes(application: Application, raw: string): ScopeResult {
  const requested = raw.split(' ').filter(Boolean);
  const oidc = requested.filter((scope) => OIDC_SCOPES.includes(scope));
  const resourceScopes = requested.filter((scope) => !OIDC_SCOPES.includes(scope));
  const consented = application.delegatedPermissions;
  const granted: string[] = [];
  for (const scope of resourceScopes.length > 0 ? resourceScopes : ['User.Read']) {
    const slash = scope.lastIndexOf('/');
    const resource = slash === -1 ? GRAPH_RESOURCE : scope.slice(0, slash).replace(/\/$/, '');
    const name = slash === -1 ? scope : scope.slice(slash + 1);
    if (resource !== GRAPH_RESOURCE && resource !== GRAPH_APP_ID) {
      return { ok: false, error: 'invalid_resource', code: 500011, description: `The resource principal named ${resource} was not found in the tenant. This local tenant issues user tokens for Microsoft Graph only.` };
    }
    if (name === '.default') {
      granted.push(...consented);
      continue;
    }
    const match = consented.find((permission) => permission.toLowerCase() === name.toLowerCase());
    if (!match) {
      return { ok: false, error: 'invalid_grant', code: 65001, description: `The user or administrator has not consented to use the application with ID '${application.appId}' named '${application.displayName}'. Send an interactive authorization request for this user and resource.` };
    }
    granted.push(match);
  }
  return { ok: true, granted: [...new Set(granted)], oidc };
}

function missing(parameter: string, correlationId: string): ApiResponse {
  return entraError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${parameter}'.`, correlationId);
}

/** Entra's `sub` is pairwise: the same user looks different to each app. */
function pairwiseSubject(userId: string, appId: string): string {
  return createHash('sha256').update(`${userId}:${appId}`).digest('base64url').slice(0, 43);
}
