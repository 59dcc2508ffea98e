/**
 * The Graph adapter against a stubbed fetch: the real graph client, its middleware chain
 * and its RetryHandler run; only the network is replaced. (Integration against the local
 * tenant over HTTPS lives in local-tenant.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { classifyCreateFailure, createGraphDirectory, odataString, userPath } from '../../src/directory/index.js';
import { DirectoryError, Secret, type UserDraft } from '../../src/onboarding/index.js';
import { graphErrorResponse, ok, stubGraphNetwork } from '../support/stubbed-graph.js';

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const net = stubGraphNetwork();

const directory = (overrides = {}) => createGraphDirectory({
  baseUrl: 'https://127.0.0.1:8443', tenantId: '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93',
  credential: { kind: 'tokenCredential', credential }, maxRetryAfterSeconds: 5, ...overrides,
});

const draft: UserDraft = {
  userPrincipalName: "sean.o'brien@contoso.com", mailNickname: "sean.o'brien", displayName: 'Seán O’Brien', givenName: 'Seán',
  surname: 'O’Brien', usageLocation: 'IE', jobTitle: 'Engineer', employeeHireDate: '2025-04-01T00:00:00Z',
};

describe('Graph adapter — create', () => {
  it('when POST /users succeeds, then the body carries the profile, a forced password change and the marker, and the token goes to the custom host', async () => {
    net.answers = [() => ok({ id: 'id-1', userPrincipalName: draft.userPrincipalName }, 201)];
    const outcome = await directory({ markerAttribute: 12 }).createUser(draft, new Secret('Pa55word!xyzXYZ12'), 'onboarding:r1');
    expect(outcome).toEqual({ kind: 'created', user: { id: 'id-1', userPrincipalName: draft.userPrincipalName } });
    expect(net.seen).toHaveLength(1);
    expect(net.seen[0]?.url).toBe('https://127.0.0.1:8443/v1.0/users');
    expect(net.seen[0]?.headers.get('authorization')).toBe('Bearer test-token');
    expect(JSON.parse(net.seen[0]?.body ?? '{}')).toMatchObject({
      accountEnabled: true, userPrincipalName: draft.userPrincipalName, usageLocation: 'IE', employeeHireDate: '2025-04-01T00:00:00Z',
      passwordProfile: { forceChangePasswordNextSignIn: true, password: 'Pa55word!xyzXYZ12' },
      onPremisesExtensionAttributes: { extensionAttribute12: 'onboarding:r1' },
    });
  });

  it.each([503, 504, 429])('when POST /users answers %i, then the RetryHandler does NOT resend it (one request on the wire)', async (status) => {
    net.answers = [() => graphErrorResponse(status, 'ServiceUnavailable', 'busy', { 'retry-after': '0' }), () => ok({ id: 'dup' }, 201)];
    const outcome = await directory().createUser(draft, new Secret('Pa55word!xyzXYZ12'), 'm');
    expect(net.seen).toHaveLength(1);
    expect(outcome.kind).toBe(status === 429 ? 'throttled' : 'ambiguous');
    expect(outcome).toMatchObject({ graphRequestId: `rid-${status}` });
  });

  it('when the connection drops after sending the POST, then the outcome is ambiguous', async () => {
    net.answers = [() => { throw new TypeError('fetch failed'); }];
    expect(await directory().createUser(draft, new Secret('Pa55word!xyzXYZ12'), 'm')).toMatchObject({ kind: 'ambiguous' });
    expect(net.seen).toHaveLength(1);
  });

  it('when the token cannot be obtained, then nothing was sent and the outcome is a permission rejection, not ambiguous', async () => {
    const failing: TokenCredential = { getToken: async () => { throw Object.assign(new Error('bad secret'), { name: 'AuthenticationError' }); } };
    const outcome = await directory({ credential: { kind: 'tokenCredential', credential: failing } }).createUser(draft, new Secret('Pa55word!xyzXYZ12'), 'm');
    expect(outcome).toMatchObject({ kind: 'rejected', reason: 'permission' });
    expect(net.seen).toHaveLength(0);
  });
});

describe('Graph adapter — reads', () => {
  it('when GET is throttled with Retry-After, then the RetryHandler waits and retries it', async () => {
    net.answers = [
      () => graphErrorResponse(429, 'TooManyRequests', 'slow down', { 'retry-after': '0' }),
      () => graphErrorResponse(503, 'ServiceUnavailable', 'busy', { 'retry-after': '0' }),
      () => ok({ id: 'u1', userPrincipalName: 'adele.vance@contoso.com', onPremisesExtensionAttributes: { extensionAttribute15: null } }),
    ];
    expect(await directory().findUserByUpn('adele.vance@contoso.com')).toMatchObject({ id: 'u1', marker: null });
    expect(net.seen).toHaveLength(3);
    expect(net.seen[2]?.headers.get('retry-attempt')).toBe('2');
  });

  it('when Retry-After is longer than we wait, then THROTTLED comes back with the request-id and the delay', async () => {
    net.answers = [() => graphErrorResponse(429, 'TooManyRequests', 'slow down', { 'retry-after': '120' })];
    const error = await directory().findUserByUpn('a@contoso.com').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryError);
    expect(error).toMatchObject({ code: 'THROTTLED', graphRequestId: 'rid-429', retryAfterSeconds: 120 });
  });

  it('when the user does not exist (404), then findUserByUpn says null', async () => {
    net.answers = [() => graphErrorResponse(404, 'Request_ResourceNotFound', "Resource 'x' does not exist")];
    expect(await directory().findUserByUpn('x@contoso.com')).toBeNull();
  });

  it('when the bot lacks permission (403), then PERMISSION_MISSING with the request-id', async () => {
    net.answers = [() => graphErrorResponse(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')];
    await expect(directory().listDomains()).rejects.toMatchObject({ code: 'PERMISSION_MISSING', graphRequestId: 'rid-403' });
  });

  it.each([
    ['adele.vance@contoso.com', '/users/adele.vance@contoso.com'],
    ['a#b@contoso.com', '/users/a%23b@contoso.com'],
    ['$svc@contoso.com', "/users('$svc@contoso.com')"],
    ["$o'svc@contoso.com", "/users('$o''svc@contoso.com')"],
    ['x^y~z@contoso.com', '/users/x%5Ey~z@contoso.com'],
    // What must not change the path, start a query or a fragment, or be read as an escape (issue 26).
    ['a/b@contoso.com', '/users/a%2Fb@contoso.com'],
    ['a?b=c@contoso.com', '/users/a%3Fb%3Dc@contoso.com'],
    ['a%2Fb@contoso.com', '/users/a%252Fb@contoso.com'],
    ['../me@contoso.com', '/users/..%2Fme@contoso.com'],
  ])('when the UPN is %s, then the path is %s', async (upn, path) => {
    expect(userPath(upn)).toBe(path);
    net.answers = [() => ok({ id: 'u', userPrincipalName: upn })];
    await directory().findUserByUpn(upn);
    expect(new URL(net.seen[0]?.url ?? '').pathname).toBe(`/v1.0${path.replace(/'/g, '%27')}`.replace(/%27/g, "'"));
  });

  it('when a user name holds any characters at all, then the request goes to /v1.0/users/{that one key}, with no query or fragment of its own (https://learn.microsoft.com/en-us/graph/api/user-get)', async () => {
    const upn = fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), fc.constantFrom('contoso.com', 'x/y?z#w%25'))
      .map(([local, domain]) => `${local}@${domain}`).filter((u) => !u.startsWith('$') && !/[\uD800-\uDFFF]/u.test(u));
    await fc.assert(fc.asyncProperty(upn, async (key) => {
      net.seen = [];
      net.answers = [() => ok({ id: 'u', userPrincipalName: key })];
      await directory().findUserByUpn(key);
      const url = new URL(net.seen[0]!.url);
      const segments = url.pathname.split('/');
      expect(segments.slice(0, 3)).toEqual(['', 'v1.0', 'users']);
      expect(segments).toHaveLength(4);
      expect(decodeURIComponent(segments[3]!)).toBe(key);
      expect(url.hash).toBe('');
      expect([...url.searchParams.keys()]).toEqual(['$select']);
    }), { numRuns: 200 });
  });

  it('when a manager is looked up by any display name, then the $filter reads back as one displayName literal holding exactly that name (quotes doubled, value percent-encoded: https://learn.microsoft.com/en-us/graph/query-parameters#encoding-query-parameters)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: fc.constantFrom("'", '"', '&', '#', '%', '+', '=', '?', ' ', ')', '(', 'a', 'é', ',', '/', '\\'), maxLength: 20 }), async (name) => {
      net.seen = [];
      net.answers = [() => ok({ value: [] })];
      await directory().findUsersByDisplayName(name, 4);
      const url = new URL(net.seen[0]!.url);
      expect(url.hash).toBe('');
      expect([...url.searchParams.keys()].sort()).toEqual(['$filter', '$select', '$top']);
      const filter = /^displayName eq '((?:[^']|'')*)'$/.exec(url.searchParams.get('$filter') ?? '');
      expect(filter?.[1]?.replace(/''/g, "'")).toBe(name);
    }), { numRuns: 200 });
  });

  it("when checking a new account's names with an apostrophe, then one $filter asks for all three, its literals doubled, and each holder is told by its property", async () => {
    net.answers = [() => ok({ value: [{ id: 'x', userPrincipalName: 'sean@contoso.com', mailNickname: 'sean', proxyAddresses: ["smtp:sean.o'brien@contoso.com"] }] })];
    const check = await directory().checkNewAccount({ userPrincipalName: "sean.o'brien@contoso.com", mailNickname: "sean.o'brien" });
    expect(check.holders.map((h) => [h.property, h.user.id])).toEqual([['proxyAddresses', 'x']]);
    expect(net.seen.map((s) => new URL(s.url).searchParams.get('$filter'))).toEqual([
      "userPrincipalName eq 'sean.o''brien@contoso.com' or mailNickname eq 'sean.o''brien' or proxyAddresses/any(p:p eq 'smtp:sean.o''brien@contoso.com')",
    ]);
    expect(odataString("o'b")).toBe("'o''b'");
  });

  it('when checking a new account with a manager by user name, then both go in one $batch and a missing manager is null', async () => {
    net.answers = [() => ok({ responses: [
      { id: 'manager', status: 404, headers: {}, body: { error: { code: 'Request_ResourceNotFound' } } },
      { id: 'names', status: 200, headers: {}, body: { value: [{ id: 'y', userPrincipalName: 'ANA.LOPEZ@contoso.com', mailNickname: 'ana.lopez' }] } },
    ] })];
    const check = await directory().checkNewAccount({ userPrincipalName: 'ana.lopez@contoso.com', mailNickname: 'ana.lopez', managerUpn: 'boss@contoso.com' });
    expect(net.seen).toHaveLength(1);
    expect(new URL(net.seen[0]!.url).pathname).toBe('/v1.0/$batch');
    expect(check.manager).toBeNull();
    expect(check.holders.map((h) => h.property)).toEqual(['userPrincipalName', 'mailNickname']);
  });

  it('when a part of the batch is throttled, then the check throws THROTTLED with the part\'s Retry-After', async () => {
    net.answers = [() => ok({ responses: [
      { id: 'names', status: 429, headers: { 'Retry-After': '7' }, body: { error: { code: 'TooManyRequests' } } },
      { id: 'manager', status: 200, headers: {}, body: { id: 'm', userPrincipalName: 'boss@contoso.com' } },
    ] })];
    await expect(directory().checkNewAccount({ userPrincipalName: 'a@contoso.com', mailNickname: 'a', managerUpn: 'boss@contoso.com' }))
      .rejects.toMatchObject({ code: 'THROTTLED', retryAfterSeconds: 7, status: 429 });
  });
});

describe('classifyCreateFailure', () => {
  const err = (status: number, message: string, details?: unknown): GraphError => {
    const e = new GraphError(status, message);
    e.code = 'Request_BadRequest';
    e.requestId = 'rid';
    e.body = JSON.stringify({ code: 'Request_BadRequest', message, ...(details ? { details } : {}) });
    return e;
  };
  it.each([
    [err(400, 'Another object with the same value for property userPrincipalName already exists.', [{ target: 'userPrincipalName', code: 'ObjectConflict' }]), { kind: 'conflict', property: 'userPrincipalName' }],
    [err(400, 'Another object with the same value for property mailNickname already exists.'), { kind: 'conflict', property: 'mailNickname' }],
    [err(400, 'Another object with the same value for property proxyAddresses already exists.'), { kind: 'conflict', property: 'proxyAddresses' }],
    [err(400, 'The specified password does not comply with password complexity requirements. Please provide a different password.'), { kind: 'rejected', reason: 'password' }],
    [err(400, 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.'), { kind: 'rejected', reason: 'domain' }],
    [err(400, 'One or more properties contains invalid values.'), { kind: 'rejected', reason: 'invalid' }],
    [err(403, 'Insufficient privileges to complete the operation.'), { kind: 'rejected', reason: 'permission' }],
    [err(500, 'Internal'), { kind: 'ambiguous' }],
    [err(-1, 'fetch failed'), { kind: 'ambiguous' }],
    [new Error('socket hang up'), { kind: 'ambiguous' }],
  ])('when POST /users fails with %s, then the outcome is %j', (error, expected) => {
    expect(classifyCreateFailure(error)).toMatchObject(expected);
  });
});
