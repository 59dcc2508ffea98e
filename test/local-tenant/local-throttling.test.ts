import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphFailure, localTarget, newUserBody, rawGraph, secretCredential, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';
import { costOf, REAL_LIMITS, resourceUnitsForTenantSize } from '../../src/local-tenant/graph/throttling.js';

let target: ConformanceTarget & { local: LocalTenant };
let graph: Client;
const ALEX = '00000000-0000-4000-8000-000000000020';
const HOUR = 3600;
const sendMail = (from: string) => rawGraph(target, `/users/${from}/sendMail`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: { subject: 'Throttling', body: { contentType: 'Text', content: 'A test mail.' }, toRecipients: [{ emailAddress: { address: 'nobody@example.com' } }] }, saveToSentItems: false }),
});

beforeAll(async () => {
  target = await localTarget();
  graph = graphClient(target);
});
beforeEach(() => {
  target.local.setThrottling({ ...REAL_LIMITS });
});
afterAll(async () => {
  await target.close();
});

describe('throttling (local tenant only)', () => {
  it('when the tenant starts, then throttling is on with Entra\'s real limits', () => {
    expect(target.local.throttling()).toEqual(REAL_LIMITS);
  });

  it.each([
    [10, 'small', 3500],
    [49, 'small', 3500],
    [50, 'medium', 5000],
    [500, 'medium', 5000],
    [501, 'large', 8000],
  ])('when the tenant has %s users, then it is %s with %s resource units per 10 s', (users, size, limit) => {
    expect(resourceUnitsForTenantSize(users)).toEqual({ size, limit });
  });

  it.each([
    ['GET /users/{id}', 1, false, '', 1],
    ['GET /users', 2, false, '', 2],
    ['GET /users with $select', 2, false, '$select=id', 1],
    ['GET /users with $select and $top=5', 2, false, '$select=id&$top=5', 1],
    ['GET /users with $expand', 2, false, '$expand=manager', 3],
    ['checkMemberGroups', 4, false, '', 4],
  ])('when %s is costed, then it takes the documented resource units', (_name, base, isWrite, query, expected) => {
    expect(costOf(base, isWrite, new URLSearchParams(query)).resourceUnits).toBe(expected);
  });

  it('when an app exceeds its resource units, then 429 comes with Retry-After and the x-ms-throttle headers', async () => {
    target.local.setThrottling({ resourceUnitsPerWindow: 3, windowSeconds: HOUR });
    const ok = [];
    for (let i = 0; i < 3; i += 1) ok.push(await rawGraph(target, `/users/${ALEX}`));
    expect(ok.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(ok[0]?.headers.get('x-ms-resource-unit')).toBe('1');
    expect(ok[2]?.headers.get('x-ms-throttle-limit-percentage')).toBe('1.0');
    const throttled = await rawGraph(target, `/users/${ALEX}`);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error.code).toBe('TooManyRequests');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    // https://learn.microsoft.com/en-us/graph/throttling-limits: "<Scope>/<Limit>/<ApplicationId>/<TenantId|UserId|ResourceId>".
    expect(throttled.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/ReadWrite/${target.bot.clientId}/${target.tenantId}`);
  });

  it('when one app is throttled, then another app keeps its own bucket', async () => {
    target.local.setThrottling({ resourceUnitsPerWindow: 1, windowSeconds: HOUR });
    expect((await rawGraph(target, `/users/${ALEX}`)).status).toBe(200);
    expect((await rawGraph(target, `/users/${ALEX}`)).status).toBe(429);
    const reader = graphClient(target, secretCredential(target, target.reader));
    expect((await reader.api(`/users/${ALEX}`).get()).id).toBe(ALEX);
  });

  it('when writes exceed the write quota, then 429 says WriteLimitExceeded', async () => {
    target.local.setThrottling({ writesPerWindow: 1, writeWindowSeconds: HOUR });
    await graph.api('/users').post(newUserBody(target));
    const error = await graphFailure(graph.api('/users').middlewareOptions([new RetryHandlerOptions(0, 0)]).post(newUserBody(target)));
    expect(error.statusCode).toBe(429);
    expect(error.headers?.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect(error.headers?.get('x-ms-throttle-scope')).toBe(`Tenant_Application/Write/${target.bot.clientId}/${target.tenantId}`);
  });

  it('when writes pass 80 % of the write budget, then the successful writes say so in x-ms-throttle-limit-percentage', async () => {
    target.local.setThrottling({ writesPerWindow: 5, writeWindowSeconds: HOUR });
    const percentages: Array<string | null> = [];
    for (let i = 0; i < 5; i += 1) {
      const created = await rawGraph(target, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newUserBody(target)) });
      expect(created.status).toBe(201);
      percentages.push(created.headers.get('x-ms-throttle-limit-percentage'));
    }
    expect(percentages).toEqual([null, null, null, null, '1.0']);
  });

  it('when a batch goes over the limit, then the late parts are 429 on their own and the batch is 200', async () => {
    target.local.setThrottling({ resourceUnitsPerWindow: 2, windowSeconds: HOUR });
    const response = await rawGraph(target, '/$batch', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: ['1', '2', '3'].map((id) => ({ id, method: 'GET', url: `/users/${ALEX}` })) }),
    });
    expect(response.status).toBe(200);
    const statuses = Object.fromEntries(response.body.responses.map((part: Json) => [part.id, part.status]));
    expect(statuses).toEqual({ '1': 200, '2': 200, '3': 429 });
    const throttled = response.body.responses.find((part: Json) => part.id === '3');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('when the write budget refills within a second, then Retry-After says the fraction of a second to wait, as Graph\'s sample "Retry-After: 2.128" does (https://learn.microsoft.com/graph/throttling)', async () => {
    // 2 writes per 1.5 s refill one write every 0.75 s: the wait is under a second, which a whole-second Retry-After cannot say.
    target.local.setThrottling({ writesPerWindow: 2, writeWindowSeconds: 1.5 });
    const post = () => rawGraph(target, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newUserBody(target)) });
    const answers = [await post(), await post(), await post()];
    const throttled = answers.find((answer) => answer.status === 429);
    expect(throttled).toBeDefined();
    const retryAfter = throttled!.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^\d+(\.\d{1,3})?$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThan(1);
  });

  it('when sendMail is called, then it spends no directory write: the welcome mail has Outlook\'s budget, not the identity service\'s (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits)', async () => {
    target.local.setThrottling({ writesPerWindow: 1, writeWindowSeconds: HOUR });
    await graph.api('/users').post(newUserBody(target));
    const mail = await sendMail(target.mailbox);
    expect(mail.status).toBe(202);
    expect(mail.headers.get('x-ms-resource-unit')).toBeNull();
    // The directory's write budget is still spent.
    expect((await rawGraph(target, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(newUserBody(target)) })).status).toBe(429);
  });

  it('when one mailbox sends more messages in a minute than Exchange Online allows (30; https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits-1), then 429 with a Retry-After, and the message is not sent', async () => {
    target.local.setThrottling({ mailboxMessagesPerWindow: 2, mailboxMessageWindowSeconds: HOUR });
    const before = target.local.directory().outbox.length;
    expect((await sendMail(target.mailbox)).status).toBe(202);
    expect((await sendMail(target.mailbox)).status).toBe(202);
    const third = await sendMail(target.mailbox);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.body.error.code).toBe('ApplicationThrottled');
    expect(target.local.directory().outbox.length).toBe(before + 2);
  });

  it('when Temporary Access Passes are created, then they spend no directory write but the authenticationMethod budget of 5 requests per 10 s per app and tenant (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits)', async () => {
    const user = await graph.api('/users').post(newUserBody(target)) as Json;
    target.local.setThrottling({ writesPerWindow: 1, writeWindowSeconds: HOUR });
    expect(target.local.throttling()).toMatchObject({ authenticationMethodRequestsPerWindow: 5, authenticationMethodWindowSeconds: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const pass = await rawGraph(target, `/users/${String(user.id)}/authentication/temporaryAccessPassMethods`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lifetimeInMinutes: 60, isUsableOnce: true }),
      });
      statuses.push(pass.status);
      if (pass.status === 429) expect(Number(pass.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('when throttling is switched off, then no request is refused', async () => {
    target.local.setThrottling({ resourceUnitsPerWindow: 1, windowSeconds: HOUR });
    target.local.setThrottling(false);
    for (let i = 0; i < 3; i += 1) expect((await rawGraph(target, `/users/${ALEX}`)).status).toBe(200);
  });

  it('when throttling is changed over HTTP, then PUT /_tenant/throttling merges the settings', async () => {
    const response = await fetch(`${target.local.inspectionUrl}/throttling`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writesPerWindow: 7 }) });
    expect(response.status).toBe(200);
    expect(target.local.throttling()).toEqual({ ...REAL_LIMITS, writesPerWindow: 7 });
  });
});
