/**
 * The template adapter (groups and licences) with the real Graph client against the local
 * tenant over HTTPS: each answer read as Microsoft documents it.
 *  - groups: https://learn.microsoft.com/graph/api/resources/group (groupTypes, isAssignableToRole, assignedLicenses)
 *  - adding a member: https://learn.microsoft.com/graph/api/group-post-members and, for the 403s,
 *    https://learn.microsoft.com/troubleshoot/entra/entra-id/users-groups-entra-apis/authorization-requestdenied-403-error-add-user-group
 *  - seats: https://learn.microsoft.com/graph/api/subscribedsku-list
 *  - licences: https://learn.microsoft.com/graph/api/user-assignlicense
 */
import { describe, expect, it } from 'vitest';
import { createGraphDirectory, createGraphTemplateDirectory, type GraphDirectoryOptions } from '../../src/directory/index.js';
import { DirectoryError, freeSeats, Secret } from '../../src/onboarding/index.js';
import { useLocalTenant } from '../support/local-tenant.js';

const tenant = useLocalTenant();
const E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
const E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';
const SEED = {
  marketingTeam: '6a1d3f0e-0000-4000-8000-0000000000c1', marketing: '6a1d3f0e-0000-4000-8000-0000000000c2',
  allSales: '6a1d3f0e-0000-4000-8000-0000000000c3', helpdeskAdmins: '6a1d3f0e-0000-4000-8000-0000000000c4',
};
const UNKNOWN = '6a1d3f0e-0000-4000-8000-00000000dead';

function options(app = tenant().app): GraphDirectoryOptions {
  return {
    baseUrl: tenant().graphBaseUrl, tenantId: tenant().tenantId, authorityHost: tenant().authorityHost, disableInstanceDiscovery: true,
    credential: { kind: 'clientSecret', clientId: app.clientId, clientSecret: app.clientSecret }, requestTimeoutMs: 5_000, maxRetryAfterSeconds: 2,
  };
}

/** A new account, created as the bot creates one (POST /users). */
async function newAccount(alias: string): Promise<string> {
  const created = await createGraphDirectory(options()).createUser({
    userPrincipalName: `${alias}@contoso.com`, mailNickname: alias, displayName: alias, givenName: alias, surname: 'Tester', usageLocation: 'SE',
  }, new Secret('Xq7!vR2#mK9$pL4@'), `onboarding:${alias}`);
  if (created.kind !== 'created') throw new Error(`could not create ${alias}: ${JSON.stringify(created)}`);
  return created.user.id;
}

describe('finding and reading groups (group resource, group-list)', () => {
  it('when an admin types the start of a name, then the groups whose name starts so are found, each with how its members are managed', async () => {
    const groups = await createGraphTemplateDirectory(options()).searchGroups('mark', 10);
    expect(groups.map((g) => [g.displayName, g.kind]).sort(([a], [b]) => a!.localeCompare(b!))).toEqual([['Marketing', 'microsoft365'], ['Marketing Leads', 'security'], ['Marketing Team', 'security']]);
  });

  it('when groups are read by id, then a dynamic and a role-assignable group say so, and one that does not exist is null', async () => {
    const read = await createGraphTemplateDirectory(options()).readGroups([SEED.allSales, SEED.helpdeskAdmins, SEED.marketing, UNKNOWN]);
    expect(read.get(SEED.allSales)?.kind).toBe('dynamic');
    expect(read.get(SEED.helpdeskAdmins)?.kind).toBe('role-assignable');
    expect(read.get(SEED.marketing)).toMatchObject({ displayName: 'Marketing', kind: 'microsoft365', assignedSkuIds: [] });
    expect(read.get(UNKNOWN)).toBeNull();
  });
});

describe('adding the account to groups (group-post-members, one $batch)', () => {
  it('when the account is added, then each group answers for itself: added, already a member, 403 for the groups Graph may not change, 404 for a group that is gone', async () => {
    const userId = await newAccount('grace.groups');
    const directory = createGraphTemplateDirectory(options());
    const first = await directory.addToGroups(userId, [SEED.marketingTeam, SEED.marketing, SEED.allSales, SEED.helpdeskAdmins, UNKNOWN]);
    expect(Object.fromEntries([...first].map(([id, outcome]) => [id, outcome.kind]))).toEqual({
      [SEED.marketingTeam]: 'added', [SEED.marketing]: 'added', [SEED.allSales]: 'refused', [SEED.helpdeskAdmins]: 'refused', [UNKNOWN]: 'group-not-found',
    });
    expect(first.get(SEED.allSales)).toMatchObject({ reason: 'forbidden', detail: '403 Authorization_RequestDenied' });
    const again = await directory.addToGroups(userId, [SEED.marketingTeam]);
    expect(again.get(SEED.marketingTeam)).toMatchObject({ kind: 'already-member', detail: '400 Request_BadRequest' });
    const members = tenant().directory().groups.find((g) => g.id === SEED.marketingTeam)?.members ?? [];
    expect(members.filter((m) => m === userId)).toHaveLength(1);
    // One $batch for the five groups, one for the second try.
    expect(tenant().requestLog().filter((e) => e.path.endsWith('/$batch'))).toHaveLength(2);
  });

  it('when the account does not exist (or is not on this replica yet), then the 404 names it and it is told apart from a missing group', async () => {
    const outcome = await createGraphTemplateDirectory(options()).addToGroups('6a1d3f0e-0000-4000-8000-0000000000ee', [SEED.marketingTeam]);
    expect(outcome.get(SEED.marketingTeam)?.kind).toBe('user-not-found');
  });

  it('when the app lacks GroupMember.ReadWrite.All, then every add is refused (403) and nothing changes', async () => {
    const reader = tenant().apps.find((app) => app.displayName === 'Directory Reader (local)')!;
    const outcome = await createGraphTemplateDirectory(options(reader)).addToGroups('00000000-0000-4000-8000-000000000023', [SEED.marketingTeam]);
    expect(outcome.get(SEED.marketingTeam)).toMatchObject({ kind: 'refused', reason: 'forbidden' });
    expect(tenant().directory().groups.find((g) => g.id === SEED.marketingTeam)?.members).not.toContain('00000000-0000-4000-8000-000000000023');
  });
});

describe('seats and licences (subscribedsku-list, user-assignlicense)', () => {
  it('when the subscriptions are read, then each has its part number and seats; assigning one takes a seat, and the account shows it', async () => {
    const directory = createGraphTemplateDirectory(options());
    const before = (await directory.listSubscribedSkus()).find((s) => s.skuId === E3)!;
    expect(before).toMatchObject({ skuPartNumber: 'SPE_E3', enabledUnits: 250, appliesTo: 'User', capabilityStatus: 'Enabled' });
    const userId = await newAccount('lena.licence');
    expect(await directory.assignLicence(userId, E3)).toEqual({ kind: 'assigned' });
    const after = (await directory.listSubscribedSkus()).find((s) => s.skuId === E3)!;
    expect(freeSeats(after)).toBe(freeSeats(before) - 1);
    expect(await directory.readLicences(userId)).toMatchObject({ assignedSkuIds: [E3], states: [{ skuId: E3, assignedByGroup: null, state: 'Active' }] });
    expect(await directory.readLicences('6a1d3f0e-0000-4000-8000-0000000000ee')).toBeNull();
  });

  it('when no seat is free or the subscription is not the organisation\'s, then each is its own refusal and nothing is assigned; once a seat is bought, it is assigned', async () => {
    const directory = createGraphTemplateDirectory(options());
    const userId = await newAccount('nils.noseat');
    expect(await directory.assignLicence(userId, E5)).toMatchObject({ kind: 'refused', reason: 'no-seats', detail: `Subscription with SKU ${E5} does not have any available licenses.` });
    expect(await directory.assignLicence(userId, UNKNOWN)).toMatchObject({ kind: 'refused', reason: 'unknown-sku' });
    tenant().setSubscribedSku('SPE_E5', { prepaidUnits: { enabled: 26 } });
    expect(await directory.assignLicence(userId, E5)).toEqual({ kind: 'assigned' });
    expect(await directory.readLicences(userId)).toMatchObject({ assignedSkuIds: [E5] });
  });

  it('when the app may not read the subscriptions, then reading them is a missing permission naming LicenseAssignment.Read.All (the one the grant script gives)', async () => {
    const reader = tenant().apps.find((app) => app.displayName === 'Directory Reader (local)')!;
    const failure = await createGraphTemplateDirectory(options(reader)).listSubscribedSkus().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DirectoryError);
    expect(failure).toMatchObject({ code: 'PERMISSION_MISSING', permission: 'LicenseAssignment.Read.All', status: 403 });
  });
});
