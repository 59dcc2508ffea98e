import { describe, expect, it } from 'vitest';
import { conformanceSession, graphClient, graphFailure, guestDomain, rawGraph, secretCredential, uniqueAlias, type Json } from './target.js';

// B2B guests: inviting, finding the guest again, what Graph refuses, sponsors.
const CREATE_INVITATION = 'https://learn.microsoft.com/en-us/graph/api/invitation-post';
const INVITATION = 'https://learn.microsoft.com/en-us/graph/api/resources/invitation';
const GUEST_PROPERTIES = 'https://learn.microsoft.com/en-us/entra/external-id/user-properties';
const USER_RESOURCE = 'https://learn.microsoft.com/en-us/graph/api/resources/user';
const TAP_HOWTO = 'https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass';
const ADD_SPONSOR = 'https://learn.microsoft.com/en-us/graph/api/user-post-sponsors';
const LIST_SPONSORS = 'https://learn.microsoft.com/en-us/graph/api/user-list-sponsors';

const session = conformanceSession();
const newEmail = () => `${uniqueAlias('guest')}@${guestDomain(session.target)}`;
const invite = async (body: Record<string, unknown>) => {
  const response = await rawGraph(session.target, '/invitations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status === 201) session.deleteAfterwards(response.body.invitedUser.id);
  return response;
};
const invitation = (email: string, more: Record<string, unknown> = {}) => ({ invitedUserEmailAddress: email, inviteRedirectUrl: 'https://myapps.microsoft.com', ...more });

describe(`inviting a guest (${CREATE_INVITATION}, ${INVITATION})`, () => {
  it('when an external email is invited, then 201 with the invitation: a redeem link, PendingAcceptance and the invited user', async () => {
    const email = newEmail();
    const response = await invite(invitation(email, { invitedUserDisplayName: 'Jane Doe' }));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      invitedUserEmailAddress: email, invitedUserDisplayName: 'Jane Doe', invitedUserType: 'Guest', inviteRedirectUrl: 'https://myapps.microsoft.com',
      sendInvitationMessage: false, status: 'PendingAcceptance', invitedUser: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
    expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new URL(response.body.inviteRedeemUrl).protocol).toBe('https:');
  });

  it(`when the guest is read, then userType Guest, the #EXT# user name on the initial domain, the email as mail, creationType Invitation, PendingAcceptance (${GUEST_PROPERTIES}, ${USER_RESOURCE})`, async () => {
    const email = newEmail();
    const { body } = await invite(invitation(email));
    const guest = await session.graph.api(`/users/${body.invitedUser.id}`)
      .select('userType,userPrincipalName,mail,creationType,externalUserState,externalUserStateChangeDateTime,otherMails').get();
    expect(guest).toMatchObject({
      userType: 'Guest', mail: email, creationType: 'Invitation', externalUserState: 'PendingAcceptance',
      userPrincipalName: `${email.replace('@', '_')}#EXT#@${session.target.domains.initial}`,
    });
    expect(Date.parse(guest.externalUserStateChangeDateTime)).not.toBeNaN();
  });

  it('when the same email is invited again, then the same guest comes back with a new redeem link', async () => {
    const email = newEmail();
    const first = await invite(invitation(email));
    const second = await invite(invitation(email));
    expect(second.status).toBe(201);
    expect(second.body.invitedUser.id).toBe(first.body.invitedUser.id);
    expect(second.body.inviteRedeemUrl).not.toBe(first.body.inviteRedeemUrl);
  });

  it("when guests are looked for by mail, otherMails and userType, then the invited one is found (the user resource's $filter support)", async () => {
    const email = newEmail();
    const { body } = await invite(invitation(email));
    const byMail = await session.graph.api('/users').filter(`mail eq '${email}'`).select('id,userType').get();
    expect(byMail.value).toEqual([{ id: body.invitedUser.id, userType: 'Guest' }]);
    const byOtherMails = await session.graph.api('/users').filter(`otherMails/any(x:x eq '${email}')`).select('id').get();
    expect(byOtherMails.value.map((user: Json) => user.id)).toEqual([body.invitedUser.id]);
    const guests = await session.graph.api('/users').filter("userType eq 'Guest'").select('id').top(999).get();
    expect(guests.value.map((user: Json) => user.id)).toContain(body.invitedUser.id);
  });

  it('when the email is that of a member of the tenant, then 400 naming the member, and no guest is made', async () => {
    const email = newEmail();
    const member = await session.createUser({ mail: email });
    const response = await invite(invitation(email));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe(`The invited user already exists in the directory as objectID: ${member.id}. They can use that account to sign in to shared apps and resources.`);
    const found = await session.graph.api('/users').filter(`mail eq '${email}'`).select('id').get();
    expect(found.value.map((user: Json) => user.id)).toEqual([member.id]);
  });

  it("when the email is on one of the tenant's verified domains, then 400 \"This user cannot be invited because the domain of the user's email address is a verified domain of this directory.\"", async () => {
    const response = await invite(invitation(`${uniqueAlias('guest')}@${session.target.domains.managed}`));
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe("This user cannot be invited because the domain of the user's email address is a verified domain of this directory.");
  });

  // invitation resource, invitedUserEmailAddress: "The following special characters aren't permitted in the email address:
  // ~ ! # $ % ^ & * ( ) + = [ ] { } \\ / | ; : " < > ? ," — a period or hyphen anywhere but first or last, an underscore anywhere.
  // An apostrophe is not among them (names such as O'Brien).
  it.each([
    ['an apostrophe', "liam.o'brien", 201],
    ['an underscore first', '_liam', 201],
    ['a plus sign', 'liam+x', 400],
    ['a period first', '.liam', 400],
  ] as const)(`when the email's user name has %s (%s…), then %i (${INVITATION})`, async (_name, local, status) => {
    const response = await invite(invitation(`${local}.${uniqueAlias('g')}@${guestDomain(session.target)}`));
    expect(response.status).toBe(status);
  });

  it('when inviteRedirectUrl is missing, then 400', async () => {
    const response = await invite({ invitedUserEmailAddress: newEmail() });
    expect(response.status).toBe(400);
  });

  it('when the app lacks User.Invite.All, then the invitation service answers 401 Unauthorized (not the directory\'s 403)', async () => {
    const reader = graphClient(session.target, secretCredential(session.target, session.target.reader));
    const error = await graphFailure(reader.api('/invitations').post(invitation(newEmail())));
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('Unauthorized');
    expect(error.message).toContain('ControllerName=MSGraphInviteAPI, ActionName=CreateInvite');
  });

  it(`when a Temporary Access Pass is created for a guest, then 400 "Temporary Access Pass cannot be added to an external guest user." (${TAP_HOWTO})`, async () => {
    const { body } = await invite(invitation(newEmail()));
    const response = await rawGraph(session.target, `/users/${body.invitedUser.id}/authentication/temporaryAccessPassMethods`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ lifetimeInMinutes: 60 }),
    });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('Temporary Access Pass cannot be added to an external guest user.');
  });
});

describe(`sponsors (${ADD_SPONSOR}, ${LIST_SPONSORS})`, () => {
  it('when a member is made the sponsor of a guest, then 204 and the guest lists them; removing answers 204', async () => {
    const { body } = await invite(invitation(newEmail()));
    const sponsor = await session.createUser();
    await session.graph.api(`/users/${body.invitedUser.id}/sponsors/$ref`).post({ '@odata.id': `https://graph.microsoft.com/v1.0/users/${sponsor.id}` });
    const sponsors = await session.graph.api(`/users/${body.invitedUser.id}/sponsors`).get();
    expect(sponsors.value.map((item: Json) => [item['@odata.type'], item.id])).toEqual([['#microsoft.graph.user', sponsor.id]]);
    await session.graph.api(`/users/${body.invitedUser.id}/sponsors/${sponsor.id}/$ref`).delete();
    expect((await session.graph.api(`/users/${body.invitedUser.id}/sponsors`).get()).value).toEqual([]);
  });

  it('when the sponsor does not exist, then 404', async () => {
    const { body } = await invite(invitation(newEmail()));
    const error = await graphFailure(session.graph.api(`/users/${body.invitedUser.id}/sponsors/$ref`).post({ '@odata.id': 'https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-00000000dead' }));
    expect(error.statusCode).toBe(404);
  });
});
