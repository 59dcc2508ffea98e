/**
 * Telemetry is configured by one variable, APPLICATIONINSIGHTS_CONNECTION_STRING (set on the
 * App Service by infra/azure.bicep); locally it is absent and telemetry is off.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEnvironment } from '../../src/config.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const secrets = { GRAPH_CLIENT_SECRET: 'local-secret-value-123', SECRET_VAULT_KEY: randomBytes(32).toString('base64') };
const connectionString = 'InstrumentationKey=0b6e1a52-8c1d-4c3e-9f7a-2d5e8b1c0a93;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/';

describe('telemetry configuration', () => {
  it('when the bot starts from env/.env.local, then telemetry is off', () => {
    const config = loadConfig(readEnvironment('local', projectRoot, secrets));
    expect(config.telemetry).toBeUndefined();
  });

  it('when a connection string is set, then telemetry gets it', () => {
    const config = loadConfig(readEnvironment('local', projectRoot, { ...secrets, APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString }));
    expect(config.telemetry).toEqual({ connectionString });
  });

  it('when the connection string is set but empty, as in env/.env.dev.sample, then telemetry is off', () => {
    const config = loadConfig(readEnvironment('local', projectRoot, { ...secrets, APPLICATIONINSIGHTS_CONNECTION_STRING: '' }));
    expect(config.telemetry).toBeUndefined();
  });

  it('when it is not a connection string, then start-up names the variable and does not echo the value', () => {
    const value = 'https://westeurope-5.in.applicationinsights.azure.com/';
    let problem: ConfigError | undefined;
    try {
      loadConfig(readEnvironment('local', projectRoot, { ...secrets, APPLICATIONINSIGHTS_CONNECTION_STRING: value }));
    } catch (error) {
      if (error instanceof ConfigError) problem = error;
    }
    expect(problem?.problems.map((p) => p.variable)).toEqual(['APPLICATIONINSIGHTS_CONNECTION_STRING']);
    expect(problem?.message).not.toContain(value);
  });

  it('when the launcher starts, then the OpenTelemetry module is imported only when telemetry is configured (never by app.ts)', () => {
    const launcher = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
    expect(launcher).not.toMatch(/^import[^;]*telemetry/m);
    expect(launcher).toMatch(/config\.telemetry\s*\?\s*\(await import\('\.\/telemetry\.js'\)\)/);
    expect(readFileSync(new URL('../../src/app.ts', import.meta.url), 'utf8')).not.toMatch(/telemetry\.js|@azure\/monitor-opentelemetry|@opentelemetry\//);
  });
});
