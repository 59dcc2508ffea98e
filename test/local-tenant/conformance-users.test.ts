import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@microsoft/microsoft-graph-client';
import { graphClient, graphFailure, newUserBody, openTarget, rawGraph, strongPassword, uniqueAlias, type ConformanceTarget, type Json } from './target.js';

let target: ConformanceTarget;
let graph: Client;
const created: string[] = [];

beforeAll(async () => {
  target = await openTarget();
  graph = graphClient(target);
});
afterAll(async () => {
  for (const id of created) await graph.api(`/users/${id}`).delete().catch(() => undefined);
  await target.close();
});

async function createUser(overrides: Record<string, unknown> = {}): Promise<Json> {
  const user = await graph.api('/users').post(newUserBody(target, overrides));
  created.push(user.id);
  return user;
}

describe('POST /users', () => {
  it('when a valid user is posted, then 201 returns the default property set without passwordProfile', async () => {
    const body = newUserBody(target, { givenName: 'Ada', surname: 'Lovelace', jobTitle: 'Engineer' });
    const response = await rawGraph(target, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    created.push(response.body.id);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ userPrincipalName: body.userPrincipalName, givenName: 'Ada', surname: 'Lovelace', jobTitle: 'Engineer', displayName: 'Conformance Test User' });
    expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toHaveProperty('passwordProfile');
    expect(JSON.stringify(response.body)).not.toContain((body.passwordProfile as { password: string }).password);
  });

  it('when a user is created, then it is unlicensed and keeps the HR properties and extension attributes', async () => {
    const user = await createUser({
      employeeHireDate: '2030-01-15T00:00:00Z', employeeType: 'Employee', department: 'Finance', companyName: 'Contoso',
      officeLocation: 'Building 1', usageLocation: 'JP', onPremisesExtensionAttributes: { extensionAttribute1: 'onboarding:req-42' },
    });
    const read = await graph.api(`/users/${user.id}`)
      .select('assignedLicenses,employeeHireDate,employeeType,department,companyName,officeLocation,usageLocation,onPremisesExtensionAttributes,createdDateTime,mailNickname,accountEnabled')
      .get();
    expect(read).toMatchObject({
      assignedLicenses: [], employeeHireDate: '2030-01-15T00:00:00Z', employeeType: 'Employee', department: 'Finance',
      companyName: 'Contoso', officeLocation: 'Building 1', usageLocation: 'JP', accountEnabled: true,
    });
    expect(read.onPremisesExtensionAttributes.extensionAttribute1).toBe('onboarding:req-42');
    expect(read.onPremisesExtensionAttributes.extensionAttribute2).toBeNull();
    expect(Date.parse(read.createdDateTime)).not.toBeNaN();
  });

  it.each([
    ['accountEnabled', { accountEnabled: undefined }],
    ['displayName', { displayName: undefined }],
    ['mailNickname', { mailNickname: undefined }],
    ['passwordProfile', { passwordProfile: undefined }],
    ['userPrincipalName', { userPrincipalName: undefined }],
  ])('when %s is missing, then 400 names the property', async (property, overrides) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, overrides)));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    expect(error.message).toBe(`A value is required for property '${property}' of resource 'User'.`);
  });

  const invalidValues = 'One or more properties contains invalid values.';
  it.each([
    ['an accented character in the UPN', () => ({ userPrincipalName: `josé.${uniqueAlias()}@${target.domains.managed}` }), invalidValues],
    ['a dot right before @', () => ({ userPrincipalName: `${uniqueAlias()}.@${target.domains.managed}` }), invalidValues],
    ['a UPN alias longer than 64', () => ({ userPrincipalName: `${'a'.repeat(65)}@${target.domains.managed}` }), invalidValues],
    ['a UPN without @', () => ({ userPrincipalName: uniqueAlias() }), invalidValues],
    ['an unverified domain', () => ({ userPrincipalName: `${uniqueAlias()}@${target.domains.unverified}` }), 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.'],
    ['a domain of another tenant', () => ({ userPrincipalName: `${uniqueAlias()}@not-ours.example` }), 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.'],
    ['a federated domain without onPremisesImmutableId', () => ({ userPrincipalName: `${uniqueAlias()}@${target.domains.federated}` }), invalidValues],
  ])('when the user has %s, then 400 Request_BadRequest', async (_name, overrides, message) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, overrides())));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    expect(error.message).toBe(message);
  });

  // https://learn.microsoft.com/en-us/graph/api/user-post-users (mailNickname; the message and details as a tenant answers)
  it.each([
    ['a space', 'two words'],
    ['@', 'a@b'],
  ])('when the mailNickname has %s, then 400 names the property and lists it in the details', async (_name, mailNickname) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, { mailNickname })));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
    expect(error.message).toBe("Invalid value specified for property 'mailNickname' of resource 'User'.");
    expect(JSON.parse(error.body).details).toEqual([expect.objectContaining({ target: 'mailNickname' })]);
  });

  it.each([
    ['a displayName longer than 256', { displayName: 'x'.repeat(257) }],
    ['a mailNickname longer than 64', { mailNickname: 'm'.repeat(65) }],
    ['a givenName longer than 64', { givenName: 'g'.repeat(65) }],
    ['a usageLocation that is not ISO 3166', { usageLocation: 'XX' }],
  ])('when the user has %s, then 400', async (_name, overrides) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, overrides)));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_BadRequest');
  });

  it.each([
    ['too short', 'Ab1!xyz'],
    ['only two character classes', 'abcdefgh12345'],
    ['a commonly banned password', 'P@ssw0rd123'],
    ['a non-ASCII character', 'Ünïcødé!234'],
  ])('when the password is %s, then 400 with the complexity message', async (_name, password) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, { passwordProfile: { password } })));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('The specified password does not comply with password complexity requirements. Please provide a different password.');
  });

  // https://learn.microsoft.com/en-us/entra/identity/authentication/concept-password-ban-bad ("Substring matching
  // ... the user's first and last name as well as the tenant name"; "only enforced for names ... at least four characters long")
  it.each([
    ['last name', { givenName: 'Zebulon', surname: 'Quartermain' }, 'Quartermain#2031'],
    ['first name', { givenName: 'Zebulon', surname: 'Quartermain' }, 'Xq7!zebulonRR'],
  ])('when the password contains the user\'s %s (4+ characters), then it is refused', async (_name, names, password) => {
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, { ...names, passwordProfile: { password } })));
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('password complexity');
  });

  it('when the password contains a first and last name of three characters, then it is accepted', async () => {
    const user = await createUser({ givenName: 'Ada', surname: 'Kim', passwordProfile: { forceChangePasswordNextSignIn: true, password: `Ada${strongPassword()}Kim` } });
    expect(user.givenName).toBe('Ada');
  });

  it('when a federated-domain user brings onPremisesImmutableId, then it is created', async () => {
    const alias = uniqueAlias();
    const user = await createUser({ userPrincipalName: `${alias}@${target.domains.federated}`, mailNickname: alias, onPremisesImmutableId: `imm-${alias.replace('.', '-')}` });
    expect(user.userPrincipalName).toBe(`${alias}@${target.domains.federated}`);
  });

  it.each([
    ['userPrincipalName', (existing: Json) => ({ userPrincipalName: existing.userPrincipalName.toUpperCase() })],
    ['mailNickname', (existing: Json, alias: string) => ({ mailNickname: existing.mailNickname, userPrincipalName: `${alias}@${target.domains.managed}` })],
  ])('when the %s is already taken, then 400 with ObjectConflict details', async (property, overrides) => {
    const existing = await createUser();
    const read = await graph.api(`/users/${existing.id}`).select('userPrincipalName,mailNickname').get();
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, overrides(read, uniqueAlias()))));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe(`Another object with the same value for property ${property} already exists.`);
    expect(JSON.parse(error.body).details).toEqual([{ code: 'ObjectConflict', target: property }]);
  });

  it('when the UPN equals another user\'s proxy address, then 400 ObjectConflict on proxyAddresses', async () => {
    const alias = uniqueAlias();
    await createUser({ mailNickname: alias, mail: `${alias}.alias@${target.domains.managed}` });
    const error = await graphFailure(graph.api('/users').post(newUserBody(target, { userPrincipalName: `${alias}.alias@${target.domains.managed}` })));
    expect(error.statusCode).toBe(400);
    expect(JSON.parse(error.body).details).toEqual([{ code: 'ObjectConflict', target: 'proxyAddresses' }]);
  });
});

describe('GET /users/{id | userPrincipalName}', () => {
  it.each([
    ['object id', (user: Json) => `/users/${user.id}`],
    ['userPrincipalName', (user: Json) => `/users/${user.userPrincipalName}`],
    ["users('…') key syntax", (user: Json) => `/users('${user.userPrincipalName}')`],
  ])('when a user is read by %s, then the default property set comes back', async (_name, path) => {
    const user = await createUser();
    const read = await graph.api(path(user)).get();
    expect(read.id).toBe(user.id);
    expect(Object.keys(read).filter((key) => !key.startsWith('@')).sort()).toEqual(
      ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'],
    );
  });

  it('when the UPN starts with $, then /users/$x fails and /users(\'$x\') works', async () => {
    const alias = `$${uniqueAlias().replace('.', '')}`;
    const user = await createUser({ userPrincipalName: `${alias}@${target.domains.managed}`, mailNickname: alias.slice(1) });
    const direct = await rawGraph(target, `/users/${alias}@${target.domains.managed}`);
    expect(direct.status).toBe(400);
    const keyed = await graph.api(`/users('${alias}@${target.domains.managed}')`).get();
    expect(keyed.id).toBe(user.id);
  });

  it('when the UPN contains #, then it is read with %23', async () => {
    const alias = `hash#${uniqueAlias().replace('.', '')}`;
    const user = await createUser({ userPrincipalName: `${alias}@${target.domains.managed}`, mailNickname: alias.replace('#', '') });
    const read = await graph.api(`/users/${alias.replace('#', '%23')}@${target.domains.managed}`).get();
    expect(read.id).toBe(user.id);
  });

  it('when the user does not exist, then 404 Request_ResourceNotFound with Graph\'s error body', async () => {
    const key = `${uniqueAlias()}@${target.domains.managed}`;
    const response = await rawGraph(target, `/users/${key}`, { headers: { 'client-request-id': 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' } });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('Request_ResourceNotFound');
    expect(response.body.error.message).toBe(`Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
    expect(response.body.error.innerError).toMatchObject({ 'request-id': response.headers.get('request-id'), 'client-request-id': 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' });
    expect(response.body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('when $select names properties, then only those come back', async () => {
    const user = await createUser();
    const read = await graph.api(`/users/${user.id}`).select(['id', 'mailNickname', 'accountEnabled']).get();
    expect(Object.keys(read).filter((key) => !key.startsWith('@')).sort()).toEqual(['accountEnabled', 'id', 'mailNickname']);
  });

  it('when $select names an unknown property, then 400', async () => {
    const error = await graphFailure(graph.api('/users').select('noSuchProperty').get());
    expect(error.statusCode).toBe(400);
  });
});

describe('GET /users with $filter, $count and paging', () => {
  it.each([
    ['userPrincipalName eq', (u: Json) => `userPrincipalName eq '${u.userPrincipalName}'`],
    ['mailNickname eq', (u: Json) => `mailNickname eq '${u.mailNickname}'`],
    ['startsWith(userPrincipalName)', (u: Json) => `startsWith(userPrincipalName,'${u.userPrincipalName.split('@')[0]}')`],
    ['userPrincipalName in', (u: Json) => `userPrincipalName in ('nobody@${target.domains.managed}','${u.userPrincipalName}')`],
    ['and/or', (u: Json) => `(mailNickname eq 'nobody-x' or mailNickname eq '${u.mailNickname}') and accountEnabled eq true`],
    ['proxyAddresses/any', (u: Json) => `proxyAddresses/any(p:p eq 'smtp:${u.mail}')`],
  ])('when filtering by %s, then exactly the matching user comes back', async (_name, filter) => {
    const alias = uniqueAlias();
    const user = await createUser({ mailNickname: alias, mail: `${alias}@${target.domains.managed}` });
    const read = await graph.api(`/users/${user.id}`).select('userPrincipalName,mailNickname,mail').get();
    const page = await graph.api('/users').filter(filter(read)).select('id').get();
    expect(page.value.map((u: Json) => u.id)).toEqual([user.id]);
  });

  it("when a filter literal holds a quote, then doubling it ('') matches the name", async () => {
    const alias = `o'${uniqueAlias().replace('.', '')}`;
    const user = await createUser({ userPrincipalName: `${alias}@${target.domains.managed}`, mailNickname: alias.replace("'", '') });
    const page = await graph.api('/users').filter(`userPrincipalName eq '${alias.replace("'", "''")}@${target.domains.managed}'`).get();
    expect(page.value.map((u: Json) => u.id)).toEqual([user.id]);
  });

  it('when endsWith is used without ConsistencyLevel: eventual, then 400 Request_UnsupportedQuery', async () => {
    const error = await graphFailure(graph.api('/users').filter(`endsWith(userPrincipalName,'@${target.domains.managed}')`).get());
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('Request_UnsupportedQuery');
  });

  it('when endsWith comes with ConsistencyLevel: eventual and $count=true, then @odata.count is returned', async () => {
    const user = await createUser();
    const page = await graph.api('/users').header('ConsistencyLevel', 'eventual').count(true)
      .filter(`endsWith(userPrincipalName,'${user.userPrincipalName.slice(3)}')`).get();
    expect(page['@odata.count']).toBe(1);
    expect(page.value[0].id).toBe(user.id);
  });

  it('when $top is smaller than the result, then @odata.nextLink pages through every user exactly once', async () => {
    await createUser();
    await createUser();
    const all = await graph.api('/users').select('id').top(999).get();
    const seen: string[] = [];
    let page = await graph.api('/users').select('id').top(2).get();
    for (;;) {
      expect(page.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.value.map((u: Json) => u.id));
      if (!page['@odata.nextLink']) break;
      page = await graph.api(page['@odata.nextLink']).get();
    }
    expect(seen.sort()).toEqual(all.value.map((u: Json) => u.id).sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it.each(['0', 'abc'])('when $top=%s, then 400', async (top) => {
    const response = await rawGraph(target, `/users?$top=${top}`);
    expect(response.status).toBe(400);
  });
});

describe('PATCH, DELETE, restore and manager', () => {
  it('when a user is patched (incl. a password reset), then 204 and the change is visible', async () => {
    const user = await createUser();
    const response = await rawGraph(target, `/users/${user.id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jobTitle: 'Analyst', passwordProfile: { password: strongPassword(), forceChangePasswordNextSignIn: true }, onPremisesExtensionAttributes: { extensionAttribute3: 'x' } }),
    });
    expect(response.status).toBe(204);
    const read = await graph.api(`/users/${user.id}`).select('jobTitle,onPremisesExtensionAttributes').get();
    expect(read.jobTitle).toBe('Analyst');
    expect(read.onPremisesExtensionAttributes.extensionAttribute3).toBe('x');
  });

  it('when a password reset is too weak, then 400 and nothing changes', async () => {
    const user = await createUser();
    const error = await graphFailure(graph.api(`/users/${user.id}`).patch({ jobTitle: 'Changed', passwordProfile: { password: 'weak' } }));
    expect(error.statusCode).toBe(400);
    expect((await graph.api(`/users/${user.id}`).select('jobTitle').get()).jobTitle).toBeNull();
  });

  it('when a user is deleted, then it is gone, listed in deletedItems, and restorable', async () => {
    const user = await createUser();
    await graph.api(`/users/${user.id}`).delete();
    expect((await graphFailure(graph.api(`/users/${user.id}`).get())).statusCode).toBe(404);
    expect((await graphFailure(graph.api(`/users/${user.userPrincipalName}`).get())).statusCode).toBe(404);
    const deleted = await graph.api(`/directory/deletedItems/${user.id}`).get();
    expect(Date.parse(deleted.deletedDateTime)).not.toBeNaN();
    const restored = await graph.api(`/directory/deletedItems/${user.id}/restore`).post({});
    expect(restored.id).toBe(user.id);
    expect((await graph.api(`/users/${user.id}`).get()).id).toBe(user.id);
  });

  it('when a manager is set, then GET /manager returns that user', async () => {
    const manager = await createUser();
    const report = await createUser();
    await graph.api(`/users/${report.id}/manager/$ref`).put({ '@odata.id': `https://graph.microsoft.com/v1.0/users/${manager.id}` });
    const read = await graph.api(`/users/${report.id}/manager`).get();
    expect(read.id).toBe(manager.id);
  });

  it('when a user has no manager, then GET /manager is 404', async () => {
    const user = await createUser();
    const error = await graphFailure(graph.api(`/users/${user.id}/manager`).get());
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('Request_ResourceNotFound');
  });
});
