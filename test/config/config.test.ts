import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEnvironment } from '../../src/config.js';
import { scrubText } from '../../src/logging.js';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const valid = {
  TENANT_ID: '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93',
  GRAPH_CLIENT_ID: 'b07b0a7d-0000-4000-8000-00000000b075',
  GRAPH_CLIENT_SECRET: 'local-secret-value-123',
  GRAPH_AUTHORITY_HOST: 'https://127.0.0.1:44300',
  GRAPH_BASE_URL: 'https://127.0.0.1:44300',
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
  ADMIN_GROUP_IDS: '6a1d3f0e-0000-4000-8000-0000000000a1',
};

function problemsOf(environment: Record<string, string>) {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('when the environment is complete, then local mode is the default and the config is frozen', () => {
    const config = loadConfig(valid);
    expect(config.mode).toBe('local');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3978, shutdownGraceMs: 10_000 });
    expect(config.graph.credential).toEqual({ kind: 'clientSecret', clientId: valid.GRAPH_CLIENT_ID, clientSecret: valid.GRAPH_CLIENT_SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.graph.credential)).toBe(true);
    expect(config.bot.appId).toBe('');
  });

  it('when WELCOME_MAIL_FROM is unset, then no mailer is configured and a start-up warning says no welcome emails go out', () => {
    const config = loadConfig(valid);
    expect(config.welcomeMail).toBeUndefined();
    expect(config.warnings.join('\n')).toContain('WELCOME_MAIL_FROM is not set: no welcome email goes to new people');
  });

  it('when start-up warnings are logged, then the log scrubber leaves every one of them readable (none looks like a secret)', () => {
    const config = loadConfig({ ...valid, CREDENTIAL_DELIVERY: 'message' });
    expect(config.warnings.join('\n')).toContain('CREDENTIAL_DELIVERY is message: temporary passwords are sent as chat messages');
    expect(config.warnings.length).toBeGreaterThan(1);
    for (const warning of config.warnings) expect(scrubText(warning)).toBe(warning);
  });

  it('when WELCOME_MAIL_FROM names the service mailbox, then welcome emails come from it and the manager copy follows WELCOME_MAIL_COPY_MANAGER', () => {
    const config = loadConfig({ ...valid, WELCOME_MAIL_FROM: 'onboarding@contoso.com', WELCOME_MAIL_COPY_MANAGER: 'true' });
    expect(config.welcomeMail).toEqual({ from: 'onboarding@contoso.com' });
    expect(config.onboarding.welcomeMail.copyManager).toBe(true);
    expect(config.warnings.join('\n')).not.toContain('WELCOME_MAIL_FROM');
    expect(loadConfig(valid).onboarding.welcomeMail.copyManager).toBe(false);
  });

  it('when WELCOME_MAIL_FROM is not one user name, then the error says what it expects', () => {
    // The From header of every welcome mail: a local part a header could read as a list, a group or a name is refused too (issue 26).
    for (const value of ['onboarding', 'a@b.com, c@d.com', 'x@contoso.com/sendMail?', 'a,b@contoso.com', 'x<y@contoso.com', 'team:x@contoso.com', 'a;b@contoso.com', '(x)y@contoso.com', 'a..b@contoso.com', '.a@contoso.com', 'a.@contoso.com']) {
      expect(problemsOf({ ...valid, WELCOME_MAIL_FROM: value }).message).toContain("WELCOME_MAIL_FROM: expected the service mailbox's user name, like onboarding@contoso.com");
    }
    expect(problemsOf({ ...valid, WELCOME_MAIL_COPY_MANAGER: 'maybe' }).message).toContain('WELCOME_MAIL_COPY_MANAGER: expected true or false');
  });

  it('when several variables are missing or invalid, then one error names every one of them with what it expects', () => {
    const error = problemsOf({ PORT: 'eighty', TENANT_ID: 'not-a-guid', APPROVAL_POLICY: 'sometimes' });
    const variables = error.problems.map((p) => p.variable);
    expect(variables).toEqual(expect.arrayContaining(['PORT', 'TENANT_ID', 'STORAGE_CONNECTION_STRING', 'SECRET_VAULT_KEY', 'APPROVAL_POLICY', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET']));
    expect(error.message).toContain('TENANT_ID: expected a GUID');
    expect(error.message).toContain('APPROVAL_POLICY: expected none, non-admins or all');
    expect(error.code).toBe('CONFIG_INVALID');
  });

  it('when a secret is invalid, then the error never repeats its value', () => {
    const error = problemsOf({ ...valid, SECRET_VAULT_KEY: 'hunter2-not-32-bytes', GRAPH_CERTIFICATE_PATH: '/nope/cert.pem' });
    expect(error.message).toContain('SECRET_VAULT_KEY');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain(valid.GRAPH_CLIENT_SECRET);
  });

  it('when local mode is asked to listen beyond loopback, then it refuses (unauthenticated traffic stays on 127.0.0.1)', () => {
    const error = problemsOf({ ...valid, HOST: '0.0.0.0' });
    expect(error.problems).toEqual([{ variable: 'HOST', expected: expect.stringContaining('loopback') }]);
  });

  it.each([
    ['no bot id', { BOT_PASSWORD: 'x' }, 'BOT_ID'],
    ['no bot secret', { BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075' }, 'BOT_PASSWORD'],
  ])('when tenant mode has %s, then it refuses to start', (_case, extra, variable) => {
    const error = problemsOf({ ...valid, APP_MODE: 'tenant', HOST: '0.0.0.0', ...extra });
    expect(error.problems.map((p) => p.variable)).toContain(variable);
  });

  it('when local mode is pointed at a real Entra ID or Graph (or left at their defaults), then it refuses and names each variable', () => {
    const { GRAPH_AUTHORITY_HOST: _authority, GRAPH_BASE_URL: _graph, ...withDefaults } = valid;
    expect(problemsOf(withDefaults).problems.map((p) => p.variable)).toEqual(['GRAPH_AUTHORITY_HOST', 'GRAPH_BASE_URL']);
    const remote = problemsOf({ ...valid, GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com', GRAPH_BASE_URL: 'https://graph.microsoft.com' });
    expect(remote.problems.map((p) => p.variable)).toEqual(['GRAPH_AUTHORITY_HOST', 'GRAPH_BASE_URL']);
    expect(remote.message).toContain('LOCAL_ALLOW_REMOTE_DIRECTORY=true');
    expect(problemsOf({ ...valid, GRAPH_BASE_URL: 'https://127.0.0.1.attacker.example' }).problems.map((p) => p.variable)).toEqual(['GRAPH_BASE_URL']);
  });

  it('when local mode is explicitly allowed a real directory, then it starts with a loud warning naming the URLs', () => {
    const config = loadConfig({ ...valid, GRAPH_BASE_URL: 'https://graph.microsoft.com', LOCAL_ALLOW_REMOTE_DIRECTORY: 'true' });
    expect(config.graph.baseUrl).toBe('https://graph.microsoft.com');
    expect(config.warnings.join('\n')).toMatch(/LOCAL MODE IS USING A REAL DIRECTORY \(GRAPH_BASE_URL=https:\/\/graph\.microsoft\.com\)/);
    expect(loadConfig(valid).warnings.join('\n')).not.toContain('REAL DIRECTORY');
  });

  it('when tenant mode is given an http ticket-channel service URL, then it refuses it (the Bot Connector token would travel in clear)', () => {
    const tenant = { ...valid, APP_MODE: 'tenant', BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'x', TICKET_CHANNEL_ID: '19:it@thread.tacv2' };
    expect(problemsOf({ ...tenant, TICKET_CHANNEL_SERVICE_URL: 'http://smba.trafficmanager.net/emea/' }).problems.map((p) => p.variable)).toEqual(['TICKET_CHANNEL_SERVICE_URL']);
    expect(loadConfig({ ...tenant, TICKET_CHANNEL_SERVICE_URL: 'https://smba.trafficmanager.net/emea/' }).ticketChannel?.serviceUrl).toBe('https://smba.trafficmanager.net/emea/');
    // Local mode keeps the Playground's loopback connector.
    expect(loadConfig({ ...valid, TICKET_CHANNEL_ID: 'it-team-id', TICKET_CHANNEL_SERVICE_URL: 'http://localhost:56150/_connector' }).ticketChannel).toBeDefined();
  });

  it('when FILE_UPLOAD_HOSTS is unset, then a consented file goes only to OneDrive for Business of the bot\'s cloud (learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges), plus loopback in local mode; a value that is no host is refused', () => {
    const tenant = { ...valid, APP_MODE: 'tenant', HOST: '0.0.0.0', BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'bot-secret' };
    expect(loadConfig(tenant).fileUploadHosts).toEqual(['sharepoint.com']);
    expect(loadConfig({ ...tenant, FILE_UPLOAD_HOSTS: '' }).fileUploadHosts).toEqual(['sharepoint.com']);
    expect(loadConfig({ ...tenant, BOT_CLOUD: 'USGov' }).fileUploadHosts).toEqual(['sharepoint.us']);
    expect(loadConfig({ ...tenant, BOT_CLOUD: 'USGovDoD' }).fileUploadHosts).toEqual(['sharepoint-mil.us', 'dps.mil']);
    expect(loadConfig({ ...tenant, BOT_CLOUD: 'China' }).fileUploadHosts).toEqual(['sharepoint.cn']);
    expect(loadConfig(valid).fileUploadHosts).toEqual(['sharepoint.com', '127.0.0.1', 'localhost']);
    expect(loadConfig({ ...tenant, FILE_UPLOAD_HOSTS: 'Contoso-my.sharepoint.com, contoso-my.sharepoint.com' }).fileUploadHosts).toEqual(['contoso-my.sharepoint.com']);
    expect(problemsOf({ ...tenant, FILE_UPLOAD_HOSTS: 'https://contoso-my.sharepoint.com/' }).problems.map((p) => p.variable)).toEqual(['FILE_UPLOAD_HOSTS']);
  });

  it('when tenant mode has its bot credentials, then the adapter gets them', () => {
    const config = loadConfig({ ...valid, APP_MODE: 'tenant', HOST: '0.0.0.0', BOT_ID: 'b07b0a7d-0000-4000-8000-00000000b075', BOT_PASSWORD: 'bot-secret' });
    expect(config.bot).toMatchObject({ appId: 'b07b0a7d-0000-4000-8000-00000000b075', appType: 'SingleTenant' });
  });

  it.each([
    ['none', {}],
    ['two', { GRAPH_USE_MANAGED_IDENTITY: 'true' }],
  ])('when %s Graph credentials are given instead of exactly one, then it says so', (_case, extra) => {
    const environment: Record<string, string> = { ...valid, ...extra };
    if (_case === 'none') delete environment.GRAPH_CLIENT_SECRET;
    expect(problemsOf(environment).problems.map((p) => p.variable)).toContain('GRAPH_CLIENT_SECRET');
  });

  it('when no role groups are configured, then it starts but warns that nobody may create accounts', () => {
    const config = loadConfig({ ...valid, ADMIN_GROUP_IDS: '' });
    expect(config.roles.adminGroupIds).toEqual([]);
    expect(config.warnings.join(' ')).toMatch(/nobody may request or create accounts/);
  });

  it('when a password length below 14 is configured, then it is refused', () => {
    expect(problemsOf({ ...valid, PASSWORD_LENGTH: '12' }).problems).toEqual([{ variable: 'PASSWORD_LENGTH', expected: 'at least 14' }]);
  });

  it('when no resume batch size is configured, then a pass reads 200; a size outside 1 to 5000 is refused with one sentence', () => {
    expect(loadConfig(valid).resume.batchSize).toBe(200);
    expect(loadConfig({ ...valid, RESUME_BATCH_SIZE: '5000' }).resume.batchSize).toBe(5000);
    for (const wrong of ['0', '5001', '2.5', 'many']) {
      expect(problemsOf({ ...valid, RESUME_BATCH_SIZE: wrong }).problems).toEqual([{ variable: 'RESUME_BATCH_SIZE', expected: 'a whole number from 1 to 5000' }]);
    }
  });

  it('when the committed local defaults are read, then together with the generated secrets they form a valid local config', () => {
    const environment = readEnvironment('local', projectRoot, { GRAPH_CLIENT_SECRET: 'generated', SECRET_VAULT_KEY: valid.SECRET_VAULT_KEY });
    const config = loadConfig(environment);
    expect(config.mode).toBe('local');
    expect(config.graph.baseUrl).toBe('https://127.0.0.1:44300');
    expect(config.roles.adminGroupIds).toHaveLength(1);
  });

  it('when an environment name has path characters, then it is refused before any file is read', () => {
    expect(() => readEnvironment('../etc', projectRoot, {})).toThrow(ConfigError);
  });
  it('when the secret may go to the manager or the coordinator, then the policy carries the default, the choices and the coordinator, and installing the app needs its catalog id', () => {
    const config = loadConfig({
      ...valid, SECRET_RECIPIENT_DEFAULT: 'manager', SECRET_RECIPIENT_CHOICES: 'Requester, manager,coordinator,manager', IT_COORDINATOR: 'it.desk@contoso.com',
      INSTALL_APP_FOR_RECIPIENT: 'true', TEAMS_APP_CATALOG_ID: '7d1c0a5e-0000-4000-8000-0000000a0c01',
    });
    expect(config.onboarding.credentials.recipient).toEqual({ default: 'manager', choices: ['requester', 'manager', 'coordinator'], coordinator: 'it.desk@contoso.com' });
    expect(config.recipientReach).toEqual({ installApp: true, teamsAppCatalogId: '7d1c0a5e-0000-4000-8000-0000000a0c01' });
    expect(loadConfig(valid).onboarding.credentials.recipient).toEqual({ default: 'requester', choices: ['requester'] });
    expect(loadConfig(valid).recipientReach).toEqual({ installApp: false });
  });

  it.each([
    ['choices without the default', { SECRET_RECIPIENT_DEFAULT: 'manager', SECRET_RECIPIENT_CHOICES: 'requester' }, 'SECRET_RECIPIENT_CHOICES'],
    ['the coordinator offered without one', { SECRET_RECIPIENT_CHOICES: 'requester,coordinator' }, 'IT_COORDINATOR'],
    ['an unknown recipient', { SECRET_RECIPIENT_DEFAULT: 'hr' }, 'SECRET_RECIPIENT_DEFAULT'],
    ['an unknown choice', { SECRET_RECIPIENT_CHOICES: 'requester,hr' }, 'SECRET_RECIPIENT_CHOICES'],
    ['a coordinator that is no user name or id', { SECRET_RECIPIENT_CHOICES: 'requester,coordinator', IT_COORDINATOR: 'IT desk' }, 'IT_COORDINATOR'],
    ['installing the app without its catalog id', { INSTALL_APP_FOR_RECIPIENT: 'true' }, 'TEAMS_APP_CATALOG_ID'],
  ])('when %s, then the variable is named', (_case, environment, variable) => {
    expect(problemsOf({ ...valid, ...environment }).problems.map((p) => p.variable)).toContain(variable);
  });
});
