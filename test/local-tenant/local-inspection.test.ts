import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_SCOPE, graphClient, localTarget, newUserBody, secretCredential, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

let target: ConformanceTarget & { local: LocalTenant };

beforeAll(async () => {
  target = await localTarget();
});
afterAll(async () => {
  await target.close();
});

async function inspect(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${target.local.inspectionUrl}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('inspection API under /_tenant (local tenant only)', () => {
  it('when the index is read, then it lists the URLs a person needs', async () => {
    const { status, body } = await inspect('/');
    expect(status).toBe(200);
    expect(body).toMatchObject({ tenantId: target.tenantId, authorityHost: target.local.url, graphBaseUrl: `${target.local.url}/v1.0` });
  });

  it('when users are listed, then the seed\'s Playground users are there with their ids', async () => {
    const { body } = await inspect('/users');
    const byUpn = new Map(body.value.map((user: Json) => [user.userPrincipalName, user.id]));
    expect(byUpn.get('alex.wilber@contoso.com')).toBe('00000000-0000-4000-8000-000000000020');
    expect(byUpn.get('lynne.robbins@contoso.com')).toBe('00000000-0000-4000-8000-000000000025');
  });

  it('when apps are listed, then every app registration shows its permissions', async () => {
    const { body } = await inspect('/apps');
    expect(body.value.map((app: Json) => [app.displayName, app.permissions.length])).toEqual([
      ['Onboarding Bot (local)', 10], ['Directory Reader (local)', 1], ['Entra Admin (local)', 5],
    ]);
  });

  it('when requests were made with secrets, tokens and passwords, then the log shows method, path and status but none of those', async () => {
    const body = newUserBody(target);
    const token = (await secretCredential(target).getToken(GRAPH_SCOPE))!.token;
    await graphClient(target).api('/users').post(body);
    const { body: log } = await inspect('/requests');
    const text = JSON.stringify(log);
    expect(log.value.some((entry: Json) => entry.method === 'POST' && entry.path === '/v1.0/users' && entry.status === 201 && typeof entry.durationMs === 'number')).toBe(true);
    expect(text).not.toContain(target.bot.clientSecret);
    expect(text).not.toContain(token);
    expect(text).not.toContain((body.passwordProfile as { password: string }).password);
    expect(target.local.requestLog().length).toBe(log.value.length);
  });

  it('when the request log is cleared, then it is empty', async () => {
    expect((await inspect('/requests', { method: 'DELETE' })).status).toBe(204);
    expect(target.local.requestLog()).toEqual([]);
  });

  it('when the directory is reset, then users created since are gone', async () => {
    const body = newUserBody(target);
    await graphClient(target).api('/users').post(body);
    expect((await inspect('/reset', { method: 'POST' })).status).toBe(200);
    expect(target.local.directory().users.some((user) => user.userPrincipalName === body.userPrincipalName)).toBe(false);
  });

  it('when faults and throttling are read, then their current settings come back', async () => {
    target.local.setFaults({ latencyMs: 5 });
    expect((await inspect('/faults')).body.latencyMs).toBe(5);
    expect((await inspect('/throttling')).body.enabled).toBe(true);
    target.local.setFaults({});
  });

  it('when the bot sends a mail, then /_tenant/outbox lists it and /_tenant/outbox/{id} shows its body as HTML that runs no script', async () => {
    await fetch(`${target.local.inspectionUrl}/outbox`, { method: 'DELETE' });
    const graph = graphClient(target);
    await graph.api('/users/onboarding@contoso.com/sendMail').post({
      message: {
        subject: 'Hello', body: { contentType: 'HTML', content: '<p>Welcome</p>' },
        toRecipients: [{ emailAddress: { address: 'new.person@example.org', name: 'New Person' } }],
      },
    });
    const { status, body } = await inspect('/outbox');
    expect(status).toBe(200);
    expect(body.value).toHaveLength(1);
    expect(body.value[0]).toMatchObject({
      from: 'onboarding@contoso.com', subject: 'Hello', savedToSentItems: true,
      toRecipients: [{ address: 'new.person@example.org', name: 'New Person' }], ccRecipients: [], bccRecipients: [],
    });
    const page = await fetch(`${target.local.inspectionUrl}/outbox/${body.value[0].id}`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toBe('<p>Welcome</p>');
    expect((await inspect('/outbox/no-such-mail')).status).toBe(404);
    expect((await fetch(`${target.local.inspectionUrl}/outbox`, { method: 'DELETE' })).status).toBe(204);
    expect((await inspect('/outbox')).body.value).toEqual([]);
  });
});
