import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GRAPH_SCOPE, graphClient, localTarget, newUserBody, rawGraph, secretCredential, type Json } from './target.js';

const stateDir = mkdtempSync(join(tmpdir(), 'local-tenant-state-'));
afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

describe('state across restarts (local tenant only)', () => {
  it('when the tenant restarts on the same state dir, then users, credentials and signing key survive', async () => {
    const first = await localTarget({ stateDir });
    const body = newUserBody(first);
    const user = await graphClient(first).api('/users').post(body);
    const token = (await secretCredential(first).getToken(GRAPH_SCOPE))!.token;
    const firstApp = first.local.app;
    await first.close();

    const second = await localTarget({ stateDir });
    try {
      expect(second.local.app.clientSecret).toBe(firstApp.clientSecret);
      expect(second.local.app.certificatePath).toBe(firstApp.certificatePath);
      const read = await graphClient(second).api(`/users/${body.userPrincipalName}`).get();
      expect(read.id).toBe(user.id);
      // A token from before the restart still verifies: same signing key.
      expect((await rawGraph(second, `/users/${user.id}`, { token })).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('when the state dir was saved by an older version (no Mail.Send, no service mailbox), then a restart adds what the seed now grants and keeps what people created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-tenant-old-state-'));
    try {
      const first = await localTarget({ stateDir: dir });
      const body = newUserBody(first);
      const user = await graphClient(first).api('/users').post(body);
      await first.close();
      // What a state.json from before the welcome email looked like.
      const path = join(dir, 'state.json');
      const old = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { applications: Array<{ applicationPermissions: string[] }>; users: Array<{ userPrincipalName: string }> };
      old.applications = old.applications.map((app) => ({ ...app, applicationPermissions: app.applicationPermissions.filter((p) => p !== 'Mail.Send') }));
      old.users = old.users.filter((u) => u.userPrincipalName !== 'onboarding@contoso.com');
      delete old.mailboxes;
      delete old.outbox;
      writeFileSync(path, JSON.stringify(old), { mode: 0o600 });

      const second = await localTarget({ stateDir: dir });
      try {
        expect((await rawGraph(second, `/users/${user.id}`)).status).toBe(200);
        const mail = { message: { subject: 'Hello', body: { contentType: 'Text', content: 'Hi' }, toRecipients: [{ emailAddress: { address: 'someone@example.org' } }] } };
        const sent = await rawGraph(second, '/users/onboarding@contoso.com/sendMail', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mail) });
        expect(sent.status).toBe(202);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the state dir was saved before groups of every kind, licences and guests, then a restart adds the seed\'s groups, subscriptions, licences, domains and settings and keeps what people did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-tenant-old-state-'));
    try {
      const first = await localTarget({ stateDir: dir });
      const user = await graphClient(first).api('/users').post(newUserBody(first));
      await graphClient(first).api('/groups/6a1d3f0e-0000-4000-8000-0000000000b1/members/$ref').post({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}` });
      await first.close();
      // What a state.json from before issue 23/24 looked like: three plain groups, no subscriptions, no guests.
      const path = join(dir, 'state.json');
      const old = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & { applications: Array<{ applicationPermissions: string[] }>; users: Array<Record<string, unknown>>; groups: Array<Record<string, unknown>> };
      const before = new Set(['User.ReadWrite.All', 'GroupMember.Read.All', 'Domain.Read.All', 'UserAuthenticationMethod.ReadWrite.All', 'Mail.Send', 'TeamsAppInstallation.ReadWriteSelfForUser.All', 'User.Read.All', 'GroupMember.ReadWrite.All', 'Policy.ReadWrite.AuthenticationMethod', 'AppCatalog.Read.All']);
      old.applications = old.applications.map((app, index) => ({ ...app, applicationPermissions: app.applicationPermissions.filter((p) => before.has(p) && !(index === 0 && p === 'GroupMember.ReadWrite.All')) }));
      old.groups = old.groups.filter((group) => ['6a1d3f0e-0000-4000-8000-0000000000a1', '6a1d3f0e-0000-4000-8000-0000000000b1', '6a1d3f0e-0000-4000-8000-0000000000b2'].includes(group['id'] as string))
        .map((group) => ({ id: group['id'], displayName: group['displayName'], mailNickname: group['mailNickname'], description: group['description'], members: group['members'] }));
      old.users = old.users.map(({ licenseAssignments: _l, userType: _t, externalUserState: _s, externalUserStateChangeDateTime: _c, creationType: _k, externalIdentityProvider: _p, sponsors: _o, employeeLeaveDateTime: _e, ...rest }) => rest);
      for (const field of ['subscribedSkus', 'licensing', 'licensingQueue', 'externalCollaboration', 'invitations']) delete old[field];
      // …and a federated fabrikam.com among its domains, as the seed had it then.
      old['domains'] = [...(old['domains'] as Json[]).filter((domain) => domain.id !== 'contoso.eu'), { id: 'fabrikam.com', authenticationType: 'Federated', isVerified: true, isDefault: false, isInitial: false }];
      writeFileSync(path, JSON.stringify(old), { mode: 0o600 });

      const second = await localTarget({ stateDir: dir });
      try {
        const graph = graphClient(second);
        expect((await graph.api(`/users/${user.id}`).get()).id).toBe(user.id);
        expect((await graph.api('/groups/6a1d3f0e-0000-4000-8000-0000000000b1/members').select('id').get()).value.map((m: Json) => m.id)).toContain(user.id);
        const names = (await graph.api('/groups').select('displayName,groupTypes').get()).value as Json[];
        expect(names.find((group) => group.displayName === 'Marketing')?.groupTypes).toEqual(['Unified']);
        expect(names.map((group) => group.displayName)).toEqual(expect.arrayContaining(['Marketing Team', 'All Sales (dynamic)', 'Helpdesk Admins (role-assignable)', 'Licence – Microsoft 365 E3', 'Hiring Managers']));
        const e3 = ((await graph.api('/subscribedSkus').get()).value as Json[]).find((sku) => sku.skuPartNumber === 'SPE_E3');
        expect(e3).toMatchObject({ prepaidUnits: { enabled: 250 }, consumedUnits: 238 });
        expect((await graph.api('/users/onboarding@contoso.com').select('assignedLicenses').get()).assignedLicenses.map((l: Json) => l.skuId)).toEqual([e3.skuId]);
        expect(((await graph.api('/domains').get()).value as Json[]).map((domain) => domain.id).sort()).toEqual(['contoso.com', 'contoso.eu', 'contoso.onmicrosoft.com', 'northwind.example']);
        const fabrikam = await rawGraph(second, '/invitations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitedUserEmailAddress: 'jane.doe@fabrikam.com', inviteRedirectUrl: 'https://myapps.microsoft.com' }) });
        expect(fabrikam.status).toBe(201);
        const invited = await rawGraph(second, '/invitations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitedUserEmailAddress: 'jo@litware.example', inviteRedirectUrl: 'https://myapps.microsoft.com' }) });
        expect(invited.status).toBe(201);
        expect((await graph.api(`/users/${user.id}`).select('userType').get()).userType).toBe('Member');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the state dir holds secrets and keys, then every such file is 0600', () => {
    for (const file of ['state.json', 'client-secrets.json', 'token-signing-key.pem', join('certificates', 'b07b0a7d-0000-4000-8000-00000000b075.pem')]) {
      expect(statSync(join(stateDir, file)).mode & 0o777).toBe(0o600);
    }
  });

  it('when the tenant starts with reset, then the directory is the seed again but credentials stay', async () => {
    const before = await localTarget({ stateDir });
    const body = newUserBody(before);
    await graphClient(before).api('/users').post(body);
    const secret = before.local.app.clientSecret;
    await before.close();

    const after = await localTarget({ stateDir, reset: true });
    try {
      expect(after.local.app.clientSecret).toBe(secret);
      expect((await rawGraph(after, `/users/${body.userPrincipalName}`)).status).toBe(404);
      expect((await rawGraph(after, '/users/alex.wilber@contoso.com')).status).toBe(200);
    } finally {
      await after.close();
    }
  });

  it('when the tenant runs in memory, then its generated certificate file is removed on close', async () => {
    const memory = await localTarget({ stateDir: null });
    const path = memory.local.app.certificatePath;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await memory.close();
    expect(existsSync(path)).toBe(false);
  });

  it('when two in-memory tenants run, then their generated secrets differ', async () => {
    const [a, b] = await Promise.all([localTarget(), localTarget()]);
    try {
      expect(a.local.app.clientSecret).not.toBe(b.local.app.clientSecret);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
