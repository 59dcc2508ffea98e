import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { conformanceSession, graphFailure, rawGraph, signInWithPassword, strongPassword, tokenRequest, uniqueAlias, type Json } from './target.js';

// A user's first sign-in with the password the bot delivered, through the resource owner password
// credentials grant; every refusal carries the AADSTS code Entra documents for it.
const ROPC = 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth-ropc';
const ERROR_CODES = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';
const SMART_LOCKOUT = 'https://learn.microsoft.com/en-us/entra/identity/authentication/howto-password-smart-lockout';
const UPDATE_USER = 'https://learn.microsoft.com/en-us/graph/api/user-update';
const CHANGE_PASSWORD = 'https://learn.microsoft.com/en-us/graph/api/user-changepassword';

const session = conformanceSession();

function createUser(password: string, forceChangePasswordNextSignIn: boolean, overrides: Record<string, unknown> = {}): Promise<Json> {
  return session.createUser({ passwordProfile: { password, forceChangePasswordNextSignIn }, ...overrides });
}

function expectRefusal(response: { status: number; body: Json }, code: number): void {
  expect(response.status).toBe(400);
  expect(response.body.error).toBe('invalid_grant');
  expect(response.body.error_codes).toEqual([code]);
  expect(String(response.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
  for (const field of ['timestamp', 'trace_id', 'correlation_id']) expect(typeof response.body[field]).toBe('string');
}

describe(`password sign-in (${ROPC}, codes from ${ERROR_CODES})`, () => {
  it('when the password is right and no change is forced, then a user token for Graph comes back and /me is that user', async () => {
    const password = strongPassword();
    const user = await createUser(password, false);
    const response = await signInWithPassword(session.target, user.userPrincipalName, password);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer' });
    expect(response.body.expires_in).toBeGreaterThan(0);
    const claims = decodeJwt(response.body.access_token);
    expect(claims['oid']).toBe(user.id);
    expect(claims['tid']).toBe(session.target.tenantId);
    expect(String(claims['scp'])).toContain('User.Read');
    const me = await rawGraph(session.target, '/me', { token: response.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it('when the user must change the password at first sign-in, then AADSTS50055', async () => {
    const password = strongPassword();
    const user = await createUser(password, true);
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, password), 50055);
  });

  it('when the password is wrong, then AADSTS50126', async () => {
    const user = await createUser(strongPassword(), false);
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, strongPassword()), 50126);
  });

  it('when nobody has that user name, then AADSTS50034', async () => {
    expectRefusal(await signInWithPassword(session.target, `${uniqueAlias()}@${session.target.domains.managed}`, strongPassword()), 50034);
  });

  it('when the account is disabled, then AADSTS50057', async () => {
    const password = strongPassword();
    const user = await createUser(password, false, { accountEnabled: false });
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, password), 50057);
  });

  it(`when the password was wrong ten times in a row, then the account is locked: AADSTS50053 even for the right password (${SMART_LOCKOUT})`, async () => {
    const password = strongPassword();
    const user = await createUser(password, false);
    // Distinct wrong passwords: smart lockout does not count the same wrong password twice.
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, strongPassword()), 50126);
    }
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, password), 50053);
  });

  it('when the client is confidential and sends no secret, then AADSTS7000218', async () => {
    const response = await tokenRequest(session.target, { grant_type: 'password', client_id: session.target.bot.clientId, username: `x@${session.target.domains.managed}`, password: 'x', scope: 'https://graph.microsoft.com/User.Read' });
    expect(response.status).toBe(401);
    expect(response.body.error_codes).toEqual([7000218]);
  });
});

describe(`a password set by an administrator (${UPDATE_USER})`, () => {
  it('when PATCH passwordProfile sets a new password without a forced change, then the new one signs in and the old one is refused', async () => {
    const old = strongPassword();
    const user = await createUser(old, true);
    const next = strongPassword();
    await session.graph.api(`/users/${user.id}`).patch({ passwordProfile: { password: next, forceChangePasswordNextSignIn: false } });
    expect((await signInWithPassword(session.target, user.userPrincipalName, next)).status).toBe(200);
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, old), 50126);
  });

  it('when PATCH passwordProfile forces a change, then the reissued password answers AADSTS50055', async () => {
    const user = await createUser(strongPassword(), false);
    const next = strongPassword();
    await session.graph.api(`/users/${user.id}`).patch({ passwordProfile: { password: next, forceChangePasswordNextSignIn: true } });
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, next), 50055);
  });

  it('when PATCH passwordProfile holds the user\'s last name, then 400 and the old password still works', async () => {
    const old = strongPassword();
    const user = await createUser(old, false, { givenName: 'Zebulon', surname: 'Quartermain' });
    const error = await graphFailure(session.graph.api(`/users/${user.id}`).patch({ passwordProfile: { password: 'Quartermain#2031x', forceChangePasswordNextSignIn: false } }));
    expect(error.statusCode).toBe(400);
    expect((await signInWithPassword(session.target, user.userPrincipalName, old)).status).toBe(200);
  });
});

describe(`a user changes their own password (${CHANGE_PASSWORD})`, () => {
  it('when POST /me/changePassword carries the current password, then 204 and only the new one signs in', async () => {
    const old = strongPassword();
    const user = await createUser(old, false);
    const signedIn = await signInWithPassword(session.target, user.userPrincipalName, old, 'https://graph.microsoft.com/.default');
    expect(signedIn.status).toBe(200);
    const next = strongPassword();
    const response = await rawGraph(session.target, '/me/changePassword', {
      method: 'POST', token: signedIn.body.access_token, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: old, newPassword: next }),
    });
    expect(response.status).toBe(204);
    expect((await signInWithPassword(session.target, user.userPrincipalName, next)).status).toBe(200);
    expectRefusal(await signInWithPassword(session.target, user.userPrincipalName, old), 50126);
  });

  it('when an app-only token calls /me/changePassword, then Graph refuses it', async () => {
    const response = await rawGraph(session.target, '/me/changePassword', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: 'a', newPassword: 'b' }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});
