import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphFailure, newUserBody, openTarget, rawGraph, type ConformanceTarget, type Json } from './target.js';

let target: ConformanceTarget;
let graph: Client;
const created: string[] = [];

beforeAll(async () => {
  target = await openTarget();
  graph = graphClient(target);
});
afterAll(async () => {
  for (const id of created) await graph.api(`/users/${id}`).delete().catch(() => undefined);
  await target.close();
});

async function createUser(): Promise<Json> {
  const user = await graph.api('/users').post(newUserBody(target));
  created.push(user.id);
  return user;
}

describe('domains', () => {
  it('when domains are listed, then each has its authentication type and verification state', async () => {
    const { value } = await graph.api('/domains').get() as { value: Json[] };
    const byId = new Map(value.map((domain) => [domain.id, domain]));
    expect(byId.get(target.domains.managed)).toMatchObject({ authenticationType: 'Managed', isVerified: true });
    expect(byId.get(target.domains.initial)).toMatchObject({ isInitial: true, isVerified: true });
    expect(byId.get(target.domains.federated)).toMatchObject({ authenticationType: 'Federated', isVerified: true });
    expect(byId.get(target.domains.unverified)).toMatchObject({ isVerified: false });
    expect(value.filter((domain) => domain.isDefault)).toHaveLength(1);
  });
});

describe('membership', () => {
  it('when checking groups of a direct member, then the group comes back', async () => {
    const result = await graph.api(`/users/${target.fixtures.directMemberId}/checkMemberGroups`)
      .post({ groupIds: [target.fixtures.directGroupId, target.fixtures.transitiveGroupId] });
    expect(result.value).toEqual([target.fixtures.directGroupId]);
  });

  it('when checking groups of a member through a nested group, then membership is transitive', async () => {
    const result = await graph.api(`/users/${target.fixtures.transitiveMemberId}/checkMemberGroups`)
      .post({ groupIds: [target.fixtures.transitiveGroupId, target.fixtures.directGroupId] });
    expect(result.value).toEqual([target.fixtures.transitiveGroupId]);
  });

  it('when more than 20 group ids are checked, then 400', async () => {
    const groupIds = Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const error = await graphFailure(graph.api(`/users/${target.fixtures.directMemberId}/checkMemberGroups`).post({ groupIds }));
    expect(error.statusCode).toBe(400);
  });

  it('when transitiveMemberOf is read, then nested and parent groups come back as typed directory objects', async () => {
    const page = await graph.api(`/users/${target.fixtures.transitiveMemberId}/transitiveMemberOf`).get();
    const ids = page.value.map((group: Json) => group.id);
    expect(ids).toEqual(expect.arrayContaining([target.fixtures.transitiveGroupId, target.fixtures.nestedGroupId]));
    expect(page.value.every((item: Json) => item['@odata.type'] === '#microsoft.graph.group')).toBe(true);
  });

  it('when transitiveMemberOf is paged with $top=1, then nextLink walks every group', async () => {
    const ids: string[] = [];
    let page = await graph.api(`/users/${target.fixtures.transitiveMemberId}/transitiveMemberOf`).top(1).get();
    for (;;) {
      ids.push(...page.value.map((group: Json) => group.id));
      if (!page['@odata.nextLink']) break;
      page = await graph.api(page['@odata.nextLink']).get();
    }
    expect(ids).toEqual(expect.arrayContaining([target.fixtures.transitiveGroupId, target.fixtures.nestedGroupId]));
  });
});

describe('Temporary Access Pass', () => {
  const path = (id: string): string => `/users/${id}/authentication/temporaryAccessPassMethods`;

  it('when a pass is created, then 201 returns its value once and later reads omit it', async () => {
    const user = await createUser();
    const pass = await graph.api(path(user.id)).post({ lifetimeInMinutes: 60, isUsableOnce: true });
    expect(pass).toMatchObject({ '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', lifetimeInMinutes: 60, isUsableOnce: true, isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });
    expect(typeof pass.temporaryAccessPass).toBe('string');
    expect(pass.temporaryAccessPass.length).toBeGreaterThanOrEqual(8);
    const listed = await graph.api(path(user.id)).get();
    expect(listed.value).toHaveLength(1);
    expect(listed.value[0].temporaryAccessPass).toBeNull();
  });

  it('when a second pass is created, then it replaces the first (one usable pass per user)', async () => {
    const user = await createUser();
    await graph.api(path(user.id)).post({ lifetimeInMinutes: 60 });
    const second = await graph.api(path(user.id)).post({ lifetimeInMinutes: 120 });
    const listed = await graph.api(path(user.id)).get();
    expect(listed.value.map((method: Json) => method.id)).toEqual([second.id]);
  });

  it.each([9, 43201])('when lifetimeInMinutes is %s, then 400', async (lifetimeInMinutes) => {
    const user = await createUser();
    const error = await graphFailure(graph.api(path(user.id)).post({ lifetimeInMinutes }));
    expect(error.statusCode).toBe(400);
  });

  it('when the user does not exist, then 404', async () => {
    const error = await graphFailure(graph.api(path('00000000-0000-4000-8000-0000000fffff')).post({ lifetimeInMinutes: 60 }));
    expect(error.statusCode).toBe(404);
  });
});

describe('JSON batching', () => {
  it('when a batch creates a user and reads it back with dependsOn, then each part has its own status', async () => {
    const body = newUserBody(target);
    const result = await graph.api('/$batch').post({
      requests: [
        { id: '1', method: 'POST', url: '/users', headers: { 'Content-Type': 'application/json' }, body },
        { id: '2', method: 'GET', url: `/users/${body.userPrincipalName}?$select=id,mailNickname`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: '/users/00000000-0000-4000-8000-0000000fffff' },
      ],
    });
    const byId = new Map(result.responses.map((part: Json) => [part.id, part]));
    const first = byId.get('1') as Json;
    created.push(first.body.id);
    expect(first.status).toBe(201);
    expect((byId.get('2') as Json).status).toBe(200);
    expect((byId.get('2') as Json).body.mailNickname).toBe(body.mailNickname);
    expect((byId.get('3') as Json).status).toBe(404);
    expect((byId.get('3') as Json).body.error.code).toBe('Request_ResourceNotFound');
  });

  it('when a dependency fails, then the dependent part is 424 and not run', async () => {
    const body = newUserBody(target, { userPrincipalName: `x@${target.domains.unverified}` });
    const result = await graph.api('/$batch').post({
      requests: [
        { id: 'a', method: 'POST', url: '/users', headers: { 'Content-Type': 'application/json' }, body },
        { id: 'b', method: 'GET', url: '/users?$top=1', dependsOn: ['a'] },
      ],
    });
    const byId = new Map(result.responses.map((part: Json) => [part.id, part]));
    expect((byId.get('a') as Json).status).toBe(400);
    expect((byId.get('b') as Json).status).toBe(424);
  });

  it.each([
    ['more than 20 requests', Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users?$top=1' }))],
    ['duplicate ids', [{ id: '1', method: 'GET', url: '/users?$top=1' }, { id: '1', method: 'GET', url: '/domains' }]],
    ['a body without Content-Type', [{ id: '1', method: 'POST', url: '/users', body: { accountEnabled: true } }]],
  ])('when a batch has %s, then the whole batch is 400', async (_name, requests) => {
    const response = await rawGraph(target, '/$batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requests }) });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBeTruthy();
  });
});
