/** How guests are invited, from the environment: Microsoft's email by default, Teams as the start page with our tenant in it. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const valid = {
  TENANT_ID: '4f8c9a2e-6b1d-4c3e-9f7a-2d5e8b1c0a93',
  GRAPH_CLIENT_ID: 'b07b0a7d-0000-4000-8000-00000000b075',
  GRAPH_CLIENT_SECRET: 'local-secret-value-123',
  GRAPH_AUTHORITY_HOST: 'https://127.0.0.1:44300',
  GRAPH_BASE_URL: 'https://127.0.0.1:44300',
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  SECRET_VAULT_KEY: randomBytes(32).toString('base64'),
};

describe('guest invitation settings', () => {
  it('when nothing is set, then Microsoft emails invitations and guests land in Teams with the tenant in the URL (learn.microsoft.com/entra/external-id/invite-internal-users)', () => {
    const config = loadConfig(valid);
    expect(config.onboarding.guests).toEqual({ invitation: 'email', redirectUrl: `https://teams.microsoft.com/?tenantId=${valid.TENANT_ID}` });
    expect(config.warnings.join('\n')).not.toMatch(/GUEST_INVITATION/);
  });

  it('when links are handed over and My Apps is the start page, then the policy says so and a start-up warning names the weaker choice (learn.microsoft.com/entra/external-id/redemption-experience)', () => {
    const config = loadConfig({ ...valid, GUEST_INVITATION: 'reveal', GUEST_START_PAGE: 'myapps' });
    expect(config.onboarding.guests).toEqual({ invitation: 'reveal', redirectUrl: `https://myapps.microsoft.com/?tenantid=${valid.TENANT_ID}` });
    expect(config.warnings.join('\n')).toMatch(/GUEST_INVITATION is reveal: guest invitation links go to the recipient on a reveal card/);
  });

  it('when a value is unknown, then the variable is named with what it takes', () => {
    let error: unknown;
    try {
      loadConfig({ ...valid, GUEST_INVITATION: 'chat', GUEST_START_PAGE: 'outlook' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual(['GUEST_INVITATION', 'GUEST_START_PAGE']);
  });
});
