import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalTenant, type LocalTenant } from '../../src/local-tenant/server.js';

type Json = Record<string, unknown> & { keys?: Record<string, unknown>[] };

let tenant: LocalTenant;
const BOT_APP_ID = 'b07b0a7d-0000-4000-8000-00000000b075';

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, stateDir: null, throttling: false });
});
afterAll(async () => {
  await tenant.close();
});

async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Json };
}

describe('Bot Framework channel token service (what login.botframework.com serves a bot)', () => {
  it('when the OpenID configuration is read, then it names the Bot Framework issuer and a JWKS on this tenant', async () => {
    const { status, body } = await getJson(tenant.botFramework.openIdMetadataUrl);
    expect(status).toBe(200);
    expect(body).toMatchObject({ issuer: 'https://api.botframework.com', jwks_uri: `${tenant.url}/botframework/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] });
  });

  it('when the keys are read, then each is an RSA signing key endorsed for msteams (botbuilder checks the channel against it)', async () => {
    const { body } = await getJson(`${tenant.url}/botframework/v1/keys`);
    expect(body.keys).toHaveLength(1);
    expect(body.keys?.[0]).toMatchObject({ kty: 'RSA', use: 'sig', endorsements: ['msteams'] });
    expect(body.keys?.[0]).toHaveProperty('n');
    expect(body.keys?.[0]).not.toHaveProperty('d');
  });

  it('when a channel token is minted, then it verifies against the published keys with the claims botbuilder checks', async () => {
    const token = await tenant.botFramework.mintChannelToken({ appId: BOT_APP_ID, serviceUrl: 'https://smba.example/amer/' });
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${tenant.url}/botframework/v1/keys`)), {
      issuer: 'https://api.botframework.com',
      audience: BOT_APP_ID,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload['serviceurl']).toBe('https://smba.example/amer/');
    expect((payload.exp ?? 0) - (payload.nbf ?? 0)).toBe(3600);
  });

  it('when a token is minted expired or not yet valid, then its times say so', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const expired = decodeJwt(await tenant.botFramework.mintChannelToken({ appId: BOT_APP_ID, serviceUrl: 'https://x.example', now, lifetimeSeconds: -600 }));
    const early = decodeJwt(await tenant.botFramework.mintChannelToken({ appId: BOT_APP_ID, serviceUrl: 'https://x.example', now, notBeforeSeconds: 600 }));
    expect(expired.exp).toBe(now.getTime() / 1000 - 600);
    expect(early.nbf).toBe(now.getTime() / 1000 + 600);
  });
});

describe('token service: the Bot Connector scope (a bot sending replies)', () => {
  async function token(scope: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${tenant.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.app.clientId, client_secret: tenant.app.clientSecret, scope }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  it('when the bot asks for https://api.botframework.com/.default, then it gets a token for that audience without Graph roles', async () => {
    const { status, body } = await token('https://api.botframework.com/.default');
    expect(status).toBe(200);
    const claims = decodeJwt(String(body['access_token']));
    expect(claims).toMatchObject({ aud: 'https://api.botframework.com', appid: tenant.app.clientId, tid: tenant.tenantId, roles: [] });
  });

  it('when a Bot Connector token is presented to Graph, then Graph refuses it (wrong audience)', async () => {
    const { body } = await token('https://api.botframework.com/.default');
    const response = await fetch(`${tenant.graphBaseUrl}/v1.0/users`, { headers: { authorization: `Bearer ${String(body['access_token'])}` } });
    expect(response.status).toBe(401);
  });
});
