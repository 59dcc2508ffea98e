import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { graphClient, localTarget, newUserBody, rawGraph, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

// Seats as an admin changes them (/_tenant/subscribedSkus), which a real tenant does through a purchase.
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const HOUR = 3600;

let target: ConformanceTarget & { local: LocalTenant };
beforeAll(async () => {
  target = await localTarget();
});
beforeEach(() => {
  target.local.reset();
  target.local.setThrottling(true);
});
afterAll(async () => {
  await target.close();
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

  // https://learn.microsoft.com/en-us/graph/throttling-limits: "GET subscribedSkus" costs 3 resource units.
  it('when subscribedSkus are read, then the answer costs 3 resource units', async () => {
    const response = await rawGraph(target, '/subscribedSkus');
    expect(response.headers.get('x-ms-resource-unit')).toBe('3');
  });
});
