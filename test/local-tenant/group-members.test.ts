import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';

const HIRING_MANAGERS = '6a1d3f0e-0000-4000-8000-0000000000b1';
const MEGAN = '00000000-0000-4000-8000-000000000021';
const ISAIAH = '00000000-0000-4000-8000-000000000023';

describe('local tenant: group membership changes (members/$ref)', () => {
  let tenant: LocalTenant;
  const tokenFor = async (displayName: string) => {
    const app = tenant.apps.find((candidate) => candidate.displayName === displayName)!;
    const credential = new ClientSecretCredential(tenant.tenantId, app.clientId, app.clientSecret, { authorityHost: tenant.authorityHost, disableInstanceDiscovery: true });
    return (await credential.getToken('https://graph.microsoft.com/.default')).token;
  };
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${tenant.graphBaseUrl}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as { error?: { code: string } }) : undefined };
  };

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
  });
  afterAll(async () => {
    await tenant.close();
  });

  it('when the bot (GroupMember.Read.All only) tries to change members, then Graph answers 403 Authorization_RequestDenied', async () => {
    const result = await call(await tokenFor('Onboarding Bot (local)'), 'DELETE', `/groups/${HIRING_MANAGERS}/members/${MEGAN}/$ref`);
    expect(result.status).toBe(403);
    expect(result.body?.error?.code).toBe('Authorization_RequestDenied');
  });

  it('when an app with GroupMember.ReadWrite.All adds and removes a member, then membership follows and checkMemberGroups sees it', async () => {
    const admin = await tokenFor('Entra Admin (local)');
    const bot = await tokenFor('Onboarding Bot (local)');
    const memberOf = async () => (await fetch(`${tenant.graphBaseUrl}/v1.0/users/${ISAIAH}/checkMemberGroups`, {
      method: 'POST', headers: { authorization: `Bearer ${bot}`, 'content-type': 'application/json' }, body: JSON.stringify({ groupIds: [HIRING_MANAGERS] }),
    }).then((r) => r.json() as Promise<{ value: string[] }>)).value;

    expect(await memberOf()).toEqual([]);
    expect((await call(admin, 'POST', `/groups/${HIRING_MANAGERS}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ISAIAH}` })).status).toBe(204);
    expect(await memberOf()).toEqual([HIRING_MANAGERS]);
    const duplicate = await call(admin, 'POST', `/groups/${HIRING_MANAGERS}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ISAIAH}` });
    expect(duplicate.status).toBe(400);
    expect((await call(admin, 'DELETE', `/groups/${HIRING_MANAGERS}/members/${ISAIAH}/$ref`)).status).toBe(204);
    expect(await memberOf()).toEqual([]);
    expect((await call(admin, 'DELETE', `/groups/${HIRING_MANAGERS}/members/${ISAIAH}/$ref`)).status).toBe(404);
  });
});
