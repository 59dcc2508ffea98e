import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_PATH, startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';
import type { Json } from './target.js';
import { REAL_LIMITS } from '../../src/local-tenant/graph/throttling.js';

const HIRING_MANAGERS = '6a1d3f0e-0000-4000-8000-0000000000b1';
const MEGAN = '00000000-0000-4000-8000-000000000021';
const ISAIAH = '00000000-0000-4000-8000-000000000023';

/** A Graph token for one of the seed's apps, through the real credential. */
async function appToken(tenant: LocalTenant, displayName: string): Promise<string> {
  const app = tenant.apps.find((candidate) => candidate.displayName === displayName)!;
  const credential = new ClientSecretCredential(tenant.tenantId, app.clientId, app.clientSecret, { authorityHost: tenant.authorityHost, disableInstanceDiscovery: true });
  return (await credential.getToken('https://graph.microsoft.com/.default')).token;
}

/** One Graph call over HTTPS with that token; the body parsed when there is one. */
async function graphCall(tenant: LocalTenant, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Json }> {
  const response = await fetch(`${tenant.graphBaseUrl}/v1.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) as Json : undefined };
}

describe('local tenant: group membership changes (members/$ref)', () => {
  let tenant: LocalTenant;
  const tokenFor = (displayName: string) => appToken(tenant, displayName);
  const call = (token: string, method: string, path: string, body?: unknown) => graphCall(tenant, token, method, path, body);

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
  });
  afterAll(async () => {
    await tenant.close();
  });

  it('when an app without GroupMember.ReadWrite.All (User.Read.All only) tries to change members, then Graph answers 403 Authorization_RequestDenied', async () => {
    const result = await call(await tokenFor('Directory Reader (local)'), 'DELETE', `/groups/${HIRING_MANAGERS}/members/${MEGAN}/$ref`);
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
  });

  // https://learn.microsoft.com/en-us/graph/api/group-delete-members: a user who exists but is not a member is
  // Graph's 400 "One or more removed object references do not exist…" (observed: the answer Graph clients
  // quote verbatim where they treat it as "already removed"); an object that does not exist at all is the 404.
  it('when a user who is not a member is removed, then 400 Request_BadRequest; an unknown object is 404', async () => {
    const admin = await tokenFor('Entra Admin (local)');
    const notMember = await call(admin, 'DELETE', `/groups/${HIRING_MANAGERS}/members/${ISAIAH}/$ref`);
    expect(notMember.status).toBe(400);
    expect(notMember.body?.error).toMatchObject({ code: 'Request_BadRequest', message: "One or more removed object references do not exist for the following modified properties: 'members'." });
    expect((await call(admin, 'DELETE', `/groups/${HIRING_MANAGERS}/members/00000000-0000-4000-8000-0000000fffff/$ref`)).status).toBe(404);
  });
});

describe('local tenant: membership changes are kept (state dir)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'local-tenant-groups-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('when a member is added and the tenant restarts on the same state dir, then the member is still in the group', async () => {
    const first = await startLocalTenant({ port: 0, stateDir });
    const token = await appToken(first, 'Entra Admin (local)');
    const added = await graphCall(first, token, 'POST', `/groups/${HIRING_MANAGERS}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ISAIAH}` });
    expect(added.status).toBe(204);
    await first.close();
    const second = await startLocalTenant({ port: 0, stateDir });
    try {
      expect(second.directory().groups.find((group) => group.id === HIRING_MANAGERS)?.members).toContain(ISAIAH);
    } finally {
      await second.close();
    }
  });
});

describe('local tenant: groups beyond what a conformance run can show', () => {
  let tenant: LocalTenant;
  const MARKETING_TEAM = '6a1d3f0e-0000-4000-8000-0000000000c1';
  const ALL_SALES = '6a1d3f0e-0000-4000-8000-0000000000c3';
  const ADELE = '00000000-0000-4000-8000-000000000022';
  const HOUR = 3600;
  const tokenOf = (displayName: string) => appToken(tenant, displayName);
  const send = (token: string, method: string, path: string, body?: unknown) => graphCall(tenant, token, method, path, body);
  const reference = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });

  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, stateDir: null });
  });
  afterAll(async () => {
    await tenant.close();
  });
  beforeEach(() => {
    tenant.reset();
    tenant.setThrottling({ ...REAL_LIMITS });
  });

  // https://learn.microsoft.com/en-us/graph/throttling-limits (identity and access service limits): a member
  // added is a directory write, counted against the app's and the tenant's write budget, in $batch parts too.
  it('when member additions exceed the write budget, then 429 WriteLimitExceeded, alone and as $batch parts', async () => {
    tenant.setThrottling({ writesPerWindow: 2, writeWindowSeconds: HOUR });
    const bot = await tokenOf('Onboarding Bot (local)');
    expect((await send(bot, 'POST', `/groups/${MARKETING_TEAM}/members/$ref`, reference(ADELE))).status).toBe(204);
    expect((await send(bot, 'POST', `/groups/${MARKETING_TEAM}/members/$ref`, reference(ISAIAH))).status).toBe(204);
    const throttled = await send(bot, 'POST', `/groups/${HIRING_MANAGERS}/members/$ref`, reference(ADELE));
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    const batch = await send(bot, 'POST', '/$batch', { requests: [{ id: '1', method: 'POST', url: `/groups/${HIRING_MANAGERS}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: reference(ISAIAH) }] });
    expect(batch.body.responses[0].status).toBe(429);
    expect(tenant.directory().groups.find((group) => group.id === HIRING_MANAGERS)?.members).not.toContain(ISAIAH);
    expect(tenant.requestLog().filter((entry) => entry.operation === 'addGroupMember' && entry.throttled)).toHaveLength(2);
  });

  // https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership: members follow the rule
  // (Entra re-evaluates in the background; this tenant at once).
  it('when a user\'s department changes to Sales, then the dynamic group All Sales holds them; changed back, it does not', async () => {
    const bot = await tokenOf('Onboarding Bot (local)');
    const members = async () => ((await send(bot, 'GET', `/groups/${ALL_SALES}/members?$select=id`)).body.value as Json[]).map((member) => member.id);
    expect(await members()).toEqual([ISAIAH]);
    expect((await send(bot, 'PATCH', `/users/${ADELE}`, { department: 'sales' })).status).toBe(204);
    expect((await members()).sort()).toEqual([ISAIAH, ADELE].sort());
    expect((await send(bot, 'POST', `/users/${ADELE}/checkMemberGroups`, { groupIds: [ALL_SALES] })).body.value).toEqual([ALL_SALES]);
    await send(bot, 'PATCH', `/users/${ADELE}`, { department: 'Retail' });
    expect(await members()).toEqual([ISAIAH]);
  });

  // https://learn.microsoft.com/en-us/graph/throttling-limits: "GET groups/{id}/members" costs 3 resource units.
  it('when a group\'s members are read, then the answer costs 3 resource units', async () => {
    const response = await send(await tokenOf('Onboarding Bot (local)'), 'GET', `/groups/${MARKETING_TEAM}/members`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ms-resource-unit')).toBe('3');
  });

  it('when /_tenant/groups is read, then every group shows its kind and its members as they are now', async () => {
    const body = await (await fetch(`${tenant.inspectionUrl}/groups`)).json() as { value: Json[] };
    const byName = new Map(body.value.map((group) => [group.displayName, group]));
    expect(byName.get('All Sales (dynamic)')).toMatchObject({ groupTypes: ['DynamicMembership'], members: [ISAIAH] });
    expect(byName.get('Marketing')).toMatchObject({ groupTypes: ['Unified'], mail: 'marketing@contoso.com' });
    expect(byName.get('Helpdesk Admins (role-assignable)')).toMatchObject({ isAssignableToRole: true });
  });

  it('when a seed group is dynamic without a rule, or role-assignable and dynamic, then the seed is refused at start', async () => {
    const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as { groups: Json[] };
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const broken = (change: (group: Json) => void) => {
      const copy = structuredClone(seed);
      change(copy.groups.find((group) => group.displayName === 'All Sales (dynamic)'));
      const path = join(dir, 'seed.json');
      writeFileSync(path, JSON.stringify(copy));
      return path;
    };
    try {
      await expect(startLocalTenant({ seedPath: broken((group) => delete group.membershipRule) })).rejects.toThrow(/DynamicMembership and membershipRule/);
      await expect(startLocalTenant({ seedPath: broken((group) => { group.isAssignableToRole = true; }) })).rejects.toThrow(/role-assignable/);
      await expect(startLocalTenant({ seedPath: broken((group) => { group.membershipRule = '(user.department -like "x")'; }) })).rejects.toThrow(/operator/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
