import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphFailure, localTarget, newUserBody, rawGraph, secretCredential, signInWithPassword, strongPassword, tokenRequest, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

// What only the local tenant offers around sign-in: a Temporary Access Pass at the token endpoint
// (Entra takes one only in its interactive sign-in), the "update your password" step, the TAP
// policy switch, and how secrets are kept. Codes and policy rules from:
const TAP_HOWTO = 'https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass';
const TAP_POLICY = 'https://learn.microsoft.com/en-us/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration';
const ERROR_CODES = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';

let target: ConformanceTarget & { local: LocalTenant };
let graph: Client;
let admin: Client;
let stateDir: string;
const POLICY = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'local-sign-in-'));
  target = await localTarget({ stateDir });
  graph = graphClient(target);
  const adminApp = target.local.apps.find((app) => app.displayName === 'Entra Admin (local)')!;
  admin = graphClient(target, secretCredential(target, adminApp));
});
afterAll(async () => {
  await target.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function createUser(password = strongPassword(), forceChangePasswordNextSignIn = false): Promise<Json> {
  return graph.api('/users').post(newUserBody(target, { passwordProfile: { password, forceChangePasswordNextSignIn } }));
}

async function createPass(userId: string, body: Record<string, unknown> = {}): Promise<Json> {
  return graph.api(`/users/${userId}/authentication/temporaryAccessPassMethods`).post({ lifetimeInMinutes: 60, ...body });
}

function signInWithPass(username: string, pass: string): Promise<{ status: number; body: Json }> {
  return tokenRequest(target, { grant_type: 'temporary_access_pass', client_id: target.publicClientId, username, temporary_access_pass: pass, scope: 'https://graph.microsoft.com/User.Read' });
}

async function inspect(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${target.local.inspectionUrl}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function changePassword(userId: string, currentPassword: string, newPassword: string): Promise<{ status: number; body: Json }> {
  return inspect(`/users/${userId}/changePassword`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword, newPassword }) });
}

describe(`sign-in with a Temporary Access Pass (local grant; ${TAP_HOWTO})`, () => {
  it('when a user signs in with a fresh pass, then a Graph token comes back that lives no longer than the pass', async () => {
    const user = await createUser();
    const pass = await createPass(user.id, { lifetimeInMinutes: 60, isUsableOnce: false });
    const response = await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass);
    expect(response.status).toBe(200);
    const claims = decodeJwt(response.body.access_token);
    expect(claims['oid']).toBe(user.id);
    expect(claims.exp!).toBeLessThanOrEqual(Date.parse(pass.startDateTime) / 1000 + 60 * 60);
    expect((await rawGraph(target, '/me', { token: response.body.access_token })).body.id).toBe(user.id);
  });

  it('when a one-time pass was used, then a second sign-in is refused and the pass reads OneTimeUsed', async () => {
    const user = await createUser();
    const pass = await createPass(user.id, { isUsableOnce: true });
    expect((await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass)).status).toBe(200);
    const again = await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass);
    expect(again.body.error_codes).toEqual([50126]);
    expect(again.body.error_description).toContain('OneTimeUsed');
    const listed = await graph.api(`/users/${user.id}/authentication/temporaryAccessPassMethods`).get();
    expect(listed.value[0]).toMatchObject({ isUsable: false, methodUsabilityReason: 'OneTimeUsed' });
  });

  it.each([
    ['not started yet', { startDateTime: new Date(Date.now() + 3600_000).toISOString() }, 'NotYetValid'],
    ['expired', { startDateTime: new Date(Date.now() - 2 * 3600_000).toISOString(), lifetimeInMinutes: 60 }, 'Expired'],
  ])('when the pass is %s, then sign-in is refused (AADSTS50126, %s)', async (_name, body, reason) => {
    const user = await createUser();
    const pass = await createPass(user.id, body);
    const response = await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
    expect(response.body.error_description).toContain(reason);
  });

  it('when the pass is wrong, then AADSTS50126', async () => {
    const user = await createUser();
    await createPass(user.id);
    expect((await signInWithPass(user.userPrincipalName, 'not-the-pass')).body.error_codes).toEqual([50126]);
  });

  it(`when a password is tried as a pass grant's password (ROPC), then Entra's ROPC refuses the pass (${ERROR_CODES})`, async () => {
    const user = await createUser();
    const pass = await createPass(user.id);
    expect((await signInWithPassword(target, user.userPrincipalName, pass.temporaryAccessPass)).body.error_codes).toEqual([50126]);
  });

  it('when a seed user who never had a password signs in, then AADSTS50056', async () => {
    expect((await signInWithPassword(target, 'alex.wilber@contoso.com', strongPassword())).body.error_codes).toEqual([50056]);
  });
});

describe(`the Temporary Access Pass policy (${TAP_POLICY}, ${TAP_HOWTO})`, () => {
  it('when the policy is read, then it has the seed\'s settings in Graph\'s shape', async () => {
    const policy = await admin.api(POLICY).get();
    expect(policy).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration', id: 'TemporaryAccessPass', state: 'enabled',
      defaultLifetimeInMinutes: 60, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLength: 8, isUsableOnce: false,
    });
  });

  it('when the policy is disabled, then creating a pass is 400 and an existing pass no longer signs in; enabling restores both', async () => {
    const user = await createUser();
    const pass = await createPass(user.id);
    await admin.api(POLICY).patch({ state: 'disabled' });
    try {
      const error = await graphFailure(createPass(user.id));
      expect(error.statusCode).toBe(400);
      expect(error.message).toContain('does not allow creating or updating this authentication method');
      const response = await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass);
      expect(response.body.error_codes).toEqual([50126]);
      expect(response.body.error_description).toContain('DisabledByPolicy');
    } finally {
      await admin.api(POLICY).patch({ state: 'enabled' });
    }
    expect((await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass)).status).toBe(200);
  });

  it('when the policy forces one-time passes, then a multi-use pass is refused (inspection switch)', async () => {
    expect((await inspect('/temporaryAccessPassPolicy', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isUsableOnce: true }) })).body.isUsableOnce).toBe(true);
    try {
      const user = await createUser();
      expect((await graphFailure(createPass(user.id, { isUsableOnce: false }))).statusCode).toBe(400);
      expect((await createPass(user.id)).isUsableOnce).toBe(true);
    } finally {
      await inspect('/temporaryAccessPassPolicy', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ isUsableOnce: false }) });
    }
  });

  it.each([
    ['a lifetime under the policy minimum', { lifetimeInMinutes: 30 }],
    ['a lifetime over the policy maximum', { lifetimeInMinutes: 481 }],
  ])('when a pass asks for %s, then 400', async (_name, body) => {
    const user = await createUser();
    expect((await graphFailure(createPass(user.id, body))).statusCode).toBe(400);
  });

  it.each([
    ['maximumLifetimeInMinutes over 43200', { maximumLifetimeInMinutes: 43201 }],
    ['minimumLifetimeInMinutes under 10', { minimumLifetimeInMinutes: 9 }],
    ['defaultLength over 48', { defaultLength: 49 }],
    ['a default lifetime above the maximum', { defaultLifetimeInMinutes: 600 }],
    ['an unknown state', { state: 'sometimes' }],
  ])('when a PATCH sets %s, then 400 and the policy is unchanged', async (_name, body) => {
    const error = await graphFailure(admin.api(POLICY).patch(body));
    expect(error.statusCode).toBe(400);
    expect((await admin.api(POLICY).get()).maximumLifetimeInMinutes).toBe(480);
  });

  it('when the bot (no Policy.* permission) reads the policy, then 403 Authorization_RequestDenied', async () => {
    const error = await graphFailure(graph.api(POLICY).get());
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});

describe(`the "update your password" step (POST /_tenant/users/{id}/changePassword; codes from ${ERROR_CODES})`, () => {
  it('when a user who must change the password changes it, then the forced change is cleared and the new password signs in', async () => {
    const first = strongPassword();
    const user = await createUser(first, true);
    expect((await signInWithPassword(target, user.userPrincipalName, first)).body.error_codes).toEqual([50055]);
    const next = strongPassword();
    expect((await changePassword(user.id, first, next)).status).toBe(204);
    expect((await signInWithPassword(target, user.userPrincipalName, next)).status).toBe(200);
    expect((await signInWithPassword(target, user.userPrincipalName, first)).body.error_codes).toEqual([50126]);
  });

  it.each([
    ['the current password is wrong', () => strongPassword(), () => strongPassword(), 120000],
    ['the new password is weak', (current: string) => current, () => 'short1!', 120002],
    ['the new password holds the organization\'s name', (current: string) => current, () => 'Contoso#Xk9!mPq2', 120003],
  ])('when %s, then 400 with Entra\'s password-change code', async (_name, current, next, code) => {
    const password = strongPassword();
    const user = await createUser(password, true);
    const response = await changePassword(user.id, current(password), next());
    expect(response.status).toBe(400);
    expect(response.body.error_codes).toEqual([code]);
    expect((await signInWithPassword(target, user.userPrincipalName, password)).body.error_codes).toEqual([50055]);
  });
});

describe('secrets are kept only as salted hashes and never logged', () => {
  it('when passwords and passes were set and used, then neither the request log, the inspection API nor state.json holds one', async () => {
    const password = strongPassword();
    const user = await createUser(password, false);
    const pass = await createPass(user.id);
    const signedIn = await signInWithPassword(target, user.userPrincipalName, password);
    await signInWithPass(user.userPrincipalName, pass.temporaryAccessPass);
    const reset = strongPassword();
    await graph.api(`/users/${user.id}`).patch({ passwordProfile: { password: reset, forceChangePasswordNextSignIn: true } });
    await changePassword(user.id, reset, strongPassword());
    const secrets = [password, reset, pass.temporaryAccessPass, signedIn.body.access_token];
    const places = {
      log: JSON.stringify((await inspect('/requests')).body),
      users: JSON.stringify((await inspect('/users')).body),
      state: readFileSync(join(stateDir, 'state.json'), 'utf8'),
    };
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `${place} holds a secret`).toBe(false);
    }
    expect(places.users).not.toContain('"hash"');
    const stored = JSON.parse(places.state).users.find((candidate: Json) => candidate.id === user.id);
    expect(stored.password).toMatchObject({ algorithm: 'scrypt', salt: expect.any(String), hash: expect.any(String) });
    expect(stored.temporaryAccessPasses[0].secret).toMatchObject({ algorithm: 'scrypt' });
  });
});
