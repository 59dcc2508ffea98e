/**
 * Bot Framework authentication of an inbound request, before anything else looks at it.
 *
 * CloudAdapter validates the token too, but answers 500 (not 401) when the signature is
 * wrong under a known key id, when the token is not yet valid, or when a token names an
 * issuer whose keys cannot be fetched — and it reads the body first. Checking here with
 * botbuilder's own validation turns every failure into 401 before the activity is even
 * validated, so an unauthenticated caller learns nothing and causes nothing.
 */
import { ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';

export type InboundAuthentication = (activity: unknown, authorization: string | undefined) => Promise<{ ok: true } | { ok: false; reason: string }>;

export function createInboundAuthentication(
  options: ConfigurationBotFrameworkAuthenticationOptions,
  credentialsFactory?: ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1],
): InboundAuthentication {
  const authentication = new ConfigurationBotFrameworkAuthentication(options, credentialsFactory);
  return async (activity, authorization) => {
    if (!authorization?.trim()) return { ok: false, reason: 'no Authorization header' };
    const body = (typeof activity === 'object' && activity !== null ? activity : {}) as Partial<Activity>;
    try {
      // Only what the validation reads: the channel (endorsements) and the serviceUrl (claim match).
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      await authentication.authenticateRequest({ channelId: text(body.channelId), serviceUrl: text(body.serviceUrl) } as Activity, authorization);
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
}
