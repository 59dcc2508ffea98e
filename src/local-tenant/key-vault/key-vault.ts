import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../responses.js';
import { KEY_VAULT_RESOURCE, type TokenService } from '../entra/token-service.js';

/**
 * Azure Key Vault's secrets data plane, as much as a bot reading one secret needs (REST API 7.x):
 *
 *   GET {vault}/secrets/{name}[/{version}]?api-version=7.x or a dated one (2025-07-01)
 *   without a token → 401, WWW-Authenticate: Bearer authorization="{authority}/{tenant}", resource="https://vault.azure.net"
 *     (the challenge @azure/keyvault-secrets answers by asking its credential for https://vault.azure.net/.default)
 *   with this tenant's token for https://vault.azure.net → 200 { value, id, attributes, tags }
 *   a reader without the "Key Vault Secrets User" role → 403 ForbiddenByRbac; no such secret → 404 SecretNotFound
 *
 * The vault is the local tenant's own origin (secrets live at /secrets/…): a loopback host, so the
 * SDK's check that the challenge resource is a parent domain of the vault host cannot pass and the
 * bot switches it off for loopback vaults only.
 */
export const KEY_VAULT_SECRETS_PATH = '/secrets';

export interface KeyVaultRequest {
  method: string;
  name: string;
  version: string | undefined;
  query: URLSearchParams;
  authorization: string | undefined;
}

interface StoredSecret {
  value: string;
  version: string;
  created: number;
}

export class KeyVaultStandIn {
  private readonly secrets = new Map<string, StoredSecret[]>();
  /** App ids with "Key Vault Secrets User" on this vault; undefined = every app of the tenant. */
  private readers: Set<string> | undefined;

  constructor(
    private readonly vaultUrl: () => string,
    private readonly tokens: () => TokenService,
  ) {}

  /** Adds a new version of a secret (as `az keyvault secret set` does); returns its version id. */
  setSecret(name: string, value: string, now = new Date()): string {
    const version = randomUUID().replace(/-/g, '');
    const versions = this.secrets.get(name.toLowerCase()) ?? [];
    versions.push({ value, version, created: Math.floor(now.getTime() / 1000) });
    this.secrets.set(name.toLowerCase(), versions);
    return version;
  }

  /** Who holds "Key Vault Secrets User" (app ids); undefined gives it back to every app. */
  setReaders(appIds: readonly string[] | undefined): void {
    this.readers = appIds ? new Set(appIds.map((id) => id.toLowerCase())) : undefined;
  }

  async getSecret(request: KeyVaultRequest): Promise<{ response: ApiResponse; appId?: string }> {
    const apiVersion = request.query.get('api-version');
    if (!apiVersion) return { response: vaultError(400, 'BadParameter', 'The request URI contains an invalid or missing api-version query parameter.') };
    // 7.0 … 7.6, then dated versions (the 4.10+ SDKs send one, e.g. 2025-07-01).
    if (!/^(7\.\d+|\d{4}-\d{2}-\d{2})(-preview)?$/.test(apiVersion)) return { response: vaultError(400, 'BadParameter', `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (7.6).`) };
    const token = /^Bearer\s+(\S+)$/i.exec(request.authorization ?? '')?.[1];
    if (!token) return { response: this.challenge('Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.') };
    const verified = await this.tokens().verifyResourceToken(token, KEY_VAULT_RESOURCE);
    if (!verified.ok) {
      const message = {
        expired: 'AKV10032: Invalid issuer. Token expired.',
        issuer: 'AKV10032: Invalid issuer.',
        audience: `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${verified.audience ?? ''}.`,
        invalid: 'AKV10003: Token validation failed.',
      }[verified.reason];
      return { response: this.challenge('Unauthorized', message) };
    }
    const appId = verified.appId;
    if (request.method !== 'GET') return { appId, response: vaultError(405, 'MethodNotAllowed', `The requested resource does not support http method '${request.method}'.`) };
    if (this.readers && !this.readers.has(appId.toLowerCase())) {
      return {
        appId,
        response: vaultError(403, 'Forbidden', `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${appId}\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'`, 'ForbiddenByRbac'),
      };
    }
    const versions = this.secrets.get(request.name.toLowerCase()) ?? [];
    const secret = request.version ? versions.find((candidate) => candidate.version === request.version) : versions.at(-1);
    if (!secret) {
      const named = request.version ? `${request.name}/${request.version}` : request.name;
      return { appId, response: vaultError(404, 'SecretNotFound', `A secret with (name/id) ${named} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`) };
    }
    return {
      appId,
      response: {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
        body: {
          value: secret.value,
          id: `${this.vaultUrl()}${KEY_VAULT_SECRETS_PATH}/${request.name}/${secret.version}`,
          attributes: { enabled: true, created: secret.created, updated: secret.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
          tags: {},
        },
      },
    };
  }

  /** Key Vault's 401: the error body and the challenge naming the tenant's authority and the vault resource. */
  private challenge(code: string, message: string): ApiResponse {
    const tenantId = this.tokens().tenantId;
    return {
      ...vaultError(401, code, message),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'www-authenticate': `Bearer authorization="${this.vaultUrl()}/${tenantId}", resource="${KEY_VAULT_RESOURCE}"`,
      },
    };
  }
}

function vaultError(status: number, code: string, message: string, innerCode?: string): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: { error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) } },
  };
}
