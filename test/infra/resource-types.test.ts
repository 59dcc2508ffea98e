/**
 * infra/ against Azure's published resource types — no Bicep compiler runs here, so the types the
 * compiler is built with (Azure/bicep-types-az, vendored in azure-resource-types.json with the
 * commit it came from; vendor-azure-types.ts regenerates it) are the judge: every `resource` has a
 * type and API version that exist, the newest stable one, only properties that exist and are not
 * read-only, its required properties, and allowed literal values (open enums included: a value
 * outside Azure's documented ones is a finding); `existing` references and `[for …]` loops are read
 * and checked too, and a declaration the reader does not understand fails the run; every `module`
 * call fits its file. What this cannot see: expressions' values (a name built from parameters), the resource
 * providers' own rules beyond the schema (quotas, name uniqueness, region availability), and
 * anything ARM checks only while deploying.
 */
import { describe, expect, it } from 'vitest';
import { readBicep } from './bicep-reader.js';
import {
  checkModule, checkResource, declaredModules, declaredResources, loadVendoredTypes, newestStable, parameterViolations, readFromProject, type DeclaredResource, type Finding,
} from './azure-types.js';
import { devEnvironment, mainTemplate, planCapacity, siteIdentities, toolkitParameters } from './deployment.js';

const vendored = loadVendoredTypes();
const resources = declaredResources();
const modules = declaredModules();
const label = (r: DeclaredResource) => `${r.file} ${r.symbol} ${r.type}@${r.apiVersion}${r.form === 'plain' ? '' : ` (${r.form})`}`;
/** "12 plain, 1 conditional": every form the templates use, so a reader of the report sees what was checked. */
const byForm = (forms: readonly string[]) => [...new Set(forms)].map((form) => `${forms.filter((f) => f === form).length} ${form}`).join(', ');
const format = (findings: readonly Finding[]) => findings.map((f) => `${f.where} ${f.path}: ${f.problem}`);

describe(`infra/ against Azure's resource types (Azure/bicep-types-az ${vendored.source.commit.slice(0, 12)}, ${vendored.source.committed.slice(0, 10)})`, () => {
  it('when the vendored types are read, then they are exactly the types and API versions the templates declare (else run test/infra/vendor-azure-types.ts)', () => {
    expect(Object.keys(vendored.resources).sort()).toEqual([...new Set(resources.map((r) => `${r.type}@${r.apiVersion}`))].sort());
  });

  it.each(resources.map((r) => [label(r), r] as const))('when %s is checked, then it has no finding', (_label, resource) => {
    expect(format(checkResource(resource, vendored))).toEqual([]);
  });

  it.each(modules.map((m) => [`${m.file} module ${m.symbol} (${m.path})`, m] as const))('when %s is checked, then it has no finding', (_label, module) => {
    expect(format(checkModule(module))).toEqual([]);
  });

  it('when every resource and module is checked, then the report lists each one, its API version against the newest stable, and 0 findings', () => {
    const findings = [...resources.flatMap((r) => checkResource(r, vendored)), ...modules.flatMap((m) => checkModule(m))];
    const lines = [
      ...resources.map((r) => `  resource ${label(r).padEnd(110)} newest stable ${newestStable(vendored.apiVersions[r.type] ?? [])}`),
      ...modules.map((m) => `  module   ${m.file} ${m.symbol} → ${m.path}${m.form === 'plain' ? '' : ` (${m.form})`}`),
    ];
    console.log(`Checked against bicep-types-az ${vendored.source.commit}:\n${lines.join('\n')}\n`
      + `${resources.length} resources (${byForm(resources.map((r) => r.form))}), ${modules.length} module (${byForm(modules.map((m) => m.form))}), ${findings.length} findings`);
    expect(resources.length).toBeGreaterThanOrEqual(12);
    expect(format(findings)).toEqual([]);
  });
});

describe('the check itself finds what the Bicep compiler refuses (so a clean report means something)', () => {
  const resource = (symbol: string) => resources.find((r) => r.symbol === symbol)!;
  const edited = (symbol: string, edit: (body: string) => string, apiVersion?: string): DeclaredResource => {
    const original = resource(symbol);
    const body = edit(original.body);
    expect(body, 'the edit changed the body').not.toBe(original.body);
    return { ...original, body, apiVersion: apiVersion ?? original.apiVersion };
  };
  const problems = (r: DeclaredResource) => checkResource(r, vendored).map((f) => `${f.path}: ${f.problem}`);

  it.each([
    ['a property that does not exist', edited('storage', (b) => b.replace('allowSharedKeyAccess: false', 'allowSharedKeyAccess: false\n    allowSharedKeyAcces: false')), /properties\.allowSharedKeyAcces: no such property/],
    ['a read-only property', edited('storage', (b) => b.replace('supportsHttpsTrafficOnly: true', "supportsHttpsTrafficOnly: true\n    provisioningState: 'Succeeded'")), /properties\.provisioningState: read-only/],
    ['a required property left out', edited('secretsUser', (b) => b.replace(/\n\s*principalId: identity\.properties\.principalId/, '')), /properties\.principalId: required property missing/],
    ['a value the type does not allow', edited('keyVault', (b) => b.replace("name: 'standard'", "name: 'basic'")), /properties\.sku\.name: 'basic' is not allowed \(allowed: standard, premium\)/],
    ['a string where a boolean goes', edited('webApp', (b) => b.replace('httpsOnly: true', "httpsOnly: 'true'")), /properties\.httpsOnly: expected true or false/],
    ['an API version that does not exist', edited('keyVault', (b) => `${b} `, '2024-13-01'), /API version 2024-13-01 does not exist/],
    ['an older API version', edited('keyVault', (b) => `${b} `, '2023-07-01'), /not the newest stable one/],
    // Open enums (bicep-types: a union of Azure's documented values and `string`): a literal outside the
    // documented values is a finding, as the resource provider refuses it at deploy time.
    ['a principal type no role assignment has', edited('secretsUser', (b) => b.replace("principalType: 'ServicePrincipal'", "principalType: 'Service'")), /properties\.principalType: 'Service' is not one of Azure's documented values/],
    ['a TLS version storage does not know', edited('storage', (b) => b.replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_4'")), /properties\.minimumTlsVersion: 'TLS1_4' is not one of Azure's documented values \(TLS1_0, TLS1_1, TLS1_2, TLS1_3\)/],
    ['a storage kind that does not exist', edited('storage', (b) => b.replace("kind: 'StorageV2'", "kind: 'StorageV3'")), /^kind: 'StorageV3' is not one of Azure's documented values/m],
    ['a misspelt storage SKU', edited('storage', (b) => b.replace("name: 'Standard_LRS'", "name: 'Standard_LRX'")), /^sku\.name: 'Standard_LRX' is not one of Azure's documented values/m],
    ['a bot app type that does not exist', edited('botService', (b) => b.replace("msaAppType: 'UserAssignedMSI'", "msaAppType: 'UserMSI'")), /properties\.msaAppType: 'UserMSI' is not one of Azure's documented values \(UserAssignedMSI, SingleTenant, MultiTenant\)/],
    ['an FTPS state App Service does not know', edited('webApp', (b) => b.replace("ftpsState: 'Disabled'", "ftpsState: 'Off'")), /properties\.siteConfig\.ftpsState: 'Off' is not one of Azure's documented values \(AllAllowed, FtpsOnly, Disabled\)/],
  ] as const)('when a resource has %s, then the check reports it', (_name, r, expected) => {
    expect(problems(r).join('\n')).toMatch(expected);
  });

  // A template with shapes the check once skipped while still reporting "every resource checked":
  // `existing` references and `[for …]` loops (https://learn.microsoft.com/azure/azure-resource-manager/bicep/existing-resource,
  // https://learn.microsoft.com/azure/azure-resource-manager/bicep/loops).
  const withMain = (extra: string) => (path: string) => path === 'infra/azure.bicep' ? `${readFromProject(path)}\n${extra}\n` : readFromProject(path);
  const LOOP = [
    "resource archives 'Microsoft.Storage/storageAccounts@2026-04-01' = [for suffix in ['a', 'b']: {",
    "  name: '${storageAccountName}${suffix}'",
    '  location: location',
    "  kind: 'StorageV9'",
    "  sku: {\n    name: 'Standard_LRS'\n  }",
    '}]',
  ].join('\n');
  const EXISTING = [
    "resource shared 'Microsoft.KeyVault/vaults@2026-02-01' existing = {",
    "  name: 'shared-kv'",
    "  location: 'westeurope'",
    '}',
  ].join('\n');

  it('when a resource is declared in a [for …] loop, then it is read and its body checked like any other', () => {
    const read = withMain(LOOP);
    const loop = declaredResources(read).find((r) => r.symbol === 'archives');
    expect(loop).toMatchObject({ type: 'Microsoft.Storage/storageAccounts', apiVersion: '2026-04-01', form: 'loop' });
    expect(problems(loop!).join('\n')).toMatch(/^kind: 'StorageV9' is not one of Azure's documented values/m);
  });

  it('when an existing resource is referenced, then it is read, its type and API version checked, and anything but name, scope and parent reported', () => {
    const shared = declaredResources(withMain(EXISTING)).find((r) => r.symbol === 'shared');
    expect(shared).toMatchObject({ type: 'Microsoft.KeyVault/vaults', form: 'existing' });
    expect(problems(shared!)).toEqual(["location: an existing resource is only referenced: Bicep reads its name, scope and parent, nothing else"]);
    expect(problems({ ...shared!, apiVersion: '2024-13-01' }).join('\n')).toMatch(/API version 2024-13-01 does not exist/);
  });

  it.each([
    ['a resource line of a shape the reader does not know', "resource odd 'Microsoft.Storage/storageAccounts@2026-04-01' = union(base, {})"],
    ['a resource without quotes around its type', 'resource odd Microsoft.Storage/storageAccounts@2026-04-01 = {\n}'],
    ['a nested child resource', "resource parentVault 'Microsoft.KeyVault/vaults@2026-02-01' existing = {\n  name: 'x'\n  resource child 'secrets' = {\n    name: 'y'\n  }\n}"],
    ['a module line of a shape the reader does not know', "module odd './botRegistration/azurebot.bicep' = union(a, b)"],
  ])('when a template has %s, then reading it fails loudly instead of skipping it', (_name, extra) => {
    expect(() => declaredResources(withMain(extra))).toThrow(/does not understand/);
  });
});

describe('the parameters as the toolkit passes them', () => {
  const template = mainTemplate();
  const violations = (filledIn: Record<string, string>) => parameterViolations(template.params, toolkitParameters(template, devEnvironment(filledIn)));

  it('when RESOURCE_SUFFIX is a few letters and digits, then every parameter satisfies its decorators', () => {
    expect(violations({ RESOURCE_SUFFIX: 'contoso1' })).toEqual([]);
  });

  it.each([['empty', ''], ['too short', 'ab1'], ['too long', 'abcdefghijklmn']])('when RESOURCE_SUFFIX is %s, then ARM refuses the deployment before creating anything (the web app, vault and storage names are global)', (_name, suffix) => {
    expect(violations({ RESOURCE_SUFFIX: suffix }).join('\n')).toMatch(/^resourceSuffix: length \d+ is (below @minLength|above @maxLength)/m);
  });

  it('when KEY_VAULT_SECRETS_OFFICER_TYPE is not a kind of principal, then ARM refuses it; a group or a service principal is accepted', () => {
    expect(violations({ RESOURCE_SUFFIX: 'contoso1', KEY_VAULT_SECRETS_OFFICER_TYPE: 'Person' }).join('\n')).toMatch(/keyVaultSecretsOfficerPrincipalType: "Person" is not @allowed/);
    for (const type of ['User', 'Group', 'ServicePrincipal']) expect(violations({ RESOURCE_SUFFIX: 'contoso1', KEY_VAULT_SECRETS_OFFICER_TYPE: type })).toEqual([]);
  });
});

describe('what the templates say beyond the types', () => {
  const main = mainTemplate();
  const body = (symbol: string) => main.resources.find((r) => r.symbol === symbol)!.body;

  it('when the secrets officer\'s role is assigned, then its principalType is the one given, not a hard-coded User', () => {
    expect(body('secretsOfficer')).toMatch(/principalType:\s*keyVaultSecretsOfficerPrincipalType\s*\n/);
  });

  // App Service limits (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-app-service-limits):
  // scale out to at most 3 instances on Basic, 10 on Standard, 30 on Premium v2 and v3; Free and Shared have no Always On.
  const DOCUMENTED_MAX_INSTANCES: Record<string, number> = { B: 3, S: 10, P: 30 };

  it('when the plan\'s instance count is set, then it never exceeds what the chosen SKU scales out to', () => {
    const sku = main.params.find((p) => p.name === 'webAppSKU')!;
    const allowed = [...(sku.decorators.get('allowed') ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    expect(allowed.length).toBeGreaterThan(0);
    const table = /var maxInstancesBySku = (\{[\s\S]*?\n\})/.exec(main.code)?.[1] ?? '';
    const max = Object.fromEntries([...table.matchAll(/^\s*'?(\w+)'?:\s*(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
    for (const name of allowed) {
      expect(max[name], `maxInstancesBySku.${name}`).toBe(DOCUMENTED_MAX_INSTANCES[name.slice(0, 1)]);
      // Premium v1 (P1-P3, 20 instances) is not offered: only v2/v3 names (P1v2, P0v3, P1mv3…).
      if (name.startsWith('P')) expect(name).toMatch(/v[23]$/);
    }
    // What the toolkit deploys asks for no more than its SKU gives.
    const given = toolkitParameters(main, devEnvironment({ RESOURCE_SUFFIX: 'contoso1' }));
    expect(given.get('webAppInstanceCount') as number).toBeLessThanOrEqual(max[given.get('webAppSKU') as string]!);
    expect(given.get('webAppInstanceCount') as number).toBeGreaterThanOrEqual(2);
    expect(planCapacity(main, given.get('webAppSKU') as string, given.get('webAppInstanceCount') as number)).toEqual({ capacity: given.get('webAppInstanceCount') });
  });

  // Bicep's fail() (https://learn.microsoft.com/azure/azure-resource-manager/bicep/bicep-functions-flow-control) stops the
  // deployment with a message: asking for more instances than the plan has is refused, never quietly cut to the plan's maximum.
  it.each([['B1', 5, 3], ['S1', 11, 10], ['P1v3', 31, 30]] as const)('when %s is asked for %i instances (it scales out to %i), then the deployment fails with a sentence naming both, instead of deploying fewer', (sku, count, most) => {
    expect(planCapacity(main, sku, count)).toEqual({
      failure: `webAppInstanceCount ${count} is more than a ${sku} plan scales out to (${most}): choose a larger webAppSKU or at most ${most} instances.`,
    });
    expect(planCapacity(main, sku, most)).toEqual({ capacity: most });
  });

  it('when the web app is deployed, then FTP and SCM basic-auth publishing are off (the toolkit\'s zip deploy signs in with Entra)', () => {
    const policies = main.resources.filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => /name:\s*'(\w+)'/.exec(p.body)?.[1]).sort()).toEqual(['ftp', 'scm']);
    for (const policy of policies) {
      expect(policy.body).toMatch(/parent:\s*webApp\s*\n/);
      expect(policy.body).toMatch(/allow:\s*false/);
    }
  });

  it('when the web app\'s identities are read (what the compiled-build test gives the local identity endpoint), then it is the one user-assigned `identity` and no system-assigned one', () => {
    expect(siteIdentities({ 'identity.properties.clientId': 'client-id-of-identity' })).toEqual({ systemAssigned: false, userAssigned: ['client-id-of-identity'] });
    expect(() => siteIdentities({})).toThrow(/identity\.properties\.clientId/);
  });

  it('when the bot registration module is read, then it is the one the main template calls', () => {
    expect(modules.map((m) => m.path)).toEqual(['./botRegistration/azurebot.bicep']);
    expect(readBicep(readFromProject('infra/botRegistration/azurebot.bicep')).resources.map((r) => r.type)).toEqual([
      'Microsoft.BotService/botServices', 'Microsoft.BotService/botServices/channels',
    ]);
  });
});
