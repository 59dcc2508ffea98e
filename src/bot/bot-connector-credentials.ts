/**
 * The bot's outbound token for the Bot Connector when the bot signs in with a certificate, or
 * when its login authority is not Microsoft's public one (a sovereign or private cloud, or the
 * local tenant).
 *
 * botbuilder's certificate factory wants the thumbprint and the private key as strings in its
 * options; @azure/identity's ClientCertificateCredential reads the same PEM file the Graph
 * credential takes (GRAPH_CERTIFICATE_PATH) and signs the assertion itself.
 *
 * botbuilder's own credentials (MSAL 2 without `knownAuthorities`) ask
 * login.microsoftonline.com's instance discovery about any authority host MSAL does not know
 * and give up with `untrusted_authority` when that is unreachable — always, in an isolated
 * cloud. @azure/identity (which the Graph adapter already uses) can skip instance discovery,
 * so this factory hands botbuilder credentials built on it. It is shaped like botbuilder's
 * ServiceClientCredentialsFactory (which its package does not export).
 */
import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';

export interface BotConnectorCredentialOptions {
  appId: string;
  /** The app registration's client secret, or a PEM file with its certificate and private key. */
  secret: { appPassword: string } | { certificatePath: string };
  /** The login URL including the tenant, e.g. https://login.microsoftonline.us/{tenant id}. */
  loginUrl: string;
  /** The Bot Connector resource the tokens are for (ToChannelFromBotOAuthScope). */
  oauthScope: string;
}

const MICROSOFT_AUTHORITY = /^https:\/\/login\.(microsoftonline\.(com|us)|chinacloudapi\.cn)$/;

export class BotConnectorCredentialFactory {
  private readonly credential: TokenCredential;

  constructor(private readonly options: BotConnectorCredentialOptions) {
    const login = new URL(options.loginUrl);
    const tenantId = login.pathname.split('/').filter(Boolean)[0];
    if (!tenantId) throw new Error('BOT_LOGIN_URL must end in the tenant, e.g. https://login.microsoftonline.us/{tenant id}');
    const common = { authorityHost: login.origin, disableInstanceDiscovery: !MICROSOFT_AUTHORITY.test(login.origin) };
    this.credential = 'certificatePath' in options.secret
      ? new ClientCertificateCredential(tenantId, options.appId, { certificatePath: options.secret.certificatePath }, common)
      : new ClientSecretCredential(tenantId, options.appId, options.secret.appPassword, common);
  }

  async isValidAppId(appId = ''): Promise<boolean> {
    return appId === this.options.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined) {
    if (appId !== this.options.appId) throw new Error('Invalid appId.');
    const scope = `${(audience || this.options.oauthScope).replace(/\/$/, '')}/.default`;
    const credential = this.credential;
    return {
      // @azure/identity caches the token and renews it before it expires.
      async signRequest<T extends { headers: { set(name: string, value: string): void } }>(webResource: T): Promise<T> {
        const token = await credential.getToken(scope);
        if (!token) throw new Error('No Bot Connector token from the login authority.');
        webResource.headers.set('authorization', `Bearer ${token.token}`);
        return webResource;
      },
    };
  }
}
