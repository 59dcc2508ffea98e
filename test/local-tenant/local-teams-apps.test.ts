/**
 * The Teams app catalog and app installation for users, as Graph v1.0 documents them
 * (teamsappinstallation, userteamwork-post-installedapps, userscopeteamsappinstallation-get-chat):
 * what the bot meets when it installs itself for a person before opening a 1:1 chat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { GRAPH_SCOPE, localTarget, rawGraph, secretCredential, type ConformanceTarget } from './target.js';

const CATALOG_ID = '7d1c0a5e-0000-4000-8000-0000000a0c01';
const MANIFEST_ID = '00000000-0000-4000-8000-0000000a0701';
const LYNNE = '00000000-0000-4000-8000-000000000025';
const ISAIAH = '00000000-0000-4000-8000-000000000023';

let target: ConformanceTarget & { local: LocalTenant };
beforeAll(async () => {
  target = await localTarget();
});
afterAll(async () => {
  await target.close();
});

const post = (path: string, body: unknown, token?: string) =>
  rawGraph(target, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(token ? { token } : {}) });
const bind = (id: string) => ({ 'teamsApp@odata.bind': `${target.graphBaseUrl}/v1.0/appCatalogs/teamsApps/${id}` });

describe('the Teams app catalog (GET /appCatalogs/teamsApps)', () => {
  it('when an admin filters the catalog by the manifest id, then the bot\'s app is found with its catalog id; the bot itself may not read the catalog (403)', async () => {
    const path = `/appCatalogs/teamsApps?$filter=${encodeURIComponent(`externalId eq '${MANIFEST_ID}'`)}`;
    expect((await rawGraph(target, path)).status).toBe(403);
    const admin = target.local.apps.find((app) => app.displayName === 'Entra Admin (local)')!;
    const token = (await secretCredential(target, admin).getToken(GRAPH_SCOPE))!.token;
    const response = await rawGraph(target, path, { token });
    expect(response.status).toBe(200);
    expect(response.body.value).toEqual([expect.objectContaining({ id: CATALOG_ID, externalId: MANIFEST_ID, distributionMethod: 'organization' })]);
  });
});

describe('installing the app for a user (POST /users/{id}/teamwork/installedApps)', () => {
  it('when the app is installed, then 201 with no body; a second install is 409 Conflict; the installation and its 1:1 chat can be read', async () => {
    const first = await post(`/users/${LYNNE}/teamwork/installedApps`, bind(CATALOG_ID));
    expect(first.status).toBe(201);
    expect(first.body).toBeUndefined();
    const again = await post(`/users/${LYNNE}/teamwork/installedApps`, bind(CATALOG_ID));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('Conflict');

    const listed = await rawGraph(target, `/users/${LYNNE}/teamwork/installedApps?$expand=teamsApp&$filter=${encodeURIComponent(`teamsApp/id eq '${CATALOG_ID}'`)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.value).toEqual([expect.objectContaining({ teamsApp: expect.objectContaining({ id: CATALOG_ID }) })]);
    const chat = await rawGraph(target, `/users/${LYNNE}/teamwork/installedApps/${listed.body.value[0].id}/chat`);
    expect(chat.status).toBe(200);
    expect(chat.body.id).toMatch(/^19:.+@unq\.gbl\.spaces$/);
  });

  it('when the app is not in the catalog, the user is unknown, or the binding is missing, then 404, 404 and 400', async () => {
    expect((await post(`/users/${ISAIAH}/teamwork/installedApps`, bind('00000000-0000-4000-8000-00000000dead'))).status).toBe(404);
    expect((await post('/users/00000000-0000-4000-8000-00000000beef/teamwork/installedApps', bind(CATALOG_ID))).status).toBe(404);
    expect((await post(`/users/${ISAIAH}/teamwork/installedApps`, {})).status).toBe(400);
  });

  it('when the app lacks a TeamsAppInstallation permission, then 403 Authorization_RequestDenied and nothing is installed', async () => {
    const token = (await secretCredential(target, target.reader).getToken(GRAPH_SCOPE))!.token;
    const refused = await post(`/users/${ISAIAH}/teamwork/installedApps`, bind(CATALOG_ID), token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('Authorization_RequestDenied');
    expect((await rawGraph(target, `/users/${ISAIAH}/teamwork/installedApps`)).body.value).toEqual([]);
  });

  it('when an installation is deleted, then 204 and the user has the app no more', async () => {
    await post(`/users/${ISAIAH}/teamwork/installedApps`, bind(CATALOG_ID));
    const [installation] = (await rawGraph(target, `/users/${ISAIAH}/teamwork/installedApps`)).body.value;
    expect((await rawGraph(target, `/users/${ISAIAH}/teamwork/installedApps/${installation.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await rawGraph(target, `/users/${ISAIAH}/teamwork/installedApps`)).body.value).toEqual([]);
  });
});
