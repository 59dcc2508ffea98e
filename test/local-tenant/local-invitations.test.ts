import { ClientSecretCredential } from '@azure/identity';
import { beforeEach, describe, expect, it } from 'vitest';
import { graphClient, localTargetPerFile, rawGraph, uniqueAlias, type ConformanceTarget, type Json } from './target.js';
import type { LocalTenant } from '../../src/local-tenant/server.js';

// The tenant settings that refuse invitations, switched locally (a real tenant changes them in the Entra admin
// center), the invitation mail, and redemption — which Entra does interactively.
const EXTERNAL_COLLABORATION = 'https://learn.microsoft.com/en-us/entra/external-id/external-collaboration-settings-configure';
const ALLOW_DENY_LIST = 'https://learn.microsoft.com/en-us/entra/external-id/allow-deny-list';
const TROUBLESHOOT_B2B = 'https://learn.microsoft.com/en-us/entra/external-id/troubleshoot';
const INVITATION_EMAIL = 'https://learn.microsoft.com/en-us/entra/external-id/invitation-email-elements';
const REDEMPTION = 'https://learn.microsoft.com/en-us/entra/external-id/redemption-experience';
const LEAVE_DATE = 'https://learn.microsoft.com/en-us/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime';

const current = localTargetPerFile();
let target: ConformanceTarget & { local: LocalTenant };
beforeEach(() => {
  target = current();
});

const email = (domain = 'litware.example') => `${uniqueAlias('guest')}@${domain}`;
const invite = (address: string, more: Record<string, unknown> = {}) => rawGraph(target, '/invitations', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invitedUserEmailAddress: address, inviteRedirectUrl: 'https://teams.microsoft.com/', ...more }),
});
const inspect = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${target.local.inspectionUrl}${path}`, init);
  return { status: response.status, body: await response.json() as Json };
};
const redeem = (body: unknown) => inspect('/invitations/redeem', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const guest = async (id: string) => (await rawGraph(target, `/users/${id}?$select=externalUserState,externalUserStateChangeDateTime,identities`)).body;

describe(`refusals (${EXTERNAL_COLLABORATION}, ${ALLOW_DENY_LIST}, ${TROUBLESHOOT_B2B}) — local tenant only`, () => {
  it.each([
    ['none', 403],
    ['adminsAndGuestInviters', 403],
    ['adminsGuestInvitersAndAllMembers', 201],
    ['everyone', 201],
  ] as const)('when allowInvitesFrom is %s, then an app\'s invitation answers %s', async (allowInvitesFrom, status) => {
    target.local.setExternalCollaboration({ allowInvitesFrom });
    const response = await invite(email());
    expect(response.status).toBe(status);
    if (status === 403) {
      expect(response.body.error.message).toBe('Guest invitations not allowed for your company. Contact your company administrator for more details.');
      expect((await inspect('/invitations')).body.value).toEqual([]);
    }
  });

  it('when the domain is on the blocklist, or missing from an allowlist, then 403 "…blocked by your invitation policy"; listed on an allowlist, 201', async () => {
    target.local.setExternalCollaboration({ domainRestriction: { kind: 'block', domains: ['Litware.example'] } });
    const blocked = await invite(email());
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.message).toBe('The domain of the user is currently blocked by your invitation policy.');
    expect((await invite(email('adatum.example'))).status).toBe(201);
    target.local.setExternalCollaboration({ domainRestriction: { kind: 'allow', domains: ['adatum.example'] } });
    expect((await invite(email())).status).toBe(403);
    expect((await invite(email('adatum.example'))).status).toBe(201);
  });

  it('when the invitee\'s organisation blocks B2B collaboration in cross-tenant access, then 403 with Microsoft\'s sentence', async () => {
    target.local.setExternalCollaboration({ crossTenantAccessBlockedDomains: ['tailspin.example'] });
    const response = await invite(email('tailspin.example'));
    expect(response.status).toBe(403);
    expect(response.body.error.message).toBe("This invitation is blocked by cross-tenant access settings. Admins in both your organization and the invited user's organization must configure cross-tenant access settings to allow the invitation.");
  });

  it('when the settings are replaced with something malformed, then 400 and they stay as they were', async () => {
    const bad = await inspect('/externalCollaboration', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowInvitesFrom: 'anyone' }) });
    expect(bad.status).toBe(400);
    expect((await inspect('/externalCollaboration')).body).toEqual({ allowInvitesFrom: 'everyone', domainRestriction: null, crossTenantAccessBlockedDomains: [] });
  });

  // https://learn.microsoft.com/en-us/graph/throttling-limits: a POST on an identity path is one write.
  it('when invitations exceed the write budget, then 429 WriteLimitExceeded and no guest is made', async () => {
    target.local.setThrottling({ writesPerWindow: 1, writeWindowSeconds: 3600 });
    expect((await invite(email())).status).toBe(201);
    const throttled = await invite(email());
    expect(throttled.status).toBe(429);
    expect((await inspect('/invitations')).body.value).toHaveLength(1);
  });
});

describe(`the invitation mail (${INVITATION_EMAIL}, ${TROUBLESHOOT_B2B}) — local tenant only`, () => {
  it('when sendInvitationMessage is true, then Microsoft\'s invitation reaches the outbox from invites@microsoft.com with the redeem link, and without the custom message an app sent', async () => {
    await fetch(`${target.local.inspectionUrl}/outbox`, { method: 'DELETE' });
    const address = email();
    const response = await invite(address, {
      sendInvitationMessage: true, invitedUserDisplayName: 'Jane Doe',
      invitedUserMessageInfo: { customizedMessageBody: 'Welcome, requested by Megan (INC-5100).', ccRecipients: [{ emailAddress: { address: 'megan.bowen@contoso.com' } }] },
    });
    expect(response.status).toBe(201);
    expect(response.body.invitedUserMessageInfo.customizedMessageBody).toBe('Welcome, requested by Megan (INC-5100).');
    const [mail] = (await inspect('/outbox')).body.value as Json[];
    expect(mail).toMatchObject({
      from: 'invites@microsoft.com',
      subject: 'Contoso invited you to access applications within their organization',
      toRecipients: [{ address, name: 'Jane Doe' }],
      ccRecipients: [{ address: 'megan.bowen@contoso.com' }],
    });
    expect(mail.body.content).toContain(response.body.inviteRedeemUrl.replace(/&/g, '&amp;'));
    expect(mail.textBody).toContain('proceed with caution');
    expect(JSON.stringify(mail)).not.toContain('INC-5100');
  });

  it('when sendInvitationMessage is left out, then no mail is sent (the default is false)', async () => {
    await fetch(`${target.local.inspectionUrl}/outbox`, { method: 'DELETE' });
    expect((await invite(email())).status).toBe(201);
    expect((await inspect('/outbox')).body.value).toEqual([]);
  });
});

describe(`redemption, played locally (${REDEMPTION}) — local tenant only`, () => {
  it('when the guest redeems the newest link, then Accepted with the time and their identity provider; an older link no longer works', async () => {
    const address = email();
    const first = await invite(address);
    const second = await invite(address);
    const stale = await redeem({ inviteRedeemUrl: first.body.inviteRedeemUrl });
    expect(stale.status).toBe(400);
    expect(stale.body.error.message).toMatch(/no longer valid/);
    expect((await guest(first.body.invitedUser.id)).externalUserState).toBe('PendingAcceptance');
    const accepted = await redeem({ inviteRedeemUrl: second.body.inviteRedeemUrl });
    expect(accepted.status).toBe(200);
    const read = await guest(second.body.invitedUser.id);
    expect(read).toMatchObject({ externalUserState: 'Accepted', identities: [{ signInType: 'federated', issuer: 'ExternalAzureAD', issuerAssignedId: null }] });
    expect(Date.parse(read.externalUserStateChangeDateTime)).toBeGreaterThanOrEqual(Date.parse(accepted.body.externalUserStateChangeDateTime) - 1000);
    const again = await invite(address);
    expect(again.body).toMatchObject({ status: 'Completed', invitedUser: { id: second.body.invitedUser.id } });
  });

  it('when an invitation is redeemed by the guest\'s email with email one-time passcode, then Accepted with issuer mail', async () => {
    const address = email();
    const { body } = await invite(address);
    expect((await redeem({ user: address, identityProvider: 'mail' })).status).toBe(200);
    expect((await guest(body.invitedUser.id)).identities).toEqual([{ signInType: 'federated', issuer: 'mail', issuerAssignedId: null }]);
  });

  it('when the guest\'s domain was blocked after the invitation, then redemption fails ("the user\'s attempt to redeem the invitation fails")', async () => {
    const address = email();
    const { body } = await invite(address);
    target.local.setExternalCollaboration({ domainRestriction: { kind: 'block', domains: ['litware.example'] } });
    expect((await redeem({ inviteRedeemUrl: body.inviteRedeemUrl })).status).toBe(403);
    expect((await guest(body.invitedUser.id)).externalUserState).toBe('PendingAcceptance');
  });

  it('when a link is made up, names nobody, or the provider is unknown, then 400 or 404 and nothing changes', async () => {
    const { body } = await invite(email());
    const forged = body.inviteRedeemUrl.replace(/ticket%3D[^%]+/, 'ticket%3Dforged');
    expect((await redeem({ inviteRedeemUrl: forged })).status).toBe(400);
    expect((await redeem({ user: 'nobody@litware.example' })).status).toBe(404);
    expect((await redeem({ inviteRedeemUrl: body.inviteRedeemUrl, identityProvider: 'myspace.com' })).status).toBe(400);
    expect((await redeem({})).status).toBe(400);
    expect((await guest(body.invitedUser.id)).externalUserState).toBe('PendingAcceptance');
  });

  it('when invitations are listed or the directory is saved, then the redeem link\'s ticket is nowhere in clear', async () => {
    const { body } = await invite(email());
    const ticket = new URL(new URL(body.inviteRedeemUrl).searchParams.get('rd') as string).searchParams.get('ticket') as string;
    expect(ticket.length).toBeGreaterThan(20);
    expect(JSON.stringify((await inspect('/invitations')).body)).not.toContain(ticket);
    expect(JSON.stringify(target.local.directory())).not.toContain(ticket);
    expect(JSON.stringify(target.local.requestLog())).not.toContain(ticket);
  });
});

describe(`employeeLeaveDateTime (${LEAVE_DATE}) — local tenant only`, () => {
  it('when the bot (User.ReadWrite.All, no User-LifeCycleInfo.ReadWrite.All) sets it, then 403; an app holding it sets and reads it', async () => {
    const { body } = await invite(email());
    const refused = await rawGraph(target, `/users/${body.invitedUser.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ employeeLeaveDateTime: '2031-03-31T23:59:59Z' }) });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('Authorization_RequestDenied');
    const admin = target.local.apps.find((app) => app.displayName === 'Entra Admin (local)')!;
    const lifecycle = graphClient(target, new ClientSecretCredential(target.tenantId, admin.clientId, admin.clientSecret, { authorityHost: target.authorityHost, disableInstanceDiscovery: true }));
    await lifecycle.api(`/users/${body.invitedUser.id}`).patch({ employeeLeaveDateTime: '2031-03-31T23:59:59Z' });
    expect((await lifecycle.api(`/users/${body.invitedUser.id}`).select('employeeLeaveDateTime').get()).employeeLeaveDateTime).toBe('2031-03-31T23:59:59Z');
  });
});
