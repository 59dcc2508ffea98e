import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphFailure, localTarget, newUserBody, rawGraph, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

let target: ConformanceTarget & { local: LocalTenant };
let graph: Client;
const noRetry = [new RetryHandlerOptions(0, 0)];

beforeAll(async () => {
  target = await localTarget();
  graph = graphClient(target);
});
afterEach(() => {
  target.local.setFaults({});
});
afterAll(async () => {
  await target.close();
});

describe('fault injection (local tenant only)', () => {
  it.each([429, 503, 504] as const)('when the next GET /domains is set to fail with %s, then exactly one request fails', async (status) => {
    target.local.setFaults({ rules: [{ action: 'status', status, method: 'GET', path: '^/v1.0/domains$', count: 1, retryAfterSeconds: 7 }] });
    const failed = await rawGraph(target, '/domains');
    expect(failed.status).toBe(status);
    expect(failed.body.error.code).toBeTruthy();
    if (status !== 504) expect(failed.headers.get('retry-after')).toBe('7');
    expect((await rawGraph(target, '/domains')).status).toBe(200);
    expect(target.local.faults().rules).toEqual([]);
  });

  it('when a 503 carries Retry-After: 0 and the SDK retries, then the call succeeds on the retry', async () => {
    target.local.setFaults({ rules: [{ action: 'status', status: 503, path: '^/v1.0/domains$', count: 1, retryAfterSeconds: 0 }] });
    const result = await graph.api('/domains').get();
    expect(result.value.length).toBeGreaterThan(0);
    const statuses = target.local.requestLog().filter((entry) => entry.path === '/v1.0/domains').map((entry) => entry.status);
    expect(statuses.slice(-2)).toEqual([503, 200]);
  });

  it('when retries are off, then the SDK surfaces the 429 with its Retry-After header', async () => {
    target.local.setFaults({ rules: [{ action: 'status', status: 429, path: '^/v1.0/domains$', count: 1, retryAfterSeconds: 3 }] });
    const error = await graphFailure(graph.api('/domains').middlewareOptions(noRetry).get());
    expect(error.statusCode).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('3');
  });

  it('when the connection is reset, then the client sees a network error', async () => {
    target.local.setFaults({ rules: [{ action: 'reset', path: '^/v1.0/domains$', count: 1 }] });
    await expect(rawGraph(target, '/domains')).rejects.toThrow();
    expect((await rawGraph(target, '/domains')).status).toBe(200);
  });

  it.each([
    ['a reset', undefined],
    ['a 504', 504 as const],
  ])('when a create\'s response is lost as %s, then the user exists anyway', async (_name, status) => {
    const body = newUserBody(target);
    target.local.setFaults({ rules: [{ action: 'lostResponse', method: 'POST', path: '^/v1.0/users$', count: 1, ...(status ? { status } : {}) }] });
    const attempt = rawGraph(target, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (status) expect((await attempt).status).toBe(status);
    else await expect(attempt).rejects.toThrow();
    const found = await graph.api('/users').filter(`userPrincipalName eq '${body.userPrincipalName}'`).get();
    expect(found.value).toHaveLength(1);
  });

  it('when a lost 504 create is retried by the SDK, then the retry meets ObjectConflict (why the bot reconciles instead)', async () => {
    const body = newUserBody(target);
    target.local.setFaults({ rules: [{ action: 'lostResponse', status: 504, method: 'POST', path: '^/v1.0/users$', count: 1 }] });
    const error = await graphFailure(graph.api('/users').middlewareOptions([new RetryHandlerOptions(0, 1)]).post(body));
    expect(error.statusCode).toBe(400);
    expect(JSON.parse(error.body).details).toEqual([{ code: 'ObjectConflict', target: 'userPrincipalName' }]);
  });

  it('when replication lag is set, then a just-created user 404s on GET until the lag passes', async () => {
    target.local.setFaults({ replicationLagMs: 3_600_000 });
    const user = await graph.api('/users').post(newUserBody(target));
    const error = await graphFailure(graph.api(`/users/${user.id}`).middlewareOptions(noRetry).get());
    expect(error.statusCode).toBe(404);
    target.local.setFaults({ replicationLagMs: 0 });
    expect((await graph.api(`/users/${user.id}`).get()).id).toBe(user.id);
  });

  it('when a rate-based fault is seeded, then the same seed gives the same sequence of failures', async () => {
    const run = async (): Promise<number[]> => {
      target.local.setFaults({ seed: 42, rules: [{ action: 'status', status: 503, path: '^/v1.0/domains$', rate: 0.5 }] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await rawGraph(target, '/domains')).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('when latency is added, then requests still succeed and the setting is reported', async () => {
    target.local.setFaults({ latencyMs: 20 });
    expect((await rawGraph(target, '/domains')).status).toBe(200);
    expect(target.local.faults().latencyMs).toBe(20);
  });

  it('when faults are set over HTTP, then PUT /_tenant/faults applies them and invalid ones are refused', async () => {
    const put = (body: unknown): Promise<Response> => fetch(`${target.local.inspectionUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const applied = await put({ rules: [{ action: 'status', status: 503, path: '^/v1.0/domains$', count: 1 }] });
    expect(applied.status).toBe(200);
    expect((await rawGraph(target, '/domains')).status).toBe(503);
    const refused = await put({ rules: [{ action: 'explode' }] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error.code).toBe('BadRequest');
  });

  it('when a batch part matches a status fault, then only that part fails', async () => {
    target.local.setFaults({ rules: [{ action: 'status', status: 503, path: '^/v1.0/domains$', count: 1 }] });
    const result = await graph.api('/$batch').post({ requests: [{ id: '1', method: 'GET', url: '/domains' }, { id: '2', method: 'GET', url: '/users?$top=1' }] });
    const statuses = Object.fromEntries(result.responses.map((part: Json) => [part.id, part.status]));
    expect(statuses).toEqual({ '1': 503, '2': 200 });
  });

  it('when a request is held, then it waits unanswered (and not yet run) until the faults are set again, then runs', async () => {
    target.local.setFaults({ rules: [{ action: 'hold', method: 'GET', path: '^/v1.0/domains$', count: 1 }] });
    const logged = () => target.local.requestLog().filter((entry) => entry.path === '/v1.0/domains').length;
    const loggedBefore = logged();
    let answered = false;
    const held = rawGraph(target, '/domains').then((response) => {
      answered = true;
      return response;
    });
    for (let i = 0; i < 200 && target.local.heldRequests() === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(target.local.heldRequests()).toBe(1);
    // Other requests go on meanwhile; the held one has not been answered nor logged.
    expect((await rawGraph(target, '/domains')).status).toBe(200);
    expect(answered).toBe(false);
    expect(logged()).toBe(loggedBefore + 1);
    target.local.setFaults({});
    expect((await held).status).toBe(200);
    expect(target.local.heldRequests()).toBe(0);
  });
});
