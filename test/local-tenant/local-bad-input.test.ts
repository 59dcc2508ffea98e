import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_SCOPE, localTarget, rawGraph, secretCredential, type ConformanceTarget } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

let target: ConformanceTarget & { local: LocalTenant };
let token: string;

beforeAll(async () => {
  target = await localTarget();
  token = (await secretCredential(target).getToken(GRAPH_SCOPE))!.token;
});
afterAll(async () => {
  await target.close();
});

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const response = await fetch(`${target.local.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('bad input gets Graph-shaped errors, never a crash (local tenant only)', () => {
  it.each([
    ['malformed JSON', 'POST', '/v1.0/users', { 'content-type': 'application/json' }, '{"accountEnabled": tru', 400, 'BadRequest'],
    ['a JSON array instead of an object', 'POST', '/v1.0/users', { 'content-type': 'application/json' }, '[1,2]', 400, 'BadRequest'],
    ['an empty body', 'POST', '/v1.0/users', { 'content-type': 'application/json' }, '', 400, 'Request_BadRequest'],
    ['text/plain', 'POST', '/v1.0/users', { 'content-type': 'text/plain' }, 'hello', 415, 'UnsupportedMediaType'],
    ['a property of the wrong type', 'POST', '/v1.0/users', { 'content-type': 'application/json' }, '{"accountEnabled":"yes"}', 400, 'BadRequest'],
    ['an unknown property', 'POST', '/v1.0/users', { 'content-type': 'application/json' }, '{"favouriteColour":"red"}', 400, 'BadRequest'],
    ['an unknown resource segment', 'GET', '/v1.0/printers', {}, undefined, 400, 'BadRequest'],
    ['an unknown path outside Graph', 'GET', '/nothing/here', {}, undefined, 404, 'NotFound'],
    ['a method the collection does not allow', 'DELETE', '/v1.0/users', {}, undefined, 405, 'Request_BadRequest'],
    ['a method domains do not allow', 'PUT', '/v1.0/domains', {}, undefined, 405, 'Request_BadRequest'],
    ['broken percent-encoding', 'GET', '/v1.0/users/%E0%A4%A', {}, undefined, 400, 'BadRequest'],
    ['a $filter syntax error', 'GET', "/v1.0/users?$filter=userPrincipalName eq 'unterminated", {}, undefined, 400, 'BadRequest'],
    ['a $filter on an unfilterable property', 'GET', "/v1.0/users?$filter=passwordProfile eq 'x'", {}, undefined, 400, 'Request_UnsupportedQuery'],
    ['$search', 'GET', '/v1.0/users?$search="displayName:x"', {}, undefined, 400, 'Request_UnsupportedQuery'],
    ['a batch that is not an object', 'POST', '/v1.0/$batch', { 'content-type': 'application/json' }, '"x"', 400, 'BadRequest'],
    ['the beta endpoint', 'GET', '/beta/users', {}, undefined, 400, 'BadRequest'],
  ])('when a request has %s, then %s answers with the right status and code', async (_name, method, path, headers, body, status, code) => {
    const response = await raw(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.innerError['request-id']).toBeTruthy();
  });

  it('when the body is larger than 4 MiB, then 413', async () => {
    const response = await raw('/v1.0/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ displayName: 'x'.repeat(5 * 1024 * 1024) }) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('RequestEntityTooLarge');
  });

  it.each([
    ['a GET', 'GET', undefined, undefined, 405],
    ['a JSON body', 'POST', 'application/json', '{"grant_type":"client_credentials"}', 400],
    ['no grant_type', 'POST', 'application/x-www-form-urlencoded', 'client_id=x', 400],
  ])('when the token endpoint gets %s, then it answers in Entra\'s error shape', async (_name, method, contentType, body, status) => {
    const response = await fetch(`${target.local.url}/${target.tenantId}/oauth2/v2.0/token`, {
      method, ...(contentType ? { headers: { 'content-type': contentType } } : {}), ...(body !== undefined ? { body } : {}),
    });
    expect(response.status).toBe(status);
    const json = await response.json() as { error: string; error_codes: number[] };
    expect(typeof json.error).toBe('string');
    expect(json.error_codes).toHaveLength(1);
  });

  it('when all of that has happened, then the tenant still answers', async () => {
    expect((await rawGraph(target, '/users?$top=1')).status).toBe(200);
  });
});
