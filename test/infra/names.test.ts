/**
 * One set of names across infra/azure.bicep (+ its module and parameters file), the Agents
 * Toolkit's m365agents.yml, env/.env.dev.sample, appManifest/manifest.json and the config
 * schema in src/config.ts. No Bicep compiler runs here (see bicep-reader.ts for what this
 * cannot check); what it checks is what breaks a `atk provision` or a first start in Azure:
 * a parameter nobody gives, an output nobody declared, an app setting the bot never reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from '../../src/config.js';
import { appSettingsOf, readBicep, referencedSymbols } from './bicep-reader.js';
import { deployedAppSettings, devEnvironment } from './deployment.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(resolve(root, path), 'utf8');

const main = readBicep(read('infra/azure.bicep'));
const parametersFile = JSON.parse(read('infra/azure.parameters.json')) as { parameters: Record<string, { value: unknown }> };
const toolkit = parseYaml(read('m365agents.yml')) as Record<'provision' | 'deploy' | 'publish', Step[]> & { version: string; environmentFolderPath: string };
const devSample = parseEnv(read('env/.env.dev.sample'));
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

interface Step {
  uses: string;
  name?: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}

/** App settings read outside the config schema, and by whom. */
const NOT_CONFIG: Record<string, string> = {
  WEBSITE_RUN_FROM_PACKAGE: 'App Service itself: run the deployed zip as the read-only wwwroot',
  APP_ENV: 'src/index.ts: which env/.env.<name> file to read',
};

const webApps = main.resources.filter((r) => r.type === 'Microsoft.Web/sites');
const appSettings = appSettingsOf(webApps[0]?.body ?? '');
const placeholders = (text: string) => [...text.matchAll(/\$\{\{([A-Za-z0-9_]+)\}\}/g)].map((m) => m[1]!);
const allSteps = () => [...toolkit.provision, ...toolkit.deploy, ...toolkit.publish];

describe('infra/azure.bicep and its parameters', () => {
  it('when the toolkit deploys with azure.parameters.json, then every parameter it gives exists and every required one is given', () => {
    const declared = new Set(main.params.map((p) => p.name));
    const given = Object.keys(parametersFile.parameters);
    expect(given.filter((name) => !declared.has(name)), 'given but not declared').toEqual([]);
    const required = main.params.filter((p) => p.defaultValue === undefined).map((p) => p.name);
    expect(required.filter((name) => !given.includes(name)), 'required but not given').toEqual([]);
  });

  it('when a parameter is declared, then the template uses it (Bicep warns about unused ones)', () => {
    const unused = main.params.filter((p) => !new RegExp(`(?<![\\w.])${p.name}(?!\\w)`).test(main.code.replace(new RegExp(`^param\\s+${p.name}\\b.*$`, 'm'), '')));
    expect(unused.map((p) => p.name)).toEqual([]);
  });

  it('when an expression refers to a symbol, then a resource, module, param or var declares it', () => {
    for (const file of [main, ...main.modules.map((m) => readBicep(read(`infra/${m.path}`)))]) {
      const declared = new Set([...file.params.map((p) => p.name), ...file.vars, ...file.resources.map((r) => r.symbol), ...file.modules.map((m) => m.symbol)]);
      expect([...referencedSymbols(file.code)].filter((symbol) => !declared.has(symbol))).toEqual([]);
    }
  });

  it('when a module is called, then it gets every parameter it requires and none it does not declare', () => {
    expect(main.modules.map((m) => m.path)).toEqual(['./botRegistration/azurebot.bicep']);
    for (const module of main.modules) {
      const file = readBicep(read(`infra/${module.path}`));
      const declared = new Set(file.params.map((p) => p.name));
      expect([...module.params.keys()].filter((name) => !declared.has(name)), `${module.path}: unknown`).toEqual([]);
      const required = file.params.filter((p) => p.defaultValue === undefined).map((p) => p.name);
      expect(required.filter((name) => !module.params.has(name)), `${module.path}: missing`).toEqual([]);
    }
  });

  it('when the resources are listed, then they are the ones the bot runs on, with API versions written as dates', () => {
    const types = [...main.resources, ...main.modules.flatMap((m) => readBicep(read(`infra/${m.path}`)).resources)].map((r) => r.type);
    for (const type of [
      'Microsoft.ManagedIdentity/userAssignedIdentities', 'Microsoft.Web/serverfarms', 'Microsoft.Web/sites', 'Microsoft.BotService/botServices',
      'Microsoft.BotService/botServices/channels', 'Microsoft.Storage/storageAccounts', 'Microsoft.KeyVault/vaults', 'Microsoft.Insights/components',
      'Microsoft.OperationalInsights/workspaces', 'Microsoft.Authorization/roleAssignments',
    ]) expect(types, type).toContain(type);
    for (const r of main.resources) expect(r.apiVersion, r.symbol).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
  });

  it('when the web app, plan, storage and vault are read, then they hold the settings the issue asks for', () => {
    const site = webApps[0]!.body;
    expect(site).toMatch(/linuxFxVersion:\s*'NODE\|20-lts'/);
    expect(site).toMatch(/httpsOnly:\s*true/);
    expect(site).toMatch(/alwaysOn:\s*true/);
    // Liveness: a dependency outage must not get every instance replaced (test/bot/health.test.ts).
    expect(site).toMatch(/healthCheckPath:\s*'\/livez'/);
    expect(site).toMatch(/type:\s*'UserAssigned'/);
    const plan = main.resources.find((r) => r.type === 'Microsoft.Web/serverfarms')!.body;
    expect(plan).toMatch(/reserved:\s*true/);
    expect(plan).toMatch(/capacity:\s*webAppCapacity\s*\n/);
    expect(parametersFile.parameters.webAppInstanceCount?.value).toBeGreaterThanOrEqual(2);
    const storage = main.resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts')!.body;
    expect(storage).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(storage).toMatch(/minimumTlsVersion:\s*'TLS1_2'/);
    expect(main.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')!.body).toMatch(/enableRbacAuthorization:\s*true/);
    const bot = readBicep(read('infra/botRegistration/azurebot.bicep'));
    expect(bot.resources.find((r) => r.type === 'Microsoft.BotService/botServices')!.body).toMatch(/msaAppType:\s*'UserAssignedMSI'/);
    expect(bot.resources.find((r) => r.type === 'Microsoft.BotService/botServices/channels')!.body).toMatch(/channelName:\s*'MsTeamsChannel'/);
  });

  it('when the identity gets roles, then it is exactly blob and table data access and reading secrets', () => {
    const roleVars = [...main.code.matchAll(/roleDefinitions',\s*(\w+)\)/g)].map((m) => m[1]);
    const ids = Object.fromEntries([...main.code.matchAll(/^var\s+(\w+)\s*=\s*'([0-9a-f-]{36})'/gm)].map((m) => [m[1], m[2]]));
    // Built-in role ids: Storage Blob Data Contributor, Storage Table Data Contributor, Key Vault Secrets User, Key Vault Secrets Officer.
    expect(roleVars.map((v) => ids[v!])).toEqual([
      'ba92f5b4-2d11-453d-a403-e96b0029c9fe', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', '4633458b-17de-408a-b874-0445c86b69e6', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    ]);
  });
});

describe('the web app settings against src/config.ts', () => {
  it('when an app setting is set in Azure, then the bot reads it (config schema, or a named reader outside it)', () => {
    const unread = [...appSettings.keys()].filter((name) => !ENVIRONMENT_VARIABLES.includes(name) && !(name in NOT_CONFIG));
    expect(unread).toEqual([]);
    expect(read('src/index.ts')).toContain('APP_ENV');
  });

  // What the deployed resources answer, in the shapes Azure gives them (endpoints and vault URI end in '/').
  const deployedResources = {
    'identity.properties.clientId': '11111111-2222-4333-8444-555555555555',
    'identity.properties.tenantId': '66666666-7777-4888-8999-000000000000',
    'storage.properties.primaryEndpoints.blob': 'https://example.blob.core.windows.net/',
    'storage.properties.primaryEndpoints.table': 'https://example.table.core.windows.net/',
    'keyVault.properties.vaultUri': 'https://example.vault.azure.net/',
    'appInsights.properties.ConnectionString': 'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=https://example.in.applicationinsights.azure.com/',
  };
  // What an admin has filled in env/.env.dev by then (README: the two groups are created before provision).
  const filledIn = { RESOURCE_SUFFIX: 'contoso1', ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1', REQUESTER_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000b1' };
  const deployedConfig = () => loadConfig(deployedAppSettings(devEnvironment(filledIn), deployedResources));

  it('when the app settings are loaded as the bot loads its environment, then the configuration is complete (managed identity for Storage and Key Vault, no secret)', () => {
    const problems = (() => {
      try {
        deployedConfig();
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems.map((p) => p.variable);
      }
    })();
    expect([...new Set(problems)].sort()).toEqual([]);
  });

  it('when the web app has only its user-assigned identity, then every managed identity the bot uses is named by that identity\'s client id (App Service has no system-assigned one to fall back to)', () => {
    const site = webApps[0]!.body;
    expect(site).not.toMatch(/SystemAssigned/);
    const config = deployedConfig();
    const identity = deployedResources['identity.properties.clientId'];
    expect(config.bot).toMatchObject({ appType: 'UserAssignedMSI', appId: identity });
    expect(config.graph.credential).toEqual({ kind: 'managedIdentity', clientId: identity });
    expect(config.storage.access).toMatchObject({ kind: 'managedIdentity', clientId: identity });
    expect(config.sealingKey).toMatchObject({ kind: 'keyVault', clientId: identity });
  });

  it('when the web app starts its command, then package.json has the script', () => {
    const command = /appCommandLine:\s*'npm run (\S+)'/.exec(webApps[0]!.body)?.[1];
    expect(command).toBeDefined();
    expect(command! in packageJson.scripts).toBe(true);
  });
});

describe('m365agents.yml', () => {
  it('when provision, deploy and publish run, then they use the toolkit actions in the toolkit templates\' order', () => {
    expect(toolkit.environmentFolderPath).toBe('./env');
    expect(toolkit.provision.map((s) => s.uses)).toEqual([
      'teamsApp/create', 'arm/deploy', 'teamsApp/validateManifest', 'teamsApp/zipAppPackage', 'teamsApp/validateAppPackage', 'teamsApp/update',
    ]);
    expect(toolkit.deploy.map((s) => s.uses)).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    expect(toolkit.publish.map((s) => s.uses)).toEqual([
      'teamsApp/validateManifest', 'teamsApp/zipAppPackage', 'teamsApp/validateAppPackage', 'teamsApp/update', 'teamsApp/publishAppPackage',
    ]);
  });

  it('when arm/deploy pins a Bicep CLI, then it is one released after the API versions infra/ uses (v0.9.1 of 2022 knew none of them)', () => {
    const armDeploy = toolkit.provision.find((s) => s.uses === 'arm/deploy')!;
    const pinned = /^v0\.(\d+)\.\d+$/.exec(String(armDeploy.with!.bicepCliVersion));
    expect(pinned, 'a v0.x.y release tag').not.toBeNull();
    expect(Number(pinned![1])).toBeGreaterThanOrEqual(47);
  });

  it('when a step names a file, then it exists (templates, parameters, manifest, ignore file) and zip paths agree', () => {
    const armDeploy = toolkit.provision.find((s) => s.uses === 'arm/deploy')!;
    for (const template of armDeploy.with!.templates as { path: string; parameters: string }[]) {
      expect(existsSync(resolve(root, template.path)), template.path).toBe(true);
      expect(existsSync(resolve(root, template.parameters)), template.parameters).toBe(true);
    }
    for (const step of allSteps()) {
      const manifestPath = step.with?.manifestPath as string | undefined;
      if (manifestPath) expect(existsSync(resolve(root, manifestPath)), manifestPath).toBe(true);
    }
    const zipDeploy = toolkit.deploy.find((s) => s.uses === 'azureAppService/zipDeploy')!;
    expect(existsSync(resolve(root, zipDeploy.with!.ignoreFile as string))).toBe(true);
    const zips = new Set(allSteps().flatMap((s) => [s.with?.outputZipPath, s.with?.appPackagePath]).filter(Boolean));
    expect(zips.size).toBe(1);
  });

  it('when deploy builds, then it runs scripts package.json has, and zips to the app service that provision created', () => {
    const npmScripts = toolkit.deploy.filter((s) => s.uses === 'cli/runNpmCommand').map((s) => /^run (\S+)/.exec(String(s.with?.args))?.[1]).filter(Boolean);
    for (const script of npmScripts) expect(packageJson.scripts, script).toHaveProperty(script!);
    const resourceId = placeholders(String(toolkit.deploy.at(-1)!.with!.resourceId));
    expect(resourceId).toHaveLength(1);
    expect(main.outputs.has(resourceId[0]!)).toBe(true);
  });
});

describe('env/.env.dev.sample declares every name the toolkit reads or writes', () => {
  const declared = new Set(Object.keys(devSample));

  it.each([
    ['infra/azure.parameters.json', () => placeholders(read('infra/azure.parameters.json'))],
    ['m365agents.yml', () => placeholders(read('m365agents.yml'))],
    ['appManifest/manifest.json', () => placeholders(read('appManifest/manifest.json'))],
    ['the Bicep outputs', () => [...main.outputs.keys()]],
    ['writeToEnvironmentFile', () => allSteps().flatMap((s) => Object.values(s.writeToEnvironmentFile ?? {}))],
  ])('when %s names a variable, then the sample declares it', (_where, names) => {
    expect(names().length).toBeGreaterThan(0);
    expect(names().filter((name) => !declared.has(name))).toEqual([]);
  });

  it('when the bot reads a variable, then the sample documents it', () => {
    expect(ENVIRONMENT_VARIABLES.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('when the module\'s outputs are used by the main template, then they exist', () => {
    const module = readBicep(read(`infra/${main.modules[0]!.path}`));
    const used = [...main.code.matchAll(/azureBotRegistration\.outputs\.(\w+)/g)].map((m) => m[1]!);
    expect(used.filter((name) => !module.outputs.has(name))).toEqual([]);
    expect(dirname(main.modules[0]!.path)).toBe('./botRegistration');
  });
});
