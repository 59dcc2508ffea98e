import { describe, expect, it } from 'vitest';
import { conformanceSession, graphClient, graphFailure, groupFixtures, rawGraph, secretCredential, type Json } from './target.js';

// Groups: what they are, finding them, and changing their members as the bot will (the real Graph client).
const GROUPS_OVERVIEW = 'https://learn.microsoft.com/en-us/graph/api/resources/groups-overview';
const GROUP_RESOURCE = 'https://learn.microsoft.com/en-us/graph/api/resources/group';
const GET_GROUP = 'https://learn.microsoft.com/en-us/graph/api/group-get';
const LIST_GROUPS = 'https://learn.microsoft.com/en-us/graph/api/group-list';
const ADVANCED_QUERIES = 'https://learn.microsoft.com/en-us/graph/aad-advanced-queries';
const LIST_MEMBERS = 'https://learn.microsoft.com/en-us/graph/api/group-list-members';
const MEMBER_OF = 'https://learn.microsoft.com/en-us/graph/api/user-list-memberof';
const ADD_MEMBER = 'https://learn.microsoft.com/en-us/graph/api/group-post-members';
const REMOVE_MEMBER = 'https://learn.microsoft.com/en-us/graph/api/group-delete-members';
const ADD_MEMBER_403 = 'https://learn.microsoft.com/en-us/troubleshoot/entra/entra-id/users-groups-entra-apis/authorization-requestdenied-403-error-add-user-group';
const DYNAMIC_RULES = 'https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership';
const BATCHING = 'https://learn.microsoft.com/en-us/graph/json-batching';

const session = conformanceSession();
const groups = () => groupFixtures(session.target);
const eventual = { headers: { ConsistencyLevel: 'eventual' } };
const reference = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const INSUFFICIENT = { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };

describe(`the kinds of group (${GROUPS_OVERVIEW}, ${GROUP_RESOURCE}, ${GET_GROUP})`, () => {
  it('when a security group is read, then groupTypes is empty, securityEnabled true, mailEnabled false and mail null', async () => {
    const group = await session.graph.api(`/groups/${groups().securityGroupId}`).get();
    expect(group).toMatchObject({ id: groups().securityGroupId, groupTypes: [], securityEnabled: true, mailEnabled: false, mail: null });
    expect(group.securityIdentifier).toMatch(/^S-1-12-1-\d+-\d+-\d+-\d+$/);
  });

  it('when a Microsoft 365 group is read, then groupTypes is ["Unified"], it is mail-enabled with an address and a visibility', async () => {
    const group = await session.graph.api(`/groups/${groups().unifiedGroupId}`).get();
    expect(group.groupTypes).toEqual(['Unified']);
    expect(group.mailEnabled).toBe(true);
    expect(group.mail).toMatch(/@/);
    expect(group.proxyAddresses).toContain(`SMTP:${group.mail}`);
    expect(['Public', 'Private', 'HiddenMembership']).toContain(group.visibility);
  });

  it(`when a dynamic group is read, then groupTypes has DynamicMembership with its rule and processing state (${DYNAMIC_RULES})`, async () => {
    const group = await session.graph.api(`/groups/${groups().dynamicGroupId}`).get();
    expect(group.groupTypes).toContain('DynamicMembership');
    expect(group.membershipRule).toMatch(/^\(?user\./);
    expect(group.membershipRuleProcessingState).toBe('On');
  });

  it('when a role-assignable group is read, then isAssignableToRole is true and it is a private security group', async () => {
    const group = await session.graph.api(`/groups/${groups().roleAssignableGroupId}`).get();
    expect(group).toMatchObject({ isAssignableToRole: true, securityEnabled: true, visibility: 'Private' });
  });

  it('when $select names properties, then exactly those come back, and licences only when selected', async () => {
    const response = await rawGraph(session.target, `/groups/${groups().securityGroupId}?$select=displayName,groupTypes,assignedLicenses`);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['@odata.context', 'assignedLicenses', 'displayName', 'groupTypes']);
    const plain = await session.graph.api(`/groups/${groups().securityGroupId}`).get();
    expect(plain).not.toHaveProperty('assignedLicenses');
  });

  it('when $select names a property groups do not have, then 400', async () => {
    const error = await graphFailure(session.graph.api(`/groups/${groups().securityGroupId}`).select('jobTitle').get());
    expect(error.statusCode).toBe(400);
  });

  it('when the group does not exist, then 404 Request_ResourceNotFound naming it', async () => {
    const missing = '00000000-0000-4000-8000-00000000dead';
    const error = await graphFailure(session.graph.api(`/groups/${missing}`).get());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
    expect(error.message).toContain(missing);
  });
});

describe(`finding groups (${LIST_GROUPS}, ${ADVANCED_QUERIES})`, () => {
  it('when groups are filtered by displayName eq, then that group comes back', async () => {
    const known = await session.graph.api(`/groups/${groups().securityGroupId}`).select('displayName').get();
    const found = await session.graph.api('/groups').filter(`displayName eq '${known.displayName.replace(/'/g, "''")}'`).get();
    expect(found.value.map((group: Json) => group.id)).toContain(groups().securityGroupId);
    expect(found.value.every((group: Json) => group.displayName.toLowerCase() === known.displayName.toLowerCase())).toBe(true);
  });

  it('when groups are filtered with startswith(displayName, …), then the matches come back without an advanced query', async () => {
    const known = await session.graph.api(`/groups/${groups().unifiedGroupId}`).select('displayName').get();
    const prefix = known.displayName.slice(0, 4);
    const found = await session.graph.api('/groups').filter(`startswith(displayName,'${prefix.replace(/'/g, "''")}')`).get();
    expect(found.value.map((group: Json) => group.id)).toContain(groups().unifiedGroupId);
    expect(found.value.every((group: Json) => group.displayName.toLowerCase().startsWith(prefix.toLowerCase()))).toBe(true);
  });

  it("when groups are filtered with groupTypes/any(c:c eq 'Unified'), then Microsoft 365 groups only", async () => {
    const found = await session.graph.api('/groups').filter("groupTypes/any(c:c eq 'Unified')").select('id,groupTypes').top(999).get();
    const ids = found.value.map((group: Json) => group.id);
    expect(ids).toContain(groups().unifiedGroupId);
    expect(ids).not.toContain(groups().securityGroupId);
  });

  it('when a filter uses ne without the advanced query parameters, then 400 Request_UnsupportedQuery; with them, 200 and @odata.count', async () => {
    const refused = await rawGraph(session.target, "/groups?$filter=displayName ne 'x'");
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
    const advanced = await rawGraph(session.target, "/groups?$filter=displayName ne 'x'&$count=true", eventual);
    expect(advanced.status).toBe(200);
    expect(advanced.body['@odata.count']).toBeGreaterThanOrEqual(advanced.body.value.length);
  });

  it('when $search is sent without ConsistencyLevel, then 400; with it, the group is found by a word of its name', async () => {
    const known = await session.graph.api(`/groups/${groups().securityGroupId}`).select('displayName').get();
    const word = known.displayName.split(/\s+/)[0];
    const refused = await rawGraph(session.target, `/groups?$search="displayName:${word}"`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
    const found = await session.graph.api('/groups').header('ConsistencyLevel', 'eventual').search(`"displayName:${word}"`).get();
    expect(found.value.map((group: Json) => group.id)).toContain(groups().securityGroupId);
  });

  it('when /groups/$count is read without ConsistencyLevel, then 400 "$count is not currently supported."; with it, a number', async () => {
    const refused = await rawGraph(session.target, '/groups/$count');
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('$count is not currently supported.');
    const counted = await rawGraph(session.target, '/groups/$count', eventual);
    expect(counted.status).toBe(200);
    expect(Number(counted.body)).toBeGreaterThanOrEqual(4);
  });

  it('when groups are listed with $top=1, then @odata.nextLink walks them one by one', async () => {
    let page = await session.graph.api('/groups').top(1).select('id').get();
    const ids: string[] = [];
    for (let i = 0; i < 500; i += 1) {
      expect(page.value.length).toBeLessThanOrEqual(1);
      ids.push(...page.value.map((group: Json) => group.id));
      if (!page['@odata.nextLink']) break;
      page = await session.graph.api(page['@odata.nextLink']).get();
    }
    expect(ids).toEqual(expect.arrayContaining([groups().securityGroupId, groups().unifiedGroupId]));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe(`members (${LIST_MEMBERS}, ${MEMBER_OF})`, () => {
  it(`when a dynamic group's members are read, then the users its rule matches are there (${DYNAMIC_RULES})`, async () => {
    const members = await session.graph.api(`/groups/${groups().dynamicGroupId}/members`).select('id').top(999).get();
    expect(members.value.map((member: Json) => member.id)).toContain(groups().dynamicMemberId);
  });

  it("when a user's memberOf is read, then its groups come back typed #microsoft.graph.group with the group's properties", async () => {
    const page = await session.graph.api(`/users/${groups().dynamicMemberId}/memberOf`).get();
    const dynamic = page.value.find((item: Json) => item.id === groups().dynamicGroupId);
    expect(dynamic).toMatchObject({ '@odata.type': '#microsoft.graph.group', groupTypes: expect.arrayContaining(['DynamicMembership']) });
  });
});

describe(`adding members (${ADD_MEMBER}, ${REMOVE_MEMBER})`, () => {
  it('when a user is added to a security group, then 204 and the group lists them, memberOf and checkMemberGroups see it; removing answers 204', async () => {
    const user = await session.createUser();
    const response = await rawGraph(session.target, `/groups/${groups().securityGroupId}/members/$ref`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reference(user.id)),
    });
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    const members = await session.graph.api(`/groups/${groups().securityGroupId}/members`).select('id').top(999).get();
    expect(members.value.map((member: Json) => member.id)).toContain(user.id);
    const memberOf = await session.graph.api(`/users/${user.id}/memberOf`).get();
    expect(memberOf.value.map((group: Json) => group.id)).toEqual([groups().securityGroupId]);
    const checked = await session.graph.api(`/users/${user.id}/checkMemberGroups`).post({ groupIds: [groups().securityGroupId] });
    expect(checked.value).toEqual([groups().securityGroupId]);
    await session.graph.api(`/groups/${groups().securityGroupId}/members/${user.id}/$ref`).delete();
    expect((await session.graph.api(`/users/${user.id}/memberOf`).get()).value).toEqual([]);
  });

  it('when a user is added to a Microsoft 365 group, then 204', async () => {
    const user = await session.createUser();
    await session.graph.api(`/groups/${groups().unifiedGroupId}/members/$ref`).post(reference(user.id));
    const memberOf = await session.graph.api(`/users/${user.id}/memberOf`).get();
    expect(memberOf.value.map((group: Json) => group.id)).toEqual([groups().unifiedGroupId]);
  });

  it("when the user is already a member, then 400 Request_BadRequest \"One or more added object references already exist for the following modified properties: 'members'.\"", async () => {
    const user = await session.createUser();
    await session.graph.api(`/groups/${groups().securityGroupId}/members/$ref`).post(reference(user.id));
    const error = await graphFailure(session.graph.api(`/groups/${groups().securityGroupId}/members/$ref`).post(reference(user.id)));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    expect(error.message).toBe("One or more added object references already exist for the following modified properties: 'members'.");
  });

  it(`when a user is added to a dynamic group, then 403 Authorization_RequestDenied: its rule keeps the members (${ADD_MEMBER_403})`, async () => {
    const user = await session.createUser();
    const error = await graphFailure(session.graph.api(`/groups/${groups().dynamicGroupId}/members/$ref`).post(reference(user.id)));
    expect(error.statusCode).toBe(403);
    expect({ code: error.code, message: error.message }).toEqual(INSUFFICIENT);
  });

  it(`when the bot's app (no RoleManagement.ReadWrite.Directory) adds a user to a role-assignable group, then 403 Authorization_RequestDenied (${ADD_MEMBER_403})`, async () => {
    const user = await session.createUser();
    const error = await graphFailure(session.graph.api(`/groups/${groups().roleAssignableGroupId}/members/$ref`).post(reference(user.id)));
    expect(error.statusCode).toBe(403);
    expect({ code: error.code, message: error.message }).toEqual(INSUFFICIENT);
  });

  it('when the group or the user does not exist, then 404 Request_ResourceNotFound', async () => {
    const user = await session.createUser();
    const noGroup = await graphFailure(session.graph.api('/groups/00000000-0000-4000-8000-00000000dead/members/$ref').post(reference(user.id)));
    expect(noGroup.statusCode).toBe(404);
    expect(noGroup.code).toBe('Request_ResourceNotFound');
    const noUser = await graphFailure(session.graph.api(`/groups/${groups().securityGroupId}/members/$ref`).post(reference('00000000-0000-4000-8000-00000000beef')));
    expect(noUser.statusCode).toBe(404);
    expect(noUser.code).toBe('Request_ResourceNotFound');
  });

  it('when an app with User.Read.All only adds a member, then 403 Authorization_RequestDenied', async () => {
    const user = await session.createUser();
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api(`/groups/${groups().securityGroupId}/members/$ref`).post(reference(user.id)));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });

  it("when a user who is not a member is removed, then 400 \"One or more removed object references do not exist for the following modified properties: 'members'.\"", async () => {
    const user = await session.createUser();
    const error = await graphFailure(session.graph.api(`/groups/${groups().securityGroupId}/members/${user.id}/$ref`).delete());
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe("One or more removed object references do not exist for the following modified properties: 'members'.");
  });

  it(`when 20 member additions go in one $batch, then each part answers for itself: 204, 403, 404 (${BATCHING})`, async () => {
    const users = await Promise.all([0, 1, 2, 3].map(() => session.createUser()));
    const targets: Array<[string, number]> = [
      [groups().securityGroupId, 204], [groups().unifiedGroupId, 204], [groups().dynamicGroupId, 403],
      [groups().roleAssignableGroupId, 403], ['00000000-0000-4000-8000-00000000dead', 404],
    ];
    const parts = users.flatMap((user, u) => targets.map(([groupId], g) => ({
      id: `${u}-${g}`, method: 'POST', url: `/groups/${groupId}/members/$ref`, headers: { 'Content-Type': 'application/json' }, body: reference(user.id),
    })));
    expect(parts).toHaveLength(20);
    const result = await session.graph.api('/$batch').post({ requests: parts });
    for (const part of result.responses as Json[]) {
      const [, g] = (part.id as string).split('-').map(Number) as [number, number];
      expect(part.status, part.id).toBe((targets[g] as [string, number])[1]);
    }
    const memberOf = await session.graph.api(`/users/${(users[0] as Json).id}/memberOf`).get();
    expect(memberOf.value.map((group: Json) => group.id).sort()).toEqual([groups().securityGroupId, groups().unifiedGroupId].sort());
  });
});
