import { describe, expect, it } from 'vitest';
import { conformanceSession, eventually, graphClient, graphFailure, licenceFixtures, rawGraph, secretCredential, type Json } from './target.js';

// Licences: the subscriptions and their seats, and a licence assigned to a user directly.
const LIST_SKUS = 'https://learn.microsoft.com/en-us/graph/api/subscribedsku-list';
const GET_SKU = 'https://learn.microsoft.com/en-us/graph/api/subscribedsku-get';
const SKU_RESOURCE = 'https://learn.microsoft.com/en-us/graph/api/resources/subscribedsku';
const ASSIGN_LICENSE = 'https://learn.microsoft.com/en-us/graph/api/user-assignlicense';
const ASSIGNMENT_STATE = 'https://learn.microsoft.com/en-us/graph/api/resources/licenseassignmentstate';
const GROUP_LICENSING = 'https://learn.microsoft.com/en-us/entra/identity/users/licensing-group-advanced';
const GROUP_RESOURCE = 'https://learn.microsoft.com/en-us/graph/api/resources/group';

const session = conformanceSession();
const skus = () => licenceFixtures(session.target);
const assign = (userId: string, body: unknown) => rawGraph(session.target, `/users/${userId}/assignLicense`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const readSku = async (skuId: string): Promise<Json> => {
  const { value } = await session.graph.api('/subscribedSkus').get() as { value: Json[] };
  return value.find((sku) => sku.skuId === skuId);
};

describe(`subscriptions (${LIST_SKUS}, ${GET_SKU}, ${SKU_RESOURCE})`, () => {
  it('when subscribedSkus are listed, then each has its product, seats, consumption, status and service plans', async () => {
    const sku = await readSku(skus().skuId);
    expect(sku).toMatchObject({ skuId: skus().skuId, appliesTo: 'User', capabilityStatus: 'Enabled', skuPartNumber: expect.any(String) });
    expect(sku.id).toMatch(new RegExp(`_${skus().skuId}$`));
    expect(sku.prepaidUnits).toEqual({ enabled: expect.any(Number), suspended: expect.any(Number), warning: expect.any(Number), lockedOut: expect.any(Number) });
    expect(sku.consumedUnits).toBeLessThan(sku.prepaidUnits.enabled);
    expect(sku.servicePlans[0]).toEqual({ servicePlanId: expect.any(String), servicePlanName: expect.any(String), provisioningStatus: expect.any(String), appliesTo: expect.any(String) });
    const full = await readSku(skus().fullSkuId);
    expect(full.consumedUnits).toBeGreaterThanOrEqual(full.prepaidUnits.enabled);
  });

  it('when one subscribedSku is read by its id, then it is the same subscription', async () => {
    const listed = await readSku(skus().skuId);
    const one = await session.graph.api(`/subscribedSkus/${listed.id}`).get();
    expect(one).toMatchObject({ id: listed.id, skuId: skus().skuId, skuPartNumber: listed.skuPartNumber });
  });

  it('when $select names properties, then only those come back; $filter is refused ("It does not support $filter")', async () => {
    const selected = await session.graph.api('/subscribedSkus').select('skuId,skuPartNumber').get();
    expect(Object.keys(selected.value[0]).sort()).toEqual(['skuId', 'skuPartNumber']);
    const filtered = await rawGraph(session.target, `/subscribedSkus?$filter=skuId eq ${skus().skuId}`);
    expect(filtered.status).toBe(400);
  });

  it('when an app without LicenseAssignment.Read.All or Organization.Read.All lists them, then 403 Authorization_RequestDenied', async () => {
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api('/subscribedSkus').get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});

describe(`assigning a licence (${ASSIGN_LICENSE}, ${ASSIGNMENT_STATE})`, () => {
  it('when a licence is added to a user with a usage location, then 200 with the user, and the user holds it directly, Active', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const before = (await readSku(skus().skuId)).consumedUnits;
    const response = await assign(user.id, { addLicenses: [{ skuId: skus().skuId, disabledPlans: [] }], removeLicenses: [] });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, userPrincipalName: user.userPrincipalName });
    const read = await session.graph.api(`/users/${user.id}`).select('assignedLicenses,assignedPlans,licenseAssignmentStates').get();
    expect(read.assignedLicenses).toEqual([{ disabledPlans: [], skuId: skus().skuId }]);
    expect(read.assignedPlans.length).toBeGreaterThan(0);
    expect(read.assignedPlans[0]).toMatchObject({ capabilityStatus: 'Enabled', servicePlanId: expect.any(String), service: expect.any(String) });
    expect(read.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: skus().skuId, assignedByGroup: null, state: 'Active', error: 'None', disabledPlans: [] })]);
    expect((await readSku(skus().skuId)).consumedUnits).toBe(before + 1);
  });

  it('when a licence is removed, then the user no longer holds it and the seat is free again', async () => {
    const user = await session.createUser({ usageLocation: 'GB' });
    await assign(user.id, { addLicenses: [{ skuId: skus().skuId }], removeLicenses: [] });
    const held = (await readSku(skus().skuId)).consumedUnits;
    const response = await assign(user.id, { addLicenses: [], removeLicenses: [skus().skuId] });
    expect(response.status).toBe(200);
    const read = await session.graph.api(`/users/${user.id}`).select('assignedLicenses').get();
    expect(read.assignedLicenses).toEqual([]);
    expect((await readSku(skus().skuId)).consumedUnits).toBe(held - 1);
  });

  it('when the user has no usage location, then 400 Request_BadRequest "License assignment cannot be done for user with invalid usage location." and nothing is assigned', async () => {
    const user = await session.createUser();
    const response = await assign(user.id, { addLicenses: [{ skuId: skus().skuId }], removeLicenses: [] });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' });
    expect((await session.graph.api(`/users/${user.id}`).select('assignedLicenses').get()).assignedLicenses).toEqual([]);
  });

  it('when the subscription has no free seat, then 400 Request_BadRequest "Subscription with SKU … does not have any available licenses."', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const response = await assign(user.id, { addLicenses: [{ skuId: skus().fullSkuId }], removeLicenses: [] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('Request_BadRequest');
    expect(response.body.error.message).toMatch(/does not have any available licenses\.$/);
  });

  it('when the skuId is not one of the company\'s, then 400 "License … does not correspond to a valid company License."', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const unknown = '11111111-2222-4333-8444-555555555555';
    const response = await assign(user.id, { addLicenses: [{ skuId: unknown }], removeLicenses: [] });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe(`License ${unknown} does not correspond to a valid company License.`);
  });

  it("when removeLicenses is left out, then 400 \"One or more parameters of the operation 'assignLicense' are missing… removeLicenses.\"", async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const response = await assign(user.id, { addLicenses: [{ skuId: skus().skuId }] });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'Request_BadRequest',
      message: "One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: removeLicenses.",
    });
  });

  it('when both collections are empty, then 400 "No license changes provided. At least one license to add or remove must be specified."', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const response = await assign(user.id, { addLicenses: [], removeLicenses: [] });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('No license changes provided. At least one license to add or remove must be specified.');
  });

  it('when the user does not exist, then 404 Request_ResourceNotFound', async () => {
    const response = await assign('00000000-0000-4000-8000-00000000dead', { addLicenses: [{ skuId: skus().skuId }], removeLicenses: [] });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('Request_ResourceNotFound');
  });

  it('when an app with User.Read.All only assigns a licence, then 403 Authorization_RequestDenied', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api(`/users/${user.id}/assignLicense`).post({ addLicenses: [{ skuId: skus().skuId }], removeLicenses: [] }));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});

describe(`group-based licensing (${GROUP_LICENSING}, ${GROUP_RESOURCE}, ${ASSIGNMENT_STATE})`, () => {
  const reference = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
  const statesOf = async (userId: string): Promise<Json[]> => (await session.graph.api(`/users/${userId}`).select('licenseAssignmentStates').get()).licenseAssignmentStates;
  const fromGroup = (states: Json[]) => states.filter((state) => state.assignedByGroup === skus().licensingGroupId);

  it('when a licensing group is read with $select, then its assignedLicenses hold the SKU and licenseProcessingState has a state', async () => {
    const group = await session.graph.api(`/groups/${skus().licensingGroupId}`).select('assignedLicenses,licenseProcessingState').get();
    expect(group.assignedLicenses).toEqual(expect.arrayContaining([expect.objectContaining({ skuId: skus().skuId })]));
    expect(['QueuedForProcessing', 'ProcessingInProgress', 'ProcessingComplete']).toContain(group.licenseProcessingState.state);
  });

  it('when a user joins a licensing group, then in time they hold the licence assignedByGroup, Active, and it counts as assigned', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    await session.graph.api(`/groups/${skus().licensingGroupId}/members/$ref`).post(reference(user.id));
    const states = await eventually(session.target, () => statesOf(user.id), (value) => fromGroup(value).some((state) => state.state === 'Active'));
    expect(fromGroup(states)).toEqual([expect.objectContaining({ skuId: skus().skuId, assignedByGroup: skus().licensingGroupId, state: 'Active', error: 'None' })]);
    const licensed = await session.graph.api(`/users/${user.id}`).select('assignedLicenses').get();
    expect(licensed.assignedLicenses.map((license: Json) => license.skuId)).toContain(skus().skuId);
  });

  it('when a user without a usage location joins, then the group licence still applies: they inherit the directory\'s location', async () => {
    const user = await session.createUser();
    await session.graph.api(`/groups/${skus().licensingGroupId}/members/$ref`).post(reference(user.id));
    const states = await eventually(session.target, () => statesOf(user.id), (value) => fromGroup(value).some((state) => state.state === 'Active'));
    expect(fromGroup(states)).toEqual([expect.objectContaining({ state: 'Active' })]);
    expect((await session.graph.api(`/users/${user.id}`).select('usageLocation').get()).usageLocation).toBeNull();
  });

  it('when the user leaves the group, then in time the licence from the group is gone', async () => {
    const user = await session.createUser({ usageLocation: 'US' });
    await session.graph.api(`/groups/${skus().licensingGroupId}/members/$ref`).post(reference(user.id));
    await eventually(session.target, () => statesOf(user.id), (value) => fromGroup(value).length > 0);
    await session.graph.api(`/groups/${skus().licensingGroupId}/members/${user.id}/$ref`).delete();
    const states = await eventually(session.target, () => statesOf(user.id), (value) => fromGroup(value).length === 0);
    expect(fromGroup(states)).toEqual([]);
  });
});
