/**
 * Installing the bot's Teams app for a person through Microsoft Graph, so the bot can open
 * a 1:1 chat with someone who never wrote to it ("Send proactive installation messages"):
 * POST /users/{id}/teamwork/installedApps with teamsApp@odata.bind to the catalog app.
 * 201 installs it, 409 means it is installed already; both leave the person reachable.
 * Needs TeamsAppInstallation.ReadWriteSelfForUser.All (or …ReadWriteForUser.All).
 */
import { GraphError } from '@microsoft/microsoft-graph-client';
import { createGraphClient, userPath, type GraphDirectoryOptions } from './graph-directory.js';

export type AppInstallOutcome =
  | { readonly kind: 'installed' | 'already-installed' }
  /**
   * `reason` is for IT (the ticket, the log): which permission or object is missing. `retry` when
   * trying again later may work (throttled, Graph or the network failing), with Graph's Retry-After.
   */
  | {
    readonly kind: 'refused'; readonly status: number; readonly reason: string; readonly graphRequestId?: string | undefined;
    readonly retry?: { readonly afterMs?: number | undefined } | undefined;
  };

export interface TeamsAppInstallerOptions extends Pick<GraphDirectoryOptions, 'baseUrl' | 'tenantId' | 'credential' | 'authorityHost' | 'disableInstanceDiscovery'> {
  /** The app's id in the organisation's catalog (GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'). */
  readonly teamsAppCatalogId: string;
  readonly requestTimeoutMs?: number | undefined;
}

/** Installs the bot's app for one user (personal scope); an installed app is no failure. */
export function createTeamsAppInstaller(options: TeamsAppInstallerOptions): (userId: string) => Promise<AppInstallOutcome> {
  const client = createGraphClient(options);
  const base = new URL(options.baseUrl);
  const catalogApp = `${base.origin}/v1.0/appCatalogs/teamsApps/${encodeURIComponent(options.teamsAppCatalogId)}`;
  return async (userId) => {
    try {
      await client.api(`${userPath(userId)}/teamwork/installedApps`)
        .option('signal', AbortSignal.timeout(options.requestTimeoutMs ?? 30_000))
        .post({ 'teamsApp@odata.bind': catalogApp });
      return { kind: 'installed' };
    } catch (error) {
      if (!(error instanceof GraphError)) {
        return { kind: 'refused', status: -1, reason: `the app could not be installed (${error instanceof Error ? error.name : 'unknown failure'})`, retry: {} };
      }
      if (error.statusCode === 409) return { kind: 'already-installed' };
      const graphRequestId = error.requestId ?? undefined;
      const reason =
        error.statusCode === 403 || error.statusCode === 401
          ? 'the bot may not install its Teams app for people (Graph permission TeamsAppInstallation.ReadWriteSelfForUser.All missing)'
          : error.statusCode === 404
            ? 'the person or the bot\'s app is not in the organisation\'s Teams catalog (check TEAMS_APP_CATALOG_ID)'
            : `Graph answered ${error.statusCode} when the app was installed for them`;
      const passing = error.statusCode === 429 || error.statusCode >= 500 || error.statusCode === -1;
      const retryAfterSeconds = Number(error.headers?.get('retry-after') ?? NaN);
      const retry = passing ? { ...(Number.isFinite(retryAfterSeconds) ? { afterMs: retryAfterSeconds * 1000 } : {}) } : undefined;
      return { kind: 'refused', status: error.statusCode, reason, graphRequestId, ...(retry ? { retry } : {}) };
    }
  };
}
