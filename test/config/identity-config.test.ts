/** Identity without secrets in the configuration: the bot as a managed identity, the sealing key from Key Vault, storage by token. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const BOT = 'd1ec7043-0000-4000-8000-00000000d075';
const WORK = 'b07b0a7d-0000-4000-8000-00000000b075';
/** A tenant-mode bot with no secret anywhere. */
const secretless = {
  APP_MODE: 'tenant',
  TENANT_ID: '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93',
  BOT_ID: BOT,
  BOT_APP_TYPE: 'UserAssignedMSI',
  GRAPH_USE_MANAGED_IDENTITY: 'true',
  GRAPH_CLIENT_ID: WORK,
  AZURE_CLIENT_ID: WORK,
  KEY_VAULT_URL: 'https://contoso-onboarding.vault.azure.net/',
  STORAGE_BLOB_URL: 'https://contosoonboarding.blob.core.windows.net',
  STORAGE_TABLE_URL: 'https://contosoonboarding.table.core.windows.net',
};

function problemsOf(environment: Record<string, string>): { variable: string; expected: string }[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
  }
  throw new Error('expected a ConfigError');
}
const without = (...names: string[]) => Object.fromEntries(Object.entries(secretless).filter(([name]) => !names.includes(name)));

describe('identity without secrets', () => {
  it('when the bot, Graph, Key Vault and Storage are all managed identities, then the config holds no secret and names each identity', () => {
    const config = loadConfig(secretless);
    expect(config.bot).toMatchObject({ appId: BOT, appPassword: '', appType: 'UserAssignedMSI', skipInstanceDiscovery: false });
    expect(config.graph.credential).toEqual({ kind: 'managedIdentity', clientId: WORK });
    expect(config.sealingKey).toEqual({
      kind: 'keyVault', vaultUrl: 'https://contoso-onboarding.vault.azure.net', secretName: 'credential-sealing-key', clientId: WORK, verifyChallengeResource: true,
    });
    expect(config.storage.access).toEqual({
      kind: 'managedIdentity', blobUrl: 'https://contosoonboarding.blob.core.windows.net', tableUrl: 'https://contosoonboarding.table.core.windows.net', clientId: WORK,
    });
  });

  it('when no AZURE_CLIENT_ID is set, then Key Vault and Storage use the system-assigned identity', () => {
    const config = loadConfig(without('AZURE_CLIENT_ID'));
    expect(config.sealingKey).not.toHaveProperty('clientId');
    expect(config.storage.access).not.toHaveProperty('clientId');
  });

  it('when the vault is on a loopback address (the local tenant), then only there the SDK\'s challenge-resource check is off', () => {
    expect(loadConfig({ ...secretless, KEY_VAULT_URL: 'https://127.0.0.1:44300' }).sealingKey).toMatchObject({ verifyChallengeResource: false });
    expect(loadConfig({ ...secretless, KEY_VAULT_URL: 'https://vault.contoso.example' }).sealingKey).toMatchObject({ verifyChallengeResource: true });
  });

  it('when the secret name is given, then it is used; when it is not a Key Vault name, then it is refused', () => {
    expect(loadConfig({ ...secretless, CREDENTIAL_KEY_SECRET_NAME: 'onboarding-key-2' }).sealingKey).toMatchObject({ secretName: 'onboarding-key-2' });
    expect(problemsOf({ ...secretless, CREDENTIAL_KEY_SECRET_NAME: 'no_underscores' }).map((p) => p.variable)).toEqual(['CREDENTIAL_KEY_SECRET_NAME']);
  });

  it('when the bot is UserAssignedMSI and BOT_PASSWORD is set too, then it is refused (botbuilder refuses a secret for a managed identity)', () => {
    expect(problemsOf({ ...secretless, BOT_PASSWORD: 'x' })).toEqual([{ variable: 'BOT_PASSWORD', expected: expect.stringContaining('UserAssignedMSI') }]);
  });

  it('when a single-tenant bot signs in with a certificate file, then it needs no BOT_PASSWORD and the path is kept absolute', () => {
    const config = loadConfig({ ...without('BOT_APP_TYPE'), BOT_CERTIFICATE_PATH: 'package.json' });
    expect(config.bot).toMatchObject({ appType: 'SingleTenant', appPassword: '', certificatePath: expect.stringMatching(/^\/.*package\.json$/) });
  });

  it.each([
    ['a password and a certificate', { ...without('BOT_APP_TYPE'), BOT_PASSWORD: 'x', BOT_CERTIFICATE_PATH: 'package.json' }, 'BOT_PASSWORD'],
    ['a certificate that is not there', { ...without('BOT_APP_TYPE'), BOT_CERTIFICATE_PATH: '/nope/bot.pem' }, 'BOT_CERTIFICATE_PATH'],
    ['a certificate for a managed identity', { ...secretless, BOT_CERTIFICATE_PATH: 'package.json' }, 'BOT_CERTIFICATE_PATH'],
  ] as const)('when the bot has %s, then exactly that variable is named', (_case, environment, variable) => {
    expect(problemsOf(environment as Record<string, string>).map((p) => p.variable)).toEqual([variable]);
  });

  it.each([
    ['both SECRET_VAULT_KEY and KEY_VAULT_URL', { ...secretless, SECRET_VAULT_KEY: Buffer.alloc(32, 7).toString('base64') }, 'SECRET_VAULT_KEY'],
    ['neither SECRET_VAULT_KEY nor KEY_VAULT_URL', without('KEY_VAULT_URL'), 'SECRET_VAULT_KEY'],
    ['a Key Vault URL over http', { ...secretless, KEY_VAULT_URL: 'http://contoso-onboarding.vault.azure.net' }, 'KEY_VAULT_URL'],
    ['a connection string and the storage URLs', { ...secretless, STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }, 'STORAGE_CONNECTION_STRING'],
    ['no connection string and no storage URLs', without('STORAGE_BLOB_URL', 'STORAGE_TABLE_URL'), 'STORAGE_CONNECTION_STRING'],
    ['the blob URL without the table URL', without('STORAGE_TABLE_URL'), 'STORAGE_TABLE_URL'],
    ['the table URL without the blob URL', without('STORAGE_BLOB_URL'), 'STORAGE_BLOB_URL'],
    ['a storage URL over http', { ...secretless, STORAGE_BLOB_URL: 'http://contosoonboarding.blob.core.windows.net' }, 'STORAGE_BLOB_URL'],
    ['an AZURE_CLIENT_ID that is not a GUID', { ...secretless, AZURE_CLIENT_ID: 'onboarding-identity' }, 'AZURE_CLIENT_ID'],
  ] as const)('when the environment has %s, then exactly that variable is named', (_case, environment, variable) => {
    expect(problemsOf(environment as Record<string, string>).map((p) => p.variable)).toEqual([variable]);
  });

  it('when the sealing key is given as a value with a connection string, then nothing changes for local development', () => {
    const key = Buffer.alloc(32, 9);
    const config = loadConfig({ ...without('KEY_VAULT_URL', 'STORAGE_BLOB_URL', 'STORAGE_TABLE_URL'), SECRET_VAULT_KEY: key.toString('base64'), STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' });
    expect(config.sealingKey).toEqual({ kind: 'value', key });
    expect(config.storage.access).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
  });
});

/**
 * The bot's cloud (BOT_CLOUD) gives its Bot Framework endpoints, the audience of its tokens and the
 * caller id botbuilder stamps on inbound activities: botbuilder's GovernmentConstants and
 * CallerIdConstants ("Configure Bot Framework bots for US Government customers",
 * https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-gov-cloud-high) and the 21Vianet page
 * (https://learn.microsoft.com/en-us/azure/bot-service/how-to-deploy-china-cloud).
 */
describe('the bot\'s cloud (BOT_CLOUD: "Bot Framework in sovereign clouds")', () => {
  const TENANT = secretless.TENANT_ID;
  it.each([
    ['USGov', { tokenIssuer: 'https://api.botframework.us', oauthScope: 'https://api.botframework.us', loginUrl: `https://login.microsoftonline.us/${TENANT}`,
      openIdMetadataUrl: 'https://login.botframework.azure.us/v1/.well-known/openidconfiguration', callerId: 'urn:botframework:azureusgov', oauthUrl: 'https://api.botframework.azure.us' }],
    ['usgovdod', { tokenIssuer: 'https://api.botframework.us', oauthScope: 'https://api.botframework.us', callerId: 'urn:botframework:azureusgov', oauthUrl: 'https://apiDoD.botframework.azure.us' }],
    ['China', { tokenIssuer: 'https://api.botframework.azure.cn', oauthScope: 'https://api.botframework.azure.cn', loginUrl: `https://login.partner.microsoftonline.cn/${TENANT}`,
      openIdMetadataUrl: 'https://login.botframework.azure.cn/v1/.well-known/openidconfiguration', callerId: undefined, oauthUrl: 'https://token.botframework.azure.cn' }],
  ] as const)('when BOT_CLOUD is %s, then every Bot Framework value is that cloud\'s', (name, expected) => {
    const { cloud } = loadConfig({ ...secretless, BOT_CLOUD: name }).bot;
    expect(cloud).toMatchObject(expected);
  });

  it('when BOT_CLOUD is unset, then the bot is in the public cloud; a single endpoint overrides only itself, over the chosen cloud\'s values', () => {
    expect(loadConfig(secretless).bot.cloud).toBeUndefined();
    const cloud = loadConfig({ ...secretless, BOT_CLOUD: 'USGov', BOT_LOGIN_URL: 'https://login.example.us/t' }).bot.cloud;
    expect(cloud).toMatchObject({ loginUrl: 'https://login.example.us/t', oauthScope: 'https://api.botframework.us', callerId: 'urn:botframework:azureusgov' });
  });

  it('when BOT_CLOUD names no cloud, then it is refused with the names it takes', () => {
    expect(problemsOf({ ...secretless, BOT_CLOUD: 'Mars' })).toEqual([{ variable: 'BOT_CLOUD', expected: 'Public, USGov, USGovDoD or China' }]);
  });
});

