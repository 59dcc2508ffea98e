import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GRAPH_SCOPE, graphClient, localTarget, newUserBody, rawGraph, secretCredential } from './target.js';

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
