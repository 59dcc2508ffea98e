import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, type JWK } from 'jose';
import type { ApiResponse } from '../responses.js';

/** The issuer of every token the Bot Framework channel service signs (public cloud). */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
/** Where this tenant serves the channel service's OpenID configuration and keys. */
export const BOT_FRAMEWORK_OPENID_PATH = '/botframework/v1/.well-known/openidconfiguration';
export const BOT_FRAMEWORK_KEYS_PATH = '/botframework/v1/keys';
const CHANNEL_TOKEN_LIFETIME_SECONDS = 3600;

/** What a channel token says; every field can be bent to make a token a bot must refuse. */
export interface ChannelTokenClaims {
  /** The bot's app id (the token's `aud`). */
  appId: string;
  /** The activity's serviceUrl (the `serviceurl` claim botbuilder compares with the activity). */
  serviceUrl: string;
  issuer?: string;
  /** Issue time; default now. */
  now?: Date;
  /** Default one hour; negative values give an expired token. */
  lifetimeSeconds?: number;
  /** Seconds after `now` before the token is valid (`nbf`); default 0. */
  notBeforeSeconds?: number;
}

/**
 * Plays the Bot Framework's channel token service (login.botframework.com): an OpenID
 * configuration and a JWKS whose key is endorsed for msteams, and channel tokens signed by
 * that key as the Bot Connector sends them to a bot. The key lives in memory for the
 * tenant's lifetime: only tests in the same process mint tokens.
 */
export class BotFrameworkChannel {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId: string;
  private publicJwk: JWK | undefined;

  /** `issuer`: the channel service's in this tenant's cloud (api.botframework.com, .us, .azure.cn). */
  constructor(private readonly baseUrl: string, readonly issuer: string = BOT_FRAMEWORK_ISSUER) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.keyId = createHash('sha256').update(pair.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 27);
  }

  get openIdMetadataUrl(): string {
    return `${this.baseUrl}${BOT_FRAMEWORK_OPENID_PATH}`;
  }

  /** The shape of https://login.botframework.com/v1/.well-known/openidconfiguration. */
  openIdConfiguration(): ApiResponse {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: {
        issuer: this.issuer,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${this.baseUrl}${BOT_FRAMEWORK_KEYS_PATH}`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      },
    };
  }

  /** Like the real JWKS, each key carries the channels that endorse it. */
  async jwks(): Promise<ApiResponse> {
    this.publicJwk ??= { ...(await exportJWK(this.publicKey)), kid: this.keyId, use: 'sig', kty: 'RSA' };
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { keys: [{ ...this.publicJwk, x5t: this.keyId, endorsements: ['msteams'] }] },
    };
  }

  /** A token as the Bot Connector puts it in `Authorization: Bearer …` when it posts an activity. */
  async mintChannelToken(claims: ChannelTokenClaims): Promise<string> {
    const issuedAt = Math.floor((claims.now ?? new Date()).getTime() / 1000);
    const notBefore = issuedAt + (claims.notBeforeSeconds ?? 0);
    return new SignJWT({ serviceurl: claims.serviceUrl })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.keyId, x5t: this.keyId })
      .setIssuer(claims.issuer ?? this.issuer)
      .setAudience(claims.appId)
      .setNotBefore(notBefore)
      .setExpirationTime(issuedAt + (claims.lifetimeSeconds ?? CHANNEL_TOKEN_LIFETIME_SECONDS))
      .sign(this.privateKey);
  }
}
