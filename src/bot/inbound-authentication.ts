/**
 * Bot Framework authentication of an inbound request, before anything else looks at it.
 *
 * CloudAdapter validates the token too, but answers 500 (not 401) when the signature is
 * wrong under a known key id, when the token is not yet valid, or when a token names an
 * issuer whose keys cannot be fetched — and it reads the body first. So authentication
 * here comes in two steps, each turning every failure into 401:
 *  - `token`: the Authorization header alone (signature, issuer, audience, lifetime),
 *    before the body is read or parsed, so an unauthenticated caller costs no parsing;
 *  - `activity`: the same token against the parsed activity (its channel's endorsement,
 *    the serviceUrl claim), before the activity is validated or run.
 * What botbuilder prints on the console while it refuses a token is captured and returned,
 * for the caller's one log line.
 */
import { ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { captureSdkConsole } from './sdk-console.js';

export type AuthenticationResult = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly sdkOutput?: readonly string[] };

export interface InboundAuthentication {
  /** The token alone, from the Authorization header: before the body is read. */
  token(authorization: string | undefined): Promise<AuthenticationResult>;
  /** The token for this activity (channel endorsement, serviceUrl claim): after the body is parsed. */
  activity(activity: unknown, authorization: string | undefined): Promise<AuthenticationResult>;
}

export function createInboundAuthentication(
  options: ConfigurationBotFrameworkAuthenticationOptions,
  credentialsFactory?: ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1],
): InboundAuthentication {
  const authentication = new ConfigurationBotFrameworkAuthentication(options, credentialsFactory);
  const check = async (claimed: { channelId: string; serviceUrl: string }, authorization: string | undefined): Promise<AuthenticationResult> => {
    if (!authorization?.trim()) return { ok: false, reason: 'no Authorization header' };
    const { value, printed } = await captureSdkConsole(async (): Promise<AuthenticationResult> => {
      try {
        // An empty channel and serviceUrl make botbuilder check the token alone (no endorsement, no claim match).
        await authentication.authenticateRequest(claimed as Activity, authorization);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    });
    return value.ok || printed.length === 0 ? value : { ...value, sdkOutput: printed };
  };
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    token: (authorization) => check({ channelId: '', serviceUrl: '' }, authorization),
    activity: (activity, authorization) => {
      const body = (typeof activity === 'object' && activity !== null ? activity : {}) as Partial<Activity>;
      // Only what the validation reads: the channel (endorsements) and the serviceUrl (claim match).
      return check({ channelId: text(body.channelId), serviceUrl: text(body.serviceUrl) }, authorization);
    },
  };
}
