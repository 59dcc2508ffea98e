import { beforeEach, describe, expect, it } from 'vitest';
import { graphClient, localTargetPerFile, newUserBody, rawGraph, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

// Seats as an admin changes them (/_tenant/subscribedSkus), which a real tenant does through a purchase.
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const HOUR = 3600;

const current = localTargetPerFile();
let target: ConformanceTarget & { local: LocalTenant };
beforeEach(() => {
  target = current();
});

const inspect = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${target.local.inspectionUrl}${path}`, init);
  return { status: response.status, body: await response.json() as Json };
};
const patchSku = (key: string, body: unknown) => inspect(`/subscribedSkus/${key}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const newLicensableUser = async (): Promise<Json> => graphClient(target).api('/users').post(newUserBody(target, { usageLocation: 'US' }));
const assignE3 = (userId: string) => rawGraph(target, `/users/${userId}/assignLicense`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addLicenses: [{ skuId: E3 }], removeLicenses: [] }),
});

describe('subscriptions and seats (local tenant only)', () => {
  it('when the seed is read, then Microsoft 365 E3 has 12 of 250 seats free and E5 none', async () => {
    const { body } = await inspect('/subscribedSkus');
    const byPart = new Map(body.value.map((sku: Json) => [sku.skuPartNumber, sku]));
    expect(byPart.get('SPE_E3')).toMatchObject({ prepaidUnits: { enabled: 250 }, consumedUnits: 238, freeUnits: 12 });
    expect(byPart.get('SPE_E5')).toMatchObject({ prepaidUnits: { enabled: 25 }, consumedUnits: 25, freeUnits: 0 });
  });

  it('when the seats run out, then assignLicense answers 400; when more are bought, the same request succeeds', async () => {
    await patchSku('SPE_E3', { prepaidUnits: { enabled: 238 } });
    const user = await newLicensableUser();
    const refused = await assignE3(user.id);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(`Subscription with SKU ${E3} does not have any available licenses.`);
    const bought = await patchSku(E3, { prepaidUnits: { enabled: 239 } });
    expect(bought.body).toMatchObject({ freeUnits: 1, consumedUnits: 238 });
    expect((await assignE3(user.id)).status).toBe(200);
    expect((await inspect('/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === E3)).toMatchObject({ consumedUnits: 239, freeUnits: 0 });
  });

  it('when the last seat is taken by one user, then the next user is refused and the one who holds it may assign it again', async () => {
    target.local.setSubscribedSku('SPE_E3', { prepaidUnits: { enabled: 239 } });
    const [first, second] = [await newLicensableUser(), await newLicensableUser()];
    expect((await assignE3(first.id)).status).toBe(200);
    expect((await assignE3(second.id)).status).toBe(400);
    expect((await assignE3(first.id)).status).toBe(200);
  });

  it('when a seat change is malformed or names no subscription, then 400 or 404 and nothing changes', async () => {
    expect((await patchSku('SPE_E3', { prepaidUnits: { enabled: -1 } })).status).toBe(400);
    expect((await patchSku('SPE_E3', { seats: 5 })).status).toBe(400);
    expect((await patchSku('NOT_A_SKU', { prepaidUnits: { enabled: 5 } })).status).toBe(404);
    expect((await inspect('/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === E3).prepaidUnits.enabled).toBe(250);
  });

  // https://learn.microsoft.com/en-us/graph/throttling-limits: a POST on an identity path is 1 resource unit and 1 write.
  it('when licence assignments exceed the write budget, then 429 WriteLimitExceeded and no seat is taken', async () => {
    const [first, second] = [await newLicensableUser(), await newLicensableUser()];
    target.local.setThrottling({ writesPerWindow: 1, writeWindowSeconds: HOUR });
    expect((await assignE3(first.id)).status).toBe(200);
    const throttled = await assignE3(second.id);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect((await inspect('/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === E3).consumedUnits).toBe(239);
  });

  // Observed: a refused write still says what it cost (x-ms-resource-unit: 1 on assignLicense's 400, msgraph-sdk-powershell#3286).
  it('when assignLicense is refused, then the 400 still carries x-ms-resource-unit', async () => {
    const user = await newLicensableUser();
    const refused = await rawGraph(target, `/users/${user.id}/assignLicense`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ addLicenses: [], removeLicenses: [] }) });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-ms-resource-unit')).toBe('1');
  });

  // https://learn.microsoft.com/en-us/graph/throttling-limits: "GET subscribedSkus" costs 3 resource units.
  it('when subscribedSkus are read, then the answer costs 3 resource units', async () => {
    const response = await rawGraph(target, '/subscribedSkus');
    expect(response.headers.get('x-ms-resource-unit')).toBe('3');
  });
});

// Group-based licensing in the background (licensing-group-advanced, licensing-groups-resolve-problems):
// what a tenant shows while processing is pending, and the errors it records on the user.
describe('group-based licensing (local tenant only)', () => {
  const LICENSING_GROUP = '6a1d3f0e-0000-4000-8000-0000000000c5';
  const ALL_SALES = '6a1d3f0e-0000-4000-8000-0000000000c3';
  const MARKETING = '6a1d3f0e-0000-4000-8000-0000000000c2';
  const ISAIAH = '00000000-0000-4000-8000-000000000023';
  const ADELE = '00000000-0000-4000-8000-000000000022';
  const post = (path: string, body: unknown) => rawGraph(target, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const join = (groupId: string, userId: string) => post(`/groups/${groupId}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${userId}` });
  const licences = async (userId: string): Promise<Json> => (await rawGraph(target, `/users/${userId}?$select=assignedLicenses,licenseAssignmentStates`)).body;
  const processingState = async (groupId: string) => (await rawGraph(target, `/groups/${groupId}?$select=licenseProcessingState`)).body.licenseProcessingState;
  const e3Consumed = async () => (await inspect('/subscribedSkus')).body.value.find((sku: Json) => sku.skuId === E3).consumedUnits;

  it('while processing is pending, then the group says QueuedForProcessing and the member has nothing from it; then Active, ProcessingComplete', async () => {
    target.local.setLicensing({ groupProcessingSeconds: HOUR });
    const user = await newLicensableUser();
    expect((await join(LICENSING_GROUP, user.id)).status).toBe(204);
    expect(await processingState(LICENSING_GROUP)).toEqual({ state: 'QueuedForProcessing' });
    expect(await licences(user.id)).toMatchObject({ assignedLicenses: [], licenseAssignmentStates: [] });
    expect(await e3Consumed()).toBe(238);
    target.local.setLicensing({ groupProcessingSeconds: 0 });
    const after = await licences(user.id);
    expect(after.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: E3, assignedByGroup: LICENSING_GROUP, state: 'Active', error: 'None' })]);
    expect(after.assignedLicenses).toEqual([{ disabledPlans: [], skuId: E3 }]);
    expect(await processingState(LICENSING_GROUP)).toEqual({ state: 'ProcessingComplete' });
    expect(await e3Consumed()).toBe(239);
  });

  it('when no seat is left, then the member gets state Error with CountViolation and no seat; after buying one, reprocessLicenseAssignment makes it Active', async () => {
    target.local.setSubscribedSku('SPE_E3', { prepaidUnits: { enabled: 238 } });
    const user = await newLicensableUser();
    await join(LICENSING_GROUP, user.id);
    const failed = await licences(user.id);
    expect(failed.licenseAssignmentStates).toEqual([expect.objectContaining({ assignedByGroup: LICENSING_GROUP, state: 'Error', error: 'CountViolation' })]);
    expect(failed.assignedLicenses).toEqual([]);
    expect(await e3Consumed()).toBe(238);
    target.local.setSubscribedSku('SPE_E3', { prepaidUnits: { enabled: 240 } });
    const reprocessed = await post(`/users/${user.id}/reprocessLicenseAssignment`, {});
    expect(reprocessed.status).toBe(200);
    expect((await licences(user.id)).licenseAssignmentStates).toEqual([expect.objectContaining({ state: 'Active', error: 'None' })]);
    expect(await e3Consumed()).toBe(239);
  });

  it('when a user holds E3 directly and through the group, then two assignment states and one seat', async () => {
    const user = await newLicensableUser();
    expect((await assignE3(user.id)).status).toBe(200);
    await join(LICENSING_GROUP, user.id);
    const both = await licences(user.id);
    expect(both.licenseAssignmentStates.map((state: Json) => state.assignedByGroup).sort()).toEqual([LICENSING_GROUP, null].sort());
    expect(both.assignedLicenses).toHaveLength(1);
    expect(await e3Consumed()).toBe(239);
  });

  // https://learn.microsoft.com/en-us/graph/api/group-assignlicense: 202 Accepted with the group and a Location.
  it('when licences are assigned to a dynamic group, then 202 with the group, and the users its rule holds get them — and lose them when they leave', async () => {
    const assigned = await post(`/groups/${ALL_SALES}/assignLicense`, { addLicenses: [{ skuId: E3 }], removeLicenses: [] });
    expect(assigned.status).toBe(202);
    expect(assigned.body).toMatchObject({ id: ALL_SALES, groupTypes: ['DynamicMembership'] });
    expect(assigned.headers.get('location')).toMatch(new RegExp(`/directoryObjects/${ALL_SALES}/Microsoft.DirectoryServices.Group$`));
    expect((await licences(ISAIAH)).licenseAssignmentStates).toEqual([expect.objectContaining({ assignedByGroup: ALL_SALES, state: 'Active' })]);
    await rawGraph(target, `/users/${ADELE}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ department: 'Sales' }) });
    expect((await licences(ADELE)).licenseAssignmentStates).toEqual([expect.objectContaining({ assignedByGroup: ALL_SALES, state: 'Active' })]);
    await rawGraph(target, `/users/${ADELE}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ department: 'Retail' }) });
    expect((await licences(ADELE)).licenseAssignmentStates).toEqual([]);
  });

  it('when licences are assigned to a Microsoft 365 group that is not security-enabled, or name an unknown SKU, then 400 and nothing changes', async () => {
    expect((await post(`/groups/${MARKETING}/assignLicense`, { addLicenses: [{ skuId: E3 }], removeLicenses: [] })).status).toBe(400);
    const unknown = await post(`/groups/${LICENSING_GROUP}/assignLicense`, { addLicenses: [{ skuId: '11111111-2222-4333-8444-555555555555' }], removeLicenses: [] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('License 11111111-2222-4333-8444-555555555555 does not correspond to a valid company License.');
    expect((await rawGraph(target, `/groups/${LICENSING_GROUP}?$select=assignedLicenses`)).body.assignedLicenses).toEqual([{ disabledPlans: [], skuId: E3 }]);
  });

  it('when the processing delay is read and set through /_tenant/licensing, then it changes; a bad value is 400', async () => {
    expect((await inspect('/licensing')).body).toMatchObject({ groupProcessingSeconds: 0 });
    const set = await inspect('/licensing', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groupProcessingSeconds: 30 }) });
    expect(set.body).toEqual({ groupProcessingSeconds: 30 });
    expect((await inspect('/licensing', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ groupProcessingSeconds: -1 }) })).status).toBe(400);
  });
});
