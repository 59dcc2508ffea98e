/**
 * The guest adapter against a stubbed fetch: the real Graph client and its middleware run,
 * only the network is replaced — for the answers the local tenant plays only one way, or
 * not at all (a lost answer, Graph's refusal texts as public sources quote them).
 * https://learn.microsoft.com/graph/api/invitation-post
 */
import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { createGraphGuestDirectory } from '../../src/directory/graph-guests.js';
import { graphErrorResponse, ok, stubGraphNetwork } from '../support/stubbed-graph.js';

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

const net = stubGraphNetwork();
const graphError = (status: number, code: string, message: string) => graphErrorResponse(status, code, message);

const guests = () => createGraphGuestDirectory({
  baseUrl: 'https://127.0.0.1:8443', tenantId: '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93', credential: { kind: 'tokenCredential', credential },
  maxRetryAfterSeconds: 5, readRetryDelaySeconds: 0,
});
const invitation = { email: 'jane.doe@tailspin.example', displayName: 'Jane Doe', redirectUrl: 'https://teams.microsoft.com/?tenantId=t', sendInvitationMessage: true };

describe('POST /invitations through the Graph client', () => {
  it('when Graph invites, then the body is the documented one (no custom message: dropped for app-only senders) and the redeem link comes back sealed in a Secret', async () => {
    net.answers = [() => ok({
      id: 'inv-1', inviteRedeemUrl: 'https://login.microsoftonline.com/redeem?rd=secret-ticket', status: 'PendingAcceptance',
      invitedUser: { id: 'guest-1', userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com' },
    }, 201)];
    const outcome = await guests().invite(invitation);
    expect(net.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST https://127.0.0.1:8443/v1.0/invitations']);
    expect(JSON.parse(net.seen[0]!.body!)).toEqual({
      invitedUserEmailAddress: 'jane.doe@tailspin.example', invitedUserDisplayName: 'Jane Doe', inviteRedirectUrl: 'https://teams.microsoft.com/?tenantId=t', sendInvitationMessage: true,
    });
    expect(outcome).toMatchObject({ kind: 'invited', guest: { id: 'guest-1', userPrincipalName: 'jane.doe_tailspin.example#EXT#@contoso.onmicrosoft.com' }, invitationId: 'inv-1' });
    expect(JSON.stringify(outcome)).not.toContain('secret-ticket');
    expect(outcome.kind === 'invited' && outcome.redeemUrl.reveal()).toBe('https://login.microsoftonline.com/redeem?rd=secret-ticket');
  });

  it.each([503, 504])('when Graph answers %i, then the POST is not sent again (a second one would replace the link) and the outcome is ambiguous', async (status) => {
    net.answers = [() => graphError(status, 'ServiceUnavailable', 'try later'), () => ok({}, 201)];
    expect(await guests().invite(invitation)).toMatchObject({ kind: 'ambiguous', graphRequestId: `rid-${status}` });
    expect(net.seen).toHaveLength(1);
  });

  it('when the connection drops, then nothing is resent and the outcome is ambiguous', async () => {
    net.answers = [];
    expect(await guests().invite(invitation)).toMatchObject({ kind: 'ambiguous' });
    expect(net.seen).toHaveLength(1);
  });

  it.each([
    // missing User.Invite.All: the invite API's own answer, not the directory's 403 (microsoft-graph-docs issue #716)
    [401, 'Unauthorized', "Insufficient privileges to perform requested operation by the application '00000003-0000-0000-c000-000000000000'. ControllerName=MSGraphInviteAPI, ActionName=CreateInvite, URL absolute path=/api/t/invites", 'permission'],
    [403, 'Forbidden', 'Guest invitations not allowed for your company. Contact your company administrator for more details.', 'invitations-off'],
    [403, 'Forbidden', 'The domain of the user is currently blocked by your invitation policy.', 'domain-blocked'],
    [403, 'Forbidden', "This invitation is blocked by cross-tenant access settings. Admins in both your organization and the invited user's organization must configure cross-tenant access settings to allow the invitation.", 'cross-tenant'],
    [400, 'BadRequest', "This user cannot be invited because the domain of the user's email address is a verified domain of this directory.", 'own-domain'],
    [400, 'BadRequest', 'Invalid email address.', 'invalid'],
  ])('when Graph refuses with %i %s (%#), then it is the one refusal the text names, sent once', async (status, code, message, reason) => {
    net.answers = [() => graphError(status, code, message)];
    expect(await guests().invite(invitation)).toMatchObject({ kind: 'refused', reason, graphRequestId: `rid-${status}` });
    expect(net.seen).toHaveLength(1);
  });

  it('when the address belongs to a member ("already exists in the directory as objectID"), then that member is read and returned', async () => {
    const id = '00000000-0000-4000-8000-000000000022';
    net.answers = [
      () => graphError(400, 'BadRequest', `The invited user already exists in the directory as objectID: ${id}. They can use that account to sign in to shared apps and resources.`),
      () => ok({ id, userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance', userType: 'Member', creationType: null, externalUserState: null }),
    ];
    expect(await guests().invite(invitation)).toMatchObject({ kind: 'exists', person: { id, userPrincipalName: 'adele.vance@contoso.com', userType: 'Member' } });
  });

  it('when Graph throttles, then the Retry-After (fractional, as documented) comes back for the workflow to wait', async () => {
    net.answers = [() => new Response(JSON.stringify({ error: { code: 'TooManyRequests', message: 'Please retry again later.' } }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '2.128' } })];
    expect(await guests().invite(invitation)).toMatchObject({ kind: 'throttled', retryAfterSeconds: 2.128 });
    expect(net.seen).toHaveLength(1);
  });
});

describe('the writes after an invitation', () => {
  it('when the requester is already a sponsor, then Graph’s "already exist" answer counts as set (learn.microsoft.com/graph/api/user-post-sponsors)', async () => {
    net.answers = [() => graphError(400, 'Request_BadRequest', "One or more added object references already exist for the following modified properties: 'sponsors'.")];
    expect(await guests().addSponsor('guest-1', 'sponsor-1')).toEqual({ kind: 'set' });
    expect(net.seen[0]).toMatchObject({ method: 'POST', url: 'https://127.0.0.1:8443/v1.0/users/guest-1/sponsors/$ref' });
    expect(JSON.parse(net.seen[0]!.body!)).toEqual({ '@odata.id': 'https://127.0.0.1:8443/v1.0/users/sponsor-1' });
  });

  it('when externalUserState is written "Pending Acceptance" (as user-properties.md shows it), then it reads as PendingAcceptance', async () => {
    net.answers = [() => ok({ externalUserState: 'Pending Acceptance', externalUserStateChangeDateTime: '2026-01-05T09:00:00Z' })];
    expect(await guests().invitationState('guest-1')).toEqual({ state: 'PendingAcceptance', changedAt: '2026-01-05T09:00:00Z' });
  });
});
