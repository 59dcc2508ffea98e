/**
 * The Bot Framework wiring: the Teams adapter with the bot's credentials (public or a
 * sovereign/private cloud), and the message endpoint — authenticate (tenant mode), check
 * the activity's shape, then let the adapter run the turn. Replacing the Teams SDK touches
 * this folder and src/delivery only.
 */
import type { Request, Response, TurnContext } from 'botbuilder';
import { TeamsAdapter } from '@microsoft/teams-ai';
import type { Logger } from 'pino';
import { BotConnectorCredentialFactory } from './bot-connector-credentials.js';
import { retryRefusedSends } from './connector-retry.js';
import { checkInboundActivity } from './inbound-activity.js';
import { createInboundAuthentication } from './inbound-authentication.js';

/** The bot's identity and where Bot Framework lives (from src/config.ts). */
export interface BotFrameworkSettings {
  readonly mode: 'local' | 'tenant';
  readonly appId: string;
  readonly appPassword: string;
  /** PEM with the bot's certificate and private key; '' = a secret or a managed identity. */
  readonly certificatePath: string;
  readonly appType: 'SingleTenant' | 'UserAssignedMSI';
  readonly tenantId: string;
  /** Bot Framework endpoints off the public cloud (src/config.ts: BOT_CLOUD and the BOT_* endpoints); undefined = public cloud. */
  readonly cloud?: {
    readonly openIdMetadataUrl: string; readonly tokenIssuer: string; readonly loginUrl: string; readonly oauthScope: string;
    readonly callerId?: string | undefined; readonly oauthUrl: string; readonly emulatorOpenIdMetadataUrl: string;
  } | undefined;
  /** Replies need credentials that skip MSAL's instance discovery (a login authority MSAL does not know). */
  readonly skipInstanceDiscovery: boolean;
}

/** A turn handler the adapter calls with each authenticated, well-formed activity. */
export interface TurnRunner {
  run(context: TurnContext): Promise<unknown>;
}

export interface BotFramework {
  readonly adapter: TeamsAdapter;
  /**
   * Tenant mode: true when the Authorization header carries a valid Bot Framework token;
   * the host asks before it reads the body. Undefined in local mode (loopback only).
   */
  readonly authenticateRequest?: ((authorization: string | undefined) => Promise<boolean>) | undefined;
  /** POST /api/messages: refuses unauthenticated (401) and malformed (400) requests before the bot sees them. */
  handleMessage(bot: TurnRunner): (req: Request, res: Response) => Promise<void>;
}

const PUBLIC_LOGIN = 'https://login.microsoftonline.com/';
const PUBLIC_BOT_CONNECTOR = 'https://api.botframework.com';
const LOOPBACK_SERVICE_URL = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

export function createBotFramework(settings: BotFrameworkSettings, logger: Logger): BotFramework {
  const { cloud } = settings;
  const options =
    settings.mode === 'local'
      ? {}
      : {
          MicrosoftAppId: settings.appId,
          MicrosoftAppPassword: settings.appPassword,
          MicrosoftAppType: settings.appType,
          MicrosoftAppTenantId: settings.tenantId,
          // A sovereign or private cloud: botbuilder then uses exactly these (config fills the cloud's values for the rest),
          // down to the caller id it sets on each inbound activity (US Government: urn:botframework:azureusgov).
          ...(cloud
            ? {
                ToBotFromChannelOpenIdMetadataUrl: cloud.openIdMetadataUrl,
                ToBotFromChannelTokenIssuer: cloud.tokenIssuer,
                ToChannelFromBotLoginUrl: cloud.loginUrl,
                ToChannelFromBotOAuthScope: cloud.oauthScope,
                ToBotFromEmulatorOpenIdMetadataUrl: cloud.emulatorOpenIdMetadataUrl,
                OAuthUrl: cloud.oauthUrl,
                ...(cloud.callerId ? { CallerId: cloud.callerId } : {}),
                ValidateAuthority: true,
              }
            : {}),
        };
  // A certificate, or a secret off Microsoft's login: @azure/identity's credentials (botbuilder's own
  // want a thumbprint and a key string for a certificate, and Microsoft's instance discovery for any authority).
  const credentialsFactory = settings.mode === 'tenant' && (settings.certificatePath || (settings.skipInstanceDiscovery && cloud))
    ? new BotConnectorCredentialFactory({
        appId: settings.appId,
        secret: settings.certificatePath ? { certificatePath: settings.certificatePath } : { appPassword: settings.appPassword },
        loginUrl: cloud?.loginUrl ?? `${PUBLIC_LOGIN}${settings.tenantId}`,
        oauthScope: cloud?.oauthScope ?? PUBLIC_BOT_CONNECTOR,
      })
    : undefined;
  const adapter = new TeamsAdapter(options, credentialsFactory);
  // Teams throttles bursts (429) and asks for 412, 502 and 504 to be retried: every send and update of every turn is.
  adapter.use(retryRefusedSends());
  // Tenant mode: every request proves it comes from the Bot Framework before anything reads it.
  const authenticate = settings.mode === 'tenant' ? createInboundAuthentication(options, credentialsFactory) : undefined;
  // Local mode talks to the Agents Playground on loopback; a tenant's Bot Connector only over HTTPS.
  const allowedServiceUrl = (url: string) => (settings.mode === 'local' ? LOOPBACK_SERVICE_URL.test(url) : url.startsWith('https://'));

  const unauthenticated = (result: { reason: string; sdkOutput?: readonly string[] }) =>
    logger.warn({ reason: result.reason, ...(result.sdkOutput ? { sdkOutput: result.sdkOutput } : {}) },
      'refused a request without valid Bot Framework authentication');
  const refuse = (res: Response, status: number, error: string) => {
    res.status(status);
    res.send({ error });
    res.end();
  };
  return {
    adapter,
    authenticateRequest: authenticate
      ? async (authorization) => {
          const result = await authenticate.token(authorization);
          if (!result.ok) unauthenticated(result);
          return result.ok;
        }
      : undefined,
    handleMessage: (bot) => async (req, res) => {
      if (authenticate) {
        const authorization = req.headers['authorization'];
        const authenticated = await authenticate.activity(req.body, Array.isArray(authorization) ? authorization[0] : authorization);
        if (!authenticated.ok) {
          unauthenticated(authenticated);
          return refuse(res, 401, 'unauthorized');
        }
      }
      const check = checkInboundActivity(req.body, { allowedServiceUrl });
      if (!check.ok) {
        logger.warn({ reason: check.reason }, 'ignored a malformed activity');
        return refuse(res, 400, 'malformed activity');
      }
      await adapter.process(req, res, (context) => bot.run(context).then(() => undefined));
    },
  };
}
