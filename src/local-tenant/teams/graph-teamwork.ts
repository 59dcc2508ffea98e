/**
 * Teams app installation for users, as Microsoft Graph v1.0 has it: the organisation's app
 * catalog (GET /appCatalogs/teamsApps), a user's installed apps (GET/POST
 * /users/{id}/teamwork/installedApps, GET/DELETE …/{installationId}) and the 1:1 chat of an
 * installation (GET …/{installationId}/chat). POST answers 201 with no body, 409 Conflict
 * when the app is installed already, 404 for an app not in the catalog, and 403 without a
 * TeamsAppInstallation permission — what a bot meets when it installs itself for a person
 * before messaging them ("Send proactive installation messages").
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DirectoryState, DirectoryUser } from '../directory.js';
import type { GraphOperation, GraphRequest } from '../graph/graph-api.js';
import { APP_CATALOG_READ, TEAMS_APP_INSTALLATION_READ, TEAMS_APP_INSTALLATION_WRITE } from '../graph/graph-permissions.js';
import { rejectUnknownQueryOptions } from '../graph/graph-query.js';
import { badRequest, GraphError, json, methodNotAllowed, noContent, type ApiResponse } from '../responses.js';

export interface TeamworkContext {
  baseUrl: string;
  state(): DirectoryState;
  save(): void;
  findUser(key: string, now: Date, isRead: boolean): DirectoryUser;
  context(fragment: string): string;
  operation(name: string, permissions: string[][], baseCost: number, isWrite: boolean, run: (now: Date) => ApiResponse): GraphOperation;
}

/** One app installed for one user (personal scope). */
export interface TeamsAppInstallation {
  id: string;
  userId: string;
  teamsAppId: string;
  /** The 1:1 chat between the user and the app's bot. */
  chatId: string;
  /**
   * ISO 8601: when it was installed. Not a Graph property (never returned): the Bot Connector
   * stand-in reads it, since Teams lets a bot message the person only once the installation has
   * reached it (test/support/recording-connector.ts). Absent in states saved before it existed.
   */
  installedAt?: string;
}

const appNotFound = (id: string) => new GraphError(404, 'NotFound', `No app with id '${id}' was found in the app catalog.`);
const installationNotFound = () => new GraphError(404, 'NotFound', 'The requested app installation was not found.');

export class TeamworkApi {
  constructor(private readonly ctx: TeamworkContext) {}

  /** /appCatalogs/teamsApps[/{id}] */
  resolveAppCatalogs(method: string, rest: string[], request: GraphRequest): GraphOperation {
    const [collection, id, ...tail] = rest;
    if (collection !== 'teamsApps' || tail.length > 0) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${rest.join('/')}'.`);
    if (method !== 'GET') throw methodNotAllowed();
    if (id !== undefined) {
      return this.ctx.operation('getTeamsApp', APP_CATALOG_READ, 1, false, () => {
        const app = this.catalog().find((a) => a.id === id);
        if (!app) throw appNotFound(id);
        return json(200, { '@odata.context': this.ctx.context('appCatalogs/teamsApps/$entity'), ...app });
      });
    }
    return this.ctx.operation('listTeamsApps', APP_CATALOG_READ, 1, false, () => {
      rejectUnknownQueryOptions(request.query, ['$filter']);
      const filter = request.query.get('$filter');
      let apps = this.catalog();
      if (filter !== null) {
        const match = /^\s*(id|externalId|displayName|distributionMethod)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
        if (!match) throw badRequest(`Invalid filter clause: this local tenant filters teamsApps by one "property eq 'value'" only.`);
        const [, property, value] = match as unknown as [string, 'id' | 'externalId' | 'displayName' | 'distributionMethod', string];
        apps = apps.filter((app) => app[property] === value.replace(/''/g, "'"));
      }
      return json(200, { '@odata.context': this.ctx.context('appCatalogs/teamsApps'), value: apps });
    });
  }

  /** /users/{key}/teamwork/installedApps[/{installationId}[/chat]] */
  resolveUserTeamwork(method: string, key: string, tail: string[], request: GraphRequest): GraphOperation {
    const [collection, installationId, sub, ...more] = tail;
    if (collection !== 'installedApps' || more.length > 0 || (sub !== undefined && sub !== 'chat')) {
      throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${tail.join('/')}'.`);
    }
    if (installationId === undefined) {
      if (method === 'GET') return this.ctx.operation('listUserInstalledApps', TEAMS_APP_INSTALLATION_READ, 1, false, (now) => this.list(key, request, now));
      if (method === 'POST') return this.ctx.operation('installAppForUser', TEAMS_APP_INSTALLATION_WRITE, 1, true, (now) => this.install(key, request.body, now));
      throw methodNotAllowed();
    }
    if (sub === 'chat') {
      if (method !== 'GET') throw methodNotAllowed();
      return this.ctx.operation('getInstallationChat', TEAMS_APP_INSTALLATION_READ, 1, false, (now) => {
        const installation = this.installationOf(key, installationId, now);
        return json(200, { '@odata.context': this.ctx.context('chats/$entity'), id: installation.chatId, chatType: 'oneOnOne', tenantId: this.ctx.state().tenantId });
      });
    }
    if (method === 'GET') {
      return this.ctx.operation('getUserInstalledApp', TEAMS_APP_INSTALLATION_READ, 1, false, (now) => {
        rejectUnknownQueryOptions(request.query, ['$expand']);
        return json(200, { '@odata.context': this.ctx.context('teamsAppInstallation/$entity'), ...this.view(this.installationOf(key, installationId, now), request) });
      });
    }
    if (method === 'DELETE') {
      return this.ctx.operation('uninstallAppForUser', TEAMS_APP_INSTALLATION_WRITE, 1, true, (now) => {
        const installation = this.installationOf(key, installationId, now);
        const state = this.ctx.state();
        state.teamsAppInstallations = (state.teamsAppInstallations ?? []).filter((i) => i !== installation);
        this.ctx.save();
        return noContent();
      });
    }
    throw methodNotAllowed();
  }

  private list(key: string, request: GraphRequest, now: Date): ApiResponse {
    rejectUnknownQueryOptions(request.query, ['$expand', '$filter']);
    const user = this.ctx.findUser(key, now, true);
    let installations = this.installations().filter((i) => i.userId === user.id);
    const filter = request.query.get('$filter');
    if (filter !== null) {
      const match = /^\s*teamsApp\/(id|externalId)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
      if (!match) throw badRequest("Invalid filter clause: this local tenant filters installedApps by teamsApp/id or teamsApp/externalId only.");
      const value = match[2]!.replace(/''/g, "'");
      installations = installations.filter((i) => {
        const app = this.catalog().find((a) => a.id === i.teamsAppId);
        return match[1] === 'id' ? i.teamsAppId === value : app?.externalId === value;
      });
    }
    return json(200, { '@odata.context': this.ctx.context(`users('${user.id}')/teamwork/installedApps`), value: installations.map((i) => this.view(i, request)) });
  }

  private install(key: string, body: unknown, now: Date): ApiResponse {
    const user = this.ctx.findUser(key, now, false);
    const bind = (body as Record<string, unknown> | undefined)?.['teamsApp@odata.bind'];
    if (typeof bind !== 'string') throw badRequest("A value is required for property 'teamsApp@odata.bind' of resource 'teamsAppInstallation'.");
    const appId = /\/appCatalogs\/teamsApps\/([^/?#]+)$/.exec(bind)?.[1];
    if (!appId) throw badRequest(`Invalid value '${bind.slice(0, 200)}' for 'teamsApp@odata.bind': expected …/appCatalogs/teamsApps/{id}.`);
    const teamsAppId = decodeURIComponent(appId);
    if (!this.catalog().some((a) => a.id === teamsAppId)) throw appNotFound(teamsAppId);
    const state = this.ctx.state();
    state.teamsAppInstallations ??= [];
    if (state.teamsAppInstallations.some((i) => i.userId === user.id && i.teamsAppId === teamsAppId)) {
      throw new GraphError(409, 'Conflict', 'App is already installed for this user.');
    }
    const chatHash = createHash('sha256').update(`${user.id}|${teamsAppId}`).digest('hex').slice(0, 24);
    state.teamsAppInstallations.push({
      id: randomUUID(), userId: user.id, teamsAppId, chatId: `19:${user.id}_${chatHash}@unq.gbl.spaces`, installedAt: now.toISOString(),
    });
    this.ctx.save();
    return { status: 201, headers: {} };
  }

  private installationOf(key: string, installationId: string, now: Date): TeamsAppInstallation {
    const user = this.ctx.findUser(key, now, true);
    const found = this.installations().find((i) => i.userId === user.id && i.id === installationId);
    if (!found) throw installationNotFound();
    return found;
  }

  private view(installation: TeamsAppInstallation, request: GraphRequest): Record<string, unknown> {
    const expand = request.query.get('$expand');
    if (expand !== null && expand.trim() !== 'teamsApp' && expand.trim() !== 'teamsAppDefinition') {
      throw new GraphError(400, 'BadRequest', `Could not find a property named '${expand}' that this local tenant can expand (only teamsApp, teamsAppDefinition).`);
    }
    const app = this.catalog().find((a) => a.id === installation.teamsAppId);
    return {
      id: installation.id,
      ...(expand?.trim() === 'teamsApp' && app ? { teamsApp: app } : {}),
      ...(expand?.trim() === 'teamsAppDefinition' && app ? { teamsAppDefinition: { id: `${app.id}-definition`, teamsAppId: app.id, displayName: app.displayName, version: '1.0.0' } } : {}),
    };
  }

  private catalog() {
    return this.ctx.state().teamsApps ?? [];
  }

  private installations(): TeamsAppInstallation[] {
    return this.ctx.state().teamsAppInstallations ?? [];
  }
}
