import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { certificateCredential, GRAPH_SCOPE, graphClient, graphFailure, openTarget, rawGraph, secretCredential, type ConformanceTarget } from './target.js';

let target: ConformanceTarget;
beforeAll(async () => {
  target = await openTarget();
});
afterAll(async () => {
  await target.close();
});

async function authFailure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error('expected getToken to fail');
}

describe('token service (client credentials through @azure/identity)', () => {
  it.each([
    ['a client secret', () => secretCredential(target), '1'],
    ['a client certificate', () => certificateCredential(target), '2'],
  ])('when the bot authenticates with %s, then it gets a Graph token carrying its application permissions', async (_name, credential, appidacr) => {
    const token = await credential().getToken(GRAPH_SCOPE);
    expect(token?.token).toBeTruthy();
    const claims = decodeJwt(token!.token);
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims['tid']).toBe(target.tenantId);
    expect(claims['appid']).toBe(target.bot.clientId);
    expect(claims['appidacr']).toBe(appidacr);
    expect(claims.iss).toBe(`https://sts.windows.net/${target.tenantId}/`);
    expect([...(claims['roles'] as string[])].sort()).toEqual(
      ['Domain.Read.All', 'GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'Mail.Send', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'User.Invite.All', 'User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'],
    );
    expect(claims.exp! - claims.iat!).toBeGreaterThanOrEqual(3599);
  });

  it('when the client secret is wrong, then Entra answers AADSTS7000215', async () => {
    const message = await authFailure(secretCredential(target, target.bot, 'not-the-secret').getToken(GRAPH_SCOPE));
    expect(message).toContain('AADSTS7000215');
  });

  it('when the client id is unknown, then Entra answers AADSTS700016', async () => {
    const message = await authFailure(secretCredential(target, target.bot, 'x', target.tenantId, '0b0b0b0b-0000-4000-8000-000000000000').getToken(GRAPH_SCOPE));
    expect(message).toContain('AADSTS700016');
  });

  it('when the tenant does not exist, then Entra answers AADSTS90002', async () => {
    const message = await authFailure(secretCredential(target, target.bot, target.bot.clientSecret, '0c0c0c0c-0000-4000-8000-000000000000').getToken(GRAPH_SCOPE));
    expect(message).toMatch(/AADSTS90002|endpoints_resolution_error/);
  });

  it('when a token is asked for directly with a bad secret, then the error body has Entra\'s shape', async () => {
    const authority = target.authorityHost ?? 'https://login.microsoftonline.com';
    const response = await fetch(`${authority}/${target.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: target.bot.clientId, client_secret: 'wrong', scope: GRAPH_SCOPE }),
    });
    const body = await response.json() as Record<string, unknown>;
    expect(response.status).toBe(401);
    expect(body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(String(body['error_description'])).toMatch(/^AADSTS7000215: Invalid client secret provided/);
    for (const field of ['timestamp', 'trace_id', 'correlation_id']) expect(typeof body[field]).toBe('string');
  });

  it.each([
    ['an unsupported grant type', { grant_type: 'urn:example:no-such-grant' }, 400, 'unsupported_grant_type'],
    ['a scope without /.default', { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/User.Read.All' }, 400, 'invalid_scope'],
  ])('when the token request has %s, then Entra refuses it', async (_name, fields, status, error) => {
    const authority = target.authorityHost ?? 'https://login.microsoftonline.com';
    const response = await fetch(`${authority}/${target.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: target.bot.clientId, client_secret: target.bot.clientSecret, scope: GRAPH_SCOPE, ...fields }),
    });
    expect(response.status).toBe(status);
    expect((await response.json() as { error: string }).error).toBe(error);
  });
});

describe('Graph authentication and authorization', () => {
  it.each([
    ['no bearer token', null],
    ['a malformed token', 'not.a.jwt'],
    ['a token signed by someone else', 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl'],
  ])('when a request carries %s, then Graph answers 401 InvalidAuthenticationToken', async (_name, token) => {
    const response = await rawGraph(target, '/users?$top=1', { token });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('InvalidAuthenticationToken');
    expect(response.body.error.innerError['request-id']).toBe(response.headers.get('request-id'));
  });

  it('when an app with only User.Read.All creates a user, then Graph answers 403 Authorization_RequestDenied', async () => {
    const reader = graphClient(target, secretCredential(target, target.reader));
    const error = await graphFailure(reader.api('/users').post({ accountEnabled: true }));
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    expect(error.message).toBe('Insufficient privileges to complete the operation.');
  });

  it('when an app with only User.Read.All reads users, then Graph answers', async () => {
    const reader = graphClient(target, secretCredential(target, target.reader));
    const page = await reader.api('/users').top(1).get() as { value: unknown[] };
    expect(page.value).toHaveLength(1);
  });

  it('when the bot reads /organization without Organization.Read.All, then Graph answers 403', async () => {
    const error = await graphFailure(graphClient(target).api('/organization').get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });

  it('when Graph answers, then request-id and client-request-id headers come back', async () => {
    const response = await rawGraph(target, '/users?$top=1', { headers: { 'client-request-id': '11111111-2222-4333-8444-555555555555' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('client-request-id')).toBe('11111111-2222-4333-8444-555555555555');
  });
});
